package e2e

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Lambda proxy (AWS_PROXY) integrations through a real Envoy, with real functions written with aws-lambda-go,
// each served by its own AWS Lambda Runtime Interface Emulator (RIE):
//
//	aws-lambda-rie --runtime-interface-emulator-address 127.0.0.1:P1 --runtime-api-address 127.0.0.1:P2 BINARY
//
// The RIE serves Lambda's Invoke API (POST /2015-03-31/functions/function/invocations) on P1, starts the function
// on the first invocation and runs one invocation at a time: a second one arriving while the first runs is
// refused. The subtests therefore never invoke one function concurrently, and the slow function's timed-out
// invocation comes last.

const (
	internalErrorBody = `{"message":"Internal server error"}`
	// pngBytes is what the binary function returns, base64-encoded (lambdafunctions/binary).
	pngBytes = "\x89PNG\r\n\x1a\n\x00\x01\x02\xfe\xff"
	// userAgent is the User-Agent of the tests' requests, to find in identity.userAgent.
	userAgent = "tollgate-e2e/1.0"
	// maxBody is API Gateway's payload limit for REST APIs: 10 MB.
	maxBody = 10 << 20
	// clfLayout is requestTime's format, dd/MMM/yyyy:HH:mm:ss +0000.
	clfLayout = "02/Jan/2006:15:04:05 -0700"
)

var clfPattern = regexp.MustCompile(`^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$`)

// eventV1 is the payload format 1.0 event (REST APIs) as the echo function received it.
type eventV1 struct {
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	Headers                         map[string]string   `json:"headers"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	QueryStringParameters           map[string]string   `json:"queryStringParameters"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	PathParameters                  map[string]string   `json:"pathParameters"`
	StageVariables                  map[string]string   `json:"stageVariables"`
	Body                            *string             `json:"body"`
	IsBase64Encoded                 bool                `json:"isBase64Encoded"`
	RequestContext                  struct {
		AccountID    string `json:"accountId"`
		APIID        string `json:"apiId"`
		DomainName   string `json:"domainName"`
		DomainPrefix string `json:"domainPrefix"`
		HTTPMethod   string `json:"httpMethod"`
		Identity     struct {
			SourceIP  string  `json:"sourceIp"`
			UserAgent *string `json:"userAgent"`
			APIKey    string  `json:"apiKey"`
			APIKeyID  string  `json:"apiKeyId"`
		} `json:"identity"`
		Path             string `json:"path"`
		Protocol         string `json:"protocol"`
		RequestID        string `json:"requestId"`
		RequestTime      string `json:"requestTime"`
		RequestTimeEpoch int64  `json:"requestTimeEpoch"`
		ResourcePath     string `json:"resourcePath"`
		Stage            string `json:"stage"`
	} `json:"requestContext"`

	raw map[string]json.RawMessage // the top-level members as sent, to tell null from absent
}

// eventV1Keys are the top-level keys of a 1.0 event, every one always present.
var eventV1Keys = []string{"body", "headers", "httpMethod", "isBase64Encoded", "multiValueHeaders",
	"multiValueQueryStringParameters", "path", "pathParameters", "queryStringParameters", "requestContext",
	"resource", "stageVariables"}

// eventV2 is the payload format 2.0 event as the echo function received it.
type eventV2 struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	PathParameters        map[string]string `json:"pathParameters"`
	StageVariables        map[string]string `json:"stageVariables"`
	Body                  *string           `json:"body"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
	RequestContext        struct {
		APIID string `json:"apiId"`
		HTTP  struct {
			Method    string `json:"method"`
			Path      string `json:"path"`
			Protocol  string `json:"protocol"`
			SourceIP  string `json:"sourceIp"`
			UserAgent string `json:"userAgent"`
		} `json:"http"`
		RequestID string `json:"requestId"`
		RouteKey  string `json:"routeKey"`
		Stage     string `json:"stage"`
		TimeEpoch int64  `json:"timeEpoch"`
	} `json:"requestContext"`
}

// TestLambdaProxy checks AWS_PROXY integrations end to end: the event a function receives, the response the
// client gets from the function's output, function errors, malformed output, timeouts, unreachable functions,
// payload format 2.0, binary bodies and the request size limit, with a plain HTTP_PROXY method beside them. One
// gateway serves every subtest.
func TestLambdaProxy(t *testing.T) {
	requireEnvoy(t)
	fns := startFunctions(t, testFunctions...)
	backend := startBackend(t, "P")
	cfg := newGatewayConfig(t)
	functions := map[string]string{"down": "http://" + closedAddr(t) + "/2015-03-31/functions/function/invocations"}
	for name, f := range fns {
		functions[name] = f.invokeURL()
	}
	cfg.Lambda = &lambdaConfig{Endpoint: "http://127.0.0.1:1", Region: "us-east-1", Functions: functions}
	stageVars := map[string]string{"fn": "echo", "backend": backend.addr}
	cfg.APIs = []apiConfig{{ID: "lambdaapi", Definition: "lambda.yaml", Stages: []stageConfig{{StageName: "prod", Variables: stageVars}}}}
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "p1", APIStages: []planAPIStage{{APIID: "lambdaapi", Stage: "prod"}}, Keys: []string{"k1"}}}
	gw := startGateway(t, cfg, map[string]string{"lambda.yaml": "lambda/lambda.yaml"})

	apiHost := "lambdaapi." + domain
	// host is the host-form call most subtests make: Host {apiId}.{domain}, path /{stage}/{path}.
	host := func(method, path string) call {
		return call{method: method, url: gw.url("/prod" + path), host: apiHost, header: http.Header{"User-Agent": {userAgent}}}
	}

	// invoke sends c and checks that it invoked exactly the function named (none when fn is ""), once.
	invoke := func(t *testing.T, c call, fn string) reply {
		t.Helper()
		before := invocationCounts(fns)
		r := send(t, c)
		want := map[string]int{}
		if fn != "" {
			want[fn] = 1
		}
		expectInvocations(t, c, fns, before, want)
		return r
	}

	t.Run("EventV1", func(t *testing.T) {
		c := host("GET", "/echo/a%20b?a=1&a=2&b=x%20y&c=p+q&empty=")
		c.header.Add("X-Multi", "one")
		c.header.Add("X-Multi", "two")
		c.header.Set("X-Single", "only")
		began := time.Now()
		r := invoke(t, c, "echo")
		ended := time.Now()
		e := decodeEventV1(t, c, r)

		for _, k := range eventV1Keys {
			if _, ok := e.raw[k]; !ok {
				t.Errorf("%s: the event has no %q; AWS always sends it", c, k)
			}
		}
		for k := range e.raw {
			if !slices.Contains(eventV1Keys, k) {
				t.Errorf("%s: the event has a key %q that a 1.0 event does not have", c, k)
			}
		}
		checkString(t, c, "resource", e.Resource, "/echo/{id}")
		checkString(t, c, "path (not URL-decoded, without the stage)", e.Path, "/echo/a%20b")
		checkString(t, c, "httpMethod", e.HTTPMethod, "GET")

		// Headers: the last value of each in headers, all of them in multiValueHeaders.
		for name, want := range map[string][]string{
			"X-Multi":    {"one", "two"},
			"X-Single":   {"only"},
			"User-Agent": {userAgent},
			"Host":       {apiHost},
		} {
			if _, got, ok := headerValue(e.Headers, name); !ok || got != want[len(want)-1] {
				t.Errorf("%s: headers[%s] = %q (present %v), want %q (the last value)", c, name, got, ok, want[len(want)-1])
			}
			if _, got, ok := headerValues(e.MultiValueHeaders, name); !ok || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: multiValueHeaders[%s] = %q (present %v), want %q", c, name, got, ok, want)
			}
		}
		for name := range e.MultiValueHeaders {
			if strings.HasPrefix(strings.ToLower(name), "x-envoy-") || strings.HasPrefix(name, ":") {
				t.Errorf("%s: the event carries the proxy's own header %q; AWS sends the function only the client's headers and its X-Forwarded-*/X-Amzn-Trace-Id", c, name)
			}
		}
		if len(e.Headers) != len(e.MultiValueHeaders) {
			t.Errorf("%s: headers has %d names, multiValueHeaders %d; they must name the same headers", c, len(e.Headers), len(e.MultiValueHeaders))
		}

		// The query: decoded, '+' as a space, last value wins in queryStringParameters.
		if want := map[string]string{"a": "2", "b": "x y", "c": "p q", "empty": ""}; !reflect.DeepEqual(e.QueryStringParameters, want) {
			t.Errorf("%s: queryStringParameters = %q, want %q", c, e.QueryStringParameters, want)
		}
		if want := map[string][]string{"a": {"1", "2"}, "b": {"x y"}, "c": {"p q"}, "empty": {""}}; !reflect.DeepEqual(e.MultiValueQueryStringParameters, want) {
			t.Errorf("%s: multiValueQueryStringParameters = %q, want %q", c, e.MultiValueQueryStringParameters, want)
		}
		if want := map[string]string{"id": "a%20b"}; !reflect.DeepEqual(e.PathParameters, want) {
			t.Errorf("%s: pathParameters = %q, want %q (as in the path, undecoded)", c, e.PathParameters, want)
		}
		if !reflect.DeepEqual(e.StageVariables, stageVars) {
			t.Errorf("%s: stageVariables = %q, want the stage's %q", c, e.StageVariables, stageVars)
		}
		if raw, ok := e.raw["body"]; !isJSONNull(raw, ok) {
			t.Errorf("%s: body = %s, want null for a request without a body", c, raw)
		}
		if e.IsBase64Encoded {
			t.Errorf("%s: isBase64Encoded is true for a request without a body", c)
		}

		rc := e.RequestContext
		checkString(t, c, "requestContext.apiId", rc.APIID, "lambdaapi")
		checkString(t, c, "requestContext.stage", rc.Stage, "prod")
		checkString(t, c, "requestContext.resourcePath", rc.ResourcePath, "/echo/{id}")
		checkString(t, c, "requestContext.httpMethod", rc.HTTPMethod, "GET")
		checkString(t, c, "requestContext.path", rc.Path, "/prod/echo/a%20b")
		checkString(t, c, "requestContext.protocol", rc.Protocol, "HTTP/1.1")
		if rc.Identity.SourceIP != "127.0.0.1" {
			_, xff, _ := headerValues(e.MultiValueHeaders, "X-Forwarded-For")
			t.Errorf("%s: requestContext.identity.sourceIp = %q, want the client's 127.0.0.1 (X-Forwarded-For in the event: %q)", c, rc.Identity.SourceIP, xff)
		}
		if rc.Identity.UserAgent == nil || *rc.Identity.UserAgent != userAgent {
			t.Errorf("%s: requestContext.identity.userAgent = %v, want %q", c, rc.Identity.UserAgent, userAgent)
		}
		checkString(t, c, "requestContext.domainName", rc.DomainName, apiHost)
		checkString(t, c, "requestContext.domainPrefix", rc.DomainPrefix, "lambdaapi")
		if id := r.header.Get("x-amzn-RequestId"); rc.RequestID == "" || rc.RequestID != id {
			t.Errorf("%s: requestContext.requestId = %q, want the response's x-amzn-RequestId %q", c, rc.RequestID, id)
		}
		checkRequestTime(t, c, rc.RequestTime, rc.RequestTimeEpoch, began, ended)
	})

	t.Run("EventV1HeaderSpelling", func(t *testing.T) {
		// REST events name headers as the client spelled them (HTTP/1): "X-Multi", "User-Agent", not lower case.
		c := host("GET", "/echo/x")
		c.header.Set("X-Multi", "one")
		e := decodeEventV1(t, c, invoke(t, c, "echo"))
		for _, name := range []string{"X-Multi", "User-Agent"} {
			if _, ok := e.Headers[name]; !ok {
				got, _, _ := headerValue(e.Headers, name)
				t.Errorf("%s: headers has no %q as the client spelled it (found %q)", c, name, got)
			}
			if _, ok := e.MultiValueHeaders[name]; !ok {
				got, _, _ := headerValues(e.MultiValueHeaders, name)
				t.Errorf("%s: multiValueHeaders has no %q as the client spelled it (found %q)", c, name, got)
			}
		}
	})

	t.Run("EventV1APIKey", func(t *testing.T) {
		// The key that admitted the request is the event's identity.apiKey and apiKeyId; without one, no call.
		c := host("GET", "/keyed")
		c.header.Set("x-api-key", aliceKey)
		e := decodeEventV1(t, c, invoke(t, c, "echo"))
		if id := e.RequestContext.Identity; id.APIKey != aliceKey || id.APIKeyID != "k1" {
			t.Errorf("%s: identity apiKey %q, apiKeyId %q; want the key and k1", c, id.APIKey, id.APIKeyID)
		}
		c = host("GET", "/keyed")
		expectJSONMessage(t, c, invoke(t, c, ""), http.StatusForbidden, "Forbidden")
	})

	t.Run("EventV1EmptyMaps", func(t *testing.T) {
		// No query string: both query maps are null, not {}.
		c := host("GET", "/echo/plain")
		e := decodeEventV1(t, c, invoke(t, c, "echo"))
		for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters"} {
			if raw, ok := e.raw[k]; !isJSONNull(raw, ok) {
				t.Errorf("%s: %s = %s, want null when the request has no query string", c, k, raw)
			}
		}
		checkString(t, c, "path", e.Path, "/echo/plain")
	})

	t.Run("EventV1PathForms", func(t *testing.T) {
		// The path is the resource path without the stage or the invocation URL's prefix, in every form.
		for _, c := range []call{
			{url: gw.url("/restapis/lambdaapi/prod/_user_request_/echo/p1"), header: http.Header{"User-Agent": {userAgent}}},
			{url: gw.url("/_aws/execute-api/lambdaapi/prod/echo/p1"), header: http.Header{"User-Agent": {userAgent}}},
		} {
			e := decodeEventV1(t, c, invoke(t, c, "echo"))
			checkString(t, c, "path", e.Path, "/echo/p1")
			checkString(t, c, "requestContext.path", e.RequestContext.Path, "/prod/echo/p1")
			checkString(t, c, "resource", e.Resource, "/echo/{id}")
			if want := map[string]string{"id": "p1"}; !reflect.DeepEqual(e.PathParameters, want) {
				t.Errorf("%s: pathParameters = %q, want %q", c, e.PathParameters, want)
			}
			checkString(t, c, "requestContext.stage", e.RequestContext.Stage, "prod")
		}
	})

	t.Run("EventV1GreedyAny", func(t *testing.T) {
		// ANY on a greedy resource: httpMethod is the client's method, proxy the rest of the path.
		c := host("DELETE", "/any/a/b/c.txt")
		e := decodeEventV1(t, c, invoke(t, c, "echo"))
		checkString(t, c, "resource", e.Resource, "/any/{proxy+}")
		checkString(t, c, "requestContext.resourcePath", e.RequestContext.ResourcePath, "/any/{proxy+}")
		checkString(t, c, "httpMethod", e.HTTPMethod, "DELETE")
		checkString(t, c, "requestContext.httpMethod", e.RequestContext.HTTPMethod, "DELETE")
		checkString(t, c, "path", e.Path, "/any/a/b/c.txt")
		if want := map[string]string{"proxy": "a/b/c.txt"}; !reflect.DeepEqual(e.PathParameters, want) {
			t.Errorf("%s: pathParameters = %q, want %q", c, e.PathParameters, want)
		}
	})

	t.Run("EventV1JSONBody", func(t *testing.T) {
		c := host("POST", "/echo/7")
		c.header.Set("Content-Type", "application/json")
		c.body = `{"name": "rex", "tags": ["a", "é"], "n": 1}`
		e := decodeEventV1(t, c, invoke(t, c, "echo"))
		checkString(t, c, "httpMethod", e.HTTPMethod, "POST")
		if e.Body == nil || *e.Body != c.body {
			t.Errorf("%s: body = %v, want the request body as a string %q", c, quotePtr(e.Body), c.body)
		}
		if e.IsBase64Encoded {
			t.Errorf("%s: isBase64Encoded true for an application/json body", c)
		}
	})

	t.Run("EventV1LargeBody", func(t *testing.T) {
		// A 5 MB text body arrives whole, and the function's answer of the same size comes back: both are more
		// than gRPC's default message limit (4 MB) between Envoy and Tollgate, and less than Lambda's 6 MB.
		c := host("POST", "/echo/large")
		c.header.Set("Content-Type", "text/plain")
		c.body = strings.Repeat("0123456789abcdef", 5<<16)
		e := decodeEventV1(t, c, invoke(t, c, "echo"))
		if e.Body == nil || *e.Body != c.body {
			n := -1
			if e.Body != nil {
				n = len(*e.Body)
			}
			t.Errorf("%s: body of %d bytes, want the %d bytes sent", c, n, len(c.body))
		}
	})

	t.Run("EventV1BinaryBody", func(t *testing.T) {
		// image/png is in the API's binaryMediaTypes: the body is sent base64-encoded.
		c := host("POST", "/echo/img")
		c.header.Set("Content-Type", "image/png")
		c.body = pngBytes
		e := decodeEventV1(t, c, invoke(t, c, "echo"))
		want := base64.StdEncoding.EncodeToString([]byte(pngBytes))
		if e.Body == nil || *e.Body != want {
			t.Errorf("%s: body = %v, want the base64 of the bytes sent %q", c, quotePtr(e.Body), want)
		}
		if !e.IsBase64Encoded {
			t.Errorf("%s: isBase64Encoded false for an image/png body (a binary media type of the API)", c)
		}
	})

	t.Run("Response", func(t *testing.T) {
		// The echo function's headers and multiValueHeaders reach the client.
		c := host("GET", "/echo/resp")
		r := invoke(t, c, "echo")
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d, want the function's 200; body %s", c, r.status, r.body)
		}
		for name, want := range map[string][]string{
			"Content-Type": {"application/json"},
			"X-Echo":       {"yes"},
			"Set-Cookie":   {"a=1", "b=2"},
		} {
			if got := r.header.Values(name); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: response header %s = %q, want the function's %q", c, name, got, want)
			}
		}
		if !json.Valid([]byte(r.body)) {
			t.Errorf("%s: body is not the function's body (the event JSON): %.200s", c, r.body)
		}
	})

	t.Run("StatusCodeString", func(t *testing.T) {
		// statusCode as a numeric string ("201") is a status; the function sets no Content-Type, so API
		// Gateway's default application/json applies. A function's 4xx is its answer, not a gateway error.
		for _, code := range []string{"201", "404"} {
			c := host("GET", "/status?code="+code)
			r := invoke(t, c, "status")
			if want := "status " + code; r.status != atoi(code) || r.body != want {
				t.Errorf("%s: got %d %q, want %s %q", c, r.status, r.body, code, want)
			}
			if got := r.header.Get("Content-Type"); got != "application/json" {
				t.Errorf("%s: Content-Type = %q, want API Gateway's default application/json", c, got)
			}
			if got := r.header.Get("x-amzn-ErrorType"); got != "" {
				t.Errorf("%s: a function's %s carries x-amzn-ErrorType %q; it is not the gateway's error", c, code, got)
			}
		}
	})

	t.Run("FunctionError", func(t *testing.T) {
		c := host("GET", "/fail")
		expectInternalError(t, c, invoke(t, c, "fail"))
	})

	t.Run("MalformedResponse", func(t *testing.T) {
		c := host("GET", "/malformed")
		expectInternalError(t, c, invoke(t, c, "malformed"))
	})

	t.Run("BinaryResponse", func(t *testing.T) {
		// isBase64Encoded output becomes binary when the client's Accept names a binary media type...
		c := host("GET", "/binary")
		c.header.Set("Accept", "image/png")
		r := invoke(t, c, "binary")
		if r.status != http.StatusOK || r.body != pngBytes {
			t.Errorf("%s: got %d %q, want 200 with the decoded bytes %q", c, r.status, r.body, pngBytes)
		}
		if got := r.header.Get("Content-Type"); got != "image/png" {
			t.Errorf("%s: Content-Type = %q, want the function's image/png", c, got)
		}
		// ...and stays the base64 text it is otherwise, as on AWS.
		c = host("GET", "/binary")
		c.header.Set("Accept", "application/json")
		r = invoke(t, c, "binary")
		if want := base64.StdEncoding.EncodeToString([]byte(pngBytes)); r.status != http.StatusOK || r.body != want {
			t.Errorf("%s: got %d %q, want 200 with the base64 text %q (Accept is not a binary media type)", c, r.status, r.body, want)
		}
	})

	t.Run("EventV2", func(t *testing.T) {
		c := host("GET", "/v2echo/x?a=1&a=2&b=x%20y")
		c.header.Add("X-Multi", "one")
		c.header.Add("X-Multi", "two")
		c.header.Set("Cookie", "c1=v1; c2=v2")
		r := invoke(t, c, "echo")
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d, want the function's 200; body %s", c, r.status, r.body)
		}
		if got := r.header.Get("X-Echo"); got != "yes" {
			t.Errorf("%s: response header X-Echo = %q, want the function's yes", c, got)
		}
		var e eventV2
		if err := json.Unmarshal([]byte(r.body), &e); err != nil {
			t.Fatalf("%s: the function's body is not the event it received: %v\n%s", c, err, r.body)
		}
		checkString(t, c, "version", e.Version, "2.0")
		checkString(t, c, "routeKey", e.RouteKey, "GET /v2echo/{id}")
		checkString(t, c, "rawPath", e.RawPath, "/prod/v2echo/x")
		checkString(t, c, "rawQueryString", e.RawQueryString, "a=1&a=2&b=x%20y")
		if want := []string{"c1=v1", "c2=v2"}; !reflect.DeepEqual(e.Cookies, want) {
			t.Errorf("%s: cookies = %q, want %q", c, e.Cookies, want)
		}
		for name := range e.Headers {
			if name != strings.ToLower(name) {
				t.Errorf("%s: header name %q is not lower case", c, name)
			}
		}
		if got := e.Headers["x-multi"]; got != "one,two" {
			t.Errorf("%s: headers[x-multi] = %q, want the values joined: \"one,two\"", c, got)
		}
		if got := e.Headers["user-agent"]; got != userAgent {
			t.Errorf("%s: headers[user-agent] = %q, want %q", c, got, userAgent)
		}
		if _, ok := e.Headers["cookie"]; ok {
			t.Errorf("%s: headers has cookie; 2.0 moves cookies to cookies", c)
		}
		if want := map[string]string{"a": "1,2", "b": "x y"}; !reflect.DeepEqual(e.QueryStringParameters, want) {
			t.Errorf("%s: queryStringParameters = %q, want %q", c, e.QueryStringParameters, want)
		}
		if want := map[string]string{"id": "x"}; !reflect.DeepEqual(e.PathParameters, want) {
			t.Errorf("%s: pathParameters = %q, want %q", c, e.PathParameters, want)
		}
		if !reflect.DeepEqual(e.StageVariables, stageVars) {
			t.Errorf("%s: stageVariables = %q, want %q", c, e.StageVariables, stageVars)
		}
		rc := e.RequestContext
		checkString(t, c, "requestContext.http.method", rc.HTTP.Method, "GET")
		checkString(t, c, "requestContext.http.path", rc.HTTP.Path, "/prod/v2echo/x")
		checkString(t, c, "requestContext.http.protocol", rc.HTTP.Protocol, "HTTP/1.1")
		checkString(t, c, "requestContext.http.sourceIp", rc.HTTP.SourceIP, "127.0.0.1")
		checkString(t, c, "requestContext.http.userAgent", rc.HTTP.UserAgent, userAgent)
		checkString(t, c, "requestContext.apiId", rc.APIID, "lambdaapi")
		checkString(t, c, "requestContext.stage", rc.Stage, "prod")
		checkString(t, c, "requestContext.routeKey", rc.RouteKey, "GET /v2echo/{id}")
		if id := r.header.Get("x-amzn-RequestId"); rc.RequestID == "" || rc.RequestID != id {
			t.Errorf("%s: requestContext.requestId = %q, want the response's x-amzn-RequestId %q", c, rc.RequestID, id)
		}
		if e.Body != nil {
			t.Errorf("%s: body = %q, want none for a GET without a body", c, *e.Body)
		}
	})

	t.Run("V2InferredResponse", func(t *testing.T) {
		// A 2.0 output without statusCode is the body of a 200 application/json response.
		c := host("GET", "/v2")
		r := invoke(t, c, "v2bare")
		if r.status != http.StatusOK {
			t.Errorf("%s: status %d, want 200 inferred from an output without statusCode; body %s", c, r.status, r.body)
		}
		if got := r.header.Get("Content-Type"); got != "application/json" {
			t.Errorf("%s: Content-Type = %q, want application/json", c, got)
		}
		var got, want any
		_ = json.Unmarshal([]byte(`{"greeting":"hello","version":"2.0"}`), &want)
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: body %s, want the function's output {\"greeting\":\"hello\",\"version\":\"2.0\"}", c, r.body)
		}
	})

	t.Run("Passthrough", func(t *testing.T) {
		// An HTTP_PROXY method of the same API: the backend answers, no function runs, nothing is added.
		c := host("POST", "/passthrough?x=1&x=2")
		c.header.Set("Content-Type", "application/x-www-form-urlencoded")
		c.header.Set("X-Custom", "custom value")
		c.body = "name=rex&kind=dog"
		r := invoke(t, c, "")
		e := expectBackend(t, c, r, "P", "POST", "/passthrough?x=1&x=2")
		if e.Body != c.body {
			t.Errorf("%s: body reaching the backend = %q, want %q", c, e.Body, c.body)
		}
		for name, want := range c.header {
			if got := e.Header.Values(name); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: header %s reaching the backend = %q, want %q", c, name, got, want)
			}
		}
		for name, want := range map[string][]string{
			"Content-Type": {"application/json"},
			"Server":       {"e2e-backend"},
			"X-Backend":    {"P"},
			"Set-Cookie":   {"a=1", "b=2"},
		} {
			if got := r.header.Values(name); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: response header %s = %q, want the backend's %q", c, name, got, want)
			}
		}
	})

	t.Run("RequestTooLarge", func(t *testing.T) {
		// Over API Gateway's 10 MB payload limit: 413, and the function is not invoked.
		c := host("POST", "/echo/big")
		c.header.Set("Content-Type", "text/plain")
		c.body = strings.Repeat("x", maxBody+1)
		r := invoke(t, c, "")
		if r.status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s (%d bytes): status %d, want 413; body %.200s", c, len(c.body), r.status, r.body)
		}
		t.Logf("over the limit: %d %.200s", r.status, r.body)
	})

	t.Run("FunctionUnreachable", func(t *testing.T) {
		for _, path := range []string{
			"/down",    // lambda.functions names a port nothing listens on
			"/nowhere", // not in lambda.functions: lambda.endpoint, where nothing listens either
		} {
			c := host("GET", path)
			r := invoke(t, c, "")
			if r.status < 500 || r.status > 599 {
				t.Errorf("%s: status %d, want a 5xx", c, r.status)
			}
			expectJSONMessage(t, c, r, r.status, "")
			if r.elapsed > 3*time.Second {
				t.Errorf("%s: took %v to report an unreachable function", c, r.elapsed)
			}
			t.Logf("%s: %d %s after %v", path, r.status, r.body, r.elapsed.Round(time.Millisecond))
		}
	})

	// Last: the timed-out invocation keeps the slow function busy (the RIE runs one at a time) until it ends.
	t.Run("Timeout", func(t *testing.T) {
		fast := host("GET", "/slow?ms=10")
		if r := invoke(t, fast, "slow"); r.status != http.StatusOK || r.body != "slept 10ms" {
			t.Errorf("%s: got %d %q, want 200 \"slept 10ms\" within timeoutInMillis 300", fast, r.status, r.body)
		}
		c := host("GET", "/slow?ms=2000")
		r := invoke(t, c, "slow")
		if r.status != http.StatusGatewayTimeout || r.body != timeoutBody {
			t.Errorf("%s: got %d %s, want 504 %s", c, r.status, r.body, timeoutBody)
		}
		if got := r.header.Get("Content-Type"); got != "application/json" {
			t.Errorf("%s: Content-Type = %q, want application/json", c, got)
		}
		if r.elapsed > 1200*time.Millisecond {
			t.Errorf("%s: the 504 took %v; with timeoutInMillis 300 it must come well under the function's 2s", c, r.elapsed)
		}
		if r.elapsed < 250*time.Millisecond {
			t.Errorf("%s: the 504 came after %v, before timeoutInMillis 300 ran out", c, r.elapsed)
		}
		t.Logf("504 after %v (timeoutInMillis 300)", r.elapsed.Round(time.Millisecond))
	})
}

// decodeEventV1 reads the 1.0 event the echo function returned as its body, failing the test if the reply is not
// the echo function's 200.
func decodeEventV1(t *testing.T, c call, r reply) eventV1 {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("%s: status %d, want the echo function's 200; body %.500s", c, r.status, r.body)
	}
	var e eventV1
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatalf("%s: the body is not the event the function received: %v\n%.500s", c, err, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), &e.raw); err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	return e
}

func checkString(t *testing.T, c call, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: %s = %q, want %q", c, what, got, want)
	}
}

// checkRequestTime checks requestTime (dd/MMM/yyyy:HH:mm:ss +0000) and requestTimeEpoch (ms): both within the
// request's time, and the same instant.
func checkRequestTime(t *testing.T, c call, text string, epoch int64, began, ended time.Time) {
	t.Helper()
	if !clfPattern.MatchString(text) {
		t.Errorf("%s: requestContext.requestTime = %q, want dd/MMM/yyyy:HH:mm:ss +0000", c, text)
	} else if at, err := time.Parse(clfLayout, text); err != nil {
		t.Errorf("%s: requestContext.requestTime %q: %v", c, text, err)
	} else if at.Before(began.Truncate(time.Second).Add(-time.Second)) || at.After(ended.Add(time.Second)) {
		t.Errorf("%s: requestContext.requestTime %s is not the time of the request (%s to %s)", c, text, began.UTC().Format(clfLayout), ended.UTC().Format(clfLayout))
	}
	at := time.UnixMilli(epoch)
	if at.Before(began.Add(-time.Second)) || at.After(ended.Add(time.Second)) {
		t.Errorf("%s: requestContext.requestTimeEpoch %d (%s) is not the time of the request in milliseconds (%d to %d)", c, epoch, at.UTC(), began.UnixMilli(), ended.UnixMilli())
	}
	if want := at.UTC().Format(clfLayout); text != want {
		t.Errorf("%s: requestTime %q and requestTimeEpoch %d (%s) are not the same instant", c, text, epoch, want)
	}
}

// expectInternalError checks the answer to a failed function or a malformed proxy response, to the byte.
func expectInternalError(t *testing.T, c call, r reply) {
	t.Helper()
	if r.status != http.StatusBadGateway || r.body != internalErrorBody {
		t.Errorf("%s: got %d %s, want 502 %s", c, r.status, r.body, internalErrorBody)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("%s: Content-Type = %q, want application/json", c, got)
	}
}

func quotePtr(s *string) string {
	if s == nil {
		return "null"
	}
	if len(*s) > 200 {
		return `"` + (*s)[:200] + `..."`
	}
	return `"` + *s + `"`
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// TestLambdaValidate runs `tollgate validate` on Lambda proxy definitions and configs.
func TestLambdaValidate(t *testing.T) {
	const dir = "testdata/lambda/validate/"
	const badURI = `/paths/~1bad/get/x-amazon-apigateway-integration/uri: `
	tests := []struct {
		name       string
		files      []string
		wantExit   int
		wantStdout []string
		wantStderr []string // each a prefix of exactly one line
		// stderrContains: text every wantStderr[0] line must also contain (the reason naming the bad value)
		stderrContains []string
	}{
		{
			name:       "valid config with a lambda block",
			files:      []string{dir + "tollgate.yaml"},
			wantStdout: []string{dir + "tollgate.yaml: ok"},
		},
		{
			name:       "valid Lambda proxy definition",
			files:      []string{dir + "lambda.yaml"},
			wantStdout: []string{dir + "lambda.yaml: ok"},
		},
		{
			name:           "malformed function ARN",
			files:          []string{dir + "bad-arn.yaml"},
			wantExit:       1,
			wantStderr:     []string{dir + "bad-arn.yaml: " + badURI, "tollgate: 1 file is invalid"},
			stderrContains: []string{"not-an-arn", "ARN"},
		},
		{
			name:           "config naming a definition with a malformed function ARN",
			files:          []string{dir + "config-bad-arn.yaml"},
			wantExit:       1,
			wantStderr:     []string{dir + "bad-arn.yaml: " + badURI, "tollgate: 1 file is invalid"},
			stderrContains: []string{"not-an-arn", "ARN"},
		},
		{
			name:       "function URL that is not a URL",
			files:      []string{dir + "bad-function-url.yaml"},
			wantExit:   1,
			wantStderr: []string{dir + `bad-function-url.yaml: /lambda/functions/echo: invalid URL`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exit, stdout, stderr := runValidate(t, tt.files)
			if exit != tt.wantExit {
				t.Errorf("tollgate validate %s: exit %d, want %d", strings.Join(tt.files, " "), exit, tt.wantExit)
			}
			expectLines(t, "stdout", stdout, tt.wantStdout)
			expectLines(t, "stderr", stderr, tt.wantStderr)
			if len(tt.stderrContains) > 0 {
				for _, line := range strings.Split(stderr, "\n") {
					if !strings.HasPrefix(line, tt.wantStderr[0]) {
						continue
					}
					for _, s := range tt.stderrContains {
						if !strings.Contains(line[len(tt.wantStderr[0]):], s) {
							t.Errorf("the problem %q gives no reason mentioning %q", line, s)
						}
					}
				}
			}
			if tt.wantExit == 0 && len(stderr) > 0 {
				t.Errorf("stderr of a successful validate is not empty:\n%s", stderr)
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
		})
	}
}

// invokeCall is what an Invoke endpoint received.
type invokeCall struct {
	method, path     string
	contentLength    int64 // -1: none
	transferEncoding []string
	header           http.Header
	bodyLen          int
}

// TestInvokeCall checks the Invoke call itself as the Invoke endpoint receives it, an HTTP server standing in
// for Lambda's API: a POST to the function's invocation path carrying the event with its content-length (never
// chunked: the Invoke API documents none) and none of the client's headers, whether the client's request had a
// body or not; and the client's response carries a content-length too.
func TestInvokeCall(t *testing.T) {
	requireEnvoy(t)
	calls := make(chan invokeCall, 8)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		calls <- invokeCall{r.Method, r.URL.Path, r.ContentLength, r.TransferEncoding, r.Header.Clone(), len(body)}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"statusCode": 200, "body": "recorded"}`))
	}))
	t.Cleanup(endpoint.Close)
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"recorder": endpoint.URL + "/2015-03-31/functions/recorder/invocations"}}
	cfg.APIs = []apiConfig{{ID: "invoke", Definition: "recorder.yaml", Stages: []stageConfig{{StageName: "prod"}}}}
	gw := startGateway(t, cfg, map[string]string{"recorder.yaml": "lambda/recorder.yaml"})
	clientHeaders := http.Header{"X-Custom": {"1"}, "X-Envoy-Foo": {"2"}, "User-Agent": {"e2e"}}
	for _, c := range []call{
		{method: "GET", url: gw.url("/prod/rec"), host: "invoke." + domain, header: clientHeaders},
		{method: "POST", url: gw.url("/prod/rec"), host: "invoke." + domain, header: clientHeaders, body: `{"a": 1}`},
		{method: "POST", url: gw.url("/restapis/invoke/prod/_user_request_/rec"), header: clientHeaders},
	} {
		r := send(t, c)
		if r.status != http.StatusOK || r.body != "recorded" || r.header.Get("Content-Length") != "8" {
			t.Errorf("%s: %d %q, Content-Length %q; want 200 \"recorded\" with its length", c, r.status, r.body, r.header.Get("Content-Length"))
		}
		var got invokeCall
		select {
		case got = <-calls:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the Invoke endpoint got no call", c)
		}
		if got.method != "POST" || got.path != "/2015-03-31/functions/recorder/invocations" {
			t.Errorf("%s: Invoke call %s %s, want POST /2015-03-31/functions/recorder/invocations", c, got.method, got.path)
		}
		if got.contentLength != int64(got.bodyLen) || got.bodyLen == 0 || len(got.transferEncoding) != 0 {
			t.Errorf("%s: Invoke call with content-length %d, transfer-encoding %v and a %d-byte body; want the event's length, not chunked",
				c, got.contentLength, got.transferEncoding, got.bodyLen)
		}
		if got.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Invoke call Content-Type %q, want application/json", c, got.header.Get("Content-Type"))
		}
		for name := range clientHeaders {
			if v := got.header.Get(name); v != "" {
				t.Errorf("%s: the client's %s reached the Invoke call (%q)", c, name, v)
			}
		}
	}
}
