// Package certtest is a certificate authority of the tests' making: a private CA whose certificates a test's
// clients and servers trust or present, written to PEM files where a configuration names them.
package certtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a private certificate authority, standing in for a company's internal one or a public one.
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// File is the CA certificate in PEM, to trust it.
	File string
	// chain is the CA's certificate and those above it but the root, DER, for what it issues to present.
	chain [][]byte
}

// NewCA makes a root CA valid for a day.
func NewCA(t testing.TB) *CA {
	t.Helper()
	return newCA(t, "Tollgate test CA", nil)
}

// Intermediate makes a CA that this one signs, whose certificates present it (and those above it but the root)
// in their chains.
func (ca *CA) Intermediate(t testing.TB, name string) *CA {
	t.Helper()
	return newCA(t, name, ca)
}

func newCA(t testing.TB, name string, parent *CA) *CA {
	t.Helper()
	key := newKey(t)
	tpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	signer, signerKey := tpl, key
	if parent != nil {
		signer, signerKey = parent.Cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	ca := &CA{Cert: cert, key: key, File: file}
	if parent != nil {
		ca.chain = append([][]byte{der}, parent.chain...)
	}
	return ca
}

// Pool is a certificate pool trusting the CA alone.
func (ca *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return pool
}

// Issue makes a server certificate for the DNS names (wildcards too), signed by the CA.
func (ca *CA) Issue(t testing.TB, dnsNames ...string) tls.Certificate {
	t.Helper()
	return ca.issue(t, dnsNames[0], dnsNames, x509.ExtKeyUsageServerAuth)
}

// IssueClient makes a client certificate for commonName, signed by the CA, its chain up to the root's child.
func (ca *CA) IssueClient(t testing.TB, commonName string) tls.Certificate {
	t.Helper()
	return ca.issue(t, commonName, nil, x509.ExtKeyUsageClientAuth)
}

func (ca *CA) issue(t testing.TB, commonName string, dnsNames []string, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	cert := newCert(t, commonName, dnsNames, usage, ca.Cert, ca.key)
	cert.Certificate = append(cert.Certificate, ca.chain...)
	return cert
}

// SelfSigned makes a server certificate for the DNS names that no CA signed.
func SelfSigned(t testing.TB, dnsNames ...string) tls.Certificate {
	t.Helper()
	return newCert(t, dnsNames[0], dnsNames, x509.ExtKeyUsageServerAuth, nil, nil)
}

// WriteFiles writes a certificate's chain and private key to PEM files in dir, named after name.
func WriteFiles(t testing.TB, dir, name string, cert tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	var chain []byte
	for _, der := range cert.Certificate {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	key, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, chain, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// newCert issues a certificate, signed by parent (itself when parent is nil).
func newCert(t testing.TB, commonName string, dnsNames []string, usage x509.ExtKeyUsage, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) tls.Certificate {
	t.Helper()
	key := newKey(t)
	tpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: commonName, Organization: []string{"Tollgate tests"}},
		DNSNames:     dnsNames,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	if parent == nil {
		parent, parentKey = tpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
