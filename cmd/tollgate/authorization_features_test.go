package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/tollgate-gw/tollgate/internal/jwttest"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// authorizationAPI has a Cognito user pool method and an IAM method, under a resource policy that lets the
// caller's network 192.0.2.0/24 in and denies 198.51.100.0/24.
const authorizationAPI = `openapi: 3.0.1
info: {title: features, version: '1'}
x-amazon-apigateway-policy:
  Version: '2012-10-17'
  Statement:
    - {Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: {IpAddress: {aws:SourceIp: 192.0.2.0/24}}}
    - {Effect: Deny, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*', Condition: {IpAddress: {aws:SourceIp: 198.51.100.0/24}}}
components:
  securitySchemes:
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer: {type: cognito_user_pools, providerARNs: ['arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_F']}
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
paths:
  /profile:
    get:
      security: [{pool: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://127.0.0.1:9/profile'}
  /admin:
    post:
      security: [{sigv4: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: 'http://127.0.0.1:9/admin'}
  /open:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://127.0.0.1:9/open'}
`

// TestFeatureAuthorization decides requests the way Envoy asks for them, with what the translator put on each
// route and the config the control plane loaded: a Cognito token and the resource policy together, a SigV4
// signature over a body with the caller's policy, and the policy alone on a method without an authorizer.
func TestFeatureAuthorization(t *testing.T) {
	pool := jwttest.NewPool(t, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_F", "k1")
	h := startHarness(t, map[string]string{
		"api.yaml": authorizationAPI,
		"tollgate.yaml": "cognito: {userPools: {'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_F': {issuer: '" + pool.Issuer + "', jwksUrl: '" + pool.URL + "'}}}\n" +
			"iam: {credentials: [{accessKeyId: AKIAFEATURE, secretAccessKey: feature-secret, arn: 'arn:aws:iam::123456789012:user/ops', " +
			"policy: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: 'execute-api:Invoke', Resource: '*'}]}}]}\n" +
			"apis:\n  - {id: feat, definition: api.yaml, stages: [{stageName: prod}]}\n",
	})
	const host = "feat.execute-api.localhost"
	inside, outside, denied := "192.0.2.7", "203.0.113.9", "198.51.100.4"
	profile, admin, open := h.route("feat/prod/GET/profile"), h.route("feat/prod/POST/admin"), h.route("feat/prod/GET/open")
	token := pool.Sign("k1", map[string]any{"email": "ops@example.com"})
	signed := func(key, secret, body string) [][2]string {
		req, _ := http.NewRequest("POST", "http://"+host+"/prod/admin", strings.NewReader(body))
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, req,
			hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		return [][2]string{{":authority", host}, {"content-length", "17"}, {"x-amz-date", req.Header.Get("X-Amz-Date")}, {"authorization", req.Header.Get("Authorization")}}
	}
	const body = `{"action": "go"}` + "\n"
	tests := []struct {
		name       string
		route      string
		sourceIP   string
		headers    [][2]string
		body       string
		wantStatus int
		wantBody   string // fragment
	}{
		{"Cognito: no token", "profile", inside, nil, "", 401, `{"message":"Unauthorized"}`},
		{"Cognito: a token from inside the network", "profile", inside, [][2]string{{"authorization", token}}, "", 0, ""},
		{"Cognito: a token from a network the policy does not name", "profile", outside, [][2]string{{"authorization", token}}, "", 403, "User: anonymous is not authorized"},
		{"Cognito: a token from the denied network", "profile", denied, [][2]string{{"authorization", token}}, "", 403, "with an explicit deny"},
		{"IAM: signed, the body as signed", "admin", outside, signed("AKIAFEATURE", "feature-secret", body), body, 0, ""},
		{"IAM: the body changed", "admin", outside, signed("AKIAFEATURE", "feature-secret", body), `{"action": "no"}` + "\n", 403, "The request signature we calculated does not match"},
		{"IAM: signed, from the denied network", "admin", denied, signed("AKIAFEATURE", "feature-secret", body), body, 403, "User: arn:aws:iam::123456789012:user/ops is not authorized"},
		{"resource policy alone: inside", "open", inside, nil, "", 0, ""},
		{"resource policy alone: outside", "open", outside, nil, "", 403, "User: anonymous is not authorized"},
	}
	routes := map[string]*routeRef{"profile": {profile, "GET", "/prod/profile"}, "admin": {admin, "POST", "/prod/admin"}, "open": {open, "GET", "/prod/open"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := routes[tt.route]
			resp := h.authorize(r.route, r.method, r.path, tt.sourceIP, tt.headers, []byte(tt.body))
			status, got := deniedWith(resp)
			if status != tt.wantStatus || !strings.Contains(got, tt.wantBody) {
				t.Errorf("got %d %s, want %d %q", status, got, tt.wantStatus, tt.wantBody)
			}
		})
	}
	t.Run("the claims for the filters after the check", func(t *testing.T) {
		resp := h.authorize(profile, "GET", "/prod/profile", inside, [][2]string{{"authorization", token}}, nil)
		claims := resp.GetDynamicMetadata().GetFields()[names.AuthorizerField].GetStructValue().GetFields()["claims"].GetStructValue().AsMap()
		if claims["email"] != "ops@example.com" {
			t.Errorf("claims %v", claims)
		}
	})
	if open.GetTypedPerFilterConfig()[names.ExtAuthzFilter] != nil {
		t.Error("a method under a resource policy also calls the key check: two calls where one decides")
	}
}

type routeRef struct {
	route        *route.Route
	method, path string
}
