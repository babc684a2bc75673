package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
)

// The floor phase measures what any call from Envoy to an external gRPC service costs on this machine, so that
// what Tollgate's own services add can be read against it: a bare Envoy with a static config calls a service
// that does nothing (it admits every check and continues every ext_proc message) in a process of its own, as
// Tollgate is. No service of Tollgate's can add less than these calls do.

// noopServiceEnv, when set, makes this binary the no-op service, listening on its value.
const noopServiceEnv = "TOLLGATE_BENCH_NOOP_SERVICE"

type noopAuthz struct {
	authv3.UnimplementedAuthorizationServer
}

func (noopAuthz) Check(context.Context, *authv3.CheckRequest) (*authv3.CheckResponse, error) {
	return &authv3.CheckResponse{Status: &status.Status{}, HttpResponse: &authv3.CheckResponse_OkResponse{OkResponse: &authv3.OkHttpResponse{}}}, nil
}

type noopProcessor struct {
	extprocv3.UnimplementedExternalProcessorServer
}

func (noopProcessor) Process(s extprocv3.ExternalProcessor_ProcessServer) error {
	for {
		req, err := s.Recv()
		if err != nil {
			return nil
		}
		resp := &extprocv3.ProcessingResponse{}
		switch req.GetRequest().(type) {
		case *extprocv3.ProcessingRequest_RequestHeaders:
			resp.Response = &extprocv3.ProcessingResponse_RequestHeaders{RequestHeaders: &extprocv3.HeadersResponse{}}
		case *extprocv3.ProcessingRequest_ResponseHeaders:
			resp.Response = &extprocv3.ProcessingResponse_ResponseHeaders{ResponseHeaders: &extprocv3.HeadersResponse{}}
		case *extprocv3.ProcessingRequest_ResponseBody:
			resp.Response = &extprocv3.ProcessingResponse_ResponseBody{ResponseBody: &extprocv3.BodyResponse{}}
		default:
			return fmt.Errorf("unexpected message %T", req.GetRequest())
		}
		if err := s.Send(resp); err != nil {
			return nil
		}
	}
}

// serveNoop runs the no-op service until the process is killed.
func serveNoop(addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	g := grpc.NewServer()
	authv3.RegisterAuthorizationServer(g, noopAuthz{})
	extprocv3.RegisterExternalProcessorServer(g, noopProcessor{})
	return g.Serve(lis)
}

// startNoopService runs this binary again as the no-op service, and returns its address and process id.
func startNoopService(ctx context.Context) (string, int, error) {
	addr, err := freeAddr()
	if err != nil {
		return "", 0, err
	}
	self, err := os.Executable()
	if err != nil {
		return "", 0, err
	}
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), noopServiceEnv+"="+addr)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", 0, err
	}
	go func() { _ = cmd.Wait() }()
	return addr, cmd.Process.Pid, waitFor(func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// floorEnvoyConfig: /bench goes straight to the backend, /authz through an ext_authz check, /proc through an
// ext_proc exchange on the request headers and one on the response headers (the two a Lambda proxy makes), and
// /procbody through those with the response body streamed behind its headers (what a mapped integration makes).
const floorEnvoyConfig = `static_resources:
  listeners:
  - name: floor
    address: {socket_address: {address: 127.0.0.1, port_value: %[1]s}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: floor
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/authz"}
                route: {cluster: backend, prefix_rewrite: /bench}
                typed_per_filter_config:
                  envoy.filters.http.ext_authz:
                    "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                    config: {"@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute, check_settings: {}}
              - match: {prefix: "/procbody"}
                route: {cluster: backend, prefix_rewrite: /bench}
                typed_per_filter_config:
                  envoy.filters.http.ext_proc:
                    "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                    config: {"@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute, overrides: {processing_mode: {request_header_mode: SEND, response_header_mode: SEND, request_body_mode: NONE, response_body_mode: STREAMED}}}
              - match: {prefix: "/proc"}
                route: {cluster: backend, prefix_rewrite: /bench}
                typed_per_filter_config:
                  envoy.filters.http.ext_proc:
                    "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                    config: {"@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute, overrides: {}}
              - match: {prefix: "/"}
                route: {cluster: backend}
          http_filters:
          - name: envoy.filters.http.ext_authz
            disabled: true
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
              transport_api_version: V3
              grpc_service: {envoy_grpc: {cluster_name: noop}, timeout: 2s}
          - name: envoy.filters.http.ext_proc
            disabled: true
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor
              grpc_service: {envoy_grpc: {cluster_name: noop}, timeout: 2s}
              processing_mode: {request_header_mode: SEND, response_header_mode: SEND, request_body_mode: NONE, response_body_mode: NONE}
              send_body_without_waiting_for_header_response: true
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: backend
    type: STATIC
    load_assignment:
      cluster_name: backend
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %[2]s, port_value: %[3]s}}}}]}]
  - name: noop
    type: STATIC
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: {http2_protocol_options: {}}
    load_assignment:
      cluster_name: noop
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %[4]s, port_value: %[5]s}}}}]}]
`

// startFloorEnvoy runs a bare Envoy whose /authz and /proc routes call the no-op service at noop.
func startFloorEnvoy(ctx context.Context, envoyBin, dir, backend, noop string) (string, error) {
	listen, err := freeAddr()
	if err != nil {
		return "", err
	}
	_, lport, _ := net.SplitHostPort(listen)
	bhost, bport, _ := net.SplitHostPort(backend)
	nhost, nport, _ := net.SplitHostPort(noop)
	config := fmt.Sprintf(floorEnvoyConfig, lport, bhost, bport, nhost, nport)
	return listen, startStaticEnvoy(ctx, envoyBin, filepath.Join(dir, "floor.yaml"), config, listen, "/bench", "/authz", "/proc", "/procbody")
}

// floor is what the no-op calls add on this machine.
type floor struct {
	authzP50, authzP99 time.Duration // one ext_authz call, at 1,000 requests/s
	procP50            time.Duration // a request and a response ext_proc exchange, one request at a time
	// procRateP50 and procRateP99: the same exchanges at 1,000 requests/s; procBodyP50 and procBodyP99 with the
	// response body too.
	procRateP50, procRateP99 time.Duration
	procBodyP50, procBodyP99 time.Duration
}

// measureFloor times the bare Envoy's routes: /authz and /proc against /bench at a fixed 1,000 requests/s (as the
// keyed and templated routes are timed), /proc against /bench one request at a time (as the Lambda proxy is).
func measureFloor(ctx context.Context, envoyBin, dir, backend string) (floor, error) {
	noop, noopPID, err := startNoopService(ctx)
	if err != nil {
		return floor{}, fmt.Errorf("no-op service: %w", err)
	}
	listen, err := startFloorEnvoy(ctx, envoyBin, dir, backend, noop)
	if err != nil {
		return floor{}, fmt.Errorf("floor Envoy: %w", err)
	}
	plain := target{name: "bare", url: "http://" + listen + "/bench"}
	authz := target{name: "bare + no-op ext_authz", url: "http://" + listen + "/authz"}
	proc := target{name: "bare + no-op ext_proc", url: "http://" + listen + "/proc"}
	procBody := target{name: "bare + no-op ext_proc with the response body", url: "http://" + listen + "/procbody"}
	var plainLat, authzLat, procLat, procBodyLat []time.Duration
	var noopCPU time.Duration
	for round := 0; round < 2; round++ {
		for _, tg := range []struct {
			t   target
			out *[]time.Duration
		}{{plain, &plainLat}, {authz, &authzLat}, {proc, &procLat}, {procBody, &procBodyLat}} {
			before := processCPU(noopPID)
			lat, err := fixedRate(tg.t, 1000, 4*time.Second)
			if err != nil {
				return floor{}, fmt.Errorf("%s: %w", tg.t.name, err)
			}
			noopCPU += processCPU(noopPID) - before
			*tg.out = append(*tg.out, lat...)
		}
	}
	var seqPlain, seqProc []time.Duration
	for i := 0; i < 2000; i++ {
		for _, s := range []struct {
			url string
			out *[]time.Duration
		}{{plain.url, &seqPlain}, {"http://" + listen + "/proc", &seqProc}} {
			d, err := viaGateway(s.url, "", false)
			if err != nil {
				return floor{}, err
			}
			*s.out = append(*s.out, d)
		}
	}
	f := floor{
		authzP50: pct(authzLat, 50) - pct(plainLat, 50), authzP99: pct(authzLat, 99) - pct(plainLat, 99),
		procP50:     pct(seqProc, 50) - pct(seqPlain, 50),
		procRateP50: pct(procLat, 50) - pct(plainLat, 50), procRateP99: pct(procLat, 99) - pct(plainLat, 99),
		procBodyP50: pct(procBodyLat, 50) - pct(plainLat, 50), procBodyP99: pct(procBodyLat, 99) - pct(plainLat, 99),
	}
	fmt.Printf("Floor: a bare Envoy calling a gRPC service that does nothing, in a process of its own:\n")
	fmt.Printf("  one ext_authz call, 1,000 requests/s, 2 rounds of 4 s: p50 %s → %s, p99 %s → %s (added: p50 %s, p99 %s); the service's CPU per call: %s\n",
		pct(plainLat, 50), pct(authzLat, 50), pct(plainLat, 99), pct(authzLat, 99), f.authzP50, f.authzP99, noopCPU/time.Duration(len(authzLat)))
	fmt.Printf("  a request and a response ext_proc exchange, %d sequential requests: p50 %s → %s (added: %s)\n",
		len(seqProc), pct(seqPlain, 50), pct(seqProc, 50), f.procP50)
	fmt.Printf("  the same exchanges, 1,000 requests/s, 2 rounds of 4 s: p50 %s, p99 %s (added: p50 %s, p99 %s)\n",
		pct(procLat, 50), pct(procLat, 99), f.procRateP50, f.procRateP99)
	fmt.Printf("  with the response body streamed to the service too, 1,000 requests/s: p50 %s, p99 %s (added: p50 %s, p99 %s)\n",
		pct(procBodyLat, 50), pct(procBodyLat, 99), f.procBodyP50, f.procBodyP99)
	return f, nil
}
