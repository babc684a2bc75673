package e2e

import (
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// TestGateway checks the request path of a running gateway: invocation URLs, routing, HTTP_PROXY and MOCK
// integrations. One gateway serves every subtest, since none of them changes it: starting Envoy is the slow part.
func TestGateway(t *testing.T) {
	requireEnvoy(t)
	a, b := startBackend(t, "A"), startBackend(t, "B")
	down := closedAddr(t)
	cfg := newGatewayConfig(t)
	cfg.APIs = []apiConfig{
		{ID: "petstore", Definition: "petstore.yaml", Stages: []stageConfig{
			{StageName: "prod", Variables: map[string]string{"backend": a.addr, "base": "v1", "down": down}},
			{StageName: "beta", Variables: map[string]string{"backend": b.addr, "base": "v2", "down": down}},
		}},
		{ID: "mocks", Definition: "mocks.yaml", Stages: []stageConfig{{StageName: "prod"}}},
	}
	gw := startGateway(t, cfg, map[string]string{"petstore.yaml": "gateway/petstore.yaml", "mocks.yaml": "gateway/mocks.yaml"})

	// user is the /restapis/{apiId}/{stage}/_user_request_ form, the one most subtests use.
	user := func(api, stage, path string) string {
		return gw.url("/restapis/" + api + "/" + stage + "/_user_request_" + path)
	}
	apiHost := "petstore." + domain

	t.Run("InvocationURLs", func(t *testing.T) {
		tests := []struct {
			name, host, path string
		}{
			{"host form", apiHost, "/prod/pets/42"},
			{"host form with the listener's port", apiHost + ":" + portOf(gw.cfg.Listen), "/prod/pets/42"},
			{"restapis form on the listener's address", "", "/restapis/petstore/prod/_user_request_/pets/42"},
			{"restapis form on another host", "gateway.example.com", "/restapis/petstore/prod/_user_request_/pets/42"},
			{"_aws form on the listener's address", "", "/_aws/execute-api/petstore/prod/pets/42"},
			{"_aws form on another host", "gateway.example.com:8443", "/_aws/execute-api/petstore/prod/pets/42"},
			// "On any host" includes the API's own host.
			{"restapis form on the API's host", apiHost, "/restapis/petstore/prod/_user_request_/pets/42"},
			{"_aws form on the API's host", apiHost, "/_aws/execute-api/petstore/prod/pets/42"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := call{method: "GET", url: gw.url(tt.path), host: tt.host}
				expectBackend(t, c, send(t, c), "A", "GET", "/param/42")
			})
		}
	})

	t.Run("Routing", func(t *testing.T) {
		tests := []struct {
			name, method, path string
			backend, wantURI   string // the backend and request URI it must see
		}{
			{"static resource", "GET", "/pets", "A", "/v1/pets"},
			{"static segment beats {param}", "GET", "/pets/mine", "A", "/static/mine"},
			{"{param} beats {param+}", "GET", "/pets/42", "A", "/param/42"},
			{"{param+} takes the rest", "GET", "/pets/42/toys/7", "A", "/greedy/pets/42/toys/7"},
			{"{param+} at the root", "GET", "/zoo", "A", "/greedy/zoo"},
			{"trailing slash on a static resource", "GET", "/pets/", "A", "/v1/pets"},
			{"trailing slash on a static segment", "GET", "/pets/mine/", "A", "/static/mine"},
			{"trailing slash on a {param}", "GET", "/pets/42/", "A", "/param/42"},
			{"second method of a resource", "POST", "/pets", "A", "/v1/pets"},
			{"ANY takes a method not defined explicitly", "POST", "/things", "A", "/things"},
			{"ANY takes DELETE", "DELETE", "/things", "A", "/things"},
			{"greedy ANY takes PATCH", "PATCH", "/a/b/c", "A", "/greedy/a/b/c"},
			{"greedy ANY takes PUT", "PUT", "/files/x.txt", "A", "/greedy/files/x.txt"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := call{method: tt.method, url: user("petstore", "prod", tt.path)}
				expectBackend(t, c, send(t, c), tt.backend, tt.method, tt.wantURI)
			})
		}
		t.Run("explicit GET beats ANY", func(t *testing.T) {
			c := call{method: "GET", url: user("petstore", "prod", "/things")}
			r := send(t, c)
			if r.status != http.StatusOK || r.body != `{"source": "mock"}` {
				t.Errorf("%s: got %d %s, want the GET MOCK's 200 {\"source\": \"mock\"}", c, r.status, r.body)
			}
		})
	})

	t.Run("MissingAuthenticationToken", func(t *testing.T) {
		tests := []struct {
			name, method, host, path string
		}{
			{"unknown path", "GET", "", "/restapis/mocks/prod/_user_request_/nothing"},
			{"unknown path under a known one", "GET", "", "/restapis/mocks/prod/_user_request_/health/more"},
			{"root resource not defined", "GET", "", "/restapis/petstore/prod/_user_request_/"},
			{"root resource not defined, host form", "GET", apiHost, "/prod/"},
			{"unknown stage", "GET", "", "/restapis/petstore/nostage/_user_request_/pets"},
			{"unknown stage, host form", "GET", apiHost, "/nostage/pets"},
			{"unknown stage, _aws form", "GET", "", "/_aws/execute-api/petstore/nostage/pets"},
			{"unknown API", "GET", "", "/restapis/nope/prod/_user_request_/pets"},
			{"unknown API, host form", "GET", "nope." + domain, "/prod/pets"},
			{"unknown API, _aws form", "GET", "", "/_aws/execute-api/nope/prod/pets"},
			{"no API at all", "GET", "", "/prod/pets"},
			{"method the resource lacks", "POST", "", "/restapis/mocks/prod/_user_request_/health"},
			// A resource that matches but lacks the method answers 403 rather than falling through to a
			// less specific resource that has it: API Gateway picks the resource first, then the method.
			{"method a static resource lacks, {param} sibling has it", "DELETE", "", "/restapis/petstore/prod/_user_request_/pets/mine"},
			{"method a {param} resource lacks, greedy resource has it", "DELETE", "", "/restapis/petstore/prod/_user_request_/pets/42"},
			{"method a resource lacks, greedy resource has it", "PUT", "", "/restapis/petstore/prod/_user_request_/pets"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := call{method: tt.method, url: gw.url(tt.path), host: tt.host}
				expectMissingToken(t, c, send(t, c))
			})
		}
	})

	t.Run("RequestIDs", func(t *testing.T) {
		// send checks every answer has one; here, that they differ from request to request.
		seen := map[string]string{}
		for _, c := range []call{
			{url: user("petstore", "prod", "/pets")},
			{url: user("petstore", "prod", "/pets")},
			{url: user("mocks", "prod", "/health")},
			{url: user("mocks", "prod", "/nothing")},
		} {
			id := send(t, c).header.Get("x-amzn-RequestId")
			if other, dup := seen[id]; dup && id != "" {
				t.Errorf("%s and %s answered with the same x-amzn-RequestId %q", other, c, id)
			}
			seen[id] = c.String()
		}
	})

	t.Run("HTTPProxyPassesRequestThrough", func(t *testing.T) {
		c := call{
			method: "POST",
			url:    user("petstore", "prod", "/pets?a=1&a=2&b=x%20y&empty="),
			header: http.Header{
				"Content-Type": {"application/json; charset=utf-8"},
				"X-Custom":     {"custom value"},
				"X-Multi":      {"one", "two"},
			},
			body: `{"name": "rex", "kind": "dog"}`,
		}
		e := expectBackend(t, c, send(t, c), "A", "POST", "/v1/pets?a=1&a=2&b=x%20y&empty=")
		if want := map[string][]string{"a": {"1", "2"}, "b": {"x y"}, "empty": {""}}; !reflect.DeepEqual(e.Query, want) {
			t.Errorf("query reaching the backend = %v, want %v", e.Query, want)
		}
		if e.Body != c.body {
			t.Errorf("body reaching the backend = %q, want %q", e.Body, c.body)
		}
		if e.Host != a.addr {
			t.Errorf("Host reaching the backend = %q, want the backend's own %q", e.Host, a.addr)
		}
		for name, want := range c.header {
			if got := e.Header.Values(name); !reflect.DeepEqual(got, want) {
				t.Errorf("header %s reaching the backend = %q, want %q", name, got, want)
			}
		}
	})

	t.Run("HTTPProxyReturnsBackendAnswer", func(t *testing.T) {
		for _, status := range []int{http.StatusOK, http.StatusCreated, http.StatusNotFound, http.StatusInternalServerError, http.StatusServiceUnavailable} {
			t.Run(http.StatusText(status), func(t *testing.T) {
				c := call{url: user("petstore", "prod", "/pets"), header: http.Header{"X-Echo-Status": {strconv.Itoa(status)}}}
				r := send(t, c)
				if r.status != status {
					t.Errorf("%s: status %d, want the backend's %d", c, r.status, status)
				}
				if e := decodeEcho(t, c, r); e.Backend != "A" {
					t.Errorf("%s: body from backend %s, want A", c, e.Backend)
				}
				for name, want := range map[string][]string{
					"Content-Type": {"application/json"},
					"Server":       {"e2e-backend"},
					"X-Backend":    {"A"},
					"Set-Cookie":   {"a=1", "b=2"},
				} {
					if got := r.header.Values(name); !reflect.DeepEqual(got, want) {
						t.Errorf("%s: response header %s = %q, want the backend's %q", c, name, got, want)
					}
				}
				if got := r.header.Get("x-amzn-ErrorType"); got != "" {
					t.Errorf("%s: a backend's %d carries x-amzn-ErrorType %q; it is not the gateway's error", c, status, got)
				}
			})
		}
	})

	t.Run("StageVariables", func(t *testing.T) {
		tests := []struct {
			stage, backend, uri string
		}{
			{"prod", "A", "/v1/pets"},
			{"beta", "B", "/v2/pets"},
		}
		for _, tt := range tests {
			t.Run(tt.stage, func(t *testing.T) {
				for _, c := range []call{
					{url: user("petstore", tt.stage, "/pets")},
					{url: gw.url("/" + tt.stage + "/pets"), host: apiHost},
				} {
					e := expectBackend(t, c, send(t, c), tt.backend, "GET", tt.uri)
					want := a.addr
					if tt.backend == "B" {
						want = b.addr
					}
					if e.Host != want {
						t.Errorf("%s: Host reaching the backend = %q, want %q", c, e.Host, want)
					}
				}
			})
		}
	})

	t.Run("HeaderMappings", func(t *testing.T) {
		for _, stage := range []string{"prod", "beta"} {
			t.Run(stage, func(t *testing.T) {
				c := call{
					url:    user("petstore", stage, "/pets/42?q=from-query"),
					header: http.Header{"X-Client-Tag": {"from-header"}},
				}
				r := send(t, c)
				e := decodeEcho(t, c, r)
				if e.RequestURI != "/param/42?q=from-query" {
					t.Errorf("%s: backend saw %s, want /param/42?q=from-query", c, e.RequestURI)
				}
				for name, want := range map[string]string{
					"X-Stage":       stage,          // context.stage
					"X-Static":      "static-value", // 'static-value'
					"X-From-Header": "from-header",  // method.request.header.X-Client-Tag
					"X-From-Query":  "from-query",   // method.request.querystring.q
					"X-Client-Tag":  "from-header",  // the original still passes through
				} {
					if got := e.Header.Values(name); !reflect.DeepEqual(got, []string{want}) {
						t.Errorf("%s: header %s reaching the backend = %q, want [%q]", c, name, got, want)
					}
				}
			})
		}
	})

	t.Run("IntegrationTimeout", func(t *testing.T) {
		// timeoutInMillis is 200; the backend would take a second.
		c := call{url: user("petstore", "prod", "/slow"), header: http.Header{"X-Echo-Sleep": {"1s"}}}
		r := send(t, c)
		if r.status != http.StatusGatewayTimeout || r.body != timeoutBody {
			t.Errorf("%s: got %d %s, want 504 %s", c, r.status, r.body, timeoutBody)
		}
		if got := r.header.Get("Content-Type"); got != "application/json" {
			t.Errorf("%s: Content-Type = %q, want application/json", c, got)
		}
		if r.elapsed > 800*time.Millisecond {
			t.Errorf("%s: the 504 took %v; with timeoutInMillis 200 it must come well under the backend's 1s", c, r.elapsed)
		}
		t.Logf("504 after %v (timeoutInMillis 200)", r.elapsed.Round(time.Millisecond))

		fast := call{url: user("petstore", "prod", "/slow"), header: http.Header{"X-Echo-Sleep": {"20ms"}}}
		expectBackend(t, fast, send(t, fast), "A", "GET", "/slow")
	})

	t.Run("BackendDown", func(t *testing.T) {
		c := call{url: user("petstore", "prod", "/down")}
		r := send(t, c)
		if r.status < 500 || r.status > 599 {
			t.Errorf("%s: status %d, want a 5xx", c, r.status)
		}
		expectJSONMessage(t, c, r, r.status, "")
		if r.elapsed > 3*time.Second {
			t.Errorf("%s: took %v to report a refused connection", c, r.elapsed)
		}
		t.Logf("backend down: %d %s after %v", r.status, r.body, r.elapsed.Round(time.Millisecond))
	})

	t.Run("Mock", func(t *testing.T) {
		tests := []struct {
			name, path string
			status     int
			body       string
			headers    map[string]string
		}{
			{"static response", "/health", 200, `{"status": "ok"}`,
				map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "X-Mock": "static-header"}},
			{"selection pattern picks 4\\d{2}", "/gone", 404, `{"message": "no such thing"}`,
				map[string]string{"Content-Type": "application/json", "X-Mock": "not-found"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, c := range []call{
					{url: user("mocks", "prod", tt.path)},
					{url: gw.url("/prod" + tt.path), host: "mocks." + domain},
				} {
					r := send(t, c)
					if r.status != tt.status || r.body != tt.body {
						t.Errorf("%s: got %d %s, want %d %s", c, r.status, r.body, tt.status, tt.body)
					}
					for name, want := range tt.headers {
						if got := r.header.Values(name); !reflect.DeepEqual(got, []string{want}) {
							t.Errorf("%s: header %s = %q, want [%q]", c, name, got, want)
						}
					}
				}
			})
		}
	})
}
