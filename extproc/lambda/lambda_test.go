package lambda

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

func testRoute(t *testing.T, version string) *route {
	t.Helper()
	r := &ir.Route{
		Name: "abc/prod/GET/pets/{id}", Method: ir.Method{APIID: "abc", Stage: "prod", Resource: "/pets/{id}", HTTPMethod: "GET"},
		PathRegex: `^/prod/pets/([^/]+)/?$`, PathParams: []string{"id"},
		Lambda: &ir.Lambda{AccountID: "123456789012", PayloadFormatVersion: version, InvokePath: "/2015-03-31/functions/echo/invocations"},
	}
	paths, err := ir.NewPathMatcher(r)
	if err != nil {
		t.Fatal(err)
	}
	return &route{Route: r, Lambda: r.Lambda, paths: paths}
}

func headerMap(pairs ...string) *core.HeaderMap {
	m := &core.HeaderMap{}
	for i := 0; i < len(pairs); i += 2 {
		m.Headers = append(m.Headers, &core.HeaderValue{Key: pairs[i], RawValue: []byte(pairs[i+1])})
	}
	return m
}

func requestHeaders(endOfStream bool, pairs ...string) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{
		Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{
			Headers: headerMap(pairs...), EndOfStream: endOfStream,
		}},
		Attributes: map[string]*structpb.Struct{"envoy.filters.http.ext_proc": {Fields: map[string]*structpb.Value{
			names.SourceAddressAttribute: structpb.NewStringValue("10.1.2.3:5555"),
		}}},
	}
}

func responseHeaders(pairs ...string) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseHeaders{
		ResponseHeaders: &extprocv3.HttpHeaders{Headers: headerMap(pairs...)}}}
}

func responseBody(body string) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseBody{
		ResponseBody: &extprocv3.HttpBody{Body: []byte(body), EndOfStream: true}}}
}

var clientRequest = []string{":method", "GET", ":path", "/prod/pets/7?a=1", ":authority", "abc.execute-api.localhost",
	"user-agent", "curl", names.EnvoyRequestIDHeader, "req-1", "x-envoy-external-address", "10.1.2.3"}

// TestInvocationRewritesTheRequest: a bodiless GET becomes a POST of the event to the function's invoke path,
// with none of the client's headers.
func TestInvocationRewritesTheRequest(t *testing.T) {
	ex := newLambdaExchange(testRoute(t, "1.0"), time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	resps, err := ex.Handle(requestHeaders(true, clientRequest...))
	if err != nil || len(resps) != 1 {
		t.Fatalf("handle = %v, %v; want one response", resps, err)
	}
	common := resps[0].GetRequestHeaders().GetResponse()
	if common.GetStatus() != extprocv3.CommonResponse_CONTINUE_AND_REPLACE {
		t.Errorf("status = %v, want CONTINUE_AND_REPLACE (a bodiless request gets a body)", common.GetStatus())
	}
	set := map[string]string{}
	for _, h := range common.GetHeaderMutation().GetSetHeaders() {
		set[h.GetHeader().GetKey()] = string(h.GetHeader().GetRawValue())
	}
	if set[":method"] != "POST" || set[":path"] != "/2015-03-31/functions/echo/invocations" || set["content-type"] != "application/json" {
		t.Errorf("set headers = %v", set)
	}
	removed := strings.Join(common.GetHeaderMutation().GetRemoveHeaders(), ",")
	for _, h := range []string{"user-agent", names.EnvoyRequestIDHeader, "x-envoy-external-address"} {
		if !strings.Contains(removed, h) {
			t.Errorf("client header %s is not removed (removed: %s)", h, removed)
		}
	}
	var event struct {
		Path           string            `json:"path"`
		PathParameters map[string]string `json:"pathParameters"`
		Headers        map[string]string `json:"headers"`
		RequestContext struct {
			RequestID string `json:"requestId"`
			Path      string `json:"path"`
			Identity  struct {
				SourceIP string `json:"sourceIp"`
			} `json:"identity"`
		} `json:"requestContext"`
	}
	body := common.GetBodyMutation().GetBody()
	if err := json.Unmarshal(body, &event); err != nil {
		t.Fatalf("event is not JSON: %v\n%s", err, body)
	}
	if event.Path != "/pets/7" || event.PathParameters["id"] != "7" || event.RequestContext.Path != "/prod/pets/7" ||
		event.RequestContext.RequestID != "req-1" || event.RequestContext.Identity.SourceIP != "10.1.2.3" {
		t.Errorf("event = %s", body)
	}
	if _, ok := event.Headers["X-Envoy-External-Address"]; ok || event.Headers["User-Agent"] != "curl" {
		t.Errorf("event headers = %v, want the client's, capitalized, without Envoy's", event.Headers)
	}
	if set["content-length"] != strconv.Itoa(len(body)) {
		t.Errorf("content-length %s for a %d-byte event", set["content-length"], len(body))
	}
}

func TestResponses(t *testing.T) {
	tests := []struct {
		name       string
		version    string
		status     string
		headers    []string
		body       string
		wantStatus string // the :status set, or the immediate response's code
		wantBody   string
		immediate  bool
	}{
		{name: "proxy response", version: "1.0", status: "200", body: `{"statusCode": 201, "headers": {"x-a": "1"}, "body": "made"}`, wantStatus: "201", wantBody: "made"},
		{name: "numeric string status", version: "1.0", status: "200", body: `{"statusCode": "404", "body": ""}`, wantStatus: "404", wantBody: ""},
		{name: "function error by header", version: "1.0", status: "200", headers: []string{"x-amz-function-error", "Unhandled"}, body: `{"errorMessage": "boom"}`, wantStatus: "502", immediate: true, wantBody: `{"message":"Internal server error"}`},
		{name: "function error by shape", version: "1.0", status: "200", body: `{"errorMessage": "boom", "errorType": "Error"}`, wantStatus: "502", immediate: true, wantBody: `{"message":"Internal server error"}`},
		{name: "malformed", version: "1.0", status: "200", body: `{"foo": "bar"}`, wantStatus: "502", immediate: true, wantBody: `{"message":"Internal server error"}`},
		{name: "2.0 inferred", version: "2.0", status: "200", body: `{"hello": "world"}`, wantStatus: "200", wantBody: `{"hello": "world"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := newLambdaExchange(testRoute(t, tt.version), time.Now())
			if _, err := ex.Handle(requestHeaders(true, clientRequest...)); err != nil {
				t.Fatal(err)
			}
			// The headers are answered together with the body, which Envoy sends right behind them.
			held, err := ex.Handle(responseHeaders(append([]string{":status", tt.status, "content-type", "application/json"}, tt.headers...)...))
			if err != nil || len(held) != 0 {
				t.Fatalf("response headers answered at once: %v, %v", held, err)
			}
			resps, err := ex.Handle(responseBody(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.immediate {
				if len(resps) != 1 {
					t.Fatalf("responses = %v, want one immediate response", resps)
				}
				ir := resps[0].GetImmediateResponse()
				if ir == nil || strconv.Itoa(int(ir.GetStatus().GetCode())) != tt.wantStatus || string(ir.GetBody()) != tt.wantBody {
					t.Fatalf("response = %v, want an immediate %s %s", resps[0], tt.wantStatus, tt.wantBody)
				}
				return
			}
			if len(resps) != 2 || resps[0].GetResponseHeaders() == nil || resps[1].GetResponseBody() == nil {
				t.Fatalf("responses = %v, want the headers' answer then the body's", resps)
			}
			headers := resps[0].GetResponseHeaders().GetResponse()
			common := resps[1].GetResponseBody().GetResponse()
			var status, requestID string
			for _, h := range headers.GetHeaderMutation().GetSetHeaders() {
				switch h.GetHeader().GetKey() {
				case ":status":
					status = string(h.GetHeader().GetRawValue())
				case gatewayresponse.RequestIDHeader:
					requestID = string(h.GetHeader().GetRawValue())
				}
			}
			if status != tt.wantStatus || string(common.GetBodyMutation().GetBody()) != tt.wantBody || requestID != "req-1" {
				t.Errorf("status %q, body %q, request id %q; want %q, %q, req-1", status, common.GetBodyMutation().GetBody(), requestID, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// TestEnvoysOwnAnswerPassesThrough: a 413 Envoy sends before any Invoke call is not read as a Lambda response.
func TestEnvoysOwnAnswerPassesThrough(t *testing.T) {
	ex := newLambdaExchange(testRoute(t, "1.0"), time.Now())
	if _, err := ex.Handle(requestHeaders(false, clientRequest...)); err != nil {
		t.Fatal(err)
	}
	resps, err := ex.Handle(responseHeaders(":status", "413"))
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 1 || resps[0].GetResponseHeaders() == nil || resps[0].GetResponseHeaders().GetResponse() != nil {
		t.Errorf("responses = %v, want a plain continue", resps)
	}
}

// TestChunkedResponseBody: a body Envoy streams in pieces is answered whole, on the last piece.
func TestChunkedResponseBody(t *testing.T) {
	ex := newLambdaExchange(testRoute(t, "1.0"), time.Now())
	if _, err := ex.Handle(requestHeaders(true, clientRequest...)); err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Handle(responseHeaders(":status", "200")); err != nil {
		t.Fatal(err)
	}
	first := &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseBody{
		ResponseBody: &extprocv3.HttpBody{Body: []byte(`{"statusCode": 200, "bo`)}}}
	if held, err := ex.Handle(first); err != nil || len(held) != 0 {
		t.Fatalf("first chunk answered at once: %v, %v", held, err)
	}
	resps, err := ex.Handle(responseBody(`dy": "whole"}`))
	if err != nil || len(resps) != 3 {
		t.Fatalf("handle = %v, %v; want headers, an emptied chunk and the body", resps, err)
	}
	if !resps[1].GetResponseBody().GetResponse().GetBodyMutation().GetClearBody() {
		t.Errorf("first chunk not emptied: %v", resps[1])
	}
	if got := string(resps[2].GetResponseBody().GetResponse().GetBodyMutation().GetBody()); got != "whole" {
		t.Errorf("body = %q, want whole", got)
	}
}

// TestRequestBodyAnsweredWithItsHeaders: Envoy sends a request's body right behind its headers; the service
// holds the headers' answer until the body is whole, then answers headers and every chunk at once, the event in
// the last chunk and its length in the headers.
func TestRequestBodyAnsweredWithItsHeaders(t *testing.T) {
	ex := newLambdaExchange(testRoute(t, "1.0"), time.Now())
	post := append([]string{":method", "POST", "content-type", "application/json"}, clientRequest[2:]...)
	chunk := func(body string, end bool) *extprocv3.ProcessingRequest {
		return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{
			RequestBody: &extprocv3.HttpBody{Body: []byte(body), EndOfStream: end}}}
	}
	for i, msg := range []*extprocv3.ProcessingRequest{requestHeaders(false, post...), chunk(`{"name":`, false)} {
		if held, err := ex.Handle(msg); err != nil || len(held) != 0 {
			t.Fatalf("message %d answered before the body is whole: %v, %v", i, held, err)
		}
	}
	resps, err := ex.Handle(chunk(`"rex"}`, true))
	if err != nil || len(resps) != 3 {
		t.Fatalf("handle = %v, %v; want the headers, an emptied chunk and the event", resps, err)
	}
	set := map[string]string{}
	for _, h := range resps[0].GetRequestHeaders().GetResponse().GetHeaderMutation().GetSetHeaders() {
		set[h.GetHeader().GetKey()] = string(h.GetHeader().GetRawValue())
	}
	if !resps[1].GetRequestBody().GetResponse().GetBodyMutation().GetClearBody() {
		t.Errorf("first chunk not emptied: %v", resps[1])
	}
	event := resps[2].GetRequestBody().GetResponse().GetBodyMutation().GetBody()
	var e struct {
		HTTPMethod string `json:"httpMethod"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal(event, &e); err != nil || e.HTTPMethod != "POST" || e.Body != `{"name":"rex"}` {
		t.Errorf("event = %s (%v), want the POST with its whole body", event, err)
	}
	if set[":method"] != "POST" || set["content-length"] != strconv.Itoa(len(event)) {
		t.Errorf("headers set = %v, want the Invoke call's with the event's length", set)
	}
}

// TestEventReportsTheAPIKey: a request admitted by the API key check reports the key in identity.
func TestEventReportsTheAPIKey(t *testing.T) {
	ex := newLambdaExchange(testRoute(t, "1.0"), time.Now())
	req := requestHeaders(true, append(clientRequest, "x-api-key", "alice-0123456789abcdefgh")...)
	req.MetadataContext = &core.Metadata{FilterMetadata: map[string]*structpb.Struct{names.ExtAuthzFilter: {Fields: map[string]*structpb.Value{
		"apiKeyId": structpb.NewStringValue("k1"),
	}}}}
	resps, err := ex.Handle(req)
	if err != nil || len(resps) != 1 {
		t.Fatalf("handle = %v, %v", resps, err)
	}
	var event struct {
		RequestContext struct {
			Identity struct {
				APIKey   string `json:"apiKey"`
				APIKeyID string `json:"apiKeyId"`
			} `json:"identity"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(resps[0].GetRequestHeaders().GetResponse().GetBodyMutation().GetBody(), &event); err != nil {
		t.Fatal(err)
	}
	if id := event.RequestContext.Identity; id.APIKey != "alice-0123456789abcdefgh" || id.APIKeyID != "k1" {
		t.Errorf("identity = %+v, want the key and its id", id)
	}
}
