package ir

import (
	"cmp"
	"crypto/tls"
	"slices"
	"strings"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// DomainName is a custom domain name as Envoy serves it: by SNI on the HTTPS listener, with its certificate and
// its security policy's TLS, and its base path mappings, each sending a request to the mapped stage's routes.
type DomainName struct {
	Name string `json:"name"`
	// CertificateChain and PrivateKey are PEM; the key is never logged.
	CertificateChain string `json:"certificateChain"`
	PrivateKey       string `json:"privateKey"`
	// MinTLS is the oldest TLS version the security policy accepts, tls.VersionTLS10 or tls.VersionTLS12, and
	// Ciphers its cipher suites below TLS 1.3 by their OpenSSL names (BoringSSL's, as Envoy takes them).
	MinTLS  uint16   `json:"minTls"`
	Ciphers []string `json:"ciphers"`
	// Mappings, longest base path first, so that the first whose base path a request's path starts with is the
	// one API Gateway chooses. A mapping without a stage is here once per stage, its base path ending in the
	// stage's name.
	Mappings []BasePathMapping `json:"mappings"`
	// Truststore, for mutual TLS, is the CA certificates (PEM) a client's certificate must chain to; "" for none.
	Truststore string `json:"truststore,omitempty"`
	// Edge is an edge-optimized domain's: its requests reach the integration as CloudFront passes them on, header
	// names capitalised and cookies sorted by name.
	Edge bool `json:"edge,omitempty"`
}

// MaxClientChain is the longest chain of a client's certificate that mutual TLS accepts, as API Gateway's: four
// certificates, the client's and the truststore's CA among them.
const MaxClientChain = 4

// BasePathMapping sends the requests under a base path to an API's stage: the path's rest is the stage's.
type BasePathMapping struct {
	// BasePath is "" for the domain's root, else /orders/v2; what the stage's path replaces.
	BasePath string `json:"basePath,omitempty"`
	APIID    string `json:"apiId"`
	Stage    string `json:"stage"`
	// StagePath is where the stage's routes are under the API's host: /{stage}, "" for an HTTP API's $default.
	StagePath string `json:"stagePath,omitempty"`
	// WebSocket: the stage is a WebSocket API's, whose connections and @connections calls go to the WebSocket
	// service.
	WebSocket bool `json:"webSocket,omitempty"`
}

// Security policies' TLS: API Gateway's tables of the versions and cipher suites each accepts, less the four
// CBC suites with SHA-256 or SHA-384 MACs that BoringSSL, Envoy's TLS, does not have (ECDHE-ECDSA-AES256-SHA384,
// ECDHE-RSA-AES256-SHA384, AES128-SHA256, AES256-SHA256): a client offering only those is refused the handshake.
var (
	// tls12Ciphers are TLS_1_2's (and TLS 1.3's, which Envoy chooses on its own).
	tls12Ciphers = []string{
		"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256",
		"ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "AES128-GCM-SHA256", "AES256-GCM-SHA384",
	}
	// tls10Ciphers are TLS_1_0's: TLS_1_2's and the CBC suites of TLS 1.0 and 1.1.
	tls10Ciphers = append(slices.Clone(tls12Ciphers),
		"ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA", "ECDHE-RSA-AES256-SHA",
		"AES128-SHA", "AES256-SHA")
)

// domainNames builds the custom domain names; the model check found every mapped stage.
func (b *builder) domainNames(gw *tollgatev1.Gateway) []DomainName {
	webSocket := map[string]bool{}
	for _, api := range gw.GetWebsocketApis() {
		webSocket[api.GetId()] = true
	}
	stages := map[string][]string{}
	for _, api := range gw.GetApis() {
		for _, st := range api.GetStages() {
			stages[api.GetId()] = append(stages[api.GetId()], st.GetStageName())
		}
	}
	var out []DomainName
	for _, d := range gw.GetDomainNames() {
		domain := DomainName{Name: d.GetDomainName(), CertificateChain: d.GetCertificateChain(), PrivateKey: d.GetPrivateKey(),
			MinTLS: tls.VersionTLS12, Ciphers: tls12Ciphers, Truststore: d.GetTruststore(), Edge: d.GetEndpointType() == "EDGE"}
		if d.GetSecurityPolicy() == "TLS_1_0" {
			domain.MinTLS, domain.Ciphers = tls.VersionTLS10, tls10Ciphers
		}
		// Longest base path first: it is the mapping's own base path that API Gateway compares, not what a
		// mapping without a stage serves under it (orders/prod, mapped, wins over orders's stage prod).
		mappings := slices.Clone(d.GetBasePathMappings())
		basePath := func(m *tollgatev1.BasePathMapping) string {
			if p := m.GetBasePath(); p != "" && p != "(none)" {
				return "/" + p
			}
			return ""
		}
		slices.SortStableFunc(mappings, func(x, y *tollgatev1.BasePathMapping) int {
			return cmp.Or(cmp.Compare(len(basePath(y)), len(basePath(x))), strings.Compare(basePath(x), basePath(y)))
		})
		for _, m := range mappings {
			if m.GetStage() != "" {
				domain.Mappings = append(domain.Mappings, BasePathMapping{BasePath: basePath(m), APIID: m.GetApiId(), Stage: m.GetStage(),
					StagePath: Method{Stage: m.GetStage()}.StagePath(), WebSocket: webSocket[m.GetApiId()]})
				continue
			}
			// A mapping without a stage serves each stage under the base path and the stage's name.
			for _, st := range slices.Sorted(slices.Values(stages[m.GetApiId()])) {
				stagePath := Method{Stage: st}.StagePath()
				if slices.ContainsFunc(domain.Mappings, func(other BasePathMapping) bool { return other.BasePath == basePath(m)+stagePath }) {
					continue // a longer base path maps this one to another stage
				}
				domain.Mappings = append(domain.Mappings, BasePathMapping{BasePath: basePath(m) + stagePath, APIID: m.GetApiId(), Stage: st, StagePath: stagePath})
			}
		}
		out = append(out, domain)
	}
	slices.SortFunc(out, func(x, y DomainName) int { return strings.Compare(x.Name, y.Name) })
	return out
}
