package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/certtest"
)

// tlsConfig is tollgate.yaml's tls block, and domainName one of its domainNames.
type tlsConfig struct {
	Listen string `yaml:"listen"`
}

type domainName struct {
	DomainName              string            `yaml:"domainName"`
	Certificate             certificateFiles  `yaml:"certificate"`
	SecurityPolicy          string            `yaml:"securityPolicy,omitempty"`
	EndpointType            string            `yaml:"endpointType,omitempty"`
	MutualTLSAuthentication *mutualTLS        `yaml:"mutualTlsAuthentication,omitempty"`
	BasePathMappings        []basePathMapping `yaml:"basePathMappings"`
}

type mutualTLS struct {
	TruststoreFile string `yaml:"truststoreFile"`
}

type certificateFiles struct {
	CertFile string `yaml:"certFile"`
	KeyFile  string `yaml:"keyFile"`
}

type basePathMapping struct {
	BasePath string `yaml:"basePath,omitempty"`
	APIID    string `yaml:"apiId"`
	Stage    string `yaml:"stage,omitempty"`
}

// httpsClient calls the gateway's HTTPS listener at addr whatever the URL's host, trusting the CA's certificates
// only, with TLS versions from minVersion to maxVersion (0: Go's defaults).
func httpsClient(addr string, roots *x509.CertPool, minVersion, maxVersion uint16) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: minVersion, MaxVersion: maxVersion},
	}}
}

// handshake is the certificate the HTTPS listener presents for serverName, or the handshake's error.
func handshake(addr, serverName string, roots *x509.CertPool, maxVersion uint16) (*x509.Certificate, error) {
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
		&tls.Config{ServerName: serverName, RootCAs: roots, MinVersion: tls.VersionTLS10, MaxVersion: maxVersion})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

// TestCustomDomains serves two APIs on custom domain names through a real Envoy's HTTPS listener: each domain's
// certificate chosen by SNI (a wildcard's too), the security policies' TLS versions, base path mappings (the
// longest first, multi-level, the root), what the integrations are told of the domain and the path, a disabled
// default endpoint, and certificates rotated (and a broken one refused) without a restart.
func TestCustomDomains(t *testing.T) {
	requireEnvoy(t)
	fns := startFunctions(t, "echo")
	prod, v2, shop := startBackend(t, "prod"), startBackend(t, "v2"), startBackend(t, "shop")
	raw := startRawBackend(t)
	ca := certtest.NewCA(t)
	roots := ca.Pool()

	cfg := newGatewayConfig(t)
	cfg.TLS = &tlsConfig{Listen: freeAddrs(t, 1)[0]}
	dir := t.TempDir()
	apiCert, apiKey := certtest.WriteFiles(t, dir, "api", ca.Issue(t, "api.example.com"))
	orgCert, orgKey := certtest.WriteFiles(t, dir, "org", ca.Issue(t, "*.example.org"))
	edgeCert, edgeKey := certtest.WriteFiles(t, dir, "edge", ca.Issue(t, "edge.example.net"))
	cfg.DomainNames = []domainName{
		{DomainName: "api.example.com", Certificate: certificateFiles{apiCert, apiKey}, BasePathMappings: []basePathMapping{
			{BasePath: "orders", APIID: "orders", Stage: "prod"},
			{BasePath: "orders/v2", APIID: "orders", Stage: "v2"},
			{BasePath: "(none)", APIID: "shop", Stage: "$default"},
		}},
		{DomainName: "*.example.org", SecurityPolicy: "TLS_1_0", Certificate: certificateFiles{orgCert, orgKey}, BasePathMappings: []basePathMapping{
			{BasePath: "shop", APIID: "shop", Stage: "$default"},
			{BasePath: "orders", APIID: "orders"}, // every stage, named after the base path
		}},
		{DomainName: "edge.example.net", EndpointType: "EDGE", Certificate: certificateFiles{edgeCert, edgeKey}, BasePathMappings: []basePathMapping{
			{APIID: "orders", Stage: "raw"},
		}},
	}
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"echo": fns["echo"].invokeURL()}}
	cfg.APIs = []apiConfig{
		{ID: "orders", Definition: "orders.yaml", DisableExecuteAPIEndpoint: true, Stages: []stageConfig{
			{StageName: "prod", Variables: map[string]string{"backend": prod.addr}},
			{StageName: "v2", Variables: map[string]string{"backend": v2.addr}},
			{StageName: "raw", Variables: map[string]string{"backend": raw.addr}},
		}},
		{ID: "shop", Definition: "shop.yaml", ProtocolType: "HTTP", Stages: []stageConfig{
			{StageName: "$default", Variables: map[string]string{"backend": shop.addr}},
		}},
	}
	tg := startGateway(t, cfg, map[string]string{"orders.yaml": "domains/orders.yaml", "shop.yaml": "domains/shop.yaml"})
	tlsAddr := cfg.TLS.Listen
	waitPresented(t, tlsAddr, "api.example.com", roots, func(*x509.Certificate) bool { return true }) // the listener is up

	t.Run("certificates by SNI", func(t *testing.T) {
		for name, want := range map[string]string{"api.example.com": "api.example.com", "shop.example.org": "*.example.org"} {
			cert, err := handshake(tlsAddr, name, roots, 0)
			if err != nil {
				t.Fatalf("handshake for %s: %v", name, err)
			}
			if cert.Subject.CommonName != want {
				t.Errorf("handshake for %s presented %s's certificate, want %s's", name, cert.Subject.CommonName, want)
			}
		}
		if _, err := handshake(tlsAddr, "other.example.net", roots, 0); err == nil {
			t.Error("a handshake for a name no domain has succeeded, want it refused")
		}
	})

	t.Run("security policies", func(t *testing.T) {
		if _, err := handshake(tlsAddr, "api.example.com", roots, tls.VersionTLS11); err == nil {
			t.Error("TLS 1.1 to a TLS_1_2 domain succeeded, want it refused")
		}
		if _, err := handshake(tlsAddr, "shop.example.org", roots, tls.VersionTLS11); err != nil {
			t.Errorf("TLS 1.1 to a TLS_1_0 domain: %v, want it accepted", err)
		}
		if _, err := handshake(tlsAddr, "api.example.com", roots, tls.VersionTLS12); err != nil {
			t.Errorf("TLS 1.2 to a TLS_1_2 domain: %v", err)
		}
	})

	client := httpsClient(tlsAddr, roots, 0, 0)
	get := func(t *testing.T, url string) reply {
		t.Helper()
		res, err := client.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return reply{status: res.StatusCode, header: res.Header, body: string(body)}
	}

	t.Run("base path mappings", func(t *testing.T) {
		for _, tt := range []struct{ url, backend, requestURI string }{
			{"https://api.example.com/orders/items/7", "prod", "/items/7"},
			{"https://api.example.com/orders/v2/items/7?q=1", "v2", "/items/7?q=1"}, // the longest base path wins
			{"https://api.example.com/pets/1", "shop", "/shop"},                     // (none): the rest
			{"https://api.example.com/ordersx/items/7", "shop", "/shop"},            // not under orders: a path starts at a /
			{"https://shop.example.org/shop/anything", "shop", "/shop"},             // under a wildcard domain
			{"https://shop.example.org/orders/prod/items/7", "prod", "/items/7"},    // a mapping without a stage
			{"https://shop.example.org/orders/v2/items/7", "v2", "/items/7"},
		} {
			r := get(t, tt.url)
			if r.status != http.StatusOK {
				t.Errorf("GET %s: %d %s, want backend %s", tt.url, r.status, r.body, tt.backend)
				continue
			}
			var e echo
			if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Backend != tt.backend || e.RequestURI != tt.requestURI {
				t.Errorf("GET %s reached %s with %s, want %s with %s", tt.url, e.Backend, e.RequestURI, tt.backend, tt.requestURI)
			}
		}
		for url, want := range map[string]string{
			// Under a mapping, a path the API lacks is the API's own 403.
			"https://api.example.com/orders/v2x": `{"message":"Missing Authentication Token"}`,
			// Under none, on a domain without a root mapping: API Gateway's Forbidden.
			"https://shop.example.org/other": `{"message":"Forbidden"}`,
			// A mapping without a stage, and a stage the API lacks.
			"https://shop.example.org/orders/v3/items/7": `{"message":"Forbidden"}`,
		} {
			if r := get(t, url); r.status != http.StatusForbidden || r.body != want {
				t.Errorf("GET %s: %d %s, want 403 %s", url, r.status, r.body, want)
			}
		}
		// The paths API Gateway reserves for its health check, before any mapping (the root's included).
		for _, url := range []string{"https://api.example.com/ping", "https://api.example.com/sping", "https://shop.example.org/ping"} {
			if r := get(t, url); r.status != http.StatusOK || r.body != "healthy" {
				t.Errorf("GET %s: %d %s, want 200 healthy", url, r.status, r.body)
			}
		}
	})

	t.Run("an edge-optimized domain", func(t *testing.T) {
		// As CloudFront passes requests on: header names capitalised, cookies sorted by name, towards an HTTP
		// backend and in a Lambda event.
		header := http.Header{"x-custom-thing": {"1"}, "cookie": {"zeta=1; alpha=2", "mid=3"}}
		req, _ := http.NewRequest(http.MethodGet, "https://edge.example.net/items/7", nil)
		req.Header = header
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var seen rawRequest
		err = json.NewDecoder(res.Body).Decode(&seen)
		res.Body.Close()
		if err != nil {
			t.Fatalf("the raw backend's answer: %v", err)
		}
		if !slices.Contains(seen.Lines, "X-Custom-Thing: 1") || !slices.Contains(seen.Lines, "Cookie: alpha=2; mid=3; zeta=1") {
			t.Errorf("the backend was sent %q, want X-Custom-Thing: 1 and Cookie: alpha=2; mid=3; zeta=1", seen.Lines)
		}
		// A regional domain passes names on as the client wrote them, cookies as sent.
		req, _ = http.NewRequest(http.MethodGet, "https://shop.example.org/orders/raw/items/7", nil)
		req.Header = http.Header{"X-CuStOm": {"1"}, "cookie": {"zeta=1; alpha=2"}}
		res, err = client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		seen = rawRequest{}
		err = json.NewDecoder(res.Body).Decode(&seen)
		res.Body.Close()
		if err != nil || !slices.Contains(seen.Lines, "X-CuStOm: 1") || !slices.Contains(seen.Lines, "cookie: zeta=1; alpha=2") {
			t.Errorf("through a regional domain the backend was sent %q (%v), want X-CuStOm: 1 and cookie: zeta=1; alpha=2 as written", seen.Lines, err)
		}
		req, _ = http.NewRequest(http.MethodGet, "https://edge.example.net/event", nil)
		req.Header = http.Header{"cookie": {"b=1; a=2"}}
		res, err = client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var event struct {
			Headers map[string]string `json:"headers"`
		}
		err = json.NewDecoder(res.Body).Decode(&event)
		res.Body.Close()
		if err != nil || event.Headers["Cookie"] != "a=2; b=1" {
			t.Errorf("the Lambda event's headers: %v (%v), want Cookie a=2; b=1", event.Headers, err)
		}
	})

	t.Run("the domain and the path the client called", func(t *testing.T) {
		r := get(t, "https://api.example.com/orders")
		if want := `{"root": true, "domain": "api.example.com", "path": "/orders"}`; r.status != http.StatusOK || r.body != want {
			t.Errorf("the stage's root through the mapping: %d %s, want %s", r.status, r.body, want)
		}
		r = get(t, "https://api.example.com/orders/v2/event?x=1")
		var event struct {
			Resource       string            `json:"resource"`
			Path           string            `json:"path"`
			Headers        map[string]string `json:"headers"`
			RequestContext struct {
				DomainName string `json:"domainName"`
				Path       string `json:"path"`
				Stage      string `json:"stage"`
			} `json:"requestContext"`
		}
		if err := json.Unmarshal([]byte(r.body), &event); err != nil {
			t.Fatalf("the Lambda event: %d %s: %v", r.status, r.body, err)
		}
		// As AWS reports a request through a base path mapping: its path as called, the base path included.
		if event.Resource != "/event" || event.Path != "/orders/v2/event" || event.RequestContext.Path != "/orders/v2/event" || event.Headers["Host"] != "api.example.com" ||
			event.RequestContext.DomainName != "api.example.com" || event.RequestContext.Stage != "v2" {
			t.Errorf("the Lambda event: %s", r.body)
		}
	})

	t.Run("the disabled default endpoint", func(t *testing.T) {
		for _, c := range []call{
			{url: tg.url("/prod/items/7"), host: "orders." + domain},
			{url: tg.url("/prod/nothing"), host: "orders." + domain},
			{url: tg.url("/restapis/orders/prod/_user_request_/items/7")},
		} {
			if r := send(t, c); r.status != http.StatusForbidden || r.body != `{"message":"Forbidden"}` {
				t.Errorf("%s: %d %s, want 403 Forbidden", c, r.status, r.body)
			}
		}
		// An HTTP API's answers carry its own request id header: trySend, which checks none.
		if r, err := trySend(call{url: tg.url("/pets"), host: "shop." + domain}); err != nil || r.status != http.StatusOK {
			t.Errorf("the shop API, whose default endpoint is served: %d %s (%v)", r.status, r.body, err)
		}
		// A custom domain is HTTPS only: over plain HTTP its host meets a 403.
		if r := send(t, call{url: tg.url("/orders/items/7"), host: "api.example.com"}); r.status != http.StatusForbidden {
			t.Errorf("plain HTTP for a custom domain: %d %s, want 403", r.status, r.body)
		}
	})

	t.Run("certificate rotation", func(t *testing.T) {
		before, err := handshake(tlsAddr, "api.example.com", roots, 0)
		if err != nil {
			t.Fatal(err)
		}
		envoyPID := tg.envoy.pid
		rotated := ca.Issue(t, "api.example.com")
		newCert, newKey := certtest.WriteFiles(t, t.TempDir(), "api", rotated)
		for _, f := range [][2]string{{newKey, apiKey}, {newCert, apiCert}} {
			data, err := os.ReadFile(f[0])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f[1], data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		want := rotated.Certificate[0]
		waitPresented(t, tlsAddr, "api.example.com", roots, func(c *x509.Certificate) bool {
			return string(c.Raw) == string(want) && c.SerialNumber.Cmp(before.SerialNumber) != 0
		})
		if found := findEnvoyChild(t, tg.pid(), tg.dir); found.pid != envoyPID {
			t.Errorf("Envoy was restarted (pid %d, then %d), want the certificate sent to the one running", envoyPID, found.pid)
		}
		// A certificate that is none is refused with the reload, and the last one keeps serving.
		if err := os.WriteFile(apiCert, []byte("not a certificate"), 0o644); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second) // the reload is tried, and refused
		if c, err := handshake(tlsAddr, "api.example.com", roots, 0); err != nil || string(c.Raw) != string(want) {
			t.Errorf("after a broken certificate: %v, want the last good certificate served", err)
		}
		if !strings.Contains(tg.out.String(), "do not make a TLS certificate") {
			t.Error("the broken certificate's reload was not refused with its reason in the log")
		}
	})
}

// waitPresented waits until a handshake for serverName presents a certificate ok accepts.
func waitPresented(t *testing.T, addr, serverName string, roots *x509.CertPool, ok func(*x509.Certificate) bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := handshake(addr, serverName, roots, 0)
		if err == nil && ok(c) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the certificate wanted was not presented within 15s (last: %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestCustomDomainMutualTLS requires client certificates on a domain: one that chains to the truststore in four
// certificates is admitted and reported to the integration, one chaining deeper, one of another CA and none at
// all are refused at the handshake; the certificate reaches no backend, and a client cannot claim one over the
// HTTP listener.
func TestCustomDomainMutualTLS(t *testing.T) {
	requireEnvoy(t)
	fns := startFunctions(t, "echo")
	backend := startBackend(t, "prod")
	serverCA, clientCA := certtest.NewCA(t), certtest.NewCA(t)
	first := clientCA.Intermediate(t, "client CA 1")
	second := first.Intermediate(t, "client CA 2")
	third := second.Intermediate(t, "client CA 3")

	cfg := newGatewayConfig(t)
	cfg.TLS = &tlsConfig{Listen: freeAddrs(t, 1)[0]}
	certFile, keyFile := certtest.WriteFiles(t, t.TempDir(), "mtls", serverCA.Issue(t, "mtls.example.com"))
	cfg.DomainNames = []domainName{{
		DomainName: "mtls.example.com", Certificate: certificateFiles{certFile, keyFile},
		MutualTLSAuthentication: &mutualTLS{TruststoreFile: clientCA.File},
		BasePathMappings:        []basePathMapping{{APIID: "orders", Stage: "prod"}},
	}}
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"echo": fns["echo"].invokeURL()}}
	cfg.APIs = []apiConfig{{ID: "orders", Definition: "orders.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}}}}}
	tg := startGateway(t, cfg, map[string]string{"orders.yaml": "domains/orders.yaml"})

	client := func(certs ...tls.Certificate) *http.Client {
		c := httpsClient(cfg.TLS.Listen, serverCA.Pool(), 0, 0)
		c.Transport.(*http.Transport).TLSClientConfig.Certificates = certs
		return c
	}
	admitted := client(second.IssueClient(t, "client.example"))
	deadline := time.Now().Add(10 * time.Second)
	var res *http.Response
	var err error
	for res, err = admitted.Get("https://mtls.example.com/event"); err != nil && time.Now().Before(deadline); res, err = admitted.Get("https://mtls.example.com/event") {
		time.Sleep(100 * time.Millisecond) // the listener and its secrets arrive
	}
	if err != nil {
		t.Fatalf("a client certificate chaining to the truststore in four: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var event struct {
		RequestContext struct {
			Identity struct {
				ClientCert struct {
					ClientCertPem string `json:"clientCertPem"`
					SubjectDN     string `json:"subjectDN"`
					IssuerDN      string `json:"issuerDN"`
					SerialNumber  string `json:"serialNumber"`
					Validity      struct {
						NotBefore string `json:"notBefore"`
						NotAfter  string `json:"notAfter"`
					} `json:"validity"`
				} `json:"clientCert"`
			} `json:"identity"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(body, &event); err != nil {
		t.Fatalf("the Lambda event: %d %s", res.StatusCode, body)
	}
	cc := event.RequestContext.Identity.ClientCert
	if cc.SubjectDN != "CN=client.example,O=Tollgate tests" || cc.IssuerDN != "CN=client CA 2" || !strings.HasPrefix(cc.ClientCertPem, "-----BEGIN CERTIFICATE-----") ||
		!strings.Contains(cc.SerialNumber, ":") || !strings.HasSuffix(cc.Validity.NotAfter, " GMT") {
		t.Errorf("the event's clientCert: %+v", cc)
	}

	for name, c := range map[string]*http.Client{
		"a chain of five":          client(third.IssueClient(t, "deep.example")),
		"another CA's certificate": client(serverCA.IssueClient(t, "stranger.example")),
		"no certificate":           client(),
	} {
		if res, err := c.Get("https://mtls.example.com/items/7"); err == nil {
			res.Body.Close()
			t.Errorf("%s: answered %d, want the handshake refused", name, res.StatusCode)
		}
	}

	// The backend is not sent the certificate.
	res, err = admitted.Get("https://mtls.example.com/items/7")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	var e echo
	if err := json.Unmarshal(body, &e); err != nil || e.Backend != "prod" || e.Header.Get("X-Forwarded-Client-Cert") != "" {
		t.Errorf("the backend's request: %s (%v), want it without the client's certificate", body, err)
	}
	// Over the HTTP listener a client cannot reach the domain, saying it is HTTPS, nor claim a certificate.
	for _, c := range []call{
		{url: tg.url("/items/7"), host: "mtls.example.com", header: http.Header{"X-Forwarded-Proto": {"https"}}},
		{url: tg.url("/items/7"), host: "mtls.example.com", header: http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Client-Cert": {`Cert="` + strings.ReplaceAll(cc.ClientCertPem, "\n", "%0A") + `"`}}},
	} {
		if r := send(t, c); r.status != http.StatusForbidden || r.body != `{"message":"Forbidden"}` {
			t.Errorf("%s over HTTP: %d %s, want the domain's 403", c, r.status, r.body)
		}
	}
	forged := send(t, call{url: tg.url("/prod/event"), host: "orders." + domain, header: http.Header{"X-Forwarded-Client-Cert": {`Cert="` + strings.ReplaceAll(cc.ClientCertPem, "\n", "%0A") + `"`}}})
	if strings.Contains(forged.body, "clientCert") {
		t.Errorf("a forged x-forwarded-client-cert reached the event: %s", forged.body)
	}
}

// rawRequest is what a raw backend read of a request: its header lines as they came, names in their case.
type rawRequest struct {
	Lines []string `json:"lines"`
}

// startRawBackend serves HTTP/1.1 by hand, to see header names as Envoy wrote them (Go's server canonicalises
// them): each request is answered with its header lines.
func startRawBackend(t *testing.T) *backend {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	serve := func(conn net.Conn) {
		defer conn.Close()
		r := bufio.NewReader(conn)
		for {
			var seen rawRequest
			length := 0
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				line = strings.TrimRight(line, "\r\n")
				if line == "" {
					break
				}
				if name, value, ok := strings.Cut(line, ": "); ok && strings.EqualFold(name, "content-length") {
					length, _ = strconv.Atoi(value)
				}
				seen.Lines = append(seen.Lines, line)
			}
			if _, err := io.CopyN(io.Discard, r, int64(length)); err != nil {
				return
			}
			body, _ := json.Marshal(seen)
			if _, err := io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+string(body)); err != nil {
				return
			}
		}
	}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go serve(conn)
		}
	}()
	return &backend{name: "raw", addr: l.Addr().String()}
}
