package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingBackend answers each request with how many it has had: {"path", "call"}; /slow answers after 300 ms,
// and a path ending in /413 with that status.
type countingBackend struct {
	addr  string
	calls atomic.Int64
}

func startCountingBackend(t *testing.T) *countingBackend {
	t.Helper()
	b := &countingBackend{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := b.calls.Add(1)
		if r.URL.Path == "/slow" {
			time.Sleep(300 * time.Millisecond)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Backend", "counting")
		if strings.HasSuffix(r.URL.Path, "/413") {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.RequestURI(), "call": n})
	}))
	t.Cleanup(srv.Close)
	b.addr = srv.Listener.Addr().String()
	return b
}

func cachedStage(backend string) stageConfig {
	return stageConfig{StageName: "prod", Variables: map[string]string{"backend": backend},
		CacheClusterEnabled: true, CacheStatusHeader: "X-Cache",
		MethodSettings: map[string]methodSetting{
			"/short/GET":   {CacheTTLInSeconds: 1},
			"/guarded/GET": {UnauthorizedCacheControlHeaderStrategy: "FAIL_WITH_403"},
			"/quiet/GET":   {UnauthorizedCacheControlHeaderStrategy: "SUCCEED_WITHOUT_RESPONSE_HEADER"},
		}}
}

// TestStageCache: through Envoy, a cached GET is answered without the backend until its TTL, entries are kept
// apart by the cache key, a POST is not cached, a client's Cache-Control: max-age=0 gets the method's strategy,
// a flush empties the stage, and concurrent misses make one backend call.
func TestStageCache(t *testing.T) {
	backend := startCountingBackend(t)
	cfg := newGatewayConfig(t)
	cfg.APIs = []apiConfig{{ID: "cached", Definition: "cached.yaml", Stages: []stageConfig{cachedStage(backend.addr)}}}
	// alice may invalidate the cache, bob only invoke.
	cfg.IAM = &iamConfig{Credentials: []iamCredential{
		{AccessKeyID: "AKIAE2EALICE", SecretAccessKey: "alice-secret", ARN: "arn:aws:iam::123456789012:user/alice",
			Policy: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["execute-api:Invoke", "execute-api:InvalidateCache"], "Resource": "*"}]}`},
		{AccessKeyID: "AKIAE2EBOB", SecretAccessKey: "bob-secret", ARN: "arn:aws:iam::123456789012:user/bob",
			Policy: `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}`},
	}}
	gw := startGateway(t, cfg, map[string]string{"cached.yaml": "cache/cached.yaml"})
	host := "cached." + domain
	get := func(path string, header http.Header) reply {
		t.Helper()
		return send(t, call{method: "GET", url: gw.url(path), host: host, header: header})
	}
	expect := func(r reply, status int, cache string, calls int64) {
		t.Helper()
		if r.status != status || r.header.Get("X-Cache") != cache || backend.calls.Load() != calls {
			t.Errorf("got %d, X-Cache %q, backend called %d times; want %d, %q, %d (%s)", r.status, r.header.Get("X-Cache"), backend.calls.Load(), status, cache, calls, r.body)
		}
	}

	first := get("/prod/items/1", nil)
	expect(first, 200, "Miss", 1)
	hit := get("/prod/items/1", nil)
	expect(hit, 200, "Hit", 1)
	if hit.body != first.body || hit.header.Get("Content-Type") != "application/json" || hit.header.Get("X-Backend") != "counting" {
		t.Errorf("a hit: %s %v; want the first response's body and headers", hit.body, hit.header)
	}
	if hit.header.Get("x-amzn-RequestId") == first.header.Get("x-amzn-RequestId") {
		t.Error("a hit carries the first response's request id")
	}

	t.Run("key parameters", func(t *testing.T) {
		calls := backend.calls.Load()
		expect(get("/prod/items/1?kind=a", nil), 200, "Miss", calls+1)
		expect(get("/prod/items/1?kind=b", nil), 200, "Miss", calls+2)
		expect(get("/prod/items/1?kind=a&page=3", nil), 200, "Hit", calls+2)
		expect(get("/prod/items/2?kind=a", nil), 200, "Miss", calls+3)
	})

	t.Run("a kept 4xx is the backend's, not a gateway response", func(t *testing.T) {
		calls := backend.calls.Load()
		first := get("/prod/items/413", nil)
		expect(first, 413, "Miss", calls+1)
		r := get("/prod/items/413", nil)
		expect(r, 413, "Hit", calls+1)
		if r.body != first.body || r.header.Get("x-amzn-ErrorType") != "" {
			t.Errorf("a kept 413: %s %v; want the backend's answer as it was", r.body, r.header)
		}
	})

	t.Run("POST is not cached", func(t *testing.T) {
		calls := backend.calls.Load()
		for i := range 2 {
			r := send(t, call{method: "POST", url: gw.url("/prod/items/1"), host: host, body: "{}"})
			if r.status != 200 || r.header.Get("X-Cache") != "" || backend.calls.Load() != calls+int64(i)+1 {
				t.Errorf("POST %d: %d, X-Cache %q, %d calls", i+1, r.status, r.header.Get("X-Cache"), backend.calls.Load()-calls)
			}
		}
	})

	t.Run("TTL", func(t *testing.T) {
		calls := backend.calls.Load()
		expect(get("/prod/short", nil), 200, "Miss", calls+1)
		expect(get("/prod/short", nil), 200, "Hit", calls+1)
		time.Sleep(1100 * time.Millisecond)
		expect(get("/prod/short", nil), 200, "Miss", calls+2)
	})

	t.Run("Cache-Control: max-age=0 without authorization", func(t *testing.T) {
		calls := backend.calls.Load()
		r := get("/prod/items/1", http.Header{"Cache-Control": {"max-age=0"}})
		expect(r, 200, "Hit", calls)
		if r.header.Get("Warning") == "" {
			t.Error("SUCCEED_WITH_RESPONSE_HEADER: no warning header")
		}
		get("/prod/quiet", nil)
		r = get("/prod/quiet", http.Header{"Cache-Control": {"max-age=0"}})
		if r.header.Get("X-Cache") != "Hit" || r.header.Get("Warning") != "" {
			t.Errorf("SUCCEED_WITHOUT_RESPONSE_HEADER: %q, warning %q; want a hit, no warning", r.header.Get("X-Cache"), r.header.Get("Warning"))
		}
		get("/prod/guarded", nil)
		r = get("/prod/guarded", http.Header{"Cache-Control": {"max-age=0"}})
		// ACCESS_DENIED's body, which names its message "Message" as AWS's does.
		if r.status != http.StatusForbidden || r.body != `{"Message":"User is not authorized to access this resource"}` || r.header.Get("x-amzn-ErrorType") != "AccessDeniedException" {
			t.Errorf("FAIL_WITH_403: %d %s %v", r.status, r.body, r.header)
		}
	})

	t.Run("Cache-Control: max-age=0 by IAM callers", func(t *testing.T) {
		signed := func(key, secret string, headers ...[2]string) reply {
			return sendSigned(t, gw, host, "GET", "/prod/signed", "", key, secret, headers...)
		}
		calls := backend.calls.Load()
		expect(signed("AKIAE2EBOB", "bob-secret"), 200, "Miss", calls+1)
		expect(signed("AKIAE2EBOB", "bob-secret"), 200, "Hit", calls+1)
		r := signed("AKIAE2EBOB", "bob-secret", [2]string{"Cache-Control", "max-age=0"})
		expect(r, 200, "Hit", calls+1)
		if r.header.Get("Warning") == "" {
			t.Error("bob's invalidation, which his policy does not allow: no warning")
		}
		expect(signed("AKIAE2EALICE", "alice-secret", [2]string{"Cache-Control", "max-age=0"}), 200, "Miss", calls+2)
		r = signed("AKIAE2EBOB", "bob-secret")
		expect(r, 200, "Hit", calls+2)
		if !strings.Contains(r.body, fmt.Sprintf(`"call":%d`, calls+2)) {
			t.Errorf("after alice's refresh bob gets %s, want the refreshed response", r.body)
		}
	})

	t.Run("flush", func(t *testing.T) {
		req, _ := http.NewRequest("DELETE", "http://"+gw.cfg.Admin+"/restapis/cached/stages/prod/cache/data", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Errorf("FlushStageCache: %d, want 202", resp.StatusCode)
		}
		calls := backend.calls.Load()
		expect(get("/prod/items/1", nil), 200, "Miss", calls+1)
	})

	t.Run("concurrent misses coalesce", func(t *testing.T) {
		calls := backend.calls.Load()
		var wg sync.WaitGroup
		var hits atomic.Int32
		for range 6 {
			wg.Go(func() {
				r, err := trySend(call{method: "GET", url: gw.url("/prod/slow"), host: host})
				if err != nil || r.status != 200 {
					t.Errorf("%d %v", r.status, err)
				}
				if r.header.Get("X-Cache") == "Hit" {
					hits.Add(1)
				}
			})
		}
		wg.Wait()
		if n := backend.calls.Load() - calls; n != 1 || hits.Load() != 5 {
			t.Errorf("6 concurrent requests: %d backend calls, %d hits; want 1 and 5", n, hits.Load())
		}
	})
}

// TestStageCacheSharedThroughRedis: two gateways on one Redis serve each other's entries; with Redis killed they
// serve from the backend, without an error or a wait, and say so once.
func TestStageCacheSharedThroughRedis(t *testing.T) {
	addr := freeAddrs(t, 1)[0]
	redis := runRedisServer(t, addr)
	backend := startCountingBackend(t)
	var gws []*tollgate
	for range 2 {
		cfg := newGatewayConfig(t)
		cfg.Redis = "redis://" + addr + "/0"
		cfg.APIs = []apiConfig{{ID: "cached", Definition: "cached.yaml", Stages: []stageConfig{cachedStage(backend.addr)}}}
		gws = append(gws, startGateway(t, cfg, map[string]string{"cached.yaml": "cache/cached.yaml"}))
	}
	host := "cached." + domain
	get := func(gw *tollgate, path string) reply {
		t.Helper()
		return send(t, call{method: "GET", url: gw.url(path), host: host})
	}
	if r := get(gws[0], "/prod/items/7"); r.header.Get("X-Cache") != "Miss" {
		t.Fatalf("first, on one gateway: %d %q", r.status, r.header.Get("X-Cache"))
	}
	if r := get(gws[1], "/prod/items/7"); r.header.Get("X-Cache") != "Hit" || backend.calls.Load() != 1 {
		t.Errorf("the same request on the other gateway: %q, %d backend calls; want its entry", r.header.Get("X-Cache"), backend.calls.Load())
	}

	redis.terminate(t, 5*time.Second)
	for i := range 3 {
		start := time.Now()
		r := get(gws[1], "/prod/items/7")
		if r.status != 200 || r.header.Get("X-Cache") != "Miss" || time.Since(start) > 2*time.Second {
			t.Errorf("request %d with Redis down: %d %q after %s; want the backend's answer at once", i+1, r.status, r.header.Get("X-Cache"), time.Since(start))
		}
	}
	if n := strings.Count(gws[1].out.String(), "the stage caches serve nothing"); n != 1 {
		t.Errorf("the outage was logged %d times, want once", n)
	}
	runRedisServer(t, addr)
	deadline := time.Now().Add(10 * time.Second)
	for {
		get(gws[0], "/prod/items/8")
		if r := get(gws[1], "/prod/items/8"); r.header.Get("X-Cache") == "Hit" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the gateways do not share entries again after Redis came back")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
