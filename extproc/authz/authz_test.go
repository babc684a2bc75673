package authz

import (
	"context"
	"log/slog"
	"testing"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc/codes"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/ratelimit"
)

// TestAuthzCheck walks one key through a plan whose quota admits two requests, on a route whose stage throttle
// admits three at once: the key check answers bad keys, throttles and the quota as API Gateway does, in one call.
func TestAuthzCheck(t *testing.T) {
	snap := &ir.Snapshot{
		APIs: []ir.API{{ID: "a1", Routes: []*ir.Route{{
			Name: "a1/prod/GET/pets", Method: ir.Method{APIID: "a1", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"}, APIKeyRequired: true,
			Limits: &ir.Limits{
				Stage: &ir.Throttle{RateLimit: 0.001, BurstLimit: 3},
				Plans: map[string]ir.PlanLimits{"p1": {Quota: &ir.Quota{Limit: 2, Period: "DAY"}}},
			},
		}}}},
		APIKeys: []ir.APIKey{{ID: "k1", Value: "alice-0123456789abcdefgh", Enabled: true}, {ID: "k2", Value: "bob-0123456789abcdefghij", Enabled: true}},
		Grants:  []ir.Grant{{KeyID: "k1", APIID: "a1", Stage: "prod", PlanID: "p1"}, {KeyID: "k2", APIID: "a1", Stage: "prod", PlanID: "p1"}},
	}
	limiter := ratelimit.NewLimiter(ratelimit.NewMemory())
	limiter.SetSnapshot(snap)
	a := New(limiter, NewMemoryResults(), slog.New(slog.DiscardHandler))
	if err := a.SetSnapshot(snap); err != nil {
		t.Fatal(err)
	}

	check := func(key string) *authv3.CheckResponse {
		headers := map[string]string{names.EnvoyRequestIDHeader: "req-1"}
		if key != "" {
			headers[names.APIKeyHeader] = key
		}
		resp, err := a.Check(context.Background(), &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
			Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Headers: headers}},
			ContextExtensions: map[string]string{
				names.APIIDExtension: "a1", names.StageExtension: "prod", names.RouteExtension: "a1/prod/GET/pets",
			},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	steps := []struct {
		name, key  string
		wantStatus int // 0: admitted
		wantBody   string
		wantType   string
	}{
		{"no key", "", 403, `{"message":"Forbidden"}`, "ForbiddenException"},
		{"unknown key", "mallory-0123456789abcdefgh", 403, `{"message":"Forbidden"}`, "ForbiddenException"},
		{"first request", "alice-0123456789abcdefgh", 0, "", ""},
		{"second request", "alice-0123456789abcdefgh", 0, "", ""},
		{"quota used up", "alice-0123456789abcdefgh", 429, `{"message":"Limit Exceeded"}`, "LimitExceededException"},
		{"another key, its own quota", "bob-0123456789abcdefghij", 0, "", ""},
		// The stage bucket (3 at once) is shared by both keys; a throttled request uses no quota.
		{"stage throttle", "bob-0123456789abcdefghij", 429, `{"message":"Too Many Requests"}`, "TooManyRequestsException"},
	}
	for _, s := range steps {
		resp := check(s.key)
		if s.wantStatus == 0 {
			if codes.Code(resp.GetStatus().GetCode()) != codes.OK {
				t.Errorf("%s: refused with %d %s", s.name, resp.GetDeniedResponse().GetStatus().GetCode(), resp.GetDeniedResponse().GetBody())
				continue
			}
			if got := resp.GetDynamicMetadata().GetFields()["apiKeyId"].GetStringValue(); got == "" {
				t.Errorf("%s: no apiKeyId in the dynamic metadata", s.name)
			}
			continue
		}
		denied := resp.GetDeniedResponse()
		headers := map[string]string{}
		for _, h := range denied.GetHeaders() {
			headers[h.GetHeader().GetKey()] = h.GetHeader().GetValue()
		}
		if int(denied.GetStatus().GetCode()) != s.wantStatus || denied.GetBody() != s.wantBody || headers["x-amzn-ErrorType"] != s.wantType ||
			headers["x-amzn-RequestId"] != "req-1" {
			t.Errorf("%s: %d %s %v; want %d %s %s with the request id", s.name, denied.GetStatus().GetCode(), denied.GetBody(), headers,
				s.wantStatus, s.wantBody, s.wantType)
		}
	}
}

// TestAuthzLimitsOnly: a check without an API stage (a MOCK with limits) checks no key, only the limits.
func TestAuthzLimitsOnly(t *testing.T) {
	limiter := ratelimit.NewLimiter(ratelimit.NewMemory())
	limiter.SetSnapshot(&ir.Snapshot{APIs: []ir.API{{ID: "a1", Routes: []*ir.Route{{
		Name: "a1/prod/GET/health", Method: ir.Method{APIID: "a1", Stage: "prod", Resource: "/health", HTTPMethod: "GET"},
		Limits: &ir.Limits{Stage: &ir.Throttle{RateLimit: 0.001, BurstLimit: 1}},
	}}}}})
	a := New(limiter, NewMemoryResults(), slog.New(slog.DiscardHandler))
	req := &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
		Request:           &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{}},
		ContextExtensions: map[string]string{names.RouteExtension: "a1/prod/GET/health"},
	}}
	for i, want := range []int{0, 429} {
		resp, err := a.Check(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		if got := int(resp.GetDeniedResponse().GetStatus().GetCode()); got != want {
			t.Errorf("request %d without a key: status %d (%s), want %d", i+1, got, resp.GetDeniedResponse().GetBody(), want)
		}
		// An admission carries nothing (no key admitted it); a refusal names its gateway response.
		fields := resp.GetDynamicMetadata().GetFields()
		if want == 0 && len(fields) != 0 {
			t.Errorf("request %d: metadata %v for a request no key admitted", i+1, resp.GetDynamicMetadata())
		}
		if want == 429 && fields[names.GatewayResponseType].GetStringValue() != "THROTTLED" {
			t.Errorf("request %d: metadata %v, want the refusal named THROTTLED", i+1, resp.GetDynamicMetadata())
		}
	}
}
