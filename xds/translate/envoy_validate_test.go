package translate

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	bootstrap "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/tollgate-gw/tollgate/envoy"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// TestEnvoyAcceptsTranslation runs every golden translation through the real Envoy's config validation, so a
// resource Envoy would NACK fails here rather than in a running gateway. The routes are inlined into the listener
// and the xDS cluster is a placeholder: validation checks every filter, route and cluster without serving.
func TestEnvoyAcceptsTranslation(t *testing.T) {
	bin, err := envoy.Find("")
	if err != nil {
		t.Fatalf("this test needs Envoy: %v", err)
	}
	trustedCA, err := envoy.SystemCABundle()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range goldenInputs(t) {
		t.Run(strings.TrimSuffix(filepath.Base(in), ".ir.yaml"), func(t *testing.T) {
			out := translateGolden(t, in)
			lis, err := out.Listener("127.0.0.1:8080")
			if err != nil {
				t.Fatal(err)
			}
			inlineRoutes(t, lis, out)
			listeners := []*listener.Listener{lis}
			secrets := []*tlsv3.Secret{envoy.TrustedCASecret(trustedCA)}
			if tlsListener, err := out.TLSListener(out.TLSListen()); err != nil {
				t.Fatal(err)
			} else if tlsListener != nil {
				// The certificates are static secrets here, named as the ADS stream would send them.
				staticSecrets(t, tlsListener)
				inlineRoutes(t, tlsListener, out)
				listeners = append(listeners, tlsListener)
				secrets = append(secrets, out.Secrets()...)
			}
			clusters := append([]*cluster.Cluster{{
				Name:                 names.XDSCluster,
				ConnectTimeout:       durationpb.New(1e9),
				ClusterDiscoveryType: &cluster.Cluster_Type{Type: cluster.Cluster_STATIC},
				LoadAssignment:       newCluster(names.XDSCluster, ir.Backend{Host: "127.0.0.1", Port: 18000}).GetLoadAssignment(),
			}}, out.Clusters...)
			b := &bootstrap.Bootstrap{
				Node: &core.Node{Id: "validate", Cluster: "tollgate"},
				StaticResources: &bootstrap.Bootstrap_StaticResources{
					Listeners: listeners,
					Clusters:  clusters,
					Secrets:   secrets,
				},
			}
			data, err := protojson.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(t.TempDir(), "bootstrap.json")
			if err := os.WriteFile(file, data, 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, "--mode", "validate", "-c", file, "--disable-hot-restart", "--log-level", "error")
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("Envoy rejects the translation of %s: %v\n%s", in, err, msg)
			}
		})
	}
}

// inlineRoutes replaces each of the listener's RDS subscriptions by the route configuration itself.
func inlineRoutes(t *testing.T, lis *listener.Listener, out *Output) {
	t.Helper()
	for _, chain := range lis.GetFilterChains() {
		f := chain.GetFilters()[0]
		var manager hcm.HttpConnectionManager
		if err := f.GetTypedConfig().UnmarshalTo(&manager); err != nil {
			t.Fatal(err)
		}
		manager.RouteSpecifier = &hcm.HttpConnectionManager_RouteConfig{RouteConfig: out.Routes}
		f.ConfigType = &listener.Filter_TypedConfig{TypedConfig: mustAny(&manager)}
	}
}

// staticSecrets makes the listener's SDS secrets static ones of the same names.
func staticSecrets(t *testing.T, lis *listener.Listener) {
	t.Helper()
	for _, chain := range lis.GetFilterChains() {
		var context tlsv3.DownstreamTlsContext
		if err := chain.GetTransportSocket().GetTypedConfig().UnmarshalTo(&context); err != nil {
			t.Fatal(err)
		}
		for _, c := range context.GetCommonTlsContext().GetTlsCertificateSdsSecretConfigs() {
			c.SdsConfig = nil
		}
		if c := context.GetCommonTlsContext().GetValidationContextSdsSecretConfig(); c != nil {
			c.SdsConfig = nil
		}
		chain.TransportSocket.ConfigType = &core.TransportSocket_TypedConfig{TypedConfig: mustAny(&context)}
	}
}
