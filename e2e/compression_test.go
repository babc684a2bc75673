package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/compresstest"
)

// TestCompression serves an API with x-amazon-apigateway-minimum-compression-size through a real Envoy: a response
// of at least the minimum is gzip-compressed for a client that accepts gzip, and decompresses to the backend's
// answer; a smaller one, a client that accepts no gzip, and an API without the setting get the response as it is.
// A gzip request body is decompressed before the mapping template reads it.
func TestCompression(t *testing.T) {
	requireEnvoy(t)
	backend := startBackend(t, "echo")
	cfg := newGatewayConfig(t)
	cfg.APIs = []apiConfig{
		{ID: "packed", Definition: "api.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}}}},
		{ID: "plain", Definition: "plain.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}}}},
	}
	tg := startGateway(t, cfg, map[string]string{"api.yaml": "compression/api.yaml", "plain.yaml": "compression/plain.yaml"})
	large, small := strings.Repeat("x", 2000), "x"
	post := func(api, path, body, acceptEncoding string) reply {
		t.Helper()
		c := call{method: http.MethodPost, url: tg.url(path), host: api + "." + domain, body: body, header: http.Header{}}
		if acceptEncoding != "" {
			c.header.Set("Accept-Encoding", acceptEncoding) // set here, so Go's client leaves the body as it came
		}
		return send(t, c)
	}
	r := post("packed", "/prod/echo", large, "gzip, deflate")
	if r.status != http.StatusOK || r.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("a %d-byte answer to a client accepting gzip: %d, Content-Encoding %q", len(r.body), r.status, r.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	var e echo
	if err != nil || json.Unmarshal(plain, &e) != nil || e.Body != large {
		t.Errorf("the compressed answer decompresses to %d bytes (%v), want the backend's echo of the body", len(plain), err)
	}
	for _, tt := range []struct{ name, api, path, body, acceptEncoding string }{
		{"below the minimum size", "packed", "/prod/echo", small, "gzip"},
		{"a client accepting no gzip", "packed", "/prod/echo", large, ""},
		{"a client asking for identity", "packed", "/prod/echo", large, "identity"},
		{"an API without compression", "plain", "/prod/echo", large, "gzip"},
	} {
		r := post(tt.api, tt.path, tt.body, tt.acceptEncoding)
		if r.status != http.StatusOK || r.header.Get("Content-Encoding") != "" || !strings.Contains(r.body, `"backend":"echo"`) {
			t.Errorf("%s: %d, Content-Encoding %q, body %.80s; want the answer as it is", tt.name, r.status, r.header.Get("Content-Encoding"), r.body)
		}
	}

	t.Run("a compressed request body reaches the template decompressed", func(t *testing.T) {
		r := send(t, call{method: http.MethodPost, url: tg.url("/prod/pets"), host: "packed." + domain, body: compresstest.Gzip(t, `{"name": "Rex"}`),
			header: http.Header{"Content-Type": {"application/json"}, "Content-Encoding": {"gzip"}}})
		var e echo
		if err := json.Unmarshal([]byte(r.body), &e); err != nil || r.status != http.StatusOK {
			t.Fatalf("%d %s: %v", r.status, r.body, err)
		}
		if e.Body != `{"got": "Rex"}` || e.Header.Get("Content-Encoding") != "" {
			t.Errorf("the backend got %q, Content-Encoding %q; want the template's output of the decompressed body, not encoded", e.Body, e.Header.Get("Content-Encoding"))
		}
	})
}
