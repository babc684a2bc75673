package e2e

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTwoEnvoysOneControlPlane runs `tollgate serve` with Envoys the test starts itself from `tollgate bootstrap`,
// as sidecars and edge proxies join a control plane, each with its own listener: both on delta xDS, both on state
// of the world, and one of each. It also covers the admin endpoints: /readyz says 200 only while every
// connected Envoy has accepted the newest configuration.
func TestTwoEnvoysOneControlPlane(t *testing.T) {
	requireEnvoy(t)
	for _, tt := range []struct {
		name         string
		sotw1, sotw2 bool
	}{
		{"delta+delta", false, false},
		{"sotw+sotw", true, true},
		{"delta+sotw", false, true},
	} {
		t.Run(tt.name, func(t *testing.T) { testTwoEnvoys(t, tt.sotw1, tt.sotw2) })
	}
}

// testTwoEnvoys is one run of TestTwoEnvoysOneControlPlane. The steps build on each other, so the first failure
// ends it.
func testTwoEnvoys(t *testing.T, sotw1, sotw2 bool) {
	a := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.APIs = []apiConfig{{ID: "multi", Definition: "api.yaml", Stages: []stageConfig{
		{StageName: "prod", Variables: map[string]string{"backend": a.addr}},
	}}}
	tg := startTollgate(t, "serve", cfg, map[string]string{"api.yaml": "reload/base.yaml"})
	addrs := freeAddrs(t, 5)
	get := func(e *envoyProc, path string) call {
		return call{url: "http://" + e.listen + "/restapis/multi/prod/_user_request_" + path}
	}

	if !t.Run("HealthzAndReadyzBeforeAnyEnvoy", func(t *testing.T) {
		var status int
		var body string
		if err := waitFor(10*time.Second, func() bool {
			var err error
			status, body, err = getAdmin(tg.cfg.Admin, "/healthz")
			return err == nil
		}); err != nil {
			t.Fatalf("the admin server on %s did not come up within 10s", tg.cfg.Admin)
		}
		if status != http.StatusOK || body != "ok\n" {
			t.Errorf("/healthz = %d %q, want 200 \"ok\\n\"", status, body)
		}
		status, body, err := getAdmin(tg.cfg.Admin, "/readyz")
		if err != nil || status != http.StatusServiceUnavailable || !strings.Contains(body, "no Envoy connected") {
			t.Errorf("/readyz with no Envoy = %d %q (%v), want 503 saying no Envoy is connected", status, body, err)
		}
	}) {
		return
	}
	// Started here rather than in a step: a step's cleanup would stop them when the step ends.
	e1 := startEnvoy(t, tg, "e1", addrs[0], addrs[1], sotw1)
	e2 := startEnvoy(t, tg, "e2", addrs[2], addrs[3], sotw2)

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"BothEnvoysServe", func(t *testing.T) {
			for _, e := range []*envoyProc{e1, e2} {
				if err := waitFor(10*time.Second, func() bool { _, err := trySend(call{url: "http://" + e.listen + "/"}); return err == nil }); err != nil {
					connected := strings.Contains(tg.out.String(), `msg="Envoy connected" node=`+e.node+" ")
					t.Fatalf("Envoy %s (%s) does not serve its listener %s within 10s; tollgate logged it as connected: %t",
						e.node, e.xds, e.listen, connected)
				}
				c := get(e, "/pets")
				expectBackend(t, c, send(t, c), "A", "GET", "/pets")
			}
			// The reason text counts the Envoys: both must be connected and counted, not just the first.
			expectReadyz(t, tg, http.StatusOK, "2 Envoy(s)", 10*time.Second)
			if status, body, _ := getAdmin(tg.cfg.Admin, "/healthz"); status != http.StatusOK {
				t.Errorf("/healthz = %d %q, want 200", status, body)
			}
		}},
		{"ReadyMeansBothServeTheChange", func(t *testing.T) {
			offset := tg.out.Len()
			copyTestdata(t, "reload/added.yaml", tg.dir, "api.yaml")
			// Once the new configuration is published, a 200 from /readyz promises both Envoys serve it.
			waitLogLine(t, tg.process, offset, "configuration reloaded")
			expectReadyz(t, tg, http.StatusOK, "2 Envoy(s)", 10*time.Second)
			for _, e := range []*envoyProc{e1, e2} {
				// Envoy acknowledges a route configuration once its main thread has taken it; the workers get
				// it a moment later. Allow that moment, no more.
				c := get(e, "/added")
				r, took := pollUntil(t, c, http.StatusOK, 250*time.Millisecond)
				if r.body != `{"added": 1}` {
					t.Errorf("%s (Envoy %s): body %s, want {\"added\": 1}", c, e.node, r.body)
				}
				if took > 50*time.Millisecond {
					t.Logf("Envoy %s served the change %v after /readyz said 200", e.node, took)
				}
			}
		}},
		{"EnvoyRejectingConfigMakesNotReady", func(t *testing.T) {
			// e3's listener address is taken, so e3 rejects (NACKs) the listener: it is connected but does
			// not serve the newest configuration.
			taken, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer taken.Close()
			offset := tg.out.Len()
			// e3 speaks e1's xDS flavour, so mixing flavours is tested only where it is meant to be (delta+sotw).
			e3 := startEnvoy(t, tg, "e3", taken.Addr().String(), addrs[4], sotw1)
			body := expectReadyz(t, tg, http.StatusServiceUnavailable, "", 10*time.Second)
			if !strings.Contains(body, "e3") {
				t.Errorf("/readyz reason %q does not name the Envoy that is behind (e3)", body)
			}
			line := waitLogLine(t, tg.process, offset, "NACK")
			if !strings.Contains(line, "node=e3") || !strings.Contains(line, "Listener") {
				t.Errorf("the NACK log line does not name node e3 and the Listener type:\n%s", line)
			}
			// The others keep serving meanwhile.
			for _, e := range []*envoyProc{e1, e2} {
				c := get(e, "/added")
				if r := send(t, c); r.status != http.StatusOK {
					t.Errorf("%s (Envoy %s) while e3 is NACKing: got %d %s, want 200", c, e.node, r.status, r.body)
				}
			}
			taken.Close() // e3's stop checks the port is free
			e3.stop(t)
			expectReadyz(t, tg, http.StatusOK, "2 Envoy(s)", 10*time.Second)
		}},
		{"ReadyAfterOneEnvoyLeaves", func(t *testing.T) {
			e2.stop(t)
			// e1 is still connected and up to date: ready, with one Envoy counted.
			expectReadyz(t, tg, http.StatusOK, "1 Envoy(s)", 10*time.Second)
			c := get(e1, "/added")
			if r := send(t, c); r.status != http.StatusOK {
				t.Errorf("%s (Envoy e1) after e2 left: got %d %s, want 200", c, r.status, r.body)
			}
			e1.stop(t)
			expectReadyz(t, tg, http.StatusServiceUnavailable, "no Envoy connected", 10*time.Second)
		}},
	}
	for _, step := range steps {
		if !t.Run(step.name, step.run) {
			return
		}
	}
}

// expectReadyz polls /readyz until it answers status with a reason starting with prefix, and returns the reason;
// the test fails with the last answer otherwise.
func expectReadyz(t *testing.T, tg *tollgate, status int, prefix string, limit time.Duration) string {
	t.Helper()
	var got int
	var body string
	var err error
	if waitFor(limit, func() bool {
		got, body, err = getAdmin(tg.cfg.Admin, "/readyz")
		return err == nil && got == status && strings.HasPrefix(body, prefix)
	}) != nil {
		t.Fatalf("/readyz: want %d %q..., got %d %q (%v) after %v", status, prefix, got, body, err, limit)
	}
	return body
}

// envoyProc is an Envoy the test runs itself on a bootstrap from `tollgate bootstrap`.
type envoyProc struct {
	*process
	node, listen, admin string
	xds                 string // "delta" or "state of the world"
	stopped             bool
}

// startEnvoy writes node's bootstrap (delta xDS unless sotw) into the tollgate's directory and starts Envoy on it.
func startEnvoy(t *testing.T, tg *tollgate, node, listen, admin string, sotw bool) *envoyProc {
	t.Helper()
	args := []string{"bootstrap", "--xds", tg.cfg.XDS, "--node-id", node, "--listen", listen, "--admin", admin}
	wantAPI := `"api_type": "DELTA_GRPC"`
	if sotw {
		args = append(args, "--sotw")
		wantAPI = `"api_type": "GRPC"`
	}
	cmd := exec.Command(tollgateBin, args...)
	cmd.Env = childEnv(tg.dir)
	bootstrap, err := cmd.Output()
	if err != nil {
		t.Fatalf("tollgate %s: %v", strings.Join(args, " "), err)
	}
	if !strings.Contains(string(bootstrap), wantAPI) {
		t.Fatalf("tollgate %s: the bootstrap lacks %s:\n%s", strings.Join(args, " "), wantAPI, bootstrap)
	}
	file := filepath.Join(tg.dir, node+"-bootstrap.json")
	if err := os.WriteFile(file, bootstrap, 0o644); err != nil {
		t.Fatal(err)
	}
	e := &envoyProc{node: node, listen: listen, admin: admin, xds: "delta"}
	if sotw {
		e.xds = "state of the world"
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("Envoy %s output:\n%s", node, e.out.String())
		}
	})
	// --disable-hot-restart: several Envoys on one machine would otherwise contend for the same shared memory.
	e.process = startProcess(t, "Envoy "+node, os.Environ(), envoyBin,
		"-c", file, "--disable-hot-restart", "--log-level", "warn")
	return e
}

// stop terminates the Envoy and checks it is gone and its ports are free.
func (e *envoyProc) stop(t *testing.T) {
	t.Helper()
	if e.stopped {
		return
	}
	e.stopped = true
	e.terminate(t, 10*time.Second)
	if e.err != nil {
		t.Errorf("Envoy %s exited with %v after SIGTERM, want exit status 0", e.node, e.err)
	}
	waitGone(t, "Envoy "+e.node, e.pid(), e.start, 2*time.Second)
	checkPortsReleased(t, e.listen, e.admin)
}

// TestEnvoyOutlivesItsControlPlane: an Envoy of `tollgate serve` keeps serving while Tollgate is gone (restarting,
// say). A method that requires an API key cannot be checked, and gets API Gateway's 500 answer instead of Envoy's
// empty one, never an unchecked admission; throttled methods without a key (one forwarded, one a MOCK) are
// admitted or refused as rateLimit.failureMode says.
func TestEnvoyOutlivesItsControlPlane(t *testing.T) {
	requireEnvoy(t)
	for _, mode := range []string{"open", "closed"} {
		t.Run(mode, func(t *testing.T) { testEnvoyOutlivesItsControlPlane(t, mode) })
	}
}

func testEnvoyOutlivesItsControlPlane(t *testing.T, failureMode string) {
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "p1", APIStages: []planAPIStage{{APIID: "keyed", Stage: "prod"}}, Keys: []string{"k1"}}}
	cfg.RateLimit = &rateLimit{FailureMode: failureMode}
	cfg.APIs = []apiConfig{{ID: "keyed", Definition: "keyed.yaml", Stages: []stageConfig{
		{StageName: "prod", Variables: map[string]string{"backend": backend.addr},
			MethodSettings: map[string]methodSetting{"*/*": {ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 1000}}},
	}}}
	tg := startTollgate(t, "serve", cfg, map[string]string{"keyed.yaml": "apikeys/keyed.yaml"})
	addrs := freeAddrs(t, 2)
	e := startEnvoy(t, tg, "edge", addrs[0], addrs[1], false)
	url := func(path string) string { return "http://" + e.listen + "/restapis/keyed/prod/_user_request_" + path }
	keyed := call{url: url("/pets"), header: http.Header{"X-Api-Key": {aliceKey}}}
	throttled := call{url: url("/open")}
	pollUntil(t, keyed, http.StatusOK, 10*time.Second)
	expectBackend(t, throttled, send(t, throttled), "A", "GET", "/open")

	// Stopped by hand: tollgate's own stop check wants no Envoy of its directory left, and this one stays.
	tg.stopped = true
	tg.process.terminate(t, 10*time.Second)
	r := send(t, keyed)
	expectJSONMessage(t, keyed, r, http.StatusInternalServerError, "Internal server error")
	if got := r.header.Get("x-amzn-ErrorType"); got != "InternalServerErrorException" || r.header.Get("x-amzn-RequestId") == "" {
		t.Errorf("%s: x-amzn-ErrorType %q, x-amzn-RequestId %q; want InternalServerErrorException and a request id", keyed, got, r.header.Get("x-amzn-RequestId"))
	}
	keyedMock := call{url: url("/status"), header: http.Header{"X-Api-Key": {aliceKey}}}
	expectJSONMessage(t, keyedMock, send(t, keyedMock), http.StatusInternalServerError, "Internal server error")
	mock := call{url: url("/ping")}
	if failureMode == "closed" {
		expectJSONMessage(t, throttled, send(t, throttled), http.StatusTooManyRequests, "Too Many Requests")
		expectJSONMessage(t, mock, send(t, mock), http.StatusTooManyRequests, "Too Many Requests")
	} else {
		expectBackend(t, throttled, send(t, throttled), "A", "GET", "/open")
		if r := send(t, mock); r.status != http.StatusOK {
			t.Errorf("%s: %d %s, want the MOCK's 200 (failure mode open)", mock, r.status, r.body)
		}
	}
	e.stop(t)
}
