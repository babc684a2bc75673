package lambdaauth

import (
	"maps"
	"strings"
	"testing"
)

// TestParseSimple reads simple responses: the HTTP API guide's example ("Lambda function response for format
// 2.0"), a refusal, the error documents runtimes answer with, and what is no simple response.
func TestParseSimple(t *testing.T) {
	tests := []struct {
		name, functionError, payload string // payload inline, or @fixture
		authorized                   bool
		context                      map[string]string
		unauthorized                 bool
		misconfigured                string // part of the reason; "" for an answer
	}{
		{name: "the guide's example", payload: "@simple-allow.json", authorized: true, context: map[string]string{"exampleKey": "exampleValue"}},
		{name: "refused", payload: `{"isAuthorized": false}`},
		{name: "context values as text", payload: `{"isAuthorized": true, "context": {"n": 2, "b": false}}`, authorized: true, context: map[string]string{"n": "2", "b": "false"}},
		{name: "Unauthorized, as the RIE answers it", payload: "@error-unauthorized.json", unauthorized: true, misconfigured: "Unauthorized"},
		{name: "another failure", functionError: "Unhandled", payload: `{"errorMessage": "boom"}`, misconfigured: `the function failed: "boom"`},
		{name: "no isAuthorized", payload: `{"context": {}}`, misconfigured: "isAuthorized"},
		{name: "isAuthorized as text", payload: `{"isAuthorized": "true"}`, misconfigured: "isAuthorized"},
		{name: "a policy answer", payload: "@output-allow.json", misconfigured: "isAuthorized"},
		{name: "not JSON", payload: `true`, misconfigured: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := []byte(tt.payload)
			if name, ok := strings.CutPrefix(tt.payload, "@"); ok {
				payload = fixture(t, name)
			}
			out, err := ParseSimple(200, tt.functionError, payload)
			if tt.misconfigured != "" {
				refusal, ok := err.(*Refusal)
				if !ok || refusal.Unauthorized != tt.unauthorized || !strings.Contains(refusal.Reason, tt.misconfigured) {
					t.Fatalf("ParseSimple = %+v, %v; want a refusal (unauthorized %t) mentioning %q", out, err, tt.unauthorized, tt.misconfigured)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !out.Simple || out.Authorized != tt.authorized || out.Policy != nil || !maps.Equal(out.Context, tt.context) {
				t.Errorf("ParseSimple = %+v, want authorized %t, context %v", out, tt.authorized, tt.context)
			}
		})
	}
}

// FuzzParseSimple: any answer is an Output or a Refusal, never a panic.
func FuzzParseSimple(f *testing.F) {
	f.Add(fixture(f, "simple-allow.json"), "")
	f.Add(fixture(f, "error-unauthorized.json"), "")
	f.Add([]byte(`{"isAuthorized": true, "context": {"a": []}}`), "Unhandled")
	f.Fuzz(func(t *testing.T, payload []byte, functionError string) {
		out, err := ParseSimple(200, functionError, payload)
		if (out == nil) == (err == nil) {
			t.Fatalf("ParseSimple = %v, %v: want exactly one", out, err)
		}
		if _, ok := err.(*Refusal); err != nil && !ok {
			t.Fatalf("error %T, want *Refusal", err)
		}
	})
}
