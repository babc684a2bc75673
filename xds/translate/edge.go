package translate

import (
	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	lua "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/lua/v3"
	upstreamhttp "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// An edge-optimized domain's requests reach the integration as CloudFront passes them on to API Gateway: header
// names capitalised (Envoy's proper-case header formatting, on a twin of each cluster the domain's routes use;
// it applies to HTTP/1.1 backends, as API Gateway's are) and cookies in order of their names (a Lua script, before
// the ext services read them, on the domain's routes only).

// edgeCookieScript and edgeTracedScript name the Lua filter's scripts of an edge domain's routes, the second for a
// traced method (a request runs one script: its route's).
const (
	edgeCookieScript = "edge_cookies"
	edgeTracedScript = "edge_cookies_traced"
)

// edgeCookieLua sorts the request's cookies by name, those of one name in the order sent, into one header.
const edgeCookieLua = `
function envoy_on_request(handle)
  local headers = handle:headers()
  local count = headers:getNumValues("cookie")
  if count == 0 then
    return
  end
  local cookies = {}
  for i = 0, count - 1 do
    for part in string.gmatch(headers:getAtIndex("cookie", i), "[^;]+") do
      local text = string.match(part, "^%s*(.-)%s*$")
      if text ~= "" then
        cookies[#cookies + 1] = {name = string.match(text, "^[^=]*"), text = text, at = #cookies}
      end
    end
  end
  table.sort(cookies, function(a, b)
    if a.name ~= b.name then
      return a.name < b.name
    end
    return a.at < b.at
  end)
  local texts = {}
  for i, c in ipairs(cookies) do
    texts[i] = c.text
  end
  headers:replace("cookie", table.concat(texts, "; "))
end
`

// edgeScripts are the Lua filter's scripts for edge domains, when the snapshot has one.
func edgeScripts(snap *ir.Snapshot) map[string]*core.DataSource {
	for _, d := range snap.DomainNames {
		if d.Edge {
			inline := func(s string) *core.DataSource {
				return &core.DataSource{Specifier: &core.DataSource_InlineString{InlineString: s}}
			}
			return map[string]*core.DataSource{edgeCookieScript: inline(edgeCookieLua), edgeTracedScript: inline(traceHeaderLua + edgeCookieLua)}
		}
	}
	return nil
}

// edgeRoute makes a domain's copy of a route an edge-optimized one: its script sorts the cookies, and its
// clusters are the twins that capitalise header names.
func (t *translator) edgeRoute(r *route.Route) {
	script := edgeCookieScript
	if _, traced := r.TypedPerFilterConfig[names.LuaFilter]; traced {
		script = edgeTracedScript
	}
	switchOn(r, names.LuaFilter, mustAny(&route.FilterConfig{Config: mustAny(&lua.LuaPerRoute{Override: &lua.LuaPerRoute_Name{Name: script}})}))
	action := r.GetRoute()
	if name := action.GetCluster(); name != "" {
		action.ClusterSpecifier = &route.RouteAction_Cluster{Cluster: t.edgeCluster(name)}
	}
	for _, wc := range action.GetWeightedClusters().GetClusters() {
		wc.Name = t.edgeCluster(wc.GetName())
	}
}

// edgeCluster is the twin of a cluster that writes header names in proper case (Content-Type, X-Custom-Header).
func (t *translator) edgeCluster(name string) string {
	twinName := name + "#edge"
	base := t.clusters[name]
	if base == nil {
		return name // not a backend's
	}
	if _, made := t.clusters[twinName]; made {
		return twinName
	}
	twin := proto.Clone(base).(*cluster.Cluster)
	twin.Name = twinName
	if twin.LoadAssignment != nil {
		twin.LoadAssignment.ClusterName = twinName
	}
	key := string(proto.MessageName(&upstreamhttp.HttpProtocolOptions{}))
	opts := &upstreamhttp.HttpProtocolOptions{}
	if cfg := twin.TypedExtensionProtocolOptions[key]; cfg != nil {
		if err := cfg.UnmarshalTo(opts); err != nil {
			panic(err) // our own making
		}
	}
	http1 := opts.GetExplicitHttpConfig().GetHttpProtocolOptions()
	if http1 == nil {
		http1 = &core.Http1ProtocolOptions{}
		opts.UpstreamProtocolOptions = &upstreamhttp.HttpProtocolOptions_ExplicitHttpConfig_{ExplicitHttpConfig: &upstreamhttp.HttpProtocolOptions_ExplicitHttpConfig{
			ProtocolConfig: &upstreamhttp.HttpProtocolOptions_ExplicitHttpConfig_HttpProtocolOptions{HttpProtocolOptions: http1},
		}}
	}
	http1.HeaderKeyFormat = &core.Http1ProtocolOptions_HeaderKeyFormat{
		HeaderFormat: &core.Http1ProtocolOptions_HeaderKeyFormat_ProperCaseWords_{ProperCaseWords: &core.Http1ProtocolOptions_HeaderKeyFormat_ProperCaseWords{}},
	}
	if twin.TypedExtensionProtocolOptions == nil {
		twin.TypedExtensionProtocolOptions = map[string]*anypb.Any{}
	}
	twin.TypedExtensionProtocolOptions[key] = mustAny(opts)
	t.clusters[twinName] = twin
	return twinName
}
