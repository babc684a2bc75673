package management

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strings"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// WebSocket APIs, apigatewayv2's with protocolType WEBSOCKET: the same records and operations as an HTTP API's
// (httpapis.go), with a WebSocket API's fields where they differ: any route key, route response selection,
// AWS_IAM or CUSTOM authorization at $connect, AWS, HTTP and MOCK integrations with mapping templates, REQUEST
// authorizers reading route.request.* identities. A deployment keeps the working copy in the fields a file's
// WebSocket definition has (exportWebSocket), which the control plane reads as it reads a file's.

const (
	protocolWebSocket = "WEBSOCKET"
	// maxWebSocketTimeoutMillis is a WebSocket integration's longest timeout, and its default.
	maxWebSocketTimeoutMillis = 29000
)

// isWebSocket tells whether the record is a WebSocket API's.
func (rec *httpAPIRecord) isWebSocket() bool { return rec.API.ProtocolType == protocolWebSocket }

// newWebSocketAPI is CreateApi's record of a WebSocket API.
func (s *Service) newWebSocketAPI(id string, req createHTTPAPIRequest) (*httpAPIRecord, error) {
	switch {
	case req.Target != "" || req.RouteKey != "":
		return nil, badRequest("A WebSocket API has no quick create: target and routeKey are an HTTP API's")
	case req.CorsConfiguration != nil:
		return nil, badRequest("A WebSocket API has no corsConfiguration: it is an HTTP API's")
	case req.RouteSelectionExpression == nil || !isBodySelection(*req.RouteSelectionExpression):
		return nil, badRequest("A WebSocket API needs its routeSelectionExpression, a member of the message: $request.body.{member}")
	}
	rec := &httpAPIRecord{API: httpAPI{APIID: id, ProtocolType: protocolWebSocket, RouteSelectionExpression: *req.RouteSelectionExpression,
		APIKeySelectionExpression: "$request.header.x-api-key", CreatedDate: isoAt(s.now()), Tags: req.Tags,
		APIEndpoint: "ws://" + id + "." + s.files.Load().domain}}
	req.RouteSelectionExpression = nil // checked above: apply checks an HTTP API's
	return rec, req.apply(&rec.API)
}

// isBodySelection tells an expression selecting a member of a JSON message.
func isBodySelection(e string) bool {
	return strings.HasPrefix(e, "$request.body.") || (strings.HasPrefix(e, "${request.body.") && strings.HasSuffix(e, "}"))
}

// applyWebSocket is apply for a WebSocket API's integration.
func (req integrationV2Request) applyWebSocket(in *integrationV2) error {
	switch {
	case req.CredentialsARN != "":
		return badRequest("credentialsArn is not supported by Tollgate: it invokes functions with its own credentials")
	case req.ContentHandlingStrategy != "" || req.ResponseParameters != nil || req.RequestParameters != nil || req.TLSConfig != nil:
		return badRequest("contentHandlingStrategy, requestParameters, responseParameters and tlsConfig of WebSocket integrations are not supported by Tollgate yet")
	case req.ConnectionType == "VPC_LINK" || req.ConnectionID != "" || req.IntegrationSubtype != "":
		return badRequest("VPC links (connectionType VPC_LINK, connectionId) and integrationSubtype of WebSocket integrations are not supported by Tollgate yet")
	case req.PayloadFormatVersion != "" && req.PayloadFormatVersion != "1.0":
		return badRequest("A WebSocket integration's payloadFormatVersion is 1.0")
	case req.PassthroughBehavior != "" && req.PassthroughBehavior != "WHEN_NO_MATCH":
		return badRequest("passthroughBehavior %s is not supported by Tollgate yet: a message no template matches is passed as it is", req.PassthroughBehavior)
	}
	for to, from := range map[*string]string{&in.IntegrationMethod: req.IntegrationMethod, &in.IntegrationType: req.IntegrationType,
		&in.IntegrationURI: req.IntegrationURI, &in.TemplateSelectionExpression: req.TemplateSelectionExpression} {
		if from != "" {
			*to = from
		}
	}
	if req.Description != nil {
		in.Description = *req.Description
	}
	if req.RequestTemplates != nil {
		in.RequestTemplates = req.RequestTemplates
	}
	if req.TimeoutInMillis != nil {
		in.TimeoutInMillis = *req.TimeoutInMillis
	}
	return nil
}

// checkWebSocket is check for a WebSocket API's integration; the deployment's load checks the rest.
func (in *integrationV2) checkWebSocket() error {
	proxy := in.IntegrationType == "AWS_PROXY" || in.IntegrationType == "HTTP_PROXY"
	switch {
	case in.IntegrationType != "MOCK" && in.IntegrationType != "AWS" && in.IntegrationType != "HTTP" && !proxy:
		return badRequest("Invalid integrationType %q: a WebSocket API's are AWS_PROXY, HTTP_PROXY, AWS, HTTP and MOCK", in.IntegrationType)
	case in.IntegrationType != "MOCK" && in.IntegrationURI == "":
		return badRequest("An %s integration needs its integrationUri", in.IntegrationType)
	case proxy && (in.RequestTemplates != nil || in.TemplateSelectionExpression != ""):
		return badRequest("A proxy integration passes messages as they are: requestTemplates are AWS, HTTP and MOCK integrations'")
	case in.TimeoutInMillis < 50 || in.TimeoutInMillis > maxWebSocketTimeoutMillis:
		return badRequest("Invalid timeoutInMillis %d: want 50 to %d", in.TimeoutInMillis, maxWebSocketTimeoutMillis)
	}
	return nil
}

// applyWebSocket is apply for a WebSocket API's route.
func (req routeV2Request) applyWebSocket(rt *routeV2) error {
	switch {
	case req.ModelSelectionExpression != "" || req.RequestModels != nil || req.RequestParameters != nil:
		return badRequest("modelSelectionExpression, requestModels and requestParameters of WebSocket routes are not supported by Tollgate yet")
	case req.AuthorizationScopes != nil:
		return badRequest("A WebSocket route has no authorizationScopes")
	}
	if req.RouteKey != "" {
		rt.RouteKey = req.RouteKey
	}
	if req.AuthorizationType != "" {
		rt.AuthorizationType = req.AuthorizationType
	}
	if req.RouteResponseSelectionExpression != "" {
		rt.RouteResponseSelectionExpression = req.RouteResponseSelectionExpression
	}
	if req.APIKeyRequired != nil {
		rt.APIKeyRequired = *req.APIKeyRequired
	}
	for to, from := range map[*string]*string{&rt.AuthorizerID: req.AuthorizerID, &rt.OperationName: req.OperationName, &rt.Target: req.Target} {
		if from != nil {
			*to = *from
		}
	}
	return nil
}

// checkWebSocket is check for a WebSocket API's route.
func (rt *routeV2) checkWebSocket(rec *httpAPIRecord) error {
	switch {
	case rt.RouteKey == "" || len(rt.RouteKey) > 128:
		return badRequest("Invalid route key %q", rt.RouteKey)
	case (rt.AuthorizationType != "NONE" || rt.APIKeyRequired) && rt.RouteKey != "$connect":
		return badRequest("Only the $connect route is authorized, and requires an API key")
	case rt.AuthorizationType != "NONE" && rt.AuthorizationType != "AWS_IAM" && rt.AuthorizationType != "CUSTOM":
		return badRequest("Invalid authorizationType %q: want NONE, AWS_IAM or CUSTOM", rt.AuthorizationType)
	case (rt.AuthorizationType == "CUSTOM") != (rt.AuthorizerID != ""):
		return badRequest("A CUSTOM route names its authorizer in authorizerId, and only it does")
	case rt.RouteResponseSelectionExpression != "" && rt.RouteResponseSelectionExpression != "$default":
		return badRequest("A route's routeResponseSelectionExpression is $default (its integration's answer is sent back), or none")
	}
	if rt.AuthorizerID != "" {
		if _, err := authorizerOfV2(rec, rt.AuthorizerID); err != nil {
			return err
		}
	}
	return rt.checkCommon(rec)
}

// checkWebSocket is check for a WebSocket API's authorizer: a REQUEST Lambda authorizer of route.request.*
// identities.
func (a *authorizerV2) checkWebSocket() error {
	switch {
	case a.Name == "":
		return badRequest("An authorizer needs its name")
	case a.AuthorizerType != "REQUEST":
		return badRequest("Invalid authorizerType %q: a WebSocket API's authorizers are REQUEST", a.AuthorizerType)
	case a.AuthorizerURI == "":
		return badRequest("A Lambda authorizer needs its authorizerUri")
	case a.JWTConfiguration != nil || a.EnableSimpleResponses || a.AuthorizerPayloadFormatVersion != "" || a.AuthorizerResultTTLInSeconds != nil:
		return badRequest("jwtConfiguration, enableSimpleResponses, authorizerPayloadFormatVersion and authorizerResultTtlInSeconds are an HTTP API's authorizer's")
	}
	for _, src := range a.IdentitySource {
		if !strings.HasPrefix(src, "route.request.header.") && !strings.HasPrefix(src, "route.request.querystring.") && !strings.HasPrefix(src, "stageVariables.") {
			return badRequest("Invalid identitySource %q: want route.request.header.{name}, route.request.querystring.{name} or stageVariables.{name}", src)
		}
	}
	return nil
}

// checkWebSocketStage refuses the stage settings a WebSocket stage does not serve yet.
func (req stageV2Request) checkWebSocketStage() error {
	if req.DefaultRouteSettings != nil || req.RouteSettings != nil || req.AccessLogSettings != nil || req.ClientCertificateID != "" {
		return badRequest("defaultRouteSettings, routeSettings, accessLogSettings and clientCertificateId of WebSocket stages are not supported by Tollgate yet")
	}
	return nil
}

// exportWebSocket is the working copy in the fields of a file's WebSocket API definition (internal/websocketapi).
func exportWebSocket(rec *httpAPIRecord) ([]byte, error) {
	type route struct {
		RouteKey                         string `json:"routeKey"`
		Target                           string `json:"target,omitempty"`
		AuthorizationType                string `json:"authorizationType,omitempty"`
		AuthorizerID                     string `json:"authorizerId,omitempty"`
		APIKeyRequired                   bool   `json:"apiKeyRequired,omitempty"`
		RouteResponseSelectionExpression string `json:"routeResponseSelectionExpression,omitempty"`
	}
	type integrationResponse struct {
		IntegrationResponseKey string            `json:"integrationResponseKey"`
		ResponseTemplates      map[string]string `json:"responseTemplates,omitempty"`
	}
	type integration struct {
		IntegrationResponses        []integrationResponse `json:"integrationResponses,omitempty"`
		IntegrationID               string                `json:"integrationId"`
		IntegrationType             string                `json:"integrationType"`
		IntegrationURI              string                `json:"integrationUri,omitempty"`
		IntegrationMethod           string                `json:"integrationMethod,omitempty"`
		RequestTemplates            map[string]string     `json:"requestTemplates,omitempty"`
		TemplateSelectionExpression string                `json:"templateSelectionExpression,omitempty"`
		TimeoutInMillis             int                   `json:"timeoutInMillis,omitempty"`
	}
	type authorizer struct {
		AuthorizerID   string   `json:"authorizerId"`
		Name           string   `json:"name,omitempty"`
		AuthorizerType string   `json:"authorizerType"`
		AuthorizerURI  string   `json:"authorizerUri"`
		IdentitySource []string `json:"identitySource,omitempty"`
	}
	def := struct {
		Name                      string        `json:"name"`
		RouteSelectionExpression  string        `json:"routeSelectionExpression"`
		APIKeySelectionExpression string        `json:"apiKeySelectionExpression,omitempty"`
		Routes                    []route       `json:"routes"`
		Integrations              []integration `json:"integrations"`
		Authorizers               []authorizer  `json:"authorizers,omitempty"`
	}{Name: rec.API.Name, RouteSelectionExpression: rec.API.RouteSelectionExpression, APIKeySelectionExpression: rec.API.APIKeySelectionExpression}
	for _, rt := range rec.Routes {
		def.Routes = append(def.Routes, route{RouteKey: rt.RouteKey, Target: rt.Target, AuthorizationType: rt.AuthorizationType,
			AuthorizerID: rt.AuthorizerID, APIKeyRequired: rt.APIKeyRequired, RouteResponseSelectionExpression: rt.RouteResponseSelectionExpression})
	}
	for _, in := range rec.Integrations {
		out := integration{IntegrationID: in.IntegrationID, IntegrationType: in.IntegrationType,
			IntegrationURI: in.IntegrationURI, IntegrationMethod: in.IntegrationMethod, RequestTemplates: in.RequestTemplates,
			TemplateSelectionExpression: in.TemplateSelectionExpression, TimeoutInMillis: in.TimeoutInMillis}
		for _, ir := range rec.IntegrationResponses[in.IntegrationID] {
			out.IntegrationResponses = append(out.IntegrationResponses, integrationResponse{IntegrationResponseKey: ir.IntegrationResponseKey, ResponseTemplates: ir.ResponseTemplates})
		}
		def.Integrations = append(def.Integrations, out)
	}
	for _, a := range rec.Authorizers {
		def.Authorizers = append(def.Authorizers, authorizer{AuthorizerID: a.AuthorizerID, Name: a.Name, AuthorizerType: a.AuthorizerType,
			AuthorizerURI: a.AuthorizerURI, IdentitySource: a.IdentitySource})
	}
	return json.MarshalIndent(def, "", "  ")
}

// notForWebSocket refuses, on a WebSocket API, an operation only HTTP APIs have.
func notForWebSocket(w http.ResponseWriter, operation string) {
	fail(w, badRequest("%s is not supported for WebSocket APIs", operation))
}

// fileWebSocketAPI is a file's WebSocket API as GetApi answers it.
func (c *catalog) fileWebSocketAPI(a *tollgatev1.WebSocketApi) httpAPI {
	selection := a.GetApiKeySelectionExpression()
	if selection == "" {
		selection = "$request.header.x-api-key"
	}
	return httpAPI{APIID: a.GetId(), Name: a.GetName(), ProtocolType: protocolWebSocket, RouteSelectionExpression: a.GetRouteSelectionExpression(),
		APIKeySelectionExpression: selection, APIEndpoint: "ws://" + a.GetId() + "." + c.domain}
}

// fileWebSocketRecord is a file's WebSocket API as the management API reads it: its ids digests of what they
// name, as a file's HTTP API's are, one deployment that every stage serves.
func fileWebSocketRecord(a *tollgatev1.WebSocketApi, api httpAPI) *httpAPIRecord {
	ids := func(what string) string { return fileID(a.GetId(), what) }
	rec := &httpAPIRecord{API: api}
	for _, in := range a.GetIntegrations() {
		id := ids("integration " + in.GetIntegrationId())
		rec.Integrations = append(rec.Integrations, &integrationV2{IntegrationID: id, IntegrationType: in.GetIntegrationType(),
			IntegrationURI: in.GetIntegrationUri(), IntegrationMethod: in.GetIntegrationMethod(), ConnectionType: "INTERNET",
			PayloadFormatVersion: "1.0", TimeoutInMillis: int(cmp.Or(in.GetTimeoutInMillis(), maxWebSocketTimeoutMillis)),
			RequestTemplates: in.GetRequestTemplates(), TemplateSelectionExpression: in.GetTemplateSelectionExpression()})
		for _, r := range in.GetIntegrationResponses() {
			if rec.IntegrationResponses == nil {
				rec.IntegrationResponses = map[string][]*integrationResponseV2{}
			}
			rec.IntegrationResponses[id] = append(rec.IntegrationResponses[id], &integrationResponseV2{
				IntegrationResponseID:  ids("integration response " + in.GetIntegrationId() + " " + r.GetIntegrationResponseKey()),
				IntegrationResponseKey: r.GetIntegrationResponseKey(), ResponseTemplates: r.GetResponseTemplates()})
		}
	}
	for _, au := range a.GetAuthorizers() {
		rec.Authorizers = append(rec.Authorizers, &authorizerV2{AuthorizerID: ids("authorizer " + au.GetAuthorizerId()), Name: au.GetName(),
			AuthorizerType: au.GetAuthorizerType(), AuthorizerURI: au.GetAuthorizerUri(), IdentitySource: au.GetIdentitySource()})
	}
	for _, r := range a.GetRoutes() {
		rt := &routeV2{RouteID: ids("route " + r.GetRouteKey()), RouteKey: r.GetRouteKey(), AuthorizationType: cmp.Or(r.GetAuthorizationType(), "NONE"),
			Target: "integrations/" + ids("integration "+r.GetIntegrationId()), RouteResponseSelectionExpression: r.GetRouteResponseSelectionExpression(),
			APIKeyRequired: r.GetApiKeyRequired()}
		if r.GetAuthorizerId() != "" {
			rt.AuthorizerID = ids("authorizer " + r.GetAuthorizerId())
		}
		rec.Routes = append(rec.Routes, rt)
	}
	d := &deploymentV2Record{deploymentV2: deploymentV2{DeploymentID: ids("deployment"), DeploymentStatus: "DEPLOYED", Description: "tollgate.yaml"}}
	rec.Deployments = []*deploymentV2Record{d}
	for _, st := range a.GetStages() {
		rec.Stages = append(rec.Stages, &stageV2{StageName: st.GetStageName(), DeploymentID: d.DeploymentID, StageVariables: st.GetVariables()})
	}
	return rec
}
