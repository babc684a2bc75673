package management

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/openapi"
	"github.com/tollgate-gw/tollgate/internal/state"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// serving stands in for the control plane: it refuses every configuration while refuse is set, and counts reloads.
type serving struct {
	refuse   error
	checked  []State
	reloaded int
}

func (s *serving) Check(st State) (func(), error) {
	s.checked = append(s.checked, st)
	return func() { s.reloaded++ }, s.refuse
}

// TestInvoke refuses: the tests of test invocations run the control plane (cmd/tollgate).
func (s *serving) TestInvoke(Deployed, func(string) error) error {
	return errors.New("no Envoy here")
}

// TestInvokeAuthorizer refuses too.
func (s *serving) TestInvokeAuthorizer(Deployed, AuthorizerInvocation) (AuthorizerResult, error) {
	return AuthorizerResult{}, errors.New("no authorizer here")
}

// Import is the importer a file's definition goes through.
func (s *serving) Import(definition []byte) (*tollgatev1.RestApi, []string, error) {
	api, warnings, err := openapi.Import("definition", definition)
	var out []string
	for _, w := range warnings {
		out = append(out, w.Pointer+": "+w.Reason)
	}
	return api, out, err
}

// newService serves gw's APIs and a fresh store's, its clock fixed.
func newService(t testing.TB, gw *tollgatev1.Gateway) (*Service, *serving, http.Handler) {
	t.Helper()
	store, err := state.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	sv := &serving{}
	s := New(store, sv, gw, "123456789012")
	s.now = func() time.Time { return time.Unix(1764000000, 0) }
	mux := http.NewServeMux()
	for pattern, h := range s.Handlers() {
		mux.Handle(pattern, h)
	}
	return s, sv, mux
}

// call sends one request and decodes its answer into out (when not nil), failing unless the status is want.
func call(t *testing.T, h http.Handler, method, target, body string, want int, out any) string {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, bytes.NewBufferString(body)))
	if w.Code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, target, w.Code, w.Body, want)
	}
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
	}
	return strings.TrimSpace(w.Body.String())
}

func TestFileAPIs(t *testing.T) {
	gw := &tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{
		{Id: "pets", Name: "Pet Store", BinaryMediaTypes: []string{"image/png"}},
		{Id: "orders", Name: "Orders", ApiKeySource: tollgatev1.ApiKeySource_API_KEY_SOURCE_AUTHORIZER, ResourcePolicy: `{"Version":"2012-10-17"}`},
		{Id: "h1", Name: "HTTP", ProtocolType: tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP},
		{Id: "alpha", Name: "Alpha"},
	}}
	_, _, mux := newService(t, gw)
	alpha := `{"id":"alpha","name":"Alpha","apiKeySource":"HEADER","disableExecuteApiEndpoint":false}`
	orders := `{"id":"orders","name":"Orders","apiKeySource":"AUTHORIZER","policy":"{\"Version\":\"2012-10-17\"}","disableExecuteApiEndpoint":false}`
	pets := `{"id":"pets","name":"Pet Store","binaryMediaTypes":["image/png"],"apiKeySource":"HEADER","disableExecuteApiEndpoint":false}`
	for _, tt := range []struct {
		name, method, target string
		status               int
		body                 string
	}{
		{"every REST API, by id (the HTTP API is apigatewayv2's)", "GET", "/restapis", 200, `{"item":[` + alpha + `,` + orders + `,` + pets + `]}`},
		{"a page, and where the next starts", "GET", "/restapis?limit=2", 200, `{"item":[` + alpha + `,` + orders + `],"position":"pets"}`},
		{"the last page", "GET", "/restapis?limit=2&position=pets", 200, `{"item":[` + pets + `]}`},
		{"past the last page", "GET", "/restapis?position=zzz", 200, `{"item":[]}`},
		{"a bad limit", "GET", "/restapis?limit=0", 400, `{"message":"Invalid limit: 0: want 1 to 500"}`},
		{"one API", "GET", "/restapis/orders", 200, orders},
		{"an API there is not", "GET", "/restapis/nope", 404, `{"message":"Invalid API identifier specified 123456789012:nope"}`},
		{"the HTTP API is none of apigateway's", "GET", "/restapis/h1", 404, `{"message":"Invalid API identifier specified 123456789012:h1"}`},
		{"a write to a file's API", "DELETE", "/restapis/pets", 400, `{"message":"API pets is defined in tollgate.yaml: change it there, the management API cannot"}`},
		{"a resource of a file's API", "POST", "/restapis/pets/resources/x", 400, `{"message":"API pets is defined in tollgate.yaml: change it there, the management API cannot"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := call(t, mux, tt.method, tt.target, "{}", tt.status, nil); got != tt.body {
				t.Errorf("%s\nwant %s", got, tt.body)
			}
		})
	}
}

// TestBuildAndDeploy builds an API resource by resource, as the aws CLI does, and deploys it: the deployment is
// checked as a whole configuration before it is stored, and served after.
func TestBuildAndDeploy(t *testing.T) {
	_, sv, mux := newService(t, nil)
	var api restAPI
	call(t, mux, "POST", "/restapis", `{"name":"Shop","endpointConfiguration":{"types":["REGIONAL"]}}`, 201, &api)
	if len(api.ID) != 10 || api.RootResourceID == "" || api.APIKeySource != "HEADER" || *api.CreatedDate != 1764000000 {
		t.Fatalf("created %+v", api)
	}
	base := "/restapis/" + api.ID
	var page resourcePage
	call(t, mux, "GET", base+"/resources", "", 200, &page)
	if len(page.Items) != 1 || page.Items[0].Path != "/" || page.Items[0].ID != api.RootResourceID {
		t.Fatalf("a new API's resources: %+v", page)
	}
	var items resourceView
	call(t, mux, "POST", base+"/resources/"+api.RootResourceID, `{"pathPart":"items"}`, 201, &items)
	var item resourceView
	call(t, mux, "POST", base+"/resources/"+items.ID, `{"pathPart":"{id}"}`, 201, &item)
	if item.Path != "/items/{id}" || item.ParentID != items.ID {
		t.Errorf("child resource %+v", item)
	}
	call(t, mux, "POST", base+"/resources/"+items.ID, `{"pathPart":"{other}"}`, 400, nil)
	call(t, mux, "POST", base+"/resources/"+items.ID, `{"pathPart":"{id}"}`, 409, nil)
	call(t, mux, "POST", base+"/resources/"+api.RootResourceID, `{"pathPart":"a/b"}`, 400, nil)

	call(t, mux, "POST", base+"/deployments", `{"stageName":"prod"}`, 400, nil) // no methods yet
	getItem := base + "/resources/" + item.ID + "/methods/GET"
	call(t, mux, "PUT", getItem, `{"authorizationType":"NONE","requestParameters":{"method.request.path.id":true}}`, 201, nil)
	call(t, mux, "PUT", getItem, `{"authorizationType":"NONE"}`, 409, nil)
	call(t, mux, "POST", base+"/deployments", `{"stageName":"prod"}`, 400, nil) // no integration yet
	call(t, mux, "PUT", getItem+"/integration", `{"type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}`, 201, nil)
	call(t, mux, "PUT", getItem+"/integration/responses/200", `{"selectionPattern":""}`, 404, nil) // no method response yet
	call(t, mux, "PUT", getItem+"/responses/200", `{}`, 201, nil)
	call(t, mux, "PUT", getItem+"/integration/responses/200", `{"selectionPattern":"","responseTemplates":{"application/json":"{\"id\": \"$input.params('id')\"}"}}`, 201, nil)
	var m method
	call(t, mux, "GET", getItem, "", 200, &m)
	if m.MethodIntegration == nil || m.MethodIntegration.IntegrationResponses["200"] == nil || m.MethodIntegration.TimeoutInMillis != 29000 {
		t.Errorf("the method as read back: %+v", m)
	}

	sv.refuse = errors.New("restapis/x: /paths: something the model check refuses")
	call(t, mux, "POST", base+"/deployments", `{"stageName":"prod"}`, 400, nil)
	if sv.reloaded != 0 {
		t.Fatal("a refused deployment was served")
	}
	call(t, mux, "GET", base+"/stages/prod", "", 404, nil) // nothing of the refused deployment was kept
	sv.refuse = nil
	var d deployment
	call(t, mux, "POST", base+"/deployments", `{"stageName":"prod","variables":{"color":"blue"}}`, 201, &d)
	if sv.reloaded != 1 {
		t.Fatalf("a deployment to a stage reloaded %d times, want once", sv.reloaded)
	}
	last := sv.checked[len(sv.checked)-1].Deployments
	if len(last) != 1 || last[0].DeploymentID != d.ID || len(last[0].Stages) != 1 || last[0].Stages[0].GetVariables()["color"] != "blue" {
		t.Fatalf("checked %+v", last)
	}
	var def map[string]any
	if err := json.Unmarshal(last[0].Definition, &def); err != nil {
		t.Fatal(err)
	}
	get := def["paths"].(map[string]any)["/items/{id}"].(map[string]any)["get"].(map[string]any)
	if get["x-amazon-apigateway-integration"].(map[string]any)["type"] != "mock" {
		t.Errorf("the deployed definition's method: %v", get)
	}
	for _, tt := range []struct {
		target, accept, want, notWant string
		status                        int
	}{
		{"/exports/oas30?extensions=integrations", "application/json", `"x-amazon-apigateway-integration": {`, "", 200},
		{"/exports/oas30?extensions=apigateway", "application/yaml", "x-amazon-apigateway-integration:\n", "", 200},
		{"/exports/oas30", "", `"/items/{id}": {`, "x-amazon-apigateway-integration", 200},
		{"/exports/swagger?extensions=integrations", "", `"swagger": "2.0"`, "openapi", 200},
		{"/exports/openapi", "", "Invalid export type openapi", "", 400},
		{"/exports/oas30?extensions=postman", "", "export extensions=postman is not supported by Tollgate", "", 400},
	} {
		w := httptest.NewRecorder()
		req := httptest.NewRequest("GET", base+"/stages/prod"+tt.target, nil)
		req.Header.Set("Accept", tt.accept)
		mux.ServeHTTP(w, req)
		if got := w.Body.String(); w.Code != tt.status || !strings.Contains(got, tt.want) || (tt.notWant != "" && strings.Contains(got, tt.notWant)) {
			t.Errorf("GetExport %s (Accept %s): %d %s", tt.target, tt.accept, w.Code, got)
		}
	}
	var st stage
	call(t, mux, "GET", base+"/stages/prod", "", 200, &st)
	if st.DeploymentID != d.ID || st.Variables["color"] != "blue" {
		t.Errorf("stage %+v", st)
	}
	// The working copy changes; the stage serves what was deployed until the next deployment.
	call(t, mux, "DELETE", getItem, "", 202, nil)
	call(t, mux, "PATCH", base+"/stages/prod", `{"patchOperations":[{"op":"replace","path":"/variables/color","value":"red"}]}`, 200, &st)
	if st.Variables["color"] != "red" || sv.reloaded != 2 {
		t.Errorf("patched stage %+v, %d reloads", st, sv.reloaded)
	}
	call(t, mux, "DELETE", base+"/deployments/"+d.ID, "", 400, nil) // prod serves it
	call(t, mux, "DELETE", base+"/stages/prod", "", 202, nil)
	call(t, mux, "DELETE", base+"/deployments/"+d.ID, "", 202, nil)
	call(t, mux, "DELETE", base, "", 202, nil)
	call(t, mux, "GET", base, "", 404, nil)
}

// TestImportTheExport: an API's export imports back as a new API with the same paths, methods and integrations;
// PutRestApi merges a definition into an API or overwrites it; what the management API cannot hold is refused.
func TestImportTheExport(t *testing.T) {
	_, sv, mux := newService(t, nil)
	var api restAPI
	call(t, mux, "POST", "/restapis", `{"name":"orig"}`, 201, &api)
	base := "/restapis/" + api.ID
	var res resourceView
	call(t, mux, "POST", base+"/resources/"+api.RootResourceID, `{"pathPart":"things"}`, 201, &res)
	get := base + "/resources/" + res.ID + "/methods/GET"
	call(t, mux, "PUT", get, `{"authorizationType":"AWS_IAM","apiKeyRequired":true}`, 201, nil)
	call(t, mux, "PUT", get+"/integration", `{"type":"HTTP","httpMethod":"GET","uri":"http://10.0.0.1/things","timeoutInMillis":5000}`, 201, nil)
	call(t, mux, "PUT", get+"/responses/200", `{"responseParameters":{"method.response.header.X-Count":false}}`, 201, nil)
	call(t, mux, "PUT", get+"/integration/responses/200", `{"selectionPattern":"","responseParameters":{"method.response.header.X-Count":"integration.response.header.Count"}}`, 201, nil)
	post := base + "/resources/" + res.ID + "/methods/POST"
	var validator requestValidator
	call(t, mux, "POST", base+"/requestvalidators", `{"name":"body","validateRequestBody":true}`, 201, &validator)
	call(t, mux, "PUT", post, `{"authorizationType":"NONE","requestModels":{"application/json":"Error"},"requestValidatorId":"`+validator.ID+`"}`, 201, nil)
	call(t, mux, "PUT", post+"/integration", `{"type":"HTTP_PROXY","httpMethod":"POST","uri":"http://10.0.0.1/things"}`, 201, nil)
	call(t, mux, "POST", base+"/deployments", `{"stageName":"prod"}`, 201, nil)
	exported := call(t, mux, "GET", base+"/stages/prod/exports/oas30?extensions=integrations", "", 200, nil)

	// The Swagger 2.0 export imports as the OpenAPI 3.0 one does.
	swagger := call(t, mux, "GET", base+"/stages/prod/exports/swagger?extensions=integrations", "", 200, nil)
	var fromSwagger restAPI
	call(t, mux, "POST", "/restapis?mode=import", swagger, 201, &fromSwagger)
	var swaggerPage resourcePage
	call(t, mux, "GET", "/restapis/"+fromSwagger.ID+"/resources", "", 200, &swaggerPage)
	for _, r := range swaggerPage.Items {
		if r.Path != "/things" {
			continue
		}
		var g, p method
		call(t, mux, "GET", "/restapis/"+fromSwagger.ID+"/resources/"+r.ID+"/methods/GET", "", 200, &g)
		call(t, mux, "GET", "/restapis/"+fromSwagger.ID+"/resources/"+r.ID+"/methods/POST", "", 200, &p)
		if g.AuthorizationType != "AWS_IAM" || !g.APIKeyRequired || p.RequestModels["application/json"] != "Error" || p.MethodIntegration.Type != "HTTP_PROXY" {
			t.Errorf("the Swagger export imported as GET %+v, POST %+v", g, p)
		}
	}

	var imported restAPI
	call(t, mux, "POST", "/restapis?mode=import", exported, 201, &imported)
	if imported.ID == api.ID || imported.Name != "orig" {
		t.Fatalf("imported %+v", imported)
	}
	var page resourcePage
	call(t, mux, "GET", "/restapis/"+imported.ID+"/resources?embed=methods", "", 200, &page)
	var things *resourceView
	for i := range page.Items {
		if page.Items[i].Path == "/things" {
			things = &page.Items[i]
		}
	}
	if len(page.Items) != 2 || things == nil {
		t.Fatalf("the import's resources: %+v", page.Items)
	}
	var m method
	call(t, mux, "GET", "/restapis/"+imported.ID+"/resources/"+things.ID+"/methods/GET", "", 200, &m)
	in := m.MethodIntegration
	if m.AuthorizationType != "AWS_IAM" || !m.APIKeyRequired || in == nil || in.Type != "HTTP" || in.URI != "http://10.0.0.1/things" ||
		in.TimeoutInMillis != 5000 || in.IntegrationResponses["200"].ResponseParameters["method.response.header.X-Count"] != "integration.response.header.Count" ||
		m.MethodResponses["200"] == nil {
		t.Errorf("the imported method: %+v, integration %+v", m, in)
	}
	call(t, mux, "POST", "/restapis/"+imported.ID+"/deployments", `{"stageName":"prod"}`, 201, nil)
	if last := sv.checked[len(sv.checked)-1].Deployments; len(last) != 2 {
		t.Errorf("after deploying the import, %d deployments are served, want 2", len(last))
	}

	more := `{"openapi":"3.0.1","info":{"title":"more","version":"1"},"paths":{"/more":{"get":{"x-amazon-apigateway-integration":{"type":"mock","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}}}}}`
	call(t, mux, "PUT", "/restapis/"+imported.ID+"?mode=merge", more, 200, nil)
	call(t, mux, "GET", "/restapis/"+imported.ID+"/resources", "", 200, &page)
	if len(page.Items) != 3 {
		t.Errorf("merged: %+v, want /, /things and /more", page.Items)
	}
	call(t, mux, "PUT", "/restapis/"+imported.ID+"?mode=overwrite", more, 200, nil)
	call(t, mux, "GET", "/restapis/"+imported.ID+"/resources", "", 200, &page)
	if len(page.Items) != 2 {
		t.Errorf("overwritten: %+v, want / and /more", page.Items)
	}
	for _, tt := range []struct{ name, target, body, want string }{
		{"not a definition", "/restapis?mode=import", `{"swagger": 12}`, "Errors found during import:"},
		{"an HTTP API's JWT authorizer", "/restapis?mode=import", `{"openapi":"3.0.1","info":{"title":"a","version":"1"},"paths":{"/x":{"get":{"security":[{"jwt":[]}],"x-amazon-apigateway-integration":{"type":"mock"}}}},` +
			`"components":{"securitySchemes":{"jwt":{"type":"oauth2","flows":{},"x-amazon-apigateway-authorizer":{"type":"jwt","jwtConfiguration":{"issuer":"https://issuer.example","audience":["a"]},"identitySource":"$request.header.Authorization"}}}}}`,
			"Invalid authorizer type"},
		{"a base path", "/restapis?mode=import&basepath=prepend", more, "basepath=prepend is not supported by Tollgate yet"},
		{"the execute-api endpoint off", "/restapis?mode=import", `{"openapi":"3.0.1","info":{"title":"a","version":"1"},"servers":[{"url":"/","x-amazon-apigateway-endpoint-configuration":{"disableExecuteApiEndpoint":true}}],"paths":{}}`,
			"disableExecuteApiEndpoint is not supported by the management API yet"},
	} {
		if got := call(t, mux, "POST", tt.target, tt.body, 400, nil); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %s, want %q", tt.name, got, tt.want)
		}
	}
}

// TestAuthorizers: an authorizer made by CreateAuthorizer is named by its methods' authorizerId and exported as the
// security scheme the importer reads, which imports back as an authorizer of its own.
func TestAuthorizers(t *testing.T) {
	_, sv, mux := newService(t, nil)
	var api restAPI
	call(t, mux, "POST", "/restapis", `{"name":"guarded"}`, 201, &api)
	base := "/restapis/" + api.ID
	const uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"
	call(t, mux, "POST", base+"/authorizers", `{"name":"tok","type":"TOKEN","authorizerUri":"`+uri+`"}`, 400, nil) // no identity source
	var a authorizer
	call(t, mux, "POST", base+"/authorizers", `{"name":"tok","type":"TOKEN","authorizerUri":"`+uri+`","identitySource":"method.request.header.Auth","authorizerResultTtlInSeconds":60}`, 201, &a)
	call(t, mux, "POST", base+"/authorizers", `{"name":"tok","type":"REQUEST","authorizerUri":"`+uri+`"}`, 409, nil)
	get := base + "/resources/" + api.RootResourceID + "/methods/GET"
	call(t, mux, "PUT", get, `{"authorizationType":"COGNITO_USER_POOLS","authorizerId":"`+a.ID+`"}`, 400, nil) // a TOKEN authorizer
	call(t, mux, "PUT", get, `{"authorizationType":"CUSTOM","authorizerId":"`+a.ID+`"}`, 201, nil)
	call(t, mux, "PUT", get+"/integration", `{"type":"MOCK"}`, 201, nil)
	call(t, mux, "DELETE", base+"/authorizers/"+a.ID, "", 400, nil) // GET / names it
	call(t, mux, "POST", base+"/deployments", `{"stageName":"prod"}`, 201, nil)
	definition := string(sv.checked[len(sv.checked)-1].Deployments[0].Definition)
	for _, want := range []string{`"security":[{"tok":[]}]`, `"x-amazon-apigateway-authtype":"custom"`, `"name":"Auth"`, `"authorizerResultTtlInSeconds":60`} {
		if !strings.Contains(definition, want) {
			t.Errorf("the deployed definition lacks %s: %s", want, definition)
		}
	}
	exported := call(t, mux, "GET", base+"/stages/prod/exports/oas30?extensions=integrations", "", 200, nil)
	var imported restAPI
	call(t, mux, "POST", "/restapis?mode=import", exported, 201, &imported)
	var page authorizerPage
	call(t, mux, "GET", "/restapis/"+imported.ID+"/authorizers", "", 200, &page)
	if len(page.Items) != 1 || page.Items[0].Name != "tok" || page.Items[0].ID == a.ID || page.Items[0].IdentitySource != "method.request.header.Auth" {
		t.Fatalf("the import's authorizers: %+v", page.Items)
	}
	var m method
	call(t, mux, "GET", "/restapis/"+imported.ID+"/resources/"+imported.RootResourceID+"/methods/GET", "", 200, &m)
	if m.AuthorizationType != "CUSTOM" || m.AuthorizerID != page.Items[0].ID {
		t.Errorf("the imported method: %+v", m)
	}
	// Merged again, the authorizer is replaced under its id: the methods naming it keep their check.
	call(t, mux, "PUT", "/restapis/"+api.ID+"?mode=merge", exported, 200, nil)
	call(t, mux, "GET", base+"/authorizers", "", 200, &page)
	if len(page.Items) != 1 || page.Items[0].ID != a.ID {
		t.Errorf("after a merge, the authorizers are %+v, want %s alone", page.Items, a.ID)
	}
	var d deployment
	call(t, mux, "POST", base+"/deployments", `{"stageName":"prod"}`, 201, &d)
	found := false
	for _, dep := range sv.checked[len(sv.checked)-1].Deployments {
		if dep.DeploymentID == d.ID {
			found = true
			if !strings.Contains(string(dep.Definition), `"security":[{"tok":[]}]`) {
				t.Errorf("after a merge, the method is deployed without its authorizer: %s", dep.Definition)
			}
		}
	}
	if !found {
		t.Errorf("deployment %s was not checked", d.ID)
	}
}

// TestGatewayResponses: a customised gateway response is read back, listed among the defaults, and deployed as
// x-amazon-apigateway-gateway-responses.
func TestGatewayResponses(t *testing.T) {
	_, sv, mux := newService(t, nil)
	var api restAPI
	call(t, mux, "POST", "/restapis", `{"name":"answers"}`, 201, &api)
	base := "/restapis/" + api.ID
	call(t, mux, "PUT", base+"/gatewayresponses/NOT_A_TYPE", `{}`, 400, nil)
	call(t, mux, "PUT", base+"/gatewayresponses/MISSING_AUTHENTICATION_TOKEN", `{"statusCode":"404","responseTemplates":{"application/json":"{\"error\":\"no such path\"}"}}`, 201, nil)
	var resp gatewayResponse
	call(t, mux, "GET", base+"/gatewayresponses/MISSING_AUTHENTICATION_TOKEN", "", 200, &resp)
	if resp.StatusCode != "404" || resp.DefaultResponse {
		t.Errorf("the customised response: %+v", resp)
	}
	call(t, mux, "GET", base+"/gatewayresponses/THROTTLED", "", 200, &resp)
	if resp.StatusCode != "429" || !resp.DefaultResponse {
		t.Errorf("a default response: %+v", resp)
	}
	var page gatewayResponsePage
	call(t, mux, "GET", base+"/gatewayresponses?limit=500", "", 200, &page)
	if len(page.Items) < 10 {
		t.Errorf("GetGatewayResponses lists %d", len(page.Items))
	}
	get := base + "/resources/" + api.RootResourceID + "/methods/GET"
	call(t, mux, "PUT", get, `{"authorizationType":"NONE"}`, 201, nil)
	call(t, mux, "PUT", get+"/integration", `{"type":"MOCK"}`, 201, nil)
	call(t, mux, "POST", base+"/deployments", `{"stageName":"prod"}`, 201, nil)
	if definition := string(sv.checked[len(sv.checked)-1].Deployments[0].Definition); !strings.Contains(definition, `"x-amazon-apigateway-gateway-responses":{"MISSING_AUTHENTICATION_TOKEN":{"responseTemplates"`) {
		t.Errorf("the deployed definition: %s", definition)
	}
	call(t, mux, "DELETE", base+"/gatewayresponses/MISSING_AUTHENTICATION_TOKEN", "", 202, nil)
	call(t, mux, "DELETE", base+"/gatewayresponses/MISSING_AUTHENTICATION_TOKEN", "", 404, nil)
}

// TestUpdates: the Update operations of resources, methods, integrations and their responses change the working
// copy as their patch paths say, and refuse a method naming what the API lacks.
func TestUpdates(t *testing.T) {
	_, _, mux := newService(t, nil)
	var api restAPI
	call(t, mux, "POST", "/restapis", `{"name":"patched"}`, 201, &api)
	base := "/restapis/" + api.ID
	var a, b, c resourceView
	call(t, mux, "POST", base+"/resources/"+api.RootResourceID, `{"pathPart":"a"}`, 201, &a)
	call(t, mux, "POST", base+"/resources/"+api.RootResourceID, `{"pathPart":"b"}`, 201, &b)
	call(t, mux, "POST", base+"/resources/"+a.ID, `{"pathPart":"c"}`, 201, &c)
	call(t, mux, "PATCH", base+"/resources/"+a.ID, `{"patchOperations":[{"op":"replace","path":"/parentId","value":"`+b.ID+`"},{"op":"replace","path":"/pathPart","value":"moved"}]}`, 200, nil)
	call(t, mux, "GET", base+"/resources/"+c.ID, "", 200, &c)
	if c.Path != "/b/moved/c" {
		t.Errorf("a child of a moved resource is at %s", c.Path)
	}
	call(t, mux, "PATCH", base+"/resources/"+b.ID, `{"patchOperations":[{"op":"replace","path":"/parentId","value":"`+c.ID+`"}]}`, 400, nil)

	get := base + "/resources/" + c.ID + "/methods/GET"
	call(t, mux, "PUT", get, `{"authorizationType":"NONE"}`, 201, nil)
	var m method
	call(t, mux, "PATCH", get, `{"patchOperations":[{"op":"replace","path":"/apiKeyRequired","value":"true"},{"op":"add","path":"/requestParameters/method.request.querystring.q","value":"true"}]}`, 200, &m)
	if !m.APIKeyRequired || !m.RequestParameters["method.request.querystring.q"] {
		t.Errorf("the patched method: %+v", m)
	}
	call(t, mux, "PATCH", get, `{"patchOperations":[{"op":"replace","path":"/authorizationType","value":"CUSTOM"}]}`, 400, nil)
	call(t, mux, "PUT", get+"/integration", `{"type":"HTTP","httpMethod":"GET","uri":"http://10.0.0.1/"}`, 201, nil)
	var integ integration
	call(t, mux, "PATCH", get+"/integration", `{"patchOperations":[{"op":"replace","path":"/uri","value":"http://10.0.0.2/"},{"op":"add","path":"/requestTemplates/application~1json","value":"{}"},{"op":"replace","path":"/timeoutInMillis","value":"1000"}]}`, 200, &integ)
	if integ.URI != "http://10.0.0.2/" || integ.RequestTemplates["application/json"] != "{}" || integ.TimeoutInMillis != 1000 {
		t.Errorf("the patched integration: %+v", integ)
	}
	call(t, mux, "PATCH", get+"/integration", `{"patchOperations":[{"op":"replace","path":"/timeoutInMillis","value":"10"}]}`, 400, nil)
	call(t, mux, "PUT", get+"/responses/200", `{}`, 201, nil)
	call(t, mux, "PATCH", get+"/responses/200", `{"patchOperations":[{"op":"add","path":"/responseParameters/method.response.header.X-Id","value":"false"}]}`, 200, nil)
	call(t, mux, "PUT", get+"/integration/responses/200", `{}`, 201, nil)
	var ir integrationResponse
	call(t, mux, "PATCH", get+"/integration/responses/200", `{"patchOperations":[{"op":"replace","path":"/selectionPattern","value":"2\\d{2}"},{"op":"add","path":"/responseParameters/method.response.header.X-Id","value":"'7'"}]}`, 200, &ir)
	if ir.SelectionPattern != `2\d{2}` || ir.ResponseParameters["method.response.header.X-Id"] != "'7'" {
		t.Errorf("the patched integration response: %+v", ir)
	}
}

// TestFileAPIsRead: a file's API reads as the management API's do, its resources, methods, stages and export, with
// ids that stay from load to load.
func TestFileAPIsRead(t *testing.T) {
	gw := &tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{{Id: "pets", Name: "Pet Store",
		Resources: []*tollgatev1.Resource{{Path: "/pets/{id}", Methods: []*tollgatev1.Method{{HttpMethod: "GET", ApiKeyRequired: true,
			Integration: &tollgatev1.Integration{Type: tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY, HttpMethod: "GET", Uri: "http://10.0.0.1/pets/{id}"}}}}},
		Stages: []*tollgatev1.Stage{{StageName: "prod", Variables: map[string]string{"v": "1"},
			MethodSettings: map[string]*tollgatev1.MethodSetting{"*/*": {MetricsEnabled: proto.Bool(true)}}}}}}}
	s, _, mux := newService(t, gw)
	var page resourcePage
	call(t, mux, "GET", "/restapis/pets/resources?embed=methods", "", 200, &page)
	paths := map[string]string{}
	for _, res := range page.Items {
		paths[res.Path] = res.ID
	}
	if len(page.Items) != 3 || paths["/pets/{id}"] == "" {
		t.Fatalf("a file's resources: %+v", page.Items)
	}
	var m method
	call(t, mux, "GET", "/restapis/pets/resources/"+paths["/pets/{id}"]+"/methods/GET", "", 200, &m)
	if !m.APIKeyRequired || m.MethodIntegration.URI != "http://10.0.0.1/pets/{id}" {
		t.Errorf("a file's method: %+v", m)
	}
	var st stage
	call(t, mux, "GET", "/restapis/pets/stages/prod", "", 200, &st)
	if st.Variables["v"] != "1" || !st.MethodSettings["*/*"].MetricsEnabled || st.DeploymentID == "" {
		t.Errorf("a file's stage: %+v", st)
	}
	if export := call(t, mux, "GET", "/restapis/pets/stages/prod/exports/oas30?extensions=integrations", "", 200, nil); !strings.Contains(export, "http://10.0.0.1/pets/{id}") {
		t.Errorf("a file's export: %s", export)
	}
	call(t, mux, "PUT", "/restapis/pets/resources/"+paths["/pets/{id}"]+"/methods/POST", `{"authorizationType":"NONE"}`, 400, nil) // the file's
	s.Set(gw, "123456789012", "execute-api.localhost")
	var again resourcePage
	call(t, mux, "GET", "/restapis/pets/resources", "", 200, &again)
	for _, res := range again.Items {
		if paths[res.Path] != res.ID {
			t.Errorf("after a reload, %s has id %s, was %s", res.Path, res.ID, paths[res.Path])
		}
	}
}

// minimumCompressionSize is set at creation and by update-rest-api (empty turns it off), and refused out of API
// Gateway's range.
func TestMinimumCompressionSize(t *testing.T) {
	_, _, mux := newService(t, nil)
	call(t, mux, "POST", "/restapis", `{"name":"big","minimumCompressionSize":10485761}`, 400, nil)
	var api restAPI
	call(t, mux, "POST", "/restapis", `{"name":"packed","minimumCompressionSize":1024}`, 201, &api)
	if api.MinimumCompressionSize == nil || *api.MinimumCompressionSize != 1024 {
		t.Fatalf("created %+v", api)
	}
	base := "/restapis/" + api.ID
	patch := func(value string, status int) {
		t.Helper()
		api = restAPI{}
		call(t, mux, "PATCH", base, `{"patchOperations":[{"op":"replace","path":"/minimumCompressionSize","value":"`+value+`"}]}`, status, &api)
	}
	patch("-1", 400)
	patch("0", 200)
	if api.MinimumCompressionSize == nil || *api.MinimumCompressionSize != 0 {
		t.Errorf("after replace 0: %v", api.MinimumCompressionSize)
	}
	patch("", 200)
	if api.MinimumCompressionSize != nil {
		t.Errorf("after replace with nothing: %v, want compression off", *api.MinimumCompressionSize)
	}
}
