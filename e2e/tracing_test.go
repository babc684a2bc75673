package e2e

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
)

type tracing struct {
	OTLP string `yaml:"otlp"`
}

// collector is an OpenTelemetry collector's OTLP/gRPC trace service, in the test's process: it keeps every span.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer
	addr  string
	mu    sync.Mutex
	spans []*tracepb.Span
}

func startCollector(t *testing.T) *collector {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{addr: lis.Addr().String()}
	srv := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(srv, c)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return c
}

func (c *collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			c.spans = append(c.spans, ss.GetSpans()...)
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// trace is the spans of one trace, by trace id (hex).
func (c *collector) trace(id string) []*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range c.spans {
		if hex.EncodeToString(s.GetTraceId()) == id {
			out = append(out, s)
		}
	}
	return out
}

// tagged is the spans with an attribute key of value.
func (c *collector) tagged(key, value string) []*tracepb.Span {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range c.spans {
		if attribute(s, key) == value {
			out = append(out, s)
		}
	}
	return out
}

func attribute(s *tracepb.Span, key string) string {
	for _, a := range s.GetAttributes() {
		if a.GetKey() == key {
			return a.GetValue().GetStringValue()
		}
	}
	return ""
}

var xrayTraceID = regexp.MustCompile(`^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Sampled=1$`)

// TestTraces: a traced stage's requests reach an OTLP collector as Envoy's spans (the request, the calls to
// Tollgate's checks and ext_proc, the integration) tagged with API Gateway's names, the client gets the trace id
// in X-Ray's form (a refusal too) and the backend the trace's context; an untraced stage of the same API sends
// nothing.
func TestTraces(t *testing.T) {
	requireEnvoy(t)
	fns := startFunctions(t, "authorizer", "echo")
	col := startCollector(t)
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"authorizer": fns["authorizer"].invokeURL(), "echo": fns["echo"].invokeURL()}}
	cfg.Tracing = &tracing{OTLP: col.addr}
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "gold", APIStages: []planAPIStage{{APIID: "shop", Stage: "prod"}, {APIID: "shop", Stage: "dev"}}, Keys: []string{"k1"}}}
	vars := map[string]string{"backend": backend.addr}
	cfg.APIs = []apiConfig{{ID: "shop", Definition: "shop.yaml", Stages: []stageConfig{
		{StageName: "prod", Variables: vars, TracingEnabled: true, CacheClusterEnabled: true},
		{StageName: "dev", Variables: vars},
	}}, {ID: "authz", Definition: "authorizers.yaml", Stages: []stageConfig{{StageName: "prod", Variables: vars, TracingEnabled: true}}}}
	gw := startGateway(t, cfg, map[string]string{"shop.yaml": "dashboard/shop.yaml", "authorizers.yaml": "authorizers/authorizers.yaml"})
	host := "shop." + domain
	key := http.Header{"X-Api-Key": {aliceKey}}

	// The untraced stage first: the collector gets it before the traced requests' spans, if at all. Its client
	// asks for a trace (a sampled traceparent) and gets none.
	const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	untraced := send(t, call{method: "GET", url: gw.url("/dev/orders"), host: host,
		header: http.Header{"X-Api-Key": {aliceKey}, "Traceparent": {"00-" + clientTrace + "-00f067aa0ba902b7-01"}}})
	if untraced.status != http.StatusOK || untraced.header.Get("X-Amzn-Trace-Id") != "" {
		t.Errorf("untraced stage: %d, X-Amzn-Trace-Id %q; want 200 without one", untraced.status, untraced.header.Get("X-Amzn-Trace-Id"))
	}

	for _, tt := range []struct {
		name, api, path string
		header          http.Header
		// the spans the trace holds besides the request's own and the integration's: Envoy's calls to the checks
		// (the key, the authorizer) and to ext_proc (the cache; GETs are cached by default), and Tollgate's spans
		// inside them, by name.
		checks, extProc bool
		tollgate        []string
	}{
		{"a cached GET", "shop", "/prod/pets", nil, false, true, []string{"cache lookup"}},
		{"a cached method that requires a key", "shop", "/prod/orders", key, true, true, []string{"cache lookup"}},
		{"a method behind a Lambda authorizer", "authz", "/prod/pets", http.Header{"Authorization": {"allow:alice"}}, true, false, []string{"authorizer tokenAuth"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := send(t, call{method: "GET", url: gw.url(tt.path), host: tt.api + "." + domain, header: tt.header})
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			m := xrayTraceID.FindStringSubmatch(r.header.Get("X-Amzn-Trace-Id"))
			if m == nil {
				t.Fatalf("X-Amzn-Trace-Id %q, want Root=1-{8 hex}-{24 hex};Sampled=1", r.header.Get("X-Amzn-Trace-Id"))
			}
			id := m[1] + m[2]
			var seen echo
			if err := json.Unmarshal([]byte(r.body), &seen); err != nil {
				t.Fatal(err)
			}
			if tp := seen.Header.Get("Traceparent"); !regexp.MustCompile(`^00-` + id + `-[0-9a-f]{16}-01$`).MatchString(tp) {
				t.Errorf("the backend got traceparent %q, want the trace %s", tp, id)
			}
			var spans []*tracepb.Span
			want := 2 + len(tt.tollgate) // the request's and the integration's, and Tollgate's
			if tt.checks {
				want++
			}
			if tt.extProc {
				want++
			}
			if err := waitFor(20*time.Second, func() bool { spans = col.trace(id); return len(spans) >= want }); err != nil {
				t.Fatalf("the collector has %d spans of trace %s, want %d: %v", len(spans), id, want, spans)
			}
			var server *tracepb.Span
			byID := map[string]*tracepb.Span{}
			kinds := map[tracepb.Span_SpanKind]int{}
			for _, s := range spans {
				kinds[s.GetKind()]++
				byID[string(s.GetSpanId())] = s
				if s.GetKind() == tracepb.Span_SPAN_KIND_SERVER {
					server = s
				}
			}
			if server == nil {
				t.Fatalf("no server span among %v", spans)
			}
			if server.GetName() != tt.api+"/prod GET "+tt.path[len("/prod"):] || attribute(server, "apigateway.api_id") != tt.api || attribute(server, "apigateway.stage") != "prod" {
				t.Errorf("the request's span: %q %v; want it named and tagged for %s/prod", server.GetName(), server.GetAttributes(), tt.api)
			}
			var tollgate []string
			for _, s := range spans {
				parent := byID[string(s.GetParentSpanId())]
				switch {
				case s == server:
				case s.GetKind() == tracepb.Span_SPAN_KIND_INTERNAL:
					// Tollgate's own, inside Envoy's call to the service.
					tollgate = append(tollgate, s.GetName())
					if parent == nil || parent.GetKind() != tracepb.Span_SPAN_KIND_CLIENT || parent.GetParentSpanId() == nil {
						t.Errorf("Tollgate's span %q is not a child of Envoy's call", s.GetName())
					}
				case parent != server:
					t.Errorf("span %q is not a child of the request's", s.GetName())
				}
			}
			if strings.Join(tollgate, ",") != strings.Join(tt.tollgate, ",") {
				t.Errorf("Tollgate's spans %q, want %q", tollgate, tt.tollgate)
			}
			if kinds[tracepb.Span_SPAN_KIND_CLIENT] != want-1-len(tt.tollgate) {
				t.Errorf("%d client spans (%v), want %d", kinds[tracepb.Span_SPAN_KIND_CLIENT], spans, want-1-len(tt.tollgate))
			}
		})
	}
	// A refusal of the checks is answered with the trace id too.
	refused := send(t, call{method: "GET", url: gw.url("/prod/orders"), host: host})
	if refused.status != http.StatusForbidden || !xrayTraceID.MatchString(refused.header.Get("X-Amzn-Trace-Id")) {
		t.Errorf("a request without its key: %d, X-Amzn-Trace-Id %q; want 403 with the trace id", refused.status, refused.header.Get("X-Amzn-Trace-Id"))
	}
	if spans := col.trace(clientTrace); len(spans) > 0 {
		t.Errorf("the untraced stage's request with a sampled traceparent sent spans: %v", spans)
	}
	if spans := col.tagged("apigateway.stage", "dev"); len(spans) > 0 {
		t.Errorf("the untraced stage sent spans: %v", spans)
	}
}
