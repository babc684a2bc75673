package translate

import (
	"strings"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	lua "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/lua/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// The host-independent invocation URL forms, /restapis/{apiId}/{stage}/_user_request_/{path} and
// /_aws/execute-api/{apiId}/{stage}/{path}, are turned into the API's own form ({apiId}.{domain} and
// /{stage}/{path}) before routing, so each API's routes exist once, in its own virtual host: Envoy compiles and
// matches half the routes it would with a copy per form. Envoy's Lua filter does the rewrite on just these two
// routes and clears the route cache so the request is routed again under the API's host.

// invocationPathScript names the script in the Lua filter's source codes: one Lua VM per worker serves every
// route that uses it.
const invocationPathScript = "invocation_path"

// invocationPathLua rewrites the request; DOMAIN is replaced by the configured domain, a validated DNS name.
const invocationPathLua = `
function envoy_on_request(handle)
  local headers = handle:headers()
  local path = headers:get(":path")
  local api, stage, rest = string.match(path, "^/restapis/([^/?]+)/([^/?]+)/_user_request_(.*)$")
  if api == nil then
    api, stage, rest = string.match(path, "^/_aws/execute%-api/([^/?]+)/([^/?]+)(.*)$")
  end
  if api == nil then
    return
  end
  if rest ~= "" and string.sub(rest, 1, 1) ~= "/" and string.sub(rest, 1, 1) ~= "?" then
    return
  end
  headers:replace(":authority", api .. ".DOMAIN")
  headers:replace(":path", "/" .. stage .. rest)
  handle:clearRouteCache()
end
`

// luaFilter is the listener's Lua filter: off unless a route turns it on. A request is given one script, the one
// of the route it matched first, so with traced stages the path forms' script also puts a traced method's trace
// id in X-Ray's form (tracing.go).
func luaFilter(snap *ir.Snapshot) *hcm.HttpFilter {
	script := strings.ReplaceAll(invocationPathLua, "DOMAIN", snap.Domain)
	scripts := edgeScripts(snap)
	if scripts == nil {
		scripts = map[string]*core.DataSource{}
	}
	if snap.TracingCollector != "" {
		script += traceHeaderLua
		scripts[traceHeaderScript] = &core.DataSource{Specifier: &core.DataSource_InlineString{InlineString: traceHeaderLua}}
	}
	scripts[invocationPathScript] = &core.DataSource{Specifier: &core.DataSource_InlineString{InlineString: script}}
	return &hcm.HttpFilter{
		Name:       names.LuaFilter,
		Disabled:   true,
		ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&lua.Lua{SourceCodes: scripts})},
	}
}

func init() {
	register(names.LuaFilter, feature{
		filter:    luaFilter,
		apply:     traceRoute,
		always:    true,
		pathForms: mustAny(&route.FilterConfig{Config: mustAny(&lua.LuaPerRoute{Override: &lua.LuaPerRoute_Name{Name: invocationPathScript}})}),
	})
}

// invocationPathRoutes send the two path forms through the rewrite; after it the request is routed again and
// never comes back here, so the 403 these routes carry is only what a request the script leaves alone gets.
//
// Envoy decides which of the listener's switched-off filters a request's filter chain includes from the route it
// first matches, here one of these two. So they switch on every filter a rerouted request may need (perFilter:
// each feature's pathForms setting), the ext services' filters told to stay idle unless the route the request is
// rerouted to asks for them; API virtual hosts carry the same idle setting for their routes that do not use them.
func invocationPathRoutes(perFilter map[string]*anypb.Any) []*route.Route {
	var routes []*route.Route
	for _, prefix := range []string{"/restapis/", "/_aws/execute-api/"} {
		r := &route.Route{Name: prefix, Match: prefixMatch(prefix), TypedPerFilterConfig: perFilter}
		setGatewayResponse(r, gatewayresponse.Default(gatewayresponse.MissingAuthenticationToken))
		routes = append(routes, r)
	}
	return routes
}
