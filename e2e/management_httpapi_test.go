package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestManagementAPIHTTPAPIByTheAWSCLI: aws apigatewayv2 quick-creates an HTTP API and builds another route by
// route, on a $default stage that deploys every change; Envoy serves both; export-api writes what is served.
func TestManagementAPIHTTPAPIByTheAWSCLI(t *testing.T) {
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	configure, cli := managementCLI(t, &cfg, "apigatewayv2")
	gw := startGateway(t, cfg, nil)
	configure(gw)
	// Quick create: a $default route to the target, on a $default stage, served at once.
	var quick struct{ APIID, APIEndpoint, ProtocolType string }
	cli(&quick, "create-api", "--name", "quick", "--protocol-type", "HTTP", "--target", "http://"+backend.addr+"/quick")
	if quick.ProtocolType != "HTTP" || !strings.HasPrefix(quick.APIEndpoint, "http://"+quick.APIID+".") {
		t.Errorf("create-api answered %+v", quick)
	}
	r, took := pollUntil(t, call{method: "GET", url: gw.url("/anything"), host: quick.APIID + "." + domain}, http.StatusOK, 5*time.Second)
	t.Logf("Envoy served the quick create %v after create-api returned", took)
	if r.header.Get("X-Backend") != "A" || r.header.Get("apigw-requestid") == "" {
		t.Errorf("the quick create answered %d %v", r.status, r.header)
	}

	// Built route by route.
	var api struct{ APIID string }
	cli(&api, "create-api", "--name", "pets", "--protocol-type", "HTTP")
	var integ struct{ IntegrationID string }
	cli(&integ, "create-integration", "--api-id", api.APIID, "--integration-type", "HTTP_PROXY", "--integration-method", "GET",
		"--integration-uri", "http://${stageVariables.backend}/pets/{id}", "--payload-format-version", "1.0")
	var route struct{ RouteID, RouteKey string }
	cli(&route, "create-route", "--api-id", api.APIID, "--route-key", "GET /pets/{id}", "--target", "integrations/"+integ.IntegrationID)
	cli(nil, "create-stage", "--api-id", api.APIID, "--stage-name", "$default", "--auto-deploy", "--stage-variables", "backend="+backend.addr)
	host := api.APIID + "." + domain
	r, _ = pollUntil(t, call{method: "GET", url: gw.url("/pets/7"), host: host}, http.StatusOK, 5*time.Second)
	var echoed struct{ RequestURI string }
	if err := json.Unmarshal([]byte(r.body), &echoed); err != nil || echoed.RequestURI != "/pets/7" {
		t.Errorf("the route answered %s", r.body)
	}
	if r, err := trySend(call{method: "GET", url: gw.url("/other"), host: host}); err != nil || r.status != http.StatusNotFound || r.body != `{"message":"Not Found"}` {
		t.Errorf("a path no route takes: %d %s (%v), want the HTTP API's 404", r.status, r.body, err)
	}
	// A change is served without a deployment: the stage deploys it.
	cli(nil, "update-route", "--api-id", api.APIID, "--route-id", route.RouteID, "--route-key", "GET /animals/{id}")
	pollUntil(t, call{method: "GET", url: gw.url("/animals/7"), host: host}, http.StatusOK, 5*time.Second)
	var stage struct {
		DeploymentID string
		AutoDeploy   bool
	}
	cli(&stage, "get-stage", "--api-id", api.APIID, "--stage-name", "$default")
	var deployments struct {
		Items []struct{ DeploymentID string }
	}
	cli(&deployments, "get-deployments", "--api-id", api.APIID)
	if !stage.AutoDeploy || len(deployments.Items) != 1 || deployments.Items[0].DeploymentID != stage.DeploymentID {
		t.Errorf("the stage %+v and deployments %+v", stage, deployments)
	}
	var apis struct{ Items []struct{ APIID string } }
	cli(&apis, "get-apis")
	if len(apis.Items) != 2 {
		t.Errorf("get-apis: %+v", apis)
	}
	exported := filepath.Join(t.TempDir(), "export.yaml")
	cli(nil, "export-api", "--api-id", api.APIID, "--specification", "OAS30", "--output-type", "YAML", "--stage-name", "$default", exported)
	data, err := os.ReadFile(exported)
	if err != nil || !strings.Contains(string(data), "/animals/{id}:") || !strings.Contains(string(data), "x-amazon-apigateway-integration:") {
		t.Errorf("export-api wrote %s (%v)", data, err)
	}
	cli(nil, "delete-api", "--api-id", api.APIID)
	pollUntil(t, call{method: "GET", url: gw.url("/animals/7"), host: host}, http.StatusForbidden, 5*time.Second)
}
