package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestResourcePolicy fences an API by the caller's address through a real Envoy: clients bound to three
// loopback addresses, one the policy allows, one it denies, one it does not name; and the policy decided with a
// Lambda authorizer as the developer guide's Table A says.
func TestResourcePolicy(t *testing.T) {
	requireEnvoy(t)
	fns := startFunctions(t, "authorizer")
	auth := fns["authorizer"]
	backend := startBackend(t, "B")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"authorizer": auth.invokeURL()}}
	cfg.APIs = []apiConfig{{ID: "fenced", Definition: "fenced.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}}}}}
	gw := startGateway(t, cfg, map[string]string{"fenced.yaml": "authorizers/fenced.yaml"})
	// Behind one trusted proxy: the client is the address the proxy appended to X-Forwarded-For.
	cfg2 := newGatewayConfig(t)
	cfg2.Lambda, cfg2.APIs, cfg2.TrustedProxyHops = cfg.Lambda, cfg.APIs, 1
	proxied := startGateway(t, cfg2, map[string]string{"fenced.yaml": "authorizers/fenced.yaml"})

	// fromTo sends a request to gw from a loopback source address of its own.
	fromTo := func(t *testing.T, gw *tollgate, source, path string, header ...string) (int, string) {
		t.Helper()
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil,
			DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(source)}}).DialContext}}
		req, err := http.NewRequestWithContext(context.Background(), "GET", gw.url("/prod"+path), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "fenced." + domain
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 403 && resp.Header.Get("x-amzn-ErrorType") != "AccessDeniedException" {
			t.Errorf("%s from %s: 403 with x-amzn-ErrorType %q, want AccessDeniedException", path, source, resp.Header.Get("x-amzn-ErrorType"))
		}
		return resp.StatusCode, string(body)
	}
	from := func(t *testing.T, source, path string, header ...string) (int, string) {
		t.Helper()
		return fromTo(t, gw, source, path, header...)
	}
	arn := func(path string) string {
		return "arn:aws:execute-api:us-east-1:********9012:fenced/prod/GET" + path
	}
	implicit := func(path string) string {
		return `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: ` + arn(path) + `"}`
	}
	explicit := func(path string) string {
		return strings.TrimSuffix(implicit(path), `"}`) + ` with an explicit deny"}`
	}
	t.Run("X-Forwarded-For", func(t *testing.T) {
		xff := func(addrs string) []string { return []string{"X-Forwarded-For", addrs} }
		for _, tt := range []struct {
			name   string
			gw     *tollgate
			header []string
			status int
			body   string
		}{
			{"not trusted by default", gw, xff("127.0.0.1"), 403, implicit("/open")},
			{"one trusted proxy: the client it names", proxied, xff("127.0.0.1"), 200, ""},
			{"one trusted proxy: a denied client", proxied, xff("127.0.0.3"), 403, explicit("/open")},
			{"one trusted proxy: what the client wrote before it is not trusted", proxied, xff("127.0.0.1, 127.0.0.3"), 403, explicit("/open")},
		} {
			t.Run(tt.name, func(t *testing.T) {
				status, body := fromTo(t, tt.gw, "127.0.0.2", "/open", tt.header...)
				if status != tt.status || (tt.body != "" && body != tt.body) {
					t.Errorf("got %d %s, want %d %s", status, body, tt.status, tt.body)
				}
			})
		}
	})
	tests := []struct {
		name, source, path, token string
		status                    int
		body                      string // "" for the integration's
		calls                     int    // authorizer invocations
	}{
		{"allowed address", "127.0.0.1", "/open", "", 200, "", 0},
		{"address the policy does not name", "127.0.0.2", "/open", "", 403, implicit("/open"), 0},
		{"denied address", "127.0.0.3", "/open", "", 403, explicit("/open"), 0},
		{"MOCK, denied address", "127.0.0.3", "/health", "", 403, explicit("/health"), 0},
		{"MOCK, allowed address", "127.0.0.1", "/health", "", 200, `{"ok": true}`, 0},
		// The authorizer allows: enough where the policy is silent, not where it denies (decided before the
		// authorizer runs).
		{"authorizer allows, policy silent", "127.0.0.2", "/authed", "allow:x", 200, "", 1},
		{"authorizer allows, policy denies", "127.0.0.3", "/authed", "allow:x", 403, explicit("/authed"), 0},
		{"authorizer denies, policy allows", "127.0.0.1", "/authed", "deny:x", 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var header []string
			if tt.token != "" {
				header = []string{"Authorization", tt.token}
			}
			authorizers := map[string]*lambdaFunction{"authorizer": auth}
			before := invocationCounts(authorizers)
			status, body := from(t, tt.source, tt.path, header...)
			if status != tt.status || (tt.body != "" && body != tt.body) {
				t.Errorf("GET %s from %s: %d %s, want %d %s", tt.path, tt.source, status, body, tt.status, tt.body)
			}
			expectInvocations(t, call{method: "GET", url: tt.path + " from " + tt.source}, authorizers, before, map[string]int{"authorizer": tt.calls})
		})
	}
}
