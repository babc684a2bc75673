package parametermapping

import (
	"net/http"
	"slices"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

// TestResponseMutation applies response mappings as the HTTP API guide's "Transforming API responses" describes them:
// overwrite and append of headers with static text and the response's own headers interpolated, removal, the
// status replaced; a value that comes out empty sets nothing.
func TestResponseMutation(t *testing.T) {
	static := func(v string) ir.ValueSource { return ir.ValueSource{Kind: ir.Static, Value: v} }
	header := func(name string) ir.ValueSource { return ir.ValueSource{Kind: ir.IntegrationHeader, Value: name} }
	headers := http.Header{"X-Backend": {"b1"}, "Set-Cookie": {"a=1", "b=2"}}
	tests := []struct {
		name    string
		m       *ir.ResponseMapping
		set     []string // name=value, +name=value for an append
		removed []string
	}{
		{name: "no mapping for the status"},
		{name: "static and interpolated values, the status",
			m: &ir.ResponseMapping{Status: 202, Headers: []ir.HeaderMapping{
				{Name: "x-static", Source: static("v")},
				{Name: "x-origin", Parts: []ir.ValueSource{static("from "), header("x-backend")}},
				{Name: "x-cookies", Source: header("set-cookie"), Append: true},
			}},
			set: []string{"x-static=v", "x-origin=from b1", "+x-cookies=a=1,b=2", ":status=202"}},
		{name: "a missing header's value sets nothing; removals",
			m:       &ir.ResponseMapping{Headers: []ir.HeaderMapping{{Name: "x-none", Source: header("x-absent")}}, RemoveHeaders: []string{"x-backend"}},
			removed: []string{"x-backend"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mutation := responseMutation(tt.m, headers)
			if tt.m == nil {
				if mutation != nil {
					t.Fatalf("mutation %v for no mapping", mutation)
				}
				return
			}
			var set []string
			for _, h := range mutation.GetSetHeaders() {
				prefix := ""
				if h.GetAppendAction().String() == "APPEND_IF_EXISTS_OR_ADD" {
					prefix = "+"
				}
				set = append(set, prefix+h.GetHeader().GetKey()+"="+string(h.GetHeader().GetRawValue()))
			}
			if !slices.Equal(set, tt.set) || !slices.Equal(mutation.GetRemoveHeaders(), tt.removed) {
				t.Errorf("set %q removed %q, want %q and %q", set, mutation.GetRemoveHeaders(), tt.set, tt.removed)
			}
		})
	}
}
