package management

import (
	"cmp"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// export writes a managed API's working copy as an OpenAPI 3.0 definition with API Gateway's extensions, as
// GetExport's oas30 with extensions=integrations,apigateway does. A deployment keeps it, and the source imports
// it as it imports a file's definition: what Tollgate serves, or refuses, of an API is decided in one place.
// What API Gateway refuses to deploy is refused here: an API without methods, a method without an integration.
func export(rec *apiRecord) ([]byte, error) {
	api := rec.API
	doc := map[string]any{
		"openapi":                            "3.0.1",
		"info":                               map[string]any{"title": api.Name, "version": version(api)},
		"x-amazon-apigateway-api-key-source": api.APIKeySource,
	}
	if api.Description != "" {
		doc["info"].(map[string]any)["description"] = api.Description
	}
	if len(api.BinaryMediaTypes) > 0 {
		doc["x-amazon-apigateway-binary-media-types"] = api.BinaryMediaTypes
	}
	if api.MinimumCompressionSize != nil {
		doc["x-amazon-apigateway-minimum-compression-size"] = *api.MinimumCompressionSize
	}
	if api.Policy != "" {
		doc["x-amazon-apigateway-policy"] = api.Policy
	}
	paths := map[string]any{}
	schemes := map[string]any{}
	for _, res := range rec.Resources {
		item := map[string]any{}
		for _, name := range slices.Sorted(maps.Keys(res.ResourceMethods)) {
			m := res.ResourceMethods[name]
			if m.MethodIntegration == nil {
				return nil, badRequest("No integration defined for method %s %s", name, res.Path)
			}
			// A method must not be deployed without the check it names: a name without its authorizer, validator or
			// model is refused, never dropped.
			if err := rec.checkMethod(m); err != nil {
				return nil, badRequest("%s %s: %s", name, res.Path, messageOf(err))
			}
			op := openAPIOperation(res, m)
			if v := rec.validator(m.RequestValidatorID); v != nil {
				op["x-amazon-apigateway-request-validator"] = v.Name
			}
			if sec := security(rec, m, schemes); sec != nil {
				op["security"] = []any{sec}
			}
			key := strings.ToLower(name)
			if name == "ANY" {
				key = "x-amazon-apigateway-any-method"
			}
			item[key] = op
		}
		if len(item) > 0 {
			paths[res.Path] = item
		}
	}
	if len(paths) == 0 {
		return nil, badRequest("The REST API doesn't contain any methods")
	}
	doc["paths"] = paths
	components := map[string]any{}
	if len(schemes) > 0 {
		components["securitySchemes"] = schemes
	}
	if len(rec.Models) > 0 {
		models := map[string]any{}
		for _, m := range rec.Models {
			var schema any
			if err := json.Unmarshal([]byte(m.Schema), &schema); err != nil {
				return nil, badRequest("model %s: %v", m.Name, err)
			}
			models[m.Name] = schema
		}
		components["schemas"] = models
	}
	if len(components) > 0 {
		doc["components"] = components
	}
	if len(rec.GatewayResponses) > 0 {
		responses := map[string]any{}
		for t, resp := range rec.GatewayResponses {
			x := map[string]any{}
			if resp.StatusCode != "" {
				x["statusCode"] = resp.StatusCode
			}
			if len(resp.ResponseParameters) > 0 {
				x["responseParameters"] = resp.ResponseParameters
			}
			if len(resp.ResponseTemplates) > 0 {
				x["responseTemplates"] = resp.ResponseTemplates
			}
			responses[t] = x
		}
		doc["x-amazon-apigateway-gateway-responses"] = responses
	}
	if len(rec.RequestValidators) > 0 {
		validators := map[string]any{}
		for _, v := range rec.RequestValidators {
			validators[v.Name] = map[string]any{"validateRequestBody": v.ValidateRequestBody, "validateRequestParameters": v.ValidateRequestParameters}
		}
		doc["x-amazon-apigateway-request-validators"] = validators
	}
	return json.Marshal(doc)
}

// version is the definition's info.version: the API's version, else when it was created, as API Gateway exports.
func version(api restAPI) string {
	if api.Version != "" || api.CreatedDate == nil {
		return cmp.Or(api.Version, "1")
	}
	return time.Unix(int64(*api.CreatedDate), 0).UTC().Format(time.RFC3339)
}

// pathParameter finds a path's {parameters}.
var pathParameter = regexp.MustCompile(`\{([^}+]+)\+?\}`)

// openAPIOperation is a method as an OpenAPI operation: its parameters, its method responses and its integration.
func openAPIOperation(res *resource, m *method) map[string]any {
	op := map[string]any{}
	if m.OperationName != "" {
		op["operationId"] = m.OperationName
	}
	var params []any
	for _, match := range pathParameter.FindAllStringSubmatch(res.Path, -1) {
		params = append(params, map[string]any{"name": match[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
	}
	for _, name := range slices.Sorted(maps.Keys(m.RequestParameters)) {
		rest, _ := strings.CutPrefix(name, "method.request.")
		source, param, _ := strings.Cut(rest, ".")
		in := map[string]string{"querystring": "query", "multivaluequerystring": "query", "header": "header", "multivalueheader": "header"}[source]
		if in == "" {
			continue // a path parameter is the path's, listed above
		}
		params = append(params, map[string]any{"name": param, "in": in, "required": m.RequestParameters[name], "schema": map[string]any{"type": "string"}})
	}
	if params != nil {
		op["parameters"] = params
	}
	responses := map[string]any{}
	for code, mr := range m.MethodResponses {
		resp := map[string]any{"description": code + " response"}
		headers := map[string]any{}
		for name := range mr.ResponseParameters {
			headers[strings.TrimPrefix(name, "method.response.header.")] = map[string]any{"schema": map[string]any{"type": "string"}}
		}
		if len(headers) > 0 {
			resp["headers"] = headers
		}
		responses[code] = resp
	}
	op["responses"] = responses
	if len(m.RequestModels) > 0 {
		content := map[string]any{}
		for contentType, name := range m.RequestModels {
			content[contentType] = map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/" + name}}
		}
		op["requestBody"] = map[string]any{"content": content}
	}
	op["x-amazon-apigateway-integration"] = integrationExtension(m.MethodIntegration)
	return op
}

// security is the security requirement of a method, adding the schemes it names: API Gateway's API key, IAM, the
// method's authorizer (with its scopes).
func security(rec *apiRecord, m *method, schemes map[string]any) map[string]any {
	req := map[string]any{}
	if a := rec.authorizer(m.AuthorizerID); a != nil && (m.AuthorizationType == "CUSTOM" || m.AuthorizationType == "COGNITO_USER_POOLS") {
		schemes[a.Name] = a.scheme()
		scopes := []any{}
		for _, s := range m.AuthorizationScopes {
			scopes = append(scopes, s)
		}
		req[a.Name] = scopes
	}
	if m.APIKeyRequired {
		schemes["api_key"] = map[string]any{"type": "apiKey", "name": "x-api-key", "in": "header"}
		req["api_key"] = []any{}
	}
	if m.AuthorizationType == "AWS_IAM" {
		schemes["sigv4"] = map[string]any{"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}
		req["sigv4"] = []any{}
	}
	if len(req) == 0 {
		return nil
	}
	return req
}

// setIf sets a definition's field to v, unless v is empty.
func setIf(x map[string]any, key, v string) {
	if v != "" {
		x[key] = v
	}
}

// integrationExtension is an integration as x-amazon-apigateway-integration, its responses keyed by selection
// pattern ("default" for none).
func integrationExtension(integ *integration) map[string]any {
	x := map[string]any{"type": strings.ToLower(integ.Type), "passthroughBehavior": strings.ToLower(integ.PassthroughBehavior),
		"timeoutInMillis": integ.TimeoutInMillis}
	setIf(x, "httpMethod", integ.HTTPMethod)
	setIf(x, "uri", integ.URI)
	setIf(x, "connectionType", integ.ConnectionType)
	setIf(x, "connectionId", integ.ConnectionID)
	setIf(x, "contentHandling", integ.ContentHandling)
	setIf(x, "cacheNamespace", integ.CacheNamespace)
	if len(integ.CacheKeyParameters) > 0 {
		x["cacheKeyParameters"] = integ.CacheKeyParameters
	}
	if len(integ.RequestParameters) > 0 {
		x["requestParameters"] = integ.RequestParameters
	}
	if len(integ.RequestTemplates) > 0 {
		x["requestTemplates"] = integ.RequestTemplates
	}
	if integ.TLSConfig != nil {
		x["tlsConfig"] = map[string]any{"insecureSkipVerification": integ.TLSConfig.InsecureSkipVerification}
	}
	if len(integ.IntegrationResponses) > 0 {
		responses := map[string]any{}
		for _, resp := range integ.IntegrationResponses {
			r := map[string]any{"statusCode": resp.StatusCode}
			if len(resp.ResponseParameters) > 0 {
				r["responseParameters"] = resp.ResponseParameters
			}
			if len(resp.ResponseTemplates) > 0 {
				r["responseTemplates"] = resp.ResponseTemplates
			}
			if resp.ContentHandling != "" {
				r["contentHandling"] = resp.ContentHandling
			}
			responses[cmp.Or(resp.SelectionPattern, "default")] = r
		}
		x["responses"] = responses
	}
	return x
}
