package lambdaauth

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/policy"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParse reads authorizer answers: the developer guide's output example ("Output from an Amazon API Gateway
// Lambda authorizer", its placeholders filled in), the error documents Lambda runtimes answer with, and what API
// Gateway refuses with AuthorizerConfigurationException.
func TestParse(t *testing.T) {
	const getRoot = "arn:aws:execute-api:us-east-1:123456789012:ymy8tbxw7b/prod/GET/"
	tests := []struct {
		name          string
		status        int
		functionError string
		payload       string // inline, or @fixture
		want          *Output
		decides       map[string]policy.Decision // method ARN -> decision
		unauthorized  bool
		misconfigured string // part of the reason
	}{
		{name: "the guide's example", payload: "@output-allow.json",
			want: &Output{PrincipalID: "user|a1b2c3d4", UsageIdentifierKey: "{api-key}",
				Context: map[string]string{"stringKey": "value", "numberKey": "1", "booleanKey": "true"}},
			decides: map[string]policy.Decision{getRoot: policy.Allow, getRoot + "pets": policy.NotApplicable}},
		{name: "an explicit deny", payload: "@output-deny.json", want: &Output{PrincipalID: "user"},
			decides: map[string]policy.Decision{getRoot: policy.Deny}},
		{name: "Unauthorized, as the RIE answers it", payload: "@error-unauthorized.json", unauthorized: true},
		{name: "Unauthorized, as Lambda answers it", functionError: "Unhandled", payload: `{"errorMessage":"Unauthorized"}`, unauthorized: true},
		{name: "another failure", payload: "@error-other.json", misconfigured: `the function failed: "token expired"`},
		{name: "a message that only starts with Unauthorized", functionError: "Unhandled", payload: `{"errorMessage":"Unauthorized: expired"}`, misconfigured: "the function failed"},
		{name: "Invoke API error", status: 502, payload: `{"Message":"..."}`, misconfigured: "Invoke API status 502"},
		{name: "not JSON", payload: `allow`, misconfigured: "not a JSON object"},
		{name: "no principalId", payload: `{"policyDocument": {"Version": "2012-10-17", "Statement": []}}`, misconfigured: "principalId"},
		{name: "principalId a number", payload: `{"principalId": 7, "policyDocument": {"Statement": []}}`, misconfigured: "principalId"},
		{name: "no policy", payload: `{"principalId": "u"}`, misconfigured: "no policyDocument"},
		{name: "a policy IAM refuses", payload: `{"principalId": "u", "policyDocument": {"Statement": [{"Effect": "allow", "Action": "*", "Resource": "*"}]}}`, misconfigured: "policyDocument"},
		{name: "a policy naming a principal", payload: `{"principalId": "u", "policyDocument": {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}}`, misconfigured: "Principal"},
		{name: "a nested context value", payload: `{"principalId": "u", "policyDocument": {"Statement": []}, "context": {"user": {"id": 1}}}`, misconfigured: `"user"`},
		{name: "an array context value", payload: `{"principalId": "u", "policyDocument": {"Statement": []}, "context": {"roles": ["a"]}}`, misconfigured: `"roles"`},
		{name: "null context values left out", payload: `{"principalId": "u", "policyDocument": {"Statement": []}, "context": {"a": null, "b": 1.50}}`,
			want: &Output{PrincipalID: "u", Context: map[string]string{"b": "1.50"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := []byte(tt.payload)
			if name, ok := strings.CutPrefix(tt.payload, "@"); ok {
				payload = fixture(t, name)
			}
			status := tt.status
			if status == 0 {
				status = 200
			}
			out, err := Parse(status, tt.functionError, payload)
			if tt.want == nil {
				refusal, ok := err.(*Refusal)
				if !ok || refusal.Unauthorized != tt.unauthorized || !strings.Contains(refusal.Reason, tt.misconfigured) {
					t.Fatalf("Parse = %v, %v; want a refusal (unauthorized %t) mentioning %q", out, err, tt.unauthorized, tt.misconfigured)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.PrincipalID != tt.want.PrincipalID || out.UsageIdentifierKey != tt.want.UsageIdentifierKey || !maps.Equal(out.Context, tt.want.Context) {
				t.Errorf("Parse = %+v, want %+v", out, tt.want)
			}
			for arn, want := range tt.decides {
				if got := out.Policy.Evaluate(policy.Request{Action: "execute-api:Invoke", Resource: arn}); got != want {
					t.Errorf("%s: %v, want %v", arn, got, want)
				}
			}
		})
	}
}

// FuzzParse: any answer is an Output or a Refusal, never a panic.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"output-allow.json", "output-deny.json", "error-unauthorized.json", "error-other.json"} {
		f.Add(fixture(f, name), "")
	}
	f.Add([]byte(`{"principalId": "u", "policyDocument": {"Statement": []}, "context": {"a": {}}}`), "Unhandled")
	f.Fuzz(func(t *testing.T, payload []byte, functionError string) {
		out, err := Parse(200, functionError, payload)
		if (out == nil) == (err == nil) {
			t.Fatalf("Parse = %v, %v: want exactly one", out, err)
		}
		if _, ok := err.(*Refusal); err != nil && !ok {
			t.Fatalf("error %T, want *Refusal", err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	payload := fixture(b, "output-allow.json")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(200, "", payload); err != nil {
			b.Fatal(err)
		}
	}
}
