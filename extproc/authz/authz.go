package authz

import (
	"context"
	"sync/atomic"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/ratelimit"
)

// Server is Tollgate's ext_authz service: the API key check of the methods that require a key, and, in the same
// call, the throttles and quota that apply to the key's request. API Gateway checks the key, then the usage
// plan's limits; deciding both here costs Envoy one call to Tollgate where a separate rate-limit call would make
// two, which is most of what a keyed request adds to a request's latency.
type Server struct {
	authv3.UnimplementedAuthorizationServer
	keys    atomic.Pointer[KeyIndex]
	limiter *ratelimit.Limiter
}

// New returns a service that knows no keys yet and decides limits with limiter.
func New(limiter *ratelimit.Limiter) *Server {
	a := &Server{limiter: limiter}
	a.keys.Store(NewKeyIndex(&ir.Snapshot{}))
	return a
}

// SetSnapshot replaces the keys and usage plans; checks already running finish with the ones they started with.
// The limiter the service decides with takes the same snapshot from whoever feeds both.
func (a *Server) SetSnapshot(snap *ir.Snapshot) { a.keys.Store(NewKeyIndex(snap)) }

// Register adds the service to a gRPC server.
func (a *Server) Register(g *grpc.Server) { authv3.RegisterAuthorizationServer(g, a) }

// Check admits a request whose x-api-key is an enabled key in a usage plan for the route's API stage and whose
// limits let it through; on a route without an API stage it checks the limits only. It answers a bad key with
// API Gateway's 403 {"message":"Forbidden"}, and a throttle or quota refusal with API Gateway's 429.
func (a *Server) Check(ctx context.Context, req *authv3.CheckRequest) (*authv3.CheckResponse, error) {
	ext := req.GetAttributes().GetContextExtensions()
	http := req.GetAttributes().GetRequest().GetHttp()
	var grant Grant
	if apiID := ext[names.APIIDExtension]; apiID != "" {
		var ok bool
		if grant, ok = a.keys.Load().Check(http.GetHeaders()[names.APIKeyHeader], apiID, ext[names.StageExtension]); !ok {
			return denied(gatewayresponse.Default(gatewayresponse.InvalidAPIKey), http.GetHeaders()[names.EnvoyRequestIDHeader]), nil
		}
	}
	if decision := a.limiter.Decide(ctx, ext[names.RouteExtension], grant.KeyID, grant.PlanID); decision != ratelimit.Allow {
		return denied(decision.Response(), http.GetHeaders()[names.EnvoyRequestIDHeader]), nil
	}
	if grant.KeyID == "" {
		return &authv3.CheckResponse{Status: &status.Status{Code: int32(codes.OK)}, HttpResponse: &authv3.CheckResponse_OkResponse{OkResponse: &authv3.OkHttpResponse{}}}, nil
	}
	return &authv3.CheckResponse{
		Status: &status.Status{Code: int32(codes.OK)},
		DynamicMetadata: &structpb.Struct{Fields: map[string]*structpb.Value{
			names.APIKeyIDField:    structpb.NewStringValue(grant.KeyID),
			names.UsagePlanIDField: structpb.NewStringValue(grant.PlanID),
		}},
		HttpResponse: &authv3.CheckResponse_OkResponse{OkResponse: &authv3.OkHttpResponse{}},
	}, nil
}

// denied is a gateway response as ext_authz's denial: Envoy sends it as it is.
func denied(r gatewayresponse.Response, requestID string) *authv3.CheckResponse {
	var headers []*core.HeaderValueOption
	// ext_authz reads header values from value, where ext_proc reads raw_value.
	add := func(name, value string) {
		headers = append(headers, &core.HeaderValueOption{
			Header:       &core.HeaderValue{Key: name, Value: value},
			AppendAction: core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
		})
	}
	for name, value := range r.Headers() {
		add(name, value)
	}
	if requestID != "" {
		add(gatewayresponse.RequestIDHeader, requestID)
		add(gatewayresponse.ExtendedRequestIDHeader, gatewayresponse.ExtendedRequestID(requestID))
	}
	return &authv3.CheckResponse{
		Status: &status.Status{Code: int32(codes.PermissionDenied)},
		HttpResponse: &authv3.CheckResponse_DeniedResponse{DeniedResponse: &authv3.DeniedHttpResponse{
			Status:  &typev3.HttpStatus{Code: typev3.StatusCode(r.Status)},
			Headers: headers,
			Body:    r.Body(),
		}},
	}
}
