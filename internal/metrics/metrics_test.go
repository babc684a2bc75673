package metrics

import (
	"strings"
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	accesslogdata "github.com/envoyproxy/go-control-plane/envoy/data/accesslog/v3"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// entry is an access log entry as Envoy streams it for a request to apiID's stage on route.
type entry struct {
	apiID, stage, route string
	status              uint32
	latency, upstream   time.Duration // upstream 0: no integration call
	rateLimited         bool
	metadata            map[string]map[string]any
}

func (e entry) log() *accesslogdata.HTTPAccessLogEntry {
	c := &accesslogdata.AccessLogCommon{RouteName: e.route,
		CustomTags:                 map[string]string{names.RouteMetadataAPIID: e.apiID, names.RouteMetadataStage: e.stage},
		TimeToLastDownstreamTxByte: durationpb.New(e.latency),
		ResponseFlags:              &accesslogdata.ResponseFlags{RateLimited: e.rateLimited},
		Metadata:                   &core.Metadata{FilterMetadata: map[string]*structpb.Struct{}},
	}
	if e.upstream > 0 {
		c.TimeToFirstUpstreamTxByte, c.TimeToLastUpstreamRxByte = durationpb.New(time.Millisecond), durationpb.New(time.Millisecond+e.upstream)
	}
	for ns, fields := range e.metadata {
		c.Metadata.FilterMetadata[ns], _ = structpb.NewStruct(fields)
	}
	return &accesslogdata.HTTPAccessLogEntry{CommonProperties: c,
		Request:  &accesslogdata.HTTPRequestProperties{RequestHeadersBytes: 100, RequestBodyBytes: 10},
		Response: &accesslogdata.HTTPResponseProperties{ResponseCode: wrapperspb.UInt32(e.status), ResponseHeadersBytes: 50, ResponseBodyBytes: 40}}
}

func TestRecord(t *testing.T) {
	s := New()
	s.SetSnapshot(&ir.Snapshot{APIs: []ir.API{
		{ID: "pets", Name: "Pet Store", Routes: []*ir.Route{
			{Name: "pets/prod/GET/pets", Method: ir.Method{APIID: "pets", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"}, DetailedMetrics: true},
			{Name: "pets/prod/POST/pets", Method: ir.Method{APIID: "pets", Stage: "prod", Resource: "/pets", HTTPMethod: "POST"}},
		}},
		{ID: "h1", Name: "orders", HTTPAPI: true},
	}})
	hit := map[string]map[string]any{names.CacheNamespace: {names.CacheStatusField: names.CacheHit}}
	miss := map[string]map[string]any{names.CacheNamespace: {names.CacheStatusField: names.CacheMiss}}
	keyed := map[string]map[string]any{names.ExtAuthzFilter: {names.APIKeyIDField: "k1", names.UsagePlanIDField: "gold"}}
	quota := map[string]map[string]any{names.ExtAuthzFilter: {names.GatewayResponseType: "QUOTA_EXCEEDED"}}
	throttledKey := map[string]map[string]any{names.ExtAuthzFilter: {names.GatewayResponseType: "THROTTLED"}}
	for _, e := range []entry{
		{apiID: "pets", stage: "prod", route: "pets/prod/GET/pets", status: 200, latency: 30 * time.Millisecond, upstream: 20 * time.Millisecond, metadata: miss},
		{apiID: "pets", stage: "prod", route: "pets/prod/GET/pets", status: 200, latency: 2 * time.Millisecond, metadata: hit},
		{apiID: "pets", stage: "prod", route: "pets/prod/POST/pets", status: 502, latency: 5 * time.Millisecond, upstream: 4 * time.Millisecond},
		{apiID: "pets", stage: "prod", route: "pets/prod/POST/pets", status: 201, latency: 5 * time.Millisecond, upstream: 4 * time.Millisecond, metadata: keyed},
		{apiID: "pets", stage: "prod", route: "pets/prod/POST/pets", status: 429, latency: time.Millisecond, metadata: quota},
		{apiID: "pets", stage: "prod", route: "pets/prod/POST/pets", status: 429, latency: time.Millisecond, metadata: throttledKey},
		{apiID: "pets", stage: "prod", route: "pets/prod/POST/pets", status: 429, latency: time.Millisecond, rateLimited: true},
		{apiID: "pets", stage: "prod", route: "", status: 403, latency: time.Millisecond}, // a path no method has
		{apiID: "h1", stage: "$default", route: "h1/$default/GET/orders", status: 404, latency: time.Millisecond},
		{apiID: "gone", stage: "prod", route: "gone/prod/GET/x", status: 200}, // an API no longer served
		{route: "", status: 404}, // a host of no API's
	} {
		s.Record("edge-1", e.log())
	}
	detailed := []string{"pets", "Pet Store", "REST", "prod", "/pets", "GET", "edge-1"}
	basic := []string{"pets", "Pet Store", "REST", "prod", "", "", "edge-1"}
	httpAPI := []string{"h1", "orders", "HTTP", "$default", "", "", "edge-1"}
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
		{"HTTP API data processed", testutil.ToFloat64(s.dataProcessed.WithLabelValues(httpAPI...)), 200, httpAPI},
	} {
		if tt.got != tt.want {
			t.Errorf("%s %v: %v, want %v", tt.name, tt.labels, tt.got, tt.want)
		}
	}
	if n := testutil.CollectAndCount(s.requests); n != 3 {
		t.Errorf("%d request series, want 3 (no API's requests are not counted)", n)
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
	lines, _ := testutil.CollectAndFormat(s.integrationLatency, expfmt.TypeTextPlain, "apigateway_integration_latency_seconds")
	out.Write(lines)
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
}

// BenchmarkRecord is one request's entry counted, as the access log stream delivers it.
func BenchmarkRecord(b *testing.B) {
	s := New()
	s.SetSnapshot(&ir.Snapshot{APIs: []ir.API{{ID: "pets", Name: "Pet Store", Routes: []*ir.Route{
		{Name: "pets/prod/GET/pets", Method: ir.Method{APIID: "pets", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"}, DetailedMetrics: true}}}}})
	e := entry{apiID: "pets", stage: "prod", route: "pets/prod/GET/pets", status: 200, latency: 3 * time.Millisecond, upstream: 2 * time.Millisecond,
		metadata: map[string]map[string]any{names.ExtAuthzFilter: {names.APIKeyIDField: "k1", names.UsagePlanIDField: "gold"}}}.log()
	b.ReportAllocs()
	for b.Loop() {
		s.Record("edge-1", e)
	}
}
