package parametermapping

import (
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

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
			if got := mappedQuery(tt.rawQuery, tt.mappings, read); got != tt.want {
				t.Errorf("mappedQuery(%q) = %q, want %q", tt.rawQuery, got, tt.want)
			}
		})
	}
}

// TestRequestValuesJoined: a header or query parameter given more than once maps as its values comma-joined, as
// API Gateway combines them.
func TestRequestValuesJoined(t *testing.T) {
	r := &ir.Route{Method: ir.Method{Stage: ir.DefaultStage, Resource: "/a"}, PathRegex: "^/a/?$", HTTPProxy: &ir.HTTPProxy{ServiceQuery: []ir.QueryMapping{
		{Name: "h", Source: ir.ValueSource{Kind: ir.RequestHeader, Value: "x-a"}},
		{Name: "q", Source: ir.ValueSource{Kind: ir.QueryParameter, Value: "k"}},
	}}}
	routes, err := Service{}.Routes(&ir.Snapshot{APIs: []ir.API{{Routes: []*ir.Route{r}}}})
	if err != nil {
		t.Fatal(err)
	}
	var headers []*core.HeaderValue
	for _, h := range [][2]string{{":path", "/a?k=1&k=2"}, {"x-a", "u"}, {"x-a", "v"}} {
		headers = append(headers, &core.HeaderValue{Key: h[0], RawValue: []byte(h[1])})
	}
	resps, err := routes[r.Name](time.Now()).Handle(&extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{
		RequestHeaders: &extprocv3.HttpHeaders{Headers: &core.HeaderMap{Headers: headers}, EndOfStream: true}}})
	if err != nil || len(resps) != 1 {
		t.Fatalf("Handle = %v, %v", resps, err)
	}
	set := resps[0].GetRequestHeaders().GetResponse().GetHeaderMutation().GetSetHeaders()
	if len(set) != 1 || set[0].GetHeader().GetKey() != ":path" || string(set[0].GetHeader().GetRawValue()) != "/a?k=1&k=2&h=u%2Cv&q=1%2C2" {
		t.Errorf("mutation %v, want :path /a?k=1&k=2&h=u%%2Cv&q=1%%2C2", set)
	}
}
