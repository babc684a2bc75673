package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	akid   = "AKIDEXAMPLE"
	secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	region = "us-east-1"
)

var signedAt = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// fromHTTP is what the gateway sees of a request a client sends: the path and query as sent, the headers with
// lower-case names, the host among them.
func fromHTTP(t testing.TB, req *http.Request) *Request {
	t.Helper()
	r := &Request{Method: req.Method, RawPath: req.URL.EscapedPath(), RawQuery: req.URL.RawQuery}
	r.Headers = append(r.Headers, [2]string{"host", req.URL.Host})
	if req.ContentLength > 0 {
		r.Headers = append(r.Headers, [2]string{"content-length", strconv.FormatInt(req.ContentLength, 10)})
	}
	for name, values := range req.Header {
		for _, v := range values {
			r.Headers = append(r.Headers, [2]string{strings.ToLower(name), v})
		}
	}
	if req.Body != nil {
		r.Body, _ = io.ReadAll(req.Body)
	}
	return r
}

func payloadHash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// TestVerifySDKSignatures verifies requests signed by aws-sdk-go-v2's signer, in both forms, as clients of
// execute-api sign them: the SDK is the reference for what a valid signature is.
func TestVerifySDKSignatures(t *testing.T) {
	tests := []struct {
		name, method, url, body string
		headers                 map[string]string
		session                 string
		presign                 bool
	}{
		{name: "GET", method: "GET", url: "https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets"},
		{name: "query string, repeated and encoded", method: "GET", url: "https://h/prod/pets?b=2&a=1&a=0&q=x%20y&e="},
		{name: "escaped path", method: "GET", url: "https://h/prod/pets/a%20b/%C3%A9"},
		{name: "POST with a body and headers", method: "POST", url: "https://h/prod/pets", body: `{"name": "Rex"}`,
			headers: map[string]string{"Content-Type": "application/json", "X-Custom": "  spaced   value "}},
		{name: "session token", method: "DELETE", url: "https://h/prod/pets/1", session: "FwoGZXIvYXdzEXAMPLE"},
		{name: "presigned", method: "GET", url: "https://h/prod/pets?type=dog&X-Amz-Expires=900", presign: true},
		{name: "presigned with a session token", method: "GET", url: "https://h/prod/pets", presign: true, session: "FwoGZXIvYXdzEXAMPLE"},
	}
	signer := v4.NewSigner()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creds := aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: tt.session}
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			if tt.presign {
				signedURL, _, err := signer.PresignHTTP(context.Background(), creds, req, payloadHash(tt.body), Service, region, signedAt)
				if err != nil {
					t.Fatal(err)
				}
				if req, err = http.NewRequest(tt.method, signedURL, http.NoBody); err != nil {
					t.Fatal(err)
				}
			} else if err := signer.SignHTTP(context.Background(), creds, req, payloadHash(tt.body), Service, region, signedAt); err != nil {
				t.Fatal(err)
			}
			req.Body = io.NopCloser(strings.NewReader(tt.body))
			r := fromHTTP(t, req)
			sig, err := Parse(r, Service)
			if err != nil {
				t.Fatal(err)
			}
			if sig.AccessKeyID != akid || sig.SessionToken != tt.session || sig.Presigned != tt.presign {
				t.Errorf("Parse = %+v", sig)
			}
			if err := sig.Verify(r, secret, region, signedAt.Add(time.Minute)); err != nil {
				t.Fatalf("a signature aws-sdk-go-v2 made does not verify: %v", err)
			}
			// The same request with any part changed must not.
			tampered := []struct {
				what   string
				change func(r *Request)
			}{
				{"path", func(r *Request) { r.RawPath += "x" }},
				{"method", func(r *Request) { r.Method = "PATCH" }},
				{"body", func(r *Request) { r.Body = append(r.Body, ' ') }},
				{"query", func(r *Request) { r.RawQuery += "&extra=1" }},
				{"host", func(r *Request) {
					for i := range r.Headers {
						if r.Headers[i][0] == "host" {
							r.Headers[i][1] = "evil.example"
						}
					}
				}},
			}
			for _, tc := range tampered {
				if tc.what == "body" && tt.presign {
					continue // a presigned URL signs an empty payload's hash; the client sends none
				}
				r := fromHTTP(t, req)
				r.Body = []byte(tt.body)
				tc.change(r)
				if err := sig.Verify(r, secret, region, signedAt.Add(time.Minute)); err == nil {
					t.Errorf("verified with the %s changed", tc.what)
				}
			}
			if err := sig.Verify(r, "another secret", region, signedAt.Add(time.Minute)); err == nil || !strings.Contains(err.Error(), "The Canonical String for this request should have been") {
				t.Errorf("another secret: %v, want the signature refused with the canonical string", err)
			}
		})
	}
}

// TestRefusals: the errors API Gateway answers, by exception and message.
func TestRefusals(t *testing.T) {
	signed := func(at time.Time) *Request {
		req, _ := http.NewRequest("GET", "https://h/prod/pets", nil)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, req, payloadHash(""), Service, region, at); err != nil {
			t.Fatal(err)
		}
		return fromHTTP(t, req)
	}
	tests := []struct {
		name    string
		request *Request
		now     time.Time
		region  string
		want    string // exception: message fragment
	}{
		{"unsigned", &Request{Method: "GET", RawPath: "/prod/pets", Headers: [][2]string{{"host", "h"}}}, signedAt, region,
			"MissingAuthenticationTokenException: Missing Authentication Token"},
		{"incomplete header", &Request{Method: "GET", RawPath: "/", Headers: [][2]string{{"authorization", "AWS4-HMAC-SHA256 Credential=a/b"}}}, signedAt, region,
			"IncompleteSignatureException: Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{"another algorithm", &Request{Method: "GET", RawPath: "/", Headers: [][2]string{{"authorization", "AWS3 x"}}}, signedAt, region,
			"IncompleteSignatureException: Authorization header requires the AWS4-HMAC-SHA256 algorithm."},
		{"expired", signed(signedAt), signedAt.Add(6 * time.Minute), region,
			"InvalidSignatureException: Signature expired: 20261201T120000Z is now earlier than 20261201T120100Z (20261201T120600Z - 5 min.)"},
		{"not yet current", signed(signedAt.Add(6 * time.Minute)), signedAt, region,
			"InvalidSignatureException: Signature not yet current: 20261201T120600Z is still later than 20261201T120500Z (20261201T120000Z + 5 min.)"},
		{"another region", signed(signedAt), signedAt, "eu-west-1", "InvalidSignatureException: Credential should be scoped to a valid region."},
		{"host not signed", withHeader(signed(signedAt), "authorization", func(v string) string {
			return strings.Replace(v, "SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date", 1)
		}),
			signedAt, region, "IncompleteSignatureException: 'Host' or ':authority' must be a 'SignedHeader'"},
		{"x-amz-date not signed", withHeader(signed(signedAt), "authorization", func(v string) string {
			return strings.Replace(v, "SignedHeaders=host;x-amz-date", "SignedHeaders=host", 1)
		}),
			signedAt, region, "IncompleteSignatureException: 'X-Amz-Date' must be a 'SignedHeader'"},
		{"a body the payload header does not hash", withBody(signed(signedAt), "other", [2]string{"x-amz-content-sha256", payloadHash("")}),
			signedAt, region, "InvalidSignatureException: The provided 'x-amz-content-sha256' header does not match what was computed."},
		{"UNSIGNED-PAYLOAD", withBody(signed(signedAt), "", [2]string{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}),
			signedAt, region, "InvalidSignatureException: The provided 'x-amz-content-sha256' header does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := Parse(tt.request, Service)
			if err == nil {
				err = sig.Verify(tt.request, secret, tt.region, tt.now)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// withHeader changes a header of r.
func withHeader(r *Request, name string, change func(string) string) *Request {
	for i := range r.Headers {
		if r.Headers[i][0] == name {
			r.Headers[i][1] = change(r.Headers[i][1])
		}
	}
	return r
}

// withBody gives r another body and headers.
func withBody(r *Request, body string, headers ...[2]string) *Request {
	r.Body = []byte(body)
	r.Headers = append(r.Headers, headers...)
	return r
}

// FuzzParseVerify: any request is parsed and verified or refused with an *Error, never a panic.
func FuzzParseVerify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc", "20261201T120000Z", "/prod/pets", "a=1&b=%20")
	f.Add("", "", "/", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=A%2F20261201%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20261201T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00")
	f.Add("AWS4-HMAC-SHA256 Credential=/", "Tue, 01 Dec 2026 12:00:00 GMT", "%zz", "%")
	f.Fuzz(func(t *testing.T, auth, date, path, query string) {
		r := &Request{Method: "GET", RawPath: path, RawQuery: query, Headers: [][2]string{{"host", "h"}, {"x-amz-date", date}}}
		if auth != "" {
			r.Headers = append(r.Headers, [2]string{"authorization", auth})
		}
		sig, err := Parse(r, Service)
		if err == nil {
			err = sig.Verify(r, secret, region, signedAt)
		}
		if _, ok := err.(*Error); err != nil && !ok {
			t.Fatalf("error %T %v, want *Error", err, err)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	req, _ := http.NewRequest("POST", "https://abc123.execute-api.us-east-1.amazonaws.com/prod/pets?type=dog", strings.NewReader(`{"name": "Rex"}`))
	req.Header.Set("Content-Type", "application/json")
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, req, payloadHash(`{"name": "Rex"}`), Service, region, signedAt); err != nil {
		b.Fatal(err)
	}
	r := fromHTTP(b, req)
	b.ReportAllocs()
	for b.Loop() {
		sig, err := Parse(r, Service)
		if err != nil {
			b.Fatal(err)
		}
		if err := sig.Verify(r, secret, region, signedAt); err != nil {
			b.Fatal(err)
		}
	}
}
