package envoy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSystemCABundle(t *testing.T) {
	dir := t.TempDir()
	own := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(own, []byte("-----BEGIN CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		sslCert   string // SSL_CERT_FILE; "" = unset
		bundles   []string
		want      string
		wantError string
	}{
		{name: "SSL_CERT_FILE first", sslCert: own, bundles: []string{filepath.Join(dir, "missing")}, want: own},
		{name: "SSL_CERT_FILE naming nothing", sslCert: filepath.Join(dir, "nope.pem"), bundles: []string{own}, wantError: "SSL_CERT_FILE"},
		{name: "first bundle present", bundles: []string{filepath.Join(dir, "missing"), dir, own}, want: own},
		{name: "none present", bundles: []string{filepath.Join(dir, "missing")}, wantError: "install the ca-certificates package or set SSL_CERT_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SSL_CERT_FILE", tt.sslCert)
			saved := caBundles
			caBundles = tt.bundles
			t.Cleanup(func() { caBundles = saved })
			got, err := SystemCABundle()
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("SystemCABundle() = %q, %v; want an error mentioning %q", got, err, tt.wantError)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("SystemCABundle() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
