package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestMappingTemplates serves non-proxy integrations through a real Envoy: an HTTP (custom) integration whose
// request and response are both rewritten by VTL templates, parameter mappings and integration responses
// selected by the backend's status, and MOCKs answering from templates.
func TestMappingTemplates(t *testing.T) {
	requireEnvoy(t)
	backend := startBackend(t, "pets")
	fns := startFunctions(t, "echo", "fail")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"echo": fns["echo"].invokeURL(), "fail": fns["fail"].invokeURL()}}
	cfg.APIs = []apiConfig{{ID: "mapping", Definition: "api.yaml", Stages: []stageConfig{
		{StageName: "prod", Variables: map[string]string{"backend": backend.addr, "greeting": "hello"}},
	}}}
	gw := startGateway(t, cfg, map[string]string{"api.yaml": "mapping/api.yaml"})
	at := func(method, path, body string, header http.Header) call {
		return call{method: method, url: gw.url("/prod" + path), host: "mapping." + domain, body: body, header: header}
	}

	t.Run("request and response templates", func(t *testing.T) {
		c := at("POST", "/pets/7?mode=fast&ignored=1", `{"name": "Rex \"the dog\"", "tags": ["a", "b"]}`,
			http.Header{"Content-Type": {"application/json"}, "X-Not-Mapped": {"dropped"}})
		r := send(t, c)
		if r.status != 201 {
			t.Fatalf("%s: %d %s, want the default response's 201", c, r.status, r.body)
		}
		var got struct {
			Method, URI, StageHeader, Status, UserAgent string
			Sent                                        map[string]any
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatalf("%s: the response template's output is not JSON: %v\n%s", c, err, r.body)
		}
		// The backend was called with the integration's method, the URI's path filled from the path parameter,
		// and only the mapped query string.
		checkString(t, c, "backend method", got.Method, "PUT")
		checkString(t, c, "backend request URI", got.URI, "/v1/pets/7?mode=fast")
		checkString(t, c, "mapped static header", got.StageHeader, "fixed")
		checkString(t, c, "User-Agent at the backend", got.UserAgent, "AmazonAPIGateway_mapping")
		checkString(t, c, "pet", got.Sent["pet"].(string), `Rex "the dog"`)
		checkString(t, c, "tags", jsonText(got.Sent["tags"]), `["A","B"]`)
		checkString(t, c, "id", got.Sent["id"].(string), "7")
		checkString(t, c, "stage", got.Sent["stage"].(string), "prod")
		checkString(t, c, "caller", got.Sent["caller"].(string), "127.0.0.1")
		checkString(t, c, "X-Static", r.header.Get("X-Static"), "yes")
		checkString(t, c, "Content-Type", r.header.Get("Content-Type"), "application/json")
		// A non-proxy integration's client sees none of the backend's headers but those mapped.
		checkString(t, c, "X-Backend", r.header.Get("X-Backend"), "")
		if len(r.header.Values("Set-Cookie")) != 0 {
			t.Errorf("%s: the backend's Set-Cookie reached the client", c)
		}
	})
	t.Run("a backend 4XX selects its integration response", func(t *testing.T) {
		c := at("POST", "/pets/8", `{"name": "Tom"}`, http.Header{"Content-Type": {"application/json"}, "X-Status": {"404"}})
		r := send(t, c)
		if r.status != 400 || r.body != `{"error": "backend pets refused PUT"}` {
			t.Fatalf("%s: %d %s, want 400 from the 4XX response's template", c, r.status, r.body)
		}
		checkString(t, c, "X-Backend-Name (from the backend's X-Backend)", r.header.Get("X-Backend-Name"), "pets")
	})
	t.Run("WHEN_NO_TEMPLATES refuses a content type without a template", func(t *testing.T) {
		c := at("POST", "/pets/8", "name=Tom", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		expectJSONMessage(t, c, send(t, c), 415, "Unsupported Media Type")
	})
	t.Run("without templates the backend's body passes, its status becomes the default's", func(t *testing.T) {
		c := at("GET", "/plain", "", http.Header{"X-Status": {"500"}, "X-Echo-Status": {"404"}})
		r := send(t, c)
		if r.status != 200 {
			t.Fatalf("%s: %d %s, want the default response's 200 for the backend's 500", c, r.status, r.body)
		}
		e := decodeEcho(t, c, r)
		checkString(t, c, "backend request URI", e.RequestURI, "/plain")
		// X-Echo-Status came from the mapping of the client's X-Status; the client's own was not passed on.
		checkString(t, c, "X-Echo-Status at the backend", e.Header.Get("X-Echo-Status"), "500")
	})
	t.Run("HTTP_PROXY mappings Envoy cannot make: a query parameter, a placeholder from a header, a method", func(t *testing.T) {
		c := at("GET", "/proxied/42?a=1", "", http.Header{"X-Owner": {"ann"}, "X-Keep": {"kept"}})
		e := expectBackend(t, c, send(t, c), "pets", "POST", "/owners/ann/items?a=1&view=full")
		checkString(t, c, "X-Item (from the path parameter)", e.Header.Get("X-Item"), "42")
		checkString(t, c, "the client's own header", e.Header.Get("X-Keep"), "kept")
	})
	t.Run("HTTP_PROXY mappings from the body and every value of a query parameter", func(t *testing.T) {
		c := at("POST", "/proxied-body?t=a&t=b", `{"pet": {"name": "Rex"}}`, http.Header{"Content-Type": {"application/json"}})
		e := expectBackend(t, c, send(t, c), "pets", "POST", "/proxied-body?t=a&t=b&tag=a&tag=b")
		checkString(t, c, "X-Pet-Name (from the body)", e.Header.Get("X-Pet-Name"), "Rex")
		checkString(t, c, "the body, passed on", e.Body, `{"pet": {"name": "Rex"}}`)
	})
	t.Run("contentHandling CONVERT_TO_TEXT: a binary payload reaches the backend base64-encoded", func(t *testing.T) {
		c := at("POST", "/upload", "\x89PNG\r\n\x00\xff", http.Header{"Content-Type": {"image/png"}})
		r := send(t, c)
		if want := `{"received": "iVBORw0KAP8="}`; r.status != 200 || r.body != want {
			t.Fatalf("%s: %d %s, want %s", c, r.status, r.body, want)
		}
	})
	t.Run("a timeout is API Gateway's 504, not an integration response", func(t *testing.T) {
		c := at("GET", "/slow", "", nil)
		expectJSONMessage(t, c, send(t, c), 504, "Endpoint request timed out")
	})
	t.Run("AWS integration: the template's output is the function's payload", func(t *testing.T) {
		c := at("POST", "/orders", `{"item": "book", "qty": 2}`, http.Header{"Content-Type": {"application/json"}})
		r := send(t, c)
		// echo answers a proxy-shaped object whose body is the payload it got; the response template takes it out.
		if r.status != 200 || r.body != `{"order": {"item":"book","qty":2}, "by": "127.0.0.1"}` {
			t.Fatalf("%s: %d %s", c, r.status, r.body)
		}
		checkString(t, c, "Content-Type", r.header.Get("Content-Type"), "application/json")
		checkString(t, c, "the function's own headers", r.header.Get("X-Echo"), "")
	})
	t.Run("AWS integration: a function error selected by its errorMessage", func(t *testing.T) {
		c := at("POST", "/orders/fail", `{}`, http.Header{"Content-Type": {"application/json"}})
		r := send(t, c)
		if r.status != 409 || r.body != `{"failed": "boom"}` {
			t.Fatalf("%s: %d %s, want 409 from the pattern matching errorMessage", c, r.status, r.body)
		}
	})
	t.Run("AWS integration: an error no pattern selects takes the default, its body the error document", func(t *testing.T) {
		c := at("POST", "/orders/unselected", `{}`, http.Header{"Content-Type": {"application/json"}})
		r := send(t, c)
		var doc struct{ ErrorMessage, ErrorType string }
		if err := json.Unmarshal([]byte(r.body), &doc); r.status != 200 || err != nil || doc.ErrorMessage != "boom" {
			t.Fatalf("%s: %d %s, want 200 with Lambda's error document, as API Gateway answers", c, r.status, r.body)
		}
	})
	t.Run("request validation", func(t *testing.T) {
		valid := http.Header{"Content-Type": {"application/json"}, "X-Client": {"e2e"}}
		tests := []struct {
			name, path, body string
			header           http.Header
			status           int
			message          string // the gateway's, or "" for the backend's answer
		}{
			{"valid", "/validated?mode=a", `{"name": "Rex", "price": 3, "kind": "dog"}`, valid, 200, ""},
			{"both parameters missing", "/validated", `{"name": "Rex"}`, http.Header{"Content-Type": {"application/json"}}, 400,
				"Missing required request parameters: [X-Client, mode]"},
			{"a header missing", "/validated?mode=a", `{"name": "Rex"}`, http.Header{"Content-Type": {"application/json"}}, 400,
				"Missing required request parameters: [X-Client]"},
			{"a required property missing", "/validated?mode=a", `{"price": 3}`, valid, 400, "Invalid request body"},
			{"an enum through a $ref", "/validated?mode=a", `{"name": "Rex", "kind": "fish"}`, valid, 400, "Invalid request body"},
			{"not JSON", "/validated?mode=a", `{"name":`, valid, 400, "Invalid request body"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := at("POST", tt.path, tt.body, tt.header)
				r := send(t, c)
				if tt.message == "" {
					expectBackend(t, c, r, "pets", "POST", "/validated?mode=a")
					return
				}
				expectJSONMessage(t, c, r, tt.status, tt.message)
				checkString(t, c, "x-amzn-ErrorType", r.header.Get("x-amzn-ErrorType"), "BadRequestException")
			})
		}
		c := at("GET", "/validated/params", "", nil)
		expectJSONMessage(t, c, send(t, c), 400, "Missing required request parameters: [page]")
		c = at("GET", "/validated/params?page=2", "", nil)
		if r := send(t, c); r.status != 200 || r.body != `{"ok": true}` {
			t.Errorf("%s: %d %s", c, r.status, r.body)
		}
	})
	t.Run("MOCK from VTL", func(t *testing.T) {
		c := at("GET", "/hello?who=ann", "", nil)
		r := send(t, c)
		if r.status != 200 || strings.TrimSpace(r.body) != `{"stage": "prod", "greeting": "hello", "who": "ann"}` {
			t.Fatalf("%s: %d %q", c, r.status, r.body)
		}
		checkString(t, c, "X-Greeting", r.header.Get("X-Greeting"), "hi")
		checkString(t, c, "X-Override", r.header.Get("X-Override"), "GET /hello")
		c = at("GET", "/hello?fail=yes", "", nil)
		r = send(t, c)
		if want := `{"message": "failed for ` + r.header.Get("x-amzn-RequestId") + `"}`; r.status != 503 || r.body != want {
			t.Fatalf("%s: %d %s, want 503 %s", c, r.status, r.body, want)
		}
	})
	t.Run("MOCK with passthrough NEVER", func(t *testing.T) {
		c := at("POST", "/strict", "{}", http.Header{"Content-Type": {"application/json; charset=utf-8"}})
		r := send(t, c)
		if r.status != 200 || r.body != `{"accepted": "application/json; charset=utf-8"}` {
			t.Fatalf("%s: %d %s", c, r.status, r.body)
		}
		c = at("POST", "/strict", "x", http.Header{"Content-Type": {"text/plain"}})
		expectJSONMessage(t, c, send(t, c), 415, "Unsupported Media Type")
	})
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
