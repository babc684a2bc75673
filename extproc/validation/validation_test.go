package validation

import (
	"log/slog"
	"testing"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/compresstest"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

func snapshot() *ir.Snapshot {
	return &ir.Snapshot{APIs: []ir.API{{
		ID:     "abc",
		Models: map[string]string{"Pet": `{"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}`},
		Routes: []*ir.Route{
			{Name: "abc/prod/POST/pets", Validation: &ir.Validation{
				Required: []string{"method.request.header.X-Client", "method.request.querystring.mode"},
				Models:   map[string]string{"application/json": "Pet"},
			}},
			{Name: "abc/prod/GET/pets"},
		},
	}}}
}

func newChecker(t *testing.T, route string) processor.Checker {
	t.Helper()
	checks, err := Check{Log: slog.New(slog.DiscardHandler)}.Checks(snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := checks["abc/prod/GET/pets"]; ok {
		t.Fatal("a route without validation is checked")
	}
	return checks[route]()
}

func headers(endOfStream bool, pairs ...string) *extprocv3.ProcessingRequest {
	m := &core.HeaderMap{}
	pairs = append(pairs, names.EnvoyRequestIDHeader, "req-1")
	for i := 0; i < len(pairs); i += 2 {
		m.Headers = append(m.Headers, &core.HeaderValue{Key: pairs[i], RawValue: []byte(pairs[i+1])})
	}
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{
		RequestHeaders: &extprocv3.HttpHeaders{Headers: m, EndOfStream: endOfStream}}}
}

func body(chunk string, end bool) *extprocv3.ProcessingRequest {
	return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{
		RequestBody: &extprocv3.HttpBody{Body: []byte(chunk), EndOfStream: end}}}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		chunks  []string // the body in chunks; nil for none
		want    string   // the refusal's body, "" to go on
	}{
		{"valid", []string{":path", "/prod/pets?mode=a", "x-client", "c", "content-type", "application/json"}, []string{`{"na`, `me": "Rex"}`}, ""},
		{"a header in another case", []string{":path", "/prod/pets?mode=a", "X-Client", "c"}, []string{`{"name": "Rex"}`}, ""},
		{"both missing, named as written", []string{":path", "/prod/pets"}, []string{`{"name": "Rex"}`},
			`{"message":"Missing required request parameters: [X-Client, mode]"}`},
		{"an empty query value is present", []string{":path", "/prod/pets?mode=", "x-client", "c"}, []string{`{"name": "Rex"}`}, ""},
		{"the body against its model", []string{":path", "/prod/pets?mode=a", "x-client", "c"}, []string{`{"nom": "Rex"}`},
			`{"message":"Invalid request body"}`},
		{"no body where a model applies", []string{":path", "/prod/pets?mode=a", "x-client", "c"}, nil, `{"message":"Invalid request body"}`},
		{"a content type without a model is not validated", []string{":path", "/prod/pets?mode=a", "x-client", "c", "content-type", "text/plain"},
			[]string{`not json`}, ""},
		// As API Gateway, a compressed body is validated decompressed.
		{"a gzip body, valid", []string{":path", "/prod/pets?mode=a", "x-client", "c", "content-encoding", "gzip"}, []string{compresstest.Gzip(t, `{"name": "Rex"}`)}, ""},
		{"a gzip body, invalid", []string{":path", "/prod/pets?mode=a", "x-client", "c", "content-encoding", "gzip"}, []string{compresstest.Gzip(t, `{"nom": "Rex"}`)},
			`{"message":"Invalid request body"}`},
		{"a body that is not the gzip it says", []string{":path", "/prod/pets?mode=a", "x-client", "c", "content-encoding", "gzip"}, []string{`{"name": "Rex"}`},
			`{"message":"Invalid request body"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChecker(t, "abc/prod/POST/pets")
			var refusal *extprocv3.ProcessingResponse
			refusal = c.Request(headers(tt.chunks == nil, tt.headers...))
			for i, chunk := range tt.chunks {
				if refusal != nil {
					break
				}
				refusal = c.Request(body(chunk, i == len(tt.chunks)-1))
			}
			got := string(refusal.GetImmediateResponse().GetBody())
			if got != tt.want {
				t.Fatalf("refusal %q, want %q", got, tt.want)
			}
			if tt.want != "" && refusal.GetImmediateResponse().GetStatus().GetCode() != 400 {
				t.Errorf("status %d", refusal.GetImmediateResponse().GetStatus().GetCode())
			}
		})
	}
}
