// Package processor is Tollgate's Envoy external processing (ext_proc) server: one gRPC service that Envoy calls
// on the routes some ext_proc feature needs (Lambda proxies, mapping templates), each stream naming its route in
// the stream's metadata. Each feature is a Service of its own package that turns the snapshot's routes it serves
// into exchanges; this package runs the streams and holds what every exchange answers with.
package processor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// Exchange handles one HTTP request's messages, in order. It answers each message with zero or more responses:
// a phase may hold its answers back until a later message completes it, then answer them all in order. An error
// answers the client with API Gateway's configuration error.
type Exchange interface {
	Handle(*extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error)
}

// Start begins the exchange of one request to a route, received at the given time.
type Start func(received time.Time) Exchange

// A Service serves some of a snapshot's routes: it says which, and how each request to them is exchanged.
type Service interface {
	// Routes are the snapshot's routes the service serves, by route name. An error refuses the snapshot.
	Routes(*ir.Snapshot) (map[string]Start, error)
}

// A Check runs on some routes before their feature's exchange (request validation): it sees the request's
// messages first, and may answer the request itself.
type Check interface {
	// Checks are the snapshot's routes the check applies to, by route name, each with how one request is
	// checked. An error refuses the snapshot.
	Checks(*ir.Snapshot) (map[string]func() Checker, error)
}

// A Wrapper stands between some routes' checks and their feature (the stage cache): it sees every message of a
// request the checks let through before the feature does, and the feature's answers before Envoy does, and may
// answer the request itself.
type Wrapper interface {
	// Wraps are the snapshot's routes the wrapper applies to, by route name, each with how it wraps one request's
	// exchange; ctx ends with the request's stream. An error refuses the snapshot.
	Wraps(*ir.Snapshot) (map[string]Wrap, error)
}

// Wrap wraps the exchange of one request to a route (a pass-through for a route no feature serves).
type Wrap func(ctx context.Context, received time.Time, inner Exchange) Exchange

// A Closer is an exchange that holds something until its stream ends (a wait for another request's answer):
// Close is called once the stream is over, however it ended.
type Closer interface {
	Close()
}

// Checker checks one request.
type Checker interface {
	// Request sees a request message (the headers, each body chunk); a response answers the client instead of
	// the request going on.
	Request(*extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse
	// ReadsBody tells, once the check has seen the headers, whether it decides on the body: then nothing of the
	// request goes on before the whole body has passed it.
	ReadsBody() bool
}

// Server is the ext_proc service over every feature's routes.
type Server struct {
	extprocv3.UnimplementedExternalProcessorServer
	log      *slog.Logger
	services []Service
	wrappers []Wrapper
	checks   []Check
	routes   atomic.Pointer[routeTable]
	now      func() time.Time
}

// routeTable is the routes of the snapshot served and of the one before it: Envoy closes the connections a reload's
// new listener did not accept after their next answer, and that answer is the previous configuration's, a route
// that may be gone from the newest.
type routeTable struct {
	current, previous map[string]starter
}

func (t *routeTable) find(name string) starter {
	if start := t.current[name]; start != nil {
		return start
	}
	return t.previous[name]
}

// starter begins a request's exchange on a route, features, wrappers and checks composed.
type starter func(ctx context.Context, received time.Time) Exchange

// New returns a server for the services' routes, which the wrappers wrap and the checks guard, with no routes
// yet.
func New(log *slog.Logger, services []Service, wrappers []Wrapper, checks []Check) *Server {
	s := &Server{log: log, services: services, wrappers: wrappers, checks: checks, now: time.Now}
	s.routes.Store(&routeTable{})
	return s
}

// SetSnapshot replaces the routes; streams already open keep the route they started with.
func (s *Server) SetSnapshot(snap *ir.Snapshot) error {
	routes := map[string]starter{}
	for _, svc := range s.services {
		own, err := svc.Routes(snap)
		if err != nil {
			return err
		}
		for name, start := range own {
			if _, dup := routes[name]; dup {
				return fmt.Errorf("route %s: two ext_proc services claim it", name)
			}
			routes[name] = func(_ context.Context, received time.Time) Exchange { return start(received) }
		}
	}
	for _, w := range s.wrappers {
		wrapped, err := w.Wraps(snap)
		if err != nil {
			return err
		}
		for name, wrap := range wrapped {
			inner := routes[name]
			routes[name] = func(ctx context.Context, received time.Time) Exchange {
				return wrap(ctx, received, orPassThrough(ctx, received, inner))
			}
		}
	}
	for _, check := range s.checks {
		checked, err := check.Checks(snap)
		if err != nil {
			return err
		}
		for name, newChecker := range checked {
			inner := routes[name]
			routes[name] = func(ctx context.Context, received time.Time) Exchange {
				return &guarded{check: newChecker(), inner: orPassThrough(ctx, received, inner)}
			}
		}
	}
	s.routes.Store(&routeTable{current: routes, previous: s.routes.Load().current})
	return nil
}

// orPassThrough begins the inner exchange, or lets every message go on for a route no feature serves.
func orPassThrough(ctx context.Context, received time.Time, inner starter) Exchange {
	if inner == nil {
		return PassThrough{}
	}
	return inner(ctx, received)
}

// guarded runs a check before an exchange: the check sees each request message first, and once it answers the
// client, the exchange is over. While a check that reads the body has not seen all of it, the exchange's answers
// to the request wait (in order), so that the backend gets nothing of a request the check then refuses.
type guarded struct {
	check    Checker
	inner    Exchange
	answered bool
	holding  bool
	held     []*extprocv3.ProcessingResponse
}

func (g *guarded) Handle(req *extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	if g.answered {
		return nil, nil
	}
	var done bool // the request's last message
	switch r := req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		if resp := g.check.Request(req); resp != nil {
			g.answered = true
			return One(resp), nil
		}
		done = r.RequestHeaders.GetEndOfStream()
		g.holding = !done && g.check.ReadsBody()
	case *extprocv3.ProcessingRequest_RequestBody:
		if resp := g.check.Request(req); resp != nil {
			g.answered = true
			return One(resp), nil
		}
		done = r.RequestBody.GetEndOfStream()
	}
	resps, err := g.inner.Handle(req)
	if !g.holding || err != nil {
		return resps, err
	}
	g.held = append(g.held, resps...)
	if !done {
		return nil, nil
	}
	g.holding = false
	resps, g.held = g.held, nil
	return resps, nil
}

// Close ends the inner exchange's stream.
func (g *guarded) Close() {
	if c, ok := g.inner.(Closer); ok {
		c.Close()
	}
}

// PassThrough lets every message go on unchanged: the exchange of a route only a check or a wrapper needs.
type PassThrough struct{}

func (PassThrough) Handle(req *extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	switch req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		return One(RequestHeadersContinue(nil)), nil
	case *extprocv3.ProcessingRequest_RequestBody:
		return One(RequestBodyContinue(nil)), nil
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		return One(ResponseHeadersContinue(nil)), nil
	case *extprocv3.ProcessingRequest_ResponseBody:
		return One(ResponseBodyContinue(nil)), nil
	}
	return nil, nil
}

// Register adds the service to a gRPC server (Tollgate's xDS server, which every Envoy already reaches).
func (s *Server) Register(g *grpc.Server) { extprocv3.RegisterExternalProcessorServer(g, s) }

// Process serves one stream: one client request going through Envoy.
func (s *Server) Process(stream extprocv3.ExternalProcessor_ProcessServer) error {
	md, _ := metadata.FromIncomingContext(stream.Context())
	var name, mapping string
	if v := md.Get(names.RouteHeader); len(v) > 0 {
		name = v[0]
	}
	if v := md.Get(names.BasePathHeader); len(v) > 0 {
		mapping = v[0]
	}
	var ex Exchange
	if start := s.routes.Load().find(name); start != nil {
		ex = start(stream.Context(), s.now())
		if c, ok := ex.(Closer); ok {
			defer c.Close()
		}
	} else {
		// The route was removed by the reloads before the last, or Envoy runs a configuration this process did
		// not build: either way the API is misconfigured from the client's view.
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
		if mapping != "" {
			onDomain(req, mapping)
		}
		resps, err := ex.Handle(req)
		if err != nil {
			s.log.Warn("ext_proc", "route", name, "err", err)
			resps = One(GatewayError(gatewayresponse.Default(gatewayresponse.APIConfigurationError), RequestID(req)))
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

func (failedExchange) Handle(req *extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	return One(GatewayError(gatewayresponse.Default(gatewayresponse.APIConfigurationError), RequestID(req))), nil
}
