package management

import (
	"net/http"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/routekey"
)

// An HTTP API's integrations, routes and authorizers: each is created, read, updated with the fields given, and
// deleted; a route names its integration by target integrations/{id}, an authorizer by authorizerId.

func init() {
	const api = "/v2/apis/{api_id}"
	routes = append(routes,
		route{"POST " + api + "/integrations", (*Service).createIntegrationV2},
		route{"GET " + api + "/integrations", (*Service).getIntegrationsV2},
		route{"GET " + api + "/integrations/{integration_id}", (*Service).getIntegrationV2},
		route{"PATCH " + api + "/integrations/{integration_id}", (*Service).updateIntegrationV2},
		route{"DELETE " + api + "/integrations/{integration_id}", (*Service).deleteIntegrationV2},
		route{"POST " + api + "/routes", (*Service).createRouteV2},
		route{"GET " + api + "/routes", (*Service).getRoutesV2},
		route{"GET " + api + "/routes/{route_id}", (*Service).getRouteV2},
		route{"PATCH " + api + "/routes/{route_id}", (*Service).updateRouteV2},
		route{"DELETE " + api + "/routes/{route_id}", (*Service).deleteRouteV2},
		route{"POST " + api + "/authorizers", (*Service).createAuthorizerV2},
		route{"GET " + api + "/authorizers", (*Service).getAuthorizersV2},
		route{"GET " + api + "/authorizers/{authorizer_id}", (*Service).getAuthorizerV2},
		route{"PATCH " + api + "/authorizers/{authorizer_id}", (*Service).updateAuthorizerV2},
		route{"DELETE " + api + "/authorizers/{authorizer_id}", (*Service).deleteAuthorizerV2},
	)
}

const (
	defaultRouteKey = routekey.Default
	// defaultTimeoutMillis is an HTTP API integration's timeout unless it says: 30 seconds.
	defaultTimeoutMillis = 30000
)

// integrationV2 is apigatewayv2's Integration of an HTTP API: a Lambda proxy (AWS_PROXY) or an HTTP proxy.
type integrationV2 struct {
	ConnectionID         string            `json:"connectionId,omitempty"`
	ConnectionType       string            `json:"connectionType"`
	Description          string            `json:"description,omitempty"`
	IntegrationID        string            `json:"integrationId"`
	IntegrationMethod    string            `json:"integrationMethod,omitempty"`
	IntegrationType      string            `json:"integrationType"`
	IntegrationURI       string            `json:"integrationUri,omitempty"`
	PayloadFormatVersion string            `json:"payloadFormatVersion"`
	RequestParameters    map[string]string `json:"requestParameters,omitempty"`
	TimeoutInMillis      int               `json:"timeoutInMillis"`
	TLSConfig            *tlsConfigV2      `json:"tlsConfig,omitempty"`
	// A WebSocket API's integration's mapping templates (websocketapis.go).
	RequestTemplates            map[string]string `json:"requestTemplates,omitempty"`
	TemplateSelectionExpression string            `json:"templateSelectionExpression,omitempty"`
}

// tlsConfigV2 is apigatewayv2's TlsConfig: the name a private integration's certificate must have.
type tlsConfigV2 struct {
	ServerNameToVerify string `json:"serverNameToVerify,omitempty"`
}

// integrationV2Request is CreateIntegration's and UpdateIntegration's body.
type integrationV2Request struct {
	ConnectionID                string            `json:"connectionId"`
	ConnectionType              string            `json:"connectionType"`
	ContentHandlingStrategy     string            `json:"contentHandlingStrategy"`
	CredentialsARN              string            `json:"credentialsArn"`
	Description                 *string           `json:"description"`
	IntegrationMethod           string            `json:"integrationMethod"`
	IntegrationSubtype          string            `json:"integrationSubtype"`
	IntegrationType             string            `json:"integrationType"`
	IntegrationURI              string            `json:"integrationUri"`
	PassthroughBehavior         string            `json:"passthroughBehavior"`
	PayloadFormatVersion        string            `json:"payloadFormatVersion"`
	RequestParameters           map[string]string `json:"requestParameters"`
	RequestTemplates            map[string]string `json:"requestTemplates"`
	ResponseParameters          map[string]any    `json:"responseParameters"`
	TemplateSelectionExpression string            `json:"templateSelectionExpression"`
	TimeoutInMillis             *int              `json:"timeoutInMillis"`
	TLSConfig                   *tlsConfigV2      `json:"tlsConfig"`
}

// apply sets what the request gives of an integration, refusing what an HTTP API has not or Tollgate does not
// serve yet; check then checks the whole.
func (req integrationV2Request) apply(in *integrationV2) error {
	switch {
	case req.CredentialsARN != "":
		return badRequest("credentialsArn is not supported by Tollgate: it invokes functions with its own credentials")
	case req.IntegrationSubtype != "":
		return badRequest("integrationSubtype %s (an AWS service integration) is not supported by Tollgate yet", req.IntegrationSubtype)
	case req.ContentHandlingStrategy != "" || req.PassthroughBehavior != "" || req.RequestTemplates != nil || req.TemplateSelectionExpression != "":
		return badRequest("contentHandlingStrategy, passthroughBehavior, requestTemplates and templateSelectionExpression are a WebSocket API's, not an HTTP API's")
	case req.ResponseParameters != nil:
		return badRequest("responseParameters are not supported by Tollgate yet")
	}
	for to, from := range map[*string]string{&in.ConnectionID: req.ConnectionID, &in.ConnectionType: req.ConnectionType,
		&in.IntegrationMethod: req.IntegrationMethod, &in.IntegrationType: req.IntegrationType, &in.IntegrationURI: req.IntegrationURI,
		&in.PayloadFormatVersion: req.PayloadFormatVersion} {
		if from != "" {
			*to = from
		}
	}
	if req.Description != nil {
		in.Description = *req.Description
	}
	if req.RequestParameters != nil {
		in.RequestParameters = req.RequestParameters
	}
	if req.TimeoutInMillis != nil {
		in.TimeoutInMillis = *req.TimeoutInMillis
	}
	if req.TLSConfig != nil {
		in.TLSConfig = req.TLSConfig
	}
	return nil
}

// check refuses an integration an HTTP API cannot have; the control plane's load checks the rest when it is
// deployed.
func (in *integrationV2) check() error {
	switch in.IntegrationType {
	case "AWS_PROXY":
		if !strings.HasPrefix(in.IntegrationURI, "arn:") {
			return badRequest("An AWS_PROXY integration's integrationUri is a Lambda function's ARN, or its invocation URI")
		}
		if in.PayloadFormatVersion != "1.0" && in.PayloadFormatVersion != "2.0" {
			return badRequest("A Lambda proxy integration's payloadFormatVersion is 1.0 or 2.0")
		}
	case "HTTP_PROXY":
		// A URL with stage variables in it is no URL until a stage resolves them: the deployment's load checks it.
		if !strings.HasPrefix(in.IntegrationURI, "http://") && !strings.HasPrefix(in.IntegrationURI, "https://") && in.ConnectionType != "VPC_LINK" {
			return badRequest("An HTTP_PROXY integration's integrationUri is an http or https URL")
		}
		if in.IntegrationMethod == "" {
			return badRequest("An HTTP_PROXY integration needs its integrationMethod")
		}
		if in.PayloadFormatVersion != "1.0" {
			return badRequest("An HTTP proxy integration's payloadFormatVersion is 1.0")
		}
	case "":
		return badRequest("An integration needs its integrationType")
	default:
		return badRequest("Integration type %s is a WebSocket API's: an HTTP API's are AWS_PROXY and HTTP_PROXY", in.IntegrationType)
	}
	if in.ConnectionType != "INTERNET" && in.ConnectionType != "VPC_LINK" {
		return badRequest("Invalid connectionType %q: want INTERNET or VPC_LINK", in.ConnectionType)
	}
	if (in.ConnectionType == "VPC_LINK") != (in.ConnectionID != "") {
		return badRequest("A VPC_LINK integration names its VPC link in connectionId, and only it does")
	}
	if in.TimeoutInMillis < 50 || in.TimeoutInMillis > 30000 {
		return badRequest("Invalid timeoutInMillis %d: want 50 to 30000", in.TimeoutInMillis)
	}
	return nil
}

// update applies the request to the integration and checks it, as its API's kind says.
func (in *integrationV2) update(rec *httpAPIRecord, req integrationV2Request) error {
	if rec.isWebSocket() {
		if err := req.applyWebSocket(in); err != nil {
			return err
		}
		return in.checkWebSocket()
	}
	if err := req.apply(in); err != nil {
		return err
	}
	return in.check()
}

func integrationV2Of(rec *httpAPIRecord, id string) (*integrationV2, error) {
	if i := slices.IndexFunc(rec.Integrations, func(in *integrationV2) bool { return in.IntegrationID == id }); i >= 0 {
		return rec.Integrations[i], nil
	}
	return nil, notFound("Invalid Integration identifier specified")
}

func (s *Service) createIntegrationV2(w http.ResponseWriter, r *http.Request) {
	var req integrationV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	in := &integrationV2{IntegrationID: newID(), ConnectionType: "INTERNET", TimeoutInMillis: defaultTimeoutMillis}
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		if (*rec).isWebSocket() {
			in.TimeoutInMillis, in.PayloadFormatVersion = maxWebSocketTimeoutMillis, "1.0"
		} else if req.IntegrationType == "HTTP_PROXY" {
			in.PayloadFormatVersion = "1.0"
		}
		if err := in.update(*rec, req); err != nil {
			return false, err
		}
		(*rec).Integrations = append((*rec).Integrations, in)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, in)
}

func (s *Service) getIntegrationsV2(w http.ResponseWriter, r *http.Request) {
	readHTTPList(s, w, r, func(rec *httpAPIRecord) []*integrationV2 { return slices.Clone(rec.Integrations) },
		func(in *integrationV2) string { return in.IntegrationID })
}

func (s *Service) getIntegrationV2(w http.ResponseWriter, r *http.Request) {
	readHTTP(s, w, r, func(rec *httpAPIRecord) (*integrationV2, error) {
		return integrationV2Of(rec, r.PathValue("integration_id"))
	})
}

func (s *Service) updateIntegrationV2(w http.ResponseWriter, r *http.Request) {
	var req integrationV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var out *integrationV2
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		in, err := integrationV2Of(*rec, r.PathValue("integration_id"))
		if err != nil {
			return false, err
		}
		out = in
		return false, in.update(*rec, req)
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteIntegrationV2 is DeleteIntegration, of an integration no route targets.
func (s *Service) deleteIntegrationV2(w http.ResponseWriter, r *http.Request) {
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		in, err := integrationV2Of(*rec, r.PathValue("integration_id"))
		if err != nil {
			return false, err
		}
		if slices.ContainsFunc((*rec).Routes, func(rt *routeV2) bool { return rt.Target == "integrations/"+in.IntegrationID }) {
			return false, conflict("Integration %s is the target of a route: change the route first", in.IntegrationID)
		}
		(*rec).Integrations = slices.DeleteFunc((*rec).Integrations, func(other *integrationV2) bool { return other == in })
		delete((*rec).IntegrationResponses, in.IntegrationID)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// routeV2 is apigatewayv2's Route of an HTTP API.
type routeV2 struct {
	APIKeyRequired      bool     `json:"apiKeyRequired"`
	AuthorizationScopes []string `json:"authorizationScopes,omitempty"`
	AuthorizationType   string   `json:"authorizationType"`
	AuthorizerID        string   `json:"authorizerId,omitempty"`
	OperationName       string   `json:"operationName,omitempty"`
	RouteID             string   `json:"routeId"`
	RouteKey            string   `json:"routeKey"`
	Target              string   `json:"target,omitempty"`
	// A WebSocket API's route's (websocketapis.go).
	RouteResponseSelectionExpression string `json:"routeResponseSelectionExpression,omitempty"`
}

// routeV2Request is CreateRoute's and UpdateRoute's body.
type routeV2Request struct {
	APIKeyRequired                   *bool             `json:"apiKeyRequired"`
	AuthorizationScopes              []string          `json:"authorizationScopes"`
	AuthorizationType                string            `json:"authorizationType"`
	AuthorizerID                     *string           `json:"authorizerId"`
	ModelSelectionExpression         string            `json:"modelSelectionExpression"`
	OperationName                    *string           `json:"operationName"`
	RequestModels                    map[string]string `json:"requestModels"`
	RequestParameters                map[string]any    `json:"requestParameters"`
	RouteKey                         string            `json:"routeKey"`
	RouteResponseSelectionExpression string            `json:"routeResponseSelectionExpression"`
	Target                           *string           `json:"target"`
}

func (req routeV2Request) apply(rt *routeV2) error {
	switch {
	case req.ModelSelectionExpression != "" || req.RequestModels != nil || req.RequestParameters != nil || req.RouteResponseSelectionExpression != "":
		return badRequest("modelSelectionExpression, requestModels, requestParameters and routeResponseSelectionExpression are a WebSocket API's route's, not an HTTP API's")
	case req.APIKeyRequired != nil && *req.APIKeyRequired:
		return badRequest("An HTTP API has no API keys: apiKeyRequired is a WebSocket API's")
	}
	if req.RouteKey != "" {
		rt.RouteKey = req.RouteKey
	}
	if req.AuthorizationType != "" {
		rt.AuthorizationType = req.AuthorizationType
	}
	if req.AuthorizationScopes != nil {
		rt.AuthorizationScopes = req.AuthorizationScopes
	}
	for to, from := range map[*string]*string{&rt.AuthorizerID: req.AuthorizerID, &rt.OperationName: req.OperationName, &rt.Target: req.Target} {
		if from != nil {
			*to = *from
		}
	}
	return nil
}

// check refuses a route the API cannot have: a key that is none, or another route's, a target that is none of its
// integrations, an authorizer it has not, or one of another type than the route's authorization.
func (rt *routeV2) check(rec *httpAPIRecord) error {
	if rec.isWebSocket() {
		return rt.checkWebSocket(rec)
	}
	if _, ok := routekey.MethodKey(rt.RouteKey); !ok {
		return badRequest("Invalid route key %q: want a method (or ANY) and a path, as GET /pets, or $default", rt.RouteKey)
	}
	if err := rt.checkCommon(rec); err != nil {
		return err
	}
	switch rt.AuthorizationType {
	case "NONE":
		if rt.AuthorizerID != "" || len(rt.AuthorizationScopes) > 0 {
			return badRequest("A route with authorizationType NONE names no authorizer and no scopes")
		}
		return nil
	case "JWT", "CUSTOM":
	case "AWS_IAM":
		return badRequest("authorizationType AWS_IAM is not supported by Tollgate yet for HTTP APIs")
	default:
		return badRequest("Invalid authorizationType %q: want NONE, JWT or CUSTOM", rt.AuthorizationType)
	}
	a, err := authorizerOfV2(rec, rt.AuthorizerID)
	switch {
	case err != nil:
		return err
	case (a.AuthorizerType == "JWT") != (rt.AuthorizationType == "JWT"):
		return badRequest("Authorizer %s is of type %s: a route with authorizationType %s names one of type %s", a.AuthorizerID, a.AuthorizerType, rt.AuthorizationType,
			map[bool]string{true: "JWT", false: "REQUEST"}[rt.AuthorizationType == "JWT"])
	case len(rt.AuthorizationScopes) > 0 && a.AuthorizerType != "JWT":
		return badRequest("authorizationScopes are a JWT authorizer's")
	}
	return nil
}

// checkCommon checks what every API's route must be: its key no other route's, its target one of the API's
// integrations.
func (rt *routeV2) checkCommon(rec *httpAPIRecord) error {
	if slices.ContainsFunc(rec.Routes, func(other *routeV2) bool { return other.RouteKey == rt.RouteKey && other.RouteID != rt.RouteID }) {
		return conflict("Route key %s is another route's", rt.RouteKey)
	}
	if rt.Target != "" {
		id, ok := strings.CutPrefix(rt.Target, "integrations/")
		if _, err := integrationV2Of(rec, id); !ok || err != nil {
			return badRequest("Invalid target %q: want integrations/{integrationId} of one of the API's integrations", rt.Target)
		}
	}
	return nil
}

// applyTo applies the request to the route as its API's kind says.
func (req routeV2Request) applyTo(rec *httpAPIRecord, rt *routeV2) error {
	if rec.isWebSocket() {
		return req.applyWebSocket(rt)
	}
	return req.apply(rt)
}

func routeOf(rec *httpAPIRecord, id string) (*routeV2, error) {
	if i := slices.IndexFunc(rec.Routes, func(rt *routeV2) bool { return rt.RouteID == id }); i >= 0 {
		return rec.Routes[i], nil
	}
	return nil, notFound("Invalid Route identifier specified")
}

func (s *Service) createRouteV2(w http.ResponseWriter, r *http.Request) {
	var req routeV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	rt := &routeV2{RouteID: newID(), AuthorizationType: "NONE"}
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		if err := req.applyTo(*rec, rt); err != nil {
			return false, err
		}
		if err := rt.check(*rec); err != nil {
			return false, err
		}
		(*rec).Routes = append((*rec).Routes, rt)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, rt)
}

func (s *Service) getRoutesV2(w http.ResponseWriter, r *http.Request) {
	readHTTPList(s, w, r, func(rec *httpAPIRecord) []*routeV2 { return slices.Clone(rec.Routes) }, func(rt *routeV2) string { return rt.RouteID })
}

func (s *Service) getRouteV2(w http.ResponseWriter, r *http.Request) {
	readHTTP(s, w, r, func(rec *httpAPIRecord) (*routeV2, error) { return routeOf(rec, r.PathValue("route_id")) })
}

func (s *Service) updateRouteV2(w http.ResponseWriter, r *http.Request) {
	var req routeV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var out *routeV2
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		rt, err := routeOf(*rec, r.PathValue("route_id"))
		if err != nil {
			return false, err
		}
		if err := req.applyTo(*rec, rt); err != nil {
			return false, err
		}
		out = rt
		return false, rt.check(*rec)
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) deleteRouteV2(w http.ResponseWriter, r *http.Request) {
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		rt, err := routeOf(*rec, r.PathValue("route_id"))
		if err != nil {
			return false, err
		}
		(*rec).Routes = slices.DeleteFunc((*rec).Routes, func(other *routeV2) bool { return other == rt })
		delete((*rec).RouteResponses, rt.RouteID)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// authorizerV2 is apigatewayv2's Authorizer of an HTTP API: JWT (Envoy's jwt_authn verifies the token) or a
// Lambda authorizer of type REQUEST.
type authorizerV2 struct {
	AuthorizerID                   string            `json:"authorizerId"`
	AuthorizerPayloadFormatVersion string            `json:"authorizerPayloadFormatVersion,omitempty"`
	AuthorizerResultTTLInSeconds   *int              `json:"authorizerResultTtlInSeconds,omitempty"`
	AuthorizerType                 string            `json:"authorizerType"`
	AuthorizerURI                  string            `json:"authorizerUri,omitempty"`
	EnableSimpleResponses          bool              `json:"enableSimpleResponses"`
	IdentitySource                 []string          `json:"identitySource,omitempty"`
	JWTConfiguration               *jwtConfiguration `json:"jwtConfiguration,omitempty"`
	Name                           string            `json:"name"`
}

// jwtConfiguration is a JWT authorizer's issuer and audiences.
type jwtConfiguration struct {
	Audience []string `json:"audience,omitempty"`
	Issuer   string   `json:"issuer,omitempty"`
}

// authorizerV2Request is CreateAuthorizer's and UpdateAuthorizer's body.
type authorizerV2Request struct {
	AuthorizerCredentialsARN       string            `json:"authorizerCredentialsArn"`
	AuthorizerPayloadFormatVersion string            `json:"authorizerPayloadFormatVersion"`
	AuthorizerResultTTLInSeconds   *int              `json:"authorizerResultTtlInSeconds"`
	AuthorizerType                 string            `json:"authorizerType"`
	AuthorizerURI                  string            `json:"authorizerUri"`
	EnableSimpleResponses          *bool             `json:"enableSimpleResponses"`
	IdentitySource                 []string          `json:"identitySource"`
	IdentityValidationExpression   string            `json:"identityValidationExpression"`
	JWTConfiguration               *jwtConfiguration `json:"jwtConfiguration"`
	Name                           string            `json:"name"`
}

func (req authorizerV2Request) apply(a *authorizerV2) error {
	switch {
	case req.AuthorizerCredentialsARN != "":
		return badRequest("authorizerCredentialsArn is not supported by Tollgate: it invokes authorizers with its own credentials")
	case req.IdentityValidationExpression != "":
		return badRequest("identityValidationExpression is a WebSocket API's authorizer's, not an HTTP API's")
	}
	for to, from := range map[*string]string{&a.AuthorizerPayloadFormatVersion: req.AuthorizerPayloadFormatVersion,
		&a.AuthorizerType: req.AuthorizerType, &a.AuthorizerURI: req.AuthorizerURI, &a.Name: req.Name} {
		if from != "" {
			*to = from
		}
	}
	if req.AuthorizerResultTTLInSeconds != nil {
		a.AuthorizerResultTTLInSeconds = req.AuthorizerResultTTLInSeconds
	}
	if req.EnableSimpleResponses != nil {
		a.EnableSimpleResponses = *req.EnableSimpleResponses
	}
	if req.IdentitySource != nil {
		a.IdentitySource = req.IdentitySource
	}
	if req.JWTConfiguration != nil {
		a.JWTConfiguration = req.JWTConfiguration
	}
	return nil
}

func (a *authorizerV2) check(rec *httpAPIRecord) error {
	if rec.isWebSocket() {
		return a.checkWebSocket()
	}
	switch {
	case a.Name == "":
		return badRequest("An authorizer needs its name")
	case a.AuthorizerType == "JWT" && (a.JWTConfiguration == nil || a.JWTConfiguration.Issuer == ""):
		return badRequest("A JWT authorizer needs its jwtConfiguration's issuer")
	case a.AuthorizerType == "JWT" && len(a.IdentitySource) != 1:
		return badRequest("A JWT authorizer has one identitySource, as $request.header.Authorization")
	case a.AuthorizerType == "REQUEST" && a.AuthorizerURI == "":
		return badRequest("A Lambda authorizer needs its authorizerUri")
	case a.AuthorizerType == "REQUEST" && a.AuthorizerPayloadFormatVersion != "1.0" && a.AuthorizerPayloadFormatVersion != "2.0":
		return badRequest("A Lambda authorizer's authorizerPayloadFormatVersion is 1.0 or 2.0")
	case a.AuthorizerType != "JWT" && a.AuthorizerType != "REQUEST":
		return badRequest("Invalid authorizerType %q: an HTTP API's are JWT and REQUEST", a.AuthorizerType)
	}
	return nil
}

func authorizerOfV2(rec *httpAPIRecord, id string) (*authorizerV2, error) {
	if i := slices.IndexFunc(rec.Authorizers, func(a *authorizerV2) bool { return a.AuthorizerID == id }); i >= 0 {
		return rec.Authorizers[i], nil
	}
	return nil, notFound("Invalid Authorizer identifier specified")
}

func (s *Service) createAuthorizerV2(w http.ResponseWriter, r *http.Request) {
	var req authorizerV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	a := &authorizerV2{AuthorizerID: newID()}
	if err := req.apply(a); err != nil {
		fail(w, err)
		return
	}
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		if err := a.check(*rec); err != nil {
			return false, err
		}
		if slices.ContainsFunc((*rec).Authorizers, func(other *authorizerV2) bool { return other.Name == a.Name }) {
			return false, conflict("Authorizer name %s is another authorizer's", a.Name)
		}
		(*rec).Authorizers = append((*rec).Authorizers, a)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

func (s *Service) getAuthorizersV2(w http.ResponseWriter, r *http.Request) {
	readHTTPList(s, w, r, func(rec *httpAPIRecord) []*authorizerV2 { return slices.Clone(rec.Authorizers) },
		func(a *authorizerV2) string { return a.AuthorizerID })
}

func (s *Service) getAuthorizerV2(w http.ResponseWriter, r *http.Request) {
	readHTTP(s, w, r, func(rec *httpAPIRecord) (*authorizerV2, error) {
		return authorizerOfV2(rec, r.PathValue("authorizer_id"))
	})
}

func (s *Service) updateAuthorizerV2(w http.ResponseWriter, r *http.Request) {
	var req authorizerV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var out *authorizerV2
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		a, err := authorizerOfV2(*rec, r.PathValue("authorizer_id"))
		if err != nil {
			return false, err
		}
		if err := req.apply(a); err != nil {
			return false, err
		}
		if err := a.check(*rec); err != nil {
			return false, err
		}
		for _, rt := range (*rec).Routes {
			if rt.AuthorizerID == a.AuthorizerID {
				if err := rt.check(*rec); err != nil {
					return false, err
				}
			}
		}
		out = a
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteAuthorizerV2 is DeleteAuthorizer, of an authorizer no route names.
func (s *Service) deleteAuthorizerV2(w http.ResponseWriter, r *http.Request) {
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		a, err := authorizerOfV2(*rec, r.PathValue("authorizer_id"))
		if err != nil {
			return false, err
		}
		if slices.ContainsFunc((*rec).Routes, func(rt *routeV2) bool { return rt.AuthorizerID == a.AuthorizerID }) {
			return false, conflict("Authorizer %s is a route's: change the route first", a.AuthorizerID)
		}
		(*rec).Authorizers = slices.DeleteFunc((*rec).Authorizers, func(other *authorizerV2) bool { return other == a })
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
