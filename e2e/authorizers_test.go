package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tollgate-gw/tollgate/internal/jwttest"
)

// TestLambdaAuthorizers runs TOKEN and REQUEST Lambda authorizers (e2e/lambdafunctions/authorizer, under its
// Runtime Interface Emulator) in front of an HTTP backend and a Lambda proxy, through a real Envoy: every outcome
// API Gateway documents, the calls the cache saves, and what reaches the integration.
func TestLambdaAuthorizers(t *testing.T) {
	requireEnvoy(t)
	fns := startFunctions(t, "authorizer", "echo")
	auth := fns["authorizer"]
	backend := startBackend(t, "B")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"authorizer": auth.invokeURL(), "echo": fns["echo"].invokeURL()}}
	stages := []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}}}
	cfg.APIs = []apiConfig{{ID: "authz", Definition: "authorizers.yaml", Stages: stages}, {ID: "metered", Definition: "metered.yaml", Stages: stages}}
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "p1", APIStages: []planAPIStage{{APIID: "authz", Stage: "prod"}, {APIID: "metered", Stage: "prod"}}, Keys: []string{"k1"}}}
	gw := startGateway(t, cfg, map[string]string{"authorizers.yaml": "authorizers/authorizers.yaml", "metered.yaml": "authorizers/metered.yaml"})

	get := func(path string, header ...string) call {
		c := call{method: "GET", url: gw.url("/prod" + path), host: "authz." + domain, header: http.Header{}}
		for i := 0; i+1 < len(header); i += 2 {
			c.header.Set(header[i], header[i+1])
		}
		return c
	}
	// expect sends c and checks the status, body and error type, and how many times the authorizer ran for it.
	expect := func(t *testing.T, c call, status int, body, errorType string, calls int) reply {
		t.Helper()
		authorizers := map[string]*lambdaFunction{"authorizer": auth}
		before := invocationCounts(authorizers)
		r := send(t, c)
		if r.status != status || (body != "" && r.body != body) || r.header.Get("x-amzn-ErrorType") != errorType {
			t.Errorf("%s: got %d %s (x-amzn-ErrorType %q), want %d %s (%q)", c, r.status, r.body, r.header.Get("x-amzn-ErrorType"), status, body, errorType)
		}
		expectInvocations(t, c, authorizers, before, map[string]int{"authorizer": calls})
		return r
	}
	const (
		unauthorized = `{"message":"Unauthorized"}`
		denied       = `{"Message":"User is not authorized to access this resource"}`
		explicitDeny = `{"Message":"User is not authorized to access this resource with an explicit deny"}`
		configError  = `{"message":null}`
	)

	t.Run("TOKEN refusals without a call", func(t *testing.T) {
		expect(t, get("/pets"), 401, unauthorized, "UnauthorizedException", 0)
		expect(t, get("/pets", "Authorization", "Bearer abc"), 401, unauthorized, "UnauthorizedException", 0)
		// No bypass: the other invocation URL forms reach the same check.
		for _, path := range []string{"/restapis/authz/prod/_user_request_/pets", "/_aws/execute-api/authz/prod/pets"} {
			expect(t, call{method: "GET", url: gw.url(path)}, 401, unauthorized, "UnauthorizedException", 0)
		}
	})
	t.Run("no bypass", func(t *testing.T) {
		// Every spelling of a protected method's path, in every invocation URL form, meets the same check (401)
		// or matches no method (403 Missing Authentication Token); none reaches the backend.
		paths := []string{"/pets", "/pets/", "/./pets", "/x/../pets", "/%70ets", "/pets%2F", "/pets%2f", "//pets", "/PETS", "/pets;x", "/pets%00", "/pets/."}
		prefixes := []struct{ host, prefix string }{
			{"authz." + domain, "/prod"}, {"AUTHZ." + strings.ToUpper(domain), "/prod"},
			{"", "/restapis/authz/prod/_user_request_"}, {"", "/_aws/execute-api/authz/prod"},
		}
		for _, p := range prefixes {
			for _, path := range paths {
				for _, method := range []string{"GET", "POST"} {
					c := call{method: method, url: gw.url(p.prefix + path), host: p.host, header: http.Header{"X-Http-Method-Override": {"GET"}}}
					r, err := trySend(c)
					if err != nil {
						t.Errorf("%s: %v", c, err)
						continue
					}
					if r.header.Get("X-Backend") != "" || (r.status != 401 && r.status != 403 && r.status != 400 && r.status != 404) {
						t.Errorf("%s: %d from backend %q %s, want the check's 401 or a 403", c, r.status, r.header.Get("X-Backend"), r.body)
					}
				}
			}
		}
	})
	t.Run("allowed, then from the cache", func(t *testing.T) {
		r := expect(t, get("/pets", "Authorization", "allow:alice"), 200, "", "", 1)
		e := decodeEcho(t, get("/pets"), r)
		checkString(t, get("/pets"), "x-principal", e.Header.Get("X-Principal"), "alice")
		checkString(t, get("/pets"), "x-tier", e.Header.Get("X-Tier"), "gold")
		expect(t, get("/pets", "Authorization", "allow:alice"), 200, "", "", 0)
	})
	t.Run("a burst of a new caller's requests costs one call", func(t *testing.T) {
		authorizers := map[string]*lambdaFunction{"authorizer": auth}
		before := invocationCounts(authorizers)
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r, err := trySend(get("/pets", "Authorization", "allow:burst")); err != nil || r.status != 200 {
					t.Errorf("a request of the burst: %v %v", r.status, err)
				}
			}()
		}
		wg.Wait()
		expectInvocations(t, get("/pets"), authorizers, before, map[string]int{"authorizer": 1})
	})
	t.Run("a cached policy is evaluated for each method", func(t *testing.T) {
		expect(t, get("/pets", "Authorization", "get-only:bob"), 200, "", "", 1)
		post := get("/pets", "Authorization", "get-only:bob")
		post.method = "POST"
		expect(t, post, 403, denied, "AccessDeniedException", 0)
	})
	t.Run("function outcomes", func(t *testing.T) {
		expect(t, get("/pets", "Authorization", "deny:carol"), 403, explicitDeny, "AccessDeniedException", 1)
		expect(t, get("/pets", "Authorization", "unauthorized"), 401, unauthorized, "UnauthorizedException", 1)
		expect(t, get("/pets", "Authorization", "fail"), 500, configError, "AuthorizerConfigurationException", 1)
		expect(t, get("/pets", "Authorization", "malformed"), 500, configError, "AuthorizerConfigurationException", 1)
		expect(t, get("/pets", "Authorization", "nested:dan"), 500, configError, "AuthorizerConfigurationException", 1)
	})
	t.Run("what the Lambda proxy receives", func(t *testing.T) {
		c := get("/lambda", "Authorization", "allow:dave")
		e := decodeEventV1(t, c, expect(t, c, 200, "", "", 1))
		var authorizer map[string]any
		if err := json.Unmarshal(e.raw["requestContext"], &struct {
			Authorizer *map[string]any `json:"authorizer"`
		}{&authorizer}); err != nil {
			t.Fatal(err)
		}
		for key, want := range map[string]any{"principalId": "dave", "tier": "gold", "count": "3", "vip": "true"} {
			if authorizer[key] != want {
				t.Errorf("%s: requestContext.authorizer.%s = %#v, want %#v (all: %v)", c, key, authorizer[key], want, authorizer)
			}
		}
		if _, isNumber := authorizer["integrationLatency"].(float64); !isNumber {
			t.Errorf("%s: requestContext.authorizer.integrationLatency = %#v, want a number", c, authorizer["integrationLatency"])
		}
		var event map[string]any
		if err := json.Unmarshal([]byte(authorizer["event"].(string)), &event); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"type": "TOKEN", "authorizationToken": "allow:dave", "methodArn": "arn:aws:execute-api:us-east-1:123456789012:authz/prod/GET/lambda"}
		if len(event) != len(want) {
			t.Errorf("%s: the TOKEN event is %v, want %v", c, event, want)
		}
		for k, v := range want {
			if event[k] != v {
				t.Errorf("%s: the TOKEN event's %s = %#v, want %#v", c, k, event[k], v)
			}
		}
	})
	t.Run("REQUEST authorizer", func(t *testing.T) {
		expect(t, get("/users/42", "X-User", "allow:erin"), 401, unauthorized, "UnauthorizedException", 0) // no tenant
		c := get("/users/42?tenant=t1", "X-User", "allow:erin")
		e := decodeEventV1(t, c, expect(t, c, 200, "", "", 1))
		var rc struct {
			Authorizer struct {
				PrincipalID string `json:"principalId"`
				Event       string `json:"event"`
			} `json:"authorizer"`
		}
		if err := json.Unmarshal(e.raw["requestContext"], &rc); err != nil {
			t.Fatal(err)
		}
		checkString(t, c, "principalId", rc.Authorizer.PrincipalID, "erin")
		var event struct {
			Type, MethodArn, Resource, Path, HTTPMethod string
			Headers                                     map[string]string
			QueryStringParameters                       map[string]string
			PathParameters                              map[string]string
			StageVariables                              map[string]string
			RequestContext                              struct{ Stage, APIID, ResourcePath string }
		}
		if err := json.Unmarshal([]byte(rc.Authorizer.Event), &event); err != nil {
			t.Fatal(err)
		}
		checkString(t, c, "type", event.Type, "REQUEST")
		checkString(t, c, "methodArn", event.MethodArn, "arn:aws:execute-api:us-east-1:123456789012:authz/prod/GET/users/42")
		checkString(t, c, "resource", event.Resource, "/users/{id}")
		checkString(t, c, "path", event.Path, "/users/42")
		checkString(t, c, "httpMethod", event.HTTPMethod, "GET")
		checkString(t, c, "headers.X-User", event.Headers["X-User"], "allow:erin")
		checkString(t, c, "queryStringParameters.tenant", event.QueryStringParameters["tenant"], "t1")
		checkString(t, c, "pathParameters.id", event.PathParameters["id"], "42")
		checkString(t, c, "stageVariables.backend", event.StageVariables["backend"], backend.addr)
		checkString(t, c, "requestContext.stage", event.RequestContext.Stage, "prod")
		// authorizerResultTtlInSeconds 0: every request calls the function.
		expect(t, c, 200, "", "", 1)
	})
	t.Run("authorizer, then the API key", func(t *testing.T) {
		expect(t, get("/keyed", "x-api-key", aliceKey), 401, unauthorized, "UnauthorizedException", 0)
		expect(t, get("/keyed", "Authorization", "allow:frank"), 403, `{"message":"Forbidden"}`, "ForbiddenException", 1)
		expect(t, get("/keyed", "Authorization", "allow:frank", "x-api-key", aliceKey), 200, "", "", 0)
	})
	t.Run("the API key from the authorizer", func(t *testing.T) {
		metered := func(token string, header ...string) call {
			c := get("/metered", append([]string{"Authorization", token}, header...)...)
			c.host = "metered." + domain
			return c
		}
		expect(t, metered("metered:"+aliceKey), 200, "", "", 1)
		expect(t, metered("metered:"+carolKey), 403, `{"message":"Forbidden"}`, "ForbiddenException", 1)
		// A key in the header does not count: the key source is the authorizer.
		expect(t, metered("allow:x", "x-api-key", aliceKey), 403, `{"message":"Forbidden"}`, "ForbiddenException", 1)
	})
	t.Run("no security", func(t *testing.T) {
		expect(t, get("/open"), 200, "", "", 0)
	})
	t.Run("FlushStageAuthorizersCache", func(t *testing.T) {
		expect(t, get("/pets", "Authorization", "allow:gina"), 200, "", "", 1)
		expect(t, get("/pets", "Authorization", "allow:gina"), 200, "", "", 0)
		flush, err := http.NewRequest(http.MethodDelete, "http://"+gw.cfg.Admin+"/restapis/authz/stages/prod/cache/authorizers", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(flush)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			t.Fatalf("flush: %d, want 202", resp.StatusCode)
		}
		expect(t, get("/pets", "Authorization", "allow:gina"), 200, "", "", 1)
	})
}

// cognitoConfig is tollgate.yaml's cognito block: where each user pool's issuer and keys are.
type cognitoConfig struct {
	UserPools map[string]userPoolConfig `yaml:"userPools"`
}

type userPoolConfig struct {
	Issuer  string `yaml:"issuer"`
	JWKSURL string `yaml:"jwksUrl"`
}

// TestCognitoAuthorizer verifies user pool tokens through a real Envoy, the pool's keys served on loopback by the
// test: what is admitted, what gets 401, and the claims the integrations receive.
func TestCognitoAuthorizer(t *testing.T) {
	requireEnvoy(t)
	const poolARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_E2E"
	pool := jwttest.NewPool(t, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_E2E", "key-1")
	fns := startFunctions(t, "echo")
	backend := startBackend(t, "B")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"echo": fns["echo"].invokeURL()}}
	cfg.Cognito = &cognitoConfig{UserPools: map[string]userPoolConfig{poolARN: {Issuer: pool.Issuer, JWKSURL: pool.URL}}}
	cfg.APIs = []apiConfig{{ID: "pooled", Definition: "pooled.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}}}}}
	gw := startGateway(t, cfg, map[string]string{"pooled.yaml": "authorizers/pooled.yaml"})
	get := func(path, token string) call {
		c := call{method: "GET", url: gw.url("/prod" + path), host: "pooled." + domain, header: http.Header{}}
		if token != "" {
			c.header.Set("Authorization", token)
		}
		return c
	}

	t.Run("ID token: the claims in requestContext.authorizer", func(t *testing.T) {
		c := get("/me", pool.Sign("key-1", map[string]any{"email": "dana@example.com"}))
		e := decodeEventV1(t, c, send(t, c))
		var rc struct {
			Authorizer struct {
				Claims map[string]any `json:"claims"`
			} `json:"authorizer"`
		}
		if err := json.Unmarshal(e.raw["requestContext"], &rc); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]any{"email": "dana@example.com", "token_use": "id", "sub": "u-1", "iss": pool.Issuer} {
			if rc.Authorizer.Claims[k] != want {
				t.Errorf("%s: claims.%s = %#v, want %#v", c, k, rc.Authorizer.Claims[k], want)
			}
		}
	})
	t.Run("access token with the scope: a claim mapped into a header", func(t *testing.T) {
		c := get("/orders", "Bearer "+pool.Sign("key-1", map[string]any{"token_use": "access", "scope": "orders/read", "email": "eve@example.com"}))
		got := expectBackend(t, c, send(t, c), "B", "GET", "/orders")
		checkString(t, c, "x-user-email", got.Header.Get("X-User-Email"), "eve@example.com")
	})
	t.Run("refused with 401", func(t *testing.T) {
		for name, c := range map[string]call{
			"no token":                  get("/me", ""),
			"expired":                   get("/me", pool.Sign("key-1", map[string]any{"exp": time.Now().Add(-time.Minute).Unix()})),
			"an ID token for a scope":   get("/orders", pool.Sign("key-1", nil)),
			"an access token, no scope": get("/orders", pool.Sign("key-1", map[string]any{"token_use": "access", "scope": "orders/write"})),
			"garbage":                   get("/me", "Bearer abc.def.ghi"),
		} {
			t.Run(name, func(t *testing.T) {
				expectJSONMessage(t, c, send(t, c), http.StatusUnauthorized, "Unauthorized")
			})
		}
	})
	t.Run("a rotated key", func(t *testing.T) {
		pool.AddKey("key-2")
		c := get("/me", pool.Sign("key-2", nil))
		decodeEventV1(t, c, send(t, c))
	})
}

// iamConfig is tollgate.yaml's iam block: the identities that may sign requests.
type iamConfig struct {
	Credentials []iamCredential `yaml:"credentials"`
}

type iamCredential struct {
	AccessKeyID     string `yaml:"accessKeyId"`
	SecretAccessKey string `yaml:"secretAccessKey"`
	ARN             string `yaml:"arn"`
	Policy          string `yaml:"policy,omitempty"`
}

// TestIAMAuthorization sends requests signed by aws-sdk-go-v2's SigV4 signer through a real Envoy to methods with
// IAM authorization: a GET to an HTTP backend, and a POST whose body the signature covers to a Lambda proxy,
// which reports the caller in requestContext.identity.
func TestIAMAuthorization(t *testing.T) {
	requireEnvoy(t)
	fns := startFunctions(t, "echo")
	backend := startBackend(t, "B")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"echo": fns["echo"].invokeURL()}}
	cfg.IAM = aliceAndBob("signed/prod")
	cfg.APIs = []apiConfig{{ID: "signed", Definition: "signed.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}}}}}
	gw := startGateway(t, cfg, map[string]string{"signed.yaml": "authorizers/signed.yaml"})

	signed := func(t *testing.T, method, path, body, key, secret string) reply {
		t.Helper()
		return sendSigned(t, gw, "signed."+domain, method, "/prod"+path, body, key, secret)
	}
	t.Run("GET signed by an allowed identity", func(t *testing.T) {
		r := signed(t, "GET", "/pets", "", "AKIAE2EALICE", "alice-secret")
		if r.status != 200 || r.header.Get("X-Backend") != "B" {
			t.Errorf("got %d %s, want the backend's 200", r.status, r.body)
		}
	})
	t.Run("POST: the body signed, the caller in requestContext.identity", func(t *testing.T) {
		r := signed(t, "POST", "/pets", `{"name": "Rex"}`, "AKIAE2EALICE", "alice-secret")
		var e struct {
			Body           string `json:"body"`
			RequestContext struct {
				Identity map[string]any `json:"identity"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal([]byte(r.body), &e); err != nil || r.status != 200 {
			t.Fatalf("got %d %s (%v), want the echo function's event", r.status, r.body, err)
		}
		for k, want := range map[string]any{"accessKey": "AKIAE2EALICE", "accountId": "123456789012", "userArn": "arn:aws:iam::123456789012:user/alice", "user": "user/alice"} {
			if e.RequestContext.Identity[k] != want {
				t.Errorf("identity.%s = %#v, want %#v", k, e.RequestContext.Identity[k], want)
			}
		}
	})
	t.Run("refusals", func(t *testing.T) {
		tests := []struct {
			name, method, key, secret string
			wantType, wantMessage     string
		}{
			{"unsigned", "GET", "", "", "MissingAuthenticationTokenException", `{"message":"Missing Authentication Token"}`},
			{"unknown key", "GET", "AKIANOBODY", "x", "UnrecognizedClientException", `{"message":"The security token included in the request is invalid."}`},
			{"wrong secret", "GET", "AKIAE2EALICE", "guess", "InvalidSignatureException", "The request signature we calculated does not match"},
			{"the policy allows GET only", "POST", "AKIAE2EBOB", "bob-secret", "AccessDeniedException",
				`{"Message":"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:signed/prod/POST/pets"}`},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := signed(t, tt.method, "/pets", "", tt.key, tt.secret)
				if r.status != 403 || r.header.Get("x-amzn-ErrorType") != tt.wantType || !strings.Contains(r.body, tt.wantMessage) {
					t.Errorf("got %d %s (%s), want 403 %s (%s)", r.status, r.body, r.header.Get("x-amzn-ErrorType"), tt.wantMessage, tt.wantType)
				}
			})
		}
	})
}

// sendSigned sends method path with body (and headers) to the gateway's listener for host, signed by key (none:
// unsigned) as the SDK signs for execute-api.
func sendSigned(t *testing.T, gw *tollgate, host, method, path, body, key, secret string, headers ...[2]string) reply {
	t.Helper()
	host += ":" + portOf(gw.cfg.Listen)
	req, err := http.NewRequest(method, "http://"+host+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		req.Header.Set(h[0], h[1])
	}
	if key != "" {
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, req,
			hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// Sent to the listener, the API's host kept as signed.
	req.URL.Host = gw.cfg.Listen
	req.Host = host
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// aliceAndBob are two IAM identities for the API stage apiStage ("api/stage"): alice may invoke every method of it,
// bob its GETs only.
func aliceAndBob(apiStage string) *iamConfig {
	allow := func(resource string) string {
		return `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:us-east-1:123456789012:` + apiStage + resource + `"}]}`
	}
	return &iamConfig{Credentials: []iamCredential{
		{AccessKeyID: "AKIAE2EALICE", SecretAccessKey: "alice-secret", ARN: "arn:aws:iam::123456789012:user/alice", Policy: allow("/*")},
		{AccessKeyID: "AKIAE2EBOB", SecretAccessKey: "bob-secret", ARN: "arn:aws:iam::123456789012:user/bob", Policy: allow("/GET/*")},
	}}
}
