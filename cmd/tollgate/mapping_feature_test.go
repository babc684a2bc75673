package main

import (
	"path/filepath"
	"strings"
	"testing"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/source"
)

// mappedAPI has an HTTP integration with a request template behind a validator requiring a query parameter.
const mappedAPI = `openapi: 3.0.1
info: {title: mapped, version: '1'}
x-amazon-apigateway-request-validators: {params: {validateRequestParameters: true}}
paths:
  /orders:
    post:
      x-amazon-apigateway-request-validator: params
      parameters: [{name: shop, in: query, required: true, schema: {type: string}}]
      x-amazon-apigateway-integration:
        type: http
        httpMethod: PUT
        uri: 'http://127.0.0.1:9/orders'
        requestTemplates: {application/json: '{"shop": "$input.params(''shop'')", "v": 1}'}
        responses: {default: {statusCode: '201'}}
`

func orderRequest(query, body string) []*extprocv3.ProcessingRequest {
	headers := &core.HeaderMap{}
	for _, kv := range [][2]string{{":method", "POST"}, {":path", "/prod/orders" + query}, {"content-type", "application/json"},
		{names.EnvoyRequestIDHeader, "feature-test-request"}} {
		headers.Headers = append(headers.Headers, &core.HeaderValue{Key: kv[0], RawValue: []byte(kv[1])})
	}
	return []*extprocv3.ProcessingRequest{
		{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{Headers: headers}}},
		{Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{Body: []byte(body), EndOfStream: true}}},
	}
}

// mappedBody is the body an exchange's answers give the backend, and the status of an immediate answer.
func mappedBody(resps []*extprocv3.ProcessingResponse) (body string, immediate int) {
	for _, r := range resps {
		if im := r.GetImmediateResponse(); im != nil {
			return string(im.GetBody()), int(im.GetStatus().GetCode())
		}
		if b := r.GetRequestBody().GetResponse().GetBodyMutation().GetBody(); b != nil {
			body = string(b)
		}
	}
	return body, 0
}

// TestFeatureMappingReloads: the route Envoy gets asks the ext_proc service for the request and its body; the
// service validates, renders the template, and after a reload renders the new one; a reload to a template that
// does not parse is refused with its line and column and the running template stays.
func TestFeatureMappingReloads(t *testing.T) {
	h := startHarness(t, map[string]string{
		"api.yaml":      mappedAPI,
		"tollgate.yaml": "apis:\n  - {id: feat, definition: api.yaml, stages: [{stageName: prod}]}\n",
	})
	r := h.route("feat/prod/POST/orders")
	if body, status := mappedBody(h.process(r, orderRequest("", `{}`)...)); status != 400 || body != `{"message":"Missing required request parameters: [shop]"}` {
		t.Errorf("without shop: %d %s", status, body)
	}
	if body, status := mappedBody(h.process(r, orderRequest("?shop=north", `{}`)...)); status != 0 || body != `{"shop": "north", "v": 1}` {
		t.Errorf("with shop: %d %s", status, body)
	}

	h.rewrite("api.yaml", strings.Replace(mappedAPI, `"v": 1`, `"v": 2`, 1))
	if body, _ := mappedBody(h.process(h.route("feat/prod/POST/orders"), orderRequest("?shop=north", `{}`)...)); body != `{"shop": "north", "v": 2}` {
		t.Errorf("after the reload: %s", body)
	}
	h.rewrite("api.yaml", strings.Replace(mappedAPI, `"v": 1}`, `"v": #if(1)}`, 1))
	if body, _ := mappedBody(h.process(h.route("feat/prod/POST/orders"), orderRequest("?shop=north", `{}`)...)); body != `{"shop": "north", "v": 2}` {
		t.Errorf("after a refused reload: %s, want the running template's output", body)
	}
	// What the reload refused it for, as tollgate validate reports it.
	if _, err := source.Load(filepath.Join(h.dir, "tollgate.yaml")); err == nil || !strings.Contains(err.Error(), "api.yaml: /paths/~1orders/post/x-amazon-apigateway-integration/requestTemplates/application~1json: mapping template: line 1, column") {
		t.Errorf("refused reload: %v, want the template's file, pointer, line and column", err)
	}
}
