package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	collectorlogs "go.opentelemetry.io/proto/otlp/collector/logs/v1"
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

// The mapped floor's answers: what a mapped integration's exchanges carry (the backend's request line and headers
// and a rendered body; the client's status, headers and a rendered body), fixed rather than made.
var (
	mappedRequestBody  = []byte(`{"caller": "127.0.0.1", "request": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "q": "bench"}`)
	mappedResponseBody = []byte(`{"ok": true, "stage": "prod", "path": "/templated"}`)
)

func setHeader(k, v string) *corev3.HeaderValueOption {
	return &corev3.HeaderValueOption{Header: &corev3.HeaderValue{Key: k, RawValue: []byte(v)},
		AppendAction: corev3.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD}
}

func (noopProcessor) Process(s extprocv3.ExternalProcessor_ProcessServer) error {
	mapped := false // the stream is /procmapped's
	chunks := 0     // of the response body, so far
	for {
		req, err := s.Recv()
		if err != nil {
			return nil
		}
		var resps []*extprocv3.ProcessingResponse
		switch r := req.GetRequest().(type) {
		case *extprocv3.ProcessingRequest_RequestHeaders:
			common := &extprocv3.CommonResponse{}
			answered := false // the stream is /procanswer's
			for _, h := range r.RequestHeaders.GetHeaders().GetHeaders() {
				if h.GetKey() == ":path" {
					mapped = strings.HasPrefix(string(h.GetRawValue()), "/procmapped")
					answered = strings.HasPrefix(string(h.GetRawValue()), "/procanswer")
				}
			}
			if answered {
				// A stage cache's hit: the service answers the request itself, with a kept response's size.
				resps = append(resps, &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ImmediateResponse{ImmediateResponse: &extprocv3.ImmediateResponse{
					Status: &typev3.HttpStatus{Code: typev3.StatusCode_OK},
					Headers: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{
						setHeader("content-type", "application/json"), setHeader("x-amzn-requestid", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"),
						setHeader("x-amz-apigw-id", "DnK4sGpQoAMFTrg="), setHeader("x-cache", "Hit"),
					}},
					Body: []byte(`{"ok":true}`),
				}}})
				break
			}
			if mapped {
				common = &extprocv3.CommonResponse{
					Status: extprocv3.CommonResponse_CONTINUE_AND_REPLACE,
					HeaderMutation: &extprocv3.HeaderMutation{SetHeaders: []*corev3.HeaderValueOption{
						setHeader(":method", "GET"), setHeader(":path", "/bench?q=bench"),
						setHeader("content-type", "application/json"), setHeader("content-length", strconv.Itoa(len(mappedRequestBody))),
						setHeader("accept", "application/json"), setHeader("user-agent", "AmazonAPIGateway_a1b2c3d4e5"),
						setHeader("x-amzn-apigateway-api-id", "a1b2c3d4e5"),
					}},
					BodyMutation: &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: mappedRequestBody}},
				}
			}
			resps = append(resps, &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestHeaders{
				RequestHeaders: &extprocv3.HeadersResponse{Response: common}}})
		case *extprocv3.ProcessingRequest_ResponseHeaders:
			if mapped {
				continue // answered with the body, as the mapping service answers
			}
			resps = append(resps, &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseHeaders{ResponseHeaders: &extprocv3.HeadersResponse{}}})
		case *extprocv3.ProcessingRequest_ResponseBody:
			if !mapped {
				resps = append(resps, &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{ResponseBody: &extprocv3.BodyResponse{}}})
				break
			}
			// As the mapping service does: the headers and every chunk answered once the body is complete, the
			// earlier chunks emptied and the last replaced.
			if chunks++; !r.ResponseBody.GetEndOfStream() {
				continue
			}
			resps = append(resps, &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseHeaders{
				ResponseHeaders: &extprocv3.HeadersResponse{Response: &extprocv3.CommonResponse{HeaderMutation: &extprocv3.HeaderMutation{
					SetHeaders: []*corev3.HeaderValueOption{
						setHeader(":status", "200"), setHeader("content-length", strconv.Itoa(len(mappedResponseBody))),
						setHeader("x-amzn-requestid", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"), setHeader("x-amz-apigw-id", "DnK4sGpQoAMFTrg="),
						setHeader("content-type", "application/json"),
					},
					RemoveHeaders: []string{"date"},
				}}}}})
			for i := 1; i <= chunks; i++ {
				mutation := &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_ClearBody{ClearBody: true}}
				if i == chunks {
					mutation = &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: mappedResponseBody}}
				}
				resps = append(resps, &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{
					ResponseBody: &extprocv3.BodyResponse{Response: &extprocv3.CommonResponse{BodyMutation: mutation}}}})
			}
		default:
			return fmt.Errorf("unexpected message %T", req.GetRequest())
		}
		for _, resp := range resps {
			if err := s.Send(resp); err != nil {
				return nil
			}
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
	collectorlogs.RegisterLogsServiceServer(g, noopLogs{})
	return g.Serve(lis)
}

// noopLogs takes every export of an OpenTelemetry access logger and keeps nothing: the metrics log's floor.
type noopLogs struct {
	collectorlogs.UnimplementedLogsServiceServer
}

func (noopLogs) Export(context.Context, *collectorlogs.ExportLogsServiceRequest) (*collectorlogs.ExportLogsServiceResponse, error) {
	return &collectorlogs.ExportLogsServiceResponse{}, nil
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
// /procbody through those with the response body streamed behind its headers (what a mapped integration makes),
// and /procmapped through the same exchanges answered as a mapping answers them (request line, headers and a body
// for the backend; status, headers and a body for the client), with the attributes and metadata Tollgate's
// routes ask Envoy for; /procanswer's request headers are answered by the service itself, as a cache hit is.
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
              - match: {prefix: "/procmapped"}
                route: {cluster: backend}
                typed_per_filter_config:
                  envoy.filters.http.ext_proc:
                    "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                    config: {"@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute, overrides: {
                      processing_mode: {request_header_mode: SEND, response_header_mode: SEND, request_body_mode: NONE, response_body_mode: STREAMED},
                      request_attributes: [source.address], response_attributes: [response.code_details],
                      grpc_initial_metadata: [{key: x-tollgate-route, value: procmapped}]}}
              - match: {prefix: "/procanswer"}
                route: {cluster: backend, prefix_rewrite: /bench}
                typed_per_filter_config:
                  envoy.filters.http.ext_proc:
                    "@type": type.googleapis.com/envoy.config.route.v3.FilterConfig
                    config: {"@type": type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute, overrides: {
                      processing_mode: {request_header_mode: SEND, response_header_mode: SKIP, request_body_mode: NONE, response_body_mode: NONE},
                      request_attributes: [source.address],
                      grpc_initial_metadata: [{key: x-tollgate-route, value: procanswer}]}}
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
              allow_content_length_header: true
              mutation_rules: {allow_all_routing: true, allow_envoy: true}
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
func startFloorEnvoy(ctx context.Context, envoyBin, dir, backend, noop string) (string, int, error) {
	listen, err := freeAddr()
	if err != nil {
		return "", 0, err
	}
	_, lport, _ := net.SplitHostPort(listen)
	bhost, bport, _ := net.SplitHostPort(backend)
	nhost, nport, _ := net.SplitHostPort(noop)
	config := fmt.Sprintf(floorEnvoyConfig, lport, bhost, bport, nhost, nport)
	pid, err := startStaticEnvoy(ctx, envoyBin, filepath.Join(dir, "floor.yaml"), config, listen, "/bench", "/authz", "/proc", "/procbody", "/procmapped", "/procanswer")
	return listen, pid, err
}

// floor is what the no-op calls add on this machine.
type floor struct {
	authzP50, authzP99 time.Duration // one ext_authz call, at 1,000 requests/s
	procP50            time.Duration // a request and a response ext_proc exchange, one request at a time
	// procBodyP50 and procBodyP99: a request and a response exchange with the response body, at 1,000
	// requests/s; procMappedP50 and procMappedP99: those answered with fixed mappings.
	procBodyP50, procBodyP99     time.Duration
	procMappedP50, procMappedP99 time.Duration
	// answeredP50 and answeredP99: the whole latency of a request the service answers itself from its request
	// headers (no backend), at 1,000 requests/s.
	answeredP50, answeredP99 time.Duration
}

// measureFloor times the bare Envoy's routes: /authz and /proc against /bench at a fixed 1,000 requests/s (as the
// keyed and templated routes are timed), /proc against /bench one request at a time (as the Lambda proxy is).
func measureFloor(ctx context.Context, envoyBin, dir, backend string) (floor, error) {
	noop, noopPID, err := startNoopService(ctx)
	if err != nil {
		return floor{}, fmt.Errorf("no-op service: %w", err)
	}
	listen, envoyPID, err := startFloorEnvoy(ctx, envoyBin, dir, backend, noop)
	if err != nil {
		return floor{}, fmt.Errorf("floor Envoy: %w", err)
	}
	type route struct {
		t                target
		lat              []time.Duration
		service, proxied time.Duration // the no-op service's CPU, Envoy's
	}
	routes := []*route{
		{t: target{name: "bare", url: "http://" + listen + "/bench"}},
		{t: target{name: "bare + no-op ext_authz", url: "http://" + listen + "/authz"}},
		{t: target{name: "bare + no-op ext_proc", url: "http://" + listen + "/proc"}},
		{t: target{name: "bare + no-op ext_proc with the response body", url: "http://" + listen + "/procbody"}},
		{t: target{name: "bare + ext_proc answered with fixed mappings", url: "http://" + listen + "/procmapped"}},
		{t: target{name: "bare + ext_proc answering the request itself", url: "http://" + listen + "/procanswer"}},
	}
	plain, authz, proc, procBody, procMapped, answered := routes[0], routes[1], routes[2], routes[3], routes[4], routes[5]
	for round := 0; round < 2; round++ {
		for _, r := range routes {
			beforeS, beforeE := processCPU(noopPID), processCPU(envoyPID)
			lat, err := fixedRate(r.t, 1000, 4*time.Second)
			if err != nil {
				return floor{}, fmt.Errorf("%s: %w", r.t.name, err)
			}
			r.service += processCPU(noopPID) - beforeS
			r.proxied += processCPU(envoyPID) - beforeE
			r.lat = append(r.lat, lat...)
		}
	}
	var seqPlain, seqProc []time.Duration
	for i := 0; i < 2000; i++ {
		for _, s := range []struct {
			url string
			out *[]time.Duration
		}{{plain.t.url, &seqPlain}, {proc.t.url, &seqProc}} {
			d, err := viaGateway(s.url, "", false)
			if err != nil {
				return floor{}, err
			}
			*s.out = append(*s.out, d)
		}
	}
	added := func(r *route, p float64) time.Duration { return pct(r.lat, p) - pct(plain.lat, p) }
	cpu := func(r *route) string {
		n := time.Duration(len(r.lat))
		return fmt.Sprintf("CPU per request: service %s, Envoy %s", r.service/n, r.proxied/n)
	}
	f := floor{
		authzP50: added(authz, 50), authzP99: added(authz, 99),
		procP50:     pct(seqProc, 50) - pct(seqPlain, 50),
		procBodyP50: added(procBody, 50), procBodyP99: added(procBody, 99),
		procMappedP50: added(procMapped, 50), procMappedP99: added(procMapped, 99),
		answeredP50: pct(answered.lat, 50), answeredP99: pct(answered.lat, 99),
	}
	fmt.Printf("Floor: a bare Envoy calling a gRPC service that does nothing, in a process of its own (1,000 requests/s, 2 rounds of 4 s):\n")
	fmt.Printf("  no call: p50 %s, p99 %s; %s\n", pct(plain.lat, 50), pct(plain.lat, 99), cpu(plain))
	for _, r := range []*route{authz, proc, procBody, procMapped, answered} {
		fmt.Printf("  %s: p50 %s, p99 %s (added: p50 %s, p99 %s); %s\n", r.t.name, pct(r.lat, 50), pct(r.lat, 99), added(r, 50), added(r, 99), cpu(r))
	}
	fmt.Printf("  a request and a response ext_proc exchange, %d sequential requests: p50 %s → %s (added: %s)\n",
		len(seqProc), pct(seqPlain, 50), pct(seqProc, 50), f.procP50)
	return f, nil
}
