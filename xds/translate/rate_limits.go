package translate

import (
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	ratelimitconf "github.com/envoyproxy/go-control-plane/envoy/config/ratelimit/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	ratelimitfilter "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ratelimit/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// Throttles and quotas apply to the methods some throttle or quota covers. Tollgate decides them in one of two
// places, so that a request costs Envoy at most one call to Tollgate: the API key check decides them for the
// methods that require a key, in the call that admits the key, and the limits check for MOCKs; Envoy's rate-limit
// filter asks Tollgate's rate-limit service for the others.

func init() {
	register(names.RateLimitFilter, feature{
		filter: func(snap *ir.Snapshot) *hcm.HttpFilter {
			return rateLimitFilter(names.XDSCluster, snap.RateLimit.FailClosed)
		},
		apply: func(r *route.Route, in *ir.Route) bool {
			action := r.GetRoute()
			if in.Limits == nil || in.ChecksCaller() || action == nil {
				return false
			}
			action.RateLimits = rateLimits(r.GetName())
			return true
		},
	})
}

// rateLimits describe a request to the rate-limit service: the route.
func rateLimits(routeName string) []*route.RateLimit {
	return []*route.RateLimit{{Actions: []*route.RateLimit_Action{
		{ActionSpecifier: &route.RateLimit_Action_GenericKey_{GenericKey: &route.RateLimit_Action_GenericKey{
			DescriptorKey: names.RouteDescriptor, DescriptorValue: routeName,
		}}},
	}}}
}

// rateLimitFilter calls Tollgate's rate-limit service for routes with rate limits. The service keeps its state in
// memory or Redis and bounds each decision itself; the timeout bounds a stuck service. Tollgate unreachable is
// decided as a store failure is (rateLimit.failureMode): admitted, or refused with API Gateway's 429, which the
// listener's local replies give its body.
func rateLimitFilter(cluster string, failClosed bool) *hcm.HttpFilter {
	return &hcm.HttpFilter{
		Name: names.RateLimitFilter,
		ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&ratelimitfilter.RateLimit{
			Domain:  names.RateLimitDomain,
			Timeout: durationpb.New(100e6),
			RateLimitService: &ratelimitconf.RateLimitServiceConfig{
				GrpcService:         &core.GrpcService{TargetSpecifier: &core.GrpcService_EnvoyGrpc_{EnvoyGrpc: &core.GrpcService_EnvoyGrpc{ClusterName: cluster}}},
				TransportApiVersion: core.ApiVersion_V3,
			},
			DisableXEnvoyRatelimitedHeader: true,
			FailureModeDeny:                failClosed,
			StatusOnError:                  &typev3.HttpStatus{Code: typev3.StatusCode_TooManyRequests},
		})},
	}
}
