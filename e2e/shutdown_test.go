package e2e

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestShutdown stops `tollgate run` with SIGTERM, as a service manager does, and checks it leaves nothing behind.
// Every other test's cleanup runs the same checks (tollgate.stop); this one looks closer.
func TestShutdown(t *testing.T) {
	requireEnvoy(t)
	cfg := newGatewayConfig(t)
	cfg.APIs = []apiConfig{{ID: "mocks", Definition: "mocks.yaml", Stages: []stageConfig{{StageName: "prod"}}}}
	gw := startGateway(t, cfg, map[string]string{"mocks.yaml": "gateway/mocks.yaml"})

	c := call{url: gw.url("/restapis/mocks/prod/_user_request_/health")}
	if r := send(t, c); r.status != http.StatusOK {
		t.Fatalf("%s: %d %s, want 200", c, r.status, r.body)
	}
	// The bootstrap directory must exist now for its removal to mean anything.
	if dirs, _ := filepath.Glob(filepath.Join(gw.dir, "tollgate-envoy-*")); len(dirs) != 1 {
		t.Errorf("want one Envoy bootstrap directory under the test's TMPDIR while running, found %v", dirs)
	}
	// The client keeps its connection to Envoy open: an idle keep-alive connection must not delay the shutdown.
	took := gw.stop(t)
	t.Logf("tollgate run exited %v after SIGTERM", took)

	// Envoy was asked to stop, not killed after the grace period.
	log := gw.out.String()
	if !strings.Contains(log, `msg="envoy stopped"`) || !strings.Contains(log, `exit="exit status 0"`) {
		t.Errorf("tollgate's log does not show Envoy stopping cleanly (envoy stopped, exit status 0)")
	}
	if _, err := trySend(c); err == nil {
		t.Errorf("%s still answers after shutdown", c)
	}
}
