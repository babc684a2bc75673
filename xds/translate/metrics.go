package translate

import (
	"time"

	accesslog "github.com/envoyproxy/go-control-plane/envoy/config/accesslog/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	grpcals "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/grpc/v3"
	metadatav3 "github.com/envoyproxy/go-control-plane/envoy/type/metadata/v3"
	tracingv3 "github.com/envoyproxy/go-control-plane/envoy/type/tracing/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/tollgate-gw/tollgate/internal/names"
)

// metricsLog is the access log every Envoy streams to Tollgate's metrics, one entry per request, in batches a
// second apart: the figures of API Gateway's metrics come from every Envoy that serves the APIs, with no call on
// a request's path. Each entry carries its route's API and stage from the route's metadata (so that a path under
// no stage's route counts for its API too), the route's name, Envoy's timings and codes, and the dynamic metadata
// the ext services filed.
func metricsLog() *accesslog.AccessLog {
	tag := func(key string) *tracingv3.CustomTag {
		return &tracingv3.CustomTag{Tag: key, Type: &tracingv3.CustomTag_Metadata_{Metadata: &tracingv3.CustomTag_Metadata{
			Kind:        &metadatav3.MetadataKind{Kind: &metadatav3.MetadataKind_Route_{Route: &metadatav3.MetadataKind_Route{}}},
			MetadataKey: &metadatav3.MetadataKey{Key: names.RouteMetadataNamespace, Path: []*metadatav3.MetadataKey_PathSegment{{Segment: &metadatav3.MetadataKey_PathSegment_Key{Key: key}}}},
		}}}
	}
	return &accesslog.AccessLog{
		Name: "envoy.access_loggers.http_grpc",
		ConfigType: &accesslog.AccessLog_TypedConfig{TypedConfig: mustAny(&grpcals.HttpGrpcAccessLogConfig{
			CommonConfig: &grpcals.CommonGrpcAccessLogConfig{
				LogName:             names.MetricsLogName,
				GrpcService:         &core.GrpcService{TargetSpecifier: &core.GrpcService_EnvoyGrpc_{EnvoyGrpc: &core.GrpcService_EnvoyGrpc{ClusterName: names.XDSCluster}}},
				TransportApiVersion: core.ApiVersion_V3,
				BufferFlushInterval: durationpb.New(time.Second),
				CustomTags:          []*tracingv3.CustomTag{tag(names.RouteMetadataAPIID), tag(names.RouteMetadataStage)},
			},
		})},
	}
}
