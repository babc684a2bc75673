package lambdaproxy

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"net/url"
	"strings"
)

// ClientCert is the certificate a client presented to a custom domain with mutual TLS, as API Gateway reports it
// (a 1.0 event's requestContext.identity.clientCert, a 2.0 event's requestContext.authentication.clientCert,
// $context.identity.clientCert).
type ClientCert struct {
	PEM          string
	SubjectDN    string
	IssuerDN     string
	SerialNumber string
	// NotBefore and NotAfter are as OpenSSL writes them: "May 28 12:30:02 2019 GMT".
	NotBefore, NotAfter string
}

// opensslTime is how OpenSSL (and so API Gateway) writes a certificate's validity.
const opensslTime = "Jan _2 15:04:05 2006 GMT"

// ParseClientCert reads a client's certificate, PEM, as API Gateway reports it: the names as RFC 2253 writes them
// (CN=client,O=Example) *(verify: AWS's examples show a bare name)*, the serial number as colon-separated hex
// bytes. Nil when it is no certificate.
func ParseClientCert(pemText string) *ClientCert {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return nil
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil
	}
	serial := hex.EncodeToString(cert.SerialNumber.Bytes())
	pairs := make([]string, 0, len(serial)/2)
	for i := 0; i+1 < len(serial); i += 2 {
		pairs = append(pairs, serial[i:i+2])
	}
	return &ClientCert{
		PEM: strings.TrimRight(pemText, "\n") + "\n", SubjectDN: cert.Subject.String(), IssuerDN: cert.Issuer.String(),
		SerialNumber: strings.Join(pairs, ":"),
		NotBefore:    cert.NotBefore.UTC().Format(opensslTime), NotAfter: cert.NotAfter.UTC().Format(opensslTime),
	}
}

// Map is the certificate as the event's and $context's clientCert object.
func (c *ClientCert) Map() map[string]any {
	return map[string]any{
		"clientCertPem": c.PEM, "subjectDN": c.SubjectDN, "issuerDN": c.IssuerDN, "serialNumber": c.SerialNumber,
		"validity": map[string]any{"notBefore": c.NotBefore, "notAfter": c.NotAfter},
	}
}

// writeClientCert writes the certificate's object.
func writeClientCert(w *jsonWriter, c *ClientCert) {
	w.open('{')
	w.key("clientCertPem")
	w.str(c.PEM)
	w.key("issuerDN")
	w.str(c.IssuerDN)
	w.key("serialNumber")
	w.str(c.SerialNumber)
	w.key("subjectDN")
	w.str(c.SubjectDN)
	w.key("validity")
	w.open('{')
	w.key("notAfter")
	w.str(c.NotAfter)
	w.key("notBefore")
	w.str(c.NotBefore)
	w.close('}')
	w.close('}')
}

// ForwardedClientCert reads the certificate from the Cert element of Envoy's x-forwarded-client-cert value
// (names.ClientCertHeader): Key=value;Key="quoted value" pairs, the certificate's PEM URL-encoded. Nil when it
// has none.
func ForwardedClientCert(value string) *ClientCert {
	for value != "" {
		var pair string
		pair, value = cutUnquoted(value, ';')
		key, v, _ := strings.Cut(pair, "=")
		if !strings.EqualFold(strings.TrimSpace(key), "Cert") {
			continue
		}
		pemText, err := url.PathUnescape(strings.Trim(v, `"`))
		if err != nil {
			return nil
		}
		return ParseClientCert(pemText)
	}
	return nil
}

// cutUnquoted cuts s at the first sep outside double quotes.
func cutUnquoted(s string, sep byte) (before, after string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}
