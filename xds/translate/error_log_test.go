package translate

import (
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/accesslog"
)

func TestCELOfLocalReplyFilters(t *testing.T) {
	for _, tt := range []struct {
		name, want string
		got        func() string
	}{
		{"one flag", "(response.flags / 4 - response.flags / 8 * 2 == 1)", func() string { return celOf(byFlags("UT")) }},
		{"any of two flags", "(response.flags / 32 - response.flags / 64 * 2 == 1) || (response.flags / 2 - response.flags / 4 * 2 == 1)",
			func() string { return celOf(byFlags("UF", "UH")) }},
		{"a status", "response.code == 413", func() string { return celOf(byStatus(413)) }},
		{"CEL", "response.code_details == 'x'", func() string { return celOf(byCEL("response.code_details == 'x'")) }},
		{"all of", "(response.code == 429) && (a)", func() string { return celOf(allOf(byStatus(429), byCEL("a"))) }},
	} {
		if got := tt.got(); got != tt.want {
			t.Errorf("%s: %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// Every reply Envoy makes itself has its CEL condition, and the variables' expressions hold nothing Envoy's
// formatter would read as the end of %CEL(...)% or another operator.
func TestErrorOperators(t *testing.T) {
	for _, httpAPI := range []bool{false, true} {
		op := errorOperator(httpAPI)
		for _, v := range []string{accesslog.ErrorMessage, accesslog.ErrorMessageString, accesslog.ErrorResponseType} {
			expr := op(v)
			inner := strings.TrimSuffix(strings.TrimPrefix(expr, "%CEL("), ")%")
			if strings.Contains(inner, "%") || !strings.HasPrefix(expr, "%CEL(") {
				t.Errorf("%s (HTTP API %v): %s", v, httpAPI, expr)
			}
		}
	}
}
