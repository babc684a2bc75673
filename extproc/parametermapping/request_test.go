package parametermapping

import (
	"testing"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

// TestRequestValuesJoined: a header or query parameter given more than once maps as its values comma-joined, as
// API Gateway combines them.
func TestRequestValuesJoined(t *testing.T) {
	r := &ir.Route{Method: ir.Method{Stage: ir.DefaultStage, Resource: "/a"}, PathRegex: "^/a/?$", HTTPProxy: &ir.HTTPProxy{RequestMappings: ir.RequestMappings{ServiceQuery: []ir.QueryMapping{
		{Name: "h", Source: ir.ValueSource{Kind: ir.RequestHeader, Value: "x-a"}},
		{Name: "q", Source: ir.ValueSource{Kind: ir.QueryParameter, Value: "k"}},
	}}}}
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
