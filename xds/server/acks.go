package server

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/genproto/googleapis/rpc/status"
)

// readinessTypes are the resource types an Envoy must have accepted before it serves the gateway.
var readinessTypes = []string{resourcev3.ListenerType, resourcev3.RouteType, resourcev3.ClusterType}

// ackTracker follows every xDS stream: which version of each type was sent under which nonce, and which the
// Envoy accepted (ACK) or rejected (NACK). NACKs arrive only here, so this is also where they are logged.
type ackTracker struct {
	log    *slog.Logger
	onNode func(*core.Node)

	mu      sync.Mutex
	streams map[streamID]*streamState
	wanted  map[string]map[string]string // group -> type URL -> version
}

type sent struct{ typeURL, version string }

// streamID names a stream: go-control-plane numbers state-of-the-world and delta streams independently, so the
// same number can name one stream of each kind.
type streamID struct {
	delta bool
	id    int64
}

type streamState struct {
	node    *core.Node
	pending map[string]sent   // nonce -> what it carried
	acked   map[string]string // type URL -> version
	nacked  map[string]string // type URL -> version last rejected
}

func newAckTracker(log *slog.Logger, onNode func(*core.Node)) *ackTracker {
	return &ackTracker{log: log, onNode: onNode, streams: map[streamID]*streamState{}, wanted: map[string]map[string]string{}}
}

func (a *ackTracker) setWanted(group string, versions map[string]string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.wanted[group] = versions
}

func (a *ackTracker) stream(id streamID) *streamState {
	st, ok := a.streams[id]
	if !ok {
		st = &streamState{pending: map[string]sent{}, acked: map[string]string{}, nacked: map[string]string{}}
		a.streams[id] = st
	}
	return st
}

// request records what a request says about an earlier response: an ACK, or a NACK with Envoy's reason.
func (a *ackTracker) request(id streamID, node *core.Node, nonce string, errDetail *status.Status) {
	a.mu.Lock()
	st := a.stream(id)
	first := st.node == nil && node != nil
	if first {
		st.node = node
	}
	if s, ok := st.pending[nonce]; ok && nonce != "" {
		delete(st.pending, nonce)
		if errDetail != nil {
			if st.nacked[s.typeURL] != s.version {
				a.log.Error("Envoy rejected configuration (NACK); it keeps serving its previous version",
					"node", st.node.GetId(), "type", shortType(s.typeURL), "version", s.version, "reason", errDetail.GetMessage())
			}
			st.nacked[s.typeURL] = s.version
		} else {
			st.acked[s.typeURL] = s.version
			delete(st.nacked, s.typeURL)
		}
	}
	a.mu.Unlock()
	if first {
		a.log.Info("Envoy connected", "node", node.GetId(), "stream", id.id, "delta", id.delta)
		a.onNode(node)
	}
}

func (a *ackTracker) response(id streamID, nonce, typeURL, version string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stream(id).pending[nonce] = sent{typeURL: typeURL, version: version}
}

func (a *ackTracker) closed(id streamID, node *core.Node) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.streams, id)
	a.log.Info("Envoy disconnected", "node", node.GetId(), "stream", id.id, "delta", id.delta)
}

func (a *ackTracker) ready() (bool, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.wanted) == 0 {
		return false, "no configuration loaded yet"
	}
	connected := 0
	var missing []string
	for _, st := range a.streams {
		if st.node == nil {
			continue
		}
		connected++
		want, ok := a.wanted[groupOf(st.node)]
		if !ok {
			missing = append(missing, fmt.Sprintf("%s has no configuration built yet", st.node.GetId()))
			continue
		}
		for _, typeURL := range readinessTypes {
			if v, ok := want[typeURL]; ok && st.acked[typeURL] != v {
				missing = append(missing, fmt.Sprintf("%s has not accepted %s version %s", st.node.GetId(), shortType(typeURL), v))
			}
		}
	}
	if connected == 0 {
		return false, "no Envoy connected"
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return false, strings.Join(missing, "; ")
	}
	return true, fmt.Sprintf("%d Envoy(s) serving the newest configuration", connected)
}

// EnvoyStatus is what one connected Envoy runs: for each resource type, the version Tollgate wants it to serve,
// the version it accepted last and the version it rejected (empty when it rejected none since its last ACK).
type EnvoyStatus struct {
	Node      string           `json:"node"`
	Cluster   string           `json:"cluster"`
	Listen    string           `json:"listen,omitempty"` // the listener address it asked for; "" for the configured one
	Resources []ResourceStatus `json:"resources"`
	// Current: it has accepted the newest version of every type it is sent.
	Current bool `json:"current"`
}

// ResourceStatus is one resource type of an EnvoyStatus.
type ResourceStatus struct {
	Type     string `json:"type"` // the short type name: Listener, Cluster, ...
	Wanted   string `json:"wanted"`
	Accepted string `json:"accepted"`
	Rejected string `json:"rejected,omitempty"`
}

func (a *ackTracker) envoys() []EnvoyStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []EnvoyStatus
	for _, st := range a.streams {
		if st.node == nil {
			continue
		}
		group := groupOf(st.node)
		e := EnvoyStatus{Node: st.node.GetId(), Cluster: st.node.GetCluster(), Listen: group, Current: true}
		want := a.wanted[group]
		for typeURL, v := range want {
			r := ResourceStatus{Type: shortType(typeURL), Wanted: v, Accepted: st.acked[typeURL], Rejected: st.nacked[typeURL]}
			e.Current = e.Current && r.Accepted == v
			e.Resources = append(e.Resources, r)
		}
		e.Current = e.Current && want != nil
		sort.Slice(e.Resources, func(i, j int) bool { return e.Resources[i].Type < e.Resources[j].Type })
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out
}

func shortType(typeURL string) string { return typeURL[strings.LastIndex(typeURL, ".")+1:] }

// The xds.Callbacks interface, state of the world and delta.

func (a *ackTracker) OnStreamOpen(context.Context, int64, string) error { return nil }
func (a *ackTracker) OnStreamClosed(id int64, node *core.Node)          { a.closed(streamID{id: id}, node) }
func (a *ackTracker) OnStreamRequest(id int64, r *discovery.DiscoveryRequest) error {
	a.request(streamID{id: id}, r.GetNode(), r.GetResponseNonce(), r.GetErrorDetail())
	return nil
}
func (a *ackTracker) OnStreamResponse(_ context.Context, id int64, _ *discovery.DiscoveryRequest, r *discovery.DiscoveryResponse) {
	a.response(streamID{id: id}, r.GetNonce(), r.GetTypeUrl(), r.GetVersionInfo())
}
func (a *ackTracker) OnDeltaStreamOpen(context.Context, int64, string) error { return nil }
func (a *ackTracker) OnDeltaStreamClosed(id int64, node *core.Node) {
	a.closed(streamID{delta: true, id: id}, node)
}
func (a *ackTracker) OnStreamDeltaRequest(id int64, r *discovery.DeltaDiscoveryRequest) error {
	a.request(streamID{delta: true, id: id}, r.GetNode(), r.GetResponseNonce(), r.GetErrorDetail())
	return nil
}
func (a *ackTracker) OnStreamDeltaResponse(id int64, _ *discovery.DeltaDiscoveryRequest, r *discovery.DeltaDiscoveryResponse) {
	a.response(streamID{delta: true, id: id}, r.GetNonce(), r.GetTypeUrl(), r.GetSystemVersionInfo())
}
func (a *ackTracker) OnFetchRequest(context.Context, *discovery.DiscoveryRequest) error         { return nil }
func (a *ackTracker) OnFetchResponse(*discovery.DiscoveryRequest, *discovery.DiscoveryResponse) {}
