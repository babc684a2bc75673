// Package server is Tollgate's xDS control plane: one ADS gRPC server (state of the world and delta) that hands
// every connected Envoy the translated gateway, and tracks which version each Envoy has accepted so /readyz can
// tell when a change is being served.
package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	clusterservice "github.com/envoyproxy/go-control-plane/envoy/service/cluster/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	listenerservice "github.com/envoyproxy/go-control-plane/envoy/service/listener/v3"
	routeservice "github.com/envoyproxy/go-control-plane/envoy/service/route/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	xds "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"

	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/xds/translate"
)

// defaultGroup is the snapshot key of Envoys that take the configured listen address.
const defaultGroup = ""

// Server serves the current translation to every Envoy over ADS.
type Server struct {
	log   *slog.Logger
	cache cachev3.SnapshotCache
	acks  *ackTracker

	mu            sync.Mutex
	output        *translate.Output
	defaultListen string
	groups        map[string]bool              // snapshot keys with at least one Envoy seen
	versions      map[string]map[string]string // group -> type URL -> version being served
}

// New returns a server with nothing to serve yet: Envoys that connect wait until the first Update.
func New(log *slog.Logger) *Server {
	s := &Server{
		log:      log,
		groups:   map[string]bool{defaultGroup: true},
		versions: map[string]map[string]string{},
	}
	s.cache = cachev3.NewSnapshotCache(true, cachev3.NodeHash(nodeGroup{}), cacheLogger{log})
	s.acks = newAckTracker(log, s.onNode)
	return s
}

// nodeGroup keys snapshots by the listener addresses a node asked for, if any.
type nodeGroup struct{}

func (nodeGroup) ID(node *core.Node) string { return groupOf(node) }

// groupOf is the node's listen address and its HTTPS listener's, space-separated ("" and "" for the default
// group's), as an address has no space.
func groupOf(node *core.Node) string {
	fields := node.GetMetadata().GetFields()
	listen, tlsListen := fields[names.ListenMetadataKey].GetStringValue(), fields[names.TLSListenMetadataKey].GetStringValue()
	if tlsListen == "" {
		return listen
	}
	return listen + " " + tlsListen
}

// addresses are a group's listen address and its HTTPS listener's: the default Envoy's are the config's.
func (s *Server) addresses(group string) (listen, tlsListen string) {
	listen, tlsListen, _ = strings.Cut(group, " ")
	if listen == defaultGroup {
		listen = s.defaultListen
		if tlsListen == "" {
			tlsListen = s.output.TLSListen()
		}
	}
	return listen, tlsListen
}

// Update makes out (with the listener on defaultListen) the configuration every Envoy should run. Resource types
// whose content did not change keep their version, so Envoy is not sent them again.
func (s *Server) Update(ctx context.Context, out *translate.Output, defaultListen string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.output, s.defaultListen = out, defaultListen
	for group := range s.groups {
		if err := s.publishLocked(ctx, group); err != nil {
			return err
		}
	}
	return nil
}

// onNode is called for every node seen on a stream; the first node of a new group gets its snapshot built.
func (s *Server) onNode(node *core.Node) {
	group := groupOf(node)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups[group] {
		return
	}
	s.groups[group] = true
	if s.output != nil {
		if err := s.publishLocked(context.Background(), group); err != nil {
			s.log.Error("cannot build configuration for Envoy", "node", node.GetId(), "listen", group, "err", err)
		}
	}
}

func (s *Server) publishLocked(ctx context.Context, group string) error {
	listen, tlsListen := s.addresses(group)
	lis, err := s.output.Listener(listen)
	if err != nil {
		return err
	}
	byType := map[types.ResponseType][]types.Resource{
		types.Listener: {lis},
		types.Route:    {s.output.Routes},
	}
	// The HTTPS listener of the custom domains is on tls.listen for the default group only: Envoys that share
	// the control plane under listen addresses of their own would all bind that one address, so theirs is the
	// one they name (--tls-listen), if any. Its secrets are a type only when there is a listener: an Envoy asks
	// for no secrets otherwise, and would never acknowledge them.
	if tlsListen != "" {
		tlsListener, err := s.output.TLSListener(tlsListen)
		if err != nil {
			return err
		}
		if tlsListener != nil {
			byType[types.Listener] = append(byType[types.Listener], tlsListener)
			for _, secret := range s.output.Secrets() {
				byType[types.Secret] = append(byType[types.Secret], secret)
			}
		}
	}
	for _, c := range s.output.Clusters {
		byType[types.Cluster] = append(byType[types.Cluster], c)
	}
	// A gateway with no HTTP integrations has no clusters; the type still needs a version for readiness.
	if _, ok := byType[types.Cluster]; !ok {
		byType[types.Cluster] = nil
	}
	snap := &cachev3.Snapshot{}
	for typ, items := range byType {
		snap.Resources[typ] = cachev3.NewResources("", items)
	}
	// The per-resource hashes delta xDS needs anyway (the snapshot keeps them) give each type its version: one
	// marshal of each resource, which for a large route configuration is most of a reload's time.
	if err := snap.ConstructVersionMap(); err != nil {
		return err
	}
	versions := map[string]string{}
	for typ := range byType {
		url, _ := cachev3.GetResponseTypeURL(typ)
		v := contentVersion(snap.GetVersionMap(url))
		snap.Resources[typ].Version = v
		versions[url] = v
	}
	if err := snap.Consistent(); err != nil {
		return fmt.Errorf("inconsistent snapshot: %w", err)
	}
	if err := s.cache.SetSnapshot(ctx, group, snap); err != nil {
		return err
	}
	s.versions[group] = versions
	s.acks.setWanted(group, versions)
	return nil
}

// contentVersion is a hash of a type's resources (name -> content hash), so an unchanged set keeps its version
// across updates.
func contentVersion(hashes map[string]string) string {
	names := make([]string, 0, len(hashes))
	for name := range hashes {
		names = append(names, name)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, name := range names {
		fmt.Fprintf(h, "%s\x00%s\n", name, hashes[name])
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Ready reports whether at least one Envoy is connected and every connected Envoy has accepted the newest
// version of every resource type; the reason says what is missing when not.
func (s *Server) Ready() (bool, string) { return s.acks.ready() }

// Envoys is what every connected Envoy runs, by node id.
func (s *Server) Envoys() []EnvoyStatus { return s.acks.envoys() }

// MaxMessageSize is the largest message the server takes: a 10 MB body with its headers, and room to spare.
const MaxMessageSize = 16 << 20

// Serve runs the ADS server on lis until ctx is done. register adds more services to the same gRPC server: the
// ext services Envoy reaches over the cluster it already uses for xDS.
func (s *Server) Serve(ctx context.Context, lis net.Listener, register ...func(*grpc.Server)) error {
	srv := xds.NewServer(ctx, s.cache, s.acks)
	g := grpc.NewServer(
		grpc.MaxConcurrentStreams(1<<20),
		// ext_proc carries whole bodies: a Lambda proxy request of up to API Gateway's 10 MB in one message, where
		// gRPC's default would refuse anything over 4 MB.
		grpc.MaxRecvMsgSize(MaxMessageSize),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 5 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 15 * time.Second, PermitWithoutStream: true}),
	)
	discovery.RegisterAggregatedDiscoveryServiceServer(g, srv)
	listenerservice.RegisterListenerDiscoveryServiceServer(g, srv)
	routeservice.RegisterRouteDiscoveryServiceServer(g, srv)
	clusterservice.RegisterClusterDiscoveryServiceServer(g, srv)
	for _, r := range register {
		r(g)
	}
	go func() {
		<-ctx.Done()
		g.Stop()
	}()
	if err := g.Serve(lis); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// cacheLogger sends go-control-plane's logging to slog at debug level: it is chatty and only useful when
// debugging the control plane itself.
type cacheLogger struct{ log *slog.Logger }

func (l cacheLogger) Debugf(format string, args ...any) { l.log.Debug(fmt.Sprintf(format, args...)) }
func (l cacheLogger) Infof(format string, args ...any)  { l.log.Debug(fmt.Sprintf(format, args...)) }
func (l cacheLogger) Warnf(format string, args ...any)  { l.log.Warn(fmt.Sprintf(format, args...)) }
func (l cacheLogger) Errorf(format string, args ...any) { l.log.Error(fmt.Sprintf(format, args...)) }
