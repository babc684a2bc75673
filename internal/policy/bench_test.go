package policy

import (
	"net/netip"
	"testing"
)

// BenchmarkEvaluateAuthorizerPolicy is the common case: a Lambda authorizer's one-statement answer, decided on
// every request the cached answer covers.
func BenchmarkEvaluateAuthorizerPolicy(b *testing.B) {
	d := mustParse(b, doc(`[{"Action": "execute-api:Invoke", "Effect": "Allow",
		"Resource": "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets/*"}]`))
	r := Request{Action: invoke, Resource: methodARN}
	b.ReportAllocs()
	for b.Loop() {
		if d.Evaluate(r) != Allow {
			b.Fatal("not allowed")
		}
	}
}

// BenchmarkEvaluateResourcePolicy is a resource policy of three statements: an allow for everyone, a deny of
// one path, and a deny outside an allow list of source addresses.
func BenchmarkEvaluateResourcePolicy(b *testing.B) {
	d, err := ParseResourcePolicy([]byte(doc(`[
		{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
		{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/DELETE/*"},
		{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
		 "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24", "2001:db8::/32"]}}}]`)), apiARN)
	if err != nil {
		b.Fatal(err)
	}
	r := Request{Action: invoke, Resource: methodARN, Principal: "arn:aws:iam::123456789012:user/alice",
		SourceIP: netip.MustParseAddr("198.51.100.20")}
	b.ReportAllocs()
	for b.Loop() {
		if d.Evaluate(r) != Allow {
			b.Fatal("not allowed")
		}
	}
}

// BenchmarkParseResourcePolicy is the cost paid once per load or authorizer answer.
func BenchmarkParseResourcePolicy(b *testing.B) {
	data := []byte(doc(`[
		{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
		{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
		 "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "198.51.100.0/24"]}}}]`))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseResourcePolicy(data, apiARN); err != nil {
			b.Fatal(err)
		}
	}
}
