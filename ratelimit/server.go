package ratelimit

import (
	"context"
	"sync/atomic"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"google.golang.org/grpc"

	"github.com/tollgate-gw/tollgate/gatewayresponse"
)

// Domain is the rate-limit domain Tollgate's routes use.
const Domain = "tollgate"

// The descriptor entries the translator's rate limits send.
const (
	RouteEntry     = "route"       // the route's name
	APIKeyEntry    = "apiKeyId"    // from the API key check, when the method requires a key
	UsagePlanEntry = "usagePlanId" // likewise
)

// Server is Envoy's rate-limit service over Tollgate's limits.
type Server struct {
	rlsv3.UnimplementedRateLimitServiceServer
	table atomic.Pointer[Table]
	store Store
	now   func() time.Time
	// failClosed refuses requests while the store fails; open (the default, as Envoy's) admits them.
	failClosed bool
	timeout    time.Duration
}

// DefaultTimeout bounds each decision against the store.
const DefaultTimeout = 20 * time.Millisecond

// NewServer returns a service with no limits yet, keeping state in store; failClosed says what a store failure
// means, and timeout bounds every decision (0: DefaultTimeout).
func NewServer(store Store, failClosed bool, timeout time.Duration) *Server {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	s := &Server{store: store, now: time.Now, failClosed: failClosed, timeout: timeout}
	s.table.Store(&Table{})
	return s
}

// SetTable replaces the limits; counts are kept, by key, across the change.
func (s *Server) SetTable(t *Table) { s.table.Store(t) }

// Register adds the service to a gRPC server.
func (s *Server) Register(g *grpc.Server) { rlsv3.RegisterRateLimitServiceServer(g, s) }

// ShouldRateLimit decides one request: every descriptor names a route (and the key and plan that admitted the
// request); the first refusal answers with API Gateway's 429.
func (s *Server) ShouldRateLimit(ctx context.Context, req *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
	table, now := s.table.Load(), s.now()
	for _, d := range req.GetDescriptors() {
		entries := map[string]string{}
		for _, e := range d.GetEntries() {
			entries[e.GetKey()] = e.GetValue()
		}
		limits, ok := table.Limits(entries[RouteEntry], entries[APIKeyEntry], entries[UsagePlanEntry])
		if !ok {
			continue
		}
		decideCtx, cancel := context.WithTimeout(ctx, s.timeout)
		decision, err := s.store.Decide(decideCtx, limits, now)
		cancel()
		if err != nil {
			if !s.failClosed {
				continue
			}
			decision = Throttled
		}
		switch decision {
		case Throttled:
			return overLimit(gatewayresponse.Default(gatewayresponse.Throttled)), nil
		case QuotaExceeded:
			return overLimit(gatewayresponse.Default(gatewayresponse.QuotaExceeded)), nil
		}
	}
	return &rlsv3.RateLimitResponse{OverallCode: rlsv3.RateLimitResponse_OK}, nil
}

// overLimit makes Envoy answer with the gateway response (body and headers) instead of its plain 429; the route
// configuration adds the request id headers, as to every local reply.
func overLimit(r gatewayresponse.Response) *rlsv3.RateLimitResponse {
	var headers []*core.HeaderValue
	for name, value := range r.Headers() {
		headers = append(headers, &core.HeaderValue{Key: name, Value: value})
	}
	return &rlsv3.RateLimitResponse{
		OverallCode:          rlsv3.RateLimitResponse_OVER_LIMIT,
		RawBody:              []byte(r.Body()),
		ResponseHeadersToAdd: headers,
	}
}
