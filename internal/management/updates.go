package management

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The Update operations of the working copy's resources, methods, integrations and their responses, over the
// patch paths API Gateway documents for them (a map entry's key escaped as a JSON pointer's: application~1json).

func init() {
	const (
		resource = "/restapis/{restapi_id}/resources/{resource_id}"
		method   = resource + "/methods/{http_method}"
	)
	routes = append(routes,
		route{"PATCH " + resource, (*Service).updateResource},
		route{"PATCH " + method, (*Service).updateMethod},
		route{"PATCH " + method + "/responses/{status_code}", (*Service).updateMethodResponse},
		route{"PATCH " + method + "/integration", (*Service).updateIntegration},
		route{"PATCH " + method + "/integration/responses/{status_code}", (*Service).updateIntegrationResponse},
	)
}

// fields are the plain fields an Update operation may replace, by patch path.
type fields struct {
	strings map[string]*string
	flags   map[string]*bool
}

// replace applies op if it replaces one of the fields, and says whether it did.
func (f fields) replace(op patchOperation) (bool, error) {
	if op.Op != "replace" {
		return false, nil
	}
	if p := f.strings[op.Path]; p != nil {
		*p = op.Value
		return true, nil
	}
	if p := f.flags[op.Path]; p != nil {
		v, err := strconv.ParseBool(op.Value)
		if err != nil {
			return true, badRequest("Invalid value %q for %s: want true or false", op.Value, op.Path)
		}
		*p = v
		return true, nil
	}
	return false, nil
}

// entry is the map entry a patch path names under prefix ("/requestTemplates/"), its key unescaped.
func entry(op patchOperation, prefix string) (string, bool) {
	key, ok := strings.CutPrefix(op.Path, prefix)
	if !ok || key == "" {
		return "", false
	}
	return unescapePointer(key), true
}

// patchStrings applies an add, replace or remove of one entry of a map of strings.
func patchStrings(m *map[string]string, key string, op patchOperation) error {
	switch op.Op {
	case "add", "replace":
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[key] = op.Value
	case "remove":
		delete(*m, key)
	default:
		return invalidPatch(op)
	}
	return nil
}

// patchFlags applies an add, replace or remove of one entry of a map of booleans ("true" or "false").
func patchFlags(m *map[string]bool, key string, op patchOperation) error {
	switch op.Op {
	case "add", "replace":
		v, err := strconv.ParseBool(cmp.Or(op.Value, "false"))
		if err != nil {
			return badRequest("Invalid value %q for %s: want true or false", op.Value, op.Path)
		}
		if *m == nil {
			*m = map[string]bool{}
		}
		(*m)[key] = v
	case "remove":
		delete(*m, key)
	default:
		return invalidPatch(op)
	}
	return nil
}

// updateResource is UpdateResource: /pathPart renames the resource, /parentId moves it; the paths under it follow.
func (s *Service) updateResource(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	var out *resource
	_, err = s.change(r, func(rec **apiRecord) (bool, error) {
		res, err := resourceOf(*rec, r.PathValue("resource_id"))
		if err != nil {
			return false, err
		}
		if res.ParentID == "" {
			return false, badRequest("Cannot update the root resource")
		}
		part, parentID := res.PathPart, res.ParentID
		for _, op := range ops {
			switch {
			case op.Op == "replace" && op.Path == "/pathPart":
				part = op.Value
			case op.Op == "replace" && op.Path == "/parentId":
				parentID = op.Value
			default:
				return false, invalidPatch(op)
			}
		}
		parent, err := resourceOf(*rec, parentID)
		if err != nil {
			return false, err
		}
		if parent.Path == res.Path || strings.HasPrefix(parent.Path, res.Path+"/") {
			return false, badRequest("A resource cannot be moved under itself")
		}
		if !pathPart.MatchString(part) {
			return false, badRequest("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
		}
		for _, sibling := range (*rec).Resources {
			if sibling != res && sibling.ParentID == parent.ID && sibling.PathPart == part {
				return false, conflict("Another resource with the same parent already has this name: %s", part)
			}
		}
		old := res.Path
		res.PathPart, res.ParentID, res.Path = part, parent.ID, childPath(parent, part)
		for _, under := range (*rec).Resources {
			if rest, ok := strings.CutPrefix(under.Path, old+"/"); ok {
				under.Path = res.Path + "/" + rest
			}
		}
		out = res
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, view(out, false))
}

// updateMethod is UpdateMethod; the method is checked after as PutMethod's body is.
func (s *Service) updateMethod(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	var out *method
	_, err = s.change(r, func(rec **apiRecord) (bool, error) {
		_, m, err := methodOf(*rec, r, false)
		if err != nil {
			return false, err
		}
		for _, op := range ops {
			if err := m.patch(op); err != nil {
				return false, err
			}
		}
		out = m
		return false, (*rec).checkMethod(m)
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (m *method) patch(op patchOperation) error {
	if key, ok := entry(op, "/requestParameters/"); ok {
		if !requestParameter.MatchString(key) {
			return badRequest("Invalid method request parameter name %q", key)
		}
		return patchFlags(&m.RequestParameters, key, op)
	}
	if key, ok := entry(op, "/requestModels/"); ok {
		return patchStrings(&m.RequestModels, key, op)
	}
	done, err := fields{strings: map[string]*string{"/authorizationType": &m.AuthorizationType, "/authorizerId": &m.AuthorizerID,
		"/operationName": &m.OperationName, "/requestValidatorId": &m.RequestValidatorID},
		flags: map[string]*bool{"/apiKeyRequired": &m.APIKeyRequired}}.replace(op)
	switch {
	case done:
		return err
	case op.Op == "add" && op.Path == "/authorizationScopes":
		m.AuthorizationScopes = append(m.AuthorizationScopes, op.Value)
	case op.Op == "remove" && op.Path == "/authorizationScopes":
		m.AuthorizationScopes = slices.DeleteFunc(m.AuthorizationScopes, func(s string) bool { return s == op.Value })
	default:
		return invalidPatch(op)
	}
	return nil
}

// updateMethodResponse is UpdateMethodResponse over its response parameters and models.
func (s *Service) updateMethodResponse(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	s.editMethod(w, r, http.StatusOK, func(_ *resource, m *method) (any, error) {
		resp, err := methodResponseOf(m, r.PathValue("status_code"))
		if err != nil {
			return nil, err
		}
		for _, op := range ops {
			if key, ok := entry(op, "/responseParameters/"); ok && strings.HasPrefix(key, "method.response.header.") {
				err = patchFlags(&resp.ResponseParameters, key, op)
			} else if key, ok := entry(op, "/responseModels/"); ok {
				err = patchStrings(&resp.ResponseModels, key, op)
			} else {
				err = invalidPatch(op)
			}
			if err != nil {
				return nil, err
			}
		}
		return resp, nil
	})
}

// updateIntegration is UpdateIntegration; the result is checked as PutIntegration's body is.
func (s *Service) updateIntegration(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	s.editMethod(w, r, http.StatusOK, func(_ *resource, m *method) (any, error) {
		integ, err := integrationOf(m)
		if err != nil {
			return nil, err
		}
		for _, op := range ops {
			if err := integ.patch(op); err != nil {
				return nil, err
			}
		}
		timeout := integ.TimeoutInMillis
		req := putIntegrationRequest{Type: integ.Type, HTTPMethod: integ.HTTPMethod, URI: integ.URI, PassthroughBehavior: integ.PassthroughBehavior, TimeoutInMillis: &timeout}
		if integ.Type == "MOCK" {
			req.HTTPMethod, req.URI = "", ""
		}
		return integ, req.check()
	})
}

func (integ *integration) patch(op patchOperation) error {
	if key, ok := entry(op, "/requestParameters/"); ok {
		return patchStrings(&integ.RequestParameters, key, op)
	}
	if key, ok := entry(op, "/requestTemplates/"); ok {
		return patchStrings(&integ.RequestTemplates, key, op)
	}
	if key, ok := entry(op, "/cacheKeyParameters/"); ok {
		integ.CacheKeyParameters = slices.DeleteFunc(integ.CacheKeyParameters, func(k string) bool { return k == key })
		if op.Op == "add" {
			integ.CacheKeyParameters = append(integ.CacheKeyParameters, key)
		}
		return nil
	}
	done, err := fields{strings: map[string]*string{"/uri": &integ.URI, "/httpMethod": &integ.HTTPMethod,
		"/passthroughBehavior": &integ.PassthroughBehavior, "/contentHandling": &integ.ContentHandling,
		"/connectionType": &integ.ConnectionType, "/connectionId": &integ.ConnectionID, "/cacheNamespace": &integ.CacheNamespace}}.replace(op)
	switch {
	case done:
		return err
	case op.Op == "replace" && op.Path == "/timeoutInMillis":
		v, err := strconv.Atoi(op.Value)
		if err != nil {
			return badRequest("Invalid value %q for /timeoutInMillis", op.Value)
		}
		integ.TimeoutInMillis = v
	case op.Op == "replace" && op.Path == "/tlsConfig/insecureSkipVerification":
		v, err := strconv.ParseBool(op.Value)
		if err != nil {
			return badRequest("Invalid value %q for %s: want true or false", op.Value, op.Path)
		}
		integ.TLSConfig = &tlsConfig{InsecureSkipVerification: v}
	default:
		return invalidPatch(op)
	}
	return nil
}

// updateIntegrationResponse is UpdateIntegrationResponse.
func (s *Service) updateIntegrationResponse(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	s.editMethod(w, r, http.StatusOK, func(_ *resource, m *method) (any, error) {
		resp, err := integrationResponseOf(m, r.PathValue("status_code"))
		if err != nil {
			return nil, err
		}
		for _, op := range ops {
			if key, ok := entry(op, "/responseParameters/"); ok {
				err = patchStrings(&resp.ResponseParameters, key, op)
			} else if key, ok := entry(op, "/responseTemplates/"); ok {
				err = patchStrings(&resp.ResponseTemplates, key, op)
			} else if op.Op == "replace" && op.Path == "/selectionPattern" {
				resp.SelectionPattern = op.Value
			} else if op.Op == "replace" && op.Path == "/contentHandling" {
				resp.ContentHandling = op.Value
			} else {
				err = invalidPatch(op)
			}
			if err != nil {
				return nil, err
			}
		}
		return resp, nil
	})
}
