package authz

import (
	"context"
	"encoding/pem"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"testing"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"

	"github.com/tollgate-gw/tollgate/internal/certtest"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/ratelimit"
)

// A REQUEST authorizer called for a request through a custom domain is told what the client called (the domain,
// the path with its base path) and the certificate it presented with mutual TLS, as AWS's event tells them; a
// request on the API's own host is told neither.
func TestAuthorizerOnCustomDomain(t *testing.T) {
	// A REST API's REQUEST event names no identity source: the function answers it by "".
	fn := &authorizerFunction{answers: map[string]string{
		"": `{"principalId": "p", "policyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "` + apiARN + `/prod/*"}]}}`,
	}}
	srv := httptest.NewServer(fn)
	t.Cleanup(srv.Close)
	r := &ir.Route{Name: "api1/prod/GET/pets", Method: ir.Method{APIID: "api1", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"}, PathRegex: `^/prod/pets/?$`,
		Authorizer: &ir.Authorizer{ID: "api1/prod/auth", Type: "REQUEST", InvokeURL: srv.URL + "/2015-03-31/functions/auth/invocations",
			MethodARNPrefix: apiARN + "/prod/", IdentitySources: []ir.ValueSource{{Kind: ir.RequestHeader, Value: "Authorization"}}}}
	snap := &ir.Snapshot{APIs: []ir.API{{ID: "api1", Routes: []*ir.Route{r}}}}
	limiter := ratelimit.NewLimiter(ratelimit.NewMemory())
	limiter.SetSnapshot(snap)
	a := New(limiter, NewMemoryResults(), slog.New(slog.DiscardHandler))
	if err := a.SetSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	cert := certtest.NewCA(t).IssueClient(t, "client.example")
	forwarded := `Cert="` + url.PathEscape(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}))) + `"`
	check := func(path, host string, ext map[string]string, extra ...*core.HeaderValue) map[string]any {
		t.Helper()
		headers := append([]*core.HeaderValue{{Key: ":path", RawValue: []byte(path)}, {Key: ":authority", RawValue: []byte(host)},
			{Key: "authorization", RawValue: []byte("t")}}, extra...)
		ext[names.RouteExtension], ext[names.AuthorizeExtension] = r.Name, "1"
		resp, err := a.Check(context.Background(), &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
			Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{
				Method: "GET", Path: path, HeaderMap: &core.HeaderMap{Headers: headers}}},
			ContextExtensions: ext,
		}})
		if err != nil || resp.GetOkResponse() == nil {
			t.Fatalf("refused: %v %v", resp, err)
		}
		calls := fn.calls()
		return calls[len(calls)-1]
	}
	// The custom domain's copy of the route tells its mapping: base path /orders, the stage's path /prod.
	event := check("/orders/pets", "api.example.com:8443", map[string]string{names.BasePathHeader: "/orders /prod"},
		&core.HeaderValue{Key: names.ClientCertHeader, RawValue: []byte(forwarded)})
	rc, _ := event["requestContext"].(map[string]any)
	identity, _ := rc["identity"].(map[string]any)
	clientCert, _ := identity["clientCert"].(map[string]any)
	if event["path"] != "/orders/pets" || rc["path"] != "/orders/pets" || rc["domainName"] != "api.example.com" || rc["domainPrefix"] != "api" ||
		event["methodArn"] != apiARN+"/prod/GET/pets" || clientCert["subjectDN"] != "CN=client.example,O=Tollgate tests" {
		t.Errorf("the event through a custom domain: %v", event)
	}
	if headers, _ := event["headers"].(map[string]any); headers["X-Forwarded-Client-Cert"] != nil {
		t.Errorf("the event's headers carry the forwarded certificate: %v", headers)
	}
	event = check("/prod/pets", "api1.execute-api.localhost", map[string]string{})
	rc, _ = event["requestContext"].(map[string]any)
	identity, _ = rc["identity"].(map[string]any)
	if event["path"] != "/pets" || rc["path"] != "/prod/pets" || rc["domainName"] != "api1.execute-api.localhost" || identity["clientCert"] != nil {
		t.Errorf("the event on the API's own host: %v", event)
	}
}
