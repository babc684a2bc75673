package accesslog

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		format, want, problem string
	}{
		{format: `$context.identity.sourceIp [$context.requestTime] "$context.httpMethod $context.resourcePath" $context.status`,
			want: `%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% [%START_TIME(%d/%b/%Y:%H:%M:%S %z)%] "%REQ(:METHOD)% %METADATA(ROUTE:tollgate:resourcePath)%" %RESPONSE_CODE%` + "\n"},
		{format: `{"id": "$context.requestId", "key": "$context.identity.apiKeyId"}`,
			want: `{"id": "%REQ(x-request-id)%", "key": "%DYNAMIC_METADATA(envoy.filters.http.ext_authz:apiKeyId)%"}` + "\n"},
		{format: `status $context.status.`, want: "status %RESPONSE_CODE%.\n"},
		{format: `100% of $context.authorizer.claims.email and $context.authorizer.principalId`,
			want: "100%% of %DYNAMIC_METADATA(envoy.filters.http.ext_authz:authorizer:claims:email)% and %DYNAMIC_METADATA(envoy.filters.http.ext_authz:authorizer:principalId)%\n"},
		{format: "two\nlines $context.status", want: "two lines %RESPONSE_CODE%\n"},
		{format: `$context.wafResponseCode $context.status $context.xrayTraceId`, problem: "$context.wafResponseCode, $context.xrayTraceId: not a $context variable Tollgate logs"},
		{format: `$context.identity.apiKey`, problem: "$context.identity.apiKey cannot be logged: it is the API key's value, a secret"},
		{format: `$context.error.responseType: $context.error.message ($context.error.messageString)`, want: "<error.responseType>: <error.message> (<error.messageString>)\n"},
		{format: `$context.authorizer.`, problem: "$context.authorizer: not a $context variable"},
	} {
		parts, err := Parse(tt.format)
		switch {
		case tt.problem != "":
			if err == nil || !strings.Contains(err.Error(), tt.problem) {
				t.Errorf("Parse(%q) = %v, want %q", tt.format, err, tt.problem)
			}
		case err != nil:
			t.Errorf("Parse(%q): %v", tt.format, err)
		case EnvoyFormat(parts, placeholder) != tt.want:
			t.Errorf("Parse(%q) writes\n%s\nwant\n%s", tt.format, EnvoyFormat(parts, placeholder), tt.want)
		}
	}
}

// placeholder stands for the translator's operators of the gateway response's variables.
func placeholder(variable string) string { return "<" + variable + ">" }

// FuzzParse: any format parses or is refused, and what parses is one line for Envoy, its text's % escaped.
func FuzzParse(f *testing.F) {
	f.Add(`$context.identity.sourceIp [$context.requestTime] "$context.httpMethod" 100%`)
	f.Add(`$context.authorizer.claims.a.b $context.$context.`)
	f.Fuzz(func(t *testing.T, format string) {
		parts, err := Parse(format)
		if err != nil {
			return
		}
		out := EnvoyFormat(parts, placeholder)
		if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
			t.Errorf("%q writes %q: want one line", format, out)
		}
		for _, p := range parts {
			if p.Variable != "" && !IsError(p.Variable) {
				if _, ok := Operator(p.Variable); !ok {
					t.Errorf("%q parsed with a variable it cannot write: %s", format, p.Variable)
				}
			}
		}
	})
}
