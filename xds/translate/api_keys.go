package translate

import (
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	extauthz "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_authz/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// API keys are checked by Tollgate's ext_authz service, switched on only for the methods that require a key; the
// route tells the service which API stage it belongs to, and its name, whose limits the service decides too. A
// MOCK with limits and no key calls the same check with its name only: its limits, no key. That check is a filter
// of its own, so that Tollgate being unreachable is decided as rateLimit.failureMode says, not as for a key.

func init() {
	register(names.ExtAuthzFilter, feature{
		filter: func(*ir.Snapshot) *hcm.HttpFilter { return extAuthzFilter(names.XDSCluster) },
		apply: func(r *route.Route, in *ir.Route) bool {
			if !in.APIKeyRequired || in.Authorizes() {
				return false
			}
			switchOn(r, names.ExtAuthzFilter, checkSettings(map[string]string{
				names.APIIDExtension: in.APIID, names.StageExtension: in.Stage, names.RouteExtension: in.Name,
			}))
			return true
		},
		idle:      extAuthzIdle,
		pathForms: mustAny(&route.FilterConfig{Config: extAuthzIdle}),
	})
	register(names.LimitsCheckFilter, feature{
		filter: func(snap *ir.Snapshot) *hcm.HttpFilter {
			return limitsCheckFilter(names.XDSCluster, snap.RateLimit.FailClosed)
		},
		apply: func(r *route.Route, in *ir.Route) bool {
			// A MOCK: Envoy answers it without a route action, so rate limits cannot apply, but the check runs
			// before the answer and decides its limits.
			if in.Limits == nil || in.ChecksCaller() || r.GetRoute() != nil {
				return false
			}
			switchOn(r, names.LimitsCheckFilter, checkSettings(map[string]string{names.RouteExtension: in.Name}))
			return true
		},
		idle:      extAuthzIdle,
		pathForms: mustAny(&route.FilterConfig{Config: extAuthzIdle}),
	})
}

// extAuthzIdle keeps an ext_authz filter from calling out on a route that does not ask for it.
var extAuthzIdle = mustAny(&extauthz.ExtAuthzPerRoute{Override: &extauthz.ExtAuthzPerRoute_Disabled{Disabled: true}})

// checkSettings switch one of the ext_authz filters on for a route, telling the service what it needs in the
// context extensions.
func checkSettings(extensions map[string]string) *anypb.Any {
	return mustAny(&route.FilterConfig{Config: mustAny(&extauthz.ExtAuthzPerRoute{
		Override: &extauthz.ExtAuthzPerRoute_CheckSettings{CheckSettings: &extauthz.CheckSettings{ContextExtensions: extensions}},
	})})
}

// extAuthzFilter is the listener's key check: off unless a route turns it on. Like ext_proc it reaches Tollgate
// over the bootstrap's xDS cluster, and it sends the service only the headers it needs. With Tollgate unreachable
// it refuses (never admit an unchecked key) with a 500, which the listener's local replies turn into API
// Gateway's body.
func extAuthzFilter(cluster string) *hcm.HttpFilter {
	return checkFilter(names.ExtAuthzFilter, cluster, false, typev3.StatusCode_InternalServerError)
}

// limitsCheckFilter is the listener's limits check: with Tollgate unreachable it admits, or refuses with a 429
// that the listener's local replies turn into API Gateway's THROTTLED, as rateLimit.failureMode says.
func limitsCheckFilter(cluster string, failClosed bool) *hcm.HttpFilter {
	return checkFilter(names.LimitsCheckFilter, cluster, !failClosed, typev3.StatusCode_TooManyRequests)
}

func checkFilter(name, cluster string, failOpen bool, onError typev3.StatusCode) *hcm.HttpFilter {
	config := extAuthz(cluster, 2*time.Second, failOpen, onError)
	// The key, and the request id for the denial's x-amzn-RequestId.
	config.AllowedHeaders = &matcher.ListStringMatcher{Patterns: []*matcher.StringMatcher{
		{MatchPattern: &matcher.StringMatcher_Exact{Exact: names.APIKeyHeader}, IgnoreCase: true},
		{MatchPattern: &matcher.StringMatcher_Exact{Exact: names.EnvoyRequestIDHeader}, IgnoreCase: true},
	}}
	return &hcm.HttpFilter{Name: name, Disabled: true, ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(config)}}
}

// extAuthz is an ext_authz filter's configuration calling Tollgate over cluster.
func extAuthz(cluster string, timeout time.Duration, failOpen bool, onError typev3.StatusCode) *extauthz.ExtAuthz {
	return &extauthz.ExtAuthz{
		Services: &extauthz.ExtAuthz_GrpcService{GrpcService: &core.GrpcService{
			TargetSpecifier: &core.GrpcService_EnvoyGrpc_{EnvoyGrpc: &core.GrpcService_EnvoyGrpc{ClusterName: cluster}},
			Timeout:         durationpb.New(timeout),
		}},
		TransportApiVersion: core.ApiVersion_V3,
		FailureModeAllow:    failOpen,
		StatusOnError:       &typev3.HttpStatus{Code: onError},
	}
}
