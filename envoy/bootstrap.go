package envoy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpointv3 "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	overloadv3 "github.com/envoyproxy/go-control-plane/envoy/config/overload/v3"
	commondnsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/clusters/common/dns/v3"
	dnsclusterv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/clusters/dns/v3"
	downstreamconnectionsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/resource_monitors/downstream_connections/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	httpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/names"
)

const (
	// DefaultCluster is the node cluster used when BootstrapOptions.Cluster is empty.
	DefaultCluster = "tollgate"
)

// BootstrapOptions describes one Envoy's bootstrap. Everything else Envoy runs comes from the xDS server.
type BootstrapOptions struct {
	NodeID       string // node id; the control plane serves every node the same API config
	Cluster      string // node cluster, default "tollgate"
	XDSAddress   string // host:port of Tollgate's ADS gRPC server; a host name is resolved by Envoy (IPv4 first)
	AdminAddress string // ip:port of this Envoy's admin listener; "" = no admin listener
	Delta        bool   // DELTA_GRPC (Tollgate's default) rather than GRPC (state of the world)
	// Listen, if set, is a host:port (e.g. 0.0.0.0:8080) put into node metadata under names.ListenMetadataKey so
	// the control plane gives this Envoy its own listener address; that lets several Envoys share one
	// control plane on one machine.
	Listen string
	// TLSListen, if set, is this Envoy's own address for the HTTPS listener of the custom domain names
	// (names.TLSListenMetadataKey); without it, an Envoy with its own Listen opens none, as the config's
	// tls.listen is the default Envoy's.
	TLSListen string
	// TrustedCA is the file of PEM CA certificates this Envoy verifies HTTPS backends against, normally its
	// machine's bundle (SystemCABundle).
	TrustedCA string
}

// Bootstrap returns the JSON bootstrap for o, indented for people to read. Envoy takes it with
// `-c FILE.json`. The output depends only on o.
func Bootstrap(o BootstrapOptions) ([]byte, error) {
	b, err := bootstrapProto(o)
	if err != nil {
		return nil, err
	}
	// The protos' own constraints catch a malformed bootstrap here rather than when Envoy starts.
	if err := b.ValidateAll(); err != nil {
		return nil, fmt.Errorf("envoy bootstrap: %w", err)
	}
	raw, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("envoy bootstrap: %w", err)
	}
	// protojson deliberately varies its whitespace between builds; re-indenting with encoding/json makes
	// the bytes stable, so generated files diff cleanly and tests can compare them.
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, fmt.Errorf("envoy bootstrap: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func bootstrapProto(o BootstrapOptions) (*bootstrapv3.Bootstrap, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	node, err := o.node()
	if err != nil {
		return nil, err
	}
	host, port, _ := splitHostPort(o.XDSAddress) // validated already
	xds, err := xdsCluster(host, port)
	if err != nil {
		return nil, err
	}
	b := &bootstrapv3.Bootstrap{
		Node: node,
		StaticResources: &bootstrapv3.Bootstrap_StaticResources{
			Clusters: []*clusterv3.Cluster{xds},
			Secrets:  []*tlsv3.Secret{TrustedCASecret(o.TrustedCA)},
		},
		DynamicResources: dynamicResources(o.Delta),
	}
	overload, err := overloadManager()
	if err != nil {
		return nil, err
	}
	b.OverloadManager = overload
	if o.AdminAddress != "" {
		host, port, _ := splitHostPort(o.AdminAddress) // validated already
		b.Admin = &bootstrapv3.Admin{Address: socketAddress(host, port)}
	}
	return b, nil
}

// MaxDownstreamConnections caps the connections one Envoy accepts, so a connection flood degrades into refused
// connections instead of exhausting file descriptors and memory (and Envoy stops warning that no cap is set).
const MaxDownstreamConnections = 50000

func overloadManager() (*overloadv3.OverloadManager, error) {
	monitor, err := anypb.New(&downstreamconnectionsv3.DownstreamConnectionsConfig{MaxActiveDownstreamConnections: MaxDownstreamConnections})
	if err != nil {
		return nil, err
	}
	return &overloadv3.OverloadManager{ResourceMonitors: []*overloadv3.ResourceMonitor{{
		Name:       "envoy.resource_monitors.global_downstream_max_connections",
		ConfigType: &overloadv3.ResourceMonitor_TypedConfig{TypedConfig: monitor},
	}}}, nil
}

func (o BootstrapOptions) validate() error {
	var errs []error
	if o.NodeID == "" {
		errs = append(errs, errors.New("envoy bootstrap: NodeID is empty"))
	}
	if o.XDSAddress == "" {
		errs = append(errs, errors.New("envoy bootstrap: XDSAddress is empty; it must be the host:port of Tollgate's xDS server"))
	} else if _, _, err := splitHostPort(o.XDSAddress); err != nil {
		errs = append(errs, fmt.Errorf("envoy bootstrap: XDSAddress: %w", err))
	}
	if o.AdminAddress != "" {
		// Envoy binds the admin listener without resolving names, so only an IP literal works.
		if host, _, err := splitHostPort(o.AdminAddress); err != nil {
			errs = append(errs, fmt.Errorf("envoy bootstrap: AdminAddress: %w", err))
		} else if _, err := netip.ParseAddr(host); err != nil {
			errs = append(errs, fmt.Errorf("envoy bootstrap: AdminAddress %q: host must be an IP address such as 127.0.0.1", o.AdminAddress))
		}
	}
	if o.TrustedCA == "" {
		errs = append(errs, errors.New("envoy bootstrap: TrustedCA is empty; it must be a file of PEM CA certificates"))
	}
	if o.Listen != "" {
		if _, _, err := splitHostPort(o.Listen); err != nil {
			errs = append(errs, fmt.Errorf("envoy bootstrap: Listen: %w", err))
		}
	}
	return errors.Join(errs...)
}

// splitHostPort parses "host:port" and insists on both parts, with a port Envoy can connect to or bind.
func splitHostPort(addr string) (string, uint32, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("%q is not host:port: %w", addr, err)
	}
	if host == "" {
		return "", 0, fmt.Errorf("%q has no host", addr)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return "", 0, fmt.Errorf("%q: port must be a number from 1 to 65535", addr)
	}
	return host, uint32(port), nil
}

func (o BootstrapOptions) node() (*corev3.Node, error) {
	n := &corev3.Node{Id: o.NodeID, Cluster: o.Cluster}
	if n.Cluster == "" {
		n.Cluster = DefaultCluster
	}
	fields := map[string]any{}
	if o.Listen != "" {
		fields[names.ListenMetadataKey] = o.Listen
	}
	if o.TLSListen != "" {
		fields[names.TLSListenMetadataKey] = o.TLSListen
	}
	if len(fields) > 0 {
		md, err := structpb.NewStruct(fields)
		if err != nil {
			return nil, fmt.Errorf("envoy bootstrap: node metadata: %w", err)
		}
		n.Metadata = md
	}
	return n, nil
}

// xdsCluster is the static cluster Envoy uses to reach the ADS server.
func xdsCluster(host string, port uint32) (*clusterv3.Cluster, error) {
	// gRPC needs HTTP/2 to the upstream; Envoy speaks HTTP/1.1 unless told otherwise.
	h2, err := anypb.New(&httpv3.HttpProtocolOptions{
		UpstreamProtocolOptions: &httpv3.HttpProtocolOptions_ExplicitHttpConfig_{
			ExplicitHttpConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig{
				ProtocolConfig: &httpv3.HttpProtocolOptions_ExplicitHttpConfig_Http2ProtocolOptions{
					Http2ProtocolOptions: &corev3.Http2ProtocolOptions{},
				},
			},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("envoy bootstrap: %w", err)
	}
	c := &clusterv3.Cluster{
		Name:           names.XDSCluster,
		ConnectTimeout: durationpb.New(time.Second),
		TypedExtensionProtocolOptions: map[string]*anypb.Any{
			string(proto.MessageName(&httpv3.HttpProtocolOptions{})): h2,
		},
		// TCP keepalive notices a control plane that vanished without closing the connection (a dead VM,
		// a dropped NAT entry). HTTP/2 PING keepalive would too, but grpc-go servers by default answer pings
		// more frequent than every 5 minutes with GOAWAY "too_many_pings", so it is left off.
		UpstreamConnectionOptions: &clusterv3.UpstreamConnectionOptions{
			TcpKeepalive: &corev3.TcpKeepalive{
				KeepaliveTime:     wrapperspb.UInt32(30),
				KeepaliveInterval: wrapperspb.UInt32(5),
				KeepaliveProbes:   wrapperspb.UInt32(3),
			},
		},
		LoadAssignment: &endpointv3.ClusterLoadAssignment{
			ClusterName: names.XDSCluster,
			Endpoints: []*endpointv3.LocalityLbEndpoints{{
				LbEndpoints: []*endpointv3.LbEndpoint{{
					HostIdentifier: &endpointv3.LbEndpoint_Endpoint{
						Endpoint: &endpointv3.Endpoint{Address: socketAddress(host, port)},
					},
				}},
			}},
		},
	}
	if _, err := netip.ParseAddr(host); err == nil {
		c.ClusterDiscoveryType = &clusterv3.Cluster_Type{Type: clusterv3.Cluster_STATIC}
		return c, nil
	}
	dns, err := dnsClusterType()
	if err != nil {
		return nil, err
	}
	c.ClusterDiscoveryType = &clusterv3.Cluster_ClusterType{ClusterType: dns}
	return c, nil
}

// dnsClusterType is a strict-DNS cluster configured through the DnsCluster extension, which replaces the
// deprecated per-cluster DNS fields. IPv4 is preferred because Envoy would otherwise try ::1 first for
// "localhost", while a Go server told to listen on "localhost:PORT" binds only 127.0.0.1.
func dnsClusterType() (*clusterv3.Cluster_CustomClusterType, error) {
	cfg, err := anypb.New(&dnsclusterv3.DnsCluster{DnsLookupFamily: commondnsv3.DnsLookupFamily_V4_PREFERRED})
	if err != nil {
		return nil, fmt.Errorf("envoy bootstrap: %w", err)
	}
	return &clusterv3.Cluster_CustomClusterType{Name: "envoy.clusters.dns", TypedConfig: cfg}, nil
}

func socketAddress(host string, port uint32) *corev3.Address {
	return &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{
		Address:       host,
		PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: port},
	}}}
}

// dynamicResources sends Envoy to the ADS server for listeners and clusters; routes, endpoints and secrets
// those refer to come over the same stream.
func dynamicResources(delta bool) *bootstrapv3.Bootstrap_DynamicResources {
	api := corev3.ApiConfigSource_GRPC
	if delta {
		api = corev3.ApiConfigSource_DELTA_GRPC
	}
	viaADS := func() *corev3.ConfigSource {
		return &corev3.ConfigSource{
			ConfigSourceSpecifier: &corev3.ConfigSource_Ads{Ads: &corev3.AggregatedConfigSource{}},
			ResourceApiVersion:    corev3.ApiVersion_V3,
		}
	}
	return &bootstrapv3.Bootstrap_DynamicResources{
		AdsConfig: &corev3.ApiConfigSource{
			ApiType:             api,
			TransportApiVersion: corev3.ApiVersion_V3,
			GrpcServices: []*corev3.GrpcService{{
				TargetSpecifier: &corev3.GrpcService_EnvoyGrpc_{
					EnvoyGrpc: &corev3.GrpcService_EnvoyGrpc{ClusterName: names.XDSCluster},
				},
			}},
			// The node is the same on every request of a stream; sending it once saves bytes per ACK.
			SetNodeOnFirstMessageOnly: true,
		},
		LdsConfig: viaADS(),
		CdsConfig: viaADS(),
	}
}
