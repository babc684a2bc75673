package stagevars

import (
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"backend": "127.0.0.1:9000", "v": "v2"}
	tests := []struct {
		in, want, missing string
	}{
		{"http://${stageVariables.backend}/pets", "http://127.0.0.1:9000/pets", ""},
		{"http://h:${stageVariables.port}/${stageVariables.v}", "http://h:/v2", "port"},
		{"no references", "no references", ""},
		{"${stageVariables.b}${stageVariables.a}${stageVariables.b}", "", "a,b"},
		{"${stageVariables.}", "${stageVariables.}", ""},
	}
	for _, tt := range tests {
		got, missing := Expand(tt.in, vars)
		if got != tt.want || strings.Join(missing, ",") != tt.missing {
			t.Errorf("Expand(%q) = %q, missing %v; want %q, missing %q", tt.in, got, missing, tt.want, tt.missing)
		}
	}
}
