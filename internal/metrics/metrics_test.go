package metrics

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	collectorlogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	logspb "go.opentelemetry.io/proto/otlp/logs/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// entry is a request as Envoy writes its line of the metrics log (internal/metricslog) on route.
type entry struct {
	route             string
	status            int
	latency, upstream time.Duration // upstream 0: no integration call
	rateLimited       bool
	cache, refusal    string
	plan, key         string
}

func (e entry) line() string {
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	flags, upstream := "-", "-"
	if e.rateLimited {
		flags = "RL"
	}
	if e.upstream > 0 {
		upstream = strconv.FormatInt(e.upstream.Microseconds(), 10)
	}
	return strings.Join([]string{dash(e.route), strconv.Itoa(e.status), flags,
		strconv.FormatInt(e.latency.Microseconds(), 10), upstream, "110", "90",
		dash(e.cache), dash(e.refusal), dash(e.plan), dash(e.key)}, "\t")
}

// batch is an Envoy's export of lines, as its OpenTelemetry access logger sends them.
func batch(node string, lines ...string) *collectorlogs.ExportLogsServiceRequest {
	var records []*logspb.LogRecord
	for _, l := range lines {
		records = append(records, &logspb.LogRecord{Body: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: l}}})
	}
	return &collectorlogs.ExportLogsServiceRequest{ResourceLogs: []*logspb.ResourceLogs{{
		Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
			{Key: "log_name", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: names.MetricsLogName}}},
			{Key: nodeAttribute, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: node}}},
		}},
		ScopeLogs: []*logspb.ScopeLogs{{LogRecords: records}},
	}}}
}

func TestRecord(t *testing.T) {
	s := New()
	s.SetSnapshot(&ir.Snapshot{APIs: []ir.API{
		{ID: "pets", Name: "Pet Store", Routes: []*ir.Route{
			{Name: "pets/prod/GET/pets", Method: ir.Method{APIID: "pets", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"}, DetailedMetrics: true},
			{Name: "pets/prod/POST/pets", Method: ir.Method{APIID: "pets", Stage: "prod", Resource: "/pets", HTTPMethod: "POST"}},
			{Name: "pets/prod/*", Method: ir.Method{APIID: "pets", Stage: "prod", HTTPMethod: "*"}, GatewayResponse: "MISSING_AUTHENTICATION_TOKEN"},
		}},
		{ID: "h1", Name: "orders", HTTPAPI: true, Routes: []*ir.Route{
			{Name: "h1/$default/GET/orders", Method: ir.Method{APIID: "h1", Stage: "$default", Resource: "/orders", HTTPMethod: "GET"}},
		}},
	}})
	var lines []string
	for _, e := range []entry{
		{route: "pets/prod/GET/pets", status: 200, latency: 30 * time.Millisecond, upstream: 20 * time.Millisecond, cache: names.CacheMiss},
		{route: "pets/prod/GET/pets", status: 200, latency: 2 * time.Millisecond, cache: names.CacheHit},
		{route: "pets/prod/POST/pets", status: 502, latency: 5 * time.Millisecond, upstream: 4 * time.Millisecond},
		{route: "pets/prod/POST/pets", status: 201, latency: 5 * time.Millisecond, upstream: 4 * time.Millisecond, plan: "gold", key: "k1"},
		{route: "pets/prod/POST/pets", status: 429, latency: time.Millisecond, refusal: "QUOTA_EXCEEDED"},
		{route: "pets/prod/POST/pets", status: 429, latency: time.Millisecond, refusal: "THROTTLED"},
		{route: "pets/prod/POST/pets", status: 429, latency: time.Millisecond, rateLimited: true},
		{route: "pets/prod/*", status: 403, latency: time.Millisecond},        // a path under the stage no resource takes
		{route: "api_pets_unmatched", status: 403, latency: time.Millisecond}, // a path under no stage
		{route: "h1/$default/GET/orders", status: 404, latency: time.Millisecond},
		{route: "gone/prod/GET/x", status: 200}, // an API no longer served
		{route: "", status: 404},                // a host of no API's
	} {
		lines = append(lines, e.line())
	}
	resp, err := s.Export(context.Background(), batch("edge-1", append(lines, "not a line of the metrics log")...))
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.GetPartialSuccess().GetRejectedLogRecords(); got != 1 || testutil.ToFloat64(s.unreadable) != 1 {
		t.Errorf("%d lines rejected, %v counted unreadable; want the one that is no metrics line", got, testutil.ToFloat64(s.unreadable))
	}
	detailed := []string{"pets", "Pet Store", "REST", "prod", "/pets", "GET", "edge-1"}
	basic := []string{"pets", "Pet Store", "REST", "prod", "", "", "edge-1"}
	httpAPI := []string{"h1", "orders", "HTTP", "$default", "", "", "edge-1"}
	noStage := []string{"pets", "Pet Store", "REST", "", "", "", "edge-1"}
	for _, tt := range []struct {
		name   string
		got    float64
		want   float64
		labels []string
	}{
		{"requests, detailed", testutil.ToFloat64(s.requests.WithLabelValues(detailed...)), 2, detailed},
		{"requests, basic", testutil.ToFloat64(s.requests.WithLabelValues(basic...)), 6, basic},
		{"4xx, basic", testutil.ToFloat64(s.clientErrors.WithLabelValues(basic...)), 4, basic},
		{"5xx, basic", testutil.ToFloat64(s.serverErrors.WithLabelValues(basic...)), 1, basic},
		{"cache hits", testutil.ToFloat64(s.cacheHits.WithLabelValues(detailed...)), 1, detailed},
		{"cache misses", testutil.ToFloat64(s.cacheMisses.WithLabelValues(detailed...)), 1, detailed},
		{"throttled", testutil.ToFloat64(s.throttled.WithLabelValues(basic...)), 2, basic},
		{"quota exceeded", testutil.ToFloat64(s.quotaExceeded.WithLabelValues(basic...)), 1, basic},
		{"usage", testutil.ToFloat64(s.usage.WithLabelValues("gold", "k1", "pets", "prod", "edge-1")), 1, nil},
		{"HTTP API requests", testutil.ToFloat64(s.requests.WithLabelValues(httpAPI...)), 1, httpAPI},
		{"requests under no stage", testutil.ToFloat64(s.requests.WithLabelValues(noStage...)), 1, noStage},
		{"HTTP API data processed", testutil.ToFloat64(s.dataProcessed.WithLabelValues(httpAPI...)), 200, httpAPI},
	} {
		if tt.got != tt.want {
			t.Errorf("%s %v: %v, want %v", tt.name, tt.labels, tt.got, tt.want)
		}
	}
	if n := testutil.CollectAndCount(s.requests); n != 4 {
		t.Errorf("%d request series, want 4 (no API's requests are not counted)", n)
	}
	// The latencies: the whole request, and the integration's part, only where it was called.
	want := `
# HELP apigateway_integration_latency_seconds From the request relayed to the integration to its response received (IntegrationLatency).
# TYPE apigateway_integration_latency_seconds histogram
apigateway_integration_latency_seconds_bucket{api_id="pets",api_name="Pet Store",api_type="REST",method="GET",node="edge-1",resource="/pets",stage="prod",le="0.001"} 0
apigateway_integration_latency_seconds_bucket{api_id="pets",api_name="Pet Store",api_type="REST",method="GET",node="edge-1",resource="/pets",stage="prod",le="0.0025"} 0
apigateway_integration_latency_seconds_bucket{api_id="pets",api_name="Pet Store",api_type="REST",method="GET",node="edge-1",resource="/pets",stage="prod",le="0.005"} 0
apigateway_integration_latency_seconds_bucket{api_id="pets",api_name="Pet Store",api_type="REST",method="GET",node="edge-1",resource="/pets",stage="prod",le="0.01"} 0
apigateway_integration_latency_seconds_bucket{api_id="pets",api_name="Pet Store",api_type="REST",method="GET",node="edge-1",resource="/pets",stage="prod",le="0.025"} 1
`
	var out strings.Builder
	integration, _ := testutil.CollectAndFormat(s.integrationLatency, expfmt.TypeTextPlain, "apigateway_integration_latency_seconds")
	out.Write(integration)
	for _, line := range strings.Split(strings.TrimSpace(want), "\n") {
		if !strings.Contains(out.String(), line) {
			t.Errorf("integration latency lacks %s\n%s", line, out.String())
		}
	}
	latency, _ := testutil.CollectAndFormat(s.latency, expfmt.TypeTextPlain, "apigateway_latency_seconds")
	if !strings.Contains(string(latency), `apigateway_latency_seconds_count{api_id="pets",api_name="Pet Store",api_type="REST",method="",node="edge-1",resource="",stage="prod"} 6`) {
		t.Errorf("latency: want every request of the basic series observed\n%s", latency)
	}
	s.AuthorizerCalled("pets/prod/tokenAuth")
	if got := testutil.ToFloat64(s.authorizerCalls.WithLabelValues("pets", "prod", "tokenAuth")); got != 1 {
		t.Errorf("authorizer calls: %v", got)
	}
	for _, metric := range []string{names.WebSocketConnectCount, names.WebSocketMessageCount, names.WebSocketMessageCount, names.WebSocketExecutionError} {
		s.WebSocketCounted("chat", "prod", metric)
	}
	if got := testutil.ToFloat64(s.webSocket[names.WebSocketMessageCount].WithLabelValues("chat", "prod")); got != 2 {
		t.Errorf("WebSocket messages: %v", got)
	}
}

// BenchmarkRecord is one request's line read and counted, as an Envoy's batch delivers it.
func BenchmarkRecord(b *testing.B) {
	s := New()
	s.SetSnapshot(&ir.Snapshot{APIs: []ir.API{{ID: "pets", Name: "Pet Store", Routes: []*ir.Route{
		{Name: "pets/prod/GET/pets", Method: ir.Method{APIID: "pets", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"}, DetailedMetrics: true}}}}})
	req := batch("edge-1", entry{route: "pets/prod/GET/pets", status: 200, latency: 3 * time.Millisecond,
		upstream: 2 * time.Millisecond, plan: "gold", key: "k1"}.line())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Export(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
