package openapi

import (
	"errors"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// lenientCase is a definition written as real ones from public projects are, and how AWS's importer reads it:
// accepted (got picks the model value, which must equal want) or refused (exactly problems). The comment on each
// row says where AWS's behaviour comes from.
type lenientCase struct {
	name     string
	data     string
	got      func(*tollgatev1.RestApi) any
	want     any
	problems diag.Problems
}

// firstIntegration and firstMethod pick what most cases look at.
func firstIntegration(a *tollgatev1.RestApi) any {
	return a.GetResources()[0].GetMethods()[0].GetIntegration()
}

func firstParams(a *tollgatev1.RestApi) any {
	return a.GetResources()[0].GetMethods()[0].GetRequestParameters()
}

func payloadVersion(a *tollgatev1.RestApi) any {
	return a.GetResources()[0].GetMethods()[0].GetIntegration().GetPayloadFormatVersion()
}

// lambdaOp is an operation whose integration is a Lambda proxy with extra fields.
func lambdaOp(fields string) string {
	return "paths:\n  /a:\n    get:\n      responses: {}\n      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: 'arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations', " + fields + "}\n"
}

func withParam(required string) string {
	return head3 + "paths:\n  /a:\n    get:\n      parameters: [{name: q, in: query, required: " + required + ", schema: {type: string}}]\n      responses: {}\n      x-amazon-apigateway-integration: {type: mock}\n"
}

const sharedPtr = "/components/x-amazon-apigateway-integrations/backend"

var lenientCases = []lenientCase{
	// 1. Version-like strings given as YAML numbers.
	{
		// hashicorp/terraform-provider-aws internal/service/apigatewayv2/api_test.go (testAccAPIConfig_UpdatedOpenAPIYAML):
		// an acceptance test imported on AWS with `payloadFormatVersion: 1.0` unquoted.
		name: "payloadFormatVersion 1.0 as a YAML number",
		data: head3 + lambdaOp("payloadFormatVersion: 1.0"),
		got:  payloadVersion, want: "1.0",
	},
	{
		// As above: AWS reads the number as the string written, so 2.0 is "2.0".
		name: "payloadFormatVersion 2.0 as a YAML number",
		data: head3 + lambdaOp("payloadFormatVersion: 2.0"),
		got:  payloadVersion, want: "2.0",
	},
	{
		// The same value in JSON is the same number.
		name: "payloadFormatVersion 1.0 as a JSON number",
		data: `{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"responses": {},
  "x-amazon-apigateway-integration": {"type": "aws_proxy", "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:lambda:path/f", "payloadFormatVersion": 1.0}}}}}`,
		got: payloadVersion, want: "1.0",
	},
	{
		// Read as written, 1 is "1", which the model check refuses for a Lambda proxy as AWS does ("want 1.0 or
		// 2.0"): AWS documents only those two values (developer guide, http-api-develop-integrations-lambda).
		name: "payloadFormatVersion 1 as a YAML number is the string 1",
		data: head3 + lambdaOp("payloadFormatVersion: 1"),
		got:  payloadVersion, want: "1",
	},
	{
		// AWS's developer guide, x-amazon-apigateway-integrations object: a shared integration's
		// payloadFormatVersion is read like an operation's.
		name: "payloadFormatVersion as a number in a shared integration",
		data: head3 + "components:\n  x-amazon-apigateway-integrations:\n    backend: {type: aws_proxy, httpMethod: POST, uri: 'arn:aws:apigateway:us-east-1:lambda:path/f', payloadFormatVersion: 2.0}\n" +
			"paths:\n  /a:\n    get:\n      responses: {}\n      x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/backend'}\n",
		got: payloadVersion, want: "2.0",
	},
	{
		// The Terraform acceptance test above writes info's `version: 2.0` unquoted too, and AWS imports it.
		name: "info version as a YAML number",
		data: "openapi: 3.0.1\ninfo: {title: t, version: 2.0}\n" + lambdaOp("payloadFormatVersion: '1.0'"),
		got:  func(a *tollgatev1.RestApi) any { return a.GetName() }, want: "t",
	},
	{
		// localstack/localstack tests/aws/files/api_definition.yaml, an AWS-validated fixture: `version:
		// 2022-04-12T15:36:55Z` unquoted (a YAML timestamp, which kin-openapi reads as the string).
		name: "info version as a YAML timestamp",
		data: "openapi: 3.0.1\ninfo: {title: t, version: 2022-04-12T15:36:55Z}\n" + lambdaOp("payloadFormatVersion: '1.0'"),
		got:  func(a *tollgatev1.RestApi) any { return a.GetName() }, want: "t",
	},

	// 2. The format's version unquoted.
	{
		// Issue #9: definitions from public projects write `swagger: 2.0` unquoted and deploy to AWS (e.g.
		// floodfx/aws-lambda-proxy-using-sam-local issue #2: the template API Gateway deployed; only SAM local
		// refused the number). AWS reads it as the string written.
		name: "swagger 2.0 as a YAML number",
		data: "swagger: 2.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {}\n      x-amazon-apigateway-integration: {type: mock}\n",
		got:  func(a *tollgatev1.RestApi) any { return a.GetResources()[0].GetPath() }, want: "/a",
	},
	{
		// As above for OpenAPI: 3.0 is read as "3.0", an OpenAPI 3.0 version (AWS's developer guide, "Develop
		// REST APIs using OpenAPI": OpenAPI v2.0 and v3.0 definition files).
		name: "openapi 3.0 as a YAML number",
		data: "openapi: 3.0\ninfo: {title: t, version: '1'}\n" + lambdaOp("payloadFormatVersion: '1.0'"),
		got:  func(a *tollgatev1.RestApi) any { return a.GetResources()[0].GetPath() }, want: "/a",
	},
	{
		// Read as written, `swagger: 2` is "2", which is no Swagger version AWS imports (it imports OpenAPI v2.0).
		name: "swagger 2 as a YAML number refused as the version written",
		data: "swagger: 2\ninfo: {title: t, version: '1'}\npaths: {}\n",
		problems: diag.Problems{problem("/swagger",
			`unsupported Swagger version "2": Tollgate imports Swagger "2.0" and OpenAPI 3.0.x`)},
	},

	// 3. Booleans given as strings.
	{
		// Issue #9: `required: "true"` on a parameter in public definitions; AWS reads the strings true and false
		// as the booleans (it imports such definitions; no AWS source found for other strings, refused below).
		name: "parameter required as the string true",
		data: withParam(`"true"`),
		got:  firstParams, want: map[string]bool{"method.request.querystring.q": true},
	},
	{
		// As above, in any case.
		name: "parameter required as the string FALSE",
		data: withParam(`"FALSE"`),
		got:  firstParams, want: map[string]bool{"method.request.querystring.q": false},
	},
	{
		// As above, for Swagger 2.0 and for a parameter shared by $ref, which keeps working.
		name: "Swagger 2 parameter required as a string, shared by $ref",
		data: `swagger: "2.0"
info: {title: t, version: "1"}
parameters:
  id: {name: id, in: path, required: "true", type: string}
paths:
  /a/{id}:
    get:
      parameters: [{$ref: '#/parameters/id'}, {name: X-A, in: header, required: 'false', type: string}]
      responses: {}
      x-amazon-apigateway-integration: {type: mock}
`,
		got: firstParams, want: map[string]bool{"method.request.path.id": true, "method.request.header.X-A": false},
	},
	{
		// As above, for OpenAPI 3's components.parameters and the any-method's own parameters.
		name: "OpenAPI 3 shared and any-method parameters required as strings",
		data: head3 + `components:
  parameters:
    id: {name: id, in: path, required: "True", schema: {type: string}}
paths:
  /a/{id}:
    x-amazon-apigateway-any-method:
      parameters: [{$ref: '#/components/parameters/id'}, {name: q, in: query, required: "false"}]
      x-amazon-apigateway-integration: {type: mock}
`,
		got: firstParams, want: map[string]bool{"method.request.path.id": true, "method.request.querystring.q": false},
	},
	{
		// AWS's developer guide, x-amazon-apigateway-integration.tlsConfig object: insecureSkipVerification is a
		// Boolean, read like every other boolean.
		name: "tlsConfig insecureSkipVerification as a string",
		data: withIntegration(`tlsConfig: {insecureSkipVerification: "true", serverNameToVerify: backend.internal}`),
		got: func(a *tollgatev1.RestApi) any {
			return a.GetResources()[0].GetMethods()[0].GetIntegration().GetTlsConfig()
		},
		want: &tollgatev1.TlsConfig{InsecureSkipVerification: true, ServerNameToVerify: "backend.internal"},
	},
	{
		// A string that is no boolean: refused where it is written, as every wrong type is.
		name: "parameter required as another string refused",
		data: withParam(`"yes"`),
		problems: diag.Problems{problem("/paths/~1a/get/parameters/0/required",
			`must be a boolean, not the string "yes"`)},
	},

	// 4. Enumerations of the integration in any case (already so: importer.enum).
	{
		// AWS's developer guide, x-amazon-apigateway-integrations example: "type": "aws_proxy",
		// "passthroughBehavior": "when_no_templates"; LocalStack's AWS-validated openapi-method-int.spec.yaml:
		// passthroughBehavior: when_no_match, type: mock.
		name: "type and passthroughBehavior in lower case",
		data: head3 + lambdaOp("passthroughBehavior: when_no_match, payloadFormatVersion: '2.0'"),
		got: func(a *tollgatev1.RestApi) any {
			i := a.GetResources()[0].GetMethods()[0].GetIntegration()
			return []any{i.GetType(), i.GetPassthroughBehavior()}
		},
		want: []any{tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS_PROXY, tollgatev1.PassthroughBehavior_PASSTHROUGH_BEHAVIOR_WHEN_NO_MATCH},
	},
	{
		// AWS's API reference lists connectionType INTERNET | VPC_LINK; exports write them as the other enums.
		name: "connectionType in any case",
		data: withIntegration("connectionType: vpc_Link, connectionId: '${stageVariables.vpcLinkId}'"),
		got: func(a *tollgatev1.RestApi) any {
			i := a.GetResources()[0].GetMethods()[0].GetIntegration()
			return []any{i.GetConnectionType(), i.GetConnectionId()}
		},
		want: []any{tollgatev1.ConnectionType_CONNECTION_TYPE_VPC_LINK, "${stageVariables.vpcLinkId}"},
	},

	// 5. Integrations by $ref to components' x-amazon-apigateway-integrations.
	{
		// AWS's developer guide, x-amazon-apigateway-integrations object: "$ref":
		// "#/components/x-amazon-apigateway-integrations/integration1", one integration for several routes.
		name: "integration by $ref, pointing where it is written",
		data: head3 + `components:
  x-amazon-apigateway-integrations:
    backend: {type: http_proxy, httpMethod: ANY, uri: "http://backend/"}
paths:
  /a:
    get:
      responses: {}
      x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/backend'}
`,
		got: firstIntegration,
		want: &tollgatev1.Integration{Type: tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY, HttpMethod: "ANY",
			Uri: "http://backend/", SourcePointer: sharedPtr},
	},
	{
		// As above: a problem of a shared integration is where it is written, once however many routes use it.
		name: "problem in a shared integration reported once, where it is written",
		data: head3 + `components:
  x-amazon-apigateway-integrations:
    backend: {type: http_proxy, uri: "http://backend/", credentials: "arn:aws:iam::1:role/r"}
paths:
  /a:
    get: {responses: {}, x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/backend'}}
    put: {responses: {}, x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/backend'}}
`,
		problems: diag.Problems{problem(sharedPtr+"/credentials",
			"credentials (an IAM role or the caller's credentials for the integration) is not supported yet: Tollgate would call the integration with its own credentials")},
	},
	{
		// AWS documents $ref to #/components/x-amazon-apigateway-integrations only; what it names must be there.
		name: "integration $ref unresolved, of the wrong type, or with other fields",
		data: head3 + `components:
  x-amazon-apigateway-integrations:
    backend: {type: mock}
    chained: {$ref: '#/components/x-amazon-apigateway-integrations/backend'}
paths:
  /a:
    get: {responses: {}, x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/missing'}}
    put: {responses: {}, x-amazon-apigateway-integration: {$ref: 5}}
    post: {responses: {}, x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/backend', type: http}}
    delete: {responses: {}, x-amazon-apigateway-integration: {$ref: 'other.yaml#/components/x-amazon-apigateway-integrations/backend'}}
`,
		problems: diag.Problems{
			problem(sharedPtr[:len(sharedPtr)-len("backend")]+"chained/$ref",
				"an integration of x-amazon-apigateway-integrations must be written out, not given by $ref"),
			problem("/paths/~1a/get/x-amazon-apigateway-integration/$ref",
				`unresolved integration reference "#/components/x-amazon-apigateway-integrations/missing": only integrations of #/components/x-amazon-apigateway-integrations in this file can be referenced`),
			problem("/paths/~1a/post/x-amazon-apigateway-integration/type",
				"an integration given by $ref has no other fields: type is read from where the $ref points"),
			problem("/paths/~1a/put/x-amazon-apigateway-integration/$ref", "must be a string, not the number 5"),
			problem("/paths/~1a/delete/x-amazon-apigateway-integration/$ref",
				`unresolved integration reference "other.yaml#/components/x-amazon-apigateway-integrations/backend": only integrations of #/components/x-amazon-apigateway-integrations in this file can be referenced`),
		},
	},
	{
		// AWS documents x-amazon-apigateway-integrations for OpenAPI 3's components only; Swagger 2.0 has none.
		name: "Swagger 2 integration $ref unresolved",
		data: head2 + "paths:\n  /a:\n    get:\n      responses: {}\n      x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/backend'}\n",
		problems: diag.Problems{problem("/paths/~1a/get/x-amazon-apigateway-integration/$ref",
			`unresolved integration reference "#/components/x-amazon-apigateway-integrations/backend": only integrations of #/components/x-amazon-apigateway-integrations in this file can be referenced`)},
	},

	// 6. Syntax errors, with the nearest pointer the text before them tells.
	{
		// Every problem has a file, a pointer and a reason (docs/architecture.md); AWS refuses a definition it
		// cannot parse (developer guide, "Errors and warnings from importing your API": errors for an invalid
		// OpenAPI document).
		name: "YAML syntax error inside an operation",
		data: head3 + "paths:\n  /a:\n    get:\n      responses: {}\n      x-amazon-apigateway-integration: {type: mock\n  /b: {}\n",
		problems: diag.Problems{problem("/paths/~1a/get/x-amazon-apigateway-integration",
			"not valid YAML or JSON: line 8: mapping values are not allowed in this context")},
	},
	{
		// As above, for JSON.
		name: "JSON syntax error inside an operation",
		data: "{\"openapi\": \"3.0.1\",\n \"paths\": {\"/a\": {\"get\": {\n  \"responses\": {} \"x\": 1}}}}\n",
		problems: diag.Problems{problem("/paths/~1a/get/responses",
			"not valid YAML or JSON: line 3: did not find expected ',' or '}'")},
	},
}

func TestLenient(t *testing.T) {
	for _, tc := range lenientCases {
		t.Run(tc.name, func(t *testing.T) {
			api, _, err := Import(extFile, []byte(tc.data))
			if tc.problems != nil {
				var problems diag.Problems
				if !errors.As(err, &problems) || api != nil {
					t.Fatalf("Import = %v, %v; want problems only", api, err)
				}
				if !slices.Equal(problems, tc.problems) {
					t.Errorf("problems\n%v\nwant\n%v", problems, tc.problems)
				}
				return
			}
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			got := tc.got(api)
			if m, ok := tc.want.(proto.Message); ok {
				if g, _ := got.(proto.Message); !proto.Equal(g, m) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			} else if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}
