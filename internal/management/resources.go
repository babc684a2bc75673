package management

import (
	"cmp"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// The working copy of a managed REST API: its resources, their methods, the methods' integrations and responses.
// None of it is served until a deployment takes it.

func init() {
	const (
		resources           = "/restapis/{restapi_id}/resources"
		resource            = resources + "/{resource_id}"
		method              = resource + "/methods/{http_method}"
		methodResponse      = method + "/responses/{status_code}"
		integration         = method + "/integration"
		integrationResponse = integration + "/responses/{status_code}"
	)
	routes = append(routes,
		route{"GET " + resources, (*Service).getResources},
		route{"GET " + resource, (*Service).getResource},
		route{"POST " + resources + "/{parent_id}", (*Service).createResource},
		route{"DELETE " + resource, (*Service).deleteResource},
		route{"PUT " + method, (*Service).putMethod},
		route{"GET " + method, (*Service).getMethod},
		route{"DELETE " + method, (*Service).deleteMethod},
		route{"PUT " + methodResponse, (*Service).putMethodResponse},
		route{"GET " + methodResponse, (*Service).getMethodResponse},
		route{"DELETE " + methodResponse, (*Service).deleteMethodResponse},
		route{"PUT " + integration, (*Service).putIntegration},
		route{"GET " + integration, (*Service).getIntegration},
		route{"DELETE " + integration, (*Service).deleteIntegration},
		route{"PUT " + integrationResponse, (*Service).putIntegrationResponse},
		route{"GET " + integrationResponse, (*Service).getIntegrationResponse},
		route{"DELETE " + integrationResponse, (*Service).deleteIntegrationResponse},
	)
}

// resourcePage is GetResources's answer, API Gateway's Resources.
type resourcePage struct {
	Items    []resourceView `json:"item"`
	Position string         `json:"position,omitempty"`
}

// resourceView is a Resource as the Get operations answer it: its methods named only, unless embed=methods asks
// for them whole, as API Gateway's.
type resourceView struct {
	ID              string         `json:"id"`
	ParentID        string         `json:"parentId,omitempty"`
	PathPart        string         `json:"pathPart,omitempty"`
	Path            string         `json:"path"`
	ResourceMethods map[string]any `json:"resourceMethods,omitempty"`
}

func view(res *resource, embed bool) resourceView {
	v := resourceView{ID: res.ID, ParentID: res.ParentID, PathPart: res.PathPart, Path: res.Path}
	for name, m := range res.ResourceMethods {
		if v.ResourceMethods == nil {
			v.ResourceMethods = map[string]any{}
		}
		if embed {
			v.ResourceMethods[name] = m
		} else {
			v.ResourceMethods[name] = struct{}{}
		}
	}
	return v
}

func embedsMethods(r *http.Request) bool {
	for _, e := range r.URL.Query()["embed"] {
		if slices.Contains(strings.Split(e, ","), "methods") {
			return true
		}
	}
	return false
}

// getResources is GetResources, paged by resource id.
func (s *Service) getResources(w http.ResponseWriter, r *http.Request) {
	rec, err := s.read(r, false)
	if err != nil {
		fail(w, err)
		return
	}
	sorted := slices.SortedFunc(slices.Values(rec.Resources), func(a, b *resource) int { return strings.Compare(a.ID, b.ID) })
	page, position, err := pageOf(r, sorted, func(res *resource) string { return res.ID })
	if err != nil {
		fail(w, err)
		return
	}
	out := resourcePage{Items: []resourceView{}, Position: position}
	for _, res := range page {
		out.Items = append(out.Items, view(res, embedsMethods(r)))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) getResource(w http.ResponseWriter, r *http.Request) {
	rec, err := s.read(r, false)
	if err != nil {
		fail(w, err)
		return
	}
	res, err := resourceOf(rec, r.PathValue("resource_id"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, view(res, embedsMethods(r)))
}

func resourceOf(rec *apiRecord, id string) (*resource, error) {
	if res := rec.resource(id); res != nil {
		return res, nil
	}
	return nil, notFound("Invalid Resource identifier specified")
}

// pathPart is what a resource's path part may be, as API Gateway allows: a name, a {parameter} or a greedy
// {parameter+}.
var pathPart = regexp.MustCompile(`^([a-zA-Z0-9._:-]+|\{[a-zA-Z0-9._-]+\+?\})$`)

// createResourceRequest is CreateResource's body.
type createResourceRequest struct {
	PathPart string `json:"pathPart"`
}

// createResource is CreateResource: a child of the resource parent_id.
func (s *Service) createResource(w http.ResponseWriter, r *http.Request) {
	var req createResourceRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var created *resource
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		parent, err := resourceOf(*rec, r.PathValue("parent_id"))
		if err != nil {
			return false, err
		}
		if !pathPart.MatchString(req.PathPart) {
			return false, badRequest("Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.")
		}
		if strings.HasSuffix(parent.PathPart, "+}") {
			return false, badRequest("A greedy path variable ({%s}) cannot have child resources", strings.Trim(parent.PathPart, "{}"))
		}
		for _, sibling := range (*rec).Resources {
			if sibling.ParentID != parent.ID {
				continue
			}
			if sibling.PathPart == req.PathPart {
				return false, conflict("Another resource with the same parent already has this name: %s", req.PathPart)
			}
			if strings.HasPrefix(sibling.PathPart, "{") && strings.HasPrefix(req.PathPart, "{") {
				return false, badRequest("A sibling (%s) of this resource already has a variable path part -- only one is allowed", sibling.PathPart)
			}
		}
		created = &resource{ID: newID(), ParentID: parent.ID, PathPart: req.PathPart, Path: childPath(parent, req.PathPart)}
		(*rec).Resources = append((*rec).Resources, created)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, view(created, false))
}

// deleteResource is DeleteResource: the resource and everything under it.
func (s *Service) deleteResource(w http.ResponseWriter, r *http.Request) {
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		res, err := resourceOf(*rec, r.PathValue("resource_id"))
		if err != nil {
			return false, err
		}
		if res.ParentID == "" {
			return false, badRequest("Cannot delete the root resource")
		}
		(*rec).Resources = slices.DeleteFunc((*rec).Resources, func(other *resource) bool {
			return other.Path == res.Path || strings.HasPrefix(other.Path, res.Path+"/")
		})
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	noContent(w)
}

// httpMethods are the methods a resource may have.
var httpMethods = []string{"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY"}

// methodOf is the method r names on its resource; create adds it when absent (a method already there is a
// ConflictException).
func methodOf(rec *apiRecord, r *http.Request, create bool) (*resource, *method, error) {
	res, err := resourceOf(rec, r.PathValue("resource_id"))
	if err != nil {
		return nil, nil, err
	}
	name := strings.ToUpper(r.PathValue("http_method"))
	if !slices.Contains(httpMethods, name) {
		return nil, nil, badRequest("Invalid HttpMethod specified. Valid options are %s", strings.Join(httpMethods, ","))
	}
	m := res.ResourceMethods[name]
	switch {
	case m != nil && create:
		return nil, nil, conflict("Method already exists for this resource")
	case m == nil && !create:
		return nil, nil, notFound("Invalid Method identifier specified")
	case m == nil:
		m = &method{HTTPMethod: name}
		if res.ResourceMethods == nil {
			res.ResourceMethods = map[string]*method{}
		}
		res.ResourceMethods[name] = m
	}
	return res, m, nil
}

// putMethodRequest is PutMethod's body.
type putMethodRequest struct {
	AuthorizationType   string            `json:"authorizationType"`
	AuthorizerID        string            `json:"authorizerId"`
	APIKeyRequired      bool              `json:"apiKeyRequired"`
	OperationName       string            `json:"operationName"`
	RequestParameters   map[string]bool   `json:"requestParameters"`
	RequestModels       map[string]string `json:"requestModels"`
	RequestValidatorID  string            `json:"requestValidatorId"`
	AuthorizationScopes []string          `json:"authorizationScopes"`
}

// requestParameter is what a method request parameter may be named.
var requestParameter = regexp.MustCompile(`^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.[^.]+$`)

func (s *Service) putMethod(w http.ResponseWriter, r *http.Request) {
	var req putMethodRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var out *method
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		for name := range req.RequestParameters {
			if !requestParameter.MatchString(name) {
				return false, badRequest("Invalid method request parameter name %q: want method.request.{path|querystring|header|multivaluequerystring|multivalueheader}.{name}", name)
			}
		}
		if req.AuthorizationType == "NONE" || req.AuthorizationType == "AWS_IAM" {
			req.AuthorizerID = ""
		}
		candidate := &method{AuthorizationType: req.AuthorizationType, AuthorizerID: req.AuthorizerID, RequestValidatorID: req.RequestValidatorID, RequestModels: req.RequestModels}
		if err := (*rec).checkMethod(candidate); err != nil {
			return false, err
		}
		_, m, err := methodOf(*rec, r, true)
		if err != nil {
			return false, err
		}
		m.AuthorizationType, m.AuthorizerID, m.APIKeyRequired, m.OperationName = req.AuthorizationType, req.AuthorizerID, req.APIKeyRequired, req.OperationName
		m.RequestParameters, m.RequestModels, m.AuthorizationScopes = req.RequestParameters, req.RequestModels, req.AuthorizationScopes
		m.RequestValidatorID = req.RequestValidatorID
		out = m
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// checkMethod refuses a method whose authorization, validator or models the API does not have.
func (rec *apiRecord) checkMethod(m *method) error {
	switch m.AuthorizationType {
	case "NONE", "AWS_IAM":
		if m.AuthorizerID != "" {
			return badRequest("Invalid authorizer ID specified: a method of authorization type %s has no authorizer", m.AuthorizationType)
		}
	case "CUSTOM", "COGNITO_USER_POOLS":
		a := rec.authorizer(m.AuthorizerID)
		if a == nil || (a.Type == "COGNITO_USER_POOLS") != (m.AuthorizationType == "COGNITO_USER_POOLS") {
			return badRequest("Invalid authorizer ID specified")
		}
	default:
		return badRequest("Invalid authorization type specified. Valid options are NONE,AWS_IAM,CUSTOM,COGNITO_USER_POOLS")
	}
	if m.RequestValidatorID != "" && rec.validator(m.RequestValidatorID) == nil {
		return badRequest("Invalid Request Validator identifier specified")
	}
	for contentType, name := range m.RequestModels {
		if rec.model(name) == nil {
			return badRequest("Invalid model identifier specified: %s for %s", name, contentType)
		}
	}
	return nil
}

// readMethod answers a Get operation with what pick takes of the method r names.
func (s *Service) readMethod(w http.ResponseWriter, r *http.Request, pick func(m *method) (any, error)) {
	rec, err := s.read(r, false)
	if err != nil {
		fail(w, err)
		return
	}
	_, m, err := methodOf(rec, r, false)
	if err == nil {
		var v any
		if v, err = pick(m); err == nil {
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	fail(w, err)
}

// editMethod applies a write to the method r names, answering with status and what edit returns (nil: no body).
func (s *Service) editMethod(w http.ResponseWriter, r *http.Request, status int, edit func(res *resource, m *method) (any, error)) {
	var out any
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		res, m, err := methodOf(*rec, r, false)
		if err == nil {
			out, err = edit(res, m)
		}
		return false, err
	})
	switch {
	case err != nil:
		fail(w, err)
	case out == nil:
		noContent(w)
	default:
		writeJSON(w, status, out)
	}
}

func (s *Service) getMethod(w http.ResponseWriter, r *http.Request) {
	s.readMethod(w, r, func(m *method) (any, error) { return m, nil })
}

func (s *Service) deleteMethod(w http.ResponseWriter, r *http.Request) {
	s.editMethod(w, r, 0, func(res *resource, m *method) (any, error) {
		delete(res.ResourceMethods, m.HTTPMethod)
		return nil, nil
	})
}

// statusCode is what a method response's status code may be.
var statusCode = regexp.MustCompile(`^[1-5]\d\d$`)

// putMethodResponseRequest is PutMethodResponse's body.
type putMethodResponseRequest struct {
	ResponseParameters map[string]bool   `json:"responseParameters"`
	ResponseModels     map[string]string `json:"responseModels"`
}

func (s *Service) putMethodResponse(w http.ResponseWriter, r *http.Request) {
	var req putMethodResponseRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	s.editMethod(w, r, http.StatusCreated, func(_ *resource, m *method) (any, error) {
		code := r.PathValue("status_code")
		if !statusCode.MatchString(code) {
			return nil, badRequest("Invalid status code specified: %s", code)
		}
		for name := range req.ResponseParameters {
			if !strings.HasPrefix(name, "method.response.header.") {
				return nil, badRequest("Invalid mapping expression specified: %s", name)
			}
		}
		if m.MethodResponses == nil {
			m.MethodResponses = map[string]*methodResponse{}
		}
		resp := &methodResponse{StatusCode: code, ResponseParameters: req.ResponseParameters, ResponseModels: req.ResponseModels}
		m.MethodResponses[code] = resp
		return resp, nil
	})
}

func methodResponseOf(m *method, code string) (*methodResponse, error) {
	if resp := m.MethodResponses[code]; resp != nil {
		return resp, nil
	}
	return nil, notFound("Invalid Response status code specified")
}

func (s *Service) getMethodResponse(w http.ResponseWriter, r *http.Request) {
	s.readMethod(w, r, func(m *method) (any, error) { return methodResponseOf(m, r.PathValue("status_code")) })
}

func (s *Service) deleteMethodResponse(w http.ResponseWriter, r *http.Request) {
	s.editMethod(w, r, 0, func(_ *resource, m *method) (any, error) {
		if _, err := methodResponseOf(m, r.PathValue("status_code")); err != nil {
			return nil, err
		}
		delete(m.MethodResponses, r.PathValue("status_code"))
		return nil, nil
	})
}

// putIntegrationRequest is PutIntegration's body; the fields Tollgate does not serve yet are here to be refused.
type putIntegrationRequest struct {
	Type                 string            `json:"type"`
	HTTPMethod           string            `json:"httpMethod"`
	URI                  string            `json:"uri"`
	ConnectionType       string            `json:"connectionType"`
	ConnectionID         string            `json:"connectionId"`
	Credentials          string            `json:"credentials"`
	RequestParameters    map[string]string `json:"requestParameters"`
	RequestTemplates     map[string]string `json:"requestTemplates"`
	PassthroughBehavior  string            `json:"passthroughBehavior"`
	CacheNamespace       string            `json:"cacheNamespace"`
	CacheKeyParameters   []string          `json:"cacheKeyParameters"`
	ContentHandling      string            `json:"contentHandling"`
	TimeoutInMillis      *int              `json:"timeoutInMillis"`
	TLSConfig            *tlsConfig        `json:"tlsConfig"`
	ResponseTransferMode string            `json:"responseTransferMode"`
	IntegrationTarget    string            `json:"integrationTarget"`
}

func (req *putIntegrationRequest) check() error {
	switch req.Type {
	case "MOCK":
	case "HTTP", "HTTP_PROXY", "AWS", "AWS_PROXY":
		if req.URI == "" {
			return badRequest("Invalid integration URI specified")
		}
		if req.HTTPMethod == "" {
			return badRequest("Enumeration value for HttpMethod must be non-empty")
		}
	default:
		return badRequest("Invalid integration type specified. Valid options are HTTP,HTTP_PROXY,AWS,AWS_PROXY,MOCK")
	}
	switch {
	case req.Credentials != "":
		return badRequest("credentials (an IAM role or the caller's credentials for the integration) are not supported by Tollgate yet")
	case req.IntegrationTarget != "":
		return badRequest("integrationTarget is not supported by Tollgate yet")
	case req.ResponseTransferMode != "" && req.ResponseTransferMode != "BUFFERED":
		return badRequest("responseTransferMode %s (response streaming) is not supported by Tollgate yet", req.ResponseTransferMode)
	case req.TimeoutInMillis != nil && (*req.TimeoutInMillis < 50 || *req.TimeoutInMillis > 29000):
		return badRequest("Timeout should be between 50 ms and 29000 ms")
	}
	switch req.PassthroughBehavior {
	case "", "WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER":
	default:
		return badRequest("Invalid passthrough behavior specified. Valid options are WHEN_NO_MATCH,WHEN_NO_TEMPLATES,NEVER")
	}
	return nil
}

// putIntegration is PutIntegration: the method's integration, its integration responses kept.
func (s *Service) putIntegration(w http.ResponseWriter, r *http.Request) {
	var req putIntegrationRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	s.editMethod(w, r, http.StatusCreated, func(_ *resource, m *method) (any, error) {
		if err := req.check(); err != nil {
			return nil, err
		}
		integ := &integration{Type: req.Type, HTTPMethod: strings.ToUpper(req.HTTPMethod), URI: req.URI,
			ConnectionType: req.ConnectionType, ConnectionID: req.ConnectionID, RequestParameters: req.RequestParameters,
			RequestTemplates: req.RequestTemplates, PassthroughBehavior: cmp.Or(req.PassthroughBehavior, "WHEN_NO_MATCH"),
			ContentHandling: req.ContentHandling, TimeoutInMillis: 29000, CacheNamespace: req.CacheNamespace,
			CacheKeyParameters: req.CacheKeyParameters, TLSConfig: req.TLSConfig}
		if req.TimeoutInMillis != nil {
			integ.TimeoutInMillis = *req.TimeoutInMillis
		}
		if integ.CacheKeyParameters == nil {
			integ.CacheKeyParameters = []string{}
		}
		if integ.Type != "MOCK" && integ.ConnectionType == "" {
			integ.ConnectionType = "INTERNET"
		}
		if m.MethodIntegration != nil {
			integ.IntegrationResponses = m.MethodIntegration.IntegrationResponses
		}
		m.MethodIntegration = integ
		return integ, nil
	})
}

func integrationOf(m *method) (*integration, error) {
	if m.MethodIntegration != nil {
		return m.MethodIntegration, nil
	}
	return nil, notFound("Invalid Integration identifier specified")
}

func (s *Service) getIntegration(w http.ResponseWriter, r *http.Request) {
	s.readMethod(w, r, func(m *method) (any, error) { return integrationOf(m) })
}

func (s *Service) deleteIntegration(w http.ResponseWriter, r *http.Request) {
	s.editMethod(w, r, 0, func(_ *resource, m *method) (any, error) {
		if _, err := integrationOf(m); err != nil {
			return nil, err
		}
		m.MethodIntegration = nil
		return nil, nil
	})
}

// putIntegrationResponseRequest is PutIntegrationResponse's body.
type putIntegrationResponseRequest struct {
	SelectionPattern   string            `json:"selectionPattern"`
	ResponseParameters map[string]string `json:"responseParameters"`
	ResponseTemplates  map[string]string `json:"responseTemplates"`
	ContentHandling    string            `json:"contentHandling"`
}

// putIntegrationResponse is PutIntegrationResponse: it maps the integration's answers onto a method response
// that exists.
func (s *Service) putIntegrationResponse(w http.ResponseWriter, r *http.Request) {
	var req putIntegrationResponseRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	s.editMethod(w, r, http.StatusCreated, func(_ *resource, m *method) (any, error) {
		integ, err := integrationOf(m)
		if err != nil {
			return nil, err
		}
		code := r.PathValue("status_code")
		if _, err := methodResponseOf(m, code); err != nil {
			return nil, err
		}
		if _, err := regexp.Compile(req.SelectionPattern); err != nil {
			return nil, badRequest("Invalid selection pattern specified: %v", err)
		}
		for other, resp := range integ.IntegrationResponses {
			if other != code && resp.SelectionPattern == req.SelectionPattern {
				return nil, conflict("The integration response for status %s already has selection pattern %q", other, req.SelectionPattern)
			}
		}
		if integ.IntegrationResponses == nil {
			integ.IntegrationResponses = map[string]*integrationResponse{}
		}
		resp := &integrationResponse{StatusCode: code, SelectionPattern: req.SelectionPattern, ResponseParameters: req.ResponseParameters,
			ResponseTemplates: req.ResponseTemplates, ContentHandling: req.ContentHandling}
		integ.IntegrationResponses[code] = resp
		return resp, nil
	})
}

func integrationResponseOf(m *method, code string) (*integrationResponse, error) {
	integ, err := integrationOf(m)
	if err != nil {
		return nil, err
	}
	if resp := integ.IntegrationResponses[code]; resp != nil {
		return resp, nil
	}
	return nil, notFound("Invalid Response status code specified")
}

func (s *Service) getIntegrationResponse(w http.ResponseWriter, r *http.Request) {
	s.readMethod(w, r, func(m *method) (any, error) { return integrationResponseOf(m, r.PathValue("status_code")) })
}

func (s *Service) deleteIntegrationResponse(w http.ResponseWriter, r *http.Request) {
	s.editMethod(w, r, 0, func(_ *resource, m *method) (any, error) {
		if _, err := integrationResponseOf(m, r.PathValue("status_code")); err != nil {
			return nil, err
		}
		delete(m.MethodIntegration.IntegrationResponses, r.PathValue("status_code"))
		return nil, nil
	})
}
