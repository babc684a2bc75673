package source

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
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
		EndpointType: d.EndpointType, SourceFile: configFile, SourcePointer: diag.Pointer("domainNames", i),
	}
	if m := d.MutualTLSAuthentication; m != nil {
		at := diag.Pointer("domainNames", i, "mutualTlsAuthentication", "truststoreFile")
		truststore, err := os.ReadFile(d.Certificate.Path(configFile, m.TruststoreFile))
		if err != nil {
			probs.Addf(configFile, at, "cannot read the truststore: %v", err)
			return nil
		}
		if err := checkTruststore(truststore); err != nil {
			probs.Addf(configFile, at, "%v", err)
			return nil
		}
		domain.Truststore = string(truststore)
	}
	for _, m := range d.BasePathMappings {
		domain.BasePathMappings = append(domain.BasePathMappings, &tollgatev1.BasePathMapping{BasePath: m.BasePath, ApiId: m.APIID, Stage: m.Stage})
	}
	return domain
}

// checkTruststore checks that a truststore is PEM certificates, at least one, each of them one.
func checkTruststore(pemData []byte) error {
	n := 0
	for rest := pemData; ; n++ {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return fmt.Errorf("the truststore holds a %s: want only CA certificates, PEM", block.Type)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return fmt.Errorf("the truststore's certificate %d: %v", n+1, err)
		}
	}
	if n == 0 {
		return errors.New("the truststore holds no certificate: want the CA certificates, PEM")
	}
	return nil
}
