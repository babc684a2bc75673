package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tollgate-gw/tollgate/internal/jwttest"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// manage sends one management API call to the control plane's admin address (a loopback client, and no
// credentials configured: no signature needed) and decodes the answer into out, failing unless the status is want.
func (h *harness) manage(method, path, body string, want int, out any) string {
	h.t.Helper()
	req, err := http.NewRequest(method, "http://"+h.cp.Config().Admin+path, bytes.NewBufferString(body))
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		h.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			h.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return string(raw)
}

// mockAnswer is what a MOCK route answers a GET of path: the immediate response's status and body.
func (h *harness) mockAnswer(routeName, path string) (int, string) {
	h.t.Helper()
	for _, r := range h.process(h.route(routeName), getRequest(path, nil)) {
		if im := r.GetImmediateResponse(); im != nil {
			return int(im.GetStatus().GetCode()), string(im.GetBody())
		}
	}
	h.t.Fatalf("%s: no answer", routeName)
	return 0, ""
}

// TestManagementAPIDeploys builds a REST API through the management API as the aws CLI does, deploys it to two
// stages, each serving its own deployment, refuses a deployment the model check refuses, and serves the same
// after a restart from the state store.
func TestManagementAPIDeploys(t *testing.T) {
	h := startHarness(t, map[string]string{
		"tollgate.yaml": "apis:\n  - {id: file, definition: api.yaml, stages: [{stageName: prod}]}\n",
		"api.yaml":      "openapi: 3.0.1\ninfo: {title: file, version: '1'}\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{\"statusCode\": 200}'}}\n",
	})
	var api struct{ ID, RootResourceID string }
	h.manage("POST", "/restapis", `{"name":"shop"}`, 201, &api)
	base := "/restapis/" + api.ID
	var res struct{ ID string }
	h.manage("POST", base+"/resources/"+api.RootResourceID, `{"pathPart":"{id}"}`, 201, &res)
	get := base + "/resources/" + res.ID + "/methods/GET"
	h.manage("PUT", get, `{"authorizationType":"NONE"}`, 201, nil)
	h.manage("PUT", get+"/integration", `{"type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}`, 201, nil)
	h.manage("PUT", get+"/responses/200", `{}`, 201, nil)
	respond := func(template string) {
		body, _ := json.Marshal(map[string]any{"selectionPattern": "", "responseTemplates": map[string]string{"application/json": template}})
		h.manage("PUT", get+"/integration/responses/200", string(body), 201, nil)
	}
	respond(`{"id": "$input.params('id')", "v": 1}`)
	h.manage("POST", base+"/deployments", `{"stageName":"prod"}`, 201, nil)

	route := func(stage string) string { return api.ID + "/" + stage + "/GET/{id}" }
	if code, body := h.mockAnswer(route("prod"), "/prod/7"); code != 200 || body != `{"id": "7", "v": 1}` {
		t.Fatalf("the deployed MOCK answered %d %s", code, body)
	}
	// The working copy changes; prod keeps its deployment, dev serves the new one.
	respond(`{"id": "$input.params('id')", "v": 2}`)
	h.manage("POST", base+"/deployments", `{"stageName":"dev"}`, 201, nil)
	if _, body := h.mockAnswer(route("prod"), "/prod/7"); body != `{"id": "7", "v": 1}` {
		t.Errorf("prod, not redeployed, answered %s", body)
	}
	if _, body := h.mockAnswer(route("dev"), "/dev/8"); body != `{"id": "8", "v": 2}` {
		t.Errorf("dev answered %s", body)
	}
	// A template that does not parse is refused at deployment with the model's reasons; dev keeps serving.
	respond(`#if(`)
	refusal := h.manage("POST", base+"/deployments", `{"stageName":"dev"}`, 400, nil)
	if !strings.Contains(refusal, "restapis/"+api.ID+"/deployments/") || !strings.Contains(refusal, "mapping template") {
		t.Errorf("the refusal says %s", refusal)
	}
	if _, body := h.mockAnswer(route("dev"), "/dev/8"); body != `{"id": "8", "v": 2}` {
		t.Errorf("after a refused deployment, dev answered %s", body)
	}
	var stages struct {
		Item []struct{ StageName, DeploymentID string }
	}
	h.manage("GET", base+"/stages", "", 200, &stages)
	if len(stages.Item) != 2 {
		t.Errorf("stages %+v", stages)
	}

	h.restart()
	if _, body := h.mockAnswer(route("prod"), "/prod/7"); body != `{"id": "7", "v": 1}` {
		t.Errorf("after a restart, prod answered %s", body)
	}
	var apis struct{ Item []struct{ ID string } }
	h.manage("GET", "/restapis", "", 200, &apis)
	if len(apis.Item) != 2 {
		t.Errorf("after a restart, the REST APIs are %+v", apis)
	}
	h.manage("DELETE", base, "", 202, nil)
	served := 0
	for _, vh := range h.routeConfig().GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			if strings.HasPrefix(r.GetName(), api.ID+"/") {
				t.Errorf("a deleted API is still served: %s", r.GetName())
			}
			if strings.HasPrefix(r.GetName(), "file/") {
				served++
			}
		}
	}
	if served == 0 {
		t.Error("the file's API is no longer served")
	}
}

// TestManagementAPIFleet: two control planes on one Redis serve one state: an API deployed through either is
// served by both, and so is its removal.
func TestManagementAPIFleet(t *testing.T) {
	redis := redistest.Start(t)
	config := map[string]string{"tollgate.yaml": "redis: redis://" + redis.Addr() + "\n"}
	one, other := startHarness(t, config), startHarness(t, config)
	var api struct{ ID, RootResourceID string }
	one.manage("POST", "/restapis", `{"name":"fleet"}`, 201, &api)
	get := "/restapis/" + api.ID + "/resources/" + api.RootResourceID + "/methods/GET"
	one.manage("PUT", get, `{"authorizationType":"NONE"}`, 201, nil)
	other.manage("PUT", get+"/integration", `{"type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}`, 201, nil)
	other.manage("POST", "/restapis/"+api.ID+"/deployments", `{"stageName":"prod"}`, 201, nil)
	route := api.ID + "/prod/GET/"
	for _, h := range []*harness{one, other} {
		waitRoute(t, h, route, true)
	}
	one.manage("DELETE", "/restapis/"+api.ID, "", 202, nil)
	waitRoute(t, other, route, false)
}

// waitRoute waits until the control plane serves the route, or no longer does.
func waitRoute(t *testing.T, h *harness, name string, served bool) {
	t.Helper()
	began := time.Now()
	for {
		found := false
		for _, vh := range h.routeConfig().GetVirtualHosts() {
			for _, r := range vh.GetRoutes() {
				found = found || r.GetName() == name
			}
		}
		if found == served {
			t.Logf("route %s served %v after %v", name, served, time.Since(began).Round(time.Millisecond))
			return
		}
		if time.Since(began) > 5*time.Second {
			t.Fatalf("route %s served: %v after %v, want %v", name, found, time.Since(began), served)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestManagementAPIConcurrentClients: 50 clients at once, each creating an API and deploying it, leave a store of
// 50 APIs, each served on its stage.
func TestManagementAPIConcurrentClients(t *testing.T) {
	h := startHarness(t, map[string]string{"tollgate.yaml": ""})
	const clients = 50
	ids := make([]string, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			var api struct{ ID, RootResourceID string }
			h.manage("POST", "/restapis", `{"name":"client"}`, 201, &api)
			get := "/restapis/" + api.ID + "/resources/" + api.RootResourceID + "/methods/GET"
			h.manage("PUT", get, `{"authorizationType":"NONE"}`, 201, nil)
			h.manage("PUT", get+"/integration", `{"type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}`, 201, nil)
			h.manage("POST", "/restapis/"+api.ID+"/deployments", `{"stageName":"prod"}`, 201, nil)
			ids[i] = api.ID
		})
	}
	wg.Wait()
	var apis struct{ Item []struct{ ID string } }
	h.manage("GET", "/restapis?limit=500", "", 200, &apis)
	if len(apis.Item) != clients {
		t.Errorf("%d clients made %d APIs", clients, len(apis.Item))
	}
	served := map[string]bool{}
	for _, vh := range h.routeConfig().GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			served[r.GetName()] = true
		}
	}
	for _, id := range ids {
		if !served[id+"/prod/GET/"] {
			t.Errorf("API %s is not served", id)
		}
	}
}

// TestManagementAPIKeysAndPlans: a key and a usage plan made through the management API admit the key on the
// plan's API stage, as the file's do; a plan naming a stage not deployed is refused with the reason.
func TestManagementAPIKeysAndPlans(t *testing.T) {
	h := startHarness(t, map[string]string{"tollgate.yaml": ""})
	var api struct{ ID, RootResourceID string }
	h.manage("POST", "/restapis", `{"name":"keyed"}`, 201, &api)
	get := "/restapis/" + api.ID + "/resources/" + api.RootResourceID + "/methods/GET"
	h.manage("PUT", get, `{"authorizationType":"NONE","apiKeyRequired":true}`, 201, nil)
	h.manage("PUT", get+"/integration", `{"type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}`, 201, nil)
	h.manage("POST", "/restapis/"+api.ID+"/deployments", `{"stageName":"prod"}`, 201, nil)

	var key struct{ ID, Value string }
	h.manage("POST", "/apikeys", `{"name":"alice","enabled":true}`, 201, &key)
	if len(key.Value) != 40 {
		t.Errorf("a drawn key value has %d characters, want 40", len(key.Value))
	}
	refusal := h.manage("POST", "/usageplans", `{"name":"gold","apiStages":[{"apiId":"`+api.ID+`","stage":"beta"}]}`, 400, nil)
	if !strings.Contains(refusal, "has no stage beta deployed") {
		t.Errorf("a plan on a stage not deployed: %s", refusal)
	}
	var plan struct{ ID string }
	h.manage("POST", "/usageplans", `{"name":"gold","apiStages":[{"apiId":"`+api.ID+`","stage":"prod"}],"quota":{"limit":2,"period":"DAY"}}`, 201, &plan)
	route := h.route(api.ID + "/prod/GET/")
	if status, _ := deniedWith(h.check(route, names.ExtAuthzFilter, map[string]string{"x-api-key": key.Value})); status != 403 {
		t.Errorf("a key in no plan: %d, want 403", status)
	}
	h.manage("POST", "/usageplans/"+plan.ID+"/keys", `{"keyId":"`+key.ID+`","keyType":"API_KEY"}`, 201, nil)
	for i, want := range []int{0, 0, 429} {
		if status, body := deniedWith(h.check(route, names.ExtAuthzFilter, map[string]string{"x-api-key": key.Value})); status != want {
			t.Errorf("request %d with the key: %d %s, want %d (0: admitted)", i+1, status, body, want)
		}
	}
	h.manage("PATCH", "/apikeys/"+key.ID, `{"patchOperations":[{"op":"replace","path":"/enabled","value":"false"}]}`, 200, nil)
	if status, _ := deniedWith(h.check(route, names.ExtAuthzFilter, map[string]string{"x-api-key": key.Value})); status != 403 {
		t.Errorf("a disabled key: %d, want 403", status)
	}
	h.manage("DELETE", "/apikeys/"+key.ID, "", 400, nil) // still in the plan
	h.manage("DELETE", "/usageplans/"+plan.ID+"/keys/"+key.ID, "", 202, nil)
	h.manage("DELETE", "/apikeys/"+key.ID, "", 202, nil)
}

// TestManagementAPIAuthorizer: a Cognito authorizer made through the management API checks the tokens of the
// method that names it, as a file's does.
func TestManagementAPIAuthorizer(t *testing.T) {
	pool := jwttest.NewPool(t, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_M", "k1")
	const arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_M"
	h := startHarness(t, map[string]string{"tollgate.yaml": "cognito: {userPools: {'" + arn + "': {issuer: '" + pool.Issuer + "', jwksUrl: '" + pool.URL + "'}}}\n"})
	var api struct{ ID, RootResourceID string }
	h.manage("POST", "/restapis", `{"name":"pooled"}`, 201, &api)
	base := "/restapis/" + api.ID
	var a struct{ ID string }
	h.manage("POST", base+"/authorizers", `{"name":"pool","type":"COGNITO_USER_POOLS","providerARNs":["`+arn+`"],"identitySource":"method.request.header.Authorization"}`, 201, &a)
	get := base + "/resources/" + api.RootResourceID + "/methods/GET"
	h.manage("PUT", get, `{"authorizationType":"COGNITO_USER_POOLS","authorizerId":"`+a.ID+`"}`, 201, nil)
	h.manage("PUT", get+"/integration", `{"type":"HTTP_PROXY","httpMethod":"GET","uri":"http://127.0.0.1:9/"}`, 201, nil)
	h.manage("POST", base+"/deployments", `{"stageName":"prod"}`, 201, nil)
	route := h.route(api.ID + "/prod/GET/")
	if status, body := deniedWith(h.authorize(route, "GET", "/prod/", "192.0.2.7", nil, nil)); status != 401 || body != `{"message":"Unauthorized"}` {
		t.Errorf("no token: %d %s, want 401", status, body)
	}
	token := pool.Sign("k1", map[string]any{"email": "ops@example.com"})
	if status, body := deniedWith(h.authorize(route, "GET", "/prod/", "192.0.2.7", [][2]string{{"authorization", token}}, nil)); status != 0 {
		t.Errorf("the pool's token: %d %s, want admitted", status, body)
	}
}

// TestManagementAPIValidation: a model and a request validator made through the management API refuse a body the
// model does not allow, as a file's do.
func TestManagementAPIValidation(t *testing.T) {
	h := startHarness(t, map[string]string{"tollgate.yaml": ""})
	var api struct{ ID, RootResourceID string }
	h.manage("POST", "/restapis", `{"name":"validated"}`, 201, &api)
	base := "/restapis/" + api.ID
	var orders struct{ ID string }
	h.manage("POST", base+"/resources/"+api.RootResourceID, `{"pathPart":"orders"}`, 201, &orders)
	h.manage("POST", base+"/models", `{"name":"Order","contentType":"application/json","schema":"{\"type\":\"object\",\"required\":[\"item\"]}"}`, 201, nil)
	var v struct{ ID string }
	h.manage("POST", base+"/requestvalidators", `{"name":"body","validateRequestBody":true}`, 201, &v)
	post := base + "/resources/" + orders.ID + "/methods/POST"
	h.manage("PUT", post, `{"authorizationType":"NONE","requestValidatorId":"`+v.ID+`","requestModels":{"application/json":"Order"}}`, 201, nil)
	h.manage("PUT", post+"/integration", `{"type":"HTTP_PROXY","httpMethod":"POST","uri":"http://127.0.0.1:9/orders"}`, 201, nil)
	h.manage("DELETE", base+"/models/Order", "", 400, nil) // POST /orders names it
	h.manage("POST", base+"/deployments", `{"stageName":"prod"}`, 201, nil)
	route := h.route(api.ID + "/prod/POST/orders")
	if _, status := mappedBody(h.process(route, orderRequest("", `{"quantity": 2}`)...)); status != 400 {
		t.Errorf("a body without the item the model requires: %d, want 400", status)
	}
	if _, status := mappedBody(h.process(route, orderRequest("", `{"item": "tea"}`)...)); status != 0 {
		t.Errorf("a body the model allows: %d, want it sent on", status)
	}
}

// TestManagementAPIStageSettings: a stage's method settings and access log, set by update-stage's patch paths,
// throttle its methods and log its requests as a file's stage settings do.
func TestManagementAPIStageSettings(t *testing.T) {
	h := startHarness(t, map[string]string{"tollgate.yaml": ""})
	var api struct{ ID, RootResourceID string }
	h.manage("POST", "/restapis", `{"name":"throttled"}`, 201, &api)
	base := "/restapis/" + api.ID
	get := base + "/resources/" + api.RootResourceID + "/methods/GET"
	h.manage("PUT", get, `{"authorizationType":"NONE"}`, 201, nil)
	h.manage("PUT", get+"/integration", `{"type":"HTTP_PROXY","httpMethod":"GET","uri":"http://127.0.0.1:9/"}`, 201, nil)
	h.manage("POST", base+"/deployments", `{"stageName":"prod"}`, 201, nil)
	logFile := filepath.Join(t.TempDir(), "access.log")
	h.manage("PATCH", base+"/stages/prod", `{"patchOperations":[`+
		`{"op":"replace","path":"/*/*/throttling/burstLimit","value":"1"},{"op":"replace","path":"/*/*/throttling/rateLimit","value":"0.01"},`+
		`{"op":"replace","path":"/accessLogSettings/format","value":"$context.requestId $context.status"},`+
		`{"op":"replace","path":"/accessLogSettings/destinationArn","value":"`+logFile+`"}]}`, 200, nil)
	h.manage("PATCH", base+"/stages/prod", `{"patchOperations":[{"op":"replace","path":"/*/*/logging/loglevel","value":"INFO"}]}`, 400, nil)
	route := h.route(api.ID + "/prod/GET/")
	for i, want := range []rlsv3.RateLimitResponse_Code{rlsv3.RateLimitResponse_OK, rlsv3.RateLimitResponse_OVER_LIMIT} {
		if got := h.shouldRateLimit(route).GetOverallCode(); got != want {
			t.Errorf("request %d: %v, want %v", i+1, got, want)
		}
	}
	lis := &listener.Listener{}
	h.resource(resourcev3.ListenerType, "", lis)
	if raw, _ := protojson.Marshal(lis); !strings.Contains(string(raw), logFile) {
		t.Errorf("the listener has no access log to %s", logFile)
	}
}

// TestManagementAPIHTTPAPI: an HTTP API built through apigatewayv2 (an integration, a route, a $default stage that
// deploys every change) is served as a file's HTTP API is; a change the load refuses leaves the stage serving,
// and says why on the stage.
func TestManagementAPIHTTPAPI(t *testing.T) {
	h := startHarness(t, map[string]string{"tollgate.yaml": "domain: execute-api.localhost\n"})
	var api struct{ APIID, APIEndpoint string }
	h.manage("POST", "/v2/apis", `{"name":"pets","protocolType":"HTTP"}`, 201, &api)
	if api.APIEndpoint != "http://"+api.APIID+".execute-api.localhost" {
		t.Errorf("apiEndpoint %s", api.APIEndpoint)
	}
	base := "/v2/apis/" + api.APIID
	var integ struct{ IntegrationID string }
	h.manage("POST", base+"/integrations", `{"integrationType":"HTTP_PROXY","integrationMethod":"GET","integrationUri":"http://${stageVariables.backend}/pets"}`, 201, &integ)
	var route struct{ RouteID string }
	h.manage("POST", base+"/routes", `{"routeKey":"GET /pets","target":"integrations/`+integ.IntegrationID+`"}`, 201, &route)
	h.manage("POST", base+"/stages", `{"stageName":"$default","autoDeploy":true,"stageVariables":{"backend":"127.0.0.1:9000"}}`, 201, nil)
	served := func() []string {
		var out []string
		for _, vh := range h.routeConfig().GetVirtualHosts() {
			for _, r := range vh.GetRoutes() {
				if strings.HasPrefix(r.GetName(), api.APIID+"/") && r.GetRoute() != nil {
					out = append(out, r.GetName()+" "+r.GetRoute().GetCluster())
				}
			}
		}
		return out
	}
	if got := served(); len(got) != 1 || got[0] != api.APIID+"/$default/GET/pets http://127.0.0.1:9000" {
		t.Fatalf("served %v, want GET /pets to the stage's backend", got)
	}
	// A backend by a stage variable the stage does not define: the load refuses it, the stage keeps serving.
	h.manage("PATCH", base+"/integrations/"+integ.IntegrationID, `{"integrationUri":"http://${stageVariables.other}/pets"}`, 200, nil)
	var st struct{ LastDeploymentStatusMessage string }
	h.manage("GET", base+"/stages/$default", "", 200, &st)
	if !strings.Contains(st.LastDeploymentStatusMessage, "other") {
		t.Errorf("the stage says %q, want the undefined stage variable", st.LastDeploymentStatusMessage)
	}
	if got := served(); len(got) != 1 || !strings.HasSuffix(got[0], "http://127.0.0.1:9000") {
		t.Errorf("after a refused change, served %v", got)
	}
	h.manage("PATCH", base+"/stages/$default", `{"stageVariables":{"backend":"127.0.0.1:9000","other":"127.0.0.1:9100"}}`, 200, nil)
	h.manage("PATCH", base+"/routes/"+route.RouteID, `{"operationName":"listPets"}`, 200, nil) // a change: deployed again
	if got := served(); len(got) != 1 || !strings.HasSuffix(got[0], "http://127.0.0.1:9100") {
		t.Errorf("after the stage defines it, served %v", got)
	}
	h.restart()
	if got := served(); len(got) != 1 {
		t.Errorf("after a restart, served %v", got)
	}
	h.manage("DELETE", base, "", 204, nil)
	if got := served(); len(got) != 0 {
		t.Errorf("a deleted HTTP API is still served: %v", got)
	}
}
