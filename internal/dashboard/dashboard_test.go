package dashboard

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/metrics"
	"github.com/tollgate-gw/tollgate/internal/metricslog"
	"github.com/tollgate-gw/tollgate/ratelimit"
	"github.com/tollgate-gw/tollgate/xds/server"
)

func TestQuantile(t *testing.T) {
	bounds := []float64{0.001, 0.01, 0.1, 1}
	for _, tt := range []struct {
		name string
		q    float64
		cum  []float64
		want float64
		ok   bool
	}{
		{"no observations", 0.5, []float64{0, 0, 0, 0, 0}, 0, false},
		{"no buckets", 0.5, nil, 0, false},
		{"all in the first bucket", 0.5, []float64{10, 10, 10, 10, 10}, 0.0005, true},
		{"interpolated in the second", 0.5, []float64{0, 10, 10, 10, 10}, 0.0055, true},
		{"p99 in the third", 0.99, []float64{50, 90, 100, 100, 100}, 0.01 + 0.09*0.9, true},
		{"above the last bound", 0.99, []float64{0, 0, 0, 0, 10}, 1, true},
	} {
		got, ok := quantile(tt.q, bounds, tt.cum)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%s: quantile = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// request is a request to the pets API's prod stage as an Envoy's metrics log line tells it.
func request(status int, latency time.Duration) *metricslog.Entry {
	return &metricslog.Entry{Route: "pets/prod/GET/pets", Status: status, Latency: latency}
}

func TestSamplesCountEachInterval(t *testing.T) {
	m := metrics.New()
	snap := &ir.Snapshot{Metrics: true, APIs: []ir.API{{ID: "pets", Name: "Pet Store", Routes: []*ir.Route{
		{Name: "pets/prod/GET/pets", Method: ir.Method{APIID: "pets", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"}, Mock: &ir.Mock{}},
		{Name: "pets/prod/ANY/pets", Method: ir.Method{APIID: "pets", Stage: "prod", Resource: "/pets", HTTPMethod: "ANY"}, GatewayResponse: "MISSING_AUTHENTICATION_TOKEN"},
	}}}}
	m.SetSnapshot(snap)
	d := New(Sources{
		Metrics: m.Gatherer(),
		Quotas:  func(context.Context) ([]ratelimit.QuotaUse, error) { return nil, nil },
		Envoys:  func() []server.EnvoyStatus { return []server.EnvoyStatus{{Node: "edge-1", Current: true}} },
		Ready:   func() (bool, string) { return true, "1 Envoy(s) serving the newest configuration" },
	}, slog.Default())
	d.SetSnapshot(snap)

	start := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	d.Sample(start) // nothing served yet
	for i := 0; i < 3; i++ {
		m.Record("edge-1", request(200, 4*time.Millisecond))
	}
	m.Record("edge-1", request(502, 40*time.Millisecond))
	d.Sample(start.Add(Interval))
	m.Record("edge-1", request(404, time.Millisecond))
	d.Sample(start.Add(2 * Interval))
	d.Sample(start.Add(3 * Interval)) // an interval with no request

	rec := httptest.NewRecorder()
	d.Data().ServeHTTP(rec, httptest.NewRequest("GET", "/dashboard/data", nil))
	var got Data
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Stages) != 1 {
		t.Fatalf("stages = %+v, want pets/prod alone", got.Stages)
	}
	st := got.Stages[0]
	if st.APIName != "Pet Store" || st.APIType != "REST" || len(st.Routes) != 1 || st.Routes[0] != (Route{"GET", "/pets", "MOCK"}) {
		t.Errorf("stage = %+v %+v, want Pet Store (REST) serving GET /pets by MOCK", st.APIName, st.Routes)
	}
	if len(st.Samples) != 3 {
		t.Fatalf("samples = %d, want 3 (the stage's series began in the second interval)", len(st.Samples))
	}
	for i, want := range []map[string]float64{
		{seriesRequests: 4, seriesClientErrors: 0, seriesServerErrors: 1},
		{seriesRequests: 1, seriesClientErrors: 1, seriesServerErrors: 0},
		{seriesRequests: 0, seriesClientErrors: 0, seriesServerErrors: 0},
	} {
		for series, n := range want {
			if st.Samples[i].Counts[series] != n {
				t.Errorf("sample %d: %s = %v, want %v", i, series, st.Samples[i].Counts[series], n)
			}
		}
	}
	// 3 of 4 requests took 4 ms (the 2.5–5 ms bucket), one 40 ms (25–50 ms).
	p50, p99 := st.Samples[0].Quantiles["latency.p50"], st.Samples[0].Quantiles["latency.p99"]
	if p50 == nil || *p50 <= 2.5 || *p50 > 5 || p99 == nil || *p99 <= 25 || *p99 > 50 {
		t.Errorf("first interval's latency p50 %v, p99 %v ms; want in 2.5–5 and 25–50", deref(p50), deref(p99))
	}
	if st.Samples[2].Quantiles["latency.p50"] != nil {
		t.Errorf("an interval with no request has latency %v, want none", *st.Samples[2].Quantiles["latency.p50"])
	}
	if !got.Metered || !got.Ready || len(got.Envoys) != 1 || got.Envoys[0].Node != "edge-1" {
		t.Errorf("metered %v, ready %v, envoys %+v; want metered, ready with edge-1", got.Metered, got.Ready, got.Envoys)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestWindowKeepsTheNewestSamples(t *testing.T) {
	m := metrics.New()
	m.SetSnapshot(&ir.Snapshot{APIs: []ir.API{{ID: "pets", Routes: []*ir.Route{
		{Name: "pets/prod/GET/pets", Method: ir.Method{APIID: "pets", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"}}}}}})
	d := New(Sources{Metrics: m.Gatherer()}, slog.Default())
	start := time.Now()
	keep := int(Window / Interval)
	for i := 0; i < keep+5; i++ {
		m.Record("edge-1", request(200, time.Millisecond))
		d.Sample(start.Add(time.Duration(i) * Interval))
	}
	h := d.history[stageKey{"pets", "prod"}]
	if len(h) != keep || !h[len(h)-1].Time.Equal(start.Add(time.Duration(keep+4)*Interval)) {
		t.Errorf("history holds %d samples to %v; want the newest %d", len(h), h[len(h)-1].Time, keep)
	}
}
