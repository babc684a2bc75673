package ratelimit

import (
	"context"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"google.golang.org/grpc"

	"github.com/tollgate-gw/tollgate/internal/names"
)

// Server is Envoy's rate-limit service over a Limiter.
type Server struct {
	rlsv3.UnimplementedRateLimitServiceServer
	limiter *Limiter
}

// NewServer returns the rate-limit service deciding with limiter.
func NewServer(limiter *Limiter) *Server { return &Server{limiter: limiter} }

// Register adds the service to a gRPC server.
func (s *Server) Register(g *grpc.Server) { rlsv3.RegisterRateLimitServiceServer(g, s) }

// ShouldRateLimit decides one request: every descriptor names a route; the first refusal answers with API
// Gateway's 429.
func (s *Server) ShouldRateLimit(ctx context.Context, req *rlsv3.RateLimitRequest) (*rlsv3.RateLimitResponse, error) {
	for _, d := range req.GetDescriptors() {
		var route string
		for _, e := range d.GetEntries() {
			if e.GetKey() == names.RouteDescriptor {
				route = e.GetValue()
			}
		}
		if decision := s.limiter.Decide(ctx, route, "", ""); decision != Allow {
			return overLimit(decision), nil
		}
	}
	return &rlsv3.RateLimitResponse{OverallCode: rlsv3.RateLimitResponse_OK}, nil
}

// overLimit makes Envoy answer with the gateway response (body and headers) instead of its plain 429; the route
// configuration adds the request id headers, as to every local reply.
func overLimit(d Decision) *rlsv3.RateLimitResponse {
	r := d.Response()
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
