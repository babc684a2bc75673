package management

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// A managed REST API's authorizers: Lambda TOKEN and REQUEST authorizers and Cognito user pools, which methods of
// authorizationType CUSTOM and COGNITO_USER_POOLS name by id. A deployment exports each as the security scheme
// the importer reads, so what a file's authorizer is checked and served as, a managed one is too.

func init() {
	const (
		authorizers = "/restapis/{restapi_id}/authorizers"
		one         = authorizers + "/{authorizer_id}"
	)
	routes = append(routes,
		route{"POST " + authorizers, (*Service).createAuthorizer},
		route{"GET " + authorizers, (*Service).getAuthorizers},
		route{"GET " + one, (*Service).getAuthorizer},
		route{"PATCH " + one, (*Service).updateAuthorizer},
		route{"DELETE " + one, (*Service).deleteAuthorizer},
	)
}

// authorizer is API Gateway's Authorizer.
type authorizer struct {
	ID                           string   `json:"id"`
	Name                         string   `json:"name"`
	Type                         string   `json:"type"`
	ProviderARNs                 []string `json:"providerARNs,omitempty"`
	AuthType                     string   `json:"authType,omitempty"`
	AuthorizerURI                string   `json:"authorizerUri,omitempty"`
	AuthorizerCredentials        string   `json:"authorizerCredentials,omitempty"`
	IdentitySource               string   `json:"identitySource,omitempty"`
	IdentityValidationExpression string   `json:"identityValidationExpression,omitempty"`
	AuthorizerResultTTLInSeconds *int     `json:"authorizerResultTtlInSeconds,omitempty"`
}

// authorizerPage is GetAuthorizers's answer, API Gateway's Authorizers.
type authorizerPage struct {
	Items    []authorizer `json:"item"`
	Position string       `json:"position,omitempty"`
}

// securitySchemes the export writes besides authorizers, whose names an authorizer may not take.
var reservedSchemes = []string{"api_key", "sigv4"}

// check refuses an authorizer API Gateway would not create.
func (a *authorizer) check() error {
	switch {
	case a.Name == "" || slices.Contains(reservedSchemes, a.Name):
		return badRequest("Invalid authorizer name %q", a.Name)
	case a.Type == "TOKEN" || a.Type == "REQUEST":
		if a.AuthorizerURI == "" {
			return badRequest("Invalid Authorizer URI specified: a %s authorizer needs authorizerUri", a.Type)
		}
		if a.Type == "TOKEN" && !strings.HasPrefix(a.IdentitySource, "method.request.header.") {
			return badRequest("Invalid identity source %q: a TOKEN authorizer reads method.request.header.{name}", a.IdentitySource)
		}
	case a.Type == "COGNITO_USER_POOLS":
		if len(a.ProviderARNs) == 0 {
			return badRequest("Invalid providerARNs: a COGNITO_USER_POOLS authorizer needs its user pools")
		}
	default:
		return badRequest("Invalid authorizer type %q: want TOKEN, REQUEST or COGNITO_USER_POOLS", a.Type)
	}
	if ttl := a.AuthorizerResultTTLInSeconds; ttl != nil && (*ttl < 0 || *ttl > 3600) {
		return badRequest("Invalid authorizerResultTtlInSeconds %d: want 0 to 3600", *ttl)
	}
	return nil
}

func (rec *apiRecord) authorizer(id string) *authorizer {
	for _, a := range rec.Authorizers {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func authorizerOf(rec *apiRecord, id string) (*authorizer, error) {
	if a := rec.authorizer(id); a != nil {
		return a, nil
	}
	return nil, notFound("Invalid authorizer identifier specified")
}

// uniqueName refuses a name another of the API's authorizers has.
func (rec *apiRecord) uniqueName(a *authorizer) error {
	for _, other := range rec.Authorizers {
		if other.ID != a.ID && other.Name == a.Name {
			return conflict("Authorizer name %s is already used by authorizer %s", a.Name, other.ID)
		}
	}
	return nil
}

func (s *Service) createAuthorizer(w http.ResponseWriter, r *http.Request) {
	var a authorizer
	if err := decode(r, &a); err != nil {
		fail(w, err)
		return
	}
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		a.ID = newID()
		if err := a.check(); err != nil {
			return false, err
		}
		if err := (*rec).uniqueName(&a); err != nil {
			return false, err
		}
		(*rec).Authorizers = append((*rec).Authorizers, &a)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

func (s *Service) getAuthorizers(w http.ResponseWriter, r *http.Request) {
	readList(s, w, r, func(rec *apiRecord) []authorizer {
		var all []authorizer
		for _, a := range rec.Authorizers {
			all = append(all, *a)
		}
		return all
	}, func(a authorizer) string { return a.ID }, func(page []authorizer, position string) any { return authorizerPage{page, position} })
}

func (s *Service) getAuthorizer(w http.ResponseWriter, r *http.Request) {
	readOne(s, w, r, func(rec *apiRecord) (*authorizer, error) { return authorizerOf(rec, r.PathValue("authorizer_id")) })
}

// updateAuthorizer is UpdateAuthorizer over the authorizer's fields; a deployment serves the change.
func (s *Service) updateAuthorizer(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	var out *authorizer
	_, err = s.change(r, func(rec **apiRecord) (bool, error) {
		a, err := authorizerOf(*rec, r.PathValue("authorizer_id"))
		if err != nil {
			return false, err
		}
		for _, op := range ops {
			if err := a.patch(op); err != nil {
				return false, err
			}
		}
		if err := a.check(); err != nil {
			return false, err
		}
		out = a
		return false, (*rec).uniqueName(a)
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *authorizer) patch(op patchOperation) error {
	done, err := fields{strings: map[string]*string{"/name": &a.Name, "/type": &a.Type, "/authType": &a.AuthType,
		"/authorizerUri": &a.AuthorizerURI, "/authorizerCredentials": &a.AuthorizerCredentials, "/identitySource": &a.IdentitySource,
		"/identityValidationExpression": &a.IdentityValidationExpression}}.replace(op)
	switch {
	case done:
		return err
	case op.Op == "replace" && op.Path == "/authorizerResultTtlInSeconds":
		ttl, err := strconv.Atoi(op.Value)
		if err != nil {
			return badRequest("Invalid authorizerResultTtlInSeconds %q", op.Value)
		}
		a.AuthorizerResultTTLInSeconds = &ttl
	case op.Op == "add" && op.Path == "/providerARNs":
		a.ProviderARNs = append(a.ProviderARNs, op.Value)
	case op.Op == "remove" && op.Path == "/providerARNs":
		a.ProviderARNs = slices.DeleteFunc(a.ProviderARNs, func(arn string) bool { return arn == op.Value })
	default:
		return invalidPatch(op)
	}
	return nil
}

// deleteAuthorizer is DeleteAuthorizer, of an authorizer no method of the working copy names.
func (s *Service) deleteAuthorizer(w http.ResponseWriter, r *http.Request) {
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		a, err := authorizerOf(*rec, r.PathValue("authorizer_id"))
		if err != nil {
			return false, err
		}
		for _, res := range (*rec).Resources {
			for name, m := range res.ResourceMethods {
				if m.AuthorizerID == a.ID {
					return false, badRequest("Cannot delete authorizer '%s', is referenced in method: %s %s", a.Name, name, res.Path)
				}
			}
		}
		(*rec).Authorizers = slices.DeleteFunc((*rec).Authorizers, func(other *authorizer) bool { return other == a })
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	noContent(w)
}

// scheme is the authorizer as the security scheme the importer reads.
func (a *authorizer) scheme() map[string]any {
	x := map[string]any{"type": strings.ToLower(a.Type)}
	setIf(x, "authorizerUri", a.AuthorizerURI)
	setIf(x, "authorizerCredentials", a.AuthorizerCredentials)
	setIf(x, "identitySource", a.IdentitySource)
	setIf(x, "identityValidationExpression", a.IdentityValidationExpression)
	if len(a.ProviderARNs) > 0 {
		x["providerARNs"] = a.ProviderARNs
	}
	if a.AuthorizerResultTTLInSeconds != nil {
		x["authorizerResultTtlInSeconds"] = *a.AuthorizerResultTTLInSeconds
	}
	header, authType := "Unused", "custom"
	if name, ok := strings.CutPrefix(a.IdentitySource, "method.request.header."); ok && a.Type != "REQUEST" {
		header = name
	}
	if a.Type == "COGNITO_USER_POOLS" {
		authType = "cognito_user_pools"
		if header == "Unused" {
			header = "Authorization"
		}
	}
	return map[string]any{"type": "apiKey", "name": header, "in": "header", "x-amazon-apigateway-authtype": authType,
		"x-amazon-apigateway-authorizer": x}
}

// authorizerOfModel is an imported authorizer as API Gateway's, under id.
func authorizerOfModel(a *tollgatev1.Authorizer, id string) (*authorizer, error) {
	out := &authorizer{ID: id, Name: a.GetName(), Type: strings.TrimPrefix(a.GetType().String(), "AUTHORIZER_TYPE_"),
		ProviderARNs: a.GetProviderArns(), AuthorizerURI: a.GetAuthorizerUri(), AuthorizerCredentials: a.GetAuthorizerCredentials(),
		IdentitySource: a.GetIdentitySource(), IdentityValidationExpression: a.GetIdentityValidationExpression()}
	if a.ResultTtlInSeconds != nil {
		ttl := int(a.GetResultTtlInSeconds())
		out.AuthorizerResultTTLInSeconds = &ttl
	}
	return out, out.check()
}
