package source

import (
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/certtest"
	"github.com/tollgate-gw/tollgate/internal/ir"
)

// A domain's certificate files are read with the config, watched with it, and checked: a pair that is no
// certificate, a file that cannot be read, and a mapping to an API or a stage the gateway lacks are the load's
// problems, each at its pointer.
func TestLoadDomainNames(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "api.yaml", definition)
	ca := certtest.NewCA(t)
	certFile, keyFile := certtest.WriteFiles(t, dir, "api", ca.Issue(t, "api.example.com"))
	certtest.WriteFiles(t, dir, "other", ca.Issue(t, "other.example.com"))
	const apis = "apis: [{id: one, definition: api.yaml, disableExecuteApiEndpoint: true, stages: [{stageName: prod, variables: {backend: '127.0.0.1:9000'}}]}]\n"
	cfg := write(t, dir, "tollgate.yaml", apis+`domainNames:
  - domainName: api.example.com
    certificate: {certFile: api.crt, keyFile: api.key}
    basePathMappings: [{basePath: orders, apiId: one, stage: prod}, {basePath: (none), apiId: one, stage: prod}, {basePath: orders/v2, apiId: one, stage: prod}]
`)
	l, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(l.Files, certFile) || !slices.Contains(l.Files, keyFile) {
		t.Errorf("files = %v, want the certificate's too", l.Files)
	}
	want := []ir.BasePathMapping{
		{BasePath: "/orders/v2", APIID: "one", Stage: "prod", StagePath: "/prod"},
		{BasePath: "/orders", APIID: "one", Stage: "prod", StagePath: "/prod"},
		{APIID: "one", Stage: "prod", StagePath: "/prod"},
	}
	if d := l.Snapshot.DomainNames; len(d) != 1 || d[0].Name != "api.example.com" || !slices.Equal(d[0].Mappings, want) || d[0].PrivateKey == "" {
		t.Errorf("domain names = %+v, want api.example.com's mappings longest first: %+v", d, want)
	}
	if !l.Snapshot.APIs[0].ExecuteAPIEndpointDisabled {
		t.Error("the API's default endpoint is served, want it disabled")
	}

	for _, tt := range []struct {
		domains string
		want    []string
	}{
		{`
  - {domainName: a.example.com, certificate: {certFile: api.crt, keyFile: other.key}}
  - {domainName: b.example.com, certificate: {certFile: nope.crt, keyFile: api.key}}
  - {domainName: c.example.com, certificate: {certFile: api.crt, keyFile: api.key}, mutualTlsAuthentication: {truststoreFile: api.key}}
  - {domainName: d.example.com, certificate: {certFile: api.crt, keyFile: api.key}, mutualTlsAuthentication: {truststoreFile: api.yaml}}`, []string{
			"/domainNames/0/certificate/certFile: the certificate and its private key do not make a TLS certificate",
			"/domainNames/1/certificate/certFile: cannot read the certificate",
			"/domainNames/2/mutualTlsAuthentication/truststoreFile: the truststore holds a PRIVATE KEY: want only CA certificates, PEM",
			"/domainNames/3/mutualTlsAuthentication/truststoreFile: the truststore holds no certificate",
		}},
		{`
  - domainName: c.example.com
    certificate: {certFile: api.crt, keyFile: api.key}
    basePathMappings: [{basePath: x, apiId: two, stage: prod}, {basePath: y, apiId: one, stage: dev}]`, []string{
			`/domainNames/0/basePathMappings/0/apiId: no API "two" to map`,
			`/domainNames/0/basePathMappings/1/stage: API "one" has no stage "dev"`,
		}},
	} {
		cfg = write(t, dir, "tollgate.yaml", apis+"domainNames:"+tt.domains+"\n")
		_, err = Load(cfg)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), cfg+": "+w) {
				t.Errorf("err = %v, want it to say %q", err, w)
			}
		}
	}
}
