package openapi

import (
	"errors"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

const authURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"

// TestAuthorizers imports Lambda authorizers as API Gateway's import reads them (developer guide,
// "x-amazon-apigateway-authorizer object" and its examples) and the methods that use them.
func TestAuthorizers(t *testing.T) {
	ttl := func(n int32) *int32 { return &n }
	tests := []struct {
		name        string
		data        string
		authorizers []*tollgatev1.Authorizer
		methods     map[string]string   // method source pointer -> authorizer it names
		keyRequired []string            // method source pointers that require an API key
		scopes      map[string][]string // method source pointer -> authorization scopes
		problems    diag.Problems
		warnings    diag.Problems
	}{{
		// The guide's TOKEN example: the identity source defaults to the header the apiKey scheme names.
		name: "Swagger 2 TOKEN authorizer, identity source from the scheme",
		data: head2 + `securityDefinitions:
  tokenAuth:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authtype: custom
    x-amazon-apigateway-authorizer:
      type: token
      authorizerUri: ` + authURI + `
      authorizerResultTtlInSeconds: 60
      identityValidationExpression: "^Bearer [-0-9a-zA-Z._]*$"
paths: {/a: {get: {responses: {}, security: [{tokenAuth: []}]}}}
`,
		authorizers: []*tollgatev1.Authorizer{{
			Name: "tokenAuth", Type: tollgatev1.AuthorizerType_AUTHORIZER_TYPE_TOKEN, AuthorizerUri: authURI,
			IdentitySource: "method.request.header.Authorization", IdentityValidationExpression: "^Bearer [-0-9a-zA-Z._]*$",
			ResultTtlInSeconds: ttl(60), SourcePointer: "/securityDefinitions/tokenAuth/x-amazon-apigateway-authorizer",
		}},
		methods: map[string]string{"/paths/~1a/get": "tokenAuth"},
	}, {
		// The guide's REQUEST example; its authtype is free-form, and the type's case is AWS's either way.
		name: "OpenAPI 3 REQUEST authorizer from the top-level security, with an API key beside it",
		data: head3 + `components:
  securitySchemes:
    requestAuth:
      type: apiKey
      name: Unused
      in: header
      x-amazon-apigateway-authtype: our-own-scheme
      x-amazon-apigateway-authorizer:
        type: REQUEST
        authorizerUri: ` + authURI + `
        identitySource: "method.request.header.Auth, method.request.querystring.user, stageVariables.zone, context.stage"
        authorizerResultTtlInSeconds: 0
    api_key: {type: apiKey, name: x-api-key, in: header}
security: [{requestAuth: []}]
paths:
  /a:
    get: {responses: {}, security: [{requestAuth: []}, {api_key: []}]}
    post: {responses: {}}
    put: {responses: {}, security: []}
`,
		authorizers: []*tollgatev1.Authorizer{{
			Name: "requestAuth", Type: tollgatev1.AuthorizerType_AUTHORIZER_TYPE_REQUEST, AuthorizerUri: authURI,
			IdentitySource:     "method.request.header.Auth, method.request.querystring.user, stageVariables.zone, context.stage",
			ResultTtlInSeconds: ttl(0), SourcePointer: "/components/securitySchemes/requestAuth/x-amazon-apigateway-authorizer",
		}},
		methods:     map[string]string{"/paths/~1a/get": "requestAuth", "/paths/~1a/post": "requestAuth", "/paths/~1a/put": ""},
		keyRequired: []string{"/paths/~1a/get"},
	}, {
		// The guide's Cognito example: the scopes a method requires are its security requirement's.
		name: "Cognito user pool authorizer with scopes",
		data: head3 + `components:
  securitySchemes:
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_ABC]
paths:
  /a:
    get: {responses: {}, security: [{pool: [orders/read, orders/write]}]}
    post: {responses: {}, security: [{pool: []}]}
`,
		authorizers: []*tollgatev1.Authorizer{{
			Name: "pool", Type: tollgatev1.AuthorizerType_AUTHORIZER_TYPE_COGNITO_USER_POOLS, IdentitySource: "method.request.header.Authorization",
			ProviderArns:  []string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_ABC"},
			SourcePointer: "/components/securitySchemes/pool/x-amazon-apigateway-authorizer",
		}},
		methods: map[string]string{"/paths/~1a/get": "pool", "/paths/~1a/post": "pool"},
		scopes:  map[string][]string{"/paths/~1a/get": {"orders/read", "orders/write"}, "/paths/~1a/post": nil},
	}, {
		name: "authorizerCredentials warned about",
		data: head3 + `components:
  securitySchemes:
    auth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer: {type: token, authorizerUri: ` + authURI + `, authorizerCredentials: "arn:aws:iam::123456789012:role/invoker"}
paths: {}
`,
		authorizers: []*tollgatev1.Authorizer{{
			Name: "auth", Type: tollgatev1.AuthorizerType_AUTHORIZER_TYPE_TOKEN, AuthorizerUri: authURI,
			AuthorizerCredentials: "arn:aws:iam::123456789012:role/invoker", IdentitySource: "method.request.header.Authorization",
			SourcePointer: "/components/securitySchemes/auth/x-amazon-apigateway-authorizer",
		}},
		warnings: diag.Problems{problem("/components/securitySchemes/auth/x-amazon-apigateway-authorizer/authorizerCredentials",
			"authorizerCredentials: Tollgate invokes the function with its own credentials (the standard AWS chain, when the function is on AWS), not by assuming this role")},
	}, {
		name: "two authorizers on one method, unknown fields refused",
		data: head3 + `components:
  securitySchemes:
    one:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer: {type: token, authorizerUri: ` + authURI + `, identitySorce: x}
    two:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer: {type: request, authorizerUri: ` + authURI + `, authorizerResultTtlInSeconds: "5"}
paths: {/a: {get: {responses: {}, security: [{one: [], two: []}]}}}
`,
		problems: diag.Problems{
			problem("/components/securitySchemes/one/x-amazon-apigateway-authorizer/identitySorce", `unknown field "identitySorce" of x-amazon-apigateway-authorizer`),
			problem("/components/securitySchemes/two/x-amazon-apigateway-authorizer/authorizerResultTtlInSeconds", `must be an integer, not the string "5"`),
			problem("/paths/~1a/get/security", `the method names two authorizers, "one" and "two": API Gateway allows a method one`),
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, warnings, err := Import(extFile, []byte(tt.data))
			if tt.problems != nil {
				var problems diag.Problems
				if !errors.As(err, &problems) || !slices.Equal(problems, tt.problems) {
					t.Fatalf("problems\n%v\nwant\n%v", err, tt.problems)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(warnings, tt.warnings) {
				t.Errorf("warnings\n%v\nwant\n%v", warnings, tt.warnings)
			}
			if !slices.EqualFunc(api.GetAuthorizers(), tt.authorizers, func(a, b *tollgatev1.Authorizer) bool { return proto.Equal(a, b) }) {
				t.Errorf("authorizers\n%v\nwant\n%v", api.GetAuthorizers(), tt.authorizers)
			}
			for _, res := range api.GetResources() {
				for _, m := range res.GetMethods() {
					if want, ok := tt.methods[m.GetSourcePointer()]; ok && m.GetAuthorizer() != want {
						t.Errorf("%s: authorizer %q, want %q", m.GetSourcePointer(), m.GetAuthorizer(), want)
					}
					if want, ok := tt.scopes[m.GetSourcePointer()]; ok && !slices.Equal(m.GetAuthorizationScopes(), want) {
						t.Errorf("%s: scopes %q, want %q", m.GetSourcePointer(), m.GetAuthorizationScopes(), want)
					}
					if want := slices.Contains(tt.keyRequired, m.GetSourcePointer()); m.GetApiKeyRequired() != want {
						t.Errorf("%s: apiKeyRequired %t, want %t", m.GetSourcePointer(), m.GetApiKeyRequired(), want)
					}
				}
			}
		})
	}
}
