package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// TestGatewayResponses serves an API that customises its gateway responses, through a real Envoy: a refusal of
// each part of Tollgate (a route Envoy answers, the key check, request validation, a backend timing out) reaches
// the client as the API customised it, and a MOCK's own answer is left alone.
func TestGatewayResponses(t *testing.T) {
	requireEnvoy(t)
	backend := startBackend(t, "slow")
	cfg := newGatewayConfig(t)
	cfg.APIs = []apiConfig{{ID: "responses", Definition: "api.yaml", Stages: []stageConfig{
		{StageName: "prod", Variables: map[string]string{"backend": backend.addr, "name": "production"}},
	}}}
	gw := startGateway(t, cfg, map[string]string{"api.yaml": "gatewayresponses/api.yaml"})
	at := func(path string, header http.Header) call {
		return call{method: "GET", url: gw.url("/prod" + path), host: "responses." + domain, header: header}
	}

	t.Run("MISSING_AUTHENTICATION_TOKEN customised: status and body", func(t *testing.T) {
		c := at("/nowhere", nil)
		r := send(t, c)
		if r.status != 404 || r.body != `{"message": "no such route: Missing Authentication Token"}` {
			t.Fatalf("%s: %d %s", c, r.status, r.body)
		}
		checkString(t, c, "Access-Control-Allow-Origin (DEFAULT_4XX's, which a type of its own replaces)", r.header.Get("Access-Control-Allow-Origin"), "")
	})
	t.Run("DEFAULT_4XX on the key check's refusal: headers from a stage variable and the request", func(t *testing.T) {
		c := at("/keyed", http.Header{"X-Client": {"e2e"}})
		r := send(t, c)
		want := `{"error": "Forbidden", "type": "INVALID_API_KEY", "id": "` + r.header.Get("x-amzn-RequestId") + `", "stage": "prod"}`
		if r.status != 403 || r.body != want {
			t.Fatalf("%s: %d %s, want 403 %s", c, r.status, r.body, want)
		}
		checkString(t, c, "Access-Control-Allow-Origin", r.header.Get("Access-Control-Allow-Origin"), "*")
		checkString(t, c, "X-Stage", r.header.Get("X-Stage"), "production")
		checkString(t, c, "X-Asked-By", r.header.Get("X-Asked-By"), "e2e")
		checkString(t, c, "x-amzn-ErrorType", r.header.Get("x-amzn-ErrorType"), "ForbiddenException")
	})
	t.Run("the path forms on any host get the API's gateway responses too", func(t *testing.T) {
		c := call{method: "GET", url: gw.url("/restapis/responses/prod/_user_request_/keyed")}
		r := send(t, c)
		if r.status != 403 || r.header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(r.body, `"type": "INVALID_API_KEY"`) {
			t.Fatalf("%s: %d %s %v", c, r.status, r.body, r.header)
		}
		c = call{method: "GET", url: gw.url("/_aws/execute-api/responses/prod/nowhere")}
		if r := send(t, c); r.status != 404 || r.body != `{"message": "no such route: Missing Authentication Token"}` {
			t.Fatalf("%s: %d %s", c, r.status, r.body)
		}
	})
	t.Run("BAD_REQUEST_PARAMETERS customised, with the validator's message", func(t *testing.T) {
		c := at("/params", nil)
		r := send(t, c)
		if r.status != 400 || r.body != `{"missing": "Missing required request parameters: [q]"}` {
			t.Fatalf("%s: %d %s", c, r.status, r.body)
		}
	})
	t.Run("BAD_REQUEST_BODY customised with the validation error, as text", func(t *testing.T) {
		c := call{method: "POST", url: gw.url("/prod/pets"), host: "responses." + domain, body: `{"kind": "dog"}`,
			header: http.Header{"Content-Type": {"application/json"}}}
		r := send(t, c)
		if r.status != 400 || !strings.HasPrefix(r.body, "invalid: ") || !strings.Contains(r.body, "name") {
			t.Fatalf("%s: %d %q, want the validator's reason", c, r.status, r.body)
		}
		checkString(t, c, "Content-Type", r.header.Get("Content-Type"), "text/plain")
	})
	t.Run("INTEGRATION_TIMEOUT customised: status and a header, the default body", func(t *testing.T) {
		c := at("/slow", http.Header{"X-Echo-Sleep": {"2s"}})
		r := send(t, c)
		if r.status != 503 || r.body != `{"message":"Endpoint request timed out"}` {
			t.Fatalf("%s: %d %s", c, r.status, r.body)
		}
		checkString(t, c, "Retry-After", r.header.Get("Retry-After"), "1")
	})
	t.Run("a MOCK's own 404 is no gateway response", func(t *testing.T) {
		c := at("/ok", nil)
		r := send(t, c)
		if r.status != 404 || r.body != `{"found": false}` || r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("%s: %d %s %v", c, r.status, r.body, r.header)
		}
	})
}
