package management

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/openapi"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// servedHTTP is what the last check was given of the HTTP APIs: each deployment's stages, by deployment id.
func servedHTTP(t *testing.T, sv *serving) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	if len(sv.checked) == 0 {
		return out
	}
	for _, d := range sv.checked[len(sv.checked)-1].Deployments {
		if !d.HTTP {
			t.Errorf("deployment %s is not an HTTP API's", d.DeploymentID)
		}
		for _, st := range d.Stages {
			out[d.DeploymentID] = append(out[d.DeploymentID], st.GetStageName())
		}
	}
	return out
}

// importedRoutes imports a deployment's definition as the control plane does, and lists its routes.
func importedRoutes(t *testing.T, definition []byte) (*tollgatev1.RestApi, []string) {
	t.Helper()
	api, _, err := openapi.Import("deployment", definition)
	if err != nil {
		t.Fatalf("the deployment does not import: %v\n%s", err, definition)
	}
	var routes []string
	for _, res := range api.GetResources() {
		for _, m := range res.GetMethods() {
			routes = append(routes, m.GetHttpMethod()+" "+res.GetPath())
		}
	}
	return api, routes
}

// TestHTTPAPIBuildAndDeploy builds an HTTP API as the aws CLI does (apigatewayv2): integrations, routes, a JWT
// authorizer, a stage that deploys every change, and one deployed by hand; what is deployed imports as a file's
// HTTP API does.
func TestHTTPAPIBuildAndDeploy(t *testing.T) {
	_, sv, mux := newService(t, nil)
	call(t, mux, "POST", "/v2/apis", `{"name":"pets","protocolType":"HTTP","disableExecuteApiEndpoint":true}`, 400, nil)
	var api httpAPI
	call(t, mux, "POST", "/v2/apis", `{"name":"pets","protocolType":"HTTP","corsConfiguration":{"allowOrigins":["https://example.com"]}}`, 201, &api)
	if len(api.APIID) != 10 || api.RouteSelectionExpression != routeSelection || api.APIEndpoint != "http://"+api.APIID+"." || api.CreatedDate == "" {
		t.Fatalf("created %+v", api)
	}
	base := "/v2/apis/" + api.APIID
	var lambda, backend integrationV2
	call(t, mux, "POST", base+"/integrations", `{"integrationType":"AWS_PROXY","integrationUri":"arn:aws:lambda:us-east-1:123456789012:function:pets","payloadFormatVersion":"2.0"}`, 201, &lambda)
	call(t, mux, "POST", base+"/integrations", `{"integrationType":"HTTP_PROXY","integrationUri":"http://${stageVariables.backend}/{proxy}","integrationMethod":"ANY"}`, 201, &backend)
	if lambda.TimeoutInMillis != 30000 || lambda.ConnectionType != "INTERNET" || backend.PayloadFormatVersion != "1.0" {
		t.Errorf("integrations %+v %+v", lambda, backend)
	}
	for _, bad := range []string{
		`{"integrationType":"MOCK"}`,
		`{"integrationType":"HTTP_PROXY","integrationUri":"ftp://x","integrationMethod":"GET"}`,
		`{"integrationType":"AWS_PROXY","integrationUri":"arn:aws:lambda:us-east-1:1:function:f"}`,
		`{"integrationType":"HTTP_PROXY","integrationUri":"http://x","integrationMethod":"GET","timeoutInMillis":40000}`,
		`{"integrationType":"AWS_PROXY","integrationUri":"arn:aws:lambda:us-east-1:1:function:f","payloadFormatVersion":"2.0","credentialsArn":"arn:aws:iam::1:role/r"}`,
		`{"integrationType":"HTTP_PROXY","integrationUri":"http://x","integrationMethod":"GET","unknown":1}`,
	} {
		call(t, mux, "POST", base+"/integrations", bad, 400, nil)
	}
	var users authorizerV2
	call(t, mux, "POST", base+"/authorizers", `{"name":"users","authorizerType":"JWT","identitySource":["$request.header.Authorization"],"jwtConfiguration":{"issuer":"https://issuer.example.com","audience":["pets"]}}`, 201, &users)
	var list, proxy routeV2
	call(t, mux, "POST", base+"/routes", `{"routeKey":"GET /pets","target":"integrations/`+lambda.IntegrationID+`","authorizationType":"JWT","authorizerId":"`+users.AuthorizerID+`","authorizationScopes":["read"]}`, 201, &list)
	call(t, mux, "POST", base+"/routes", `{"routeKey":"ANY /{proxy+}","target":"integrations/`+backend.IntegrationID+`"}`, 201, &proxy)
	for _, bad := range []struct {
		body   string
		status int
	}{
		{`{"routeKey":"GET /pets"}`, 409},
		{`{"routeKey":"FETCH /pets"}`, 400},
		{`{"routeKey":"GET /x","target":"integrations/nope"}`, 400},
		{`{"routeKey":"GET /x","authorizationType":"CUSTOM","authorizerId":"` + users.AuthorizerID + `"}`, 400}, // a JWT authorizer
		{`{"routeKey":"GET /x","authorizationType":"JWT","authorizerId":"nope"}`, 404},
		{`{"routeKey":"GET /x","authorizationType":"AWS_IAM"}`, 400},
	} {
		call(t, mux, "POST", base+"/routes", bad.body, bad.status, nil)
	}
	call(t, mux, "DELETE", base+"/integrations/"+lambda.IntegrationID, "", 409, nil) // a route's target
	call(t, mux, "DELETE", base+"/authorizers/"+users.AuthorizerID, "", 409, nil)
	if len(sv.checked) != 0 {
		t.Fatalf("nothing is deployed yet, but %d configurations were checked", len(sv.checked))
	}

	// A stage that deploys every change is deployed when created, and after each change.
	var prod stageV2
	call(t, mux, "POST", base+"/stages", `{"stageName":"$default","autoDeploy":true,"stageVariables":{"backend":"127.0.0.1:9000"},"routeSettings":{"GET /pets":{"throttlingRateLimit":5,"throttlingBurstLimit":2}}}`, 201, &prod)
	call(t, mux, "GET", base+"/stages/$default", "", 200, &prod)
	served := servedHTTP(t, sv)
	if prod.DeploymentID == "" || len(served[prod.DeploymentID]) != 1 || sv.reloaded != 1 {
		t.Fatalf("the auto-deployed stage %+v; served %v after %d reloads", prod, served, sv.reloaded)
	}
	d := sv.checked[len(sv.checked)-1].Deployments[0]
	imported, routes := importedRoutes(t, d.Definition)
	if strings.Join(routes, ",") != "GET /pets,ANY /{proxy+}" && strings.Join(routes, ",") != "ANY /{proxy+},GET /pets" {
		t.Errorf("the deployment's routes: %v", routes)
	}
	if imported.GetCors() == nil || len(imported.GetAuthorizers()) != 1 || imported.GetAuthorizers()[0].GetJwtIssuer() != "https://issuer.example.com" {
		t.Errorf("the deployment's CORS %v and authorizers %v", imported.GetCors(), imported.GetAuthorizers())
	}
	if ms := d.Stages[0].GetMethodSettings()["/pets/GET"]; ms.GetThrottlingRateLimit() != 5 || ms.GetThrottlingBurstLimit() != 2 {
		t.Errorf("the stage's route settings as the model's: %v", d.Stages[0].GetMethodSettings())
	}
	first := prod.DeploymentID
	call(t, mux, "PATCH", base+"/routes/"+proxy.RouteID, `{"routeKey":"ANY /api/{proxy+}"}`, 200, nil)
	call(t, mux, "GET", base+"/stages/$default", "", 200, &prod)
	if prod.DeploymentID == first || sv.reloaded != 2 {
		t.Errorf("after a route changed the stage serves %s (was %s), %d reloads", prod.DeploymentID, first, sv.reloaded)
	}
	var deployments struct{ Items []deploymentV2 }
	call(t, mux, "GET", base+"/deployments", "", 200, &deployments)
	if len(deployments.Items) != 1 || !deployments.Items[0].AutoDeployed {
		t.Errorf("deployments %+v: the one served, made automatically (the ones no stage serves are forgotten)", deployments.Items)
	}
	// A change the configuration cannot serve is kept; the stage stays on its deployment and says why.
	sv.refuse = errors.New("deployment: /paths: something the model check refuses")
	call(t, mux, "PATCH", base+"/routes/"+proxy.RouteID, `{"routeKey":"ANY /v2/{proxy+}"}`, 200, nil)
	sv.refuse = nil
	before := prod.DeploymentID
	call(t, mux, "GET", base+"/stages/$default", "", 200, &prod)
	if prod.DeploymentID != before || !strings.Contains(prod.LastDeploymentStatusMessage, "something the model check refuses") || sv.reloaded != 2 {
		t.Errorf("after a refused auto deployment: %+v, %d reloads", prod, sv.reloaded)
	}
	var route routeV2
	call(t, mux, "GET", base+"/routes/"+proxy.RouteID, "", 200, &route)
	if route.RouteKey != "ANY /v2/{proxy+}" {
		t.Errorf("the route's change was not kept: %+v", route)
	}

	// A stage deployed by hand: create-deployment names it; it takes none while it deploys itself.
	call(t, mux, "POST", base+"/stages", `{"stageName":"beta"}`, 201, nil)
	call(t, mux, "POST", base+"/deployments", `{"stageName":"$default"}`, 400, nil)
	var manual deploymentV2
	call(t, mux, "POST", base+"/deployments", `{"stageName":"beta","description":"by hand"}`, 201, &manual)
	if served := servedHTTP(t, sv); len(served[manual.DeploymentID]) != 1 || served[manual.DeploymentID][0] != "beta" {
		t.Errorf("served %v, want beta on %s", served, manual.DeploymentID)
	}
	call(t, mux, "DELETE", base+"/deployments/"+manual.DeploymentID, "", 400, nil) // beta serves it

	// The export: the working copy, or a stage's deployment, in JSON or YAML.
	var doc map[string]any
	out := call(t, mux, "GET", base+"/exports/OAS30?outputType=JSON&stageName=beta", "", 200, nil)
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc["paths"].(map[string]any)["/v2/{proxy+}"] == nil {
		t.Errorf("the export of beta: %v\n%s", err, out)
	}
	if out := call(t, mux, "GET", base+"/exports/OAS30?outputType=YAML&includeExtensions=false", "", 200, nil); !strings.Contains(out, "openapi: 3.0.1") || strings.Contains(out, "x-amazon-apigateway") {
		t.Errorf("the YAML export without extensions:\n%s", out)
	}
	call(t, mux, "GET", base+"/exports/SWAGGER?outputType=JSON", "", 400, nil)

	var page struct {
		Items     []httpAPI
		NextToken string
	}
	call(t, mux, "GET", "/v2/apis?maxResults=1", "", 200, &page)
	if len(page.Items) != 1 || page.Items[0].APIID != api.APIID || page.NextToken != "" {
		t.Errorf("get-apis: %+v", page)
	}
	call(t, mux, "DELETE", base, "", 204, nil)
	call(t, mux, "GET", base, "", 404, nil)
	if served := servedHTTP(t, sv); len(served) != 0 {
		t.Errorf("a deleted API is still served: %v", served)
	}
}

// TestHTTPAPIQuickCreate: CreateApi with a target makes its integration, a route (routeKey, or $default) and a
// $default stage that deploys every change, served at once.
func TestHTTPAPIQuickCreate(t *testing.T) {
	_, sv, mux := newService(t, nil)
	call(t, mux, "POST", "/v2/apis", `{"name":"q","protocolType":"HTTP","routeKey":"GET /x"}`, 400, nil) // no target
	var api httpAPI
	call(t, mux, "POST", "/v2/apis", `{"name":"q","protocolType":"HTTP","target":"arn:aws:lambda:us-east-1:123456789012:function:hello","routeKey":"GET /hello"}`, 201, &api)
	var routes struct{ Items []routeV2 }
	call(t, mux, "GET", "/v2/apis/"+api.APIID+"/routes", "", 200, &routes)
	var stages struct{ Items []stageV2 }
	call(t, mux, "GET", "/v2/apis/"+api.APIID+"/stages", "", 200, &stages)
	if len(routes.Items) != 1 || routes.Items[0].RouteKey != "GET /hello" || len(stages.Items) != 1 || !stages.Items[0].AutoDeploy || stages.Items[0].StageName != "$default" {
		t.Fatalf("quick create made routes %+v and stages %+v", routes.Items, stages.Items)
	}
	if sv.reloaded != 1 {
		t.Fatalf("a quick create reloaded %d times, want once", sv.reloaded)
	}
	_, imported := importedRoutes(t, sv.checked[len(sv.checked)-1].Deployments[0].Definition)
	if len(imported) != 1 || imported[0] != "GET /hello" {
		t.Errorf("the quick create deployed %v", imported)
	}
	var integ struct{ Items []integrationV2 }
	call(t, mux, "GET", "/v2/apis/"+api.APIID+"/integrations", "", 200, &integ)
	if len(integ.Items) != 1 || integ.Items[0].IntegrationType != "AWS_PROXY" || integ.Items[0].PayloadFormatVersion != "2.0" {
		t.Errorf("quick create's integration %+v", integ.Items)
	}
}

// TestFileHTTPAPIs: the file's HTTP APIs are listed and read (routes, integrations, authorizers, stages), under
// ids that stay from load to load, and refused for writes.
func TestFileHTTPAPIs(t *testing.T) {
	definition := `openapi: 3.0.1
info: {title: pets-http, version: "1"}
paths:
  /pets:
    get:
      security: [{users: [read]}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.backend}/pets", payloadFormatVersion: "1.0"}
  /$default:
    x-amazon-apigateway-any-method:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations", payloadFormatVersion: "2.0"}
components:
  securitySchemes:
    users:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer: {type: jwt, identitySource: $request.header.Authorization, jwtConfiguration: {issuer: "https://issuer.example.com", audience: [pets]}}
x-amazon-apigateway-cors: {allowOrigins: ["*"], maxAge: 300}
`
	model, _, err := openapi.Import("pets-http.yaml", []byte(definition))
	if err != nil {
		t.Fatal(err)
	}
	rate, burst := 5.0, int32(2)
	model.Id, model.ProtocolType = "h1", tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP
	model.Stages = []*tollgatev1.Stage{{StageName: "$default", Variables: map[string]string{"backend": "127.0.0.1:9000"},
		MethodSettings: map[string]*tollgatev1.MethodSetting{"/pets/GET": {ThrottlingRateLimit: &rate, ThrottlingBurstLimit: &burst}}}}
	gw := &tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{model, {Id: "r1", Name: "rest"}}}
	_, _, mux := newService(t, gw)
	var page struct{ Items []httpAPI }
	call(t, mux, "GET", "/v2/apis", "", 200, &page)
	if len(page.Items) != 1 || page.Items[0].APIID != "h1" || page.Items[0].CorsConfiguration == nil || *page.Items[0].CorsConfiguration.MaxAge != 300 {
		t.Fatalf("get-apis: %+v", page.Items)
	}
	call(t, mux, "GET", "/v2/apis/r1", "", 404, nil) // a REST API is apigateway's
	var routes struct{ Items []routeV2 }
	call(t, mux, "GET", "/v2/apis/h1/routes", "", 200, &routes)
	keys := map[string]routeV2{}
	for _, rt := range routes.Items {
		keys[rt.RouteKey] = rt
	}
	if pets := keys["GET /pets"]; len(keys) != 2 || pets.AuthorizationType != "JWT" || len(pets.AuthorizationScopes) != 1 || keys["$default"].Target == "" {
		t.Fatalf("the file's routes: %+v", routes.Items)
	}
	var again struct{ Items []routeV2 }
	call(t, mux, "GET", "/v2/apis/h1/routes", "", 200, &again)
	if again.Items[0].RouteID != routes.Items[0].RouteID {
		t.Errorf("route ids changed between reads: %s, %s", again.Items[0].RouteID, routes.Items[0].RouteID)
	}
	var in integrationV2
	call(t, mux, "GET", "/v2/apis/h1/"+keys["$default"].Target, "", 200, &in)
	if in.IntegrationType != "AWS_PROXY" || in.PayloadFormatVersion != "2.0" {
		t.Errorf("the $default route's integration: %+v", in)
	}
	var st stageV2
	call(t, mux, "GET", "/v2/apis/h1/stages/$default", "", 200, &st)
	if rs := st.RouteSettings["GET /pets"]; rs == nil || *rs.ThrottlingRateLimit != 5 || st.StageVariables["backend"] != "127.0.0.1:9000" {
		t.Errorf("the file's stage: %+v", st)
	}
	call(t, mux, "GET", "/v2/apis/h1/exports/OAS30?outputType=JSON", "", 200, nil)
	call(t, mux, "PATCH", "/v2/apis/h1", `{"name":"x"}`, 400, nil)
	call(t, mux, "POST", "/v2/apis/h1/routes", `{"routeKey":"GET /x"}`, 400, nil)
	call(t, mux, "PUT", "/v2/apis/h1", `{"body":"{}"}`, 400, nil)
}

// TestHTTPAPIImport: ImportApi makes an HTTP API of a definition, ReimportApi replaces its routes, and a stage
// that deploys every change serves the new ones; a REST API's definition is apigateway's to import.
func TestHTTPAPIImport(t *testing.T) {
	_, sv, mux := newService(t, nil)
	definition := func(path string) string {
		b, _ := json.Marshal(map[string]string{"body": `{"openapi": "3.0.1", "info": {"title": "imported", "version": "1"}, "paths": {"` + path +
			`": {"get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": "http://127.0.0.1:9000/x", "payloadFormatVersion": "1.0"}}}}, "x-amazon-apigateway-cors": {"allowOrigins": ["*"]}}`})
		return string(b)
	}
	var api httpAPI
	call(t, mux, "PUT", "/v2/apis", definition("/a"), 201, &api)
	if api.Name != "imported" || api.CorsConfiguration == nil {
		t.Fatalf("imported %+v", api)
	}
	base := "/v2/apis/" + api.APIID
	call(t, mux, "POST", base+"/stages", `{"stageName":"prod","autoDeploy":true}`, 201, nil)
	call(t, mux, "PUT", base, definition("/b"), 201, nil)
	_, routes := importedRoutes(t, sv.checked[len(sv.checked)-1].Deployments[0].Definition)
	if len(routes) != 1 || routes[0] != "GET /b" {
		t.Errorf("after reimport the stage serves %v", routes)
	}
	rest, _ := json.Marshal(map[string]string{"body": `{"openapi": "3.0.1", "info": {"title": "r", "version": "1"}, "paths": {"/m": {"get": {"x-amazon-apigateway-integration": {"type": "mock"}}}}}`})
	call(t, mux, "PUT", "/v2/apis", string(rest), 400, nil)
	call(t, mux, "PUT", "/v2/apis?basepath=prepend", definition("/a"), 400, nil)
	call(t, mux, "PUT", "/v2/apis", `{"body":"not a definition"}`, 400, nil)
	off, _ := json.Marshal(map[string]string{"body": `{"openapi": "3.0.1", "info": {"title": "o", "version": "1"}, "servers": [{"url": "/", "x-amazon-apigateway-endpoint-configuration": {"disableExecuteApiEndpoint": true}}], "paths": {}, "x-amazon-apigateway-cors": {"allowOrigins": ["*"]}}`})
	if got := call(t, mux, "PUT", "/v2/apis", string(off), 400, nil); !strings.Contains(got, "disableExecuteApiEndpoint is not supported by the management API yet") {
		t.Errorf("an import turning the execute-api endpoint off: %s", got)
	}
}
