package openapi

import (
	"errors"
	"os"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

type importCase struct {
	name     string
	file     string
	data     string
	want     *tollgatev1.RestApi
	warnings diag.Problems
}

type problemCase struct {
	name string
	file string
	data string
	want diag.Problems
}

// Expected models are written out with these helpers; every API is titled "t".

func api(file string, resources ...*tollgatev1.Resource) *tollgatev1.RestApi {
	return &tollgatev1.RestApi{Name: "t", SourceFile: file, Resources: resources}
}

func resource(path string, methods ...*tollgatev1.Method) *tollgatev1.Resource {
	return &tollgatev1.Resource{Path: path, Methods: methods}
}

func httpProxy(uri, ptr string) *tollgatev1.Integration {
	return &tollgatev1.Integration{
		Type:          tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY,
		HttpMethod:    "GET",
		Uri:           uri,
		SourcePointer: ptr,
	}
}

func withBinaryAndKeySource(a *tollgatev1.RestApi, source tollgatev1.ApiKeySource, types ...string) *tollgatev1.RestApi {
	a.BinaryMediaTypes = types
	a.ApiKeySource = source
	return a
}

// everyField is an integration using every field Tollgate reads; the OpenAPI 3 and Swagger 2 cases below write
// it out.
func everyField(ptr string) *tollgatev1.Integration {
	return &tollgatev1.Integration{
		Type:       tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS,
		HttpMethod: "POST",
		Uri:        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${stageVariables.fn}/invocations",
		RequestParameters: map[string]string{
			"integration.request.header.X-Pet": "method.request.header.X-Pet",
			"integration.request.path.petId":   "method.request.path.petId",
		},
		RequestTemplates: map[string]string{
			"application/json": `{"id": "$input.params('petId')"}`,
			"text/plain":       "",
		},
		Responses: map[string]*tollgatev1.IntegrationResponse{
			"default": {
				StatusCode:         "200",
				ResponseParameters: map[string]string{"method.response.header.X-Pet": "integration.response.body.id"},
				ResponseTemplates:  map[string]string{"application/json": "$input.json('$')"},
			},
			".*not found.*": {StatusCode: "404"},
		},
		PassthroughBehavior:  tollgatev1.PassthroughBehavior_PASSTHROUGH_BEHAVIOR_NEVER,
		TimeoutInMillis:      5000,
		CacheKeyParameters:   []string{"method.request.path.petId", "method.request.header.X-Pet"},
		CacheNamespace:       "pets",
		PayloadFormatVersion: "1.0",
		SourcePointer:        ptr,
	}
}

const everyFieldPtr = "/paths/~1pets~1{petId}/post/x-amazon-apigateway-integration"

func everyFieldAPI(file string) *tollgatev1.RestApi {
	return api(file, resource("/pets/{petId}", &tollgatev1.Method{
		HttpMethod:        "POST",
		OperationId:       "UpdatePet",
		SourcePointer:     "/paths/~1pets~1{petId}/post",
		RequestParameters: map[string]bool{"method.request.path.petId": true},
		Integration:       everyField(everyFieldPtr),
	}))
}

// simpleAPI is what the four "simple" cases (OpenAPI 3 and Swagger 2, YAML and JSON) import to.
func simpleAPI(file string) *tollgatev1.RestApi {
	return api(file, resource("/pets",
		&tollgatev1.Method{
			HttpMethod:    "GET",
			OperationId:   "ListPets",
			SourcePointer: "/paths/~1pets/get",
			Integration:   httpProxy("http://example.com/pets", "/paths/~1pets/get/x-amazon-apigateway-integration"),
		},
	))
}

var importCases = []importCase{
	{
		name: "OpenAPI 3 YAML",
		file: "simple.yaml",
		data: `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      operationId: ListPets
      responses: {}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://example.com/pets"}
`,
		want: simpleAPI("simple.yaml"),
	},
	{
		name: "OpenAPI 3 JSON",
		file: "simple.json",
		data: `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
 "paths": {"/pets": {"get": {"operationId": "ListPets", "responses": {},
  "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "http://example.com/pets"}}}}}`,
		want: simpleAPI("simple.json"),
	},
	{
		name: "Swagger 2 YAML",
		file: "simple.yaml",
		data: `swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      operationId: ListPets
      responses: {}
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://example.com/pets"}
`,
		want: simpleAPI("simple.yaml"),
	},
	{
		name: "Swagger 2 JSON indented with tabs",
		file: "simple.json",
		data: "{\n\t\"swagger\": \"2.0\",\n\t\"info\": {\"title\": \"t\", \"version\": \"1\"},\n\t\"paths\": {\"/pets\": {\"get\": {\n" +
			"\t\t\"operationId\": \"ListPets\", \"responses\": {},\n" +
			"\t\t\"x-amazon-apigateway-integration\": {\"type\": \"http_proxy\", \"httpMethod\": \"GET\", \"uri\": \"http://example.com/pets\"}\n" +
			"\t}}}\n}\n",
		want: simpleAPI("simple.json"),
	},
	{
		name: "OpenAPI 3 every integration field Tollgate reads kept",
		file: "every.yaml",
		data: `openapi: "3.0"
info: {title: t, version: "1"}
paths:
  /pets/{petId}:
    post:
      operationId: UpdatePet
      parameters: [{name: petId, in: path, required: true, schema: {type: string}}]
      responses: {}
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${stageVariables.fn}/invocations
        requestParameters:
          integration.request.path.petId: method.request.path.petId
          integration.request.header.X-Pet: method.request.header.X-Pet
        requestTemplates:
          application/json: '{"id": "$input.params(''petId'')"}'
          text/plain:
        responses:
          default:
            statusCode: 200
            responseParameters: {method.response.header.X-Pet: integration.response.body.id}
            responseTemplates: {application/json: "$input.json('$')"}
          .*not found.*:
            statusCode: "404"
        passthroughBehavior: never
        timeoutInMillis: 5000
        cacheKeyParameters: [method.request.path.petId, method.request.header.X-Pet]
        cacheNamespace: pets
        payloadFormatVersion: "1.0"
`,
		want: everyFieldAPI("every.yaml"),
	},
	{
		name: "Swagger 2 every integration field Tollgate reads kept",
		file: "every.json",
		data: `{"swagger": "2.0", "info": {"title": "t", "version": "1"},
 "paths": {"/pets/{petId}": {"post": {
  "operationId": "UpdatePet",
  "parameters": [{"name": "petId", "in": "path", "required": true, "type": "string"}],
  "responses": {},
  "x-amazon-apigateway-integration": {
   "type": "aws", "httpMethod": "POST",
   "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${stageVariables.fn}/invocations",
   "requestParameters": {"integration.request.path.petId": "method.request.path.petId",
    "integration.request.header.X-Pet": "method.request.header.X-Pet"},
   "requestTemplates": {"application/json": "{\"id\": \"$input.params('petId')\"}", "text/plain": null},
   "responses": {
    "default": {"statusCode": "200", "responseParameters": {"method.response.header.X-Pet": "integration.response.body.id"},
     "responseTemplates": {"application/json": "$input.json('$')"}},
    ".*not found.*": {"statusCode": 404}},
   "passthroughBehavior": "never", "timeoutInMillis": 5000,
   "cacheKeyParameters": ["method.request.path.petId", "method.request.header.X-Pet"], "cacheNamespace": "pets",
   "payloadFormatVersion": "1.0"}}}}}`,
		want: everyFieldAPI("every.json"),
	},
	{
		name: "enumerations in any case",
		file: "case.yaml",
		data: `openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-api-key-source: authorizer
paths:
  /a:
    get:
      responses: {}
      x-amazon-apigateway-integration:
        type: HTTP_PROXY
        httpMethod: get
        passthroughBehavior: WHEN_NO_TEMPLATES
        connectionType: Internet
  /b:
    get:
      responses: {}
      x-amazon-apigateway-integration: {type: Aws_Proxy, passthroughBehavior: When_No_Match, responseTransferMode: buffered}
  /c:
    get:
      responses: {}
      x-amazon-apigateway-integration: {type: MOCK, responses: {default: {statusCode: 200}}}
  /d:
    get:
      responses: {}
      x-amazon-apigateway-integration: {type: Http, connectionType: INTERNET, responseTransferMode: BUFFERED}
`,
		want: withBinaryAndKeySource(api("case.yaml",
			resource("/a", &tollgatev1.Method{HttpMethod: "GET", SourcePointer: "/paths/~1a/get", Integration: &tollgatev1.Integration{
				Type:                tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY,
				HttpMethod:          "GET",
				PassthroughBehavior: tollgatev1.PassthroughBehavior_PASSTHROUGH_BEHAVIOR_WHEN_NO_TEMPLATES,
				ConnectionType:      tollgatev1.ConnectionType_CONNECTION_TYPE_INTERNET,
				SourcePointer:       "/paths/~1a/get/x-amazon-apigateway-integration",
			}}),
			resource("/b", &tollgatev1.Method{HttpMethod: "GET", SourcePointer: "/paths/~1b/get", Integration: &tollgatev1.Integration{
				Type:                tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS_PROXY,
				PassthroughBehavior: tollgatev1.PassthroughBehavior_PASSTHROUGH_BEHAVIOR_WHEN_NO_MATCH,
				SourcePointer:       "/paths/~1b/get/x-amazon-apigateway-integration",
			}}),
			resource("/c", &tollgatev1.Method{HttpMethod: "GET", SourcePointer: "/paths/~1c/get", Integration: &tollgatev1.Integration{
				Type:          tollgatev1.IntegrationType_INTEGRATION_TYPE_MOCK,
				Responses:     map[string]*tollgatev1.IntegrationResponse{"default": {StatusCode: "200"}},
				SourcePointer: "/paths/~1c/get/x-amazon-apigateway-integration",
			}}),
			resource("/d", &tollgatev1.Method{HttpMethod: "GET", SourcePointer: "/paths/~1d/get", Integration: &tollgatev1.Integration{
				Type:           tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP,
				ConnectionType: tollgatev1.ConnectionType_CONNECTION_TYPE_INTERNET,
				SourcePointer:  "/paths/~1d/get/x-amazon-apigateway-integration",
			}}),
		), tollgatev1.ApiKeySource_API_KEY_SOURCE_AUTHORIZER),
	},
	{
		name: "any method, greedy path and path parameters kept verbatim, methods in fixed order",
		file: "any.yaml",
		data: `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /{proxy+}:
    x-amazon-apigateway-any-method:
      operationId: Proxy
      parameters: [{name: proxy, in: path, required: true, schema: {type: string}}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: http://${stageVariables.backend}/{proxy}
        requestParameters: {integration.request.path.proxy: method.request.path.proxy}
  /shops/{shopId}/items/{itemId}:
    x-amazon-apigateway-any-method: {}
    trace: {responses: {}}
    options: {responses: {}}
    delete: {responses: {}}
    patch: {responses: {}}
    put: {responses: {}}
    post: {responses: {}}
    head: {responses: {}}
    get: {responses: {}}
  /empty: {}
`,
		want: api("any.yaml",
			resource("/empty"),
			resource("/shops/{shopId}/items/{itemId}",
				&tollgatev1.Method{HttpMethod: "GET", SourcePointer: "/paths/~1shops~1{shopId}~1items~1{itemId}/get"},
				&tollgatev1.Method{HttpMethod: "HEAD", SourcePointer: "/paths/~1shops~1{shopId}~1items~1{itemId}/head"},
				&tollgatev1.Method{HttpMethod: "POST", SourcePointer: "/paths/~1shops~1{shopId}~1items~1{itemId}/post"},
				&tollgatev1.Method{HttpMethod: "PUT", SourcePointer: "/paths/~1shops~1{shopId}~1items~1{itemId}/put"},
				&tollgatev1.Method{HttpMethod: "PATCH", SourcePointer: "/paths/~1shops~1{shopId}~1items~1{itemId}/patch"},
				&tollgatev1.Method{HttpMethod: "DELETE", SourcePointer: "/paths/~1shops~1{shopId}~1items~1{itemId}/delete"},
				&tollgatev1.Method{HttpMethod: "OPTIONS", SourcePointer: "/paths/~1shops~1{shopId}~1items~1{itemId}/options"},
				&tollgatev1.Method{HttpMethod: "TRACE", SourcePointer: "/paths/~1shops~1{shopId}~1items~1{itemId}/trace"},
				&tollgatev1.Method{HttpMethod: "ANY", SourcePointer: "/paths/~1shops~1{shopId}~1items~1{itemId}/x-amazon-apigateway-any-method"},
			),
			resource("/{proxy+}", &tollgatev1.Method{
				HttpMethod:        "ANY",
				OperationId:       "Proxy",
				SourcePointer:     "/paths/~1{proxy+}/x-amazon-apigateway-any-method",
				RequestParameters: map[string]bool{"method.request.path.proxy": true},
				Integration: &tollgatev1.Integration{
					Type:              tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY,
					HttpMethod:        "ANY",
					Uri:               "http://${stageVariables.backend}/{proxy}",
					RequestParameters: map[string]string{"integration.request.path.proxy": "method.request.path.proxy"},
					SourcePointer:     "/paths/~1{proxy+}/x-amazon-apigateway-any-method/x-amazon-apigateway-integration",
				},
			}),
		),
	},
	{
		name: "OpenAPI 3 request parameters: path item's overridden by operation's, $refs followed, cookies ignored",
		file: "params.yaml",
		data: `openapi: 3.0.1
info: {title: t, version: "1"}
components:
  parameters:
    page: {name: page, in: query, required: true, schema: {type: integer}}
    trace: {name: X-Trace, in: header, schema: {type: string}}
paths:
  /pets/{petId}:
    parameters:
      - {name: petId, in: path, required: true, schema: {type: string}}
      - {name: X-Trace, in: header, required: true, schema: {type: string}}
    get:
      parameters:
        - $ref: '#/components/parameters/page'
        - $ref: '#/components/parameters/trace'
        - {name: session, in: cookie, required: true, schema: {type: string}}
      responses: {}
    x-amazon-apigateway-any-method:
      parameters:
        - $ref: '#/components/parameters/page'
        - {name: X-Trace, in: header, required: false}
`,
		want: api("params.yaml", resource("/pets/{petId}",
			&tollgatev1.Method{HttpMethod: "GET", SourcePointer: "/paths/~1pets~1{petId}/get", RequestParameters: map[string]bool{
				"method.request.path.petId":       true,
				"method.request.header.X-Trace":   false,
				"method.request.querystring.page": true,
			}},
			&tollgatev1.Method{HttpMethod: "ANY", SourcePointer: "/paths/~1pets~1{petId}/x-amazon-apigateway-any-method", RequestParameters: map[string]bool{
				"method.request.path.petId":       true,
				"method.request.header.X-Trace":   false,
				"method.request.querystring.page": true,
			}},
		)),
	},
	{
		name: "Swagger 2 request parameters: $refs followed, body and formData ignored, x- path keys ignored",
		file: "params.yaml",
		data: `swagger: "2.0"
info: {title: t, version: "1"}
parameters:
  petId: {name: petId, in: path, required: true, type: string}
  page: {name: page, in: query, type: integer}
paths:
  x-note: {owner: pets-team}
  /pets/{petId}:
    parameters: [{$ref: '#/parameters/petId'}]
    put:
      consumes: [application/x-www-form-urlencoded]
      parameters:
        - {$ref: '#/parameters/page'}
        - {name: name, in: formData, required: true, type: string}
        - {name: X-Trace, in: header, required: true, type: string}
      responses: {}
    post:
      parameters: [{name: pet, in: body, required: true, schema: {type: object}}]
      responses: {}
    x-amazon-apigateway-any-method:
      parameters: [{$ref: '#/parameters/page'}]
`,
		want: api("params.yaml", resource("/pets/{petId}",
			&tollgatev1.Method{HttpMethod: "POST", SourcePointer: "/paths/~1pets~1{petId}/post", RequestParameters: map[string]bool{
				"method.request.path.petId": true,
			}},
			&tollgatev1.Method{HttpMethod: "PUT", SourcePointer: "/paths/~1pets~1{petId}/put", RequestParameters: map[string]bool{
				"method.request.path.petId":       true,
				"method.request.querystring.page": false,
				"method.request.header.X-Trace":   true,
			}},
			&tollgatev1.Method{HttpMethod: "ANY", SourcePointer: "/paths/~1pets~1{petId}/x-amazon-apigateway-any-method", RequestParameters: map[string]bool{
				"method.request.path.petId":       true,
				"method.request.querystring.page": false,
			}},
		)),
	},
	{
		name: "OpenAPI 3 API key required by operation, the header's name in any case",
		file: "keys.yaml",
		data: `openapi: 3.0.1
info: {title: t, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, name: X-API-Key, in: header}
    sameKey: {type: apiKey, name: x-api-key, in: header, description: the same header}
paths:
  /a:
    get: {responses: {}, security: [{key: []}]}
    put: {responses: {}, security: [{sameKey: [], key: []}]}
    post: {responses: {}, security: []}
    delete: {responses: {}}
    x-amazon-apigateway-any-method: {security: [{sameKey: []}]}
`,
		want: api("keys.yaml", resource("/a",
			&tollgatev1.Method{HttpMethod: "GET", SourcePointer: "/paths/~1a/get", ApiKeyRequired: true},
			&tollgatev1.Method{HttpMethod: "POST", SourcePointer: "/paths/~1a/post"},
			&tollgatev1.Method{HttpMethod: "PUT", SourcePointer: "/paths/~1a/put", ApiKeyRequired: true},
			&tollgatev1.Method{HttpMethod: "DELETE", SourcePointer: "/paths/~1a/delete"},
			&tollgatev1.Method{HttpMethod: "ANY", SourcePointer: "/paths/~1a/x-amazon-apigateway-any-method", ApiKeyRequired: true},
		)),
	},
	{
		name: "Swagger 2 API key required globally unless an operation sets its own security",
		file: "keys.yaml",
		data: `swagger: "2.0"
info: {title: t, version: "1"}
securityDefinitions:
  api_key: {type: apiKey, name: x-api-key, in: header}
security: [{api_key: []}]
paths:
  /a:
    get: {responses: {}}
    put: {responses: {}, security: []}
    post: {responses: {}, security: [{api_key: []}]}
    x-amazon-apigateway-any-method: {}
  /b:
    x-amazon-apigateway-any-method: {security: []}
`,
		want: api("keys.yaml",
			resource("/a",
				&tollgatev1.Method{HttpMethod: "GET", SourcePointer: "/paths/~1a/get", ApiKeyRequired: true},
				&tollgatev1.Method{HttpMethod: "POST", SourcePointer: "/paths/~1a/post", ApiKeyRequired: true},
				&tollgatev1.Method{HttpMethod: "PUT", SourcePointer: "/paths/~1a/put"},
				&tollgatev1.Method{HttpMethod: "ANY", SourcePointer: "/paths/~1a/x-amazon-apigateway-any-method", ApiKeyRequired: true},
			),
			resource("/b", &tollgatev1.Method{HttpMethod: "ANY", SourcePointer: "/paths/~1b/x-amazon-apigateway-any-method"}),
		),
	},
	{
		name: "OpenAPI 3 global API key",
		file: "keys.json",
		data: `{"openapi": "3.0.2", "info": {"title": "t", "version": "1"},
 "security": [{"api_key": []}],
 "components": {"securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}},
 "paths": {"/a": {"get": {"responses": {}}}}}`,
		want: api("keys.json", resource("/a",
			&tollgatev1.Method{HttpMethod: "GET", SourcePointer: "/paths/~1a/get", ApiKeyRequired: true},
		)),
	},
	{
		name: "binary media types and API key source",
		file: "binary.yaml",
		data: `swagger: "2.0"
info: {title: t, version: "1"}
x-amazon-apigateway-binary-media-types: [image/png, "*/*", application/octet-stream]
x-amazon-apigateway-api-key-source: Header
paths: {}
`,
		want: withBinaryAndKeySource(api("binary.yaml"), tollgatev1.ApiKeySource_API_KEY_SOURCE_HEADER,
			"image/png", "*/*", "application/octet-stream"),
	},
	{
		name: "null values read as absent, refused fields too; a method without integration has none",
		file: "nulls.yaml",
		data: `openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-binary-media-types:
x-amazon-apigateway-api-key-source:
paths:
  /a:
    get:
      responses: {}
      x-amazon-apigateway-integration:
        type: mock
        uri:
        timeoutInMillis:
        requestTemplates:
        credentials:
        connectionType:
        responses:
          default:
            statusCode:
            contentHandling:
    post:
      responses: {}
`,
		want: api("nulls.yaml", resource("/a",
			&tollgatev1.Method{HttpMethod: "GET", SourcePointer: "/paths/~1a/get", Integration: &tollgatev1.Integration{
				Type:          tollgatev1.IntegrationType_INTEGRATION_TYPE_MOCK,
				Responses:     map[string]*tollgatev1.IntegrationResponse{"default": {}},
				SourcePointer: "/paths/~1a/get/x-amazon-apigateway-integration",
			}},
			&tollgatev1.Method{HttpMethod: "POST", SourcePointer: "/paths/~1a/post"},
		)),
	},
	{
		name: "pointers escape ~ and /",
		file: "escape.yaml",
		data: `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /~user/{id}:
    get: {responses: {}}
`,
		want: api("escape.yaml", resource("/~user/{id}",
			&tollgatev1.Method{HttpMethod: "GET", SourcePointer: "/paths/~1~0user~1{id}/get"},
		)),
	},
}

func TestImport(t *testing.T) {
	for _, tc := range importCases {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings, err := Import(tc.file, []byte(tc.data))
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if !slices.Equal(warnings, tc.warnings) {
				t.Errorf("Import warnings\n%v\nwant\n%v", warnings, tc.warnings)
			}
			if !proto.Equal(got, tc.want) {
				t.Errorf("Import got\n%s\nwant\n%s", prototext.Format(got), prototext.Format(tc.want))
			}
		})
	}
}

// petstoreAPI is what both petstore files in testdata import to: they hold the same API, once as Swagger 2 YAML
// and once as OpenAPI 3 JSON, laid out alike so that even the pointers agree.
func petstoreAPI(file string) *tollgatev1.RestApi {
	const ext = "/x-amazon-apigateway-integration"
	cors := map[string]string{
		"method.response.header.Access-Control-Allow-Methods": "'POST,GET,OPTIONS'",
		"method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key'",
		"method.response.header.Access-Control-Allow-Origin":  "'*'",
	}
	mock := func(ptr string, response *tollgatev1.IntegrationResponse) *tollgatev1.Integration {
		return &tollgatev1.Integration{
			Type:                tollgatev1.IntegrationType_INTEGRATION_TYPE_MOCK,
			RequestTemplates:    map[string]string{"application/json": `{"statusCode": 200}`},
			Responses:           map[string]*tollgatev1.IntegrationResponse{"default": response},
			PassthroughBehavior: tollgatev1.PassthroughBehavior_PASSTHROUGH_BEHAVIOR_WHEN_NO_MATCH,
			SourcePointer:       ptr,
		}
	}
	proxy := func(method, uri, ptr string, params map[string]string) *tollgatev1.Integration {
		return &tollgatev1.Integration{
			Type:                tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY,
			HttpMethod:          method,
			Uri:                 uri,
			RequestParameters:   params,
			PassthroughBehavior: tollgatev1.PassthroughBehavior_PASSTHROUGH_BEHAVIOR_WHEN_NO_MATCH,
			SourcePointer:       ptr,
		}
	}
	listPets := proxy("GET", "http://${stageVariables.backend}/pets", "/paths/~1pets/get"+ext, map[string]string{
		"integration.request.querystring.page": "method.request.querystring.page",
		"integration.request.querystring.type": "method.request.querystring.type",
	})
	listPets.TimeoutInMillis = 29000
	anyProxy := proxy("ANY", "http://${stageVariables.backend}/{proxy}", "/paths/~1{proxy+}/x-amazon-apigateway-any-method"+ext,
		map[string]string{"integration.request.path.proxy": "method.request.path.proxy"})
	anyProxy.CacheKeyParameters = []string{"method.request.path.proxy"}
	anyProxy.CacheNamespace = "proxy"

	return &tollgatev1.RestApi{
		Name:             "PetStore",
		SourceFile:       file,
		BinaryMediaTypes: []string{"image/png", "image/jpeg"},
		ApiKeySource:     tollgatev1.ApiKeySource_API_KEY_SOURCE_HEADER,
		Resources: []*tollgatev1.Resource{
			resource("/", &tollgatev1.Method{
				HttpMethod:    "GET",
				SourcePointer: "/paths/~1/get",
				Integration: mock("/paths/~1/get"+ext, &tollgatev1.IntegrationResponse{
					StatusCode:         "200",
					ResponseParameters: map[string]string{"method.response.header.Content-Type": "'text/html'"},
					ResponseTemplates: map[string]string{
						"text/html": "<html><body><h1>Welcome to your Pet Store API</h1></body></html>",
					},
				}),
			}),
			resource("/pets",
				&tollgatev1.Method{
					HttpMethod:    "GET",
					OperationId:   "ListPets",
					SourcePointer: "/paths/~1pets/get",
					RequestParameters: map[string]bool{
						"method.request.querystring.type": false,
						"method.request.querystring.page": false,
					},
					Integration: listPets,
				},
				&tollgatev1.Method{
					HttpMethod:     "POST",
					OperationId:    "CreatePet",
					SourcePointer:  "/paths/~1pets/post",
					ApiKeyRequired: true,
					Integration:    proxy("POST", "http://${stageVariables.backend}/pets", "/paths/~1pets/post"+ext, nil),
				},
				&tollgatev1.Method{
					HttpMethod:    "OPTIONS",
					SourcePointer: "/paths/~1pets/options",
					Integration: mock("/paths/~1pets/options"+ext,
						&tollgatev1.IntegrationResponse{StatusCode: "200", ResponseParameters: cors}),
				},
			),
			resource("/pets/{petId}", &tollgatev1.Method{
				HttpMethod:        "GET",
				OperationId:       "GetPet",
				SourcePointer:     "/paths/~1pets~1{petId}/get",
				RequestParameters: map[string]bool{"method.request.path.petId": true},
				Integration: proxy("GET", "http://${stageVariables.backend}/pets/{petId}", "/paths/~1pets~1{petId}/get"+ext,
					map[string]string{"integration.request.path.petId": "method.request.path.petId"}),
			}),
			resource("/{proxy+}", &tollgatev1.Method{
				HttpMethod:        "ANY",
				SourcePointer:     "/paths/~1{proxy+}/x-amazon-apigateway-any-method",
				RequestParameters: map[string]bool{"method.request.path.proxy": true},
				Integration:       anyProxy,
			}),
		},
	}
}

var petstoreFiles = []string{"testdata/petstore-swagger2.yaml", "testdata/petstore-oas3.json"}

func TestImportPetstore(t *testing.T) {
	for _, file := range petstoreFiles {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got, warnings, err := Import(file, data)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if len(warnings) != 0 {
				t.Errorf("Import warnings:\n%v", warnings)
			}
			if want := petstoreAPI(file); !proto.Equal(got, want) {
				t.Errorf("Import got\n%s\nwant\n%s", prototext.Format(got), prototext.Format(want))
			}
		})
	}
}

const head3 = "openapi: 3.0.1\ninfo: {title: t, version: '1'}\n"

var problemCases = []problemCase{
	{
		name: "not YAML",
		file: "broken.yaml",
		data: "openapi: 3.0.1\npaths: [\n",
		want: diag.Problems{{File: "broken.yaml", Pointer: "/paths", Reason: "not valid YAML or JSON: line 3: did not find expected node content"}},
	},
	{
		name: "not JSON",
		file: "broken.json",
		data: "{\"openapi\": \"3.0.1\"\n \"paths\": {}}",
		want: diag.Problems{{File: "broken.json", Pointer: "/openapi", Reason: "not valid YAML or JSON: line 2: did not find expected ',' or '}'"}},
	},
	{
		name: "empty",
		file: "empty.yaml",
		data: "# nothing here\n",
		want: diag.Problems{{File: "empty.yaml", Reason: "the definition is empty"}},
	},
	{
		name: "not an object",
		file: "list.yaml",
		data: "- openapi: 3.0.1\n",
		want: diag.Problems{{File: "list.yaml", Reason: "the definition must be an object (a YAML mapping or JSON object)"}},
	},
	{
		name: "Swagger version neither a string nor a number",
		file: "v.yaml",
		data: "swagger: true\ninfo: {title: t}\n",
		want: diag.Problems{{File: "v.yaml", Pointer: "/swagger", Reason: `must be a string such as "2.0", not the boolean true`}},
	},
	{
		name: "OpenAPI version neither a string nor a number",
		file: "v.yaml",
		data: "openapi: [3.0]\n",
		want: diag.Problems{{File: "v.yaml", Pointer: "/openapi", Reason: `must be a string such as "3.0.1", not an array`}},
	},
	{
		name: "Swagger 1.2",
		file: "v.json",
		data: `{"swagger": "1.2"}`,
		want: diag.Problems{{File: "v.json", Pointer: "/swagger",
			Reason: `unsupported Swagger version "1.2": Tollgate imports Swagger "2.0" and OpenAPI 3.0.x`}},
	},
	{
		name: "OpenAPI 3.1",
		file: "v.yaml",
		data: "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n",
		want: diag.Problems{{File: "v.yaml", Pointer: "/openapi",
			Reason: `unsupported OpenAPI version "3.1.0": Tollgate imports OpenAPI 3.0.x and Swagger "2.0"`}},
	},
	{
		name: "both versions",
		file: "v.yaml",
		data: "swagger: '2.0'\nopenapi: 3.0.1\n",
		want: diag.Problems{{File: "v.yaml",
			Reason: `both swagger and openapi are set: a definition is either Swagger "2.0" or OpenAPI 3.0.x`}},
	},
	{
		name: "no version",
		file: "v.yaml",
		data: "info: {title: t}\npaths: {}\n",
		want: diag.Problems{{File: "v.yaml",
			Reason: `neither swagger nor openapi is set: a definition declares swagger: "2.0" or openapi: 3.0.x`}},
	},
	{
		name: "unknown integration type",
		file: "type.yaml",
		data: head3 + `paths:
  /a:
    get:
      responses: {}
      x-amazon-apigateway-integration: {type: lambda}
`,
		want: diag.Problems{{File: "type.yaml", Pointer: "/paths/~1a/get/x-amazon-apigateway-integration/type",
			Reason: `unknown value "lambda": must be one of HTTP, HTTP_PROXY, AWS, AWS_PROXY, MOCK (in any case)`}},
	},
	{
		name: "bad passthroughBehavior",
		file: "pass.json",
		data: `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"x-amazon-apigateway-any-method": {
 "x-amazon-apigateway-integration": {"type": "mock", "passthroughBehavior": "sometimes"}}}}}`,
		want: diag.Problems{{File: "pass.json", Pointer: "/paths/~1a/x-amazon-apigateway-any-method/x-amazon-apigateway-integration/passthroughBehavior",
			Reason: `unknown value "sometimes": must be one of WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER (in any case)`}},
	},
	{
		name: "every integration field of the wrong type",
		file: "types.yaml",
		data: head3 + `paths:
  /a:
    get:
      responses: {}
      x-amazon-apigateway-integration:
        type: 5
        httpMethod: true
        uri: 12
        requestParameters: x
        requestTemplates: {application/json: 5}
        responses:
          4\d{2}: x
          default: {statusCode: true, responseParameters: [], responseTemplates: t}
          2\d{2}: {statusCode: 200.5}
        passthroughBehavior: [never]
        timeoutInMillis: 1.5
        cacheKeyParameters: [1, ok]
        cacheNamespace: {}
        connectionType: INTRANET
        connectionId: 7
        tlsConfig: {insecureSkipVerification: "no", serverNameToVerify: 5, verify: true}
        responseTransferMode: 5
        payloadFormatVersion: [1.0]
`,
		want: func() diag.Problems {
			const p = "/paths/~1a/get/x-amazon-apigateway-integration"
			return diag.Problems{
				{File: "types.yaml", Pointer: p + "/responseTransferMode", Reason: "must be a string, not the number 5"},
				{File: "types.yaml", Pointer: p + "/type", Reason: "must be a string, not the number 5"},
				{File: "types.yaml", Pointer: p + "/httpMethod", Reason: "must be a string, not the boolean true"},
				{File: "types.yaml", Pointer: p + "/uri", Reason: "must be a string, not the number 12"},
				{File: "types.yaml", Pointer: p + "/requestParameters", Reason: `must be an object, not the string "x"`},
				{File: "types.yaml", Pointer: p + "/requestTemplates/application~1json", Reason: "must be a string, not the number 5"},
				{File: "types.yaml", Pointer: p + "/responses/2\\d{2}/statusCode", Reason: "must be a string or an integer, not the number 200.5"},
				{File: "types.yaml", Pointer: p + "/responses/4\\d{2}", Reason: `must be an object, not the string "x"`},
				{File: "types.yaml", Pointer: p + "/responses/default/statusCode", Reason: "must be a string or an integer, not the boolean true"},
				{File: "types.yaml", Pointer: p + "/responses/default/responseParameters", Reason: "must be an object, not an array"},
				{File: "types.yaml", Pointer: p + "/responses/default/responseTemplates", Reason: `must be an object, not the string "t"`},
				{File: "types.yaml", Pointer: p + "/passthroughBehavior", Reason: "must be a string, not an array"},
				{File: "types.yaml", Pointer: p + "/timeoutInMillis", Reason: "must be an integer, not the number 1.5"},
				{File: "types.yaml", Pointer: p + "/cacheKeyParameters/0", Reason: "must be a string, not the number 1"},
				{File: "types.yaml", Pointer: p + "/cacheNamespace", Reason: "must be a string, not an object"},
				{File: "types.yaml", Pointer: p + "/payloadFormatVersion", Reason: "must be a string, not an array"},
				{File: "types.yaml", Pointer: p + "/connectionType",
					Reason: `unknown value "INTRANET": must be one of INTERNET, VPC_LINK (in any case)`},
				{File: "types.yaml", Pointer: p + "/connectionId", Reason: "must be a string, not the number 7"},
				{File: "types.yaml", Pointer: p + "/tlsConfig/verify", Reason: `unknown field "verify" of tlsConfig`},
				{File: "types.yaml", Pointer: p + "/tlsConfig/insecureSkipVerification", Reason: `must be a boolean, not the string "no"`},
				{File: "types.yaml", Pointer: p + "/tlsConfig/serverNameToVerify", Reason: "must be a string, not the number 5"},
			}
		}(),
	},
	{
		name: "timeoutInMillis as a string or too large",
		file: "timeout.yaml",
		data: head3 + `paths:
  /a:
    get: {responses: {}, x-amazon-apigateway-integration: {type: mock, timeoutInMillis: "29000"}}
    put: {responses: {}, x-amazon-apigateway-integration: {type: mock, timeoutInMillis: 3000000000}}
`,
		want: diag.Problems{
			{File: "timeout.yaml", Pointer: "/paths/~1a/get/x-amazon-apigateway-integration/timeoutInMillis",
				Reason: `must be an integer, not the string "29000"`},
			{File: "timeout.yaml", Pointer: "/paths/~1a/put/x-amazon-apigateway-integration/timeoutInMillis",
				Reason: "must be an integer, not the number 3e+09"},
		},
	},
	{
		name: "integration, any-method and top-level extensions of the wrong type, all reported",
		file: "ext.yaml",
		data: head3 + `x-amazon-apigateway-binary-media-types: image/png
x-amazon-apigateway-api-key-source: QUERY
paths:
  /a:
    get: {responses: {}, x-amazon-apigateway-integration: http_proxy}
  /b:
    x-amazon-apigateway-any-method: [get]
  /c:
    x-amazon-apigateway-any-method:
      operationId: 5
      parameters:
        - {name: p, in: path, required: "yes"}
        - {$ref: '#/components/parameters/missing'}
        - {$ref: 5}
        - 7
      security: {key: []}
`,
		want: diag.Problems{
			{File: "ext.yaml", Pointer: "/paths/~1b/x-amazon-apigateway-any-method", Reason: "must be an object, not an array"},
			{File: "ext.yaml", Pointer: "/paths/~1c/x-amazon-apigateway-any-method/operationId", Reason: "must be a string, not the number 5"},
			{File: "ext.yaml", Pointer: "/paths/~1c/x-amazon-apigateway-any-method/parameters/0/required",
				Reason: `must be a boolean, not the string "yes"`},
			{File: "ext.yaml", Pointer: "/paths/~1c/x-amazon-apigateway-any-method/parameters/1/$ref",
				Reason: `unresolved parameter reference "#/components/parameters/missing": only parameters defined in this file can be referenced`},
			{File: "ext.yaml", Pointer: "/paths/~1c/x-amazon-apigateway-any-method/parameters/2/$ref", Reason: "must be a string, not the number 5"},
			{File: "ext.yaml", Pointer: "/paths/~1c/x-amazon-apigateway-any-method/parameters/3", Reason: "must be an object, not the number 7"},
			{File: "ext.yaml", Pointer: "/paths/~1c/x-amazon-apigateway-any-method/security", Reason: "must be an array, not an object"},
			{File: "ext.yaml", Pointer: "/x-amazon-apigateway-binary-media-types", Reason: `must be an array, not the string "image/png"`},
			{File: "ext.yaml", Pointer: "/x-amazon-apigateway-api-key-source",
				Reason: `unknown value "QUERY": must be one of HEADER, AUTHORIZER (in any case)`},
			{File: "ext.yaml", Pointer: "/paths/~1a/get/x-amazon-apigateway-integration", Reason: `must be an object, not the string "http_proxy"`},
		},
	},
	{
		name: "Swagger 2 unresolved parameter reference and path item reference",
		file: "refs.yaml",
		data: `swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /a:
    parameters: [{$ref: 'common.yaml#/parameters/id'}]
    get:
      parameters: [{$ref: '#/parameters/missing'}]
      responses: {}
  /b:
    $ref: 'other.yaml#/paths/~1b'
`,
		want: diag.Problems{
			{File: "refs.yaml", Pointer: "/paths/~1a/parameters/0/$ref",
				Reason: `unresolved parameter reference "common.yaml#/parameters/id": only parameters defined in this file can be referenced`},
			{File: "refs.yaml", Pointer: "/paths/~1a/get/parameters/0/$ref",
				Reason: `unresolved parameter reference "#/parameters/missing": only parameters defined in this file can be referenced`},
			{File: "refs.yaml", Pointer: "/paths/~1b/$ref",
				Reason: "a path item $ref is not supported: write the path item out in this file"},
		},
	},
	{
		name: "OpenAPI 3 external reference refused",
		file: "ext.yaml",
		data: head3 + `paths:
  /a:
    get:
      parameters: [{$ref: 'common.yaml#/components/parameters/id'}]
      responses: {}
`,
		want: diag.Problems{{File: "ext.yaml",
			Reason: `encountered disallowed external reference: "common.yaml#/components/parameters/id"`}},
	},
	{
		name: "OpenAPI 3 structure kin-openapi cannot decode",
		file: "shape.yaml",
		data: head3 + "paths:\n  /a:\n    get: 5\n",
		want: diag.Problems{{File: "shape.yaml", Pointer: "/paths/~1a/get",
			Reason: "line 5: cannot construct !!int `5` into openapi3.Operation"}},
	},
	{
		name: "OpenAPI 3 structure kin-openapi cannot decode, the document rewritten (the line is not the file's)",
		file: "shape.yaml",
		data: "openapi: 3.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: 5\n",
		want: diag.Problems{{File: "shape.yaml", Pointer: "/paths/~1a/get",
			Reason: "cannot construct !!int `5` into openapi3.Operation"}},
	},
	{
		name: "YAML kin-openapi refuses after the parser: a null mapping key",
		file: "null.yaml",
		data: "openapi: 3.0.1\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: {responses: {}}\n&x : 1\n",
		want: diag.Problems{{File: "null.yaml", Pointer: "/paths/~1a/get/responses",
			Reason: "not valid YAML or JSON: line 6: mapping key is null, so it names nothing"}},
	},
	{
		name: "Swagger 2 structure kin-openapi cannot decode",
		file: "shape.yaml",
		data: "swagger: '2.0'\npaths:\n  /a:\n    get: {parameters: 5}\n",
		want: diag.Problems{{File: "shape.yaml",
			Reason: "failed to unmarshal data: yaml error: json: cannot unmarshal number into field Operation.parameters of type openapi2.Parameters"}},
	},
}

func TestImportProblems(t *testing.T) {
	for _, tc := range problemCases {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings, err := Import(tc.file, []byte(tc.data))
			if got != nil || warnings != nil {
				t.Errorf("Import returned a model or warnings along with problems:\n%s%v", prototext.Format(got), warnings)
			}
			var problems diag.Problems
			if !errors.As(err, &problems) {
				t.Fatalf("Import error %v (%T), want diag.Problems", err, err)
			}
			if len(problems) != len(tc.want) {
				t.Fatalf("Import problems\n%v\nwant\n%v", problems, tc.want)
			}
			for i := range problems {
				if problems[i] != tc.want[i] {
					t.Errorf("problem %d\n got %#v\nwant %#v", i, problems[i], tc.want[i])
				}
			}
		})
	}
}

// BenchmarkImport keeps an eye on import cost, paid on every hot reload.
func BenchmarkImport(b *testing.B) {
	for _, file := range petstoreFiles {
		data, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(file, func(b *testing.B) {
			for b.Loop() {
				if _, _, err := Import(file, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
