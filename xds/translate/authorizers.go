package translate

import (
	"time"

	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	extauthz "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_authz/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// Resource policies and Lambda authorizers are decided by Tollgate's ext_authz service, through an ext_authz
// filter of their own that sends every request header (a REQUEST authorizer's event carries them all) where the
// key check sends two. A route the caller must be authorized for uses this filter alone: its one call decides the
// resource policy, runs the authorizer, then checks the API key and the limits, in API Gateway's order.

// authorizerTimeout bounds the call: API Gateway gives an authorizer function 10 s, and the service answers with
// the configuration error when the function takes longer, before Envoy gives up.
const authorizerTimeout = 11 * time.Second

func init() {
	register(names.AuthorizerFilter, feature{
		filter: func(*ir.Snapshot) *hcm.HttpFilter {
			// Tollgate unreachable: refused with a 500 (never admitted unchecked), which the local replies turn
			// into API Gateway's body.
			config := extAuthz(names.XDSCluster, authorizerTimeout, false, typev3.StatusCode_InternalServerError)
			// Every header, each value apart and in order: the REQUEST event's multiValueHeaders.
			config.EncodeRawHeaders = true
			// The body, for the routes that need it (IAM: a SigV4 signature covers its hash), up to API Gateway's
			// limit. Set here, as raw bytes, since Envoy packs a body a route asks for as text; the other routes
			// turn it off.
			config.WithRequestBody = &extauthz.BufferSettings{MaxRequestBytes: MaxRequestBody, PackAsBytes: true}
			return &hcm.HttpFilter{Name: names.AuthorizerFilter, Disabled: true, ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(config)}}
		},
		apply: func(r *route.Route, in *ir.Route) bool {
			if !in.Authorizes() {
				return false
			}
			// The API stage only when a key is required too: the service checks a key where it is given one.
			extensions := map[string]string{names.RouteExtension: in.Name, names.AuthorizeExtension: "1"}
			if in.APIKeyRequired {
				extensions[names.APIIDExtension], extensions[names.StageExtension] = in.APIID, in.Stage
			}
			settings := &extauthz.CheckSettings{ContextExtensions: extensions,
				DisableRequestBodyBuffering: in.Authorizer == nil || in.Authorizer.Type != "AWS_IAM"}
			switchOn(r, names.AuthorizerFilter, mustAny(&route.FilterConfig{Config: mustAny(&extauthz.ExtAuthzPerRoute{
				Override: &extauthz.ExtAuthzPerRoute_CheckSettings{CheckSettings: settings},
			})}))
			return true
		},
		idle:      extAuthzIdle,
		pathForms: mustAny(&route.FilterConfig{Config: extAuthzIdle}),
	})
}
