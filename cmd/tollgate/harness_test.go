package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	commonrl "github.com/envoyproxy/go-control-plane/envoy/extensions/common/ratelimit/v3"
	extauthz "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_authz/v3"
	extprocfilter "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	resourcev3 "github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/names"
)

// harness runs the whole control plane in process, as `tollgate serve` does, and plays Envoy's part over real gRPC:
// it asks for the xDS resources over ADS and calls the ext services with what the routes it received tell Envoy
// to send. Feature tests decide behaviour here in milliseconds; e2e keeps what only a real Envoy can show.
type harness struct {
	t      testing.TB
	dir    string
	cp     *ControlPlane
	conn   *grpc.ClientConn
	cancel context.CancelFunc
}

// startHarness writes files (tollgate.yaml among them, without addresses: the harness picks free ones) into a
// temporary directory and starts the control plane on it.
func startHarness(t testing.TB, files map[string]string) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir()}
	xdsAddr, adminAddr := freeAddress(t), freeAddress(t)
	for name, content := range files {
		if name == "tollgate.yaml" {
			content = "xds: " + xdsAddr + "\nadmin: " + adminAddr + "\n" + content
		}
		h.write(name, content)
	}
	h.start()
	conn, err := grpc.NewClient(xdsAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	h.conn = conn
	t.Cleanup(func() {
		conn.Close()
		h.stop()
	})
	return h
}

func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cp, err := Start(ctx, filepath.Join(h.dir, "tollgate.yaml"), discardLog())
	if err != nil {
		cancel()
		h.t.Fatalf("start: %v", err)
	}
	h.cp, h.cancel = cp, cancel
}

func (h *harness) stop() {
	h.cancel()
	if err := h.cp.Wait(); err != nil {
		h.t.Errorf("control plane: %v", err)
	}
}

// restart stops the control plane and starts it again on the same files and addresses, as a restart of
// `tollgate serve` does.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.start()
}

func freeAddress(t testing.TB) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer lis.Close()
	return lis.Addr().String()
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func (h *harness) write(name, content string) {
	h.t.Helper()
	writeFile(h.t, h.dir, name, content)
}

func writeFile(t testing.TB, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// rewrite replaces a file and reloads at once, as the watcher would after its debounce.
func (h *harness) rewrite(name, content string) {
	h.t.Helper()
	if name == "tollgate.yaml" {
		// Keep the addresses the control plane listens on; changing them needs a restart.
		cfg := h.cp.Config()
		content = "xds: " + cfg.XDS + "\nadmin: " + cfg.Admin + "\n" + content
	}
	h.write(name, content)
	h.cp.Reload()
}

// resource fetches one xDS resource over a fresh ADS stream, as an Envoy that just connected would.
func (h *harness) resource(typeURL, name string, into proto.Message) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stream, err := discovery.NewAggregatedDiscoveryServiceClient(h.conn).StreamAggregatedResources(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	req := &discovery.DiscoveryRequest{Node: &core.Node{Id: "feature-test", Cluster: "tollgate"}, TypeUrl: typeURL}
	if name != "" {
		req.ResourceNames = []string{name}
	}
	if err := stream.Send(req); err != nil {
		h.t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		h.t.Fatalf("%s: %v", typeURL, err)
	}
	if len(resp.GetResources()) == 0 {
		h.t.Fatalf("%s: no resources", typeURL)
	}
	if err := resp.GetResources()[0].UnmarshalTo(into); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) routeConfig() *route.RouteConfiguration {
	h.t.Helper()
	rc := &route.RouteConfiguration{}
	h.resource(resourcev3.RouteType, "", rc) // the one there is: its name is the listener's
	return rc
}

// httpFilters are the listener's HTTP filters, by name.
func (h *harness) httpFilters() map[string]*hcm.HttpFilter {
	h.t.Helper()
	lis := &listener.Listener{}
	h.resource(resourcev3.ListenerType, "", lis)
	manager := &hcm.HttpConnectionManager{}
	if err := lis.GetFilterChains()[0].GetFilters()[0].GetTypedConfig().UnmarshalTo(manager); err != nil {
		h.t.Fatal(err)
	}
	filters := map[string]*hcm.HttpFilter{}
	for _, f := range manager.GetHttpFilters() {
		filters[f.GetName()] = f
	}
	return filters
}

// route finds a route of the route configuration Envoy would run, by name.
func (h *harness) route(name string) *route.Route {
	h.t.Helper()
	for _, vh := range h.routeConfig().GetVirtualHosts() {
		for _, r := range vh.GetRoutes() {
			if r.GetName() == name {
				return r
			}
		}
	}
	h.t.Fatalf("no route %q", name)
	return nil
}

// check calls the ext_authz service as Envoy does on a route: with the context extensions the route's per-filter
// setting carries, and the request's headers.
func (h *harness) check(r *route.Route, filter string, headers map[string]string) *authv3.CheckResponse {
	h.t.Helper()
	cfg := r.GetTypedPerFilterConfig()[filter]
	if cfg == nil {
		h.t.Fatalf("route %s does not switch %s on", r.GetName(), filter)
	}
	fc, per := &route.FilterConfig{}, &extauthz.ExtAuthzPerRoute{}
	if err := cfg.UnmarshalTo(fc); err != nil {
		h.t.Fatal(err)
	}
	if err := fc.GetConfig().UnmarshalTo(per); err != nil {
		h.t.Fatal(err)
	}
	headers[names.EnvoyRequestIDHeader] = "feature-test-request"
	resp, err := authv3.NewAuthorizationClient(h.conn).Check(context.Background(), &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Request:           &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Headers: headers}},
		ContextExtensions: per.GetCheckSettings().GetContextExtensions(),
	}})
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// authorize calls the ext_authz service as Envoy's authorizer filter does on a route: every header raw, in
// order (the host as :authority), the method, the path, the client's address and the body.
func (h *harness) authorize(r *route.Route, method, path, sourceIP string, headers [][2]string, body []byte) *authv3.CheckResponse {
	h.t.Helper()
	cfg := r.GetTypedPerFilterConfig()[names.AuthorizerFilter]
	if cfg == nil {
		h.t.Fatalf("route %s does not switch %s on", r.GetName(), names.AuthorizerFilter)
	}
	fc, per := &route.FilterConfig{}, &extauthz.ExtAuthzPerRoute{}
	if err := cfg.UnmarshalTo(fc); err != nil {
		h.t.Fatal(err)
	}
	if err := fc.GetConfig().UnmarshalTo(per); err != nil {
		h.t.Fatal(err)
	}
	hm := &core.HeaderMap{}
	for _, kv := range append([][2]string{{":method", method}, {":path", path}, {names.EnvoyRequestIDHeader, "feature-test-request"}}, headers...) {
		hm.Headers = append(hm.Headers, &core.HeaderValue{Key: kv[0], RawValue: []byte(kv[1])})
	}
	if per.GetCheckSettings().GetDisableRequestBodyBuffering() {
		body = nil
	}
	resp, err := authv3.NewAuthorizationClient(h.conn).Check(context.Background(), &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Source: &authv3.AttributeContext_Peer{Address: &core.Address{Address: &core.Address_SocketAddress{SocketAddress: &core.SocketAddress{Address: sourceIP}}}},
		Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{
			Method: method, Path: path, HeaderMap: hm, RawBody: body,
		}},
		ContextExtensions: per.GetCheckSettings().GetContextExtensions(),
	}})
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// shouldRateLimit calls the rate-limit service with the descriptors a route's rate limits make.
func (h *harness) shouldRateLimit(r *route.Route) *rlsv3.RateLimitResponse {
	h.t.Helper()
	limits := r.GetRoute().GetRateLimits()
	if len(limits) == 0 {
		h.t.Fatalf("route %s has no rate limits", r.GetName())
	}
	req := &rlsv3.RateLimitRequest{Domain: names.RateLimitDomain}
	for _, l := range limits {
		d := &commonrl.RateLimitDescriptor{}
		for _, a := range l.GetActions() {
			key := a.GetGenericKey()
			d.Entries = append(d.Entries, &commonrl.RateLimitDescriptor_Entry{Key: key.GetDescriptorKey(), Value: key.GetDescriptorValue()})
		}
		req.Descriptors = append(req.Descriptors, d)
	}
	resp, err := rlsv3.NewRateLimitServiceClient(h.conn).ShouldRateLimit(context.Background(), req)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// deniedWith reports an ext_authz answer's status and body, "" and 0 for an admission.
func deniedWith(resp *authv3.CheckResponse) (int, string) {
	d := resp.GetDeniedResponse()
	return int(d.GetStatus().GetCode()), strings.TrimSpace(d.GetBody())
}

// process runs one request's messages through the ext_proc service as Envoy does on a route: a stream carrying
// the route's initial metadata, the messages sent in order; it returns every answer once the stream is done.
func (h *harness) process(r *route.Route, msgs ...*extprocv3.ProcessingRequest) []*extprocv3.ProcessingResponse {
	h.t.Helper()
	cfg := r.GetTypedPerFilterConfig()[names.ExtProcFilter]
	if cfg == nil {
		h.t.Fatalf("route %s does not switch %s on", r.GetName(), names.ExtProcFilter)
	}
	fc, per := &route.FilterConfig{}, &extprocfilter.ExtProcPerRoute{}
	if err := cfg.UnmarshalTo(fc); err != nil {
		h.t.Fatal(err)
	}
	if err := fc.GetConfig().UnmarshalTo(per); err != nil {
		h.t.Fatal(err)
	}
	md := metadata.MD{}
	for _, kv := range per.GetOverrides().GetGrpcInitialMetadata() {
		md.Append(kv.GetKey(), kv.GetValue())
	}
	stream, err := extprocv3.NewExternalProcessorClient(h.conn).Process(metadata.NewOutgoingContext(context.Background(), md))
	if err != nil {
		h.t.Fatal(err)
	}
	for _, m := range msgs {
		if err := stream.Send(m); err != nil {
			h.t.Fatal(err)
		}
	}
	if err := stream.CloseSend(); err != nil {
		h.t.Fatal(err)
	}
	var out []*extprocv3.ProcessingResponse
	for {
		resp, err := stream.Recv()
		if err != nil {
			return out
		}
		out = append(out, resp)
	}
}
