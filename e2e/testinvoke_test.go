package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// TestTestInvokeMethodByTheAWSCLI: aws apigateway test-invoke-method runs a method of the working copy, not yet
// deployed, through Envoy: its mapping templates render with the stage variables given, its HTTP integration
// reaches the backend, its API key is not asked for, and $context.stage is test-invoke-stage; the stage it was
// served on takes no other request.
func TestTestInvokeMethodByTheAWSCLI(t *testing.T) {
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	configure, cli := managementCLI(t, &cfg, "apigateway")
	gw := startGateway(t, cfg, nil)
	configure(gw)
	var api struct{ ID, RootResourceID string }
	cli(&api, "create-rest-api", "--name", "shop")
	var items, item, pets struct{ ID string }
	cli(&items, "create-resource", "--rest-api-id", api.ID, "--parent-id", api.RootResourceID, "--path-part", "items")
	cli(&item, "create-resource", "--rest-api-id", api.ID, "--parent-id", items.ID, "--path-part", "{id}")
	onItem := []string{"--rest-api-id", api.ID, "--resource-id", item.ID, "--http-method", "GET"}
	cli(nil, append([]string{"put-method", "--authorization-type", "NONE", "--api-key-required", "--request-parameters", "method.request.path.id=true"}, onItem...)...)
	cli(nil, append([]string{"put-integration", "--type", "MOCK", "--request-templates", `{"application/json": "{\"statusCode\": 200}"}`}, onItem...)...)
	cli(nil, append([]string{"put-method-response", "--status-code", "200"}, onItem...)...)
	cli(nil, append([]string{"put-integration-response", "--status-code", "200", "--selection-pattern", "",
		"--response-templates", `{"application/json": "{\"item\": \"$input.params('id')\", \"stage\": \"$context.stage\", \"color\": \"$stageVariables.color\"}"}`}, onItem...)...)
	cli(&pets, "create-resource", "--rest-api-id", api.ID, "--parent-id", api.RootResourceID, "--path-part", "pets")
	onPets := []string{"--rest-api-id", api.ID, "--resource-id", pets.ID, "--http-method", "GET"}
	cli(nil, append([]string{"put-method", "--authorization-type", "NONE"}, onPets...)...)
	cli(nil, append([]string{"put-integration", "--type", "HTTP_PROXY", "--integration-http-method", "GET",
		"--uri", "http://${stageVariables.backend}/pets"}, onPets...)...)

	var mock struct {
		Status            int
		Body, Log         string
		Headers           map[string]string
		MultiValueHeaders map[string][]string
		Latency           int64
	}
	cli(&mock, append([]string{"test-invoke-method", "--path-with-query-string", "/items/7?x=1", "--stage-variables", "color=blue"}, onItem...)...)
	if mock.Status != 200 || mock.Body != `{"item": "7", "stage": "test-invoke-stage", "color": "blue"}` {
		t.Errorf("test-invoke-method of the MOCK: %d %s", mock.Status, mock.Body)
	}
	if !strings.Contains(mock.Log, "Method completed with status: 200") || mock.Headers["X-Amzn-Requestid"] == "" || mock.Headers["X-Tollgate-Test-Invoke"] != "" {
		t.Errorf("test-invoke-method's log %q and headers %v", mock.Log, mock.Headers)
	}
	var proxy struct {
		Status  int
		Headers map[string]string
	}
	cli(&proxy, append([]string{"test-invoke-method", "--stage-variables", "backend=" + backend.addr}, onPets...)...)
	if proxy.Status != 200 || proxy.Headers["X-Backend"] != "A" {
		t.Errorf("test-invoke-method of the HTTP_PROXY: %d %v", proxy.Status, proxy.Headers)
	}
	// Nothing was deployed, and the invocation's stage takes no request of anyone else's.
	var stages struct{ Item []struct{ StageName string } }
	cli(&stages, "get-stages", "--rest-api-id", api.ID)
	if len(stages.Item) != 0 {
		t.Errorf("stages after test invocations: %+v", stages.Item)
	}
	if r := send(t, call{method: "GET", url: gw.url("/test-invoke-stage/items/7"), host: api.ID + "." + domain}); r.status != http.StatusForbidden {
		t.Errorf("a request to the invocation's stage: %d %s, want 403", r.status, r.body)
	}
}

// TestTestInvokeAuthorizerByTheAWSCLI: aws apigateway test-invoke-authorizer runs a TOKEN Lambda authorizer (under
// the Runtime Interface Emulator) of the working copy on the request given, as a method's request would, and
// answers what it said: its principal and policy, or the client's 401.
func TestTestInvokeAuthorizerByTheAWSCLI(t *testing.T) {
	fns := startFunctions(t, "authorizer")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"authorizer": fns["authorizer"].invokeURL()}}
	configure, cli := managementCLI(t, &cfg, "apigateway")
	gw := startGateway(t, cfg, nil)
	configure(gw)
	var api struct{ ID string }
	cli(&api, "create-rest-api", "--name", "shop")
	var auth struct{ ID string }
	cli(&auth, "create-authorizer", "--rest-api-id", api.ID, "--name", "token", "--type", "TOKEN",
		"--authorizer-uri", "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:authorizer/invocations",
		"--identity-source", "method.request.header.Authorization", "--authorizer-result-ttl-in-seconds", "300")
	var allowed struct {
		ClientStatus     int
		PrincipalID, Log string
		Policy           string
	}
	before := fns["authorizer"].invocations()
	for range 2 { // the cache neither answers nor keeps a test invocation
		cli(&allowed, "test-invoke-authorizer", "--rest-api-id", api.ID, "--authorizer-id", auth.ID, "--headers", "Authorization=allow:alice", "--path-with-query-string", "/pets?x=1")
	}
	if allowed.ClientStatus != 200 || allowed.PrincipalID != "alice" || !strings.Contains(allowed.Policy, `"Allow"`) || !strings.Contains(allowed.Policy, api.ID+"/test-invoke-stage/") {
		t.Errorf("an allowed token: %+v", allowed)
	}
	if n := fns["authorizer"].invocations() - before; n != 2 {
		t.Errorf("the authorizer ran %d times for two test invocations, want 2", n)
	}
	var refused struct{ ClientStatus int }
	cli(&refused, "test-invoke-authorizer", "--rest-api-id", api.ID, "--authorizer-id", auth.ID, "--headers", "Authorization=unauthorized")
	if refused.ClientStatus != 401 {
		t.Errorf("an Unauthorized token: %+v, want clientStatus 401", refused)
	}
	cli(&refused, "test-invoke-authorizer", "--rest-api-id", api.ID, "--authorizer-id", auth.ID)
	if refused.ClientStatus != 401 {
		t.Errorf("no token: %+v, want clientStatus 401", refused)
	}
}
