package cache

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// testRoute is GET /pets/{id} on a1/prod, keyed also by the query parameter kind and the header accept.
func testRoute(c ir.Cache) *ir.Route {
	if c.TTL == 0 {
		c.TTL = ir.Duration(300 * time.Second)
	}
	if c.Unauthorized == "" {
		c.Unauthorized = "SUCCEED_WITH_RESPONSE_HEADER"
	}
	c.Namespace, c.Version, c.StatusHeader = "/pets/{id}", "v1", "X-Cache"
	c.KeyParameters = []ir.ValueSource{{Kind: ir.QueryParameter, Value: "kind"}, {Kind: ir.RequestHeader, Value: "accept"}}
	return &ir.Route{Name: "a1/prod/GET/pets/{id}", Method: ir.Method{APIID: "a1", Stage: "prod", Resource: "/pets/{id}", HTTPMethod: "GET"},
		PathRegex: `^/prod/pets/([^/]+)/?$`, PathParams: []string{"id"},
		HTTPProxy: &ir.HTTPProxy{Timeout: ir.Duration(time.Second)}, Cache: &c}
}

// testCache serves route from a memory store, its clock the test's.
type testCache struct {
	t     *testing.T
	svc   *Service
	wrap  processor.Wrap
	now   time.Time
	mu    sync.Mutex
	calls atomic.Int32 // requests the integration got
}

func newTestCache(t *testing.T, route *ir.Route) *testCache {
	t.Helper()
	svc, err := New(NewMemory(), nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	tc := &testCache{t: t, svc: svc, now: time.Unix(1_800_000_000, 0)}
	svc.now = func() time.Time { tc.mu.Lock(); defer tc.mu.Unlock(); return tc.now }
	wraps, err := svc.Wraps(&ir.Snapshot{APIs: []ir.API{{ID: "a1", Routes: []*ir.Route{route}}},
		Caches: []ir.StageCache{{APIID: "a1", Stage: "prod", Size: "0.5", Bytes: 1 << 29}}})
	if err != nil {
		t.Fatal(err)
	}
	tc.wrap = wraps[route.Name]
	return tc
}

func (tc *testCache) advance(d time.Duration) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.now = tc.now.Add(d)
}

func headerMap(kv ...string) *core.HeaderMap {
	m := &core.HeaderMap{}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Headers = append(m.Headers, &core.HeaderValue{Key: kv[i], RawValue: []byte(kv[i+1])})
	}
	return m
}

func request(method, path string, kv ...string) *extprocv3.ProcessingRequest {
	h := headerMap(append([]string{":method", method, ":path", path, names.EnvoyRequestIDHeader, "req-" + path}, kv...)...)
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{Headers: h, EndOfStream: true}}}
}

// upstream is the response headers Envoy sends; from Envoy itself (a timeout) when details is not via_upstream.
func upstream(status, details string, kv ...string) *extprocv3.ProcessingRequest {
	attrs, _ := structpb.NewStruct(map[string]any{names.ResponseCodeDetailsAttribute: details})
	return &extprocv3.ProcessingRequest{
		Request:    &extprocv3.ProcessingRequest_ResponseHeaders{ResponseHeaders: &extprocv3.HttpHeaders{Headers: headerMap(append([]string{":status", status}, kv...)...)}},
		Attributes: map[string]*structpb.Struct{names.ExtProcFilter: attrs},
	}
}

func chunk(body string, last bool) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: &extprocv3.HttpBody{Body: []byte(body), EndOfStream: last}}}
}

// outcome is what a request got: the cache's own answer (status 0 when the integration was called), the status
// header, and whether it was warned.
type outcome struct {
	status int
	body   string
	header map[string]string
	filed  string // what the cache filed in the metadata for the metrics
}

// do runs one request through the cache; a miss calls the integration, which answers with the response
// messages given.
func (tc *testCache) do(req *extprocv3.ProcessingRequest, response ...*extprocv3.ProcessingRequest) outcome {
	tc.t.Helper()
	ex := tc.wrap(context.Background(), time.Now(), processor.PassThrough{})
	if c, ok := ex.(processor.Closer); ok {
		defer c.Close()
	}
	out := outcome{header: map[string]string{}}
	resps, err := ex.Handle(req)
	if err != nil {
		tc.t.Fatal(err)
	}
	filed := func(r *extprocv3.ProcessingResponse) {
		if v := r.GetDynamicMetadata().GetFields()[names.CacheNamespace].GetStructValue().GetFields()[names.CacheStatusField]; v != nil {
			out.filed += v.GetStringValue()
		}
	}
	filed(resps[0])
	if im := resps[0].GetImmediateResponse(); im != nil {
		out.status, out.body = int(im.GetStatus().GetCode()), string(im.GetBody())
		for _, h := range im.GetHeaders().GetSetHeaders() {
			out.header[strings.ToLower(h.GetHeader().GetKey())] = processor.HeaderValue(h.GetHeader())
		}
		return out
	}
	tc.calls.Add(1)
	for _, m := range response {
		resps, err := ex.Handle(m)
		if err != nil {
			tc.t.Fatal(err)
		}
		for _, r := range resps {
			filed(r)
			for _, h := range r.GetResponseHeaders().GetResponse().GetHeaderMutation().GetSetHeaders() {
				out.header[strings.ToLower(h.GetHeader().GetKey())] = processor.HeaderValue(h.GetHeader())
			}
		}
	}
	return out
}

// ok is a backend's 200 with a JSON body in two chunks.
func ok(body string) []*extprocv3.ProcessingRequest {
	return []*extprocv3.ProcessingRequest{upstream("200", "via_upstream", "content-type", "application/json", "x-amzn-requestid", "first", "content-length", "9"),
		chunk(body[:len(body)/2], false), chunk(body[len(body)/2:], true)}
}

func TestMissThenHit(t *testing.T) {
	tc := newTestCache(t, testRoute(ir.Cache{}))
	if out := tc.do(request("GET", "/prod/pets/1"), ok(`{"id":1}`)...); out.status != 0 || out.header["x-cache"] != "Miss" || out.filed != "Miss" {
		t.Fatalf("first request: %+v, want a miss, filed once", out)
	}
	out := tc.do(request("GET", "/prod/pets/1?other=x"))
	if out.status != 200 || out.body != `{"id":1}` || out.header["x-cache"] != "Hit" || out.header["content-type"] != "application/json" || out.filed != "Hit" {
		t.Errorf("second request: %+v, want the kept response, a hit, filed", out)
	}
	if out.header["x-amzn-requestid"] != "req-/prod/pets/1?other=x" {
		t.Errorf("a hit carries request id %q, want its own", out.header["x-amzn-requestid"])
	}
	if _, has := out.header["content-length"]; has {
		t.Error("a hit carries the kept response's content-length: Envoy sets its own")
	}
	if tc.calls.Load() != 1 {
		t.Errorf("the integration got %d requests, want 1", tc.calls.Load())
	}
}

// TestKey: a request's entry is its path parameters' and key parameters' values, nothing else.
func TestKey(t *testing.T) {
	r, err := newCachedRoute(testRoute(ir.Cache{}))
	if err != nil {
		t.Fatal(err)
	}
	// The key as the exchange computes it from the headers Envoy sends (names in lower case).
	key := func(method, path string, kv ...string) string {
		var headers []string
		for i := 0; i+1 < len(kv); i += 2 {
			if name := strings.ToLower(kv[i]); r.keyHeaders[name] {
				headers = append(headers, name, kv[i+1])
			}
		}
		return r.key(method, path, headers)
	}
	base := key("GET", "/prod/pets/1?kind=cat", "Accept", "application/json")
	for _, tt := range []struct {
		name string
		got  string
		same bool
	}{
		{"another query parameter", key("GET", "/prod/pets/1?kind=cat&page=2", "Accept", "application/json"), true},
		{"another header", key("GET", "/prod/pets/1?kind=cat", "Accept", "application/json", "User-Agent", "x"), true},
		{"another path parameter", key("GET", "/prod/pets/2?kind=cat", "Accept", "application/json"), false},
		{"another key parameter", key("GET", "/prod/pets/1?kind=dog", "Accept", "application/json"), false},
		{"another key header", key("GET", "/prod/pets/1?kind=cat", "Accept", "text/html"), false},
		{"a key header missing", key("GET", "/prod/pets/1?kind=cat"), false},
		{"another method", key("HEAD", "/prod/pets/1?kind=cat", "Accept", "application/json"), false},
		{"a value moved between parameters", key("GET", "/prod/pets/1?kind=", "Accept", "cat"), false},
	} {
		if (tt.got == base) != tt.same {
			t.Errorf("%s: same key %t, want %t", tt.name, tt.got == base, tt.same)
		}
	}
	r.Cache.Version = "v2"
	if key("GET", "/prod/pets/1?kind=cat", "Accept", "application/json") == base {
		t.Error("another configuration's version gives the same key")
	}
}

// TestTTL: an entry is served until its TTL to the second, and never after.
func TestTTL(t *testing.T) {
	tc := newTestCache(t, testRoute(ir.Cache{TTL: ir.Duration(10 * time.Second)}))
	tc.do(request("GET", "/prod/pets/1"), ok(`{"id":1}`)...)
	tc.advance(9999 * time.Millisecond)
	if out := tc.do(request("GET", "/prod/pets/1")); out.header["x-cache"] != "Hit" {
		t.Errorf("within the TTL: %+v, want a hit", out)
	}
	tc.advance(time.Millisecond)
	if out := tc.do(request("GET", "/prod/pets/1"), ok(`{"id":2}`)...); out.header["x-cache"] != "Miss" {
		t.Errorf("at the TTL: %+v, want a miss", out)
	}
	if out := tc.do(request("GET", "/prod/pets/1")); out.body != `{"id":2}` {
		t.Errorf("after the refetch: %+v, want the new response", out)
	}
}

// TestNotKept: what the cache does not keep is fetched again.
func TestNotKept(t *testing.T) {
	big := strings.Repeat("x", MaxBody+1)
	for _, tt := range []struct {
		name     string
		response []*extprocv3.ProcessingRequest
	}{
		{"a 5xx", []*extprocv3.ProcessingRequest{upstream("503", "via_upstream"), chunk("down", true)}},
		{"Envoy's own answer", []*extprocv3.ProcessingRequest{upstream("504", "upstream_response_timeout"), chunk("timeout", true)}},
		{"a body over 1 MiB", []*extprocv3.ProcessingRequest{upstream("200", "via_upstream"), chunk(big[:MaxBody], false), chunk(big[MaxBody:], true)}},
		{"a response cut short", []*extprocv3.ProcessingRequest{upstream("200", "via_upstream"), chunk("half", false)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tc := newTestCache(t, testRoute(ir.Cache{}))
			tc.do(request("GET", "/prod/pets/1"), tt.response...)
			if out := tc.do(request("GET", "/prod/pets/1"), ok(`{}`)...); out.header["x-cache"] != "Miss" {
				t.Errorf("after %s: %+v, want a miss", tt.name, out)
			}
		})
	}
	t.Run("a 404", func(t *testing.T) {
		tc := newTestCache(t, testRoute(ir.Cache{}))
		tc.do(request("GET", "/prod/pets/1"), upstream("404", "via_upstream"), chunk(`{"message":"no such pet"}`, true))
		if out := tc.do(request("GET", "/prod/pets/1")); out.status != 404 || out.header["x-cache"] != "Hit" {
			t.Errorf("after a 404: %+v, want it kept", out)
		}
	})
}

// TestVerbs: an ANY method caches its GET requests only; others bypass the cache.
func TestVerbs(t *testing.T) {
	r := testRoute(ir.Cache{Verbs: []string{"GET"}})
	r.HTTPMethod = "ANY"
	tc := newTestCache(t, r)
	tc.do(request("POST", "/prod/pets/1"), ok(`{"posted":1}`)...)
	if out := tc.do(request("POST", "/prod/pets/1"), ok(`{"posted":2}`)...); out.status != 0 || out.header["x-cache"] != "Bypass" {
		t.Errorf("a POST: %+v, want it bypassed", out)
	}
	tc.do(request("GET", "/prod/pets/1"), ok(`{"id":1}`)...)
	if out := tc.do(request("GET", "/prod/pets/1")); out.header["x-cache"] != "Hit" {
		t.Errorf("a GET: %+v, want a hit", out)
	}
}

// TestInvalidation: Cache-Control: max-age=0 refetches when the caller may invalidate (or the method does not
// ask), and otherwise gets the method's strategy.
func TestInvalidation(t *testing.T) {
	for _, tt := range []struct {
		name        string
		cache       ir.Cache
		allowed     bool
		wantStatus  int // the cache's own answer; 0: the integration was called
		wantBody    string
		wantWarning bool
	}{
		{"authorization not required", ir.Cache{}, false, 0, "", false},
		{"authorized caller", ir.Cache{RequireAuthorization: true}, true, 0, "", false},
		{"unauthorized, FAIL_WITH_403", ir.Cache{RequireAuthorization: true, Unauthorized: "FAIL_WITH_403"}, false, 403, `{"Message":"User is not authorized to access this resource"}`, false},
		{"unauthorized, SUCCEED_WITH_RESPONSE_HEADER", ir.Cache{RequireAuthorization: true, Unauthorized: "SUCCEED_WITH_RESPONSE_HEADER"}, false, 200, `{"id":1}`, true},
		{"unauthorized, SUCCEED_WITHOUT_RESPONSE_HEADER", ir.Cache{RequireAuthorization: true, Unauthorized: "SUCCEED_WITHOUT_RESPONSE_HEADER"}, false, 200, `{"id":1}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tc := newTestCache(t, testRoute(tt.cache))
			tc.do(request("GET", "/prod/pets/1"), ok(`{"id":1}`)...)
			req := request("GET", "/prod/pets/1", "cache-control", "no-store, max-age=0")
			if tt.allowed {
				fields, _ := structpb.NewStruct(map[string]any{names.InvalidateCacheField: true})
				req.MetadataContext = &core.Metadata{FilterMetadata: map[string]*structpb.Struct{names.ExtAuthzFilter: fields}}
			}
			out := tc.do(req, ok(`{"id":2}`)...)
			if out.status != tt.wantStatus || out.body != tt.wantBody || (out.header[warningHeader] != "") != tt.wantWarning {
				t.Errorf("%+v, want status %d, body %s, warned %t", out, tt.wantStatus, tt.wantBody, tt.wantWarning)
			}
			want := `{"id":1}`
			if tt.wantStatus == 0 {
				want = `{"id":2}` // refetched and kept
			}
			if out := tc.do(request("GET", "/prod/pets/1")); out.body != want {
				t.Errorf("the next request got %q, want %s", out.body, want)
			}
		})
	}
}

// TestCoalescing: concurrent misses for one key make one integration call; the others are answered with what
// it kept, or call the integration themselves when it kept nothing.
func TestCoalescing(t *testing.T) {
	for _, tt := range []struct {
		name      string
		response  []*extprocv3.ProcessingRequest
		wantCalls int32
	}{
		{"kept", ok(`{"id":1}`), 1},
		{"not kept", []*extprocv3.ProcessingRequest{upstream("500", "via_upstream"), chunk("oops", true)}, 6},
		{"the first request's client gone", nil, 6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tc := newTestCache(t, testRoute(ir.Cache{}))
			leader := tc.wrap(context.Background(), time.Now(), processor.PassThrough{})
			if resps, _ := leader.Handle(request("GET", "/prod/pets/1")); resps[0].GetImmediateResponse() != nil {
				t.Fatal("the first request was answered from an empty cache")
			}
			tc.calls.Add(1)
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() { tc.do(request("GET", "/prod/pets/1"), ok(`{"id":"follower"}`)...) })
			}
			time.Sleep(50 * time.Millisecond) // the followers are waiting
			for _, m := range tt.response {
				if _, err := leader.Handle(m); err != nil {
					t.Fatal(err)
				}
			}
			leader.(processor.Closer).Close()
			wg.Wait()
			if got := tc.calls.Load(); got != tt.wantCalls {
				t.Errorf("the integration got %d requests, want %d", got, tt.wantCalls)
			}
		})
	}
}

// TestEncrypted: a method with cacheDataEncrypted keeps its entries sealed in the store.
func TestEncrypted(t *testing.T) {
	tc := newTestCache(t, testRoute(ir.Cache{Encrypted: true}))
	tc.do(request("GET", "/prod/pets/1"), ok(`{"secret":"the body"}`)...)
	for _, v := range tc.svc.store.(*Memory).stage("a1/prod").entries.All() {
		if bytes.Contains(v.value, []byte("the body")) || v.value[0] != sealedFormat {
			t.Errorf("kept in the clear: %q", v.value)
		}
	}
	if out := tc.do(request("GET", "/prod/pets/1")); out.body != `{"secret":"the body"}` {
		t.Errorf("a sealed entry served %+v", out)
	}
}

// TestFlush: FlushStageCache forgets the stage's entries.
func TestFlush(t *testing.T) {
	tc := newTestCache(t, testRoute(ir.Cache{}))
	tc.do(request("GET", "/prod/pets/1"), ok(`{"id":1}`)...)
	if err := tc.svc.Flush(context.Background(), "a1", "prod"); err != nil {
		t.Fatal(err)
	}
	if out := tc.do(request("GET", "/prod/pets/1"), ok(`{"id":1}`)...); out.header["x-cache"] != "Miss" {
		t.Errorf("after a flush: %+v, want a miss", out)
	}
}

func TestInvalidates(t *testing.T) {
	for value, want := range map[string]bool{
		"max-age=0": true, "no-cache, max-age=0": true, `MAX-AGE="0"`: true, " max-age=0 ": true,
		"max-age=10": false, "no-cache": false, "": false, "max-age=00": false,
	} {
		if got := invalidates([]string{value}); got != want {
			t.Errorf("Cache-Control %q invalidates: %t, want %t", value, got, want)
		}
	}
}
