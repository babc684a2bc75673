package authz

import (
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"sync/atomic"
	"time"

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
	"github.com/tollgate-gw/tollgate/internal/policy"
	"github.com/tollgate-gw/tollgate/internal/tracing"
	"github.com/tollgate-gw/tollgate/ratelimit"
)

// Server is Tollgate's ext_authz service: the API key check of the methods that require a key, and, in the same
// call, the throttles and quota that apply to the key's request. API Gateway checks the key, then the usage
// plan's limits; deciding both here costs Envoy one call to Tollgate where a separate rate-limit call would make
// two, which is most of what a keyed request adds to a request's latency.
type Server struct {
	authv3.UnimplementedAuthorizationServer
	index   atomic.Pointer[index]
	limiter *ratelimit.Limiter
	results Results
	invoker *http.Client
	signer  awsSigner
	keySets *keySets
	// verified are the Cognito tokens verified lately.
	verified verifiedTokens
	calls    inflight // authorizer invocations in flight, by cache key
	// authorizerTimeout is AuthorizerTimeout; tests shorten it.
	authorizerTimeout time.Duration
	log               *slog.Logger
	now               func() time.Time
	// Invoked, when set, is told of each authorizer invocation (by the authorizer's id), for the metrics; an
	// answer from the cache is none.
	Invoked func(authorizerID string)
	// Tracer, when set, adds the authorizer's span to a traced request's trace.
	Tracer *tracing.Tracer
}

// index is what one snapshot gives the checks: its keys and plans, and its routes behind authorizers by name.
type index struct {
	keys       *KeyIndex
	authorized map[string]*authorizedRoute
	identities map[string]*identity // IAM identities by access key
	// trustedHops is how many proxies before Envoy append to X-Forwarded-For.
	trustedHops int
}

// New returns a service that knows no keys yet, decides limits with limiter and keeps authorizer answers in
// results.
func New(limiter *ratelimit.Limiter, results Results, log *slog.Logger) *Server {
	a := &Server{limiter: limiter, results: results, log: log, now: time.Now, authorizerTimeout: AuthorizerTimeout,
		invoker: &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64}}}
	a.keySets = newKeySets(log, func() time.Time { return a.now() })
	a.index.Store(&index{keys: NewKeyIndex(&ir.Snapshot{})})
	return a
}

// SetSnapshot replaces the keys, usage plans and authorized routes; checks already running finish with the ones
// they started with. The limiter the service decides with takes the same snapshot from whoever feeds both.
func (a *Server) SetSnapshot(snap *ir.Snapshot) error {
	identities, err := newIdentities(snap.IAM)
	if err != nil {
		return err
	}
	ix := &index{keys: NewKeyIndex(snap), authorized: map[string]*authorizedRoute{}, identities: identities, trustedHops: int(snap.TrustedProxyHops)}
	c := compiled{patterns: map[string]*regexp.Regexp{}, policies: map[*ir.ResourcePolicy]*policy.Document{}}
	for _, r := range snap.Routes() {
		if !r.Authorizes() {
			continue
		}
		ar, err := newAuthorizedRoute(r, c)
		if err != nil {
			return err
		}
		if r.Authorizer != nil {
			a.keySets.track(r.Authorizer.UserPools)
		}
		ix.authorized[r.Name] = ar
	}
	a.index.Store(ix)
	return nil
}

// RefreshKeys keeps the Cognito user pools' key sets fresh, in the background, until ctx is done: a request never
// waits for a key set but when its token names a key the set lacks.
func (a *Server) RefreshKeys(ctx context.Context) error {
	tick := time.NewTicker(keySetRefresh / 4)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			a.keySets.refreshAll()
		}
	}
}

// FlushAuthorizers forgets the cached authorizer answers of an API stage (FlushStageAuthorizersCache).
func (a *Server) FlushAuthorizers(ctx context.Context, apiID, stage string) error {
	return a.results.Flush(ctx, apiID+"/"+stage+"/")
}

// Register adds the service to a gRPC server.
func (a *Server) Register(g *grpc.Server) { authv3.RegisterAuthorizationServer(g, a) }

// Check decides a request in API Gateway's order: the API's resource policy and the route's authorizer (Lambda,
// Cognito or IAM) if it has them, then the API key (an enabled key in a usage plan for the route's API stage),
// then the limits. It answers each refusal with API Gateway's gateway response: 401 or 403 from the policy or
// the authorizer, 403 {"message":"Forbidden"} for a bad key, 429 for a throttle or quota.
func (a *Server) Check(ctx context.Context, req *authv3.CheckRequest) (*authv3.CheckResponse, error) {
	ext := req.GetAttributes().GetContextExtensions()
	ctx, hr := onDomain(ctx, ext, req.GetAttributes().GetRequest().GetHttp())
	ix := a.index.Load()
	requestID := headerOf(hr, names.EnvoyRequestIDHeader)
	fields := map[string]*structpb.Value{}
	key := headerOf(hr, names.APIKeyHeader)
	ar := ix.authorized[ext[names.RouteExtension]]
	refuse := func(r gatewayresponse.Response) *authv3.CheckResponse {
		if ar != nil && ar.HTTPAPI {
			return deniedHTTPAPI(r.Type, requestID)
		}
		return denied(r, requestID)
	}
	if ar == nil && ext[names.AuthorizeExtension] != "" {
		// An Envoy on a configuration this snapshot no longer has: the route's protection is unknown here.
		a.log.Warn("a check for a route the configuration lacks: refused", "route", ext[names.RouteExtension])
		return denied(gatewayresponse.Default(gatewayresponse.APIConfigurationError), requestID), nil
	}
	if ar != nil {
		az, refused := a.authorize(ctx, ix, ar, hr, sourceAddress(req, ix.trustedHops))
		if refused != nil {
			return refuse(*refused), nil
		}
		if ar.APIKeyFromAuthorizer {
			key = "" // only a Lambda authorizer's usageIdentifierKey counts
		}
		if az != nil && az.identity != nil {
			fields[names.IdentityField] = az.identity
		}
		if az != nil && az.mayInvalidateCache {
			fields[names.InvalidateCacheField] = structpb.NewBoolValue(true)
		}
		if az != nil && az.context != nil {
			fields[names.AuthorizerField] = az.context
			if ar.APIKeyFromAuthorizer {
				key = az.usageIdentifierKey
			}
		}
	}
	var grant Grant
	if apiID := ext[names.APIIDExtension]; apiID != "" {
		var ok bool
		if grant, ok = ix.keys.Check(key, apiID, ext[names.StageExtension]); !ok {
			return denied(gatewayresponse.Default(gatewayresponse.InvalidAPIKey), requestID), nil
		}
		fields[names.APIKeyIDField] = structpb.NewStringValue(grant.KeyID)
		fields[names.UsagePlanIDField] = structpb.NewStringValue(grant.PlanID)
	}
	if decision := a.limiter.Decide(ctx, ext[names.RouteExtension], grant.KeyID, grant.PlanID); decision != ratelimit.Allow {
		return refuse(decision.Response()), nil
	}
	ok := &authv3.CheckResponse{Status: &status.Status{Code: int32(codes.OK)}, HttpResponse: &authv3.CheckResponse_OkResponse{OkResponse: &authv3.OkHttpResponse{}}}
	if len(fields) > 0 {
		ok.DynamicMetadata = &structpb.Struct{Fields: fields}
	}
	return ok, nil
}

// deniedHTTPAPI is an HTTP API's answer of type t as ext_authz's denial, its request id in apigw-requestid.
func deniedHTTPAPI(t gatewayresponse.Type, requestID string) *authv3.CheckResponse {
	return deniedWith(gatewayresponse.ForHTTPAPI(t), [][2]string{{gatewayresponse.RequestIDHeaderV2, requestID}})
}

// denied is a gateway response as ext_authz's denial: Envoy sends it as it is.
func denied(r gatewayresponse.Response, requestID string) *authv3.CheckResponse {
	return deniedWith(r, [][2]string{{gatewayresponse.RequestIDHeader, requestID},
		{gatewayresponse.ExtendedRequestIDHeader, gatewayresponse.ExtendedRequestID(requestID)}})
}

// deniedWith is the denial answering r, with the request id headers ids.
func deniedWith(r gatewayresponse.Response, ids [][2]string) *authv3.CheckResponse {
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
	for _, id := range ids {
		if id[1] != "" {
			add(id[0], id[1])
		}
	}
	return &authv3.CheckResponse{
		// Which gateway response this is, for the API's customisation of it (Envoy's local replies, which find it
		// under ext_authz's name, whichever check filter refused).
		DynamicMetadata: gatewayresponse.Metadata(r),
		Status:          &status.Status{Code: int32(codes.PermissionDenied)},
		HttpResponse: &authv3.CheckResponse_DeniedResponse{DeniedResponse: &authv3.DeniedHttpResponse{
			Status:  &typev3.HttpStatus{Code: typev3.StatusCode(r.Status)},
			Headers: headers,
			Body:    r.Body(),
		}},
	}
}
