package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// TestDashboard opens /dashboard in a real browser (headless Chromium) while one stage is under load and another
// has served a known mix of answers, and reads the charts' data from the page's DOM: the exact counts of the
// known stage, a rate on the loaded one, the quota use of the key, and the Envoy on the newest configuration.
// The screenshot is kept among the test's artifacts (go test -artifacts).
func TestDashboard(t *testing.T) {
	browser := requireChromium(t)
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	off := false
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "gold", APIStages: []planAPIStage{{APIID: "shop", Stage: "prod"}}, Keys: []string{"k1"},
		Quota: &quota{Limit: 5, Period: "DAY"}}}
	vars := map[string]string{"backend": backend.addr}
	cfg.APIs = []apiConfig{{ID: "shop", Definition: "shop.yaml", Stages: []stageConfig{
		{StageName: "prod", Variables: vars, CacheClusterEnabled: true, MethodSettings: map[string]methodSetting{
			"/orders/GET":  {CachingEnabled: &off},
			"/limited/GET": {ThrottlingRateLimit: 0.001, ThrottlingBurstLimit: 1, CachingEnabled: &off},
		}},
		{StageName: "load", Variables: vars},
	}}}
	gw := startGateway(t, cfg, map[string]string{"shop.yaml": "dashboard/shop.yaml"})
	host := "shop." + domain

	// The known mix on prod: 14 requests, 5 of them 4xx (3 to a path no method has, 2 throttled), 2 5xx, 3 cache
	// hits of 4 lookups, 2 counted against the key's quota.
	mix := []struct {
		n    int
		c    call
		want int
	}{
		{4, call{method: "GET", url: gw.url("/prod/pets"), host: host}, 200},
		{2, call{method: "POST", url: gw.url("/prod/pets"), host: host, header: http.Header{"X-Echo-Status": {"500"}}, body: "{}"}, 500},
		{3, call{method: "GET", url: gw.url("/prod/nowhere"), host: host}, 403},
		{2, call{method: "GET", url: gw.url("/prod/orders"), host: host, header: http.Header{"X-Api-Key": {aliceKey}}}, 200},
		{1, call{method: "GET", url: gw.url("/prod/limited"), host: host}, 200},
		{2, call{method: "GET", url: gw.url("/prod/limited"), host: host}, 429},
	}
	for _, m := range mix {
		for i := range m.n {
			if r := send(t, m.c); r.status != m.want {
				t.Fatalf("%s, request %d: %d %s, want %d", m.c, i+1, r.status, r.body, m.want)
			}
		}
	}

	// Load on the other stage until the page has been read.
	ctx, stopLoad := context.WithCancel(context.Background())
	var load sync.WaitGroup
	load.Go(func() {
		for ctx.Err() == nil {
			if _, err := trySend(call{method: "GET", url: gw.url("/load/pets"), host: host}); err != nil && ctx.Err() == nil {
				t.Errorf("load: %v", err)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	defer func() { stopLoad(); load.Wait() }()

	// The samples hold the mix once the access log stream has brought it and an interval has passed.
	var body string
	err := waitFor(15*time.Second, func() bool {
		var err error
		_, body, err = getAdmin(gw.cfg.Admin, "/dashboard/data")
		var d struct {
			Stages []struct {
				Stage   string
				Samples []struct{ Counts map[string]float64 }
			}
		}
		if err != nil || json.Unmarshal([]byte(body), &d) != nil {
			return false
		}
		for _, st := range d.Stages {
			total := 0.0
			for _, s := range st.Samples {
				total += s.Counts["requests"]
			}
			if st.Stage == "prod" && total == 14 {
				return true
			}
		}
		return false
	})
	if err != nil {
		t.Fatalf("the dashboard's data never counted the 14 requests to prod: %v\n%s", err, body)
	}
	time.Sleep(3 * time.Second) // a few samples of the load

	url := "http://" + gw.cfg.Admin + "/dashboard"
	dom := runChromium(t, browser, "--dump-dom", url)
	doc, err := html.Parse(strings.NewReader(dom))
	if err != nil {
		t.Fatal(err)
	}
	if find(doc, attrIs("data-loaded", "true")) == nil {
		t.Fatalf("the page did not load its data:\n%s", dom)
	}
	prod := find(doc, attrIs("data-api", "shop"), attrIs("data-stage", "prod"))
	loaded := find(doc, attrIs("data-api", "shop"), attrIs("data-stage", "load"))
	if prod == nil || loaded == nil {
		t.Fatalf("the page has no card for shop's prod and load stages:\n%s", dom)
	}
	series := func(stage *html.Node, chart, name string) *html.Node {
		t.Helper()
		fig := find(stage, attrIs("data-chart", chart))
		if fig == nil {
			t.Fatalf("no %s chart", chart)
		}
		line := find(fig, attrIs("data-series", name))
		if line == nil {
			t.Fatalf("the %s chart draws no %s", chart, name)
		}
		return line
	}
	for _, tt := range []struct{ chart, series, total string }{
		{"requests", "requests", "14"},
		{"errors", "4xx", "5"},
		{"errors", "5xx", "2"},
		{"throttled", "throttled", "2"},
		{"throttled", "quotaExceeded", "0"},
	} {
		if got := attr(series(prod, tt.chart, tt.series), "data-total"); got != tt.total {
			t.Errorf("prod's %s chart: %s total %s, want %s", tt.chart, tt.series, got, tt.total)
		}
	}
	cache := find(prod, attrIs("data-chart", "cache"))
	if hits, lookups := attr(cache, "data-hits"), attr(cache, "data-lookups"); hits != "3" || lookups != "4" {
		t.Errorf("prod's cache chart: %s hits of %s lookups, want 3 of 4", hits, lookups)
	}
	if p99, err := strconv.ParseFloat(attr(series(prod, "latency", "latency.p99"), "data-last"), 64); err != nil || p99 <= 0 {
		t.Errorf("prod's latency chart: p99 %q, want a latency", attr(series(prod, "latency", "latency.p99"), "data-last"))
	}
	rate := series(loaded, "requests", "requests")
	if last, err := strconv.ParseFloat(attr(rate, "data-last"), 64); err != nil || last <= 0 {
		t.Errorf("the loaded stage's request rate is %q, want above 0", attr(rate, "data-last"))
	}
	if n, _ := strconv.Atoi(attr(rate, "data-points")); n < 2 {
		t.Errorf("the loaded stage's request chart has %d points, want a line", n)
	}
	if q := find(doc, attrIs("data-plan", "gold"), attrIs("data-key", "k1")); q == nil || attr(q, "data-used") != "2" || attr(q, "data-limit") != "5" {
		t.Errorf("quota of k1 under gold: %v, want 2 of 5 used", q)
	}
	var routes []string
	walk(prod, func(n *html.Node) {
		if attr(n, "class") == "route" {
			routes = append(routes, text(n))
		}
	})
	if want := []string{"GET /limited HTTP_PROXY", "GET /orders HTTP_PROXY", "GET /pets HTTP_PROXY", "POST /pets HTTP_PROXY"}; strings.Join(routes, "|") != strings.Join(want, "|") {
		t.Errorf("prod's routes: %q, want %q", routes, want)
	}
	if e := find(doc, attrIs("class", "envoy")); e == nil || attr(e, "data-current") != "true" {
		t.Errorf("the Envoy is not shown on the newest configuration: %v", e)
	}

	shot := filepath.Join(t.ArtifactDir(), "dashboard.png")
	runChromium(t, browser, "--screenshot="+shot, "--window-size=1400,1500", url)
	if info, err := os.Stat(shot); err != nil || info.Size() < 10_000 {
		t.Errorf("no screenshot at %s: %v", shot, err)
	}
	t.Logf("screenshot: %s", shot)
}

// requireChromium is Debian's Chromium (make tools installs it), or TOLLGATE_CHROMIUM.
func requireChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TOLLGATE_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("this test needs a real browser and none was found (set TOLLGATE_CHROMIUM or run `make tools`): %v", err)
	}
	return p
}

// runChromium runs headless Chromium on url until the page's scripts have settled, and returns its output.
func runChromium(t *testing.T, browser string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
		"--user-data-dir=" + t.TempDir(), "--virtual-time-budget=5000"}, args...)
	cmd := exec.CommandContext(ctx, browser, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// find is the first node under n (n included) that every match accepts.
func find(n *html.Node, match ...func(*html.Node) bool) *html.Node {
	var found *html.Node
	walk(n, func(c *html.Node) {
		if found != nil {
			return
		}
		for _, m := range match {
			if !m(c) {
				return
			}
		}
		found = c
	})
	return found
}

func walk(n *html.Node, visit func(*html.Node)) {
	visit(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, visit)
	}
}

func attrIs(name, value string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, name) == value }
}

func attr(n *html.Node, name string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// text is the text under n, as the page shows it.
func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return strings.TrimSpace(b.String())
}
