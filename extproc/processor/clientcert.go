package processor

import (
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"

	"github.com/tollgate-gw/tollgate/extproc/lambda/lambdaproxy"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// ClientCert is the certificate the client presented to a custom domain with mutual TLS, from the header Envoy
// sets with it (and removes from every other request): nil for none.
func ClientCert(headers *core.HeaderMap) *lambdaproxy.ClientCert {
	for _, h := range headers.GetHeaders() {
		if h.GetKey() == names.ClientCertHeader {
			return lambdaproxy.ForwardedClientCert(HeaderValue(h))
		}
	}
	return nil
}
