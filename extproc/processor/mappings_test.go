package processor

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

// TestMappedQuery maps a client's query string as the HTTP API guide's parameter mapping does: overwrite replaces
// every value of the parameter, append adds one; a value that comes out empty maps nothing; the client's other
// parameters keep their order and their encoding.
func TestMappedQuery(t *testing.T) {
	header := func(name string) ir.ValueSource { return ir.ValueSource{Kind: ir.RequestHeader, Value: name} }
	read := func(src ir.ValueSource) string {
		if src.Kind == ir.Static {
			return src.Value
		}
		return map[string]string{"x-user": "a b&c", "x-empty": ""}[src.Value]
	}
	tests := []struct {
		name, rawQuery string
		mappings       []ir.QueryMapping
		want           string
	}{
		{"overwrite an absent parameter", "", []ir.QueryMapping{{Name: "user", Source: header("x-user")}}, "?user=a+b%26c"},
		{"overwrite every value, the rest kept as sent", "k=1&user=x&z=%2F&user=y", []ir.QueryMapping{{Name: "user", Source: header("x-user")}},
			"?k=1&z=%2F&user=a+b%26c"},
		{"overwrite a parameter whose name is encoded", "us%65r=x", []ir.QueryMapping{{Name: "user", Source: header("x-user")}}, "?user=a+b%26c"},
		{"append", "user=x", []ir.QueryMapping{{Name: "user", Source: header("x-user"), Append: true}}, "?user=x&user=a+b%26c"},
		{"an empty value maps nothing", "user=x", []ir.QueryMapping{{Name: "user", Source: header("x-empty")}}, "?user=x"},
		{"a missing value, no query at all", "", []ir.QueryMapping{{Name: "user", Source: header("x-missing")}}, ""},
		{"interpolated", "", []ir.QueryMapping{{Name: "who", Parts: []ir.ValueSource{{Kind: ir.Static, Value: "u-"}, header("x-user")}}}, "?who=u-a+b%26c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MappedQuery(tt.rawQuery, tt.mappings, read); got != tt.want {
				t.Errorf("MappedQuery(%q) = %q, want %q", tt.rawQuery, got, tt.want)
			}
		})
	}
}

// TestMapHeaders maps a request's headers as the HTTP API guide's parameter mapping does: remove and overwrite
// drop the client's values whatever their case, append keeps them, an empty value maps nothing.
func TestMapHeaders(t *testing.T) {
	static := func(v string) ir.ValueSource { return ir.ValueSource{Kind: ir.Static, Value: v} }
	read := func(src ir.ValueSource) string { return src.Value }
	headers := [][2]string{{"X-Tag", "client"}, {"X-Drop", "1"}, {"x-set", "old"}, {"X-Set", "old2"}}
	got := MapHeaders(headers, []ir.HeaderMapping{{Name: "x-set", Source: static("new")}, {Name: "x-tag", Source: static("mapped"), Append: true},
		{Name: "x-none", Source: static("")}, {Name: "x-path", Source: static("/a")}}, []string{"x-drop"}, read)
	want := [][2]string{{"X-Tag", "client"}, {"x-set", "new"}, {"x-tag", "mapped"}, {"x-path", "/a"}}
	if !slices.Equal(got, want) {
		t.Errorf("MapHeaders = %q, want %q", got, want)
	}
}

// FuzzMappedQuery: whatever the client's query string and the mapped value, an overwritten parameter has the
// mapped value alone, and the other parameters keep theirs.
func FuzzMappedQuery(f *testing.F) {
	f.Add("k=1&user=x&z=%2F&user=y", "a b&c")
	f.Add("us%65r=x&%zz=1", "=")
	f.Add("", "v")
	f.Fuzz(func(t *testing.T, rawQuery, value string) {
		read := func(ir.ValueSource) string { return value }
		got := MappedQuery(rawQuery, []ir.QueryMapping{{Name: "user", Source: ir.ValueSource{Kind: ir.RequestHeader}}}, read)
		if value == "" {
			return
		}
		after, err := url.ParseQuery(strings.TrimPrefix(got, "?"))
		if err != nil {
			return // the client's own pairs may not parse; the mapped one always does
		}
		if vs := after["user"]; len(vs) != 1 || vs[0] != value {
			t.Fatalf("MappedQuery(%q) = %q: user %q, want [%q]", rawQuery, got, vs, value)
		}
		before, _ := url.ParseQuery(rawQuery)
		for name, vs := range before {
			if name != "user" && !slices.Equal(after[name], vs) {
				t.Fatalf("MappedQuery(%q) = %q: %s %q, want %q", rawQuery, got, name, after[name], vs)
			}
		}
	})
}

// TestRequestValuesRead reads each source a parameter mapping may name: repeated headers and parameters
// comma-joined, a body's JSONPath (a string's text, anything else its JSON), an authorizer's context and a JWT's
// claims by path; "" for what the request lacks.
func TestRequestValuesRead(t *testing.T) {
	v := &RequestValues{
		Headers: http.Header{"X-A": {"1", "2"}}, Query: url.Values{"q": {"a", "b"}}, PathParameters: map[string]string{"id": "7"},
		Path: "/prod/pets/7", Body: []byte(`{"pet": {"name": "Rex", "tags": ["a"]}}`), RequestID: "r1", Method: "GET", SourceIP: "192.0.2.1",
		Authorizer: map[string]any{"lambda": map[string]any{"user": "ann", "n": 2.0}}, JWT: map[string]any{"claims": map[string]any{"sub": "u-1"}},
	}
	for _, tt := range []struct {
		src  ir.ValueSource
		want string
	}{
		{ir.ValueSource{Kind: ir.Static, Value: "s"}, "s"},
		{ir.ValueSource{Kind: ir.RequestHeader, Value: "x-a"}, "1,2"},
		{ir.ValueSource{Kind: ir.QueryParameter, Value: "q"}, "a,b"},
		{ir.ValueSource{Kind: ir.PathParameter, Value: "id"}, "7"},
		{ir.ValueSource{Kind: ir.RequestPath}, "/prod/pets/7"},
		{ir.ValueSource{Kind: ir.RequestBodyPath, Value: "$.pet.name"}, "Rex"},
		{ir.ValueSource{Kind: ir.RequestBodyPath, Value: "$.pet.tags"}, `["a"]`},
		{ir.ValueSource{Kind: ir.RequestBodyPath, Value: "$.nope"}, ""},
		{ir.ValueSource{Kind: ir.RequestID}, "r1"},
		{ir.ValueSource{Kind: ir.HTTPMethod}, "GET"},
		{ir.ValueSource{Kind: ir.SourceIP}, "192.0.2.1"},
		{ir.ValueSource{Kind: ir.AuthorizerValue, Value: "lambda.user"}, "ann"},
		{ir.ValueSource{Kind: ir.AuthorizerValue, Value: "lambda.n"}, "2"},
		{ir.ValueSource{Kind: ir.AuthorizerValue, Value: "lambda.none"}, ""},
		{ir.ValueSource{Kind: ir.JWTClaim, Value: "sub"}, "u-1"},
		{ir.ValueSource{Kind: ir.IntegrationHeader, Value: "x-a"}, ""}, // a response's, not the request's
	} {
		if got := v.Read(tt.src); got != tt.want {
			t.Errorf("Read(%v) = %q, want %q", tt.src, got, tt.want)
		}
	}
	if got := ResponseValues(http.Header{"X-B": {"1", "2"}})(ir.ValueSource{Kind: ir.IntegrationHeader, Value: "x-b"}); got != "1,2" {
		t.Errorf("a response header read %q, want 1,2", got)
	}
}
