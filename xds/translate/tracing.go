package translate

import (
	"net"
	"strconv"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tracev3 "github.com/envoyproxy/go-control-plane/envoy/config/trace/v3"
	lua "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/lua/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	httpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	tracingv3 "github.com/envoyproxy/go-control-plane/envoy/type/tracing/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// A stage's tracingEnabled is Envoy's OpenTelemetry tracer: the listener traces nothing by default, and the
// methods of traced stages sample every request, so a stage without tracing costs nothing. Envoy sends the spans
// to the collector over OTLP/gRPC itself: the request's span (named after the API, stage and method, tagged with
// API Gateway's names), a child for each call to Tollgate's services (the checks with the authorizer, ext_proc
// with the cache and mappings) and one for the request to the integration. The client gets X-Amzn-Trace-Id, the
// trace id in X-Ray's form, as API Gateway answers a traced request: the route adds the id (Envoy's %TRACE_ID%,
// 32 hex digits) and the Lua filter splits it into X-Ray's Root=1-{8 digits}-{24 digits}, which Envoy's
// formatters cannot.

// traceHeaderScript names the Lua script traced methods run.
const traceHeaderScript = "trace_header"

// traceHeaderLua rewrites the trace id the route added into X-Ray's form.
const traceHeaderLua = `
function envoy_on_response(handle)
  local headers = handle:headers()
  local id = headers:get("x-amzn-trace-id")
  if id ~= nil and string.len(id) == 32 then
    headers:replace("x-amzn-trace-id", "Root=1-" .. string.sub(id, 1, 8) .. "-" .. string.sub(id, 9) .. ";Sampled=1")
  end
end
`

// traceCollectorCluster is the cluster of the OTLP collector.
const traceCollectorCluster = "tollgate_otlp"

// tracing is the listener's tracer: every request untraced unless its route samples it; nil when no stage is
// traced.
func tracing(snap *ir.Snapshot) *hcm.HttpConnectionManager_Tracing {
	if snap.TracingCollector == "" {
		return nil
	}
	return &hcm.HttpConnectionManager_Tracing{
		ClientSampling:    &typev3.Percent{Value: 0},
		RandomSampling:    &typev3.Percent{Value: 0},
		SpawnUpstreamSpan: wrapperspb.Bool(true),
		Provider: &tracev3.Tracing_Http{
			Name: "envoy.tracers.opentelemetry",
			ConfigType: &tracev3.Tracing_Http_TypedConfig{TypedConfig: mustAny(&tracev3.OpenTelemetryConfig{
				GrpcService: &core.GrpcService{
					TargetSpecifier: &core.GrpcService_EnvoyGrpc_{EnvoyGrpc: &core.GrpcService_EnvoyGrpc{ClusterName: traceCollectorCluster}},
					Timeout:         durationpb.New(connectTimeout),
				},
				ServiceName: "tollgate",
			})},
		},
	}
}

// traceCollector adds the collector's cluster (HTTP/2, for gRPC) when a stage is traced.
func (t *translator) traceCollector() {
	addr := t.snap.TracingCollector
	if addr == "" {
		return
	}
	host, portText, _ := net.SplitHostPort(addr) // the config checked it
	port, _ := strconv.ParseUint(portText, 10, 16)
	c := newCluster(traceCollectorCluster, ir.Backend{Scheme: "http", Host: host, Port: uint32(port)})
	c.TypedExtensionProtocolOptions = map[string]*anypb.Any{
		string(proto.MessageName(&httpv3.HttpProtocolOptions{})): mustAny(&httpv3.HttpProtocolOptions{
			UpstreamProtocolOptions: &httpv3.HttpProtocolOptions_ExplicitHttpConfig_{ExplicitHttpConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig{
				ProtocolConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig_Http2ProtocolOptions{Http2ProtocolOptions: &core.Http2ProtocolOptions{}},
			}},
		}),
	}
	t.clusters[traceCollectorCluster] = c
}

// traceRoute samples a traced method's every request, names its span and tags it with API Gateway's names, adds
// the trace id for the client, and switches the Lua filter on to put it in X-Ray's form.
func traceRoute(r *route.Route, in *ir.Route) bool {
	if !in.Traced {
		return false
	}
	tag := func(name, value string) *tracingv3.CustomTag {
		return &tracingv3.CustomTag{Tag: name, Type: &tracingv3.CustomTag_Literal_{Literal: &tracingv3.CustomTag_Literal{Value: value}}}
	}
	all := &typev3.FractionalPercent{Numerator: 100, Denominator: typev3.FractionalPercent_HUNDRED}
	r.Tracing = &route.Tracing{ClientSampling: all, RandomSampling: all, OverallSampling: all, CustomTags: []*tracingv3.CustomTag{
		tag("apigateway.api_id", in.APIID), tag("apigateway.stage", in.Stage),
		tag("apigateway.resource", in.Resource), tag("apigateway.method", in.HTTPMethod),
	}}
	// X-Ray names API Gateway's segment {api}/{stage}; the method tells a trace's requests apart.
	r.Decorator = &route.Decorator{Operation: in.APIID + "/" + in.Stage + " " + in.HTTPMethod + " " + in.Resource}
	r.ResponseHeadersToAdd = append(r.ResponseHeadersToAdd, &core.HeaderValueOption{
		Header:       &core.HeaderValue{Key: "X-Amzn-Trace-Id", Value: "%TRACE_ID%"},
		AppendAction: core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
	})
	switchOn(r, names.LuaFilter, mustAny(&route.FilterConfig{Config: mustAny(&lua.LuaPerRoute{Override: &lua.LuaPerRoute_Name{Name: traceHeaderScript}})}))
	return true
}
