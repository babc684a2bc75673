package translate

import (
	"net"
	"regexp"
	"slices"
	"strconv"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// webSocketType is the upgrade Envoy hands over to the WebSocket service.
const webSocketType = "websocket"

// webSocketHosts are the WebSocket APIs' virtual hosts, one per API: each stage's path is upgraded and its
// connection handed to Tollgate's WebSocket service, which holds it (the one place a request passes through
// Tollgate's own process), and /{stage}/@connections/{id} is the service's too. Envoy overwrites the headers that
// tell the service the API and stage and the client's address, so a client cannot name others. forms are the same
// routes under the host-independent invocation paths, which every virtual host ends with: they go to the service
// as they are (the path a caller signed), where a REST API's are rewritten.
func (t *translator) webSocketHosts() (hosts []*route.VirtualHost, forms []*route.Route) {
	for _, st := range t.snap.WebSockets {
		if n := len(hosts); n == 0 || hosts[n-1].GetName() != names.APIVirtualHost(st.APIID) {
			hosts = append(hosts, &route.VirtualHost{Name: names.APIVirtualHost(st.APIID), Domains: []string{st.APIID + "." + t.snap.Domain}})
		}
		vh := hosts[len(hosts)-1]
		base := names.StageRoutes(st.APIID, st.Stage)
		// Stage names and API ids are [A-Za-z0-9_-]: nothing to quote in a regex.
		for i, prefix := range []string{"/" + st.Stage, "/_aws/execute-api/" + st.APIID + "/" + st.Stage, "/restapis/" + st.APIID + "/" + st.Stage + "/_user_request_"} {
			connections := t.toWebSocketService(st, base+"@connections", regexMatch("^"+prefix+"/(@|%40)connections/[^/]+$"), false, "") // botocore percent-encodes the @
			connect := t.toWebSocketService(st, base+names.WebSocketConnect, regexMatch("^"+prefix+"/?$"), true, "")
			if i == 0 {
				vh.Routes = append(vh.Routes, connections, connect)
				continue
			}
			connections.Name, connect.Name = connections.Name+"_path", connect.Name+"_path"
			forms = append(forms, connections, connect)
		}
	}
	return hosts, forms
}

// webSocketMappingRoutes serve a WebSocket stage under a custom domain's base path: its connections at the base
// path, its @connections calls under it, HTTPS only. The service is told the base path and the host called
// (names.WebSocketMappingHeader), which its paths, signatures and events are of.
func (t *translator) webSocketMappingRoutes(d ir.DomainName, m ir.BasePathMapping) []*route.Route {
	i := slices.IndexFunc(t.snap.WebSockets, func(st ir.WebSocketStage) bool { return st.APIID == m.APIID && st.Stage == m.Stage })
	if i < 0 {
		return nil // the model check refuses a mapping to a stage the gateway lacks
	}
	st := t.snap.WebSockets[i]
	name := "domain:" + d.Name + ":" + m.BasePath + ":"
	base := regexp.QuoteMeta(m.BasePath)
	mapping := m.BasePath + " %REQ(:AUTHORITY)%"
	routes := []*route.Route{
		t.toWebSocketService(st, name+"@connections", regexMatch("^"+base+"/(@|%40)connections/[^/]+$"), false, mapping),
		t.toWebSocketService(st, name+names.WebSocketConnect, regexMatch("^"+base+"/?$"), true, mapping),
	}
	for _, r := range routes {
		r.Match.Headers = append(r.Match.Headers, httpsOnly)
	}
	return routes
}

// toWebSocketService is a route to the WebSocket service for a stage, upgrading the connection or not; mapping is
// names.WebSocketMappingHeader's value on a custom domain's route, "" elsewhere (where the header is removed).
func (t *translator) toWebSocketService(st ir.WebSocketStage, name string, match *route.RouteMatch, upgrade bool, mapping string) *route.Route {
	action := &route.RouteAction{
		ClusterSpecifier: &route.RouteAction_Cluster{Cluster: t.webSocketCluster()},
		// A connection lasts as long as the service keeps it (its idle timeout and lifetime are API Gateway's),
		// not as long as Envoy's defaults for a request.
		Timeout:     durationpb.New(0),
		IdleTimeout: durationpb.New(0),
	}
	if upgrade {
		action.UpgradeConfigs = []*route.RouteAction_UpgradeConfig{{UpgradeType: webSocketType, Enabled: wrapperspb.Bool(true)}}
	}
	r := &route.Route{Name: name, Match: match, Action: &route.Route_Route{Route: action},
		RequestHeadersToAdd: []*core.HeaderValueOption{
			{Header: &core.HeaderValue{Key: names.WebSocketAPIHeader, Value: st.APIID + "/" + st.Stage}, AppendAction: core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD},
			{Header: &core.HeaderValue{Key: names.WebSocketSourceIPHeader, Value: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"}, AppendAction: core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD},
		}}
	if mapping == "" {
		// Only a custom domain's routes tell the service of a mapping: a client's own header goes.
		r.RequestHeadersToRemove = []string{names.WebSocketMappingHeader}
	} else {
		r.RequestHeadersToAdd = append(r.RequestHeadersToAdd, &core.HeaderValueOption{
			Header: &core.HeaderValue{Key: names.WebSocketMappingHeader, Value: mapping}, AppendAction: core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD})
	}
	return r
}

// webSocketCluster is the cluster of the WebSocket service, made once.
func (t *translator) webSocketCluster() string {
	if _, made := t.clusters[names.WebSocketCluster]; !made {
		host, port, _ := net.SplitHostPort(t.snap.WebSocketService) // the config checked it
		p, _ := strconv.ParseUint(port, 10, 16)
		c := newCluster(names.WebSocketCluster, ir.Backend{Host: host, Port: uint32(p)})
		t.clusters[names.WebSocketCluster] = c
	}
	return names.WebSocketCluster
}

// webSocketUpgrades lets the listener upgrade WebSocket connections where a route enables it (the WebSocket APIs'
// stages only), through the router alone: the checks and ext_proc are for requests, not for a connection's
// frames.
func webSocketUpgrades(snap *ir.Snapshot) []*hcm.HttpConnectionManager_UpgradeConfig {
	if len(snap.WebSockets) == 0 {
		return nil
	}
	return []*hcm.HttpConnectionManager_UpgradeConfig{{UpgradeType: webSocketType, Enabled: wrapperspb.Bool(false), Filters: []*hcm.HttpFilter{routerFilter()}}}
}
