package translate

import (
	"time"

	accesslog "github.com/envoyproxy/go-control-plane/envoy/config/accesslog/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	otelals "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/open_telemetry/v3"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/metricslog"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// metricsLogBuffer is how much of the metrics log an Envoy gathers before sending it (unless a second passes
// first): about 800 lines, so a busy Envoy makes a few exports a second rather than hundreds.
const metricsLogBuffer = 256 << 10

// metricsLog is the access log every Envoy sends Tollgate's metrics, by its OpenTelemetry access logger over the
// bootstrap's xDS cluster: a line of text per request (internal/metricslog: the route, its API and stage from the
// route's metadata, Envoy's timings, codes and sizes, and what the ext services filed in dynamic metadata), in
// batches a second apart, so the figures of API Gateway's metrics come from every Envoy that serves the APIs with no
// call on a request's path. The resource of each batch names the Envoy's node.
func metricsLog() *accesslog.AccessLog {
	return &accesslog.AccessLog{
		Name: "envoy.access_loggers.open_telemetry",
		ConfigType: &accesslog.AccessLog_TypedConfig{TypedConfig: mustAny(&otelals.OpenTelemetryAccessLogConfig{
			LogName:             names.MetricsLogName,
			GrpcService:         &core.GrpcService{TargetSpecifier: &core.GrpcService_EnvoyGrpc_{EnvoyGrpc: &core.GrpcService_EnvoyGrpc{ClusterName: names.XDSCluster}}},
			BufferFlushInterval: durationpb.New(time.Second),
			BufferSizeBytes:     wrapperspb.UInt32(metricsLogBuffer),
			Body:                &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: metricslog.Format()}},
		})},
	}
}
