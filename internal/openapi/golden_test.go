package openapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tollgate-gw/tollgate/internal/golden"
)

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
			model, err := protojson.Marshal(api)
			if err != nil {
				t.Fatal(err)
			}
			doc := struct {
				API      json.RawMessage `json:"api"`
				Warnings []string        `json:"warnings,omitempty"`
			}{API: model}
			for _, w := range warnings {
				doc.Warnings = append(doc.Warnings, w.String())
			}
			b, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, strings.TrimSuffix(in, ".yaml")+".model.yaml", golden.YAML(t, b))
		})
	}
}
