package e2e

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/jwttest"
)

// TestHTTPAPI serves HTTP APIs (API Gateway v2) through a real Envoy: routes by method and path with ANY and
// greedy paths, the $default route and the $default stage at the root beside a named stage, HTTP_PROXY and Lambda
// integrations of both payload versions, and an HTTP API's own answers (404 for no route, its error bodies, its
// request id header, route throttles).
func TestHTTPAPI(t *testing.T) {
	requireEnvoy(t)
	root, prod := startBackend(t, "root"), startBackend(t, "prod")
	fns := startFunctions(t, "echo", "fail", "slow")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"echo": fns["echo"].invokeURL(), "fail": fns["fail"].invokeURL(), "slow": fns["slow"].invokeURL()}}
	cfg.APIs = []apiConfig{
		{ID: "pets", ProtocolType: "HTTP", Definition: "api.yaml", Stages: []stageConfig{
			{StageName: "$default", Variables: map[string]string{"backend": root.addr}},
			{StageName: "prod", Variables: map[string]string{"backend": prod.addr}},
		}},
		{ID: "bare", ProtocolType: "HTTP", Definition: "bare.yaml", Stages: []stageConfig{
			{StageName: "live", Variables: map[string]string{"backend": root.addr, "down": closedAddr(t)},
				RouteSettings: map[string]methodSetting{"GET /pets": {ThrottlingRateLimit: 1, ThrottlingBurstLimit: 1}}},
		}},
	}
	gw := startGateway(t, cfg, map[string]string{"api.yaml": "httpapi/api.yaml", "bare.yaml": "httpapi/bare.yaml"})
	at := func(api, method, path string) call {
		return call{method: method, url: gw.url(path), host: api + "." + domain}
	}

	t.Run("the $default stage is served at the root, a named stage under its name", func(t *testing.T) {
		c := at("pets", "GET", "/pets?kind=dog&secret=s")
		c.header = http.Header{"X-Source": {"s1"}, "X-Tag": {"client"}, "X-Drop": {"secret"}}
		e := decodeEcho(t, c, sendV2(t, c))
		checkString(t, c, "backend", e.Backend, "root")
		checkString(t, c, "backend path", strings.Split(e.RequestURI, "?")[0], "/pets")
		// The route's query string mappings, by Envoy.
		checkString(t, c, "kind (append)", strings.Join(e.Query["kind"], ","), "dog,cat")
		checkString(t, c, "stage (overwrite from $context.stage)", strings.Join(e.Query["stage"], ","), "$default")
		checkString(t, c, "secret (remove)", strings.Join(e.Query["secret"], ","), "")
		checkString(t, c, "user (overwrite from $request.header.x-source, by the service)", strings.Join(e.Query["user"], ","), "s1")
		// The route's parameter mappings, by Envoy.
		checkString(t, c, "x-stage (overwrite from $context.stage)", e.Header.Get("X-Stage"), "$default")
		checkString(t, c, "x-copied (from $request.header.x-source)", e.Header.Get("X-Copied"), "s1")
		checkString(t, c, "x-kind (from $request.querystring.kind)", e.Header.Get("X-Kind"), "dog")
		checkString(t, c, "x-tag (append)", strings.Join(e.Header.Values("X-Tag"), ","), "client,gateway")
		checkString(t, c, "x-drop (remove)", e.Header.Get("X-Drop"), "")
		checkString(t, c, "x-bearer (interpolated)", e.Header.Get("X-Bearer"), "Bearer s1/$default")
		c = at("pets", "GET", "/prod/pets")
		e = decodeEcho(t, c, sendV2(t, c))
		checkString(t, c, "backend", e.Backend, "prod")
		checkString(t, c, "backend path", strings.Split(e.RequestURI, "?")[0], "/pets")
		checkString(t, c, "kind and stage (mapped into a request without a query)", strings.Join(e.Query["kind"], ",")+" "+strings.Join(e.Query["stage"], ","), "cat prod")
		if _, ok := e.Query["user"]; ok {
			t.Errorf("%s: user=%q mapped from a header the request lacks, want no parameter", c, e.Query["user"])
		}
	})
	t.Run("a greedy path fills the URI's placeholder", func(t *testing.T) {
		c := at("pets", "GET", "/files/a/b.txt")
		e := decodeEcho(t, c, sendV2(t, c))
		checkString(t, c, "backend request URI", e.RequestURI, "/files/a/b.txt")
	})
	t.Run("overwrite:path sets the backend's path, from the route's path parameters; the query passes", func(t *testing.T) {
		c := at("pets", "GET", "/prod/legacy/42?x=1")
		e := decodeEcho(t, c, sendV2(t, c))
		checkString(t, c, "backend request URI", e.RequestURI, "/store/prod/items/42?x=1")
		// A header from the path, by Tollgate's ext_proc service.
		checkString(t, c, "x-item (from ${request.path.id} and ${request.path})", e.Header.Get("X-Item"), "item 42 of /prod/legacy/42")
	})
	t.Run("header mappings from the body and a path parameter, by the service", func(t *testing.T) {
		c := at("pets", "POST", "/legacy/7")
		c.body = `{"pet": {"name": "Rex"}}`
		c.header = http.Header{"X-Tag": {"client"}, "Content-Type": {"application/json"}}
		e := decodeEcho(t, c, sendV2(t, c))
		checkString(t, c, "x-name (from $request.body.pet.name)", e.Header.Get("X-Name"), "Rex")
		checkString(t, c, "x-tag (append from the path)", strings.Join(e.Header.Values("X-Tag"), ","), "client,7")
		checkString(t, c, "the body, untouched", e.Body, `{"pet": {"name": "Rex"}}`)
	})
	t.Run("a route of the method wins over ANY; payload 2.0", func(t *testing.T) {
		c := at("pets", "GET", "/pets/7?a=1&drop=x&a=2")
		c.header = http.Header{"X-Who": {"ann"}, "X-Secret": {"s"}}
		r := sendV2(t, c)
		var ev eventV2
		if err := json.Unmarshal([]byte(r.body), &ev); err != nil {
			t.Fatalf("%s: %d %s: %v", c, r.status, r.body, err)
		}
		checkString(t, c, "version", ev.Version, "2.0")
		checkString(t, c, "routeKey", ev.RouteKey, "GET /pets/{petId}")
		checkString(t, c, "rawPath", ev.RawPath, "/pets/7")
		// The route's parameter mappings, on the event, by the Lambda service.
		checkString(t, c, "rawQueryString (drop removed, a appended)", ev.RawQueryString, "a=1&a=2&a=ann")
		checkString(t, c, "queryStringParameters.a", ev.QueryStringParameters["a"], "1,2,ann")
		checkString(t, c, "headers.x-pet", ev.Headers["x-pet"], "pet 7 by ann")
		checkString(t, c, "headers.x-secret (removed)", ev.Headers["x-secret"], "")
		checkString(t, c, "headers.x-had-secret (the client's value, though removed)", ev.Headers["x-had-secret"], "s")
		// And its response mapping, on the function's response.
		checkString(t, c, "status (overwrite:statuscode)", strconv.Itoa(r.status), "203")
		checkString(t, c, "x-mapped (from $response.header.content-type)", r.header.Get("X-Mapped"), "from application/json")
		checkString(t, c, "pathParameters.petId", ev.PathParameters["petId"], "7")
		checkString(t, c, "requestContext.stage", ev.RequestContext.Stage, "$default")
		checkString(t, c, "requestContext.http.path", ev.RequestContext.HTTP.Path, "/pets/7")
	})
	t.Run("a path and its method together select a route", func(t *testing.T) {
		c := at("pets", "GET", "/pets/dog")
		r := sendV2(t, c)
		e := decodeEcho(t, c, r)
		checkString(t, c, "backend request URI", e.RequestURI, "/dog")
		// The route's response mappings for a 200, by Tollgate's ext_proc service.
		checkString(t, c, "status (overwrite:statuscode)", strconv.Itoa(r.status), "202")
		checkString(t, c, "x-origin (interpolated from $response.header.x-backend)", r.header.Get("X-Origin"), "backend root on $default")
		checkString(t, c, "x-backend (append)", strings.Join(r.header.Values("X-Backend"), ","), "root,mapped")
		// For a 404, its own.
		c.header = http.Header{"X-Echo-Status": {"404"}}
		r = sendV2(t, c)
		checkString(t, c, "status", strconv.Itoa(r.status), "404")
		checkString(t, c, "x-missing", r.header.Get("X-Missing"), "yes")
		checkString(t, c, "x-backend (removed)", r.header.Get("X-Backend"), "")
		checkString(t, c, "x-origin (the 200's mapping)", r.header.Get("X-Origin"), "")
		// /pets/dog has no DELETE: ANY /pets/{petId} takes it.
		c = at("pets", "DELETE", "/pets/dog")
		r = sendV2(t, c)
		var ev struct{ Resource string }
		if err := json.Unmarshal([]byte(r.body), &ev); err != nil || ev.Resource != "/pets/{petId}" {
			t.Errorf("%s: %d %s, want the event of ANY /pets/{petId}", c, r.status, r.body)
		}
	})
	t.Run("ANY takes the other methods; payload 1.0", func(t *testing.T) {
		c := at("pets", "DELETE", "/pets/7")
		r := sendV2(t, c)
		var ev struct {
			Version, Resource, HTTPMethod string
			PathParameters                map[string]string
		}
		if err := json.Unmarshal([]byte(r.body), &ev); err != nil {
			t.Fatalf("%s: %d %s: %v", c, r.status, r.body, err)
		}
		checkString(t, c, "version", ev.Version, "1.0")
		checkString(t, c, "resource", ev.Resource, "/pets/{petId}")
		checkString(t, c, "httpMethod", ev.HTTPMethod, "DELETE")
		checkString(t, c, "pathParameters.petId", ev.PathParameters["petId"], "7")
	})
	t.Run("the $default route takes what no other route of its stage does", func(t *testing.T) {
		for _, tc := range []struct{ method, path, stage, rawPath string }{
			{"GET", "/nothing/here", "$default", "/nothing/here"},
			{"POST", "/pets", "$default", "/pets"}, // GET /pets is a route, POST /pets is not
			{"PUT", "/prod/elsewhere", "prod", "/prod/elsewhere"},
		} {
			c := at("pets", tc.method, tc.path)
			r := sendV2(t, c)
			var ev eventV2
			if err := json.Unmarshal([]byte(r.body), &ev); err != nil {
				t.Fatalf("%s: %d %s: %v", c, r.status, r.body, err)
			}
			checkString(t, c, "routeKey", ev.RouteKey, "$default")
			checkString(t, c, "requestContext.stage", ev.RequestContext.Stage, tc.stage)
			checkString(t, c, "rawPath", ev.RawPath, tc.rawPath)
		}
	})
	t.Run("CORS: preflight requests answered by the gateway, its headers in place of the integration's", func(t *testing.T) {
		app := "https://app.example.com"
		c := at("pets", "OPTIONS", "/pets/7")
		c.header = http.Header{"Origin": {app}, "Access-Control-Request-Method": {"POST"}}
		r := sendV2(t, c)
		if r.status != http.StatusNoContent {
			t.Fatalf("%s: %d %s, want the gateway's 204", c, r.status, r.body)
		}
		for name, want := range map[string]string{"Access-Control-Allow-Origin": app, "Access-Control-Allow-Methods": "GET,POST",
			"Access-Control-Allow-Headers": "authorization,content-type", "Access-Control-Max-Age": "300", "Access-Control-Allow-Credentials": "true"} {
			checkString(t, c, name, r.header.Get(name), want)
		}
		// From an origin the API does not allow, a preflight is a request as any other: here the $default route's.
		c.header.Set("Origin", "https://other.example")
		if r := sendV2(t, c); r.status != http.StatusOK || r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: %d, Access-Control-Allow-Origin %q, want the $default route's answer without CORS headers", c, r.status, r.header.Get("Access-Control-Allow-Origin"))
		}
		// A CORS request: the configured headers, not the backend's.
		c = at("pets", "GET", "/pets")
		c.header = http.Header{"Origin": {app}, "X-Echo-Cors": {"1"}}
		r = sendV2(t, c)
		checkString(t, c, "Access-Control-Allow-Origin", r.header.Get("Access-Control-Allow-Origin"), app)
		checkString(t, c, "Access-Control-Allow-Credentials", r.header.Get("Access-Control-Allow-Credentials"), "true")
		checkString(t, c, "Access-Control-Expose-Headers", r.header.Get("Access-Control-Expose-Headers"), "x-echo")
		checkString(t, c, "the backend's Access-Control-Allow-Methods", r.header.Get("Access-Control-Allow-Methods"), "")
		// Not a CORS request: none, the backend's neither.
		c.header.Del("Origin")
		r = sendV2(t, c)
		checkString(t, c, "Access-Control-Allow-Origin", r.header.Get("Access-Control-Allow-Origin"), "")
		// A Lambda proxy's answer gets them too.
		c = at("pets", "GET", "/pets/7")
		c.header = http.Header{"Origin": {app}}
		r = sendV2(t, c)
		checkString(t, c, "Access-Control-Allow-Origin", r.header.Get("Access-Control-Allow-Origin"), app)
	})
	t.Run("a Lambda function's error is an HTTP API's 500", func(t *testing.T) {
		c := at("pets", "GET", "/fail")
		expectJSONMessage(t, c, sendV2(t, c), 500, "Internal Server Error")
	})
	t.Run("a timeout is an HTTP API's 503, an unreachable backend its 500", func(t *testing.T) {
		c := at("bare", "GET", "/live/slow?ms=2000")
		r := sendV2(t, c)
		expectJSONMessage(t, c, r, 503, "Service Unavailable")
		checkString(t, c, "x-amzn-ErrorType", r.header.Get("x-amzn-ErrorType"), "")
		c = at("bare", "GET", "/live/down")
		r = sendV2(t, c)
		expectJSONMessage(t, c, r, 500, "Internal Server Error")
		checkString(t, c, "x-amzn-ErrorType", r.header.Get("x-amzn-ErrorType"), "")
	})
	t.Run("no route: 404 Not Found", func(t *testing.T) {
		for _, c := range []call{
			at("bare", "GET", "/live/cats"),  // no such path
			at("bare", "POST", "/live/pets"), // no such method
			at("bare", "GET", "/pets"),       // no such stage, and no $default stage
		} {
			r := sendV2(t, c)
			expectJSONMessage(t, c, r, 404, "Not Found")
			checkString(t, c, "x-amzn-ErrorType", r.header.Get("x-amzn-ErrorType"), "")
		}
	})
	t.Run("a route's throttle", func(t *testing.T) {
		c := at("bare", "GET", "/live/pets")
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if r := sendV2(t, c); r.status == http.StatusTooManyRequests {
				expectJSONMessage(t, c, r, 429, "Too Many Requests")
				return
			}
		}
		t.Errorf("%s: no 429 within 10 s at a throttle of 1 request/s, burst 1", c)
	})
}

// sendV2 sends a call to an HTTP API: its answers carry the request id in apigw-requestid, not in a REST API's
// headers.
func sendV2(t *testing.T, c call) reply {
	t.Helper()
	r, err := trySend(c)
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	if r.header.Get("apigw-requestid") == "" {
		t.Errorf("%s: answer %d has no apigw-requestid header; headers: %v", c, r.status, r.header)
	}
	if id := r.header.Get("x-amzn-RequestId"); id != "" {
		t.Errorf("%s: answer %d has a REST API's x-amzn-RequestId %q", c, r.status, id)
	}
	return r
}

// TestHTTPAPIJWT verifies an HTTP API's JWT authorizer through a real Envoy's jwt_authn, the issuer's keys served
// on loopback by the test: tokens admitted with or without "Bearer ", refused ones (none, expired, another
// audience, an unknown key) a 401, a scope the route requires and the token lacks a 403, and the claims a Lambda
// proxy receives.
func TestHTTPAPIJWT(t *testing.T) {
	requireEnvoy(t)
	issuer := jwttest.NewPool(t, "https://issuer.e2e.test", "key-1")
	issuer.AddUnpublishedKey("rogue")
	backend := startBackend(t, "B")
	fns := startFunctions(t, "echo")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"echo": fns["echo"].invokeURL()}}
	cfg.Cognito = &cognitoConfig{UserPools: map[string]userPoolConfig{
		"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_JWT": {Issuer: issuer.Issuer, JWKSURL: issuer.URL}}}
	cfg.APIs = []apiConfig{{ID: "jwt", ProtocolType: "HTTP", Definition: "jwt.yaml", Parameters: map[string]string{"issuer": issuer.Issuer},
		Stages: []stageConfig{{StageName: "$default", Variables: map[string]string{"backend": backend.addr}}}}}
	gw := startGateway(t, cfg, map[string]string{"jwt.yaml": "httpapi/jwt.yaml"})
	get := func(path, authorization string) call {
		c := call{method: "GET", url: gw.url(path), host: "jwt." + domain, header: http.Header{}}
		if authorization != "" {
			c.header.Set("Authorization", authorization)
		}
		return c
	}
	signingKey := "key-1" // the issuer's, until it rotates its keys
	token := func(claims map[string]any) string {
		all := map[string]any{"aud": "e2e-client"}
		for k, v := range claims {
			all[k] = v // nil: a claim the token has not
		}
		return issuer.Sign(signingKey, all)
	}

	t.Run("a valid token, with Bearer or without; its claims in the 2.0 event", func(t *testing.T) {
		for _, auth := range []string{"Bearer " + token(nil), token(map[string]any{"scope": "read write"})} {
			c := get("/me", auth)
			r := sendV2(t, c)
			var ev struct {
				RequestContext struct {
					Authorizer struct {
						JWT struct {
							Claims map[string]string `json:"claims"`
							Scopes []string          `json:"scopes"`
						} `json:"jwt"`
					} `json:"authorizer"`
				} `json:"requestContext"`
			}
			if err := json.Unmarshal([]byte(r.body), &ev); err != nil || r.status != 200 {
				t.Fatalf("%s: %d %s (%v), want the function's event", c, r.status, r.body, err)
			}
			jwt := ev.RequestContext.Authorizer.JWT
			checkString(t, c, "claims.sub", jwt.Claims["sub"], "u-1")
			checkString(t, c, "claims.iss", jwt.Claims["iss"], issuer.Issuer)
			if strings.HasPrefix(auth, "Bearer ") && jwt.Scopes != nil {
				t.Errorf("%s: scopes %v for a token without a scope claim, want null", c, jwt.Scopes)
			}
			if !strings.HasPrefix(auth, "Bearer ") && strings.Join(jwt.Scopes, " ") != "read write" {
				t.Errorf("%s: scopes %v, want [read write]", c, jwt.Scopes)
			}
		}
	})
	t.Run("the audience: aud, one of a list, or client_id when there is no aud (Cognito's access tokens)", func(t *testing.T) {
		for name, claims := range map[string]map[string]any{
			"aud in a list":   {"aud": []string{"other", "e2e-client"}},
			"client_id alone": {"aud": nil, "client_id": "e2e-client"},
		} {
			c := get("/me", "Bearer "+token(claims))
			if r := sendV2(t, c); r.status != 200 {
				t.Errorf("%s (%s): %d %s, want the function's 200", c, name, r.status, r.body)
			}
		}
	})
	t.Run("refused tokens: 401", func(t *testing.T) {
		for name, auth := range map[string]string{
			"none":             "",
			"expired":          "Bearer " + token(map[string]any{"exp": time.Now().Add(-time.Hour).Unix()}),
			"another audience": "Bearer " + token(map[string]any{"aud": "someone-else"}),
			"another client":   "Bearer " + token(map[string]any{"aud": nil, "client_id": "someone-else"}),
			"no audience":      "Bearer " + token(map[string]any{"aud": nil}),
			// client_id counts only where there is no aud.
			"another audience, the client": "Bearer " + token(map[string]any{"aud": "someone-else", "client_id": "e2e-client"}),
			"an unknown key":               "Bearer " + issuer.Sign("rogue", map[string]any{"aud": "e2e-client"}),
			"not a token":                  "Bearer nonsense",
		} {
			c := get("/me", auth)
			r := sendV2(t, c)
			if r.status != 401 || r.body != `{"message":"Unauthorized"}` {
				t.Errorf("%s (%s): %d %s, want 401 {\"message\":\"Unauthorized\"}", c, name, r.status, r.body)
			}
		}
	})
	t.Run("a route's scopes: one of them in scope or scp, else 403", func(t *testing.T) {
		for _, tc := range []struct {
			claims map[string]any
			status int
		}{
			{map[string]any{"scope": "read ops"}, 200},
			{map[string]any{"scp": []string{"admin"}}, 200},
			{map[string]any{"scope": "read operations"}, 403},
			{nil, 403},
		} {
			c := get("/admin", "Bearer "+token(tc.claims))
			r := sendV2(t, c)
			if r.status != tc.status {
				t.Errorf("%s with %v: %d %s, want %d", c, tc.claims, r.status, r.body, tc.status)
			}
			if tc.status == 403 && r.body != `{"message":"Forbidden"}` {
				t.Errorf("%s with %v: body %s, want {\"message\":\"Forbidden\"}", c, tc.claims, r.body)
			}
			if tc.status == 200 {
				// The route's mapping of $context.authorizer.claims.sub, by Envoy from jwt_authn's payload.
				checkString(t, c, "x-user", decodeEcho(t, c, r).Header.Get("X-User"), "user u-1")
			}
		}
	})
	t.Run("key rotation: a key the issuer publishes verifies, one it retires is refused, once Envoy fetches the set again", func(t *testing.T) {
		issuer.AddKey("key-2")
		issuer.Retire("key-1")
		signingKey = "key-2"
		// Envoy fetches the set every minute: a token of the new key is refused until it does.
		status := func(c call) int {
			r, err := trySend(c)
			if err != nil {
				t.Fatalf("%s: %v", c, err)
			}
			return r.status
		}
		rotated := func() bool {
			return status(get("/me", "Bearer "+token(map[string]any{"sub": "new-key"}))) == 200 &&
				status(get("/me", "Bearer "+issuer.Sign("key-1", map[string]any{"aud": "e2e-client", "sub": "old-key"}))) == 401
		}
		if err := waitFor(90*time.Second, rotated); err != nil {
			t.Fatalf("90 s after the rotation: a key-2 token or a fresh key-1 one is not yet decided by the new key set (%d fetches of it)", issuer.Fetches.Load())
		}
	})
	t.Run("a route without the authorizer needs no token", func(t *testing.T) {
		c := get("/open", "")
		decodeEcho(t, c, sendV2(t, c))
	})
}

// TestHTTPAPILambdaAuthorizer runs an HTTP API's Lambda authorizer with simple responses (e2e/lambdafunctions/
// simpleauth, under its Runtime Interface Emulator) in front of a Lambda proxy, through a real Envoy: a missing
// identity source is a 401 without a call, isAuthorized admits with the context in
// requestContext.authorizer.lambda and its result is cached by identity, a refusal is a 403 and a broken
// authorizer a 500, each with an HTTP API's body and request id header; a route without the authorizer calls
// nothing.
func TestHTTPAPILambdaAuthorizer(t *testing.T) {
	requireEnvoy(t)
	backend := startBackend(t, "B")
	fns := startFunctions(t, "simpleauth", "echo")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"simpleauth": fns["simpleauth"].invokeURL(), "echo": fns["echo"].invokeURL()}}
	cfg.APIs = []apiConfig{{ID: "gated", ProtocolType: "HTTP", Definition: "lambdaauth.yaml",
		Stages: []stageConfig{{StageName: "$default", Variables: map[string]string{"backend": backend.addr}}}}}
	gw := startGateway(t, cfg, map[string]string{"lambdaauth.yaml": "httpapi/lambdaauth.yaml"})
	watched := map[string]*lambdaFunction{"simpleauth": fns["simpleauth"]}
	expect := func(t *testing.T, path, authorization string, status int, body string, calls int) reply {
		t.Helper()
		c := call{method: "GET", url: gw.url(path), host: "gated." + domain, header: http.Header{}}
		if authorization != "" {
			c.header.Set("Authorization", authorization)
		}
		before := invocationCounts(watched)
		r := sendV2(t, c)
		if r.status != status || (body != "" && r.body != body) {
			t.Errorf("%s: got %d %s, want %d %s", c, r.status, r.body, status, body)
		}
		if et := r.header.Get("x-amzn-ErrorType"); et != "" {
			t.Errorf("%s: a REST API's x-amzn-ErrorType %q", c, et)
		}
		expectInvocations(t, c, watched, before, map[string]int{"simpleauth": calls})
		return r
	}

	t.Run("no identity source: 401 without a call", func(t *testing.T) {
		expect(t, "/items", "", 401, `{"message":"Unauthorized"}`, 0)
	})
	t.Run("isAuthorized: admitted with the context, then from the cache", func(t *testing.T) {
		r := expect(t, "/items", "allow:alice", 200, "", 1)
		var ev struct {
			RequestContext struct {
				Authorizer struct {
					Lambda map[string]any `json:"lambda"`
				} `json:"authorizer"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal([]byte(r.body), &ev); err != nil {
			t.Fatalf("%d %s: %v", r.status, r.body, err)
		}
		lambda := ev.RequestContext.Authorizer.Lambda
		if lambda["user"] != "alice" || lambda["version"] != "2.0" || !strings.HasSuffix(lambda["routeArn"].(string), ":gated/$default/GET/items") {
			t.Errorf("requestContext.authorizer.lambda = %v", lambda)
		}
		expect(t, "/items", "allow:alice", 200, "", 0)
		expect(t, "/items", "allow:bob", 200, "", 1) // another identity: its own call
	})
	t.Run("an HTTP backend behind the authorizer gets the context by the route's mapping", func(t *testing.T) {
		r := expect(t, "/proxied", "allow:carol", 200, "", 1)
		var e echo
		if err := json.Unmarshal([]byte(r.body), &e); err != nil {
			t.Fatalf("%d %s: %v", r.status, r.body, err)
		}
		if got := e.Header.Get("X-User"); got != "carol" {
			t.Errorf("x-user (from $context.authorizer.user) = %q, want carol", got)
		}
	})
	t.Run("isAuthorized false: 403, cached too", func(t *testing.T) {
		expect(t, "/items", "deny", 403, `{"message":"Forbidden"}`, 1)
		expect(t, "/items", "deny", 403, `{"message":"Forbidden"}`, 0)
	})
	t.Run("a failing or malformed authorizer: 500", func(t *testing.T) {
		expect(t, "/items", "fail", 500, `{"message":"Internal Server Error"}`, 1)
		expect(t, "/items", "malformed", 500, `{"message":"Internal Server Error"}`, 1)
	})
	t.Run("a route without the authorizer calls nothing", func(t *testing.T) {
		expect(t, "/open", "", 200, "", 0)
	})
}

// TestHTTPAPIIAM sends requests signed by aws-sdk-go-v2's SigV4 signer through a real Envoy to an HTTP API's
// AWS_IAM routes on its $default stage: the signature and the caller's policy decide, as on a REST API; a refusal
// is 403 {"message":"Forbidden"}; a 2.0 event names the caller in requestContext.authorizer.iam.
func TestHTTPAPIIAM(t *testing.T) {
	requireEnvoy(t)
	fns := startFunctions(t, "echo")
	backend := startBackend(t, "B")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"echo": fns["echo"].invokeURL()}}
	cfg.IAM = aliceAndBob("signedv2/$default")
	cfg.APIs = []apiConfig{{ID: "signedv2", ProtocolType: "HTTP", Definition: "signed.yaml",
		Stages: []stageConfig{{StageName: "$default", Variables: map[string]string{"backend": backend.addr}}}}}
	gw := startGateway(t, cfg, map[string]string{"signed.yaml": "httpapi/signed.yaml"})
	host := "signedv2." + domain

	t.Run("GET signed by an allowed identity", func(t *testing.T) {
		if r := sendSigned(t, gw, host, "GET", "/pets", "", "AKIAE2EALICE", "alice-secret"); r.status != 200 || r.header.Get("X-Backend") != "B" {
			t.Errorf("got %d %s, want the backend's 200", r.status, r.body)
		}
	})
	t.Run("POST: the body signed, the caller in requestContext.authorizer.iam", func(t *testing.T) {
		r := sendSigned(t, gw, host, "POST", "/pets", `{"name": "Rex"}`, "AKIAE2EALICE", "alice-secret")
		var e struct {
			RequestContext struct {
				Authorizer struct {
					IAM map[string]any `json:"iam"`
				} `json:"authorizer"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal([]byte(r.body), &e); err != nil || r.status != 200 {
			t.Fatalf("got %d %s (%v), want the echo function's event", r.status, r.body, err)
		}
		for k, want := range map[string]any{"accessKey": "AKIAE2EALICE", "accountId": "123456789012", "userArn": "arn:aws:iam::123456789012:user/alice"} {
			if e.RequestContext.Authorizer.IAM[k] != want {
				t.Errorf("authorizer.iam.%s = %#v, want %#v", k, e.RequestContext.Authorizer.IAM[k], want)
			}
		}
	})
	t.Run("refusals: 403 Forbidden", func(t *testing.T) {
		for _, tt := range []struct{ name, method, key, secret string }{
			{"unsigned", "GET", "", ""},
			{"unknown key", "GET", "AKIANOBODY", "x"},
			{"wrong secret", "GET", "AKIAE2EALICE", "guess"},
			{"the policy allows GET only", "POST", "AKIAE2EBOB", "bob-secret"},
		} {
			r := sendSigned(t, gw, host, tt.method, "/pets", "", tt.key, tt.secret)
			if r.status != 403 || r.body != `{"message":"Forbidden"}` || r.header.Get("apigw-requestid") == "" || r.header.Get("x-amzn-ErrorType") != "" {
				t.Errorf("%s: got %d %s (headers %v), want an HTTP API's 403 {\"message\":\"Forbidden\"}", tt.name, r.status, r.body, r.header)
			}
		}
	})
}
