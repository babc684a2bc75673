package e2e

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// reloadLimit is how fast a valid change must be served: the README promises "within a second".
const reloadLimit = time.Second

// TestHotReload edits a running gateway's files, step by step: valid changes are served within a second without
// dropping requests in flight; invalid ones are logged with file, pointer and reason while the previous
// configuration keeps serving. The steps build on each other, so the first failure ends the test.
func TestHotReload(t *testing.T) {
	requireEnvoy(t)
	a, b := startBackend(t, "A"), startBackend(t, "B")
	cfg := newGatewayConfig(t)
	cfg.APIs = []apiConfig{{ID: "reload", Definition: "api.yaml", Stages: []stageConfig{
		{StageName: "prod", Variables: map[string]string{"backend": a.addr}},
	}}}
	gw := startGateway(t, cfg, map[string]string{"api.yaml": "reload/base.yaml"})
	defFile := filepath.Join(gw.dir, "api.yaml")
	path := func(p string) call { return call{url: gw.url("/restapis/reload/prod/_user_request_" + p)} }

	// edit replaces the definition with a testdata file and returns the log offset from before the change.
	edit := func(t *testing.T, src string) int {
		offset := gw.out.Len()
		copyTestdata(t, src, gw.dir, "api.yaml")
		return offset
	}
	// expectServing checks the answers of the configuration of more.yaml, the last valid one before the
	// invalid changes.
	expectServing := func(t *testing.T) {
		t.Helper()
		c := path("/pets")
		expectBackend(t, c, send(t, c), "A", "GET", "/pets")
		for p, body := range map[string]string{"/added": `{"added": 1}`, "/more": `{"more": 2}`} {
			c := path(p)
			if r := send(t, c); r.status != http.StatusOK || r.body != body {
				t.Errorf("%s: got %d %s, want the previous configuration's 200 %s", c, r.status, r.body, body)
			}
		}
		if status, body, err := getAdmin(gw.cfg.Admin, "/readyz"); err != nil || status != http.StatusOK {
			t.Errorf("/readyz = %d %q (%v), want 200: the Envoy still serves the newest valid configuration", status, body, err)
		}
	}

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"AddedPathServedWithinASecond", func(t *testing.T) {
			c := path("/added")
			expectMissingToken(t, c, send(t, c))
			began := time.Now()
			edit(t, "reload/added.yaml")
			r, _ := pollUntil(t, c, http.StatusOK, 10*time.Second)
			latency := time.Since(began)
			t.Logf("reload latency (definition written -> new path answered 200): %v", latency.Round(time.Millisecond))
			if latency > reloadLimit {
				t.Errorf("the added path was served %v after the change, want within %v", latency, reloadLimit)
			}
			if r.body != `{"added": 1}` {
				t.Errorf("%s: body %s, want {\"added\": 1}", c, r.body)
			}
		}},
		{"InFlightRequestSurvivesReload", func(t *testing.T) {
			type result struct {
				r    reply
				err  error
				done time.Time
			}
			slow := call{url: path("/slow").url, header: http.Header{"X-Echo-Sleep": {"1500ms"}, "X-Echo-Tag": {"in-flight"}}}
			results := make(chan result, 1)
			go func() {
				r, err := trySend(slow)
				results <- result{r, err, time.Now()}
			}()
			select {
			case tag := <-a.arrivals:
				if tag != "in-flight" {
					t.Fatalf("backend got request tagged %q, want in-flight", tag)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the slow request did not reach the backend within 5s")
			}
			// The backend holds the request for 1.5 s: reload underneath it.
			edit(t, "reload/more.yaml")
			_, latency := pollUntil(t, path("/more"), http.StatusOK, 10*time.Second)
			served := time.Now()
			t.Logf("reload latency with a request in flight: %v", latency.Round(time.Millisecond))
			res := <-results
			if res.err != nil {
				t.Fatalf("%s: the request in flight during the reload failed: %v", slow, res.err)
			}
			if !res.done.After(served) {
				t.Errorf("the slow request finished before the reload was served; it did not test a reload in flight")
			}
			expectBackend(t, slow, res.r, "A", "GET", "/slow")
		}},
		{"InvalidIntegrationTypeKeepsPreviousConfig", func(t *testing.T) {
			offset := edit(t, "reload/bad-type.yaml")
			line := waitLogLine(t, gw.process, offset, "pointer=/paths/~1pets/get/x-amazon-apigateway-integration/type")
			t.Logf("logged: %s", line)
			for _, want := range []string{"level=ERROR", "file=" + defFile + " ", "reason=", `unknown value \"bogus\"`} {
				if !strings.Contains(line, want) {
					t.Errorf("the log line for the invalid change lacks %q:\n%s", want, line)
				}
			}
			expectServing(t)
		}},
		{"YAMLSyntaxErrorKeepsPreviousConfig", func(t *testing.T) {
			offset := edit(t, "reload/bad-yaml.yaml")
			line := waitLogLine(t, gw.process, offset, "file="+defFile+" ")
			t.Logf("logged: %s", line)
			for _, want := range []string{"level=ERROR", "reason=", "not valid YAML"} {
				if !strings.Contains(line, want) {
					t.Errorf("the log line for the invalid change lacks %q:\n%s", want, line)
				}
			}
			expectServing(t)
		}},
		{"ValidChangeServedAgain", func(t *testing.T) {
			offset := edit(t, "reload/fixed.yaml")
			r, latency := pollUntil(t, path("/again"), http.StatusOK, 10*time.Second)
			t.Logf("reload latency after invalid changes: %v", latency.Round(time.Millisecond))
			if latency > reloadLimit {
				t.Errorf("the fixed definition was served %v after the change, want within %v", latency, reloadLimit)
			}
			if r.body != `{"again": 3}` {
				t.Errorf("body %s, want {\"again\": 3}", r.body)
			}
			waitLogLine(t, gw.process, offset, "configuration reloaded")
		}},
		{"ConfigChangeAddsStage", func(t *testing.T) {
			beta := call{url: gw.url("/beta/pets"), host: "reload." + domain}
			expectMissingToken(t, beta, send(t, beta))
			cfg := gw.cfg
			cfg.APIs = []apiConfig{{ID: "reload", Definition: "api.yaml", Stages: []stageConfig{
				cfg.APIs[0].Stages[0],
				{StageName: "beta", Variables: map[string]string{"backend": b.addr}},
			}}}
			writeConfig(t, gw.dir, cfg)
			r, latency := pollUntil(t, beta, http.StatusOK, 10*time.Second)
			t.Logf("reload latency for a config change: %v", latency.Round(time.Millisecond))
			if latency > reloadLimit {
				t.Errorf("the new stage was served %v after the change, want within %v", latency, reloadLimit)
			}
			expectBackend(t, beta, r, "B", "GET", "/pets")
			prod := call{url: gw.url("/prod/pets"), host: "reload." + domain}
			expectBackend(t, prod, send(t, prod), "A", "GET", "/pets")
		}},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			return
		}
	}
}

// waitLogLine waits for a line of p's output, written after offset, that contains substr, and returns it.
func waitLogLine(t *testing.T, p *process, offset int, substr string) string {
	t.Helper()
	var found string
	err := waitFor(5*time.Second, func() bool {
		for _, line := range strings.Split(p.out.Since(offset), "\n") {
			if strings.Contains(line, substr) {
				found = line
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("no log line containing %q within 5s; log since the change:\n%s", substr, p.out.Since(offset))
	}
	return found
}

// TestReloadOntoACheckNeverAdmitsUnchecked: a connection kept alive across a reload that makes a method require
// an API key (the listener's first check, so the reload changes the listener's filters) is never admitted to the
// new method without the key. Envoy drains such a connection on the filters it was accepted with; it must meet
// the routes written for them (the previous configuration, whose /pets needed no key and went to /pets), and be
// closed after its next answer, never meet the new routes without the new filters.
func TestReloadOntoACheckNeverAdmitsUnchecked(t *testing.T) {
	requireEnvoy(t)
	a := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "plan", APIStages: []planAPIStage{{APIID: "guard", Stage: "prod"}}, Keys: []string{"k1"}}}
	cfg.APIs = []apiConfig{{ID: "guard", Definition: "api.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": a.addr}}}}}
	gw := startGateway(t, cfg, map[string]string{"api.yaml": "reload/base.yaml"})
	conn, err := net.Dial("tcp", gw.cfg.Listen)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	kept := bufio.NewReader(conn)
	// ask sends GET /prod/pets without a key on the kept connection; false when Envoy has closed it.
	ask := func() (status int, body string, closing, ok bool) {
		if _, err := io.WriteString(conn, "GET /restapis/guard/prod/_user_request_/pets HTTP/1.1\r\nHost: gateway\r\n\r\n"); err != nil {
			return 0, "", false, false
		}
		resp, err := http.ReadResponse(kept, nil)
		if err != nil {
			return 0, "", false, false
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(raw), resp.Close, true
	}
	if status, body, _, ok := ask(); !ok || status != http.StatusOK || !strings.Contains(body, `"requestURI":"/pets"`) {
		t.Fatalf("before the reload: %d %s", status, body)
	}
	offset := gw.out.Len()
	copyTestdata(t, "reload/keyed.yaml", gw.dir, "api.yaml")
	waitLogLine(t, gw.process, offset, "configuration reloaded")
	// A new connection meets the key check once Envoy has the new configuration.
	pollUntil(t, call{url: gw.url("/restapis/guard/prod/_user_request_/pets")}, http.StatusForbidden, 10*time.Second)
	for i := 0; ; i++ {
		status, body, closing, ok := ask()
		switch {
		case !ok:
			return // closed by Envoy's drain: the client's next connection meets the check
		case status == http.StatusOK && strings.Contains(body, `"requestURI":"/keyed"`):
			t.Fatalf("request %d on a connection kept across the reload reached the new method without a key", i)
		case status == http.StatusOK && !closing:
			t.Fatalf("request %d on a connection kept across the reload was served by the previous configuration and the connection kept open", i)
		case status != http.StatusOK && status != http.StatusForbidden:
			t.Fatalf("request %d on a connection kept across the reload: %d %s", i, status, body)
		case closing:
			return
		}
		if i == 20 {
			t.Fatal("the connection kept across the reload is still open after 20 requests: Envoy does not drain it")
		}
	}
}
