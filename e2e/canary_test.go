package e2e

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestCanaryReleaseByTheAWSCLI: the aws CLI deploys a canary to a stage; Envoy gives the canary its share of the
// stage's requests (measured over 10,000), each with the canary's stage variables, and tells a MOCK's template
// which release answered; the metrics count the canary's requests under {stage}/Canary; promoted and removed as AWS
// documents it, the canary's version serves every request.
func TestCanaryReleaseByTheAWSCLI(t *testing.T) {
	base, canary := startBackend(t, "base"), startBackend(t, "canary")
	cfg := newGatewayConfig(t)
	configure, cli := managementCLI(t, &cfg, "apigateway")
	gw := startGateway(t, cfg, nil)
	configure(gw)
	var api struct{ ID, RootResourceID string }
	cli(&api, "create-rest-api", "--name", "shop")
	var pets, which struct{ ID string }
	cli(&pets, "create-resource", "--rest-api-id", api.ID, "--parent-id", api.RootResourceID, "--path-part", "pets")
	cli(&which, "create-resource", "--rest-api-id", api.ID, "--parent-id", api.RootResourceID, "--path-part", "which")
	onPets := []string{"--rest-api-id", api.ID, "--resource-id", pets.ID, "--http-method", "GET"}
	cli(nil, append([]string{"put-method", "--authorization-type", "NONE"}, onPets...)...)
	cli(nil, append([]string{"put-integration", "--type", "HTTP_PROXY", "--integration-http-method", "GET",
		"--uri", "http://${stageVariables.backend}/pets"}, onPets...)...)
	onWhich := []string{"--rest-api-id", api.ID, "--resource-id", which.ID, "--http-method", "GET"}
	cli(nil, append([]string{"put-method", "--authorization-type", "NONE"}, onWhich...)...)
	cli(nil, append([]string{"put-integration", "--type", "MOCK", "--request-templates", `{"application/json": "{\"statusCode\": 200}"}`}, onWhich...)...)
	cli(nil, append([]string{"put-method-response", "--status-code", "200"}, onWhich...)...)
	cli(nil, append([]string{"put-integration-response", "--status-code", "200", "--selection-pattern", "",
		"--response-templates", `{"application/json": "{\"canary\": \"$context.isCanaryRequest\", \"backend\": \"$stageVariables.backend\"}"}`}, onWhich...)...)
	var first struct{ ID string }
	cli(&first, "create-deployment", "--rest-api-id", api.ID, "--stage-name", "prod", "--variables", "backend="+base.addr)
	host := api.ID + "." + domain
	pets200 := call{method: "GET", url: gw.url("/prod/pets"), host: host}
	pollUntil(t, pets200, http.StatusOK, 5*time.Second)

	var second struct{ ID string }
	cli(&second, "create-deployment", "--rest-api-id", api.ID, "--stage-name", "prod", "--canary-settings",
		fmt.Sprintf(`{"percentTraffic": 30, "stageVariableOverrides": {"backend": %q}, "useStageCache": false}`, canary.addr))
	var st struct {
		DeploymentID   string
		CanarySettings struct {
			DeploymentID   string
			PercentTraffic float64
		}
	}
	cli(&st, "get-stage", "--rest-api-id", api.ID, "--stage-name", "prod")
	if st.DeploymentID != first.ID || st.CanarySettings.DeploymentID != second.ID || st.CanarySettings.PercentTraffic != 30 {
		t.Fatalf("get-stage after the canary deployment: %+v", st)
	}
	backendOf := func(c call) string {
		t.Helper()
		r := send(t, c)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", c, r.status, r.body)
		}
		return r.header.Get("X-Backend")
	}
	for deadline := time.Now().Add(5 * time.Second); backendOf(pets200) != "canary"; {
		if time.Now().After(deadline) {
			t.Fatal("no request reached the canary within 5s of create-deployment")
		}
	}

	// The split, over 10,000 requests from 8 clients at once.
	const requests, clients = 10000, 8
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			local := map[string]int{}
			for range requests / clients {
				r, err := trySend(pets200)
				switch {
				case err != nil:
					local["error"]++
				case r.status != http.StatusOK:
					local[fmt.Sprint(r.status)]++
				default:
					local[r.header.Get("X-Backend")]++
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for k, n := range local {
				counts[k] += n
			}
		})
	}
	wg.Wait()
	share := 100 * float64(counts["canary"]) / requests
	t.Logf("the canary served %.2f%% of %d requests (percentTraffic 30): %v", share, requests, counts)
	if counts["canary"]+counts["base"] != requests || share < 28 || share > 32 {
		t.Errorf("answers %v: want every request served, the canary's share 30%% ± 2%%", counts)
	}
	// Each release answers with its own stage variables and says which it is.
	seen := map[string]bool{}
	for range 200 {
		r := send(t, call{method: "GET", url: gw.url("/prod/which"), host: host})
		seen[r.body] = true
	}
	wantBase := fmt.Sprintf(`{"canary": "false", "backend": "%s"}`, base.addr)
	wantCanary := fmt.Sprintf(`{"canary": "true", "backend": "%s"}`, canary.addr)
	if len(seen) != 2 || !seen[wantBase] || !seen[wantCanary] {
		t.Errorf("the MOCK answered %v, want %s and %s", seen, wantBase, wantCanary)
	}
	// The metrics count the canary's requests apart, as AWS's {stage}/Canary.
	stage, canaryStage := `stage="prod",`, `stage="prod/Canary",`
	var text string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, text, _ = getAdmin(gw.cfg.Admin, "/metrics")
		// Both series: each of Envoy's workers sends its own batches, so one may be counted before the other.
		if metricSum(text, "apigateway_requests_total", canaryStage) >= float64(counts["canary"]) &&
			metricSum(text, "apigateway_requests_total", stage) >= float64(counts["base"]) {
			break
		}
	}
	if got := metricSum(text, "apigateway_requests_total", canaryStage); got < float64(counts["canary"]) || metricSum(text, "apigateway_requests_total", stage) < float64(counts["base"]) {
		t.Errorf("requests counted: %v under prod/Canary, %v under prod; want at least %d and %d", got, metricSum(text, "apigateway_requests_total", stage), counts["canary"], counts["base"])
	}

	// Promotion, as AWS documents it, then the canary's removal: every request is the canary's version's.
	cli(nil, "update-stage", "--rest-api-id", api.ID, "--stage-name", "prod", "--patch-operations",
		`[{"op": "replace", "path": "/canarySettings/percentTraffic", "value": "0.0"}, {"op": "copy", "from": "/canarySettings/stageVariableOverrides", "path": "/variables"}, {"op": "copy", "from": "/canarySettings/deploymentId", "path": "/deploymentId"}]`)
	cli(nil, "update-stage", "--rest-api-id", api.ID, "--stage-name", "prod", "--patch-operations", "op=remove,path=/canarySettings")
	cli(&st, "get-stage", "--rest-api-id", api.ID, "--stage-name", "prod")
	if st.DeploymentID != second.ID {
		t.Errorf("get-stage after promotion: %+v, want the stage on %s", st, second.ID)
	}
	promoted := call{method: "GET", url: gw.url("/prod/which"), host: host}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if r := send(t, promoted); r.body == fmt.Sprintf(`{"canary": "", "backend": "%s"}`, canary.addr) {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("after promotion the MOCK still answers %s", r.body)
		}
	}
	for range 100 {
		if b := backendOf(pets200); b != "canary" {
			t.Fatalf("after promotion a request reached the %s backend", b)
		}
	}
}
