package config

import (
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

// TLS is Envoy's HTTPS listener, which serves the custom domain names.
type TLS struct {
	Listen string `yaml:"listen"`
}

// DefaultTLSListen is the HTTPS listener's address when the config names domains and no tls.listen.
const DefaultTLSListen = "127.0.0.1:8443"

// DomainName is a custom domain name: its certificate, the TLS it accepts, and the API stages it serves under
// base paths (API Gateway's DomainName and BasePathMapping resources).
type DomainName struct {
	DomainName  string      `yaml:"domainName"`
	Certificate Certificate `yaml:"certificate"`
	// SecurityPolicy is API Gateway's name for the TLS versions and ciphers accepted (default TLS_1_2).
	SecurityPolicy string `yaml:"securityPolicy"`
	// EndpointType is REGIONAL (the default) or EDGE, whose requests reach the integration as CloudFront passes
	// them on; PRIVATE is not served yet.
	EndpointType     string            `yaml:"endpointType"`
	BasePathMappings []BasePathMapping `yaml:"basePathMappings"`
	// MutualTLSAuthentication, when set, requires a client certificate that chains to the truststore.
	MutualTLSAuthentication *MutualTLS `yaml:"mutualTlsAuthentication"`
}

// MutualTLS is a domain's truststore: the CA certificates, PEM, that a client's certificate must chain to. A
// change to the file is a reload.
type MutualTLS struct {
	TruststoreFile string `yaml:"truststoreFile"`
}

// Certificate is a domain's certificate chain and private key, PEM files relative to the config file. A change
// to either is a reload: Envoy is sent the new certificate without a restart.
type Certificate struct {
	CertFile string `yaml:"certFile"`
	KeyFile  string `yaml:"keyFile"`
}

// BasePathMapping serves an API's stage under a base path of the domain: (none), or empty, for the domain's root.
// A REST API's mapping without a stage serves every stage under the base path, the stage's name the path's first
// segment after it (api.example.com/orders/prod/items), as API Gateway's does.
type BasePathMapping struct {
	BasePath string `yaml:"basePath"`
	APIID    string `yaml:"apiId"`
	Stage    string `yaml:"stage"`
}

// NoBasePath is how API Gateway writes the mapping of a domain's root.
const NoBasePath = "(none)"

// Security policies: API Gateway's names of the TLS a domain accepts.
const (
	SecurityPolicyTLS10 = "TLS_1_0"
	SecurityPolicyTLS12 = "TLS_1_2"
)

// Endpoint types of a domain name.
const (
	EndpointRegional = "REGIONAL"
	EndpointEdge     = "EDGE"
	endpointPrivate  = "PRIVATE"
)

var (
	// customDomainPattern is a DNS name, or one with a wildcard first label (*.example.com), as API Gateway
	// takes them.
	customDomainPattern = regexp.MustCompile(`^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	// basePathPattern is API Gateway's base path: its characters, in segments (multi-level: orders/v2/items).
	basePathPattern = regexp.MustCompile(`^[A-Za-z0-9$\-_.+!*'()]+(/[A-Za-z0-9$\-_.+!*'()]+)*$`)
)

// maxBasePath is the longest base path API Gateway takes.
const maxBasePath = 300

// Path resolves a file of the domain relative to the config file.
func (c Certificate) Path(configFile, file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(filepath.Dir(configFile), file)
}

func (c *Config) isHTTPAPI(id string) bool {
	for _, api := range c.APIs {
		if api.ID == id {
			return api.IsHTTP()
		}
	}
	return false
}

// IsRoot tells whether the mapping serves the domain's root.
func (m BasePathMapping) IsRoot() bool { return m.BasePath == "" || m.BasePath == NoBasePath }

func (c *Config) validateDomainNames(probs *diag.Problems) {
	switch {
	case len(c.DomainNames) > 0 && c.TLS.Listen == "":
		c.TLS.Listen = DefaultTLSListen
	case len(c.DomainNames) == 0 && c.TLS.Listen != "":
		// The HTTPS listener serves custom domains only: without one, Envoy opens none.
		c.Warnings.Addf(c.File, "/tls/listen", "tls.listen has no effect without domainNames: Envoy opens no HTTPS listener")
	}
	if c.TLS.Listen != "" {
		if err := checkHostPort(c.TLS.Listen); err != nil {
			probs.Addf(c.File, "/tls/listen", "%v", err)
		}
	}
	for i, api := range c.APIs {
		if api.IsWebSocket() && api.DisableExecuteAPIEndpoint {
			probs.Addf(c.File, diag.Pointer("apis", i, "disableExecuteApiEndpoint"), "disableExecuteApiEndpoint on a WebSocket API is not supported yet: its stages are served on their own host only")
		}
	}
	seen := map[string]int{}
	for i := range c.DomainNames {
		d := &c.DomainNames[i]
		at := func(tokens ...any) string { return diag.Pointer(append([]any{"domainNames", i}, tokens...)...) }
		d.DomainName = strings.ToLower(d.DomainName)
		switch j, dup := seen[d.DomainName]; {
		case !customDomainPattern.MatchString(d.DomainName):
			probs.Addf(c.File, at("domainName"), "invalid domain name %q: want a DNS name such as api.example.com, or *.example.com", d.DomainName)
		case dup:
			probs.Addf(c.File, at("domainName"), "domain name %q is already /domainNames/%d's", d.DomainName, j)
		case strings.HasSuffix(d.DomainName, "."+c.Domain) || d.DomainName == c.Domain:
			probs.Addf(c.File, at("domainName"), "domain name %q is under the invocation domain %q, whose hosts are the APIs'", d.DomainName, c.Domain)
		default:
			seen[d.DomainName] = i
		}
		if d.Certificate.CertFile == "" {
			probs.Addf(c.File, at("certificate", "certFile"), "domain name %q needs its certificate: the PEM file of its chain", d.DomainName)
		}
		if d.Certificate.KeyFile == "" {
			probs.Addf(c.File, at("certificate", "keyFile"), "domain name %q needs its certificate's private key: a PEM file", d.DomainName)
		}
		if d.SecurityPolicy == "" {
			d.SecurityPolicy = SecurityPolicyTLS12
		}
		if d.SecurityPolicy != SecurityPolicyTLS10 && d.SecurityPolicy != SecurityPolicyTLS12 {
			probs.Addf(c.File, at("securityPolicy"), "security policy %q is not supported yet (supported: TLS_1_0, TLS_1_2)", d.SecurityPolicy)
		}
		switch d.EndpointType {
		case "":
			d.EndpointType = EndpointRegional
		case EndpointRegional, EndpointEdge:
		case endpointPrivate:
			probs.Addf(c.File, at("endpointType"), "endpoint type PRIVATE is not supported yet: Tollgate serves REGIONAL and EDGE domain names")
		default:
			probs.Addf(c.File, at("endpointType"), "invalid endpoint type %q: want REGIONAL, EDGE or PRIVATE", d.EndpointType)
		}
		if m := d.MutualTLSAuthentication; m != nil && m.TruststoreFile == "" {
			probs.Addf(c.File, at("mutualTlsAuthentication", "truststoreFile"), "mutual TLS needs the truststore: the PEM file of the CA certificates that clients' certificates chain to")
		}
		c.validateBasePathMappings(probs, i)
	}
}

func (c *Config) validateBasePathMappings(probs *diag.Problems, i int) {
	d := &c.DomainNames[i]
	paths := map[string]int{}
	for j := range d.BasePathMappings {
		m := &d.BasePathMappings[j]
		at := func(key string) string { return diag.Pointer("domainNames", i, "basePathMappings", j, key) }
		if m.IsRoot() {
			m.BasePath = NoBasePath
		}
		switch k, dup := paths[m.BasePath]; {
		case dup:
			probs.Addf(c.File, at("basePath"), "base path %q is already /domainNames/%d/basePathMappings/%d's", m.BasePath, i, k)
		case m.IsRoot():
			paths[m.BasePath] = j
		case len(m.BasePath) > maxBasePath || !basePathPattern.MatchString(m.BasePath):
			probs.Addf(c.File, at("basePath"), "invalid base path %q: want up to %d of A-Z a-z 0-9 $-_.+!*'() in segments split by /, without a leading or trailing /", m.BasePath, maxBasePath)
		case strings.Contains(m.BasePath, "/") && d.SecurityPolicy != SecurityPolicyTLS12:
			// API Gateway's rule: a multi-level base path needs TLS 1.2.
			probs.Addf(c.File, at("basePath"), "the multi-level base path %q needs the domain's securityPolicy TLS_1_2, as API Gateway's do", m.BasePath)
		default:
			paths[m.BasePath] = j
		}
		if m.APIID == "" {
			probs.Addf(c.File, at("apiId"), "a base path mapping needs the apiId of the API it serves")
		}
		if m.Stage == "" && c.isHTTPAPI(m.APIID) {
			// API Gateway's API mappings of HTTP APIs name their stage; only a REST API's base path mapping may
			// leave it to the caller's path.
			probs.Addf(c.File, at("stage"), "a mapping of the HTTP API %q needs the stage it serves", m.APIID)
		}
	}
}
