package ir_test

import (
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/check"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/openapi"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// lambdaRoute is an HTTP API route's Lambda integration with the given extra fields.
func lambdaRoute(extra string) string {
	return "      x-amazon-apigateway-integration:\n        type: aws_proxy\n        httpMethod: POST\n        uri: " + authorizerURI + "\n" + extra
}

// jwtRoute is a definition whose one route, GET /a, names a JWT authorizer with the given fields.
func jwtRoute(fields string) string {
	return "  /a:\n    get:\n      security: [{jwt: [read]}]\n" + proxy("http://h/", "") +
		"components:\n  securitySchemes:\n    jwt:\n      type: oauth2\n      flows: {}\n" +
		"      x-amazon-apigateway-authorizer: {type: jwt, " + fields + "}\n"
}

// TestHTTPAPIProblems: what an HTTP API cannot have, or Tollgate does not serve of one yet, is refused with its
// place, by the model check or the build.
func TestHTTPAPIProblems(t *testing.T) {
	tests := []struct {
		name, paths string
		want        []string
	}{
		{"a REST API's integration type", "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n",
			[]string{"/paths/~1a/get/x-amazon-apigateway-integration/type: integration type MOCK: an HTTP API's integrations are HTTP_PROXY and AWS_PROXY"}},
		{"Lambda without a payload version", "  /a:\n    get:\n" + lambdaRoute(""),
			[]string{"/paths/~1a/get/x-amazon-apigateway-integration: an HTTP API's Lambda integration needs its payloadFormatVersion: 1.0 or 2.0"}},
		{"HTTP proxy with payload 2.0", "  /a:\n    get:\n" + proxy("http://h/", "        payloadFormatVersion: '2.0'\n"),
			[]string{`payloadFormatVersion "2.0": an HTTP_PROXY integration's is 1.0`}},
		{"timeout over 30 s", "  /a:\n    get:\n" + proxy("http://h/", "        timeoutInMillis: 30001\n"),
			[]string{"timeoutInMillis 30001 is out of range: an HTTP API allows 50 to 30000"}},
		{"mapping templates and responses", "  /a:\n    get:\n" + lambdaRoute("        payloadFormatVersion: '1.0'\n        requestTemplates: {application/json: '{}'}\n        responses: {default: {statusCode: '200'}}\n"),
			[]string{"/x-amazon-apigateway-integration/requestTemplates: requestTemplates: an HTTP API's integration has none",
				"/x-amazon-apigateway-integration/responses: responses: an HTTP API's integration has none"}},
		{"parameter mappings Tollgate does not serve yet, or API Gateway refuses", "  /a:\n    get:\n" + proxy("http://h/",
			"        requestParameters: {integration.request.header.x: \"'v'\", 'overwrite:path': 'b/${request.header.h}', 'append:querystring.': v, 'append:querystring.k': $context.authorizer.k, 'append:header.x-via': v, 'overwrite:header.Authorization': v, 'overwrite:header.x-b': $request.body, 'overwrite:header.x-i': 'a-${context.domainName}'}\n"),
			[]string{`/requestParameters/integration.request.header.x: invalid mapping "integration.request.header.x": want append:, overwrite: or remove:`,
				`/requestParameters/overwrite:path: path mapping value "b/${request.header.h}" is not supported yet`,
				`/requestParameters/append:querystring.: invalid mapping "append:querystring."`,
				`/requestParameters/append:querystring.k: mapping value "$context.authorizer.k" is not supported yet for a query string parameter`,
				`/requestParameters/overwrite:header.Authorization: header "Authorization" cannot be mapped: API Gateway reserves it`,
				`/requestParameters/overwrite:header.x-b: mapping value "$request.body" is not supported yet`,
				`/requestParameters/overwrite:header.x-i: mapping value "a-${context.domainName}" is not supported yet`}},
		{"response mappings Tollgate does not serve yet, or API Gateway refuses", "  /a:\n    get:\n" + proxy("http://h/",
			"        responseParameters: {'2xx': {'overwrite:header.x': v}, '200': {'overwrite:statuscode': '99', 'overwrite:body': v, 'append:header.content-length': '1', 'overwrite:header.x-a': $request.header.a, 'overwrite:header.x-b': '${response.body.id}'}}\n"),
			[]string{`/responseParameters/2xx: response mappings are keyed by the integration response's status code, 100 to 599, not "2xx"`,
				`/responseParameters/200/overwrite:statuscode: overwrite:statuscode takes a status code, 100 to 599, not "99"`,
				`/responseParameters/200/overwrite:body: invalid mapping "overwrite:body": a response mapping targets header.x or statuscode`,
				`/responseParameters/200/append:header.content-length: header "content-length" cannot be mapped: API Gateway reserves it`,
				`/responseParameters/200/overwrite:header.x-a: response mapping value "$request.header.a" is not supported yet`,
				`/responseParameters/200/overwrite:header.x-b: response mapping value "${response.body.id}" is not supported yet`}},
		{"an authorizer's value on a route without one", "  /a:\n    get:\n" + proxy("http://h/", "        requestParameters: {'overwrite:header.x': $context.authorizer.user}\n"),
			[]string{"/requestParameters/overwrite:header.x: $context.authorizer.user: the route has no JWT or Lambda authorizer to take it from"}},
		{"a JWT authorizer's value that is no claim", strings.Replace(jwtRoute("jwtConfiguration: {issuer: 'https://issuer.example', audience: [a]}"), "        uri: http://h/\n", "        uri: http://h/\n        requestParameters: {'overwrite:header.x': $context.authorizer.principalId}\n", 1),
			[]string{"$context.authorizer.principalId: a JWT authorizer gives its token's claims, $context.authorizer.claims.x"}},
		{"a query mapping of a request value with a context value", "  /a:\n    get:\n" + proxy("http://h/", "        requestParameters: {'append:querystring.m': '${request.header.h}${context.requestId}'}\n"),
			[]string{"/requestParameters/append:querystring.m: a value that reads the request's path or body, or a query string parameter's that reads the request, is not supported yet with $context values in it"}},
		{"a header mapping naming no path parameter", "  /a/{id}:\n    get:\n" + proxy("http://h/", "        requestParameters: {'overwrite:header.x': '${request.path.nope}'}\n"),
			[]string{"/requestParameters/overwrite:header.x: $request.path.nope: route /a/{id} has no path parameter nope"}},
		{"a path mapping naming no path parameter", "  /a/{id}:\n    get:\n" + proxy("http://h/", "        requestParameters: {'overwrite:path': '/x/${request.path.nope}'}\n"),
			[]string{"/requestParameters/overwrite:path: ${request.path.nope}: route /a/{id} has no path parameter nope"}},
		{"a path mapping of a Lambda integration", "  /a:\n    get:\n" + lambdaRoute("        payloadFormatVersion: '2.0'\n        requestParameters: {'overwrite:path': /b}\n"),
			[]string{"/requestParameters/overwrite:path: overwrite:path of a Lambda integration is not supported yet"}},
		{"API keys", "  /a:\n    get:\n      security: [{api_key: []}]\n" + proxy("http://h/", "") +
			"components:\n  securitySchemes:\n    api_key: {type: apiKey, name: x-api-key, in: header}\n",
			[]string{"/paths/~1a/get/security: API keys: an HTTP API has none"}},
		{"a Lambda authorizer without its payload version", withAuthorizer("type: request, enableSimpleResponses: true"),
			[]string{"/x-amazon-apigateway-authorizer/authorizerPayloadFormatVersion: an HTTP API's Lambda authorizer needs its authorizerPayloadFormatVersion: 1.0 or 2.0"}},
		{"a 1.0 Lambda authorizer with simple responses", withAuthorizer("type: request, authorizerPayloadFormatVersion: '1.0', enableSimpleResponses: true"),
			[]string{"/x-amazon-apigateway-authorizer/enableSimpleResponses: simple responses are payload format 2.0's"}},
		{"a Lambda authorizer caching without identity sources, and with a REST API's", withAuthorizer("type: request, authorizerPayloadFormatVersion: '2.0', authorizerResultTtlInSeconds: 60, identityValidationExpression: '.*'"),
			[]string{"/x-amazon-apigateway-authorizer/identitySource: an authorizer that caches its results needs an identitySource",
				"/x-amazon-apigateway-authorizer/identityValidationExpression: identityValidationExpression: an HTTP API's Lambda authorizer has none"}},
		{"a Lambda authorizer reading a REST API's sources", withAuthorizer("type: request, authorizerPayloadFormatVersion: '2.0', identitySource: 'method.request.header.Auth, $request.path.id'"),
			[]string{`identity source "method.request.header.Auth": want $request.header.NAME`, `identity source "$request.path.id": want $request.header.NAME`}},
		{"a Lambda authorizer reading a context value Tollgate does not give it", withAuthorizer("type: request, authorizerPayloadFormatVersion: '2.0', identitySource: $context.domainName"),
			[]string{`identity source "$context.domainName" is not supported yet`}},
		{"a token authorizer", withAuthorizer("type: token, identitySource: method.request.header.Authorization"),
			[]string{"/x-amazon-apigateway-authorizer/type: an HTTP API's authorizer is of type jwt or request, not token"}},
		{"scopes on a Lambda authorizer's route", "  /a:\n    get:\n      security: [{auth: [read]}]\n" + proxy("http://h/", "") +
			"components:\n  securitySchemes:\n    auth:\n      type: apiKey\n      name: Authorization\n      in: header\n" +
			"      x-amazon-apigateway-authorizer: {authorizerUri: '" + authorizerURI + "', type: request, authorizerPayloadFormatVersion: '2.0'}\n",
			[]string{"/paths/~1a/get/security: the route lists authorization scopes: only a JWT authorizer checks scopes"}},
		{"a JWT authorizer without audiences, reading a query parameter", jwtRoute("jwtConfiguration: {issuer: 'https://issuer.example'}, identitySource: $request.querystring.token"),
			[]string{"/x-amazon-apigateway-authorizer/jwtConfiguration/audience: a JWT authorizer needs the audiences it admits tokens for",
				`/x-amazon-apigateway-authorizer/identitySource: a JWT authorizer's identitySource is the header its token is in, as $request.header.Authorization; got "$request.querystring.token"`}},
		{"a JWT authorizer with a Lambda authorizer's fields", jwtRoute("jwtConfiguration: {issuer: 'https://issuer.example', audience: [a]}, authorizerResultTtlInSeconds: 60, identityValidationExpression: '.*'"),
			[]string{"/x-amazon-apigateway-authorizer/authorizerResultTtlInSeconds: authorizerResultTtlInSeconds: a JWT authorizer has none",
				"/x-amazon-apigateway-authorizer/identityValidationExpression: identityValidationExpression: a JWT authorizer has none"}},
		{"a JWT authorizer whose issuer's keys the config does not say", jwtRoute("jwtConfiguration: {issuer: 'https://elsewhere.example', audience: [a]}"),
			[]string{`/x-amazon-apigateway-authorizer/jwtConfiguration/issuer: no keys for issuer "https://elsewhere.example": add it with its jwksUrl to the config's cognito.userPools`}},
		{"the $default route as a GET", "  /$default:\n    get:\n" + proxy("http://h/", ""),
			[]string{"/paths/~1$default/get: the $default route is x-amazon-apigateway-any-method of /$default, not get"}},
		{"a placeholder that is no path parameter", "  /a/{id}:\n    get:\n" + proxy("http://h/{nope}", ""),
			[]string{"/paths/~1a~1{id}/get/x-amazon-apigateway-integration/uri: uri placeholder {nope} names no path parameter of route /a/{id}"}},
		{"a CORS configuration with values API Gateway refuses", "  /a:\n    get:\n" + proxy("http://h/", "") +
			"x-amazon-apigateway-cors: {allowOrigins: ['https://a.example', 'example.com'], allowMethods: [GET, FETCH], allowHeaders: ['x y'], maxAge: 90000}\n",
			[]string{`/x-amazon-apigateway-cors/allowOrigins/1: invalid origin "example.com"`, `/x-amazon-apigateway-cors/allowMethods/1: invalid method "FETCH"`,
				`/x-amazon-apigateway-cors/allowHeaders/0: invalid header name "x y"`, "/x-amazon-apigateway-cors/maxAge: maxAge 90000 is out of range"}},
		{"request validators", "  /a:\n    get:\n" + proxy("http://h/", "") + "x-amazon-apigateway-request-validators: {all: {validateRequestBody: true}}\n",
			[]string{"/x-amazon-apigateway-request-validators: request validation: an HTTP API has none"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, _, err := openapi.Import("api.yaml", []byte(definition(tt.paths)))
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			api.Id, api.ProtocolType = "abc", tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP
			api.Stages = []*tollgatev1.Stage{{StageName: "$default"}}
			gw := &tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{api}}
			err = check.Gateway(gw)
			if err == nil {
				_, err = ir.Build(gw, ir.Settings{Domain: "execute-api.localhost",
					UserPools: map[string]ir.UserPool{"pool": {Issuer: "https://issuer.example", JWKSURL: "http://127.0.0.1:9/jwks"}}, Lambda: ir.LambdaSettings{Region: "us-east-1", Functions: map[string]string{"f": "http://127.0.0.1:9001/"}}})
			}
			if err == nil {
				t.Fatalf("no problem, want %q", tt.want)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("problems:\n%v\nwant one containing %q", err, want)
				}
			}
		})
	}
}
