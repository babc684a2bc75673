package server

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/internal/certtest"
	"github.com/tollgate-gw/tollgate/internal/ir"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
	"github.com/tollgate-gw/tollgate/xds/translate"
)

func translated(t *testing.T, path string) *translate.Output {
	t.Helper()
	snap, err := ir.Build(&tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{{
		Id: "abc", Stages: []*tollgatev1.Stage{{StageName: "prod"}},
		Resources: []*tollgatev1.Resource{{Path: path, Methods: []*tollgatev1.Method{{HttpMethod: "GET", Integration: &tollgatev1.Integration{
			Type: tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY, Uri: "http://127.0.0.1:9/x",
		}}}}},
	}}}, ir.Settings{Domain: "execute-api.localhost"})
	if err != nil {
		t.Fatal(err)
	}
	return translate.Translate(snap)
}

// adsClient plays Envoy's part of the ADS protocol over a real gRPC connection.
type adsClient struct {
	t      *testing.T
	stream discovery.AggregatedDiscoveryService_StreamAggregatedResourcesClient
	node   *core.Node
}

func (c *adsClient) request(typeURL string, names []string, ack *discovery.DiscoveryResponse, nack string) {
	c.t.Helper()
	req := &discovery.DiscoveryRequest{Node: c.node, TypeUrl: typeURL, ResourceNames: names}
	if ack != nil {
		req.ResponseNonce, req.VersionInfo = ack.GetNonce(), ack.GetVersionInfo()
		if nack != "" {
			req.VersionInfo = "" // as Envoy does when it has accepted nothing of this type before
			req.ErrorDetail = &status.Status{Code: 3, Message: nack}
		}
	}
	if err := c.stream.Send(req); err != nil {
		c.t.Fatal(err)
	}
}

func (c *adsClient) receive() *discovery.DiscoveryResponse {
	c.t.Helper()
	resp, err := c.stream.Recv()
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

func startServer(t *testing.T, logs *syncBuffer) (*Server, *adsClient) {
	t.Helper()
	return startServerWith(t, logs, translated(t, "/a"))
}

func startServerWith(t *testing.T, logs *syncBuffer, out *translate.Output) (*Server, *adsClient) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := New(slog.New(slog.NewTextHandler(logs, nil)))
	if ok, reason := s.Ready(); ok || reason != "no configuration loaded yet" {
		t.Errorf("Ready() before any update = %v, %q", ok, reason)
	}
	if err := s.Update(ctx, out, "127.0.0.1:8080"); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ctx, lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	stream, err := discovery.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s, &adsClient{t: t, stream: stream, node: &core.Node{Id: "envoy-1"}}
}

func waitReady(t *testing.T, s *Server, want bool, reasonPart string) {
	t.Helper()
	var ok bool
	var reason string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if ok, reason = s.Ready(); ok == want && strings.Contains(reason, reasonPart) {
			return
		}
	}
	t.Fatalf("Ready() = %v, %q; want %v containing %q", ok, reason, want, reasonPart)
}

func TestReadinessFollowsACKs(t *testing.T) {
	var logs syncBuffer
	s, envoy := startServer(t, &logs)
	waitReady(t, s, false, "no Envoy connected")

	envoy.request(resourcev3.ClusterType, nil, nil, "")
	clusters := envoy.receive()
	envoy.request(resourcev3.ListenerType, nil, nil, "")
	listeners := envoy.receive()
	envoy.request(resourcev3.ClusterType, nil, clusters, "")
	envoy.request(resourcev3.ListenerType, nil, listeners, "")
	waitReady(t, s, false, "envoy-1 has not accepted RouteConfiguration")
	// The routes' name is the listener's: changing routes alone (/a, /b, /c) keeps it.
	routeConfig := translated(t, "/a").Routes.GetName()
	envoy.request(resourcev3.RouteType, []string{routeConfig}, nil, "")
	routes := envoy.receive()
	envoy.request(resourcev3.RouteType, []string{routeConfig}, routes, "")
	waitReady(t, s, true, "1 Envoy(s) serving the newest configuration")

	// The same configuration again changes no version, so Envoy stays ready and is sent nothing.
	if err := s.Update(context.Background(), translated(t, "/a"), "127.0.0.1:8080"); err != nil {
		t.Fatal(err)
	}
	waitReady(t, s, true, "serving")

	// A new route: not ready until Envoy accepts it; a NACK keeps it not ready and is logged with the reason.
	if err := s.Update(context.Background(), translated(t, "/b"), "127.0.0.1:8080"); err != nil {
		t.Fatal(err)
	}
	changed := envoy.receive()
	if changed.GetTypeUrl() != resourcev3.RouteType {
		t.Fatalf("after a route change Envoy got %s, want only routes", changed.GetTypeUrl())
	}
	envoy.request(resourcev3.RouteType, []string{routeConfig}, changed, "bad regex")
	waitReady(t, s, false, "has not accepted RouteConfiguration")
	waitLogged(t, &logs, "Envoy rejected configuration (NACK)", "bad regex")
	routeStatus := func() (EnvoyStatus, ResourceStatus) {
		t.Helper()
		envoys := s.Envoys()
		if len(envoys) != 1 || envoys[0].Node != "envoy-1" {
			t.Fatalf("Envoys() = %+v, want envoy-1 alone", envoys)
		}
		for _, r := range envoys[0].Resources {
			if r.Type == "RouteConfiguration" {
				return envoys[0], r
			}
		}
		t.Fatalf("Envoys() has no RouteConfiguration: %+v", envoys[0])
		return EnvoyStatus{}, ResourceStatus{}
	}
	if e, r := routeStatus(); e.Current || r.Rejected != r.Wanted || r.Accepted == r.Wanted || r.Accepted == "" {
		t.Errorf("after a NACK: %+v, routes %+v; want not current, the wanted version rejected, an older one accepted", e, r)
	}
	if err := s.Update(context.Background(), translated(t, "/c"), "127.0.0.1:8080"); err != nil {
		t.Fatal(err)
	}
	// After a NACK the cache may first resend the rejected version; Envoy keeps ACKing what it gets until the
	// newest version arrives.
	for i := 0; i < 3; i++ {
		resp := envoy.receive()
		envoy.request(resourcev3.RouteType, []string{routeConfig}, resp, "")
		if ok, _ := s.Ready(); ok {
			break
		}
		time.Sleep(20 * time.Millisecond)
		if ok, _ := s.Ready(); ok {
			break
		}
	}
	waitReady(t, s, true, "serving")
	if e, r := routeStatus(); !e.Current || r.Rejected != "" || r.Accepted != r.Wanted {
		t.Errorf("after the ACK: %+v, routes %+v; want current, nothing rejected", e, r)
	}
}

func TestListenMetadataGivesOwnListener(t *testing.T) {
	var logs syncBuffer
	_, envoy := startServer(t, &logs)
	envoy.node = &core.Node{Id: "edge-2", Metadata: mustStruct(t, map[string]any{"tollgate.listen": "127.0.0.1:9999"})}
	envoy.request(resourcev3.ListenerType, nil, nil, "")
	resp := envoy.receive()
	if len(resp.GetResources()) != 1 {
		t.Fatalf("listener response = %v", resp)
	}
	var lis listener.Listener
	if err := resp.GetResources()[0].UnmarshalTo(&lis); err != nil {
		t.Fatal(err)
	}
	if got := lis.GetAddress().GetSocketAddress(); got.GetAddress() != "127.0.0.1" || got.GetPortValue() != 9999 {
		t.Errorf("listener address = %v, want the node's 127.0.0.1:9999", got)
	}
}

// TestTLSListenMetadataGivesOwnHTTPSListener: the HTTPS listener of the custom domains is on tls.listen for the
// default Envoys, on its own address for an Envoy that names one, and absent for one with only its own listen.
func TestTLSListenMetadataGivesOwnHTTPSListener(t *testing.T) {
	certFile, keyFile := certtest.WriteFiles(t, t.TempDir(), "api", certtest.SelfSigned(t, "api.example.com"))
	chain, _ := os.ReadFile(certFile)
	key, _ := os.ReadFile(keyFile)
	snap, err := ir.Build(&tollgatev1.Gateway{
		Apis: []*tollgatev1.RestApi{{Id: "abc", Stages: []*tollgatev1.Stage{{StageName: "prod"}}}},
		DomainNames: []*tollgatev1.DomainName{{DomainName: "api.example.com", CertificateChain: string(chain), PrivateKey: string(key),
			SecurityPolicy: "TLS_1_2", BasePathMappings: []*tollgatev1.BasePathMapping{{ApiId: "abc", Stage: "prod"}}}},
	}, ir.Settings{Domain: "execute-api.localhost", TLSListen: "127.0.0.1:8443"})
	if err != nil {
		t.Fatal(err)
	}
	out := translate.Translate(snap)
	for _, tt := range []struct {
		name     string
		metadata map[string]any
		want     string // the HTTPS listener's address, "" for none
	}{
		{"the default Envoy", nil, "127.0.0.1:8443"},
		{"its own listen only", map[string]any{"tollgate.listen": "127.0.0.1:9999"}, ""},
		{"its own listen and HTTPS listener", map[string]any{"tollgate.listen": "127.0.0.1:9999", "tollgate.tls_listen": "127.0.0.1:9443"}, "127.0.0.1:9443"},
		{"the default listen, its own HTTPS listener", map[string]any{"tollgate.tls_listen": "127.0.0.1:9444"}, "127.0.0.1:9444"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			_, envoy := startServerWith(t, &logs, out)
			envoy.node = &core.Node{Id: "edge", Metadata: mustStruct(t, tt.metadata)}
			envoy.request(resourcev3.ListenerType, nil, nil, "")
			got := ""
			for _, res := range envoy.receive().GetResources() {
				var lis listener.Listener
				if err := res.UnmarshalTo(&lis); err != nil {
					t.Fatal(err)
				}
				if lis.GetName() == translate.TLSListenerName {
					a := lis.GetAddress().GetSocketAddress()
					got = net.JoinHostPort(a.GetAddress(), strconv.Itoa(int(a.GetPortValue())))
				}
			}
			if got != tt.want {
				t.Errorf("HTTPS listener on %q, want %q", got, tt.want)
			}
		})
	}
}

// waitLogged waits for the server to have logged every part: it handles requests on its own goroutines.
func waitLogged(t *testing.T, logs *syncBuffer, parts ...string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(logs.String(), p)
		}
		if all {
			return
		}
	}
	t.Fatalf("log lacks %q:\n%s", parts, logs.String())
}

// syncBuffer is a log sink safe to read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
