package translate

import (
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	preservecase "github.com/envoyproxy/go-control-plane/envoy/extensions/http/header_formatters/preserve_case/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	upstreamhttp "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// connectTimeout bounds the TCP (and TLS) handshake with a backend; the integration timeout bounds the rest.
const connectTimeout = 5 * time.Second

// A gateway in front of many clients must not be throttled by Envoy's default circuit breakers (1024 requests per
// cluster): API Gateway's own account limit is 10,000 requests per second.
const circuitBreakerLimit = 1 << 20

// cluster returns the name of the cluster for a backend, creating it on first use: every route to the same
// scheme, host and port shares one connection pool.
func (t *translator) cluster(be ir.Backend) string {
	name := clusterName(be)
	if _, ok := t.clusters[name]; !ok {
		t.clusters[name] = newCluster(name, be)
	}
	return name
}

// clusterName is the backend's URL; an https backend verified under another name than its host, or without its
// certificate chain, adds what differs so that each TLS setting has its own cluster.
func clusterName(be ir.Backend) string {
	name := be.Scheme + "://" + net.JoinHostPort(be.Host, strconv.Itoa(int(be.Port)))
	if be.Scheme == "https" && be.ServerName != be.Host {
		name += ";sni=" + be.ServerName
	}
	if be.Scheme == "https" && be.SkipChainVerification {
		name += ";skip-chain-verification"
	}
	return name
}

func newCluster(name string, be ir.Backend) *cluster.Cluster {
	c := &cluster.Cluster{
		Name:           name,
		ConnectTimeout: durationpb.New(connectTimeout),
		LoadAssignment: &endpoint.ClusterLoadAssignment{
			ClusterName: name,
			Endpoints: []*endpoint.LocalityLbEndpoints{{LbEndpoints: []*endpoint.LbEndpoint{{
				HostIdentifier: &endpoint.LbEndpoint_Endpoint{Endpoint: &endpoint.Endpoint{
					Address: socketAddress(be.Host, be.Port),
				}},
			}}}},
		},
		CircuitBreakers: &cluster.CircuitBreakers{Thresholds: []*cluster.CircuitBreakers_Thresholds{{
			MaxConnections:     wrapperspb.UInt32(circuitBreakerLimit),
			MaxPendingRequests: wrapperspb.UInt32(circuitBreakerLimit),
			MaxRequests:        wrapperspb.UInt32(circuitBreakerLimit),
		}}},
	}
	if net.ParseIP(be.Host) != nil {
		c.ClusterDiscoveryType = &cluster.Cluster_Type{Type: cluster.Cluster_STATIC}
	} else {
		// One logical host behind DNS, as API Gateway treats an integration endpoint; prefer IPv4 because
		// "localhost" often resolves to ::1 first while backends listen on 127.0.0.1.
		c.ClusterDiscoveryType = &cluster.Cluster_Type{Type: cluster.Cluster_LOGICAL_DNS}
		c.DnsLookupFamily = cluster.Cluster_V4_PREFERRED
	}
	if be.Scheme == "https" {
		c.TransportSocket = upstreamTLS(be)
	}
	// HTTP/1.1 to the backend, header names in the case the client wrote them (an edge domain's twin writes them
	// capitalised instead; a cluster of another protocol replaces these options).
	c.TypedExtensionProtocolOptions = map[string]*anypb.Any{
		string(proto.MessageName(&upstreamhttp.HttpProtocolOptions{})): mustAny(&upstreamhttp.HttpProtocolOptions{
			UpstreamProtocolOptions: &upstreamhttp.HttpProtocolOptions_ExplicitHttpConfig_{ExplicitHttpConfig: &upstreamhttp.HttpProtocolOptions_ExplicitHttpConfig{
				ProtocolConfig: &upstreamhttp.HttpProtocolOptions_ExplicitHttpConfig_HttpProtocolOptions{HttpProtocolOptions: &core.Http1ProtocolOptions{HeaderKeyFormat: preservedCase()}},
			}},
		}),
	}
	return c
}

// preservedCase keeps HTTP/1.1 header names in the case they came in: on the listener, as the client wrote them;
// on a cluster, writing them so (and a backend's response headers as the backend wrote them).
func preservedCase() *core.Http1ProtocolOptions_HeaderKeyFormat {
	return &core.Http1ProtocolOptions_HeaderKeyFormat{HeaderFormat: &core.Http1ProtocolOptions_HeaderKeyFormat_StatefulFormatter{
		StatefulFormatter: &core.TypedExtensionConfig{Name: "preserve_case", TypedConfig: mustAny(&preservecase.PreserveCaseFormatterConfig{})},
	}}
}

func socketAddress(host string, port uint32) *core.Address {
	return &core.Address{Address: &core.Address_SocketAddress{SocketAddress: &core.SocketAddress{
		Address:       host,
		PortSpecifier: &core.SocketAddress_PortValue{PortValue: port},
	}}}
}

// upstreamTLS verifies an https backend as API Gateway does: the certificate must chain to a CA the Envoy's
// machine trusts (the bootstrap's names.TrustedCASecret) and name the server name, which Envoy checks only when
// told to. SNI carries the name, unless it is an IP address, which SNI cannot carry.
//
// The integration's insecureSkipVerification accepts a certificate from any issuer. API Gateway still checks its
// name then, but Envoy cannot: its ACCEPT_UNTRUSTED mode admits a certificate whatever its name (tested with Envoy
// 1.40), and it refuses to check names without a trusted CA. So Envoy checks nothing then, and the importer warns.
func upstreamTLS(be ir.Backend) *core.TransportSocket {
	ipName := net.ParseIP(be.ServerName) != nil
	common := &tlsv3.CommonTlsContext{}
	if !be.SkipChainVerification {
		sanType := tlsv3.SubjectAltNameMatcher_DNS
		if ipName {
			sanType = tlsv3.SubjectAltNameMatcher_IP_ADDRESS
		}
		common.ValidationContextType = &tlsv3.CommonTlsContext_CombinedValidationContext{
			CombinedValidationContext: &tlsv3.CommonTlsContext_CombinedCertificateValidationContext{
				DefaultValidationContext: &tlsv3.CertificateValidationContext{
					MatchTypedSubjectAltNames: []*tlsv3.SubjectAltNameMatcher{{
						SanType: sanType,
						Matcher: &matcher.StringMatcher{MatchPattern: &matcher.StringMatcher_Exact{Exact: be.ServerName}},
					}},
				},
				ValidationContextSdsSecretConfig: &tlsv3.SdsSecretConfig{Name: names.TrustedCASecret},
			},
		}
	}
	ctx := &tlsv3.UpstreamTlsContext{CommonTlsContext: common}
	if !ipName {
		ctx.Sni = be.ServerName
	}
	return &core.TransportSocket{
		Name:       "envoy.transport_sockets.tls",
		ConfigType: &core.TransportSocket_TypedConfig{TypedConfig: mustAny(ctx)},
	}
}

func mustAny(m proto.Message) *anypb.Any {
	// Deterministic, so unchanged config hashes to an unchanged version and Envoy is not sent it again.
	a := &anypb.Any{}
	if err := anypb.MarshalFrom(a, m, proto.MarshalOptions{Deterministic: true}); err != nil {
		panic(err) // only for messages of our own making: a failure is a programming error
	}
	return a
}

func (t *translator) sortedClusters() []*cluster.Cluster {
	return slices.SortedFunc(maps.Values(t.clusters), func(a, b *cluster.Cluster) int { return strings.Compare(a.GetName(), b.GetName()) })
}
