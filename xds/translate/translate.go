// Package translate turns an IR snapshot into Envoy resources: one listener, one route configuration and the
// clusters of the integrations. It emits Envoy configuration only: every decision about what a route does was
// made by ir.Build, so the translation is a pure function of the snapshot, golden files pin its output and the xDS
// server can diff snapshots cheaply.
//
// Each HTTP filter Tollgate may put in the listener is a feature in a file of its own that registers itself
// (register): what the filter is, what it adds to a route that needs it, and what keeps it idle elsewhere.
// filterOrder is the one table that places the filters in the chain.
package translate

import (
	"crypto/sha256"
	"encoding/hex"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// Names of the resources every Envoy gets. The route configuration's name ends with a digest of the listener's
// HTTP connection manager (see routeConfigName).
const (
	ListenerName    = "tollgate_http"
	RouteConfigName = "tollgate"
)

// filterOrder is the listener's filter chain, in API Gateway's order: the body limit and the path-form rewrite
// first, then the authorizer (with the key and the limits it decides), the API key check (with the limits it
// decides), the limits of MOCKs and of methods without a key, then the ext_proc service's request and response
// processing (request validation, the stage cache, Lambda proxies, mappings), so that a cache hit has passed
// every check and counted against every limit. The router ends every chain.
var filterOrder = []string{
	names.BodyLimitFilter,
	names.LuaFilter,
	names.JWTFilter,
	names.AudienceFilter,
	names.ScopesFilter,
	names.AuthorizerFilter,
	names.ExtAuthzFilter,
	names.LimitsCheckFilter,
	names.RateLimitFilter,
	names.QueryMappingFilter,
	names.ExtProcFilter,
	names.InvokeLengthFilter,
}

// feature is one HTTP filter of the listener. A filter is in the chain only when some route uses it (or always
// is set): even switched off, ext_proc and buffer cost every request measurably (docs/benchmarks.md).
type feature struct {
	// filter is the listener's filter; filters that routes switch on are Disabled in it.
	filter func(*ir.Snapshot) *hcm.HttpFilter
	// apply adds to a route what the filter needs there and reports whether the route uses the filter.
	apply func(r *route.Route, in *ir.Route) bool
	// always keeps the filter in the chain whether a route uses it or not.
	always bool
	// idle, when set, is the per-route setting that keeps the filter from running on the routes of a virtual host
	// that do not switch it on.
	idle *anypb.Any
	// pathForms, when set, is what the path-form rewrite routes give the filter (see invocationPathRoutes).
	pathForms *anypb.Any
}

var features = map[string]feature{}

// register adds a feature under its filter name; the name must have its place in filterOrder.
func register(name string, f feature) {
	if _, dup := features[name]; dup {
		panic("translate: feature " + name + " registered twice")
	}
	features[name] = f
}

// Output is the translated gateway, less the listener: the listener's address differs between Envoys that share a
// control plane, so it is built per Envoy with Listener.
type Output struct {
	Routes   *route.RouteConfiguration
	Clusters []*cluster.Cluster // sorted by name
	snapshot *ir.Snapshot
	// filters are the listener's filters, in chain order: those some route uses, and those always there.
	filters []string
	// compressors are the minimum sizes of the compressors before them (compression.go).
	compressors []int32
}

// translator carries what translation accumulates across APIs: which filters the routes use, and the clusters
// shared by every route to the same backend.
type translator struct {
	snap     *ir.Snapshot
	used     map[string]bool
	clusters map[string]*cluster.Cluster
}

// Translate builds the Envoy resources of a snapshot.
func Translate(snap *ir.Snapshot) *Output {
	t := &translator{snap: snap, used: map[string]bool{}, clusters: map[string]*cluster.Cluster{}}
	var vhosts []*route.VirtualHost
	// The routes of each API's stages, for the custom domains that map them; the API's own host has them unless
	// its default endpoint is disabled.
	byStage := map[stageKey][]*route.Route{}
	apis := map[string]*ir.API{}
	for i := range snap.APIs {
		api := &snap.APIs[i]
		apis[api.ID] = api
		vh := &route.VirtualHost{Name: names.APIVirtualHost(api.ID), Domains: []string{api.ID + "." + snap.Domain}, ResponseHeadersToAdd: requestIDHeaders(api.HTTPAPI)}
		if api.CORS != nil {
			preflight := corsPreflight(api)
			vh.Routes = append(vh.Routes, preflight)
			byStage[stageKey{api: api.ID}] = []*route.Route{preflight}
		}
		for _, r := range api.Routes {
			out := []*route.Route{t.route(api, r)}
			if api.CORS != nil && (r.HTTPProxy != nil || r.Lambda != nil) {
				out = withCORS(api, out[0])
			}
			vh.Routes = append(vh.Routes, out...)
			if r.TestInvokeToken == "" { // a test invocation is the API's own host's
				key := stageKey{api.ID, r.Stage}
				byStage[key] = append(byStage[key], out...)
			}
		}
		if api.ExecuteAPIEndpointDisabled {
			vh.Routes = nil
		}
		vhosts = append(vhosts, vh)
	}
	webSocketHosts, webSocketForms := t.webSocketHosts()
	vhosts = append(vhosts, webSocketHosts...)
	vhosts = append(vhosts, &route.VirtualHost{Name: "invocation_paths", Domains: []string{"*"}, ResponseHeadersToAdd: requestIDHeaders(false)})
	t.jwksClusters()
	t.traceCollector()

	out := &Output{snapshot: snap}
	idle := map[string]*anypb.Any{}
	pathForms := map[string]*anypb.Any{}
	for _, name := range filterOrder {
		f := features[name]
		if !f.always && !t.used[name] {
			continue
		}
		out.filters = append(out.filters, name)
		if f.idle != nil {
			idle[name] = f.idle
		}
		if f.pathForms != nil {
			pathForms[name] = f.pathForms
		}
	}
	out.compressors = compressionSizes(snap)
	compressionSettings(out.compressors, idle, pathForms)
	// Every virtual host ends with the path forms' rewrite routes, shared (marshalled once), and a 403 for
	// everything else. Routes that do not switch a filter on inherit its idle setting from their virtual host.
	forms := append(webSocketForms, invocationPathRoutes(pathForms)...)
	for i, vh := range vhosts {
		vh.Routes = append(vh.Routes, forms...)
		var api *ir.API // none for the WebSocket APIs' hosts and the invocation paths'

		if i < len(snap.APIs) {
			api = &snap.APIs[i]
		}
		name := vh.GetName() + "_unmatched"
		if api != nil {
			name = names.UnmatchedRoute(api.ID)
		}
		unmatched := unmatchedRoute(name, prefixMatch("/"), api)
		if api != nil && api.ExecuteAPIEndpointDisabled {
			// The API is its custom domains' only: its own host and the path forms are answered Forbidden.
			setGatewayResponse(unmatched, gatewayresponse.Forbidden)
			unmatched.Metadata = nil
		}
		vh.Routes = append(vh.Routes, unmatched)
		if len(idle) > 0 {
			vh.TypedPerFilterConfig = idle
		}
	}
	vhosts = append(vhosts, t.customDomainHosts(byStage, apis, idle)...)
	out.Clusters = t.sortedClusters() // the edge domains' twins among them
	out.Routes = routeConfiguration(out.routeConfigName(), vhosts)
	if mutualTLS(snap) {
		out.Routes.RequestHeadersToRemove = []string{names.ClientCertHeader}
	}
	return out
}

// unmatchedRoute answers what matches and no route of the API does (api nil: no API's): a REST API's 403 Missing
// Authentication Token, an HTTP API's 404, with the API's customised gateway responses and no stage's variables.
func unmatchedRoute(name string, match *route.RouteMatch, api *ir.API) *route.Route {
	r := &route.Route{Name: name, Match: match}
	setGatewayResponse(r, answer(api, unmatchedType(api)))
	if api != nil {
		r.Metadata = gatewayResponseMetadata(&core.Metadata{FilterMetadata: map[string]*structpb.Struct{names.RouteMetadataNamespace: {Fields: map[string]*structpb.Value{
			"apiId": structpb.NewStringValue(api.ID), "stage": structpb.NewStringValue(""),
		}}}}, unmatchedType(api))
	}
	return r
}

// routeConfigName names the route configuration after the HTTP connection manager it is written for: its filters
// and their settings, its local replies and access logs. A change to any of them is a new listener, and Envoy
// drains the connections the old one accepted on the old filters, gracefully, over seconds; were the route
// configuration shared, those connections would meet routes that count on filters they lack (a method newly
// requiring a key, on a connection without the key check, admitted unchecked). Under its own name, the new
// configuration reaches the new listener only, and the old listener keeps the routes it was written with: Envoy
// ignores a route configuration's removal, so the server need not keep sending it.
func (o *Output) routeConfigName() string {
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(o.manager(""))
	if err != nil {
		panic(err) // only messages of our own making: a failure is a programming error
	}
	sum := sha256.Sum256(raw)
	return RouteConfigName + "_" + hex.EncodeToString(sum[:6])
}

// route translates one route: how it is answered, then what each filter adds to it.
func (t *translator) route(api *ir.API, r *ir.Route) *route.Route {
	out := &route.Route{Name: r.Name, Match: methodMatch(r.PathRegex, r.HTTPMethod)}
	switch {
	case r.GatewayResponse == unmatchedType(api):
		out.Match = regexMatch(r.PathRegex)
		out.Metadata = gatewayResponseMetadata(routeMetadata(r), r.GatewayResponse)
		setGatewayResponse(out, answer(api, r.GatewayResponse))
		canaryRelease(out, r)
		testInvocation(out, r)
		return out
	case r.GatewayResponse != "":
		out.Metadata = gatewayResponseMetadata(routeMetadata(r), r.GatewayResponse)
		setGatewayResponse(out, answer(api, r.GatewayResponse))
	case r.HTTPProxy != nil:
		out.Metadata = routeMetadata(r)
		t.httpProxy(out, r)
	case r.Mock != nil:
		out.Metadata = routeMetadata(r)
		setDirectResponse(out, r.Mock.Status, r.Mock.Body, r.Mock.Headers)
	case r.Lambda != nil:
		out.Metadata = routeMetadata(r)
		t.lambda(out, r)
	case r.Mapping != nil:
		out.Metadata = routeMetadata(r)
		t.mapping(out, r)
	}
	for _, name := range filterOrder {
		if apply := features[name].apply; apply != nil && apply(out, r) {
			t.used[name] = true
		}
	}
	compress(out, r)
	canaryRelease(out, r)
	testInvocation(out, r)
	return out
}

// switchOn gives a filter its per-route setting, which switches a Disabled filter on for the route.
func switchOn(r *route.Route, filter string, setting *anypb.Any) {
	if r.TypedPerFilterConfig == nil {
		r.TypedPerFilterConfig = map[string]*anypb.Any{}
	}
	r.TypedPerFilterConfig[filter] = setting
}
