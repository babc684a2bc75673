package source

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/xds/translate"
)

// BenchmarkReload1000 times a reload of a config deploying 1,000 APIs of 10 methods (one shared definition),
// after a first load has imported it: the work a hot reload does at scale, from the files to the Envoy resources
// (load, model check, IR, translation).
func BenchmarkReload1000(b *testing.B) {
	dir := b.TempDir()
	var def strings.Builder
	def.WriteString("openapi: 3.0.3\ninfo: {title: scale, version: '1'}\npaths:\n")
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&def, "  /things%d/{id}:\n", i)
		for _, m := range []string{"get", "put"} {
			fmt.Fprintf(&def, "    %s:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: %s, uri: 'http://10.0.0.1:8080/things/{id}', requestParameters: {integration.request.path.id: method.request.path.id}}\n", m, strings.ToUpper(m))
		}
	}
	cfg := "apis:\n"
	for i := 0; i < 1000; i++ {
		cfg += fmt.Sprintf("  - {id: scale%06d, definition: scale.yaml, stages: [{stageName: prod}]}\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "scale.yaml"), []byte(def.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(dir, "tollgate.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		b.Fatal(err)
	}
	ld := New()
	if _, err := ld.Load(file); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l, err := ld.Load(file)
		if err != nil {
			b.Fatal(err)
		}
		translate.Translate(l.Snapshot)
	}
}
