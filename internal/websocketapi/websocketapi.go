// Package websocketapi reads a WebSocket API's definition into the model. A definition is YAML or JSON with
// apigatewayv2's own field names (those of CreateApi, CreateRoute and CreateIntegration), so what a user reads in
// AWS's reference is what they write:
//
//	name: chat
//	routeSelectionExpression: $request.body.action
//	routes:
//	  - {routeKey: $connect, target: integrations/connect}
//	  - {routeKey: sendmessage, target: integrations/chat, routeResponseSelectionExpression: $default}
//	integrations:
//	  - {integrationId: chat, integrationType: AWS_PROXY, integrationUri: arn:aws:lambda:us-east-1:123456789012:function:chat}
//
// Fields are read as written; what API Gateway's rules say of them is the model check's (internal/check).
package websocketapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

type definition struct {
	Name                      string        `yaml:"name"`
	Description               string        `yaml:"description"` // documentation: changes nothing for a caller
	ProtocolType              string        `yaml:"protocolType"`
	RouteSelectionExpression  string        `yaml:"routeSelectionExpression"`
	APIKeySelectionExpression string        `yaml:"apiKeySelectionExpression"`
	Routes                    []route       `yaml:"routes"`
	Integrations              []integration `yaml:"integrations"`
	Authorizers               []authorizer  `yaml:"authorizers"`
	// An integration's responses, written in it or here naming it (integrationId); the routes' responses,
	// naming their route (routeKey).
	IntegrationResponses []integrationResponse `yaml:"integrationResponses"`
	RouteResponses       []routeResponse       `yaml:"routeResponses"`
}

// routeResponse is a route's route response: its $default one is what a two-way route sends back.
type routeResponse struct {
	RouteKey         string `yaml:"routeKey"`
	RouteResponseKey string `yaml:"routeResponseKey"`
	// Not served yet: refused when present rather than ignored.
	ModelSelectionExpression string         `yaml:"modelSelectionExpression"`
	ResponseModels           map[string]any `yaml:"responseModels"`
	ResponseParameters       map[string]any `yaml:"responseParameters"`
}

type route struct {
	RouteKey                         string `yaml:"routeKey"`
	Target                           string `yaml:"target"`
	AuthorizationType                string `yaml:"authorizationType"`
	AuthorizerID                     string `yaml:"authorizerId"`
	APIKeyRequired                   bool   `yaml:"apiKeyRequired"`
	RouteResponseSelectionExpression string `yaml:"routeResponseSelectionExpression"`
}

type authorizer struct {
	AuthorizerID   string   `yaml:"authorizerId"`
	Name           string   `yaml:"name"`
	AuthorizerType string   `yaml:"authorizerType"`
	AuthorizerURI  string   `yaml:"authorizerUri"`
	IdentitySource []string `yaml:"identitySource"`
	// Not served yet: refused when present rather than ignored.
	AuthorizerCredentialsArn     string `yaml:"authorizerCredentialsArn"`
	AuthorizerResultTTLInSeconds *int   `yaml:"authorizerResultTtlInSeconds"`
}

type integration struct {
	IntegrationID               string                `yaml:"integrationId"`
	IntegrationType             string                `yaml:"integrationType"`
	IntegrationURI              string                `yaml:"integrationUri"`
	IntegrationMethod           string                `yaml:"integrationMethod"`
	RequestTemplates            map[string]string     `yaml:"requestTemplates"`
	TemplateSelectionExpression string                `yaml:"templateSelectionExpression"`
	TimeoutInMillis             int32                 `yaml:"timeoutInMillis"`
	IntegrationResponses        []integrationResponse `yaml:"integrationResponses"`
	// Not served yet: refused when present rather than ignored.
	PassthroughBehavior     string `yaml:"passthroughBehavior"`
	ContentHandlingStrategy string `yaml:"contentHandlingStrategy"`
}

// integrationResponse is an integration's response: written inside it (apigatewayv2 keeps them under it), or at
// the top level naming it.
type integrationResponse struct {
	IntegrationID               string            `yaml:"integrationId"`
	IntegrationResponseKey      string            `yaml:"integrationResponseKey"`
	ResponseTemplates           map[string]string `yaml:"responseTemplates"`
	TemplateSelectionExpression string            `yaml:"templateSelectionExpression"`
	ContentHandlingStrategy     string            `yaml:"contentHandlingStrategy"`
	ResponseParameters          map[string]string `yaml:"responseParameters"`
}

// model is the integration response as the model holds it, what is not served yet refused.
func (ir integrationResponse) model(file, at string, probs *diag.Problems) *tollgatev1.WebSocketIntegrationResponse {
	if e := ir.TemplateSelectionExpression; e != "" && e != `\$default` && e != "$default" {
		probs.Addf(file, at+"/templateSelectionExpression", "templateSelectionExpression %q of an integration response is not supported yet: its $default template is rendered", e)
	}
	if ir.ContentHandlingStrategy != "" || ir.ResponseParameters != nil {
		probs.Addf(file, at, "contentHandlingStrategy and responseParameters of an integration response are not supported yet")
	}
	return &tollgatev1.WebSocketIntegrationResponse{IntegrationResponseKey: ir.IntegrationResponseKey, ResponseTemplates: ir.ResponseTemplates, SourcePointer: at}
}

// targetPrefix starts a route's target: integrations/{integrationId}.
const targetPrefix = "integrations/"

// Read reads the definition in data, from file (which problems name), into a model API without id or stages;
// warnings are what it holds that changes nothing for a caller.
func Read(file string, data []byte) (api *tollgatev1.WebSocketApi, warnings diag.Problems, err error) {
	var def definition
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a field Tollgate does not know is an error, never ignored
	if err := dec.Decode(&def); err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, diag.Problems{{File: file, Reason: "cannot read the WebSocket API definition: " + err.Error()}}
	}
	if def.Description != "" {
		warnings.Addf(file, "/description", "description is documentation: it changes nothing Tollgate serves")
	}
	var probs diag.Problems
	if def.ProtocolType != "" && def.ProtocolType != "WEBSOCKET" {
		probs.Addf(file, "/protocolType", "protocolType %q: a WebSocket API's definition is WEBSOCKET", def.ProtocolType)
	}
	api = &tollgatev1.WebSocketApi{
		Name: def.Name, SourceFile: file,
		RouteSelectionExpression: def.RouteSelectionExpression, ApiKeySelectionExpression: def.APIKeySelectionExpression,
	}
	for i, r := range def.Routes {
		at := diag.Pointer("routes", i)
		id, isIntegration := strings.CutPrefix(r.Target, targetPrefix)
		if r.Target != "" && !isIntegration {
			probs.Addf(file, at+"/target", "target %q: want integrations/{integrationId}", r.Target)
		}
		api.Routes = append(api.Routes, &tollgatev1.WebSocketRoute{
			RouteKey: r.RouteKey, IntegrationId: id, AuthorizationType: r.AuthorizationType, AuthorizerId: r.AuthorizerID,
			ApiKeyRequired: r.APIKeyRequired, RouteResponseSelectionExpression: r.RouteResponseSelectionExpression,
			SourcePointer: at,
		})
	}
	for i, a := range def.Authorizers {
		at := diag.Pointer("authorizers", i)
		if a.AuthorizerCredentialsArn != "" {
			probs.Addf(file, at+"/authorizerCredentialsArn", "authorizerCredentialsArn is not supported yet: Tollgate invokes functions with its own credentials")
		}
		if a.AuthorizerResultTTLInSeconds != nil {
			probs.Addf(file, at+"/authorizerResultTtlInSeconds", "a WebSocket API's authorizer caches nothing: it decides each connection once, at $connect")
		}
		api.Authorizers = append(api.Authorizers, &tollgatev1.WebSocketAuthorizer{
			AuthorizerId: a.AuthorizerID, Name: a.Name, AuthorizerType: a.AuthorizerType, AuthorizerUri: a.AuthorizerURI,
			IdentitySource: a.IdentitySource, SourcePointer: at,
		})
	}
	for i, in := range def.Integrations {
		at := diag.Pointer("integrations", i)
		if in.PassthroughBehavior != "" && in.PassthroughBehavior != "WHEN_NO_MATCH" {
			probs.Addf(file, at+"/passthroughBehavior", "passthroughBehavior %s is not supported yet: a message no template matches is passed as it is (WHEN_NO_MATCH)", in.PassthroughBehavior)
		}
		if in.ContentHandlingStrategy != "" {
			probs.Addf(file, at+"/contentHandlingStrategy", "contentHandlingStrategy is not supported yet")
		}
		model := &tollgatev1.WebSocketIntegration{
			IntegrationId: in.IntegrationID, IntegrationType: in.IntegrationType, IntegrationUri: in.IntegrationURI,
			IntegrationMethod: in.IntegrationMethod, RequestTemplates: in.RequestTemplates,
			TemplateSelectionExpression: in.TemplateSelectionExpression, TimeoutInMillis: in.TimeoutInMillis,
			SourcePointer: at,
		}
		for j, ir := range in.IntegrationResponses {
			at := fmt.Sprintf("%s/integrationResponses/%d", at, j)
			if ir.IntegrationID != "" && ir.IntegrationID != in.IntegrationID {
				probs.Addf(file, at+"/integrationId", "an integration response written in integration %q is its", in.IntegrationID)
			}
			model.IntegrationResponses = append(model.IntegrationResponses, ir.model(file, at, &probs))
		}
		api.Integrations = append(api.Integrations, model)
	}
	for i, ir := range def.IntegrationResponses {
		at := diag.Pointer("integrationResponses", i)
		j := slices.IndexFunc(api.Integrations, func(in *tollgatev1.WebSocketIntegration) bool { return in.GetIntegrationId() == ir.IntegrationID })
		if j < 0 {
			probs.Addf(file, at+"/integrationId", "integration response of integration %q, which integrations do not define", ir.IntegrationID)
			continue
		}
		api.Integrations[j].IntegrationResponses = append(api.Integrations[j].IntegrationResponses, ir.model(file, at, &probs))
	}
	for i, rr := range def.RouteResponses {
		at := diag.Pointer("routeResponses", i)
		j := slices.IndexFunc(api.Routes, func(r *tollgatev1.WebSocketRoute) bool { return r.GetRouteKey() == rr.RouteKey })
		switch {
		case j < 0:
			probs.Addf(file, at+"/routeKey", "route response of route %q, which routes do not define", rr.RouteKey)
		case rr.RouteResponseKey != "$default":
			probs.Addf(file, at+"/routeResponseKey", "routeResponseKey %q: a route's response is its $default one", rr.RouteResponseKey)
		case rr.ModelSelectionExpression != "" || rr.ResponseModels != nil || rr.ResponseParameters != nil:
			probs.Addf(file, at, "modelSelectionExpression, responseModels and responseParameters of route responses are not supported yet")
		case api.Routes[j].GetRouteResponseSelectionExpression() != "$default":
			probs.Addf(file, at, "route %q sends its response only with routeResponseSelectionExpression: $default", rr.RouteKey)
		}
	}
	if err := probs.Err(); err != nil {
		return nil, nil, err
	}
	return api, warnings, nil
}
