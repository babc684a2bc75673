package openapi

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
)

var update = flag.Bool("update", false, "rewrite the golden *.model.yaml files from the current import")

// TestGolden imports every testdata/golden definition and compares the model and the warnings with its
// .model.yaml. The IR's golden inputs are models too, so an importer change moves these files and no others.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/golden/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		if strings.HasSuffix(in, ".model.yaml") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(in), ".yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			api, warnings, err := Import(name+".yaml", data)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			b, err := protojson.Marshal(api)
			if err != nil {
				t.Fatal(err)
			}
			var model any
			if err := json.Unmarshal(b, &model); err != nil {
				t.Fatal(err)
			}
			doc := map[string]any{"api": model}
			if len(warnings) > 0 {
				var ws []string
				for _, w := range warnings {
					ws = append(ws, w.String())
				}
				doc["warnings"] = ws
			}
			got, err := yaml.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			out := strings.TrimSuffix(in, ".yaml") + ".model.yaml"
			if *update {
				if err := os.WriteFile(out, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/openapi -run TestGolden -args -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("the model of %s differs from %s (run go test ./internal/openapi -run TestGolden -args -update and review the diff)", in, out)
			}
		})
	}
}
