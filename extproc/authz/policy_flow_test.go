package authz

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"

	"github.com/tollgate-gw/tollgate/extproc/authz/lambdaauth"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/ratelimit"
)

const apiARN = "arn:aws:execute-api:us-east-1:123456789012:api1"

// resourcePolicies decide anonymous callers by source address: allow lets 192.0.2.0/24 in, deny refuses
// 198.51.100.0/24, silent names another network only.
var resourcePolicies = map[string]string{
	"allow":  `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}]}`,
	"deny":   `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}}]}`,
	"silent": `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}`,
}

// authorizerAnswers are cached answers for three tokens: one allowing the stage, one denying it, one allowing
// another API only.
var authorizerAnswers = map[string]string{
	"allow":  `{"principalId": "p", "policyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "` + apiARN + `/prod/*"}]}}`,
	"deny":   `{"principalId": "p", "policyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "` + apiARN + `/prod/*"}]}}`,
	"silent": `{"principalId": "p", "policyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:other/*"}]}}`,
}

// TestResourcePolicyWithAuthorizer decides every combination of the developer guide's Table A ("Policy evaluation
// outcome tables": a Lambda authorizer and a resource policy of the same account), and the resource policy
// alone. The authorizer's answers come from its cache; its function is unreachable, so a request that called it
// would get a 500: the explicit deny of the resource policy is decided before the authorizer runs.
func TestResourcePolicyWithAuthorizer(t *testing.T) {
	const (
		allowedIP = "192.0.2.10"
		deniedIP  = "198.51.100.7"
		otherIP   = "10.1.2.3"
	)
	const (
		implicitRP   = `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:api1/prod/GET/pets"}`
		explicitRP   = `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:api1/prod/GET/pets with an explicit deny"}`
		implicitAuth = `{"Message":"User is not authorized to access this resource"}`
		explicitAuth = `{"Message":"User is not authorized to access this resource with an explicit deny"}`
	)
	tests := []struct {
		name          string
		policy, token string // resource policy and authorizer answer; "" for none
		sourceIP      string
		wantStatus    int // 0: admitted
		wantBody      string
	}{
		// Table A, row by row: authorizer, resource policy.
		{"Allow, Allow", "allow", "allow", allowedIP, 0, ""},
		{"Allow, neither", "silent", "allow", otherIP, 0, ""},
		{"Allow, Deny", "deny", "allow", deniedIP, 403, explicitRP},
		{"neither, Allow", "allow", "silent", allowedIP, 0, ""},
		{"neither, neither", "silent", "silent", otherIP, 403, implicitAuth},
		{"neither, Deny", "deny", "silent", deniedIP, 403, explicitRP},
		{"Deny, Allow", "allow", "deny", allowedIP, 403, explicitAuth},
		{"Deny, neither", "silent", "deny", otherIP, 403, explicitAuth},
		{"Deny, Deny", "deny", "deny", deniedIP, 403, explicitRP},
		// The resource policy alone needs an explicit allow.
		{"resource policy alone allows", "allow", "", allowedIP, 0, ""},
		{"resource policy alone is silent", "allow", "", otherIP, 403, implicitRP},
		{"resource policy alone denies", "deny", "", deniedIP, 403, explicitRP},
		{"IPv6 caller against IPv4 networks", "allow", "", "2001:db8::1", 403, implicitRP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &ir.Route{Name: "api1/prod/GET/pets", Method: ir.Method{APIID: "api1", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"},
				PathRegex: `^/prod/pets/?$`, ResourcePolicy: &ir.ResourcePolicy{Document: resourcePolicies[tt.policy], APIARN: apiARN}}
			results := NewMemoryResults()
			if tt.token != "" {
				r.Authorizer = &ir.Authorizer{ID: "api1/prod/auth", Type: "TOKEN", TokenHeader: "Authorization", TTL: ir.Duration(time.Minute),
					InvokeURL: "http://127.0.0.1:1/2015-03-31/functions/auth/invocations", MethodARNPrefix: apiARN + "/prod/"}
				out, err := lambdaauth.Parse(200, "", []byte(authorizerAnswers[tt.token]))
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256([]byte(tt.token))
				results.Set(context.Background(), r.Authorizer.ID+"/"+string(sum[:]), nil, out, time.Minute)
			}
			snap := &ir.Snapshot{APIs: []ir.API{{ID: "api1", Routes: []*ir.Route{r}}}}
			limiter := ratelimit.NewLimiter(ratelimit.NewMemory())
			limiter.SetSnapshot(snap)
			a := New(limiter, results, slog.New(slog.DiscardHandler))
			if err := a.SetSnapshot(snap); err != nil {
				t.Fatal(err)
			}
			headers := []*core.HeaderValue{{Key: ":path", RawValue: []byte("/prod/pets")}, {Key: names.EnvoyRequestIDHeader, RawValue: []byte("r1")}}
			if tt.token != "" {
				headers = append(headers, &core.HeaderValue{Key: "authorization", RawValue: []byte(tt.token)})
			}
			resp, err := a.Check(context.Background(), &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
				Source: &authv3.AttributeContext_Peer{Address: &core.Address{Address: &core.Address_SocketAddress{SocketAddress: &core.SocketAddress{Address: tt.sourceIP}}}},
				Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{
					Method: "GET", Path: "/prod/pets", HeaderMap: &core.HeaderMap{Headers: headers},
				}},
				ContextExtensions: map[string]string{names.RouteExtension: r.Name},
			}})
			if err != nil {
				t.Fatal(err)
			}
			denied := resp.GetDeniedResponse()
			if got := int(denied.GetStatus().GetCode()); got != tt.wantStatus || denied.GetBody() != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", got, denied.GetBody(), tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// TestHangingAuthorizer: a function that does not answer is cut at the authorizer timeout and the request gets
// the configuration error; nothing waits longer.
func TestHangingAuthorizer(t *testing.T) {
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); hanging.Close() })
	r := &ir.Route{Name: "api1/prod/GET/pets", Method: ir.Method{APIID: "api1", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"},
		PathRegex: `^/prod/pets/?$`, Authorizer: &ir.Authorizer{ID: "api1/prod/auth", Type: "TOKEN", TokenHeader: "Authorization",
			InvokeURL: hanging.URL + "/2015-03-31/functions/auth/invocations", MethodARNPrefix: apiARN + "/prod/"}}
	snap := &ir.Snapshot{APIs: []ir.API{{ID: "api1", Routes: []*ir.Route{r}}}}
	limiter := ratelimit.NewLimiter(ratelimit.NewMemory())
	limiter.SetSnapshot(snap)
	a := New(limiter, NewMemoryResults(), slog.New(slog.DiscardHandler))
	a.authorizerTimeout = 100 * time.Millisecond
	if err := a.SetSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	resp, err := a.Check(context.Background(), &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Method: "GET", Path: "/prod/pets",
			HeaderMap: &core.HeaderMap{Headers: []*core.HeaderValue{{Key: "authorization", RawValue: []byte("t")}}}}},
		ContextExtensions: map[string]string{names.RouteExtension: r.Name},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if d := resp.GetDeniedResponse(); d.GetStatus().GetCode() != 500 || d.GetBody() != `{"message":null}` {
		t.Errorf("got %v, want 500 {\"message\":null}", resp)
	}
}

// TestUnknownRouteRefused: a check from the authorizer filter for a route the snapshot lacks (an Envoy still on an
// older configuration) is refused, never admitted unchecked.
func TestUnknownRouteRefused(t *testing.T) {
	limiter := ratelimit.NewLimiter(ratelimit.NewMemory())
	a := New(limiter, NewMemoryResults(), slog.New(slog.DiscardHandler))
	if err := a.SetSnapshot(&ir.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	resp, err := a.Check(context.Background(), &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Request:           &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Method: "GET", Path: "/prod/gone"}},
		ContextExtensions: map[string]string{names.RouteExtension: "api1/prod/GET/gone", names.AuthorizeExtension: "1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if d := resp.GetDeniedResponse(); d.GetStatus().GetCode() != 500 {
		t.Errorf("got %v, want a 500 refusal", resp)
	}
}
