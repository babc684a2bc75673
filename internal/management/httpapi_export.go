package management

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/lambdauri"
	"github.com/tollgate-gw/tollgate/internal/routekey"
)

// exportHTTP writes an HTTP API's working copy as OpenAPI 3.0 with API Gateway's extensions, as export-api writes
// one: each route a path's operation (ANY as x-amazon-apigateway-any-method, $default under the path /$default)
// with its integration, its authorizer a security scheme, the CORS configuration x-amazon-apigateway-cors. It is
// what a deployment keeps, and what the control plane imports as it imports a file's HTTP API. A route without a
// target integrates with nothing, and is not deployed.
func exportHTTP(rec *httpAPIRecord) ([]byte, error) {
	info := map[string]any{"title": rec.API.Name, "version": rec.API.Version}
	if rec.API.Version == "" {
		info["version"] = string(rec.API.CreatedDate)
	}
	doc := map[string]any{"openapi": "3.0.1", "info": info, "x-amazon-apigateway-importexport-version": "1.0"}
	if rec.API.Description != "" {
		info["description"] = rec.API.Description
	}
	paths := map[string]map[string]any{}
	used := map[string]bool{} // authorizers a route names, by id
	for _, rt := range rec.Routes {
		id, _ := strings.CutPrefix(rt.Target, "integrations/")
		in, err := integrationV2Of(rec, id)
		if err != nil {
			continue // no target
		}
		method, path := "ANY", "/"+routekey.Default
		if rt.RouteKey != routekey.Default {
			method, path, _ = routekey.Parse(rt.RouteKey)
		}
		item := paths[path]
		if item == nil {
			item = map[string]any{}
			if params := pathParameters(path); len(params) > 0 {
				item["parameters"] = params
			}
			paths[path] = item
		}
		op := map[string]any{
			"responses":                       map[string]any{"default": map[string]any{"description": "Default response for " + rt.RouteKey}},
			"x-amazon-apigateway-integration": integrationDocument(in),
		}
		if rt.OperationName != "" {
			op["operationId"] = rt.OperationName
		}
		if rt.AuthorizationType != "NONE" {
			if a, err := authorizerOfV2(rec, rt.AuthorizerID); err == nil {
				scopes := rt.AuthorizationScopes
				if scopes == nil {
					scopes = []string{}
				}
				op["security"] = []any{map[string]any{a.Name: scopes}}
				used[a.AuthorizerID] = true
			}
		}
		key := strings.ToLower(method)
		if method == "ANY" {
			key = anyMethodKey
		}
		item[key] = op
	}
	doc["paths"] = paths
	schemes := map[string]any{}
	for _, a := range rec.Authorizers {
		if used[a.AuthorizerID] {
			schemes[a.Name] = securityScheme(a)
		}
	}
	if len(schemes) > 0 {
		doc["components"] = map[string]any{"securitySchemes": schemes}
	}
	if c := rec.API.CorsConfiguration; c != nil {
		doc["x-amazon-apigateway-cors"] = c
	}
	return json.Marshal(doc)
}

// anyMethodKey is the path item's operation for every method.
const anyMethodKey = "x-amazon-apigateway-any-method"

// pathParameters declares the path's parameters ({petId}, {proxy+}), as export-api does.
func pathParameters(path string) []any {
	var out []any
	for seg := range strings.SplitSeq(path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok && strings.HasSuffix(name, "}") {
			out = append(out, map[string]any{"name": strings.TrimSuffix(name, "}"), "in": "path", "required": true,
				"description": "Generated path parameter for " + strings.TrimSuffix(name, "}"), "schema": map[string]any{"type": "string"}})
		}
	}
	return out
}

// integrationDocument is an integration as x-amazon-apigateway-integration writes it. A Lambda function named by
// its ARN is invoked by its invocation URI, as API Gateway names it there.
func integrationDocument(in *integrationV2) map[string]any {
	out := map[string]any{"payloadFormatVersion": in.PayloadFormatVersion, "connectionType": in.ConnectionType,
		"timeoutInMillis": in.TimeoutInMillis}
	switch in.IntegrationType {
	case "AWS_PROXY":
		out["type"], out["httpMethod"], out["uri"] = "aws_proxy", "POST", lambdauri.InvocationURI(in.IntegrationURI)
	default:
		out["type"], out["httpMethod"], out["uri"] = "http_proxy", in.IntegrationMethod, in.IntegrationURI
	}
	if in.ConnectionID != "" {
		out["connectionId"] = in.ConnectionID
	}
	if len(in.RequestParameters) > 0 {
		out["requestParameters"] = in.RequestParameters
	}
	if in.TLSConfig != nil && in.TLSConfig.ServerNameToVerify != "" {
		out["tlsConfig"] = map[string]any{"serverNameToVerify": in.TLSConfig.ServerNameToVerify}
	}
	return out
}

// securityScheme is an authorizer as export-api writes it: a JWT authorizer an oauth2 scheme, a Lambda one an
// apiKey scheme, each with x-amazon-apigateway-authorizer.
func securityScheme(a *authorizerV2) map[string]any {
	x := map[string]any{"identitySource": strings.Join(a.IdentitySource, ", ")}
	if a.AuthorizerType == "JWT" {
		x["type"] = "jwt"
		jc := map[string]any{"issuer": a.JWTConfiguration.Issuer}
		if len(a.JWTConfiguration.Audience) > 0 {
			jc["audience"] = slices.Clone(a.JWTConfiguration.Audience)
		}
		x["jwtConfiguration"] = jc
		return map[string]any{"type": "oauth2", "flows": map[string]any{}, "x-amazon-apigateway-authorizer": x}
	}
	x["type"], x["authorizerUri"] = "request", lambdauri.InvocationURI(a.AuthorizerURI)
	x["authorizerPayloadFormatVersion"], x["enableSimpleResponses"] = a.AuthorizerPayloadFormatVersion, a.EnableSimpleResponses
	if a.AuthorizerResultTTLInSeconds != nil {
		x["authorizerResultTtlInSeconds"] = *a.AuthorizerResultTTLInSeconds
	}
	return map[string]any{"type": "apiKey", "name": "Unused", "in": "header", "x-amazon-apigateway-authorizer": x}
}
