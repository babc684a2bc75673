package gatewayresponse

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	vars := func(name string) (string, bool) {
		switch name {
		case "context.error.messageString":
			return `"Forbidden"`, true
		case "context.requestId":
			return "req-1", true
		case "stageVariables.env":
			return "prod", true
		}
		return "", false
	}
	tests := []struct{ name, template, want string }{
		{"references in JSON", `{"message": $context.error.messageString, "id": "$context.requestId"}`, `{"message": "Forbidden", "id": "req-1"}`},
		{"braced", `${context.requestId}-${stageVariables.env}`, `req-1-prod`},
		{"a sentence's full stop is not part of the name", `env $stageVariables.env.`, `env prod.`},
		{"an unknown variable is left as written", `$context.nope and $1 and $`, `$context.nope and $1 and $`},
		{"an unclosed brace is text", `${context.requestId`, `${context.requestId`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Render(tt.template, vars, func(s string) string { return s }); got != tt.want {
				t.Errorf("Render(%q) = %q, want %q", tt.template, got, tt.want)
			}
		})
	}
	// The text around the variables goes through literal: Envoy's formatters escape its %.
	if got := Render(`100% $context.requestId`, vars, func(s string) string { return strings.ReplaceAll(s, "%", "%%") }); got != `100%% req-1` {
		t.Errorf("literal: %q", got)
	}
}

func TestSetFor(t *testing.T) {
	own, client, server := &Custom{Status: 404}, &Custom{Status: 499}, &Custom{Status: 599}
	s := Set{MissingAuthenticationToken: own, Default4XX: client, Default5XX: server}
	for _, tt := range []struct {
		t    Type
		want *Custom
	}{
		{MissingAuthenticationToken, own}, {InvalidAPIKey, client}, {Throttled, client},
		{APIConfigurationError, server}, {IntegrationTimeout, server}, {AuthorizerFailure, server},
	} {
		if got := s.For(tt.t); got != tt.want {
			t.Errorf("For(%s) = %+v, want %+v", tt.t, got, tt.want)
		}
	}
	if (Set{Default4XX: client}).For(APIConfigurationError) != nil {
		t.Error("DEFAULT_4XX applies to a 5XX type")
	}
}
