package source

import (
	"crypto/tls"
	"os"

	"github.com/tollgate-gw/tollgate/internal/config"
	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// loadDomainName reads a custom domain name of the config, i of its domainNames, with its certificate: a chain
// and a key that do not make a certificate are the load's problems, and the domain is nil.
func loadDomainName(configFile string, i int, d config.DomainName, probs *diag.Problems) *tollgatev1.DomainName {
	at := func(key string) string { return diag.Pointer("domainNames", i, "certificate", key) }
	chain, err := os.ReadFile(d.Certificate.Path(configFile, d.Certificate.CertFile))
	if err != nil {
		probs.Addf(configFile, at("certFile"), "cannot read the certificate: %v", err)
	}
	key, kerr := os.ReadFile(d.Certificate.Path(configFile, d.Certificate.KeyFile))
	if kerr != nil {
		probs.Addf(configFile, at("keyFile"), "cannot read the private key: %v", kerr)
	}
	if err != nil || kerr != nil {
		return nil
	}
	// Envoy would refuse the listener for a pair that does not go together, and keep serving the last: the load
	// refuses it first, saying why.
	if _, err := tls.X509KeyPair(chain, key); err != nil {
		probs.Addf(configFile, at("certFile"), "the certificate and its private key do not make a TLS certificate: %v", err)
		return nil
	}
	domain := &tollgatev1.DomainName{
		DomainName: d.DomainName, CertificateChain: string(chain), PrivateKey: string(key), SecurityPolicy: d.SecurityPolicy,
		SourceFile: configFile, SourcePointer: diag.Pointer("domainNames", i),
	}
	for _, m := range d.BasePathMappings {
		domain.BasePathMappings = append(domain.BasePathMappings, &tollgatev1.BasePathMapping{BasePath: m.BasePath, ApiId: m.APIID, Stage: m.Stage})
	}
	return domain
}
