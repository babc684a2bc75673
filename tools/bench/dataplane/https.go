package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// The HTTPS phase: the passthrough route on a custom domain name of Tollgate's (its HTTPS listener, the domain's
// certificate by SNI, the base path mapping's rewrite) against a bare Envoy terminating TLS with the same
// certificate and routing to the same backend, in turns; the built-in generator makes the load either way.

// benchDomain is the custom domain the phase serves the bench API's prod stage under.
const benchDomain = "api.bench.example"

// domainConfig is what the gateway adds to its config: the HTTPS listener and the domain, its root mapped to the
// bench API's prod stage.
const domainConfig = `tls: {listen: %s}
domainNames:
  - domainName: ` + benchDomain + `
    certificate: {certFile: %s, keyFile: %s}
    basePathMappings: [{basePath: (none), apiId: bench, stage: prod}]
`

// bareTLSEnvoy is a bare Envoy terminating TLS with the certificate, TLS 1.2 and 1.3 and the ALPN Tollgate's
// listener offers, routing everything to the backend.
const bareTLSEnvoy = `static_resources:
  listeners:
  - name: bare_tls
    address: {socket_address: {address: 127.0.0.1, port_value: %s}}
    filter_chains:
    - transport_socket:
        name: envoy.transport_sockets.tls
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
          common_tls_context:
            tls_params: {tls_minimum_protocol_version: TLSv1_2, tls_maximum_protocol_version: TLSv1_3}
            tls_certificates: [{certificate_chain: {filename: %s}, private_key: {filename: %s}}]
            alpn_protocols: [h2, http/1.1]
      filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bare_tls
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: backend}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: backend
    type: STATIC
    connect_timeout: 5s
    load_assignment:
      cluster_name: backend
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %s, port_value: %s}}}}]}]
`

// compareHTTPS measures the passthrough route over HTTPS: Tollgate's custom domain against the bare Envoy with
// the same certificate, rounds in turns, and prints their throughput and latencies and the ratio.
func compareHTTPS(ctx context.Context, tollgateBin, envoyBin, dir, backend string, duration time.Duration, rounds, conns int) error {
	certFile, keyFile := filepath.Join(dir, "bench-domain.crt"), filepath.Join(dir, "bench-domain.key")
	// A self-signed certificate for the domain, by the openssl every Debian has.
	cmd := exec.CommandContext(ctx, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
		"-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN="+benchDomain, "-addext", "subjectAltName=DNS:"+benchDomain)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("openssl: %v: %s", err, out)
	}
	pemData, err := os.ReadFile(certFile)
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemData) {
		return errors.New("the bench certificate does not parse")
	}
	tlsListen, err := freeAddr()
	if err != nil {
		return err
	}
	gw, err := startTollgate(ctx, tollgateBin, envoyBin, filepath.Join(dir, "https"), backend, gatewayOptions{
		config: fmt.Sprintf(domainConfig, tlsListen, certFile, keyFile)})
	if err != nil {
		return err
	}
	defer gw.stop()
	bare, err := freeAddr()
	if err != nil {
		return err
	}
	_, bport, _ := net.SplitHostPort(bare)
	bhost, beport, _ := net.SplitHostPort(backend)
	barePid, err := startStaticEnvoy(ctx, envoyBin, filepath.Join(dir, "bare-tls.yaml"), fmt.Sprintf(bareTLSEnvoy, bport, certFile, keyFile, bhost, beport), bare)
	if err != nil {
		return err
	}
	tlsConfig := &tls.Config{RootCAs: roots, ServerName: benchDomain}
	targets := []target{
		{name: "bare Envoy, TLS", url: "https://" + benchDomain + "/bench", dial: bare, tls: tlsConfig,
			cpu: func() (time.Duration, time.Duration) { return 0, processCPU(barePid) }},
		{name: "Tollgate, custom domain", url: "https://" + benchDomain + "/bench", dial: tlsListen, tls: tlsConfig, gw: gw},
	}
	for _, t := range targets { // the listener and its certificate arrive
		if err := waitFor(func() bool { _, err := load(t, 1, 100*time.Millisecond); return err == nil }); err != nil {
			return fmt.Errorf("%s: not serving", t.name)
		}
	}
	results, err := inTurns(load, targets, rounds, conns, duration)
	if err != nil {
		return err
	}
	fmt.Printf("HTTPS passthrough: %d connections (kept alive), %d rounds of %s per target, GET /bench through TLS 1.3 to a Go backend on loopback\n", conns, rounds, duration)
	printResults(targets, results)
	a, b := results[1], results[0]
	fmt.Printf("ratio Tollgate custom domain/bare Envoy with the same certificate: throughput %.3f (goal ≥ 0.97), p50 %.3f, p99 %.3f\n",
		a.rps()/b.rps(), float64(a.percentile(50))/float64(b.percentile(50)), float64(a.percentile(99))/float64(b.percentile(99)))
	return nil
}

// httpsTransport is a load's transport to a TLS target: every connection dialled to its address, the URL's host
// its SNI.
func httpsTransport(t target, conns int) *http.Transport {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true, TLSClientConfig: t.tls,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, t.dial)
		}}
}
