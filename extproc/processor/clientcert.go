package processor

import (
	"net/url"
	"strings"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	"github.com/tollgate-gw/tollgate/extproc/lambda/lambdaproxy"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// ClientCert is the certificate the client presented to a custom domain with mutual TLS, from the header Envoy
// sets with it (and removes from every other request): nil for none.
func ClientCert(headers *core.HeaderMap) *lambdaproxy.ClientCert {
	for _, h := range headers.GetHeaders() {
		if h.GetKey() == names.ClientCertHeader {
			return parseForwardedClientCert(HeaderValue(h))
		}
	}
	return nil
}

// parseForwardedClientCert reads the Cert element of an x-forwarded-client-cert value: Envoy's
// Key=value;Key="quoted value" pairs, the certificate's PEM URL-encoded.
func parseForwardedClientCert(value string) *lambdaproxy.ClientCert {
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
		return lambdaproxy.ParseClientCert(pemText)
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
