package envoy

import (
	"errors"
	"fmt"
	"os"
	"strings"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"

	"github.com/tollgate-gw/tollgate/internal/names"
)

// caBundles are where Linux distributions keep the system's CA bundle: Debian and Ubuntu, Fedora and RHEL,
// openSUSE, OpenELEC, CentOS, Alpine.
var caBundles = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem",
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/cert.pem",
}

// SystemCABundle is the file of this machine's trusted CA certificates: $SSL_CERT_FILE if set, as OpenSSL and Go
// read it, else the first bundle present where distributions keep one. Envoy has no system trust store of its
// own (its system_root_certs field is not implemented), so its bootstrap names this file.
func SystemCABundle() (string, error) {
	if f := os.Getenv("SSL_CERT_FILE"); f != "" {
		if _, err := os.Stat(f); err != nil {
			return "", fmt.Errorf("SSL_CERT_FILE: %w", err)
		}
		return f, nil
	}
	for _, f := range caBundles {
		if info, err := os.Stat(f); err == nil && info.Mode().IsRegular() {
			return f, nil
		}
	}
	return "", errors.New("no CA bundle found (looked for " + strings.Join(caBundles, ", ") + "): install the ca-certificates package or set SSL_CERT_FILE, so that Envoy can verify HTTPS backends")
}

// TrustedCASecret is the static secret the translator's https clusters verify backends against.
func TrustedCASecret(file string) *tlsv3.Secret {
	return &tlsv3.Secret{
		Name: names.TrustedCASecret,
		Type: &tlsv3.Secret_ValidationContext{ValidationContext: &tlsv3.CertificateValidationContext{
			TrustedCa: &corev3.DataSource{Specifier: &corev3.DataSource_Filename{Filename: file}},
		}},
	}
}
