package mapping

import (
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/extproc/lambda/lambdaproxy"
	"github.com/tollgate-gw/tollgate/internal/compresstest"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// petsRoute is an HTTP integration in the shape of AWS's PetStore example: a JSON template for the request, a
// 4XX response with its own template and a header from the backend's, and a default with a static header.
func petsRoute() *ir.Route {
	return &ir.Route{
		Name: "abc/prod/POST/pets/{id}", Method: ir.Method{APIID: "abc", Stage: "prod", Resource: "/pets/{id}", HTTPMethod: "POST"},
		PathRegex: `^/prod/pets/([^/]+)/?$`, PathParams: []string{"id"},
		Mapping: &ir.Mapping{
			HTTP:        &ir.MappedHTTP{Host: "backend:8080", Method: "PUT", Path: "/v1/pets/{petId}"},
			Passthrough: "WHEN_NO_TEMPLATES",
			RequestTemplates: map[string]string{
				"application/json": `{"name": $input.json('$.name'), "id": "$input.params('id')", "stage": "$context.stage", "v": "$stageVariables.v"}`,
			},
			Parameters: []ir.ParameterMapping{
				{Target: ir.PathTarget, Name: "petId", Source: ir.ValueSource{Kind: ir.PathParameter, Value: "id"}},
				{Target: ir.QueryStringTarget, Name: "mode", Source: ir.ValueSource{Kind: ir.RequestHeader, Value: "X-Mode"}},
				{Target: ir.HeaderTarget, Name: "x-caller", Source: ir.ValueSource{Kind: ir.SourceIP}},
			},
			Responses: []ir.IntegrationResponse{
				{Pattern: `4\d{2}`, Status: 400, Templates: map[string]string{"application/json": `{"error": "$input.path('$.message')"}`},
					Headers: []ir.HeaderMapping{{Name: "x-reason", Source: ir.ValueSource{Kind: ir.IntegrationHeader, Value: "x-reason"}}}},
				{Status: 201, Headers: []ir.HeaderMapping{{Name: "x-static", Source: ir.ValueSource{Kind: ir.Static, Value: "yes"}}}},
			},
			StageVariables: map[string]string{"v": "7"},
			Source:         "pets.yaml#/paths/~1pets~1{id}/post/x-amazon-apigateway-integration",
		},
	}
}

func start(t *testing.T, r *ir.Route) *exchange {
	t.Helper()
	rt, err := compile(r, 0, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return newExchange(rt, time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
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
		Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{Headers: headerMap(pairs...), EndOfStream: endOfStream}},
		Attributes: map[string]*structpb.Struct{"envoy.filters.http.ext_proc": {Fields: map[string]*structpb.Value{
			names.SourceAddressAttribute: structpb.NewStringValue("10.1.2.3:5555"),
		}}},
	}
}

func requestBody(body string) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{
		RequestBody: &extprocv3.HttpBody{Body: []byte(body), EndOfStream: true}}}
}

func responseHeaders(details string, pairs ...string) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{
		Request: &extprocv3.ProcessingRequest_ResponseHeaders{ResponseHeaders: &extprocv3.HttpHeaders{Headers: headerMap(pairs...)}},
		Attributes: map[string]*structpb.Struct{"envoy.filters.http.ext_proc": {Fields: map[string]*structpb.Value{
			names.ResponseCodeDetailsAttribute: structpb.NewStringValue(details),
		}}},
	}
}

func responseBody(body string) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseBody{
		ResponseBody: &extprocv3.HttpBody{Body: []byte(body), EndOfStream: true}}}
}

func client(contentType string) []string {
	return []string{":method", "POST", ":path", "/prod/pets/7?x=1", ":authority", "abc.execute-api.localhost",
		"content-type", contentType, "x-mode", "fast", "user-agent", "curl", names.EnvoyRequestIDHeader, "req-1"}
}

// answer is what an exchange's answers say, flattened: headers set and removed, the body, an immediate status.
type answer struct {
	set       map[string]string
	removed   []string
	body      string
	immediate uint32
}

func flatten(resps []*extprocv3.ProcessingResponse) answer {
	a := answer{set: map[string]string{}}
	for _, r := range resps {
		if im := r.GetImmediateResponse(); im != nil {
			a.immediate, a.body = uint32(im.GetStatus().GetCode()), string(im.GetBody())
			for _, h := range im.GetHeaders().GetSetHeaders() {
				a.set[h.GetHeader().GetKey()] = string(h.GetHeader().GetRawValue())
			}
			continue
		}
		var common *extprocv3.CommonResponse
		switch v := r.GetResponse().(type) {
		case *extprocv3.ProcessingResponse_RequestHeaders:
			common = v.RequestHeaders.GetResponse()
		case *extprocv3.ProcessingResponse_RequestBody:
			common = v.RequestBody.GetResponse()
		case *extprocv3.ProcessingResponse_ResponseHeaders:
			common = v.ResponseHeaders.GetResponse()
		case *extprocv3.ProcessingResponse_ResponseBody:
			common = v.ResponseBody.GetResponse()
		}
		for _, h := range common.GetHeaderMutation().GetSetHeaders() {
			a.set[h.GetHeader().GetKey()] = string(h.GetHeader().GetRawValue())
		}
		a.removed = append(a.removed, common.GetHeaderMutation().GetRemoveHeaders()...)
		if b := common.GetBodyMutation().GetBody(); b != nil {
			a.body = string(b)
		}
	}
	return a
}

func handle(t *testing.T, ex *exchange, req *extprocv3.ProcessingRequest) answer {
	t.Helper()
	resps, err := ex.Handle(req)
	if err != nil {
		t.Fatal(err)
	}
	return flatten(resps)
}

func TestIntegrationRequest(t *testing.T) {
	ex := start(t, petsRoute())
	if held := handle(t, ex, requestHeaders(false, client("application/json; charset=utf-8")...)); len(held.set) != 0 {
		t.Fatalf("headers answered before the body: %+v", held)
	}
	got := handle(t, ex, requestBody(`{"name": "Rex", "type": "dog"}`))
	want := map[string]string{
		":method": "PUT", ":path": "/v1/pets/7?mode=fast", "content-type": "application/json", "x-caller": "10.1.2.3",
	}
	for k, v := range want {
		if got.set[k] != v {
			t.Errorf("%s = %q, want %q", k, got.set[k], v)
		}
	}
	wantBody := `{"name": "Rex", "id": "7", "stage": "prod", "v": "7"}`
	if got.body != wantBody || got.set["content-length"] != strconv.Itoa(len(wantBody)) {
		t.Errorf("body = %s (content-length %s), want %s", got.body, got.set["content-length"], wantBody)
	}
	// A non-proxy integration passes none of the client's headers but those mapped and its content type, and
	// the ones API Gateway sends every HTTP backend.
	if removed := strings.Join(got.removed, ","); !strings.Contains(removed, "x-mode") || strings.Contains(removed, "content-type") {
		t.Errorf("removed %s", removed)
	}
	for k, v := range map[string]string{"user-agent": "AmazonAPIGateway_abc", "x-amzn-apigateway-api-id": "abc", "accept": "application/json"} {
		if got.set[k] != v {
			t.Errorf("%s = %q, want %q", k, got.set[k], v)
		}
	}
}

// TestAbsentParameterNotSent: a mapping from a parameter the request does not have sends nothing.
func TestAbsentParameterNotSent(t *testing.T) {
	ex := start(t, petsRoute())
	got := handle(t, ex, requestHeaders(true, ":method", "POST", ":path", "/prod/pets/7", names.EnvoyRequestIDHeader, "req-1"))
	if got.set[":path"] != "/v1/pets/7" {
		t.Errorf(":path = %q, want no mode", got.set[":path"])
	}
}

func TestPassthroughBehavior(t *testing.T) {
	tests := []struct {
		name, behavior, contentType string
		templates                   bool
		want                        uint32 // 415, or 0 for passed on
	}{
		{"WHEN_NO_MATCH passes a type without a template", "WHEN_NO_MATCH", "text/plain", true, 0},
		{"WHEN_NO_TEMPLATES refuses a type without one when there are templates", "WHEN_NO_TEMPLATES", "text/plain", true, 415},
		{"WHEN_NO_TEMPLATES passes everything without templates", "WHEN_NO_TEMPLATES", "text/plain", false, 0},
		{"NEVER refuses a type without a template", "NEVER", "text/plain", true, 415},
		{"NEVER takes a type with a template", "NEVER", "application/json", true, 0},
		{"no content type reads as application/json", "NEVER", "", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := petsRoute()
			r.Mapping.Passthrough = tt.behavior
			if !tt.templates {
				r.Mapping.RequestTemplates = nil
			}
			ex := start(t, r)
			got := handle(t, ex, requestHeaders(true, client(tt.contentType)...))
			if got.immediate != tt.want {
				t.Fatalf("immediate = %d, want %d (%+v)", got.immediate, tt.want, got)
			}
			if tt.want == 415 && got.body != `{"message":"Unsupported Media Type"}` {
				t.Errorf("body = %s", got.body)
			}
			if tt.want == 415 {
				// Envoy sent the body before it had the answer: the exchange is over, and ignores it.
				if resps, err := ex.Handle(requestBody("x")); len(resps) != 0 || err != nil {
					t.Errorf("answered the body after the 415: %v %v", resps, err)
				}
			}
			if tt.want == 0 && got.set[":path"] != "/v1/pets/7?mode=fast" {
				t.Errorf("not passed on: %+v", got)
			}
		})
	}
}

func TestIntegrationResponse(t *testing.T) {
	tests := []struct {
		name, status, body string
		responses          []ir.IntegrationResponse // nil: petsRoute's
		wantStatus         string
		wantBody           string
		wantHeaders        map[string]string
	}{
		{name: "a 404 selects the 4XX response, its template and the backend's header", status: "404", body: `{"message": "no such pet"}`,
			wantStatus: "400", wantBody: `{"error": "no such pet"}`, wantHeaders: map[string]string{"x-reason": "gone", "content-type": "application/json"}},
		{name: "a 200 takes the default: its status, the body through, the static header", status: "200", body: `{"id": 7}`,
			wantStatus: "201", wantBody: `{"id": 7}`, wantHeaders: map[string]string{"x-static": "yes", "content-type": "application/json"}},
		{name: "with only a default, a backend 500 becomes the default's status", status: "500", body: "oops",
			responses: []ir.IntegrationResponse{{Status: 200}}, wantStatus: "200", wantBody: "oops"},
		{name: "no pattern matches and no default: a configuration error", status: "500", body: "oops",
			responses: []ir.IntegrationResponse{{Pattern: "2\\d{2}", Status: 200}}, wantStatus: "500", wantBody: `{"message":"Internal server error"}`},
		{name: "responseOverride sets the status and a header", status: "200", body: `{}`,
			responses:  []ir.IntegrationResponse{{Status: 200, Templates: map[string]string{"application/json": `#set($context.responseOverride.status = 418)#set($context.responseOverride.header.x-teapot = "yes")short`}}},
			wantStatus: "418", wantBody: "short", wantHeaders: map[string]string{"x-teapot": "yes"}},
		{name: "a failing template is a configuration error", status: "200", body: `{}`,
			responses:  []ir.IntegrationResponse{{Status: 200, Templates: map[string]string{"application/json": `#foreach($i in [1..2000])$i#end`}}},
			wantStatus: "500", wantBody: `{"message":"Internal server error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := petsRoute()
			if tt.responses != nil {
				r.Mapping.Responses = tt.responses
			}
			ex := start(t, r)
			handle(t, ex, requestHeaders(false, client("application/json")...))
			handle(t, ex, requestBody(`{"name": "Rex"}`))
			if held := handle(t, ex, responseHeaders("via_upstream", ":status", tt.status, "x-reason", "gone", "server", "backend")); len(held.set) != 0 {
				t.Fatalf("response headers answered before the body: %+v", held)
			}
			got := handle(t, ex, responseBody(tt.body))
			status := got.set[":status"]
			if got.immediate != 0 {
				status = strconv.Itoa(int(got.immediate))
			}
			if status != tt.wantStatus || got.body != tt.wantBody {
				t.Fatalf("got %s %s, want %s %s", status, got.body, tt.wantStatus, tt.wantBody)
			}
			for k, v := range tt.wantHeaders {
				if got.set[k] != v {
					t.Errorf("%s = %q, want %q", k, got.set[k], v)
				}
			}
			if got.immediate == 0 && !strings.Contains(strings.Join(got.removed, ","), "server") {
				t.Errorf("the backend's headers reach the client: removed %v", got.removed)
			}
		})
	}
}

// TestEnvoysOwnAnswerPassesThrough: a timeout's 504 or an unreachable backend's 503 is Envoy's, not the backend's,
// and no integration response maps it.
func TestEnvoysOwnAnswerPassesThrough(t *testing.T) {
	ex := start(t, petsRoute())
	handle(t, ex, requestHeaders(false, client("application/json")...))
	handle(t, ex, requestBody(`{}`))
	got := handle(t, ex, responseHeaders("upstream_response_timeout", ":status", "504"))
	if len(got.set) != 0 || len(got.removed) != 0 {
		t.Fatalf("Envoy's answer was rewritten: %+v", got)
	}
}

func TestMock(t *testing.T) {
	r := &ir.Route{
		Name: "abc/prod/GET/hello", Method: ir.Method{APIID: "abc", Stage: "prod", Resource: "/hello", HTTPMethod: "GET"},
		PathRegex: `^/prod/hello/?$`,
		Mapping: &ir.Mapping{
			Passthrough:      "WHEN_NO_MATCH",
			RequestTemplates: map[string]string{"application/json": `{"statusCode": #if($input.params('fail') == "yes")503#{else}200#end}`},
			Responses: []ir.IntegrationResponse{
				{Pattern: `5\d{2}`, Status: 503, Templates: map[string]string{"application/json": `{"message": "failed for $context.requestId"}`}},
				{Status: 200, Templates: map[string]string{"application/json": `{"stage": "$context.stage", "ip": "$context.identity.sourceIp"}`},
					Headers: []ir.HeaderMapping{{Name: "x-who", Source: ir.ValueSource{Kind: ir.RequestHeader, Value: "x-who"}}}},
			},
		},
	}
	tests := []struct {
		path, contentType string
		wantStatus        uint32
		wantBody          string
	}{
		{"/prod/hello", "", 200, `{"stage": "prod", "ip": "10.1.2.3"}`},
		{"/prod/hello?fail=yes", "", 503, `{"message": "failed for req-1"}`},
		// WHEN_NO_MATCH: a type without a template selects the response of status 200.
		{"/prod/hello?fail=yes", "text/plain", 200, `{"stage": "prod", "ip": "10.1.2.3"}`},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.contentType, func(t *testing.T) {
			ex := start(t, r)
			got := handle(t, ex, requestHeaders(true, ":method", "GET", ":path", tt.path, "content-type", tt.contentType, "x-who", "ann", names.EnvoyRequestIDHeader, "req-1"))
			if got.immediate != tt.wantStatus || got.body != tt.wantBody {
				t.Fatalf("got %d %s, want %d %s", got.immediate, got.body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus == 200 && got.set["x-who"] != "ann" {
				t.Errorf("x-who = %q", got.set["x-who"])
			}
			if got.set["x-amzn-RequestId"] != "req-1" {
				t.Errorf("no request id: %+v", got.set)
			}
		})
	}
}

// TestLambdaCustom: an AWS integration invokes the function with the mapped payload; a failed function's
// errorMessage selects the integration response, a result takes the default.
func TestLambdaCustom(t *testing.T) {
	r := &ir.Route{
		Name: "abc/prod/POST/orders", Method: ir.Method{APIID: "abc", Stage: "prod", Resource: "/orders", HTTPMethod: "POST"},
		PathRegex: `^/prod/orders/?$`,
		Mapping: &ir.Mapping{
			Lambda:           &ir.MappedLambda{InvokePath: "/2015-03-31/functions/orders/invocations"},
			Passthrough:      "WHEN_NO_MATCH",
			RequestTemplates: map[string]string{"application/json": `{"order": $input.json('$')}`},
			Parameters: []ir.ParameterMapping{
				{Target: ir.HeaderTarget, Name: "X-Amz-Invocation-Type", Source: ir.ValueSource{Kind: ir.RequestHeader, Value: "InvocationType"}},
			},
			Responses: []ir.IntegrationResponse{
				{Pattern: ".*not found.*", Status: 404, Templates: map[string]string{"application/json": `{"message": "$input.path('$.errorMessage')"}`}},
				{Status: 200},
			},
		},
	}
	ex := start(t, r)
	handle(t, ex, requestHeaders(false, ":method", "PUT", ":path", "/prod/orders", "content-type", "application/json", "invocationtype", "Event", "x-other", "1", names.EnvoyRequestIDHeader, "req-1"))
	got := handle(t, ex, requestBody(`{"id": 1}`))
	for k, v := range map[string]string{":method": "POST", ":path": "/2015-03-31/functions/orders/invocations", "content-type": "application/json", "x-amz-invocation-type": "Event"} {
		if got.set[k] != v {
			t.Errorf("%s = %q, want %q", k, got.set[k], v)
		}
	}
	if got.body != `{"order": {"id":1}}` || !strings.Contains(strings.Join(got.removed, ","), "x-other") {
		t.Errorf("payload %s, removed %v", got.body, got.removed)
	}

	tests := []struct {
		name, status, functionError, payload string
		wantStatus, wantBody                 string
	}{
		{"a result takes the default", "200", "", `{"id": 1, "errorMessage": "not found"}`, "200", `{"id": 1, "errorMessage": "not found"}`},
		{"an error document selected by its message", "200", "", `{"errorMessage": "order 7 not found", "errorType": "NotFound"}`, "404", `{"message": "order 7 not found"}`},
		{"X-Amz-Function-Error selected by the message", "200", "Unhandled", `{"errorMessage": "not found", "errorType": "E"}`, "404", `{"message": "not found"}`},
		{"an error no pattern selects takes the default", "200", "", `{"errorMessage": "boom", "errorType": "E"}`, "200", `{"errorMessage": "boom", "errorType": "E"}`},
		{"the Invoke API refusing the call", "429", "", `{"message": "Rate Exceeded."}`, "500", `{"message":"Internal server error"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := start(t, r)
			handle(t, ex, requestHeaders(false, ":method", "POST", ":path", "/prod/orders", "content-type", "application/json", names.EnvoyRequestIDHeader, "req-1"))
			handle(t, ex, requestBody(`{}`))
			headers := []string{":status", tt.status, "content-type", "application/json"}
			if tt.functionError != "" {
				headers = append(headers, "x-amz-function-error", tt.functionError)
			}
			handle(t, ex, responseHeaders("via_upstream", headers...))
			got := handle(t, ex, responseBody(tt.payload))
			status := got.set[":status"]
			if got.immediate != 0 {
				status = strconv.Itoa(int(got.immediate))
			}
			if status != tt.wantStatus || got.body != tt.wantBody {
				t.Errorf("got %s %s, want %s %s", status, got.body, tt.wantStatus, tt.wantBody)
			}
		})
	}
}

// TestContext: $context as templates read it.
func TestContext(t *testing.T) {
	r := &ir.Route{
		Name: "abc/prod/GET/hello", Method: ir.Method{APIID: "abc", Stage: "prod", Resource: "/hello", HTTPMethod: "GET"},
		PathRegex: `^/prod/hello/?$`,
		Mapping: &ir.Mapping{Passthrough: "WHEN_NO_MATCH", AccountID: "123456789012", Responses: []ir.IntegrationResponse{{Status: 200,
			Templates: map[string]string{"application/json": `$context.apiId $context.accountId $context.stage $context.resourcePath $context.httpMethod ` +
				`$context.path $context.domainName $context.domainPrefix $context.requestId $context.extendedRequestId ` +
				`$context.identity.sourceIp $context.identity.userAgent [$context.identity.caller] $context.requestTime $context.requestTimeEpoch ` +
				`$context.resourceId [$context.authorizer.principalId] $context.protocol`}}}},
	}
	ex := start(t, r)
	got := handle(t, ex, requestHeaders(true, ":method", "GET", ":path", "/prod/hello?x=1", ":authority", "abc.execute-api.localhost:8080",
		"user-agent", "curl/8", names.EnvoyRequestIDHeader, "0123456789abcdefghij"))
	want := "abc 123456789012 prod /hello GET /prod/hello abc.execute-api.localhost abc 0123456789abcdefghij 0123456789abcdef " +
		"10.1.2.3 curl/8 [] 02/Dec/2026:10:00:00 +0000 1796205600000 " + lambdaproxy.ResourceID("abc", "/hello") + " [] HTTP/1.1"
	if got.body != want {
		t.Errorf("got  %s\nwant %s", got.body, want)
	}
}

// TestProxyMappings: an HTTP_PROXY's mappings go onto the client's request, which keeps its headers and query.
func TestProxyMappings(t *testing.T) {
	r := &ir.Route{
		Name: "abc/prod/GET/items/{item}", Method: ir.Method{APIID: "abc", Stage: "prod", Resource: "/items/{item}", HTTPMethod: "GET"},
		PathRegex: `^/prod/items/([^/]+)/?$`, PathParams: []string{"item"},
		Mapping: &ir.Mapping{Proxy: true, Passthrough: "WHEN_NO_MATCH",
			HTTP: &ir.MappedHTTP{Method: "POST", Path: "/owners/{owner}/items"},
			Parameters: []ir.ParameterMapping{
				{Target: ir.PathTarget, Name: "owner", Source: ir.ValueSource{Kind: ir.RequestHeader, Value: "x-owner"}},
				{Target: ir.QueryStringTarget, Name: "view", Source: ir.ValueSource{Kind: ir.Static, Value: "full"}},
				{Target: ir.HeaderTarget, Name: "X-Item", Source: ir.ValueSource{Kind: ir.PathParameter, Value: "item"}},
			}},
	}
	ex := start(t, r)
	got := handle(t, ex, requestHeaders(false, ":method", "GET", ":path", "/prod/items/42?a=1&view=short", "x-owner", "ann", "x-keep", "1"))
	for k, v := range map[string]string{":method": "POST", ":path": "/owners/ann/items?a=1&view=full", "x-item": "42"} {
		if got.set[k] != v {
			t.Errorf("%s = %q, want %q", k, got.set[k], v)
		}
	}
	if len(got.removed) != 0 || got.body != "" {
		t.Errorf("the client's request was not passed on as it is: removed %v, body %q", got.removed, got.body)
	}
}

// TestBodyAndMultiValueSources: mappings from the request body, a JSONPath into it, and every value of a query
// string parameter or header.
func TestBodyAndMultiValueSources(t *testing.T) {
	r := petsRoute()
	r.Mapping.RequestTemplates = nil
	r.Mapping.Parameters = []ir.ParameterMapping{
		{Target: ir.HeaderTarget, Name: "x-body", Source: ir.ValueSource{Kind: ir.RequestBody}},
		{Target: ir.HeaderTarget, Name: "x-name", Source: ir.ValueSource{Kind: ir.RequestBodyPath, Value: "$.pet.name"}},
		{Target: ir.HeaderTarget, Name: "x-tags", Source: ir.ValueSource{Kind: ir.RequestBodyPath, Value: "$.pet.tags"}},
		{Target: ir.HeaderTarget, Name: "x-all", Source: ir.ValueSource{Kind: ir.MultiValueHeader, Value: "X-Multi"}},
		{Target: ir.QueryStringTarget, Name: "t", Source: ir.ValueSource{Kind: ir.MultiValueQuery, Value: "tag"}},
		{Target: ir.HeaderTarget, Name: "x-joined", Source: ir.ValueSource{Kind: ir.MultiValueQuery, Value: "tag"}},
	}
	ex := start(t, r)
	if held := handle(t, ex, requestHeaders(false, ":method", "POST", ":path", "/prod/pets/7?tag=a&tag=b", "x-multi", "1", "x-multi", "2")); len(held.set) != 0 {
		t.Fatalf("answered before the body the mappings read: %+v", held)
	}
	body := `{"pet": {"name": "Rex", "tags": ["x", "y"]}}`
	got := handle(t, ex, requestBody(body))
	for k, v := range map[string]string{"x-body": body, "x-name": "Rex", "x-tags": `["x","y"]`, "x-all": "1,2", "x-joined": "a,b",
		":path": "/v1/pets/?t=a&t=b"} {
		if got.set[k] != v {
			t.Errorf("%s = %q, want %q", k, got.set[k], v)
		}
	}
}

// TestQueryStringOrder: $input.params().querystring keeps the client's order, a repeated name its last value.
func TestQueryStringOrder(t *testing.T) {
	r := &ir.Route{
		Name: "abc/prod/GET/q", Method: ir.Method{APIID: "abc", Stage: "prod", Resource: "/q", HTTPMethod: "GET"}, PathRegex: `^/prod/q/?$`,
		Mapping: &ir.Mapping{Passthrough: "WHEN_NO_MATCH", Responses: []ir.IntegrationResponse{{Status: 200, Templates: map[string]string{
			"application/json": `#foreach($k in $input.params().querystring.keySet())$k=$input.params().querystring.get($k);#end`}}}},
	}
	for range 5 { // a map's order would show within a few tries
		got := handle(t, start(t, r), requestHeaders(true, ":method", "GET", ":path", "/prod/q?z=1&a=2&m=3&z=4&b%20c=5"))
		if got.body != "z=4;a=2;m=3;b c=5;" {
			t.Fatalf("body = %q", got.body)
		}
	}
}

// TestCompressedRequestBody: a gzip or deflate body is decompressed before the template and the mappings read it,
// and a non-proxy integration is sent it decompressed, as API Gateway does; one it cannot decompress is refused.
func TestCompressedRequestBody(t *testing.T) {
	pet := `{"name": "Rex", "type": "dog"}`
	tests := []struct {
		name, encoding, body string
		templates            bool
		wantStatus           uint32 // an immediate answer's, 0 for the request sent on
		wantBody             string
		wantEncodingKept     bool
	}{
		{"template reads the decompressed body", "gzip", compresstest.Gzip(t, pet), true, 0, `{"name": "Rex", "id": "7", "stage": "prod", "v": "7"}`, false},
		{"passthrough is sent decompressed", "gzip", compresstest.Gzip(t, pet), false, 0, pet, false},
		{"a coding not decoded passes as it came, labelled", "br", "\x01\x02", false, 0, "", true},
		{"a body that is not gzip", "gzip", pet, true, 400, `{"message":"Invalid request body"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := petsRoute()
			if !tt.templates {
				r.Mapping.RequestTemplates = nil
				r.Mapping.Parameters = append(r.Mapping.Parameters,
					ir.ParameterMapping{Target: ir.HeaderTarget, Name: "x-name", Source: ir.ValueSource{Kind: ir.RequestBodyPath, Value: "$.name"}})
			}
			ex := start(t, r)
			handle(t, ex, requestHeaders(false, append(client("application/json"), "content-encoding", tt.encoding)...))
			got := handle(t, ex, requestBody(tt.body))
			if got.immediate != tt.wantStatus || got.body != tt.wantBody {
				t.Fatalf("answer %d %q, want %d %q", got.immediate, got.body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus != 0 {
				return
			}
			if removed := slices.Contains(got.removed, "content-encoding"); removed == tt.wantEncodingKept {
				t.Errorf("content-encoding removed: %v, want kept %v", removed, tt.wantEncodingKept)
			}
			if !tt.templates && tt.encoding == "gzip" && got.set["x-name"] != "Rex" {
				t.Errorf("x-name from the body = %q, want Rex", got.set["x-name"])
			}
		})
	}
}
