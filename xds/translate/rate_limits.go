package translate

import (
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	ratelimitconf "github.com/envoyproxy/go-control-plane/envoy/config/ratelimit/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	ratelimitfilter "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ratelimit/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	metadatav3 "github.com/envoyproxy/go-control-plane/envoy/type/metadata/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/tollgate-gw/tollgate/ratelimit"
	"github.com/tollgate-gw/tollgate/routetable"
)

// Throttles and quotas are enforced by Tollgate's rate-limit service, called by Envoy's rate-limit filter only on
// routes that carry rate limits: the methods some throttle or quota applies to.

// rateLimited reports whether any throttle or quota can apply to a method of a stage.
func (t *translator) rateLimitedMethod(s stageContext, key routetable.Method, keyRequired bool) bool {
	gw := t.gw
	if gw.GetAccountThrottle() != nil {
		return true
	}
	throttles := s.stage.GetMethodThrottles()
	if throttles[key.MethodKey()] != nil || throttles["*/*"] != nil {
		return true
	}
	if !keyRequired {
		return false
	}
	// A key's requests under a plan are counted for the usage report even when the plan sets no limits.
	for _, p := range gw.GetUsagePlans() {
		for _, as := range p.GetApiStages() {
			if as.GetApiId() == key.APIID && as.GetStage() == key.Stage {
				return true
			}
		}
	}
	return false
}

// rateLimits describe a request to the service: the route, and the key and plan the API key check admitted it
// with (from ext_authz's dynamic metadata, absent when the method requires no key).
func rateLimits(routeName string) []*route.RateLimit {
	fromKeyCheck := func(entry string) *route.RateLimit_Action {
		return &route.RateLimit_Action{ActionSpecifier: &route.RateLimit_Action_Metadata{Metadata: &route.RateLimit_Action_MetaData{
			DescriptorKey: entry,
			MetadataKey:   &metadatav3.MetadataKey{Key: extAuthzFilterName, Path: []*metadatav3.MetadataKey_PathSegment{{Segment: &metadatav3.MetadataKey_PathSegment_Key{Key: entry}}}},
			Source:        route.RateLimit_Action_MetaData_DYNAMIC,
			SkipIfAbsent:  true,
		}}}
	}
	return []*route.RateLimit{{Actions: []*route.RateLimit_Action{
		{ActionSpecifier: &route.RateLimit_Action_GenericKey_{GenericKey: &route.RateLimit_Action_GenericKey{
			DescriptorKey: ratelimit.RouteEntry, DescriptorValue: routeName,
		}}},
		fromKeyCheck(ratelimit.APIKeyEntry),
		fromKeyCheck(ratelimit.UsagePlanEntry),
	}}}
}

// rateLimitFilter calls Tollgate's rate-limit service for routes with rate limits. The service keeps its state in
// memory, so a call takes microseconds; the timeout bounds a stuck service, and a failure lets the request
// through, as Envoy does by default.
func rateLimitFilter(cluster string) *hcm.HttpFilter {
	return &hcm.HttpFilter{
		Name: "envoy.filters.http.ratelimit",
		ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&ratelimitfilter.RateLimit{
			Domain:  ratelimit.Domain,
			Timeout: durationpb.New(100e6),
			RateLimitService: &ratelimitconf.RateLimitServiceConfig{
				GrpcService:         &core.GrpcService{TargetSpecifier: &core.GrpcService_EnvoyGrpc_{EnvoyGrpc: &core.GrpcService_EnvoyGrpc{ClusterName: cluster}}},
				TransportApiVersion: core.ApiVersion_V3,
			},
			DisableXEnvoyRatelimitedHeader: true,
		})},
	}
}
