package e2e

import (
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type methodSetting struct {
	ThrottlingRateLimit  float64 `yaml:"throttlingRateLimit,omitempty"`
	ThrottlingBurstLimit int     `yaml:"throttlingBurstLimit,omitempty"`
	// The method's caching (see cache_test.go).
	CachingEnabled                         *bool  `yaml:"cachingEnabled,omitempty"`
	CacheTTLInSeconds                      int    `yaml:"cacheTtlInSeconds,omitempty"`
	UnauthorizedCacheControlHeaderStrategy string `yaml:"unauthorizedCacheControlHeaderStrategy,omitempty"`
	// MetricsEnabled: the method's detailed metrics (see metrics_test.go).
	MetricsEnabled bool `yaml:"metricsEnabled,omitempty"`
}

type throttle struct {
	RateLimit  float64 `yaml:"rateLimit"`
	BurstLimit int     `yaml:"burstLimit"`
}

type quota struct {
	Limit  int64  `yaml:"limit"`
	Period string `yaml:"period"`
}

// TestThrottlingAndQuotas checks stage and usage plan limits (in memory), decided by Tollgate's rate-limit service
// for a method without a key and by the key check for methods that require one: API Gateway's 429 bodies,
// token-bucket admission, and quotas.
func TestThrottlingAndQuotas(t *testing.T) {
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.APIKeys = []apiKey{
		{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true},
		{ID: "k3", Name: "carol", Value: carolKey, Enabled: true},
	}
	cfg.UsagePlans = []usagePlan{
		{ID: "quota", APIStages: []planAPIStage{{APIID: "keyed", Stage: "prod"}}, Keys: []string{"k1"}, Quota: &quota{Limit: 3, Period: "DAY"}},
		{ID: "fast", APIStages: []planAPIStage{{APIID: "keyed", Stage: "dev"}}, Keys: []string{"k3"}, Throttle: &throttle{RateLimit: 50, BurstLimit: 10}},
	}
	cfg.APIs = []apiConfig{{ID: "keyed", Definition: "keyed.yaml", Stages: []stageConfig{
		{StageName: "prod", Variables: map[string]string{"backend": backend.addr},
			MethodSettings: map[string]methodSetting{
				"/open/GET": {ThrottlingRateLimit: 0.001, ThrottlingBurstLimit: 2},
				"/ping/GET": {ThrottlingRateLimit: 0.001, ThrottlingBurstLimit: 1},
			}},
		{StageName: "dev", Variables: map[string]string{"backend": backend.addr}},
	}}}
	gw := startGateway(t, cfg, map[string]string{"keyed.yaml": "apikeys/keyed.yaml"})
	host := "keyed." + domain

	t.Run("StageMethodThrottle", func(t *testing.T) {
		c := call{method: "GET", url: gw.url("/prod/open"), host: host}
		for i := 0; i < 2; i++ {
			if r := send(t, c); r.status != http.StatusOK {
				t.Fatalf("request %d within the burst: %d %s", i+1, r.status, r.body)
			}
		}
		r := send(t, c)
		expectJSONMessage(t, c, r, http.StatusTooManyRequests, "Too Many Requests")
		if got := r.header.Get("x-amzn-ErrorType"); got != "TooManyRequestsException" {
			t.Errorf("x-amzn-ErrorType = %q", got)
		}
	})

	// A MOCK is throttled as any method is, though Envoy answers it itself.
	t.Run("MockThrottle", func(t *testing.T) {
		c := call{method: "GET", url: gw.url("/prod/ping"), host: host}
		if r := send(t, c); r.status != http.StatusOK {
			t.Fatalf("request within the burst: %d %s", r.status, r.body)
		}
		expectJSONMessage(t, c, send(t, c), http.StatusTooManyRequests, "Too Many Requests")
	})

	t.Run("Quota", func(t *testing.T) {
		c := call{method: "GET", url: gw.url("/prod/pets"), host: host, header: http.Header{"X-Api-Key": {aliceKey}}}
		// The quota counts the key's requests to every method of the plan's stages, a MOCK's too.
		mock := call{method: "GET", url: gw.url("/prod/status"), host: host, header: http.Header{"X-Api-Key": {aliceKey}}}
		for i, req := range []call{c, mock, c} {
			if r := send(t, req); r.status != http.StatusOK {
				t.Fatalf("request %d within the quota: %d %s", i+1, r.status, r.body)
			}
		}
		for _, req := range []call{c, mock} {
			r := send(t, req)
			expectJSONMessage(t, req, r, http.StatusTooManyRequests, "Limit Exceeded")
			if got := r.header.Get("x-amzn-ErrorType"); got != "LimitExceededException" {
				t.Errorf("%s: x-amzn-ErrorType = %q", req.url, got)
			}
		}
		// The usage report counts the three admitted requests and leaves nothing of the quota.
		today := time.Now().UTC().Format(time.DateOnly)
		status, body, err := getAdmin(gw.cfg.Admin, "/usageplans/quota/usage?keyId=k1&startDate="+today+"&endDate="+today)
		want := `{"usagePlanId":"quota","startDate":"` + today + `","endDate":"` + today + `","values":{"k1":[[3,0]]}}`
		if err != nil || status != http.StatusOK || strings.TrimSpace(body) != want {
			t.Errorf("usage report: %d %s (%v), want 200 %s", status, body, err, want)
		}
	})

	// A 5 s run of concurrent clients against a plan of rate 50, burst 10 admits 50×5+10 requests, within 10 %.
	t.Run("TokenBucketUnderLoad", func(t *testing.T) {
		c := call{method: "GET", url: gw.url("/dev/pets"), host: host, header: http.Header{"X-Api-Key": {carolKey}}}
		var admitted, throttled, other atomic.Int64
		deadline := time.Now().Add(5 * time.Second)
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					r, err := trySend(c)
					switch {
					case err != nil:
						other.Add(1)
					case r.status == http.StatusOK:
						admitted.Add(1)
					case r.status == http.StatusTooManyRequests:
						throttled.Add(1)
					default:
						other.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		want := 50.0*5 + 10
		got := float64(admitted.Load())
		t.Logf("admitted %d, throttled %d, other %d", admitted.Load(), throttled.Load(), other.Load())
		if got < want*0.9 || got > want*1.1 {
			t.Errorf("admitted %v requests in 5 s, want %v ± 10 %%", got, want)
		}
		if other.Load() > 0 || throttled.Load() == 0 {
			t.Errorf("throttled %d, other answers %d: want throttling and nothing else", throttled.Load(), other.Load())
		}
	})
}

// TestQuotaSurvivesRestartWithRedis: with Redis configured, a usage plan's quota count outlives the Tollgate that
// counted it.
func TestQuotaSurvivesRestartWithRedis(t *testing.T) {
	redisAddr := startRedisServer(t)
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.Redis = "redis://" + redisAddr + "/0"
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "quota", APIStages: []planAPIStage{{APIID: "keyed", Stage: "prod"}}, Keys: []string{"k1"}, Quota: &quota{Limit: 3, Period: "MONTH"}}}
	cfg.APIs = []apiConfig{{ID: "keyed", Definition: "keyed.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}}}}}
	defs := map[string]string{"keyed.yaml": "apikeys/keyed.yaml"}
	host := "keyed." + domain

	first := startGateway(t, cfg, defs)
	c := call{method: "GET", url: first.url("/prod/pets"), host: host, header: http.Header{"X-Api-Key": {aliceKey}}}
	for i := 0; i < 2; i++ {
		if r := send(t, c); r.status != http.StatusOK {
			t.Fatalf("request %d: %d %s", i+1, r.status, r.body)
		}
	}
	first.stop(t)

	startGateway(t, cfg, defs)
	if r := send(t, c); r.status != http.StatusOK {
		t.Fatalf("third request, after the restart: %d %s", r.status, r.body)
	}
	r := send(t, c)
	expectJSONMessage(t, c, r, http.StatusTooManyRequests, "Limit Exceeded")
}

// startRedisServer runs Debian's redis-server on a free loopback port for the test.
func startRedisServer(t *testing.T) string {
	t.Helper()
	addr := freeAddrs(t, 1)[0]
	runRedisServer(t, addr)
	return addr
}

// runRedisServer runs redis-server on addr (again, after an outage) and waits until it listens.
func runRedisServer(t *testing.T, addr string) *process {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("this test needs redis-server (make tools installs it): %v", err)
	}
	p := startProcess(t, "redis-server", childEnv(t.TempDir()), bin, "--port", portOf(addr), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server is not listening on %s", addr)
		}
	}
}

// TestRedisOutageThroughEnvoy: with Redis gone, a keyed method's limits follow rateLimit.failureMode through
// Envoy (open admits, closed answers API Gateway's 429), the outage is logged once however many requests meet
// it, and requests are decided again once Redis is back.
func TestRedisOutageThroughEnvoy(t *testing.T) {
	for _, mode := range []string{"open", "closed"} {
		t.Run(mode, func(t *testing.T) { testRedisOutageThroughEnvoy(t, mode) })
	}
}

func testRedisOutageThroughEnvoy(t *testing.T, failureMode string) {
	addr := freeAddrs(t, 1)[0]
	redis := runRedisServer(t, addr)
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.Redis = "redis://" + addr + "/0"
	cfg.RateLimit = &rateLimit{FailureMode: failureMode}
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "p1", APIStages: []planAPIStage{{APIID: "keyed", Stage: "prod"}}, Keys: []string{"k1"},
		Quota: &quota{Limit: 1000, Period: "DAY"}}}
	cfg.APIs = []apiConfig{{ID: "keyed", Definition: "keyed.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}}}}}
	gw := startGateway(t, cfg, map[string]string{"keyed.yaml": "apikeys/keyed.yaml"})
	c := call{method: "GET", url: gw.url("/prod/pets"), host: "keyed." + domain, header: http.Header{"X-Api-Key": {aliceKey}}}
	expectBackend(t, c, send(t, c), "A", "GET", "/pets")

	redis.terminate(t, 5*time.Second)
	for i := 0; i < 3; i++ {
		r := send(t, c)
		if failureMode == "closed" {
			expectJSONMessage(t, c, r, http.StatusTooManyRequests, "Too Many Requests")
		} else {
			expectBackend(t, c, r, "A", "GET", "/pets")
		}
	}
	if n := strings.Count(gw.out.String(), "Redis is unavailable"); n != 1 {
		t.Errorf("the outage was logged %d times over 3 requests, want once", n)
	}

	runRedisServer(t, addr)
	pollUntil(t, c, http.StatusOK, 10*time.Second)
	waitLogLine(t, gw.process, 0, "Redis is available again")
}
