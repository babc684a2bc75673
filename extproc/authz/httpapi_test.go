package authz

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/ratelimit"
)

// authorizerFunction stands for a Lambda function behind the Invoke API: it answers each token's fixed answer
// and keeps the events it was called with.
type authorizerFunction struct {
	mu      sync.Mutex
	events  []map[string]any
	answers map[string]string // by the first identity source's value
}

func (f *authorizerFunction) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var event map[string]any
	_ = json.Unmarshal(body, &event)
	f.mu.Lock()
	f.events = append(f.events, event)
	f.mu.Unlock()
	token := ""
	switch ids := event["identitySource"].(type) {
	case []any: // 2.0
		token, _ = ids[0].(string)
	case string: // 1.0: the values comma-joined
		token = ids
	}
	_, _ = io.WriteString(w, f.answers[token])
}

func (f *authorizerFunction) calls() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.events)
}

// TestHTTPAPILambdaAuthorizer decides requests to HTTP API routes behind Lambda authorizers, as the HTTP API
// guide describes them: a 2.0 authorizer with simple responses (isAuthorized true admits with the context under
// requestContext.authorizer.lambda, false is 403 Forbidden), a missing identity source is 401 without a call, an
// answer that is not a simple response is 500 Internal Server Error, a result is cached by identity for the TTL;
// a 1.0 authorizer answers with a policy for the route's ARN. Every refusal carries apigw-requestid, not a REST
// API's ids.
func TestHTTPAPILambdaAuthorizer(t *testing.T) {
	fn := &authorizerFunction{answers: map[string]string{
		"allow":  `{"isAuthorized": true, "context": {"tier": "gold", "n": 1}}`,
		"refuse": `{"isAuthorized": false}`,
		"broken": `{"principalId": "p"}`,
		// 1.0: a policy allowing GET /pets, whatever the second source.
		"alice,admin": `{"principalId": "alice", "policyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:h1/$default/GET/pets"}]}, "context": {"role": "admin"}}`,
	}}
	srv := httptest.NewServer(fn)
	t.Cleanup(srv.Close)
	invoke := srv.URL + "/2015-03-31/functions/gate/invocations"
	route := func(resource, method string, auth *ir.Authorizer) *ir.Route {
		m := ir.Method{APIID: "h1", Stage: "$default", Resource: resource, HTTPMethod: method}
		return &ir.Route{Name: "h1/$default/" + method + resource, Method: m, PathRegex: `^` + resource + `/?$`, HTTPAPI: true, Authorizer: auth}
	}
	v2 := &ir.Authorizer{ID: "h1/$default/gate", Type: "REQUEST", InvokeURL: invoke, PayloadVersion: "2.0", SimpleResponses: true,
		TTL: ir.Duration(time.Minute), MethodARNPrefix: "arn:aws:execute-api:us-east-1:123456789012:h1/$default/", AccountID: "123456789012",
		IdentitySources: []ir.ValueSource{{Kind: ir.RequestHeader, Value: "Authorization"}, {Kind: ir.RouteKeyValue}}}
	v1 := &ir.Authorizer{ID: "h1/$default/policy", Type: "REQUEST", InvokeURL: invoke, PayloadVersion: "1.0",
		MethodARNPrefix: v2.MethodARNPrefix, AccountID: "123456789012",
		IdentitySources: []ir.ValueSource{{Kind: ir.RequestHeader, Value: "Authorization"}, {Kind: ir.QueryParameter, Value: "role"}}}
	simple, policy, throttled := route("/items", "GET", v2), route("/pets", "GET", v1), route("/slow", "GET", v2)
	throttled.Limits = &ir.Limits{Stage: &ir.Throttle{RateLimit: 0.001, BurstLimit: 1}}
	snap := &ir.Snapshot{APIs: []ir.API{{ID: "h1", HTTPAPI: true, Routes: []*ir.Route{simple, policy, throttled}}}}
	limiter := ratelimit.NewLimiter(ratelimit.NewMemory())
	limiter.SetSnapshot(snap)
	a := New(limiter, NewMemoryResults(), slog.New(slog.DiscardHandler))
	if err := a.SetSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	check := func(r *ir.Route, path, token string) *authv3.CheckResponse {
		t.Helper()
		headers := []*core.HeaderValue{{Key: ":path", RawValue: []byte(path)}, {Key: names.EnvoyRequestIDHeader, RawValue: []byte("req-1")}}
		if token != "" {
			headers = append(headers, &core.HeaderValue{Key: "authorization", RawValue: []byte(token)})
		}
		resp, err := a.Check(context.Background(), &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
			Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{
				Method: "GET", Path: path, HeaderMap: &core.HeaderMap{Headers: headers}}},
			ContextExtensions: map[string]string{names.RouteExtension: r.Name, names.AuthorizeExtension: "1"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	refusals := []struct {
		name         string
		r            *ir.Route
		path, token  string
		status       int
		body         string
		callsAfter   int
		responseType gatewayresponse.Type
	}{
		{"no identity: no call", simple, "/items", "", 401, `{"message":"Unauthorized"}`, 0, gatewayresponse.Unauthorized},
		{"isAuthorized false", simple, "/items", "refuse", 403, `{"message":"Forbidden"}`, 1, gatewayresponse.AccessDenied},
		{"the refusal is cached", simple, "/items", "refuse", 403, `{"message":"Forbidden"}`, 1, gatewayresponse.AccessDenied},
		{"not a simple response", simple, "/items", "broken", 500, `{"message":"Internal Server Error"}`, 2, gatewayresponse.AuthorizerConfiguration},
		{"1.0: a query source missing", policy, "/pets", "alice", 401, `{"message":"Unauthorized"}`, 2, gatewayresponse.Unauthorized},
		{"admitted, within the route's throttle", throttled, "/slow", "allow", 0, "", 3, ""},
		{"admitted, over the route's throttle (from the cache)", throttled, "/slow", "allow", 429, `{"message":"Too Many Requests"}`, 3, gatewayresponse.Throttled},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			resp := check(tt.r, tt.path, tt.token)
			if tt.status == 0 {
				if resp.GetOkResponse() == nil {
					t.Errorf("refused: %v", resp)
				}
				return
			}
			d := resp.GetDeniedResponse()
			if int(d.GetStatus().GetCode()) != tt.status || d.GetBody() != tt.body {
				t.Errorf("got %d %s, want %d %s", d.GetStatus().GetCode(), d.GetBody(), tt.status, tt.body)
			}
			var ids []string
			for _, h := range d.GetHeaders() {
				ids = append(ids, h.GetHeader().GetKey())
			}
			if !slices.Contains(ids, gatewayresponse.RequestIDHeaderV2) || slices.Contains(ids, gatewayresponse.RequestIDHeader) || slices.Contains(ids, "x-amzn-ErrorType") {
				t.Errorf("headers %v: want apigw-requestid and no REST API headers", ids)
			}
			if n := len(fn.calls()); n != tt.callsAfter {
				t.Errorf("%d calls so far, want %d", n, tt.callsAfter)
			}
		})
	}

	for range 3 { // one call, then the cache
		resp := check(simple, "/items", "allow")
		if resp.GetOkResponse() == nil {
			t.Fatalf("allowed token refused: %v", resp)
		}
		lambda := resp.GetDynamicMetadata().GetFields()[names.AuthorizerField].GetStructValue().GetFields()["lambda"].GetStructValue().AsMap()
		if lambda["tier"] != "gold" || lambda["n"] != "1" {
			t.Errorf("requestContext.authorizer.lambda = %v", lambda)
		}
	}
	calls := fn.calls()
	if len(calls) != 4 {
		t.Fatalf("%d calls, want 4: an identity's answer is kept for the TTL (its route key part of it)", len(calls))
	}
	event := calls[3]
	if event["version"] != "2.0" || event["type"] != "REQUEST" || event["routeArn"] != v2.MethodARNPrefix+"GET/items" ||
		!slices.Equal(event["identitySource"].([]any), []any{"allow", "GET /items"}) || event["routeKey"] != "GET /items" || event["rawPath"] != "/items" {
		t.Errorf("2.0 event %v", event)
	}

	if resp := check(policy, "/pets?role=admin", "alice"); resp.GetOkResponse() == nil {
		t.Fatalf("1.0 policy allowing GET /pets refused: %v", resp)
	} else if lambda := resp.GetDynamicMetadata().GetFields()[names.AuthorizerField].GetStructValue().AsMap()["lambda"]; lambda.(map[string]any)["role"] != "admin" {
		t.Errorf("1.0 context %v", lambda)
	}
	event = fn.calls()[4]
	if event["version"] != "1.0" || event["methodArn"] != v2.MethodARNPrefix+"GET/pets" || event["identitySource"] != "alice,admin" || event["authorizationToken"] != "alice,admin" {
		t.Errorf("1.0 event %v", event)
	}
}
