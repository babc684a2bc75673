package authz

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"

	"github.com/tollgate-gw/tollgate/extproc/authz/lambdaauth"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/ratelimit"
)

// BenchmarkCheckCachedAuthorizer is Tollgate's part of a request behind a TOKEN authorizer whose answer is
// cached: the identity, the cache, the policy, the limits and the answer's metadata, with a browser's headers.
func BenchmarkCheckCachedAuthorizer(b *testing.B) {
	r := &ir.Route{Name: "api1/prod/GET/pets", Method: ir.Method{APIID: "api1", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"},
		PathRegex: `^/prod/pets/?$`, Authorizer: &ir.Authorizer{ID: "api1/prod/auth", Type: "TOKEN", TokenHeader: "Authorization",
			TTL: ir.Duration(time.Hour), InvokeURL: "http://127.0.0.1:1/", MethodARNPrefix: apiARN + "/prod/"}}
	snap := &ir.Snapshot{APIs: []ir.API{{ID: "api1", Routes: []*ir.Route{r}}}}
	limiter := ratelimit.NewLimiter(ratelimit.NewMemory())
	limiter.SetSnapshot(snap)
	a := New(limiter, NewMemoryResults(), slog.New(slog.DiscardHandler))
	if err := a.SetSnapshot(snap); err != nil {
		b.Fatal(err)
	}
	out, err := lambdaauth.Parse(200, "", []byte(authorizerAnswers["allow"]))
	if err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256([]byte("allow"))
	a.results.Set(context.Background(), r.Authorizer.ID+"/"+string(sum[:]), nil, out, time.Hour)
	headers := []*core.HeaderValue{{Key: ":authority", RawValue: []byte("api1.execute-api.localhost")}, {Key: ":path", RawValue: []byte("/prod/pets")},
		{Key: ":method", RawValue: []byte("GET")}, {Key: "authorization", RawValue: []byte("allow")}, {Key: "user-agent", RawValue: []byte("Mozilla/5.0 (X11; Linux x86_64)")},
		{Key: "accept", RawValue: []byte("text/html,application/xhtml+xml")}, {Key: "accept-language", RawValue: []byte("en-GB,en;q=0.9")},
		{Key: names.EnvoyRequestIDHeader, RawValue: []byte("6a1b2c3d-0000-4000-8000-000000000000")}}
	req := &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Request:           &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Method: "GET", Path: "/prod/pets", HeaderMap: &core.HeaderMap{Headers: headers}}},
		ContextExtensions: map[string]string{names.RouteExtension: r.Name},
	}}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := a.Check(context.Background(), req)
		if err != nil || resp.GetDeniedResponse() != nil {
			b.Fatal(err, resp)
		}
	}
}
