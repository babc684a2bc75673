package lambdaproxy

import (
	"encoding/pem"
	"net/url"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/certtest"
)

// The certificate Envoy forwards in x-forwarded-client-cert (its Cert element, URL-encoded PEM, among other
// elements, quoted or not) is read as API Gateway reports it; a header without one, or with one that is no
// certificate, reports none.
func TestParseForwardedClientCert(t *testing.T) {
	ca := certtest.NewCA(t)
	cert := ca.IssueClient(t, "client.example")
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}))
	encoded := url.PathEscape(pemText)
	for _, tt := range []struct {
		name, value string
		want        bool
	}{
		{"the cert alone", `Cert="` + encoded + `"`, true},
		{"among other elements", `Hash=abc;Subject="CN=client.example,O=Tollgate tests";Cert="` + encoded + `";URI=spiffe://x`, true},
		{"a quoted ; before it", `Subject="a;b";cert=` + encoded, true},
		{"no cert element", `Hash=abc;Subject="CN=x"`, false},
		{"no certificate in it", `Cert="not%20a%20certificate"`, false},
		{"a bad escape", `Cert="%zz"`, false},
		{"empty", ``, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ForwardedClientCert(tt.value)
			if (got != nil) != tt.want {
				t.Fatalf("ForwardedClientCert(%q) = %+v, want a certificate: %v", tt.value, got, tt.want)
			}
			if got == nil {
				return
			}
			if got.SubjectDN != "CN=client.example,O=Tollgate tests" || got.IssuerDN != "CN=Tollgate test CA" || got.PEM != pemText {
				t.Errorf("read %+v", got)
			}
			if n := strings.Count(got.SerialNumber, ":"); n == 0 || len(got.SerialNumber) != 3*n+2 {
				t.Errorf("serial number %q, want hex bytes split by colons", got.SerialNumber)
			}
			if !strings.HasSuffix(got.NotBefore, " GMT") || len(got.NotAfter) != len("Jan  2 15:04:05 2006 GMT") {
				t.Errorf("validity %q to %q, want OpenSSL's form", got.NotBefore, got.NotAfter)
			}
		})
	}
}

// FuzzParseForwardedClientCert: any header value reads as a certificate or none, never a panic.
func FuzzParseForwardedClientCert(f *testing.F) {
	for _, seed := range []string{`Cert="x"`, `Hash=a;Cert=`, `"`, `Subject="a;b";Cert="%41"`, `;;;`} {
		f.Add(seed)
	}
	f.Fuzz(func(_ *testing.T, value string) {
		ForwardedClientCert(value)
	})
}

// A custom domain's path is the same request's on the API's own host: the base path's place taken by the stage's.
func TestStageFormPath(t *testing.T) {
	for _, tt := range []struct{ path, basePath, stagePath, want string }{
		{"/orders/items/7?q=1", "/orders", "/prod", "/prod/items/7?q=1"},
		{"/orders", "/orders", "/prod", "/prod"},
		{"/orders?q=1", "/orders", "", "/?q=1"},
		{"/orders", "/orders", "", "/"},
		{"/pets/1", "", "/prod", "/prod/pets/1"},
		{"/pets/1", "", "", "/pets/1"},
	} {
		if got := StageFormPath(tt.path, tt.basePath, tt.stagePath); got != tt.want {
			t.Errorf("StageFormPath(%q, %q, %q) = %q, want %q", tt.path, tt.basePath, tt.stagePath, got, tt.want)
		}
	}
}
