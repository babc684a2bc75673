package ir_test

import (
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/check"
	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/openapi"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// definition wraps path items into a minimal OpenAPI 3 document.
func definition(paths string) string {
	return "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n" + paths
}

func proxy(uri string, extra string) string {
	return "      x-amazon-apigateway-integration:\n        type: http_proxy\n        httpMethod: ANY\n        uri: " + uri + "\n" + extra
}

// withAuthorizer is a definition whose one method, GET /a, names an authorizer with the given fields.
func withAuthorizer(fields string) string {
	return "  /a:\n    get:\n      security: [{auth: []}]\n" + proxy("http://h/", "") +
		"components:\n  securitySchemes:\n    auth:\n      type: apiKey\n      name: Authorization\n      in: header\n" +
		"      x-amazon-apigateway-authorizer: {authorizerUri: '" + authorizerURI + "', " + fields + "}\n"
}

const authorizerURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations"

// TestProblems runs definitions through the model check and the build, as a reload does: every problem either step
// reports names the definition file and points into it.
func TestProblems(t *testing.T) {
	tests := []struct {
		name  string
		paths string
		vars  map[string]string
		want  []string // "pointer: reason fragment"
	}{
		{
			name:  "AWS integration with another service",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: aws, httpMethod: POST, uri: 'arn:aws:apigateway:us-east-1:sqs:path/123456789012/queue'}\n",
			want:  []string{"/paths/~1a/get/x-amazon-apigateway-integration/uri: uri \"arn:aws:apigateway:us-east-1:sqs:path/123456789012/queue\": an AWS integration with a service other than Lambda is not supported yet"},
		},
		{
			name:  "AWS integration to Lambda with GET",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: aws, httpMethod: GET, uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations'}\n",
			want:  []string{"/x-amazon-apigateway-integration/httpMethod: an AWS integration invoking a Lambda function must use httpMethod POST"},
		},
		{
			name:  "an HTTP API's response mappings on a REST API",
			paths: "  /a:\n    get:\n" + proxy("http://h/", "        responseParameters: {'200': {'overwrite:header.x': v}}\n"),
			want:  []string{"/paths/~1a/get/x-amazon-apigateway-integration/responseParameters: responseParameters by status code are an HTTP API's"},
		},
		{
			name:  "missing integration",
			paths: "  /a:\n    get:\n      responses: {}\n",
			want:  []string{"/paths/~1a/get: method has no x-amazon-apigateway-integration"},
		},
		{
			name:  "undefined stage variable",
			paths: "  /a:\n    get:\n" + proxy("http://${stageVariables.backend}/a", ""),
			want:  []string{"/paths/~1a/get/x-amazon-apigateway-integration/uri: stage \"prod\" does not define stage variable(s) backend"},
		},
		{
			name:  "unmapped placeholder",
			paths: "  /a/{id}:\n    get:\n" + proxy("http://h/a/{id}", ""),
			want:  []string{"/paths/~1a~1{id}/get/x-amazon-apigateway-integration/uri: uri placeholder {id} has no mapping"},
		},
		{
			name:  "placeholder from an unknown path parameter",
			paths: "  /a/{id}:\n    get:\n" + proxy("http://h/a/{x}", "        requestParameters: {integration.request.path.x: method.request.path.nope}\n"),
			want:  []string{"integration.request.path.x: \"method.request.path.nope\" names no path parameter of resource /a/{id}"},
		},
		{
			name:  "relative uri",
			paths: "  /a:\n    get:\n" + proxy("/a", ""),
			want:  []string{"/uri: uri \"/a\" must be an absolute http:// or https:// URL"},
		},
		{
			name:  "timeout out of range",
			paths: "  /a:\n    get:\n" + proxy("http://h/a", "        timeoutInMillis: 30000\n"),
			want:  []string{"/timeoutInMillis: timeoutInMillis 30000 is out of range"},
		},
		{
			name:  "cache key parameter of no source",
			paths: "  /a:\n    get:\n" + proxy("http://h/a", "        cacheKeyParameters: [method.request.body.x, integration.request.header.a]\n"),
			want: []string{`/cacheKeyParameters/0: invalid cache key parameter "method.request.body.x"`,
				`/cacheKeyParameters/1: invalid cache key parameter "integration.request.header.a"`},
		},
		{
			name: "cache key parameter the method does not declare",
			paths: "  /a/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n" +
				proxy("http://h/a", "        cacheKeyParameters: [method.request.path.id, method.request.multivaluequerystring.kind]\n"),
			want: []string{`/cacheKeyParameters/1: cache key parameter "method.request.multivaluequerystring.kind" is not a request parameter of the method`},
		},
		{
			name:  "greedy segment not last",
			paths: "  /{proxy+}/x:\n    get:\n" + proxy("http://h/", ""),
			want:  []string{"/paths/~1{proxy+}~1x: resource path \"/{proxy+}/x\": greedy parameter {proxy+} must be the last path segment"},
		},
		{
			name:  "duplicate routes",
			paths: "  /a/{id}:\n    get:\n" + proxy("http://h/", "") + "  /a/{other}/:\n    get:\n" + proxy("http://h/", ""),
			want:  []string{"duplicate route"},
		},
		{
			name:  "sibling parameters with different names",
			paths: "  /a/{id}:\n    get:\n" + proxy("http://h/", "") + "  /a/{petId}/toys:\n    get:\n" + proxy("http://h/", ""),
			want:  []string{"conflicts with sibling {id}"},
		},
		{
			name: "a gateway response of a type API Gateway does not have",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n" +
				"x-amazon-apigateway-gateway-responses:\n  DEFAULT_3XX: {statusCode: '300'}\n",
			want: []string{`/x-amazon-apigateway-gateway-responses/DEFAULT_3XX: unknown gateway response type "DEFAULT_3XX"`},
		},
		{
			name: "gateway response values Tollgate does not render yet",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n" +
				"x-amazon-apigateway-gateway-responses:\n" +
				"  THROTTLED: {responseParameters: {gatewayresponse.header.x-id: method.request.path.id, x-bad: \"'1'\"}}\n" +
				"  ACCESS_DENIED: {statusCode: '99'}\n" +
				"  UNAUTHORIZED: {responseTemplates: {application/json: '{\"who\": \"$context.authorizer.principalId\"}'}}\n",
			want: []string{
				`/THROTTLED/responseParameters/gatewayresponse.header.x-id: "method.request.path.id" is not supported yet in a gateway response`,
				`/THROTTLED/responseParameters/x-bad: invalid response parameter "x-bad": want gatewayresponse.header.NAME`,
				`/ACCESS_DENIED/statusCode: invalid statusCode "99"`,
				`/UNAUTHORIZED/responseTemplates/application~1json: $context.authorizer.principalId is not supported yet in a gateway response template`,
			},
		},
		{
			name:  "template syntax error",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: mock\n        requestTemplates: {application/json: \"#if($a)\\n{\\\"statusCode\\\": 200}\"}\n",
			want:  []string{"/requestTemplates/application~1json: mapping template: line 1, column 1: #if without its #end"},
		},
		{
			name:  "response template syntax error",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: http\n        httpMethod: GET\n        uri: http://h/a\n        responses:\n          default: {statusCode: '200', responseTemplates: {application/json: '$input.path('}}\n",
			want:  []string{"/responses/default/responseTemplates/application~1json: mapping template: line 1"},
		},
		{
			name:  "invalid selection pattern",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: http\n        httpMethod: GET\n        uri: http://h/a\n        responses:\n          '4(\\d': {statusCode: '400'}\n",
			want:  []string{"/responses/4(\\d: selection pattern \"4(\\\\d\" is not a valid regular expression"},
		},
		{
			name:  "HTTP integration without httpMethod",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: http, uri: 'http://h/a'}\n",
			want:  []string{"/paths/~1a/get/x-amazon-apigateway-integration: an HTTP integration needs the httpMethod"},
		},
		{
			name:  "HTTP integration with an unmapped placeholder",
			paths: "  /a/{id}:\n    get:\n      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: 'http://h/a/{x}'}\n",
			want:  []string{"/uri: uri placeholder {x} has no mapping: add requestParameters \"integration.request.path.x\""},
		},
		{
			name:  "HTTP integration mapping what Tollgate does not read yet",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: http\n        httpMethod: GET\n        uri: http://h/a\n        requestParameters: {integration.request.header.x: context.identity.cognitoIdentityId}\n",
			want:  []string{"/requestParameters/integration.request.header.x: mapping expression \"context.identity.cognitoIdentityId\" is not supported yet"},
		},
		{
			name:  "HTTP integration with an invalid mapping target",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration:\n        type: http\n        httpMethod: GET\n        uri: http://h/a\n        requestParameters: {integration.request.body: \"'x'\"}\n",
			want:  []string{"invalid mapping target \"integration.request.body\""},
		},
		{
			name:  "malformed Lambda ARN",
			paths: "  /a:\n    post:\n      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/echo/invocations'}\n",
			want:  []string{"/paths/~1a/post/x-amazon-apigateway-integration/uri: uri \"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/echo/invocations\": \"echo\" is not a Lambda function ARN"},
		},
		{
			name:  "unknown Lambda function",
			paths: "  /a:\n    post:\n      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:nope/invocations'}\n",
			want:  []string{"/uri: unknown Lambda function \"nope\" (stage \"prod\"): add it under lambda.functions in the config, or set lambda.endpoint"},
		},
		{
			name:  "bad payload format version",
			paths: "  /a:\n    post:\n      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, payloadFormatVersion: '3.0', uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations'}\n",
			want:  []string{"/payloadFormatVersion: payloadFormatVersion \"3.0\": want 1.0 or 2.0"},
		},
		{
			name:  "VPC link not in the config's vpcLinks",
			paths: "  /a:\n    get:\n" + proxy("http://nlb.internal/", "        connectionType: vpc_link\n        connectionId: '${stageVariables.vpcLinkId}'\n"),
			vars:  map[string]string{"vpcLinkId": "other"},
			want:  []string{`/paths/~1a/get/x-amazon-apigateway-integration/connectionId: VPC link "other" (stage "prod") is not in the config's vpcLinks`},
		},
		{
			name:  "VPC link id from a stage variable the stage lacks",
			paths: "  /a:\n    get:\n" + proxy("http://nlb.internal/", "        connectionType: vpc_link\n        connectionId: '${stageVariables.vpcLinkId}'\n"),
			want:  []string{`/connectionId: stage "prod" does not define stage variable(s) vpcLinkId used in the connectionId`},
		},
		{
			name:  "VPC link without a connectionId",
			paths: "  /a:\n    get:\n" + proxy("http://nlb.internal/", "        connectionType: vpc_link\n"),
			want:  []string{"/connectionType: connectionType VPC_LINK needs a connectionId naming the VPC link"},
		},
		{
			name:  "connectionId without VPC_LINK",
			paths: "  /a:\n    get:\n" + proxy("http://nlb.internal/", "        connectionId: abc123\n"),
			want:  []string{"/paths/~1a/get/x-amazon-apigateway-integration/connectionId: connectionId names a VPC link, but connectionType is not VPC_LINK"},
		},
		{
			name:  "VPC link on a Lambda proxy integration",
			paths: "  /a:\n    post:\n      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, connectionType: VPC_LINK, connectionId: abc123, uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations'}\n",
			want:  []string{"/connectionType: connectionType VPC_LINK is supported only for HTTP and HTTP_PROXY integrations"},
		},
		{
			name:  "tlsConfig on a MOCK integration",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}, tlsConfig: {insecureSkipVerification: true}}\n",
			want:  []string{"/tlsConfig: tlsConfig is supported only for HTTP and HTTP_PROXY integrations"},
		},
		{
			name:  "tlsConfig of an integration shared by $ref, where it is written",
			paths: "  /a:\n    get:\n      x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/b'}\ncomponents:\n  x-amazon-apigateway-integrations:\n    b: {type: mock, tlsConfig: {serverNameToVerify: h}}\n",
			want:  []string{"/components/x-amazon-apigateway-integrations/b/tlsConfig: tlsConfig is supported only for HTTP and HTTP_PROXY integrations"},
		},
		{
			name:  "authorizer TTL over API Gateway's 3600",
			paths: withAuthorizer("type: token, authorizerResultTtlInSeconds: 3601"),
			want:  []string{"/components/securitySchemes/auth/x-amazon-apigateway-authorizer/authorizerResultTtlInSeconds: authorizerResultTtlInSeconds 3601 is out of range: API Gateway allows 0 to 3600"},
		},
		{
			name:  "TOKEN authorizer reading a query parameter",
			paths: withAuthorizer("type: token, identitySource: method.request.querystring.token"),
			want:  []string{`/identitySource: a TOKEN or Cognito authorizer's identitySource is one header, method.request.header.NAME, not "method.request.querystring.token"`},
		},
		{
			name:  "REQUEST authorizer caching with no identity source",
			paths: withAuthorizer("type: request"),
			want:  []string{"/identitySource: a REQUEST authorizer that caches its results needs an identitySource"},
		},
		{
			name:  "REQUEST authorizer reading the body",
			paths: withAuthorizer("type: request, identitySource: 'method.request.header.A, method.request.body.x'"),
			want:  []string{`/identitySource: identity source "method.request.body.x": want method.request.header.NAME`},
		},
		{
			name:  "REQUEST authorizer reading a context variable Tollgate does not know",
			paths: withAuthorizer("type: request, identitySource: 'method.request.header.A, context.identity.caller'"),
			want:  []string{`/identitySource: identity source "context.identity.caller" is not supported yet`},
		},
		{
			name:  "identityValidationExpression",
			paths: withAuthorizer("type: request, identitySource: method.request.header.A, identityValidationExpression: '^a'"),
			want:  []string{"/identityValidationExpression: identityValidationExpression applies to TOKEN and Cognito authorizers only"},
		},
		{
			name:  "identityValidationExpression that is no regular expression",
			paths: withAuthorizer("type: token, identityValidationExpression: '(a'"),
			want:  []string{`/identityValidationExpression: identityValidationExpression "(a" is not a regular expression`},
		},
		{
			name:  "authorizer function unknown",
			paths: strings.Replace(withAuthorizer("type: token"), "function:f/", "function:nope/", 1),
			want:  []string{`/x-amazon-apigateway-authorizer/authorizerUri: unknown Lambda function "nope" (stage "prod")`},
		},
		{
			name:  "context.authorizer without an authorizer",
			paths: "  /a:\n    get:\n" + proxy("http://h/", "        requestParameters: {integration.request.header.x-user: context.authorizer.principalId}\n"),
			want:  []string{"/requestParameters/integration.request.header.x-user: context.authorizer.principalId: the method has no authorizer to take it from"},
		},
		{
			name: "resource policy with a VPC endpoint condition",
			paths: "  /a:\n    get:\n" + proxy("http://h/", "") + "x-amazon-apigateway-policy:\n  Version: '2012-10-17'\n  Statement:\n" +
				"    - {Effect: Deny, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: {StringNotEquals: {'aws:SourceVpce': vpce-1a2b3c4d}}}\n",
			want: []string{"/x-amazon-apigateway-policy/Statement/0/Condition"},
		},
		{
			name:  "resource policy statement without a principal",
			paths: "  /a:\n    get:\n" + proxy("http://h/", "") + "x-amazon-apigateway-policy: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: 'execute-api:Invoke', Resource: '*'}]}\n",
			want:  []string{"/x-amazon-apigateway-policy/Statement/0"},
		},
		{
			name:  "API key from an authorizer the method lacks",
			paths: "  /a:\n    get:\n      security: [{k: []}]\n" + proxy("http://h/", "") + "x-amazon-apigateway-api-key-source: AUTHORIZER\ncomponents: {securitySchemes: {k: {type: apiKey, name: x-api-key, in: header}}}\n",
			want:  []string{"/paths/~1a/get: the method requires an API key, which x-amazon-apigateway-api-key-source AUTHORIZER takes from the method's Lambda authorizer, and it has none"},
		},
		{
			name: "Cognito user pool not in the config",
			paths: "  /a:\n    get:\n      security: [{pool: []}]\n" + proxy("http://h/", "") +
				"components:\n  securitySchemes:\n    pool:\n      type: apiKey\n      name: Authorization\n      in: header\n" +
				"      x-amazon-apigateway-authorizer: {type: cognito_user_pools, providerARNs: ['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_X']}\n",
			want: []string{`/x-amazon-apigateway-authorizer/providerARNs/0: user pool "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_X" is not in the config's cognito.userPools`},
		},
		{
			name:  "Cognito authorizer with a function and a bad pool ARN",
			paths: withAuthorizer("type: cognito_user_pools, providerARNs: [pool-1]"),
			want: []string{"/x-amazon-apigateway-authorizer/authorizerUri: a Cognito user pool authorizer calls no function",
				`/x-amazon-apigateway-authorizer/providerARNs/0: "pool-1" is not a user pool ARN`},
		},
		{
			name:  "scopes for a Lambda authorizer",
			paths: strings.Replace(withAuthorizer("type: token"), "security: [{auth: []}]", "security: [{auth: [read]}]", 1),
			want:  []string{`/paths/~1a/get/security: the method lists OAuth scopes for authorizer "auth": only Cognito user pool authorizers check scopes`},
		},
		{
			name: "an HTTP API's JWT authorizer on a REST API",
			paths: "  /a:\n    get:\n      security: [{jwt: []}]\n" + proxy("http://h/", "") +
				"components:\n  securitySchemes:\n    jwt:\n      type: oauth2\n      flows: {}\n      x-amazon-apigateway-authorizer: {type: jwt, jwtConfiguration: {issuer: 'https://i.example', audience: [a]}}\n",
			want: []string{"/components/securitySchemes/jwt/x-amazon-apigateway-authorizer/type: a JWT authorizer is an HTTP API's"},
		},
		{
			name:  "an HTTP API's CORS configuration on a REST API",
			paths: "  /a:\n    get:\n" + proxy("http://h/", "") + "x-amazon-apigateway-cors: {allowOrigins: ['*']}\n",
			want:  []string{"/x-amazon-apigateway-cors: x-amazon-apigateway-cors is an HTTP API's CORS configuration: a REST API answers OPTIONS with a MOCK integration"},
		},
		{
			name:  "unsupported header source",
			paths: "  /a/{id}:\n    get:\n" + proxy("http://h/", "        requestParameters: {integration.request.header.x: context.identity.cognitoIdentityId}\n"),
			want:  []string{"mapping expression \"context.identity.cognitoIdentityId\" is not supported yet for a header"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, _, err := openapi.Import("api.yaml", []byte(definition(tt.paths)))
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			api.Id = "abc"
			api.Stages = []*tollgatev1.Stage{{StageName: "prod", Variables: tt.vars}}
			gw := &tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{api}}
			err = check.Gateway(gw)
			if err == nil {
				settings := ir.Settings{Domain: "execute-api.localhost", Region: "us-east-1", AccountID: "123456789012", VPCLinks: map[string]string{"abc123": "10.0.0.7:8080"}, Lambda: ir.LambdaSettings{Region: "us-east-1", Functions: map[string]string{"f": "http://127.0.0.1:9001/"}}}
				_, err = ir.Build(gw, settings)
			}
			probs, ok := err.(diag.Problems)
			if !ok {
				t.Fatalf("err = %v, want diag.Problems", err)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("problems:\n%v\nwant one containing %q", err, want)
				}
			}
			for _, p := range probs {
				if p.File != "api.yaml" {
					t.Errorf("problem %v names file %q, want api.yaml", p, p.File)
				}
			}
		})
	}
}
