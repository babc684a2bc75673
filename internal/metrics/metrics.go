// Package metrics is API Gateway's CloudWatch metrics in Prometheus: every Envoy serving the APIs sends a line per
// request to Tollgate (internal/metricslog, by Envoy's OpenTelemetry access logger: OTLP's logs service, batched),
// and this package counts them by API, stage and node (and resource and method where the stage's detailed metrics
// ask), with what the ext services filed on the request (a cache hit, a throttle, the API key and plan). It serves
// them at /metrics.
package metrics

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	collectorlogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	"google.golang.org/grpc"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/metricslog"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// Server receives Envoys' lines and serves the metrics they make.
type Server struct {
	collectorlogs.UnimplementedLogsServiceServer
	registry *prometheus.Registry
	apis     atomic.Pointer[map[string]api] // by API id
	routes   atomic.Pointer[routeTable]

	requests, clientErrors, serverErrors *prometheus.CounterVec
	latency, integrationLatency          *prometheus.HistogramVec
	cacheHits, cacheMisses               *prometheus.CounterVec
	dataProcessed                        *prometheus.CounterVec
	throttled, quotaExceeded             *prometheus.CounterVec
	usage                                *prometheus.CounterVec
	authorizerCalls                      *prometheus.CounterVec
	// webSocket are the WebSocket APIs' counters, by API Gateway's metric name.
	webSocket  map[string]*prometheus.CounterVec
	unreadable prometheus.Counter

	// seriesOf keeps each request source's series resolved (labels hashed once, not per request); SetSnapshot
	// starts it afresh, since a reload may rename an API or switch detailed metrics.
	mu       sync.Mutex
	seriesOf map[source]*series
}

// source is what a request's series are chosen by.
type source struct{ node, route string }

// routeTable is what the metrics know of each route Envoy may name in a line: its API and stage, and the IR route
// (nil for an API's unmatched route). The previous snapshot's routes are kept beside the current ones, for the
// lines of requests a reload found in flight on a route it removed.
type routeTable struct{ current, previous map[string]routeOf }

type routeOf struct {
	apiID, stage string
	route        *ir.Route
}

func (t *routeTable) find(name string) (routeOf, bool) {
	if r, ok := t.current[name]; ok {
		return r, true
	}
	r, ok := t.previous[name]
	return r, ok
}

// series are one source's metrics.
type series struct {
	apiID, stage                         string // the route's, for the usage counts
	requests, clientErrors, serverErrors prometheus.Counter
	latency, integrationLatency          prometheus.Observer
	cacheHits, cacheMisses               prometheus.Counter
	dataProcessed                        prometheus.Counter
	throttled, quotaExceeded             prometheus.Counter
}

type api struct{ name, kind string } // kind: REST or HTTP

// Labels of every API series: the API, its stage, the method where detailed metrics are enabled ("" else), and
// the Envoy that served the request.
var apiLabels = []string{"api_id", "api_name", "api_type", "stage", "resource", "method", "node"}

// LatencyBuckets resolve 1 ms to 30 s, in seconds.
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// New returns a server with no APIs yet; its registry also holds the process's own Go metrics.
func New() *Server {
	s := &Server{registry: prometheus.NewRegistry()}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		s.registry.MustRegister(c)
		return c
	}
	histogram := func(name, help string) *prometheus.HistogramVec {
		h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: LatencyBuckets}, apiLabels)
		s.registry.MustRegister(h)
		return h
	}
	s.requests = counter("apigateway_requests_total", "Requests to the API (API Gateway's Count).", apiLabels...)
	s.clientErrors = counter("apigateway_4xx_errors_total", "Requests answered 4xx (REST's 4XXError, HTTP APIs' 4xx).", apiLabels...)
	s.serverErrors = counter("apigateway_5xx_errors_total", "Requests answered 5xx (REST's 5XXError, HTTP APIs' 5xx).", apiLabels...)
	s.latency = histogram("apigateway_latency_seconds", "From the request's first byte to the response's last (API Gateway's Latency).")
	s.integrationLatency = histogram("apigateway_integration_latency_seconds", "From the request relayed to the integration to its response received (IntegrationLatency).")
	s.cacheHits = counter("apigateway_cache_hits_total", "Requests answered from the stage cache (CacheHitCount).", apiLabels...)
	s.cacheMisses = counter("apigateway_cache_misses_total", "Requests to cached methods answered by the integration (CacheMissCount).", apiLabels...)
	s.dataProcessed = counter("apigateway_data_processed_bytes_total", "Bytes of requests and responses, headers and bodies (HTTP APIs' DataProcessed).", apiLabels...)
	s.throttled = counter("apigateway_throttled_requests_total", "Requests refused 429 by a throttle (stage, method, usage plan or account).", apiLabels...)
	s.quotaExceeded = counter("apigateway_quota_exceeded_requests_total", "Requests refused 429 by a usage plan's quota.", apiLabels...)
	s.usage = counter("apigateway_usage_plan_requests_total", "Requests admitted under a usage plan, by API key (what its quota counts).", "usage_plan_id", "api_key_id", "api_id", "stage", "node")
	s.authorizerCalls = counter("apigateway_authorizer_calls_total", "Lambda authorizer invocations (answers from the authorizer cache make none).", "api_id", "stage", "authorizer")
	s.webSocket = map[string]*prometheus.CounterVec{
		names.WebSocketConnectCount:     counter("apigateway_websocket_connects_total", "WebSocket connections made (ConnectCount).", "api_id", "stage"),
		names.WebSocketMessageCount:     counter("apigateway_websocket_messages_total", "WebSocket messages from clients and to them (MessageCount).", "api_id", "stage"),
		names.WebSocketClientError:      counter("apigateway_websocket_client_errors_total", "WebSocket connections and messages refused before an integration (ClientError).", "api_id", "stage"),
		names.WebSocketIntegrationError: counter("apigateway_websocket_integration_errors_total", "WebSocket integrations answering with an error (IntegrationError).", "api_id", "stage"),
		names.WebSocketExecutionError:   counter("apigateway_websocket_execution_errors_total", "WebSocket integration calls that failed (ExecutionError).", "api_id", "stage"),
	}
	s.unreadable = prometheus.NewCounter(prometheus.CounterOpts{Name: "tollgate_metrics_lines_unreadable_total", Help: "Lines Envoys sent for the metrics that were not the metrics log's (counted for no API)."})
	s.registry.MustRegister(s.unreadable, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.apis.Store(&map[string]api{})
	s.routes.Store(&routeTable{})
	return s
}

// SetSnapshot gives the APIs' names and the routes' detailed metrics settings.
func (s *Server) SetSnapshot(snap *ir.Snapshot) {
	apis := map[string]api{}
	routes := map[string]routeOf{}
	for _, a := range snap.APIs {
		kind := "REST"
		if a.HTTPAPI {
			kind = "HTTP"
		}
		apis[a.ID] = api{name: a.Name, kind: kind}
		routes[names.UnmatchedRoute(a.ID)] = routeOf{apiID: a.ID}
		for _, r := range a.Routes {
			stage := r.Stage
			if r.Canary != nil && r.Canary.Release {
				stage = names.CanaryStage(stage) // AWS's series of a canary's requests
			}
			routes[r.Name] = routeOf{apiID: r.APIID, stage: stage, route: r}
		}
	}
	s.apis.Store(&apis)
	s.routes.Store(&routeTable{current: routes, previous: s.routes.Load().current})
	s.mu.Lock()
	s.seriesOf = map[source]*series{}
	s.mu.Unlock()
}

// seriesFor is the source's series, resolved on its first request; nil when it is no API's.
func (s *Server) seriesFor(src source) *series {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sr, ok := s.seriesOf[src]; ok {
		return sr
	}
	// The route is resolved once per series, not per request.
	r, ok := s.routes.Load().find(src.route)
	if !ok {
		return nil // no API's route (an unknown host's)
	}
	a, ok := (*s.apis.Load())[r.apiID]
	if !ok {
		return nil // an API no longer served
	}
	var resource, method string
	if r.route != nil && r.route.DetailedMetrics {
		resource, method = r.route.Resource, r.route.HTTPMethod
	}
	l := prometheus.Labels{"api_id": r.apiID, "api_name": a.name, "api_type": a.kind, "stage": r.stage, "resource": resource, "method": method, "node": src.node}
	sr := &series{apiID: r.apiID, stage: r.stage, requests: s.requests.With(l), clientErrors: s.clientErrors.With(l), serverErrors: s.serverErrors.With(l),
		latency: s.latency.With(l), integrationLatency: s.integrationLatency.With(l),
		cacheHits: s.cacheHits.With(l), cacheMisses: s.cacheMisses.With(l), dataProcessed: s.dataProcessed.With(l),
		throttled: s.throttled.With(l), quotaExceeded: s.quotaExceeded.With(l)}
	if s.seriesOf == nil {
		s.seriesOf = map[source]*series{}
	}
	s.seriesOf[src] = sr
	return sr
}

// Register adds OTLP's logs service to a gRPC server (Tollgate's xDS server, which every Envoy reaches).
func (s *Server) Register(g *grpc.Server) { collectorlogs.RegisterLogsServiceServer(g, s) }

// Handler serves the metrics in Prometheus's text format.
func (s *Server) Handler() http.Handler {
	return promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})
}

// Gatherer is the metrics, for the dashboard to sample.
func (s *Server) Gatherer() prometheus.Gatherer { return s.registry }

// AuthorizerCalled counts an invocation of the authorizer whose id (ir.Authorizer.ID) is apiId/stage/name, or
// apiId/stage/Canary/name for a canary release's, counted under the canary's stage as AWS's metrics count it.
func (s *Server) AuthorizerCalled(id string) {
	apiID, rest, _ := strings.Cut(id, "/")
	stage, name, _ := strings.Cut(rest, "/")
	if canary, ok := strings.CutPrefix(rest, names.CanaryStage(stage)+"/"); ok {
		stage, name = names.CanaryStage(stage), canary
	}
	s.authorizerCalls.WithLabelValues(apiID, stage, name).Inc()
}

// WebSocketCounted counts one of a WebSocket API's metrics (names.WebSocketConnectCount, ...) for a stage.
func (s *Server) WebSocketCounted(apiID, stage, metric string) {
	if c := s.webSocket[metric]; c != nil {
		c.WithLabelValues(apiID, stage).Inc()
	}
}

// nodeAttribute is the resource attribute Envoy's OpenTelemetry access logger names its node by.
const nodeAttribute = "node_name"

// Export counts a batch of lines from one Envoy. A line that is not the metrics' (an Envoy of another version, a
// client of the logs service other than Envoy) is skipped and counted as such.
func (s *Server) Export(_ context.Context, req *collectorlogs.ExportLogsServiceRequest) (*collectorlogs.ExportLogsServiceResponse, error) {
	var rejected int64
	for _, rl := range req.GetResourceLogs() {
		var node string
		for _, a := range rl.GetResource().GetAttributes() {
			if a.GetKey() == nodeAttribute {
				node = a.GetValue().GetStringValue()
			}
		}
		var e metricslog.Entry
		for _, sl := range rl.GetScopeLogs() {
			for _, r := range sl.GetLogRecords() {
				if metricslog.Parse(r.GetBody().GetStringValue(), &e) != nil {
					rejected++
					continue
				}
				s.Record(node, &e)
			}
		}
	}
	if rejected > 0 {
		s.unreadable.Add(float64(rejected))
		return &collectorlogs.ExportLogsServiceResponse{PartialSuccess: &collectorlogs.ExportLogsPartialSuccess{
			RejectedLogRecords: rejected, ErrorMessage: "not lines of Tollgate's metrics log"}}, nil
	}
	return &collectorlogs.ExportLogsServiceResponse{}, nil
}

// Record counts one request Envoy served.
func (s *Server) Record(node string, e *metricslog.Entry) {
	sr := s.seriesFor(source{node: node, route: e.Route})
	if sr == nil {
		return
	}
	sr.requests.Inc()
	switch {
	case e.Status >= 500:
		sr.serverErrors.Inc()
	case e.Status >= 400:
		sr.clientErrors.Inc()
	}
	sr.latency.Observe(e.Latency.Seconds())
	if e.Integrated {
		sr.integrationLatency.Observe(e.IntegrationLatency.Seconds())
	}
	sr.dataProcessed.Add(float64(e.Bytes))
	switch e.Cache {
	case names.CacheHit:
		sr.cacheHits.Inc()
	case names.CacheMiss:
		sr.cacheMisses.Inc()
	}
	switch refusal := gatewayresponse.Type(e.GatewayResponse); {
	case refusal == gatewayresponse.QuotaExceeded:
		sr.quotaExceeded.Inc()
	case refusal == gatewayresponse.Throttled, e.RateLimited:
		sr.throttled.Inc()
	}
	if e.UsagePlanID != "" {
		s.usage.WithLabelValues(e.UsagePlanID, e.APIKeyID, sr.apiID, sr.stage, node).Inc()
	}
}
