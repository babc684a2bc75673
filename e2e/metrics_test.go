package e2e

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMetrics sends a known mix of answers through Envoy (hits and a miss of the stage cache, a backend's 5xx, a
// path no method has, throttled requests) and reads API Gateway's metrics from /metrics as Envoy's access log
// stream made them: the exact counts, by API and stage, and by resource and method where detailed metrics are on.
func TestMetrics(t *testing.T) {
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	off := false
	cfg.APIs = []apiConfig{{ID: "metered", Definition: "metrics.yaml", Stages: []stageConfig{{StageName: "prod",
		Variables: map[string]string{"backend": backend.addr}, CacheClusterEnabled: true,
		MethodSettings: map[string]methodSetting{
			"/pets/GET":    {MetricsEnabled: true},
			"/limited/GET": {ThrottlingRateLimit: 0.001, ThrottlingBurstLimit: 1, CachingEnabled: &off},
		}}}}}
	gw := startGateway(t, cfg, map[string]string{"metrics.yaml": "metrics/metrics.yaml"})
	host := "metered." + domain
	sendAll := func(n int, c call, want int) {
		t.Helper()
		for i := range n {
			if r := send(t, c); r.status != want {
				t.Fatalf("%s, request %d: %d %s, want %d", c, i+1, r.status, r.body, want)
			}
		}
	}
	sendAll(3, call{method: "GET", url: gw.url("/prod/pets"), host: host}, 200)
	sendAll(2, call{method: "POST", url: gw.url("/prod/pets"), host: host, header: http.Header{"X-Echo-Status": {"500"}}, body: "{}"}, 500)
	sendAll(2, call{method: "GET", url: gw.url("/prod/nowhere"), host: host}, 403)
	sendAll(1, call{method: "GET", url: gw.url("/prod/limited"), host: host}, 200)
	sendAll(2, call{method: "GET", url: gw.url("/prod/limited"), host: host}, 429)

	api := `api_id="metered"`
	detailed := `resource="/pets",method="GET"`
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, text, _ = getAdmin(gw.cfg.Admin, "/metrics")
		if metricSum(text, "apigateway_requests_total", api) == 10 || time.Now().After(deadline) {
			break
		}
	}
	for _, tt := range []struct {
		metric, filter string
		want           float64
	}{
		{"apigateway_requests_total", api, 10},
		{"apigateway_requests_total", detailed, 3},
		{"apigateway_4xx_errors_total", api, 4},
		{"apigateway_5xx_errors_total", api, 2},
		{"apigateway_cache_hits_total", detailed, 2},
		{"apigateway_cache_misses_total", api, 1},
		{"apigateway_throttled_requests_total", api, 2},
		{"apigateway_latency_seconds_count", api, 10},
		// The integration was called by the miss, the POSTs and the admitted GET of /limited.
		{"apigateway_integration_latency_seconds_count", api, 4},
		{"apigateway_integration_latency_seconds_count", detailed, 1},
	} {
		if got := metricSum(text, tt.metric, tt.filter); got != tt.want {
			t.Errorf("%s{%s} = %v, want %v", tt.metric, tt.filter, got, tt.want)
		}
	}
	// DataProcessed is the bytes the client sent and received, as on the wire: one request written and its answer
	// read on a connection of the test's own.
	stage := api + `,resource="",method=""`
	before, requests := metricSum(text, "apigateway_data_processed_bytes_total", stage), metricSum(text, "apigateway_requests_total", stage)
	target, _ := url.Parse(gw.url("/"))
	conn, err := net.Dial("tcp", target.Host)
	if err != nil {
		t.Fatal(err)
	}
	request := "GET /prod/nowhere HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	answer, err := io.ReadAll(conn)
	conn.Close()
	if err != nil || !strings.HasPrefix(string(answer), "HTTP/1.1 403") {
		t.Fatalf("the raw request: %q, %v", answer, err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, text, _ = getAdmin(gw.cfg.Admin, "/metrics")
		if metricSum(text, "apigateway_requests_total", stage) == requests+1 || time.Now().After(deadline) {
			break
		}
	}
	if got := metricSum(text, "apigateway_data_processed_bytes_total", stage) - before; got != float64(len(request)+len(answer)) {
		t.Errorf("data processed by one request: %v bytes, want %d sent and %d received", got, len(request), len(answer))
	}
	if !strings.Contains(text, `api_name="Metered"`) || !strings.Contains(text, `api_type="REST"`) {
		t.Errorf("the series do not name the API:\n%s", grepLines(text, "apigateway_requests_total"))
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", grepLines(text, "apigateway_"))
	}
}

// metricSum adds the values of a metric's series whose labels contain every comma-separated part of filter.
func metricSum(text, metric, filter string) float64 {
	var sum float64
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, metric+"{") {
			continue
		}
		labels, value, _ := strings.Cut(line[len(metric):], "} ")
		match := true
		for _, part := range strings.Split(filter, ",") {
			match = match && strings.Contains(labels, part)
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil && match {
			sum += v
		}
	}
	return sum
}

// grepLines are the lines of text that start with prefix.
func grepLines(text, prefix string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, prefix) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

// TestMetricsFromTwoEnvoys: two Envoys on one control plane (`tollgate serve`) stream their requests to it, and
// each series names the Envoy that served it.
func TestMetricsFromTwoEnvoys(t *testing.T) {
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.APIs = []apiConfig{{ID: "metered", Definition: "metrics.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}}}}}
	tg := startTollgate(t, "serve", cfg, map[string]string{"metrics.yaml": "metrics/metrics.yaml"})
	addrs := freeAddrs(t, 4)
	edges := []*envoyProc{startEnvoy(t, tg, "edge-a", addrs[0], addrs[1], false), startEnvoy(t, tg, "edge-b", addrs[2], addrs[3], false)}
	want := map[string]float64{}
	for i, e := range edges {
		waitListening(t, e.listen, 20*time.Second)
		c := call{url: "http://" + e.listen + "/prod/pets", host: "metered." + domain}
		// Until the Envoy has the routes it answers 404 itself, for no API; then the API's 200s, which count.
		pollUntil(t, c, http.StatusOK, 10*time.Second)
		for range 2 + i {
			if r := send(t, c); r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", e.node, r.status, r.body)
			}
		}
		want[e.node] = float64(3 + i)
	}
	var text string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, text, _ = getAdmin(tg.cfg.Admin, "/metrics")
		if metricSum(text, "apigateway_requests_total", `node="edge-a"`) == want["edge-a"] && metricSum(text, "apigateway_requests_total", `node="edge-b"`) == want["edge-b"] || time.Now().After(deadline) {
			break
		}
	}
	for node, n := range want {
		if got := metricSum(text, "apigateway_requests_total", `api_id="metered",node="`+node+`"`); got != n {
			t.Errorf("requests from %s: %v, want %v", node, got, n)
		}
	}
}
