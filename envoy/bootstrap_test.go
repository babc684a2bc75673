package envoy

import (
	"bytes"
	"strings"
	"testing"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	httpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tollgate-gw/tollgate/internal/names"
)

// testCA is the trusted CA file the unit tests name; Envoy reads it only when it runs (real_envoy_test.go).
const testCA = "/etc/ssl/certs/ca-certificates.crt"

// parseBootstrap reads Bootstrap's output back, as Envoy would.
func parseBootstrap(t *testing.T, o BootstrapOptions) *bootstrapv3.Bootstrap {
	t.Helper()
	raw, err := Bootstrap(o)
	if err != nil {
		t.Fatalf("Bootstrap(%+v): %v", o, err)
	}
	var b bootstrapv3.Bootstrap
	if err := protojson.Unmarshal(raw, &b); err != nil {
		t.Fatalf("output is not a Bootstrap: %v\n%s", err, raw)
	}
	return &b
}

func TestBootstrapContents(t *testing.T) {
	tests := []struct {
		name        string
		opts        BootstrapOptions
		wantCluster string
		wantAPI     corev3.ApiConfigSource_ApiType
		wantListen  string // "" = no node metadata
		wantTLS     string // the HTTPS listener's address in the node metadata, if any
		wantAdmin   string // "" = no admin
		wantStatic  bool   // STATIC cluster rather than DNS
		wantXDSHost string
	}{
		{
			name: "delta with everything",
			opts: BootstrapOptions{NodeID: "n1", TrustedCA: testCA, Cluster: "edge", XDSAddress: "127.0.0.1:18000", AdminAddress: "127.0.0.1:9901", Delta: true,
				Listen: "0.0.0.0:8080", TLSListen: "0.0.0.0:8443"},
			wantCluster: "edge", wantAPI: corev3.ApiConfigSource_DELTA_GRPC, wantListen: "0.0.0.0:8080", wantTLS: "0.0.0.0:8443", wantAdmin: "127.0.0.1",
			wantStatic: true, wantXDSHost: "127.0.0.1",
		},
		{
			name:        "state of the world, defaults",
			opts:        BootstrapOptions{NodeID: "n2", TrustedCA: testCA, XDSAddress: "127.0.0.1:18000"},
			wantCluster: DefaultCluster, wantAPI: corev3.ApiConfigSource_GRPC, wantStatic: true, wantXDSHost: "127.0.0.1",
		},
		{
			name:        "host name is resolved by Envoy",
			opts:        BootstrapOptions{NodeID: "n3", TrustedCA: testCA, XDSAddress: "localhost:18000", Delta: true},
			wantCluster: DefaultCluster, wantAPI: corev3.ApiConfigSource_DELTA_GRPC, wantXDSHost: "localhost",
		},
		{
			name:        "IPv6 everywhere",
			opts:        BootstrapOptions{NodeID: "n4", TrustedCA: testCA, XDSAddress: "[::1]:18000", AdminAddress: "[::1]:9901"},
			wantCluster: DefaultCluster, wantAPI: corev3.ApiConfigSource_GRPC, wantAdmin: "::1", wantStatic: true, wantXDSHost: "::1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := parseBootstrap(t, tt.opts)

			if b.GetNode().GetId() != tt.opts.NodeID || b.GetNode().GetCluster() != tt.wantCluster {
				t.Errorf("node = %v, want id %q cluster %q", b.GetNode(), tt.opts.NodeID, tt.wantCluster)
			}
			gotListen := b.GetNode().GetMetadata().GetFields()[names.ListenMetadataKey].GetStringValue()
			if gotListen != tt.wantListen || (tt.wantListen == "" && b.GetNode().GetMetadata() != nil) {
				t.Errorf("node metadata = %v, want %s=%q", b.GetNode().GetMetadata(), names.ListenMetadataKey, tt.wantListen)
			}
			if got := b.GetNode().GetMetadata().GetFields()[names.TLSListenMetadataKey].GetStringValue(); got != tt.wantTLS {
				t.Errorf("node metadata %s = %q, want %q", names.TLSListenMetadataKey, got, tt.wantTLS)
			}
			if got := b.GetAdmin().GetAddress().GetSocketAddress().GetAddress(); got != tt.wantAdmin {
				t.Errorf("admin address = %q, want %q", got, tt.wantAdmin)
			}

			ads := b.GetDynamicResources().GetAdsConfig()
			if ads.GetApiType() != tt.wantAPI || ads.GetTransportApiVersion() != corev3.ApiVersion_V3 ||
				!ads.GetSetNodeOnFirstMessageOnly() || len(ads.GetGrpcServices()) != 1 ||
				ads.GetGrpcServices()[0].GetEnvoyGrpc().GetClusterName() != names.XDSCluster {
				t.Errorf("ads_config = %v", ads)
			}
			for name, cs := range map[string]*corev3.ConfigSource{
				"lds": b.GetDynamicResources().GetLdsConfig(), "cds": b.GetDynamicResources().GetCdsConfig(),
			} {
				if cs.GetAds() == nil || cs.GetResourceApiVersion() != corev3.ApiVersion_V3 {
					t.Errorf("%s_config = %v, want ads with V3", name, cs)
				}
			}

			checkXDSCluster(t, b, tt.wantXDSHost, tt.wantStatic)
			secrets := b.GetStaticResources().GetSecrets()
			if len(secrets) != 1 || secrets[0].GetName() != names.TrustedCASecret ||
				secrets[0].GetValidationContext().GetTrustedCa().GetFilename() != testCA {
				t.Errorf("static secrets = %v, want %s trusting %s", secrets, names.TrustedCASecret, testCA)
			}
		})
	}
}

func checkXDSCluster(t *testing.T, b *bootstrapv3.Bootstrap, wantHost string, wantStatic bool) {
	t.Helper()
	clusters := b.GetStaticResources().GetClusters()
	if len(clusters) != 1 || clusters[0].GetName() != names.XDSCluster {
		t.Fatalf("static clusters = %v, want only %s", clusters, names.XDSCluster)
	}
	c := clusters[0]
	sa := c.GetLoadAssignment().GetEndpoints()[0].GetLbEndpoints()[0].GetEndpoint().GetAddress().GetSocketAddress()
	if sa.GetAddress() != wantHost || sa.GetPortValue() != 18000 {
		t.Errorf("xDS endpoint = %v, want %s:18000", sa, wantHost)
	}
	if wantStatic {
		if c.GetType() != clusterv3.Cluster_STATIC {
			t.Errorf("cluster type = %v, want STATIC", c.GetType())
		}
	} else if c.GetClusterType().GetName() != "envoy.clusters.dns" {
		t.Errorf("cluster_type = %v, want the DNS cluster extension", c.GetClusterType())
	}
	if c.GetConnectTimeout().AsDuration().Seconds() != 1 {
		t.Errorf("connect_timeout = %v, want 1s", c.GetConnectTimeout())
	}
	var h httpv3.HttpProtocolOptions
	anyOpts := c.GetTypedExtensionProtocolOptions()["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
	if err := anyOpts.UnmarshalTo(&h); err != nil || h.GetExplicitHttpConfig().GetHttp2ProtocolOptions() == nil {
		t.Errorf("xDS cluster does not require HTTP/2: %v (%v)", anyOpts, err)
	}
	if c.GetUpstreamConnectionOptions().GetTcpKeepalive() == nil {
		t.Errorf("no TCP keepalive on the xDS cluster")
	}
}

func TestBootstrapIsStableAndReadable(t *testing.T) {
	o := BootstrapOptions{NodeID: "n", TrustedCA: testCA, XDSAddress: "127.0.0.1:18000", Listen: "0.0.0.0:8080", Delta: true}
	first, err := Bootstrap(o)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := Bootstrap(o)
	if !bytes.Equal(first, second) {
		t.Errorf("two calls with the same options differ:\n%s\n%s", first, second)
	}
	for _, want := range []string{"\n  \"node\": {\n", `"set_node_on_first_message_only": true`, `"api_type": "DELTA_GRPC"`} {
		if !strings.Contains(string(first), want) {
			t.Errorf("output lacks %q:\n%s", want, first)
		}
	}
}

func TestBootstrapRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    BootstrapOptions
		wantErr []string
	}{
		{"nothing", BootstrapOptions{}, []string{"NodeID is empty", "XDSAddress is empty", "TrustedCA is empty"}},
		{"no port", BootstrapOptions{NodeID: "n", TrustedCA: testCA, XDSAddress: "127.0.0.1"}, []string{"XDSAddress", `"127.0.0.1" is not host:port`}},
		{"no host", BootstrapOptions{NodeID: "n", TrustedCA: testCA, XDSAddress: ":18000"}, []string{"XDSAddress", "has no host"}},
		{"port 0", BootstrapOptions{NodeID: "n", TrustedCA: testCA, XDSAddress: "127.0.0.1:0"}, []string{"XDSAddress", "port must be a number from 1 to 65535"}},
		{"port too big", BootstrapOptions{NodeID: "n", TrustedCA: testCA, XDSAddress: "127.0.0.1:70000"}, []string{"port must be a number"}},
		{"named port", BootstrapOptions{NodeID: "n", TrustedCA: testCA, XDSAddress: "127.0.0.1:grpc"}, []string{"port must be a number"}},
		{"admin host name", BootstrapOptions{NodeID: "n", TrustedCA: testCA, XDSAddress: "127.0.0.1:1", AdminAddress: "localhost:9901"},
			[]string{"AdminAddress", "must be an IP address"}},
		{"admin without port", BootstrapOptions{NodeID: "n", TrustedCA: testCA, XDSAddress: "127.0.0.1:1", AdminAddress: "127.0.0.1"},
			[]string{"AdminAddress", "not host:port"}},
		{"bad listen", BootstrapOptions{NodeID: "n", TrustedCA: testCA, XDSAddress: "127.0.0.1:1", Listen: "8080"}, []string{"Listen", "not host:port"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Bootstrap(tt.opts)
			if err == nil {
				t.Fatalf("Bootstrap accepted %+v:\n%s", tt.opts, out)
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}
