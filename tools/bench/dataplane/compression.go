package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"
)

// The compression phase: a 100 KB JSON response through an API with minimumCompressionSize against the same
// response through the same gateway's API without, at a fixed rate, in turns; the client accepts gzip (Go's
// client asks for it and decompresses what it gets), so the difference is compressing, sending less and
// decompressing.

// largeJSON is the backend's 100 KB JSON answer to /large: records of an order book, as an API returns them.
var largeJSON = func() []byte {
	var b strings.Builder
	b.WriteString(`{"orders": [`)
	for i := 0; b.Len() < 100*1024; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id": "o-%06d", "customer": "c-%04d", "total": %d.%02d, "status": "shipped", "lines": [{"sku": "BK-%d", "qty": %d}]}`, i, i%997, i%500, i%100, i%89, 1+i%5)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}()

// compressedAPI is the bench API's /large with compression from 1,024 bytes; plainAPI the same without.
const (
	compressedAPI = `openapi: 3.0.3
info: {title: packed, version: "1"}
x-amazon-apigateway-minimum-compression-size: 1024
paths:
  /large:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.backend}/large"}
`
	plainAPI = `openapi: 3.0.3
info: {title: plain, version: "1"}
paths:
  /large:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.backend}/large"}
`
)

// compareCompression measures the added latency of compressing the 100 KB response, at 200 requests/s.
func compareCompression(ctx context.Context, tollgateBin, envoyBin, dir, backend string, duration time.Duration) error {
	stage := fmt.Sprintf("stages: [{stageName: prod, variables: {backend: %q}}]", backend)
	gw, err := startTollgate(ctx, tollgateBin, envoyBin, filepath.Join(dir, "compression"), backend, gatewayOptions{
		apis:  "  - {id: packed, definition: packed.yaml, " + stage + "}\n  - {id: plain, definition: plain.yaml, " + stage + "}\n",
		files: map[string]string{"packed.yaml": compressedAPI, "plain.yaml": plainAPI},
	})
	if err != nil {
		return err
	}
	defer gw.stop()
	targets := []target{
		{name: "uncompressed", url: "http://" + gw.listen + "/prod/large", host: "plain.execute-api.localhost"},
		{name: "compressed (gzip)", url: "http://" + gw.listen + "/prod/large", host: "packed.execute-api.localhost"},
	}
	// Each answers as it should: the compressed one gzip-encoded, the other not.
	for i, want := range []string{"", "gzip"} {
		req, _ := http.NewRequest(http.MethodGet, targets[i].url, nil)
		req.Host = targets[i].host
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if got := resp.Header.Get("Content-Encoding"); resp.StatusCode != http.StatusOK || got != want {
			return fmt.Errorf("%s: %d, Content-Encoding %q, want %q", targets[i].name, resp.StatusCode, got, want)
		}
	}
	const rate = 200
	lat := make([][]time.Duration, len(targets))
	for round := 0; round < 2; round++ {
		for i, t := range targets {
			l, err := fixedRate(t, rate, duration/2)
			if err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
			lat[i] = append(lat[i], l...)
		}
	}
	fmt.Printf("A %d KB JSON response at %d requests/s, 2 rounds of %s each, the client accepting gzip:\n", len(largeJSON)/1024, rate, duration/2)
	for i, t := range targets {
		fmt.Printf("  %-20s p50 %s, p99 %s\n", t.name+":", pct(lat[i], 50), pct(lat[i], 99))
	}
	fmt.Printf("compression's added p50: %s (p99 %s)\n", pct(lat[1], 50)-pct(lat[0], 50), pct(lat[1], 99)-pct(lat[0], 99))
	return nil
}
