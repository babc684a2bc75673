package authz

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/jwttest"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/ratelimit"
)

// TestCognitoAuthorizer verifies tokens as a COGNITO_USER_POOLS authorizer does (developer guide, "Control access
// to REST APIs using Amazon Cognito user pools as an authorizer"): signature by the pool's published key, issuer,
// expiry, ID token without scopes, access token with one of the method's scopes; every refusal a 401.
func TestCognitoAuthorizer(t *testing.T) {
	const issuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TEST"
	pool := jwttest.NewPool(t, issuer, "k1")
	other := jwttest.NewPool(t, issuer, "k1") // same issuer and kid, another key: its tokens must not verify
	const pets, orders = "api1/prod/GET/pets", "api1/prod/GET/orders"
	auth := &ir.Authorizer{ID: "api1/prod/pool", Type: cognitoUserPools, TokenHeader: "Authorization", MethodARNPrefix: apiARN + "/prod/",
		UserPools: []ir.UserPool{{Issuer: pool.Issuer, JWKSURL: pool.URL}}}
	route := func(name, resource string, scopes ...string) *ir.Route {
		return &ir.Route{Name: name, Method: ir.Method{APIID: "api1", Stage: "prod", Resource: resource, HTTPMethod: "GET"},
			PathRegex: "^/prod" + resource + "/?$", Authorizer: auth, AuthorizationScopes: scopes}
	}
	clients := route("api1/prod/GET/clients", "/clients")
	clients.Authorizer = &ir.Authorizer{ID: "api1/prod/app1", Type: cognitoUserPools, TokenHeader: "Authorization", MethodARNPrefix: apiARN + "/prod/",
		UserPools: auth.UserPools, TokenPattern: "^app-1$"}
	snap := &ir.Snapshot{APIs: []ir.API{{ID: "api1", Routes: []*ir.Route{route(pets, "/pets"), route(orders, "/orders", "orders/read"), clients}}}}
	limiter := ratelimit.NewLimiter(ratelimit.NewMemory())
	limiter.SetSnapshot(snap)
	a := New(limiter, NewMemoryResults(), slog.New(slog.DiscardHandler))
	if err := a.SetSnapshot(snap); err != nil {
		t.Fatal(err)
	}
	check := func(routeName, authorization string) *authv3.CheckResponse {
		path := "/prod/" + strings.Split(routeName, "/")[3]
		headers := []*core.HeaderValue{{Key: ":path", RawValue: []byte(path)}}
		if authorization != "" {
			headers = append(headers, &core.HeaderValue{Key: "authorization", RawValue: []byte(authorization)})
		}
		resp, err := a.Check(context.Background(), &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
			Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Method: "GET", Path: path,
				HeaderMap: &core.HeaderMap{Headers: headers}}},
			ContextExtensions: map[string]string{names.RouteExtension: routeName},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	hs256 := func() string {
		// A token "signed" with HMAC, the public key's bytes as the secret: the classic algorithm confusion.
		secret := pool.PublicKey("k1").N.Bytes()
		signer, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: secret}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
		payload, _ := json.Marshal(map[string]any{"iss": pool.Issuer, "exp": time.Now().Add(time.Hour).Unix(), "token_use": "id"})
		jws, _ := signer.Sign(payload)
		s, _ := jws.CompactSerialize()
		return s
	}
	none := func() string {
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"none","kid":"k1"}`)) + "." + enc([]byte(`{"iss":"`+pool.Issuer+`","exp":9999999999,"token_use":"id"}`)) + "."
	}
	hour := time.Hour
	tests := []struct {
		name, route, authorization string
		admitted                   bool
	}{
		{"ID token", pets, pool.Sign("k1", nil), true},
		{"ID token after Bearer", pets, "Bearer " + pool.Sign("k1", nil), true},
		{"no token", pets, "", false},
		{"not a JWT", pets, "allow", false},
		{"expired", pets, pool.Sign("k1", map[string]any{"exp": time.Now().Add(-hour).Unix()}), false},
		{"no exp", pets, pool.Sign("k1", map[string]any{"exp": nil}), false},
		{"not valid yet", pets, pool.Sign("k1", map[string]any{"nbf": time.Now().Add(hour).Unix()}), false},
		{"another issuer", pets, pool.Sign("k1", map[string]any{"iss": "https://evil.example"}), false},
		{"signed by another pool's key", pets, other.Sign("k1", nil), false},
		{"alg none", pets, none(), false},
		{"HS256 with the public key as secret", pets, hs256(), false},
		{"access token on a method without scopes", pets, pool.Sign("k1", map[string]any{"token_use": "access", "scope": "orders/read"}), false},
		{"access token with the scope", orders, pool.Sign("k1", map[string]any{"token_use": "access", "scope": "openid orders/read"}), true},
		{"access token without the scope", orders, pool.Sign("k1", map[string]any{"token_use": "access", "scope": "orders/write"}), false},
		{"ID token on a method with scopes", orders, pool.Sign("k1", nil), false},
		// identityValidationExpression is matched against aud: the app clients admitted.
		{"aud the expression admits", "api1/prod/GET/clients", pool.Sign("k1", map[string]any{"aud": "app-1"}), true},
		{"aud the expression refuses", "api1/prod/GET/clients", pool.Sign("k1", map[string]any{"aud": "app-2"}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := check(tt.route, tt.authorization)
			denied := resp.GetDeniedResponse()
			switch {
			case tt.admitted && denied != nil:
				t.Errorf("refused: %d %s", denied.GetStatus().GetCode(), denied.GetBody())
			case !tt.admitted && (denied.GetStatus().GetCode() != 401 || denied.GetBody() != `{"message":"Unauthorized"}`):
				t.Errorf("got %v, want 401 Unauthorized", resp)
			}
		})
	}

	t.Run("claims reach the integration", func(t *testing.T) {
		resp := check(pets, pool.Sign("k1", map[string]any{"email_verified": true, "auth_time": 1700000000}))
		claims := resp.GetDynamicMetadata().GetFields()[names.AuthorizerField].GetStructValue().GetFields()["claims"].GetStructValue().AsMap()
		for k, want := range map[string]any{"email": "a@example.com", "sub": "u-1", "email_verified": "true", "auth_time": "1700000000", "token_use": "id"} {
			if claims[k] != want {
				t.Errorf("claims[%s] = %#v, want %#v (all %v)", k, claims[k], want, claims)
			}
		}
	})
	t.Run("a rotated key is fetched, at most once in a while", func(t *testing.T) {
		pool.AddKey("k2")
		before := pool.Fetches.Load()
		if denied := check(pets, pool.Sign("k2", nil)).GetDeniedResponse(); denied != nil {
			t.Fatalf("a token of the new key: %d %s", denied.GetStatus().GetCode(), denied.GetBody())
		}
		if got := pool.Fetches.Load() - before; got != 1 {
			t.Errorf("%d fetches for a new key, want 1", got)
		}
		// Tokens naming a key nobody published do not make requests fetch the set again within the interval.
		pool.AddUnpublishedKey("k-unpublished")
		for range 5 {
			if check(pets, pool.Sign("k-unpublished", nil)).GetDeniedResponse() == nil {
				t.Fatal("a token of an unpublished key was admitted")
			}
		}
		if got := pool.Fetches.Load() - before; got != 1 {
			t.Errorf("%d fetches after tokens of an unknown key, want none beyond the rotation's", got-1)
		}
	})
}

// TestVerifiedTokens: a verified token is reused by its authorizer until it expires (at most verifiedTokenTTL),
// and never by another authorizer.
func TestVerifiedTokens(t *testing.T) {
	var v verifiedTokens
	now := time.Now()
	checks := 0
	check := func(exp time.Time) func() (map[string]any, error) {
		return func() (map[string]any, error) {
			checks++
			return map[string]any{"exp": json.Number(strconv.FormatInt(exp.Unix(), 10))}, nil
		}
	}
	for _, step := range []struct {
		name, authorizer string
		at               time.Time
		exp              time.Time
		wantChecks       int
	}{
		{"first use verifies", "a", now, now.Add(time.Hour), 1},
		{"then reused", "a", now.Add(time.Minute), now.Add(time.Hour), 1},
		{"not by another authorizer", "b", now.Add(time.Minute), now.Add(time.Hour), 2},
		{"verified again after the TTL", "a", now.Add(verifiedTokenTTL + time.Second), now.Add(time.Hour), 3},
	} {
		if _, err := v.verify(step.authorizer, "token", step.at, check(step.exp)); err != nil {
			t.Fatal(err)
		}
		if checks != step.wantChecks {
			t.Errorf("%s: %d verifications, want %d", step.name, checks, step.wantChecks)
		}
	}
	// A token expiring before the TTL is not reused past its exp.
	if _, err := v.verify("c", "short", now, check(now.Add(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	before := checks
	_, _ = v.verify("c", "short", now.Add(11*time.Second), check(now.Add(10*time.Second)))
	if checks != before+1 {
		t.Error("a token was reused past its exp")
	}
}
