package source

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// A JWT authorizer whose issuer the config does not place gets its key set from the issuer's discovery document,
// read once; a document that names another issuer, or none at all, is a problem at the authorizer.
func TestJWTIssuerDiscovery(t *testing.T) {
	var fetches atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		switch r.URL.Path {
		case "/good/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer": %q, "jwks_uri": %q}`, srv.URL+"/good", srv.URL+"/good/keys")
		case "/liar/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer": "https://someone.else", "jwks_uri": %q}`, srv.URL+"/keys")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	api := func(issuer string) string {
		return `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /a:
    get:
      security: [{jwt: []}]
      x-amazon-apigateway-integration: {type: http_proxy, payloadFormatVersion: "1.0", httpMethod: GET, uri: "http://127.0.0.1:9/a"}
components:
  securitySchemes:
    jwt:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer: {type: jwt, identitySource: $request.header.Authorization, jwtConfiguration: {issuer: "` + issuer + `", audience: [a]}}
`
	}
	dir := t.TempDir()
	cfg := write(t, dir, "tollgate.yaml", "apis:\n  - {id: h, protocolType: HTTP, definition: api.yaml, stages: [{stageName: $default}]}\n")
	ld := New()
	write(t, dir, "api.yaml", api(srv.URL+"/good"))
	for range 2 {
		l, err := ld.Load(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Snapshot.Routes()[0].JWT.JWKSURL; got != srv.URL+"/good/keys" {
			t.Errorf("JWKS URL %q, want the discovery document's jwks_uri", got)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches of the discovery document for two loads, want 1", n)
	}
	for issuer, want := range map[string]string{
		srv.URL + "/liar":    `its discovery document ` + srv.URL + `/liar/.well-known/openid-configuration names issuer "https://someone.else"`,
		srv.URL + "/missing": "answered 404",
	} {
		write(t, dir, "api.yaml", api(issuer))
		_, err := ld.Load(cfg)
		if err == nil || !strings.Contains(err.Error(), "/components/securitySchemes/jwt/x-amazon-apigateway-authorizer/jwtConfiguration/issuer: cannot find issuer") || !strings.Contains(err.Error(), want) {
			t.Errorf("issuer %s: err = %v, want the authorizer's pointer and %q", issuer, err, want)
		}
	}
}
