// Package lambda is Tollgate's Envoy external processing (ext_proc) service for Lambda proxy integrations: Envoy
// calls it only on the routes that invoke a function, names the route in the stream's metadata, and the service
// looks the route up in the same snapshot the translator built Envoy's configuration from.
package lambda

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// Server is the ext_proc service.
type Server struct {
	extprocv3.UnimplementedExternalProcessorServer
	log    *slog.Logger
	routes atomic.Pointer[map[string]*route]
	now    func() time.Time
}

// New returns a service with no routes yet.
func New(log *slog.Logger) *Server {
	s := &Server{log: log, now: time.Now}
	s.routes.Store(&map[string]*route{})
	return s
}

// route is a Lambda proxy route as an exchange needs it: the snapshot's route, its Lambda integration, and its
// path pattern compiled once.
type route struct {
	*ir.Route
	*ir.Lambda
	paths *ir.PathMatcher
	// trustedHops is how many proxies before Envoy append to X-Forwarded-For (identity.sourceIp).
	trustedHops int
}

// SetSnapshot replaces the Lambda routes; streams already open keep the route they started with.
func (s *Server) SetSnapshot(snap *ir.Snapshot) error {
	routes := map[string]*route{}
	for _, r := range snap.Routes() {
		if r.Lambda == nil {
			continue
		}
		paths, err := ir.NewPathMatcher(r)
		if err != nil {
			return fmt.Errorf("route %s: %w", r.Name, err)
		}
		routes[r.Name] = &route{Route: r, Lambda: r.Lambda, paths: paths, trustedHops: int(snap.TrustedProxyHops)}
	}
	s.routes.Store(&routes)
	return nil
}

// Register adds the service to a gRPC server (Tollgate's xDS server, which every Envoy already reaches).
func (s *Server) Register(g *grpc.Server) { extprocv3.RegisterExternalProcessorServer(g, s) }

// exchange handles one HTTP request's messages, in order. It answers each message with zero or more responses:
// a phase may hold its answers back until a later message completes it, then answer them all in order.
type exchange interface {
	handle(*extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error)
}

// Process serves one stream: one client request going through Envoy.
func (s *Server) Process(stream extprocv3.ExternalProcessor_ProcessServer) error {
	md, _ := metadata.FromIncomingContext(stream.Context())
	var name string
	if v := md.Get(names.RouteHeader); len(v) > 0 {
		name = v[0]
	}
	var ex exchange
	if route := (*s.routes.Load())[name]; route != nil {
		ex = newLambdaExchange(route, s.now())
	} else {
		// The route was removed by a reload between Envoy matching it and calling here, or Envoy runs a
		// configuration this process did not build: either way the API is misconfigured from the client's view.
		s.log.Warn("ext_proc called for a route Tollgate does not know", "route", name)
		ex = failedExchange{}
	}
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) || status.Code(err) == codes.Canceled {
			return nil
		}
		if err != nil {
			return err
		}
		resps, err := ex.handle(req)
		if err != nil {
			s.log.Warn("ext_proc", "route", name, "err", err)
			resps = []*extprocv3.ProcessingResponse{gatewayError(gatewayresponse.Default(gatewayresponse.APIConfigurationError), requestID(req))}
		}
		for _, resp := range resps {
			if err := stream.Send(resp); err != nil {
				return err
			}
		}
	}
}

// failedExchange answers every request with API Gateway's configuration error.
type failedExchange struct{}

func (failedExchange) handle(req *extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	return []*extprocv3.ProcessingResponse{gatewayError(gatewayresponse.Default(gatewayresponse.APIConfigurationError), requestID(req))}, nil
}

// requestID is Envoy's id of the request, when this message carries the request headers.
func requestID(req *extprocv3.ProcessingRequest) string {
	for _, h := range req.GetRequestHeaders().GetHeaders().GetHeaders() {
		if h.GetKey() == names.EnvoyRequestIDHeader {
			return headerValue(h)
		}
	}
	return ""
}

// gatewayError makes Envoy answer the client with a gateway response instead of going on.
func gatewayError(r gatewayresponse.Response, requestID string) *extprocv3.ProcessingResponse {
	var headers []*core.HeaderValueOption
	for name, value := range r.Headers() {
		headers = append(headers, setHeader(name, value))
	}
	if requestID != "" {
		headers = append(headers, setHeader(gatewayresponse.RequestIDHeader, requestID),
			setHeader(gatewayresponse.ExtendedRequestIDHeader, gatewayresponse.ExtendedRequestID(requestID)))
	}
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ImmediateResponse{ImmediateResponse: &extprocv3.ImmediateResponse{
		Status:  &typev3.HttpStatus{Code: typev3.StatusCode(r.Status)},
		Headers: &extprocv3.HeaderMutation{SetHeaders: headers},
		Body:    []byte(r.Body()),
	}}}
}

func setHeader(name, value string) *core.HeaderValueOption {
	return &core.HeaderValueOption{
		Header:       &core.HeaderValue{Key: name, RawValue: []byte(value)},
		AppendAction: core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
	}
}

func appendHeader(name, value string) *core.HeaderValueOption {
	return &core.HeaderValueOption{
		Header: &core.HeaderValue{Key: name, RawValue: []byte(value)},
		// ext_proc reads the older append flag: without it a repeated header (Set-Cookie) keeps only its last value.
		//lint:ignore SA1019 Envoy 1.40's ext_proc ignores append_action, so the deprecated flag is the one that works.
		Append: wrapperspb.Bool(true),
	}
}

// headerValue reads a header Envoy sent: in raw_value by default, in value by older Envoys.
func headerValue(h *core.HeaderValue) string {
	if len(h.GetRawValue()) > 0 {
		return string(h.GetRawValue())
	}
	return h.GetValue()
}
