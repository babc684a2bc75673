package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/internal/names"
)

// cachedAPI has an HTTP integration whose response template rewrites the backend's JSON, and an IAM method; the
// stage caches both.
const cachedAPI = `openapi: 3.0.1
info: {title: cached, version: '1'}
paths:
  /orders:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: 'http://127.0.0.1:9/orders'
        responses: {default: {statusCode: '200', responseTemplates: {application/json: '{"orders": $input.json(''$.items''), "v": 1}'}}}
  /report:
    get:
      security: [{sigv4: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: 'http://127.0.0.1:9/report'}
components:
  securitySchemes:
    sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
`

const cachedConfig = "iam: {credentials: [" +
	"{accessKeyId: AKIAOPS, secretAccessKey: ops-secret, arn: 'arn:aws:iam::123456789012:user/ops', policy: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: ['execute-api:Invoke', 'execute-api:InvalidateCache'], Resource: '*'}]}}, " +
	"{accessKeyId: AKIAREADER, secretAccessKey: reader-secret, arn: 'arn:aws:iam::123456789012:user/reader', policy: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: 'execute-api:Invoke', Resource: '*'}]}}]}\n" +
	"apis:\n  - {id: feat, definition: api.yaml, stages: [{stageName: prod, cacheClusterEnabled: true, cacheStatusHeader: X-Cache, methodSettings: {'*/*': {unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403}}}]}\n"

// getRequest is a GET's headers as Envoy sends them to ext_proc.
func getRequest(path string, md *core.Metadata, kv ...[2]string) *extprocv3.ProcessingRequest {
	headers := &core.HeaderMap{}
	for _, h := range append([][2]string{{":method", "GET"}, {":path", path}, {names.EnvoyRequestIDHeader, "feature-" + path}}, kv...) {
		headers.Headers = append(headers.Headers, &core.HeaderValue{Key: h[0], RawValue: []byte(h[1])})
	}
	return &extprocv3.ProcessingRequest{MetadataContext: md,
		Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{Headers: headers, EndOfStream: true}}}
}

// backendAnswer is the backend's response as Envoy sends it to ext_proc: from upstream, JSON.
func backendAnswer(body string) []*extprocv3.ProcessingRequest {
	attrs, _ := structpb.NewStruct(map[string]any{names.ResponseCodeDetailsAttribute: "via_upstream"})
	headers := &core.HeaderMap{Headers: []*core.HeaderValue{{Key: ":status", RawValue: []byte("200")}, {Key: "content-type", RawValue: []byte("application/json")}}}
	return []*extprocv3.ProcessingRequest{
		{Request: &extprocv3.ProcessingRequest_ResponseHeaders{ResponseHeaders: &extprocv3.HttpHeaders{Headers: headers}},
			Attributes: map[string]*structpb.Struct{names.ExtProcFilter: attrs}},
		{Request: &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: &extprocv3.HttpBody{Body: []byte(body), EndOfStream: true}}},
	}
}

// served is what a request got: the cache's answer (status 0 when it went on to the backend), the body the client
// gets, and the X-Cache header.
func served(resps []*extprocv3.ProcessingResponse) (status int, body, cache string) {
	for _, r := range resps {
		if im := r.GetImmediateResponse(); im != nil {
			for _, h := range im.GetHeaders().GetSetHeaders() {
				if h.GetHeader().GetKey() == "X-Cache" {
					cache = string(h.GetHeader().GetRawValue())
				}
			}
			return int(im.GetStatus().GetCode()), string(im.GetBody()), cache
		}
		for _, h := range r.GetResponseHeaders().GetResponse().GetHeaderMutation().GetSetHeaders() {
			if h.GetHeader().GetKey() == "X-Cache" {
				cache = string(h.GetHeader().GetRawValue())
			}
		}
		if b := r.GetResponseBody().GetResponse().GetBodyMutation().GetBody(); b != nil {
			body = string(b)
		}
	}
	return 0, body, cache
}

// TestFeatureStageCache: a miss goes to the backend and keeps the response as the response template made it; a
// hit is that response with no call; a flush and a reload that changes the template serve none of it again.
func TestFeatureStageCache(t *testing.T) {
	h := startHarness(t, map[string]string{"api.yaml": cachedAPI, "tollgate.yaml": cachedConfig})
	orders := h.route("feat/prod/GET/orders")
	get := func(backend string) (int, string, string) {
		return served(h.process(orders, append([]*extprocv3.ProcessingRequest{getRequest("/prod/orders", nil)}, backendAnswer(backend)...)...))
	}
	if status, body, cache := get(`{"items": [1, 2]}`); status != 0 || body != `{"orders": [1,2], "v": 1}` || cache != "Miss" {
		t.Fatalf("first: %d %s %s; want the mapped response, a miss", status, body, cache)
	}
	if status, body, cache := get(`{"items": ["not", "called"]}`); status != 200 || body != `{"orders": [1,2], "v": 1}` || cache != "Hit" {
		t.Errorf("second: %d %s %s; want the kept response, a hit", status, body, cache)
	}

	req, _ := http.NewRequest("DELETE", "http://"+h.cp.Config().Admin+"/restapis/feat/stages/prod/cache/data", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("FlushStageCache: %d, want 202", resp.StatusCode)
	}
	if _, body, cache := get(`{"items": [3]}`); cache != "Miss" || body != `{"orders": [3], "v": 1}` {
		t.Errorf("after a flush: %s %s; want a miss", body, cache)
	}

	h.rewrite("api.yaml", strings.Replace(cachedAPI, `"v": 1`, `"v": 2`, 1))
	orders = h.route("feat/prod/GET/orders")
	if _, body, cache := get(`{"items": [4]}`); cache != "Miss" || body != `{"orders": [4], "v": 2}` {
		t.Errorf("after a reload changing the template: %s %s; want a miss, rendered by the new template", body, cache)
	}
}

// TestFeatureCacheInvalidation: an IAM caller whose policy allows execute-api:InvalidateCache refreshes an entry
// with Cache-Control: max-age=0; another is refused (the stage's FAIL_WITH_403).
func TestFeatureCacheInvalidation(t *testing.T) {
	h := startHarness(t, map[string]string{"api.yaml": cachedAPI, "tollgate.yaml": cachedConfig})
	report := h.route("feat/prod/GET/report")
	const host = "feat.execute-api.localhost"
	signed := func(key, secret string) [][2]string {
		req, _ := http.NewRequest("GET", "http://"+host+"/prod/report", nil)
		req.Header.Set("Cache-Control", "max-age=0")
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, req,
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "execute-api", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		return [][2]string{{":authority", host}, {"cache-control", "max-age=0"}, {"x-amz-date", req.Header.Get("X-Amz-Date")}, {"authorization", req.Header.Get("Authorization")}}
	}
	// What the authorizer filter files for the request, as Envoy forwards it to ext_proc.
	checked := func(headers [][2]string) *core.Metadata {
		resp := h.authorize(report, "GET", "/prod/report", "192.0.2.1", headers, nil)
		if status, body := deniedWith(resp); status != 0 {
			t.Fatalf("the check refused: %d %s", status, body)
		}
		return &core.Metadata{FilterMetadata: map[string]*structpb.Struct{names.ExtAuthzFilter: resp.GetDynamicMetadata()}}
	}
	get := func(md *core.Metadata, headers [][2]string, backend string) (int, string, string) {
		return served(h.process(report, append([]*extprocv3.ProcessingRequest{getRequest("/prod/report", md, headers...)}, backendAnswer(backend)...)...))
	}
	get(nil, nil, `{"n": 1}`)
	if status, _, _ := get(nil, nil, `{"n": "unused"}`); status != 200 {
		t.Fatalf("the entry was not kept: %d", status)
	}
	ops, reader := signed("AKIAOPS", "ops-secret"), signed("AKIAREADER", "reader-secret")
	if status, body, cache := get(checked(ops), ops, `{"n": 2}`); status != 0 || cache != "Miss" {
		t.Errorf("an invalidation allowed: %d %s %s; want the backend called", status, body, cache)
	}
	if status, body, _ := get(nil, nil, `{"n": "unused"}`); status != 200 || body != `{"n": 2}` {
		t.Errorf("after the refresh: %d %s; want the new response kept", status, body)
	}
	if status, body, _ := get(checked(reader), reader, `{"n": 3}`); status != 403 || !strings.Contains(body, "not authorized") {
		t.Errorf("an invalidation not allowed: %d %s; want FAIL_WITH_403's 403", status, body)
	}
}

// TestFeatureCachedLambdaProxy: what a Lambda proxy's function answered (its statusCode, headers and body, which
// the Lambda service makes of the Invoke call's response) is what a hit serves.
func TestFeatureCachedLambdaProxy(t *testing.T) {
	const fn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations"
	h := startHarness(t, map[string]string{
		"api.yaml": "openapi: 3.0.1\ninfo: {title: fn, version: '1'}\npaths:\n  /fn:\n    get:\n      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: '" + fn + "'}\n",
		"tollgate.yaml": "lambda: {functions: {f: 'http://127.0.0.1:9/2015-03-31/functions/f/invocations'}}\n" +
			"apis:\n  - {id: feat, definition: api.yaml, stages: [{stageName: prod, cacheClusterEnabled: true, cacheStatusHeader: X-Cache}]}\n",
	})
	r := h.route("feat/prod/GET/fn")
	invoked := backendAnswer(`{"statusCode": 201, "headers": {"x-fn": "made"}, "body": "from the function"}`)
	if status, _, cache := served(h.process(r, append([]*extprocv3.ProcessingRequest{getRequest("/prod/fn", nil)}, invoked...)...)); status != 0 || cache != "Miss" {
		t.Fatalf("first: %d %s; want the function invoked, a miss", status, cache)
	}
	resps := h.process(r, getRequest("/prod/fn", nil))
	status, body, cache := served(resps)
	if status != 201 || body != "from the function" || cache != "Hit" {
		t.Errorf("second: %d %q %s; want the function's answer, a hit", status, body, cache)
	}
	found := false
	for _, hv := range resps[0].GetImmediateResponse().GetHeaders().GetSetHeaders() {
		found = found || hv.GetHeader().GetKey() == "x-fn" && string(hv.GetHeader().GetRawValue()) == "made"
	}
	if !found {
		t.Errorf("the hit lacks the function's header: %v", resps[0].GetImmediateResponse().GetHeaders())
	}
}
