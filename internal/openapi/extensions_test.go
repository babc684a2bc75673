package openapi

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// extensionCase is one definition and what becomes of it: imported (no problems; what the model then serves is
// tested where it is enforced, as the case name says), or refused with exactly these problems. Warnings are
// exact either way.
type extensionCase struct {
	name     string
	data     string
	problems diag.Problems
	warnings diag.Problems
	// imported, when set, checks what the importer read.
	imported func(*tollgatev1.RestApi) bool
}

const (
	extFile = "def.yaml"
	head2   = "swagger: '2.0'\ninfo: {title: t, version: '1'}\n"
	// integ points at the integration of withIntegration.
	integ = "/paths/~1a/get/x-amazon-apigateway-integration"
	// schemeRefused ends the problem of every security scheme but the API key.
	schemeRefused = " is not supported yet: Tollgate would serve the methods that use it without checking the caller; " +
		"it enforces API Gateway's API key (type apiKey, in header, name x-api-key), Lambda TOKEN and REQUEST authorizers, Cognito user pool authorizers and IAM (awsSigv4)"
)

func problem(ptr, reason string) diag.Problem {
	return diag.Problem{File: extFile, Pointer: ptr, Reason: reason}
}

// withIntegration is an OpenAPI 3 definition whose one method is an HTTP proxy, its integration having fields too.
func withIntegration(fields string) string {
	return head3 + `paths:
  /a:
    get:
      responses: {}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://backend/", ` + fields + "}\n"
}

var extensionCases = []extensionCase{
	// What Tollgate enforces.
	{
		name: "x-amazon-apigateway-integration imported, enforced by the translator (xds/translate tests)",
		data: head2 + "paths:\n  /a:\n    get:\n      responses: {}\n      x-amazon-apigateway-integration: {type: mock}\n",
	},
	{
		name: "x-amazon-apigateway-any-method imported, enforced by the translator (xds/translate tests)",
		data: head3 + "paths:\n  /a:\n    x-amazon-apigateway-any-method: {x-amazon-apigateway-integration: {type: mock}}\n",
	},
	{
		name: "x-amazon-apigateway-binary-media-types imported, enforced by the translator (xds/translate tests)",
		data: head3 + "x-amazon-apigateway-binary-media-types: [image/png]\npaths: {}\n",
	},
	{
		name: "x-amazon-apigateway-api-key-source imported, HEADER enforced and AUTHORIZER refused by the translator (xds/translate tests)",
		data: head2 + "x-amazon-apigateway-api-key-source: HEADER\npaths: {}\n",
	},
	{
		name: "OpenAPI 3 API key scheme imported, enforced by the key check (xds/translate and extproc/authz tests)",
		data: head3 + `components: {securitySchemes: {key: {type: apiKey, in: header, name: X-Api-Key}}}
security: [{key: []}]
paths: {}
`,
	},
	{
		name: "Swagger 2 API key scheme imported, enforced by the key check (xds/translate and extproc/authz tests)",
		data: head2 + `securityDefinitions: {key: {type: apiKey, in: header, name: x-api-key}}
paths: {/a: {get: {responses: {}, security: [{key: []}]}}}
`,
	},

	// What changes nothing a caller may do or receive.
	{
		name: "x-amazon-apigateway-documentation accepted with a warning",
		data: head2 + `x-amazon-apigateway-documentation:
  version: v1
  documentationParts: [{location: {type: API}, properties: {description: Pets}}]
paths: {}
`,
		warnings: diag.Problems{problem("/x-amazon-apigateway-documentation",
			"x-amazon-apigateway-documentation (documentation parts) is ignored: it changes nothing a caller may do or receive")},
	},
	{
		name: "x-amazon-apigateway-importexport-version accepted with a warning",
		data: head3 + "x-amazon-apigateway-importexport-version: '1.0'\npaths: {}\n",
		warnings: diag.Problems{problem("/x-amazon-apigateway-importexport-version",
			"x-amazon-apigateway-importexport-version (HTTP API import and export version) is ignored: it changes nothing a caller may do or receive")},
	},
	{
		name: "x-amazon-apigateway-tag-value accepted with a warning, once per tag",
		data: head3 + `tags:
  - {name: Owner, x-amazon-apigateway-tag-value: pets-team}
  - {name: Stage}
  - {name: Cost, x-amazon-apigateway-tag-value: "42"}
paths: {}
`,
		warnings: diag.Problems{
			problem("/tags/0/x-amazon-apigateway-tag-value",
				"x-amazon-apigateway-tag-value (tag value) is ignored: it changes nothing a caller may do or receive"),
			problem("/tags/2/x-amazon-apigateway-tag-value",
				"x-amazon-apigateway-tag-value (tag value) is ignored: it changes nothing a caller may do or receive"),
		},
	},

	// What Tollgate does not enforce yet.
	{
		name: "x-amazon-apigateway-auth refused",
		data: head3 + "paths: {/a: {get: {responses: {}, x-amazon-apigateway-auth: {type: AWS_IAM}}}}\n",
		problems: diag.Problems{problem("/paths/~1a/get/x-amazon-apigateway-auth",
			"x-amazon-apigateway-auth (HTTP API authorization) is not supported yet: Tollgate would serve the method without checking the caller")},
	},
	{
		name: "x-amazon-apigateway-cors with a field it has not",
		data: head3 + "x-amazon-apigateway-cors: {allowOrigins: ['https://example.com'], allowOrigin: x, maxAge: soon}\npaths: {}\n",
		problems: diag.Problems{
			problem("/x-amazon-apigateway-cors/allowOrigin", `unknown field "allowOrigin" of x-amazon-apigateway-cors`),
			problem("/x-amazon-apigateway-cors/maxAge", `must be an integer, not the string "soon"`),
		},
	},
	{
		name: "x-amazon-apigateway-endpoint-access-mode refused",
		data: head3 + "x-amazon-apigateway-endpoint-access-mode: STRICT\npaths: {}\n",
		problems: diag.Problems{problem("/x-amazon-apigateway-endpoint-access-mode",
			"x-amazon-apigateway-endpoint-access-mode (endpoint access mode) is not supported yet: Tollgate would serve requests that the mode refuses")},
	},
	{
		name:     "Swagger 2 x-amazon-apigateway-endpoint-configuration's disableExecuteApiEndpoint imported",
		data:     head2 + "x-amazon-apigateway-endpoint-configuration: {disableExecuteApiEndpoint: true, ipAddressType: IPV4}\npaths: {}\n",
		imported: func(api *tollgatev1.RestApi) bool { return api.GetDisableExecuteApiEndpoint() },
	},
	{
		name: "OpenAPI 3 x-amazon-apigateway-endpoint-configuration in a server: private endpoints and dual stack refused",
		data: head3 + `servers:
  - url: https://a.example.com
    x-amazon-apigateway-endpoint-configuration: {disableExecuteApiEndpoint: false, ipAddressType: dualstack}
  - url: https://b.example.com
    x-amazon-apigateway-endpoint-configuration: {vpcEndpointIds: [vpce-0123]}
paths: {}
`,
		problems: diag.Problems{
			problem("/servers/0/x-amazon-apigateway-endpoint-configuration/ipAddressType",
				"ipAddressType dualstack (the endpoint's IP address type) is not supported yet: Tollgate serves the addresses tollgate.yaml's listeners name"),
			problem("/servers/1/x-amazon-apigateway-endpoint-configuration/vpcEndpointIds",
				"vpcEndpointIds (private API endpoints) is not supported yet: Tollgate would serve the API to callers that are not behind the VPC endpoints"),
		},
	},
	{
		name: "x-amazon-apigateway-gateway-responses imported (checked by the IR: internal/ir problems_test.go)",
		data: head2 + `x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX:
    statusCode: 400
    responseParameters: {gatewayresponse.header.Access-Control-Allow-Origin: "'*'"}
    responseTemplates: {application/json: '{"message": $context.error.messageString}'}
paths: {}
`,
	},
	{
		name: "a gateway response with an unknown field refused (an unknown type: internal/ir problems_test.go)",
		data: head2 + `x-amazon-apigateway-gateway-responses:
  THROTTLED: {statusCode: 503, headers: {}}
paths: {}
`,
		problems: diag.Problems{
			problem("/x-amazon-apigateway-gateway-responses/THROTTLED/headers", `unknown field "headers" of a gateway response`),
		},
	},
	{
		name: "x-amazon-apigateway-integrations imported, each where a $ref names it (lenient_test.go)",
		data: head3 + `components:
  x-amazon-apigateway-integrations:
    backend: {type: http_proxy, httpMethod: GET, uri: "http://backend/", payloadFormatVersion: "1.0"}
paths:
  /a:
    get:
      responses: {}
      x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/backend'}
`,
	},
	{
		name: "x-amazon-apigateway-integrations only in components",
		data: head3 + "x-amazon-apigateway-integrations: {}\npaths: {}\n",
		problems: diag.Problems{problem("/x-amazon-apigateway-integrations",
			"x-amazon-apigateway-integrations does not belong here: API Gateway reads it in components")},
	},
	{
		name:     "x-amazon-apigateway-minimum-compression-size over API Gateway's 10 MB",
		data:     head3 + "x-amazon-apigateway-minimum-compression-size: 10485761\npaths: {}\n",
		problems: diag.Problems{problem("/x-amazon-apigateway-minimum-compression-size", "minimum compression size 10485761: want 0 to 10485760 bytes")},
	}, {
		name: "x-amazon-apigateway-minimum-compression-size: 0 compresses every response",
		data: head3 + "x-amazon-apigateway-minimum-compression-size: 0\npaths: {}\n",
		imported: func(api *tollgatev1.RestApi) bool {
			return api.MinimumCompressionSize != nil && *api.MinimumCompressionSize == 0
		},
	},
	{
		name: "Swagger 2 x-amazon-apigateway-policy imported (checked by the IR: internal/ir problems_test.go)",
		data: head2 + `x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement: [{Effect: Deny, Principal: "*", Action: execute-api:Invoke, Resource: "*"}]
paths: {}
`,
	},
	{
		name: "OpenAPI 3 x-amazon-apigateway-policy as JSON text imported",
		data: `{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {},
 "x-amazon-apigateway-policy": "{\"Version\": \"2012-10-17\", \"Statement\": []}"}`,
	},
	{
		name: "x-amazon-apigateway-policy of another type refused",
		data: head2 + "x-amazon-apigateway-policy: [1]\npaths: {}\n",
		problems: diag.Problems{problem("/x-amazon-apigateway-policy",
			"must be a policy document (an object, or its JSON text), not an array")},
	},
	{
		name: "x-amazon-apigateway-request-validators and x-amazon-apigateway-request-validator imported, at the root and in operations (validation_test.go)",
		data: head2 + `x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
  params: {validateRequestBody: false, validateRequestParameters: true}
x-amazon-apigateway-request-validator: all
paths:
  /a:
    get: {responses: {}, x-amazon-apigateway-request-validator: params}
    x-amazon-apigateway-any-method: {x-amazon-apigateway-request-validator: params}
`,
	},
	{
		name: "a request validator's unknown field refused",
		data: head2 + "x-amazon-apigateway-request-validators:\n  all: {validateRequestBody: true, validateHeaders: true}\npaths: {}\n",
		problems: diag.Problems{problem("/x-amazon-apigateway-request-validators/all/validateHeaders",
			`unknown field "validateHeaders" of a request validator`)},
	},
	{
		name: "x-amazon-apigateway-security-policy refused",
		data: head3 + "x-amazon-apigateway-security-policy: SecurityPolicy_TLS13_1_3_2025_09\npaths: {}\n",
		problems: diag.Problems{problem("/x-amazon-apigateway-security-policy",
			"x-amazon-apigateway-security-policy (TLS security policy) is not supported yet: Tollgate would accept connections that the policy refuses")},
	},

	// Security schemes: every one but the API key is refused, at the scheme, whether a method uses it or not.
	{
		name: "Swagger 2 Cognito user pool authorizer imported (TestAuthorizers)",
		data: head2 + `securityDefinitions:
  cognito:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authtype: cognito_user_pools
    x-amazon-apigateway-authorizer:
      type: cognito_user_pools
      providerARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_ABC]
paths: {}
`,
	},
	{
		name: "OpenAPI 3 Cognito user pool authtype without its authorizer refused",
		data: head3 + `components:
  securitySchemes:
    cognito: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: cognito_user_pools}
paths: {}
`,
		problems: diag.Problems{problem("/components/securitySchemes/cognito", "a Cognito user pool authorizer"+schemeRefused)},
	},
	{
		name: "OpenAPI 3 awsSigv4 (AWS_IAM) imported",
		data: head3 + `components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
paths: {/a: {get: {responses: {}, security: [{sigv4: []}]}}}
`,
	},
	{
		name: "Swagger 2 awsSigv4 (AWS_IAM) imported",
		data: head2 + `securityDefinitions:
  sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
paths: {}
`,
	},

	{
		name: "OpenAPI 3 JWT authorizer with a jwtConfiguration field it has not",
		data: head3 + `components:
  securitySchemes:
    jwt:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        jwtConfiguration: {issuer: "https://issuer.example.com", audiences: [pets]}
        identitySource: $request.header.Authorization
paths: {}
`,
		problems: diag.Problems{problem("/components/securitySchemes/jwt/x-amazon-apigateway-authorizer/jwtConfiguration/audiences", `unknown field "audiences" of jwtConfiguration`)},
	},
	{
		name: "an authorizer of an unknown type refused",
		data: head3 + `components:
  securitySchemes:
    odd: {type: apiKey, name: x-api-key, in: header, x-amazon-apigateway-authorizer: {type: magic}}
paths: {}
`,
		problems: diag.Problems{problem("/components/securitySchemes/odd", `an authorizer of type "magic"`+schemeRefused)},
	},
	{
		name: "an authtype on the x-api-key header refused: it is then a Lambda authorizer's token, not the API key",
		data: head2 + `securityDefinitions:
  custom: {type: apiKey, name: x-api-key, in: header, x-amazon-apigateway-authtype: custom}
paths: {}
`,
		problems: diag.Problems{problem("/securityDefinitions/custom", `an authorizer of type "custom" (x-amazon-apigateway-authtype)`+schemeRefused)},
	},
	{
		name: "Swagger 2 oauth2 refused",
		data: head2 + `securityDefinitions:
  oauth: {type: oauth2, flow: implicit, authorizationUrl: "https://auth.example.com", scopes: {read: read}}
paths: {}
`,
		problems: diag.Problems{problem("/securityDefinitions/oauth", "OAuth 2.0"+schemeRefused)},
	},
	{
		name: "OpenAPI 3 oauth2 refused",
		data: head3 + `components:
  securitySchemes:
    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: "https://auth.example.com/token", scopes: {}}}}
paths: {}
`,
		problems: diag.Problems{problem("/components/securitySchemes/oauth", "OAuth 2.0"+schemeRefused)},
	},
	{
		name: "OpenAPI 3 openIdConnect refused",
		data: head3 + `components:
  securitySchemes:
    oidc: {type: openIdConnect, openIdConnectUrl: "https://auth.example.com/.well-known/openid-configuration"}
paths: {}
`,
		problems: diag.Problems{problem("/components/securitySchemes/oidc", "OpenID Connect"+schemeRefused)},
	},
	{
		name: "OpenAPI 3 http bearer and basic refused",
		data: head3 + `components:
  securitySchemes:
    bearer: {type: http, scheme: bearer, bearerFormat: JWT}
    basic: {type: http, scheme: basic}
paths: {}
`,
		problems: diag.Problems{
			problem("/components/securitySchemes/basic", "HTTP basic authentication"+schemeRefused),
			problem("/components/securitySchemes/bearer", "HTTP bearer authentication"+schemeRefused),
		},
	},
	{
		name:     "Swagger 2 basic refused",
		data:     head2 + "securityDefinitions: {basic: {type: basic}}\npaths: {}\n",
		problems: diag.Problems{problem("/securityDefinitions/basic", "HTTP basic authentication"+schemeRefused)},
	},
	{
		name: "API keys elsewhere than the x-api-key header refused",
		data: head2 + `securityDefinitions:
  query: {type: apiKey, name: x-api-key, in: query}
  header: {type: apiKey, name: X-Token, in: header}
paths: {}
`,
		problems: diag.Problems{
			problem("/securityDefinitions/header", `an API key in header "X-Token"`+schemeRefused),
			problem("/securityDefinitions/query", `an API key in query "x-api-key"`+schemeRefused),
		},
	},
	{
		name: "OpenAPI 3 security requirements naming undefined schemes refused",
		data: head3 + `components: {securitySchemes: {key: {type: apiKey, in: header, name: x-api-key}}}
security: [{kye: []}]
paths:
  /a:
    get: {responses: {}, security: [{key: []}, {key: [], cognito: []}]}
    x-amazon-apigateway-any-method: {security: [{iam: []}]}
`,
		problems: diag.Problems{
			problem("/security/0/kye", `unknown security scheme "kye": it is not defined in this file`),
			problem("/paths/~1a/get/security/1/cognito", `unknown security scheme "cognito": it is not defined in this file`),
			problem("/paths/~1a/x-amazon-apigateway-any-method/security/0/iam", `unknown security scheme "iam": it is not defined in this file`),
		},
	},
	{
		name: "Swagger 2 security requirement naming an undefined scheme refused",
		data: head2 + "security: [{api_key: []}]\npaths: {}\n",
		problems: diag.Problems{
			problem("/security/0/api_key", `unknown security scheme "api_key": it is not defined in this file`),
		},
	},

	// Unknown and misplaced extensions: a typo must never read as "feature off".
	{
		name: "unknown extensions refused, a misspelt prefix and another case included",
		data: head3 + `x-amazon-apigateway-polcy: {}
x-amazon-api-gateway-policy: {}
X-Amazon-Apigateway-Policy: {}
x-amazon-apigateway-integration-options: {}
x-other-vendor: {kept: true}
paths: {}
`,
		problems: diag.Problems{
			problem("/X-Amazon-Apigateway-Policy",
				`unknown extension "X-Amazon-Apigateway-Policy": Tollgate refuses the extensions it does not know (check the spelling)`),
			problem("/x-amazon-api-gateway-policy",
				`unknown extension "x-amazon-api-gateway-policy": Tollgate refuses the extensions it does not know (check the spelling)`),
			problem("/x-amazon-apigateway-integration-options",
				`unknown extension "x-amazon-apigateway-integration-options": Tollgate refuses the extensions it does not know (check the spelling)`),
			problem("/x-amazon-apigateway-polcy",
				`unknown extension "x-amazon-apigateway-polcy": Tollgate refuses the extensions it does not know (check the spelling)`),
		},
	},
	{
		name: "extensions where API Gateway does not read them refused",
		data: `openapi: 3.0.1
info: {title: t, version: "1", x-amazon-apigateway-importexport-version: "1.0"}
components:
  schemas:
    Pet: {type: object, x-amazon-apigateway-integration: {type: mock}}
paths:
  x-amazon-apigateway-policy: {}
  /a:
    x-amazon-apigateway-integration: {type: mock}
    get:
      responses: {}
      parameters: [{name: q, in: query, schema: {type: string}, x-amazon-apigateway-binary-media-types: []}]
      x-amazon-apigateway-any-method: {}
      x-amazon-apigateway-policy: {}
`,
		problems: diag.Problems{
			problem("/components/schemas/Pet/x-amazon-apigateway-integration",
				"x-amazon-apigateway-integration does not belong here: API Gateway reads it in an operation"),
			problem("/info/x-amazon-apigateway-importexport-version",
				"x-amazon-apigateway-importexport-version does not belong here: API Gateway reads it at the document root"),
			problem("/paths/~1a/get/parameters/0/x-amazon-apigateway-binary-media-types",
				"x-amazon-apigateway-binary-media-types does not belong here: API Gateway reads it at the document root"),
			problem("/paths/~1a/get/x-amazon-apigateway-any-method",
				"x-amazon-apigateway-any-method does not belong here: API Gateway reads it in a path item"),
			problem("/paths/~1a/get/x-amazon-apigateway-policy",
				"x-amazon-apigateway-policy does not belong here: API Gateway reads it at the document root"),
			problem("/paths/~1a/x-amazon-apigateway-integration",
				"x-amazon-apigateway-integration does not belong here: API Gateway reads it in an operation"),
			problem("/paths/x-amazon-apigateway-policy",
				"x-amazon-apigateway-policy does not belong here: API Gateway reads it at the document root"),
		},
	},
	{
		name: "Swagger 2 extensions in what the importer does not read refused: an x- paths member, a trace operation",
		data: head2 + `paths:
  x-later:
    x-amazon-apigateway-any-method: {x-amazon-apigateway-integration: {type: mock}}
  /a:
    trace: {responses: {}, x-amazon-apigateway-integration: {type: mock}}
`,
		problems: diag.Problems{
			problem("/paths/~1a/trace/x-amazon-apigateway-integration",
				"x-amazon-apigateway-integration does not belong here: API Gateway reads it in an operation"),
			problem("/paths/x-later/x-amazon-apigateway-any-method",
				"x-amazon-apigateway-any-method does not belong here: API Gateway reads it in a path item"),
		},
	},
	{
		name: "a YAML merge key is a member as kin-openapi reads it, so extensions merged in are refused",
		data: head3 + `x-common: &common
  x-amazon-apigateway-integration: {type: mock}
paths:
  /a:
    get:
      <<: *common
      responses: {}
`,
		problems: diag.Problems{
			problem("/paths/~1a/get/<</x-amazon-apigateway-integration",
				"x-amazon-apigateway-integration does not belong here: API Gateway reads it in an operation"),
			problem("/x-common/x-amazon-apigateway-integration",
				"x-amazon-apigateway-integration does not belong here: API Gateway reads it in an operation"),
		},
	},

	{
		name: "OpenAPI 3 path item $ref refused: the extensions where it points are read as written, outside paths",
		data: head3 + `x-shared:
  a: {get: {responses: {}, x-amazon-apigateway-integration: {type: mock}}}
paths:
  /a: {$ref: '#/x-shared/a'}
`,
		problems: diag.Problems{
			problem("/paths/~1a/$ref", "a path item $ref is not supported: write the path item out in this file"),
			problem("/x-shared/a/get/x-amazon-apigateway-integration",
				"x-amazon-apigateway-integration does not belong here: API Gateway reads it in an operation"),
		},
	},

	// Integration fields.
	{
		name: "unknown field of an integration refused",
		data: withIntegration("timeoutInMilis: 1000"),
		problems: diag.Problems{problem(integ+"/timeoutInMilis",
			`unknown field "timeoutInMilis" of x-amazon-apigateway-integration`)},
	},
	{
		name: "unknown field of an integration response refused",
		data: withIntegration("responses: {default: {statusCode: 200, responseTemplate: {}}}"),
		problems: diag.Problems{problem(integ+"/responses/default/responseTemplate",
			`unknown field "responseTemplate" of an integration response`)},
	},
	{
		name: "tlsConfig, connectionType and connectionId imported; skipping verification warns of what Envoy skips",
		data: withIntegration("tlsConfig: {insecureSkipVerification: true}, connectionType: vpc_link, connectionId: abc123"),
		warnings: diag.Problems{problem(integ+"/tlsConfig/insecureSkipVerification",
			"insecureSkipVerification: Envoy accepts the backend's certificate without checking its issuer, its name or its expiry (API Gateway still checks the name and the expiry)")},
	},
	{
		name: "a proxy's templates and integration responses warn that they change nothing; a bare default does not",
		data: withIntegration("requestTemplates: {application/json: '{}'}, responses: {default: {statusCode: 200}, '4\\d{2}': {statusCode: 400, responseTemplates: {application/json: '{}'}}}"),
		warnings: diag.Problems{
			problem(integ+"/requestTemplates", "requestTemplates have no effect on a proxy integration: the request passes as it is"),
			problem(integ+"/responses/4\\d{2}", "an integration response has no effect on a proxy integration: the response passes as it is"),
		},
	},
	{
		name: "integrationTarget refused",
		data: withIntegration("integrationTarget: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/nlb/1/2'"),
		problems: diag.Problems{problem(integ+"/integrationTarget",
			"integrationTarget (a private integration through a VPC link) is not supported yet: Tollgate would call the uri directly")},
	},
	{
		name: "credentials refused",
		data: withIntegration("credentials: 'arn:aws:iam::*:user/*'"),
		problems: diag.Problems{problem(integ+"/credentials",
			"credentials (an IAM role or the caller's credentials for the integration) is not supported yet: Tollgate would call the integration with its own credentials")},
	},
	{
		name: "contentHandling imported, on the integration and on an integration response (where Tollgate converts: internal/ir)",
		data: withIntegration("contentHandling: CONVERT_TO_TEXT, responses: {default: {statusCode: 200, contentHandling: convert_to_binary}}"),
	},
	{
		name: "contentHandling of another value refused",
		data: withIntegration("contentHandling: CONVERT_TO_JSON"),
		problems: diag.Problems{problem(integ+"/contentHandling",
			`unknown value "CONVERT_TO_JSON": must be one of CONVERT_TO_TEXT, CONVERT_TO_BINARY (in any case)`)},
	},
	{
		name: "integrationSubtype refused",
		data: withIntegration("integrationSubtype: SQS-SendMessage"),
		problems: diag.Problems{problem(integ+"/integrationSubtype",
			"integrationSubtype (an HTTP API AWS service integration) is not supported yet: Tollgate imports the integrations of REST APIs")},
	},
	{
		name: "responseParameters of the integration imported (an HTTP API's; the model check refuses them on a REST API)",
		data: withIntegration("responseParameters: {'200': {overwrite:header.X-Pet: 'pet'}}"),
	},
	{
		name:     "responseParameters by status that are not mappings refused",
		data:     withIntegration("responseParameters: {'200': [x]}"),
		problems: diag.Problems{problem(integ+"/responseParameters/200", "must be an object, not an array")},
	},
	{
		name: "responseTransferMode STREAM refused, an unknown mode too",
		data: head3 + `paths:
  /a:
    get: {responses: {}, x-amazon-apigateway-integration: {type: aws_proxy, responseTransferMode: STREAM}}
    put: {responses: {}, x-amazon-apigateway-integration: {type: aws_proxy, responseTransferMode: CHUNKED}}
`,
		problems: diag.Problems{
			problem("/paths/~1a/get/x-amazon-apigateway-integration/responseTransferMode",
				"responseTransferMode STREAM (response streaming) is not supported yet: Tollgate would send the response as if BUFFERED"),
			problem("/paths/~1a/put/x-amazon-apigateway-integration/responseTransferMode",
				`unknown value "CHUNKED": must be one of BUFFERED, STREAM (in any case)`),
		},
	},
}

func TestExtensions(t *testing.T) {
	for _, tc := range extensionCases {
		t.Run(tc.name, func(t *testing.T) {
			api, warnings, err := Import(extFile, []byte(tc.data))
			if tc.problems == nil {
				if err != nil || api == nil {
					t.Fatalf("Import: %v", err)
				}
				if tc.imported != nil && !tc.imported(api) {
					t.Errorf("imported %v", api)
				}
				if !slices.Equal(warnings, tc.warnings) {
					t.Errorf("warnings\n%v\nwant\n%v", warnings, tc.warnings)
				}
				return
			}
			var problems diag.Problems
			if !errors.As(err, &problems) || api != nil || warnings != nil {
				t.Fatalf("Import = %v, %v, %v; want problems only", api, warnings, err)
			}
			if !slices.Equal(problems, tc.problems) {
				t.Errorf("problems\n%v\nwant\n%v", problems, tc.problems)
			}
		})
	}
}

// TestEveryExtensionTested keeps the tables and the cases together: a row added to a table needs a case above.
func TestEveryExtensionTested(t *testing.T) {
	tested := func(key string) bool {
		return slices.ContainsFunc(extensionCases, func(tc extensionCase) bool { return strings.Contains(tc.data, key) })
	}
	for _, name := range slices.Sorted(maps.Keys(extensions)) {
		if !tested(name) {
			t.Errorf("no case uses extension %s", name)
		}
	}
	for _, fields := range []map[string]field{integrationFields, integrationResponseFields} {
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			if fields[name].feature != "" && !tested(name+":") {
				t.Errorf("no case uses field %s, which is refused", name)
			}
		}
	}
}
