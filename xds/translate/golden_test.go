package translate

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the current translation")

// irGoldens are the translator's inputs: the IR golden files, the snapshots ir.Build makes of its golden models.
// Starting from them keeps this layer's goldens still when the importer or the model changes, and moves them
// only when what Envoy must do changes.
const irGoldens = "../../internal/ir/testdata/*.ir.yaml"

// TestGolden translates every IR golden snapshot and compares each xDS type with testdata/{name}/{type}.yaml.
func TestGolden(t *testing.T) {
	inputs := goldenInputs(t)
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".ir.yaml")
		t.Run(name, func(t *testing.T) {
			out := translateGolden(t, in)
			lis, err := out.Listener("127.0.0.1:8080")
			if err != nil {
				t.Fatal(err)
			}
			var clusters []any
			for _, c := range out.Clusters {
				clusters = append(clusters, toPlain(t, c))
			}
			for file, v := range map[string]any{"listener.yaml": toPlain(t, lis), "routes.yaml": toPlain(t, out.Routes), "clusters.yaml": clusters} {
				compareGolden(t, filepath.Join("testdata", name, file), v)
			}
		})
	}
}

func goldenInputs(t *testing.T) []string {
	t.Helper()
	inputs, err := filepath.Glob(irGoldens)
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs at %s: %v", irGoldens, err)
	}
	return inputs
}

func compareGolden(t *testing.T, file string, v any) {
	t.Helper()
	got, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./xds/translate -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("translation differs from %s (run go test ./xds/translate -update and review the diff):\n%s", file, firstDifference(string(want), string(got)))
	}
}

// translateGolden reads an IR golden snapshot and translates it.
func translateGolden(t *testing.T, in string) *Output {
	t.Helper()
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	var plain any
	if err := yaml.Unmarshal(data, &plain); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	snap := &ir.Snapshot{}
	if err := json.Unmarshal(b, snap); err != nil {
		t.Fatalf("%s: %v", in, err)
	}
	return Translate(snap)
}

// toPlain goes through JSON because protojson's output is deliberately unstable byte for byte; YAML of the
// decoded value is stable and readable in a diff.
func toPlain(t *testing.T, m proto.Message) any {
	t.Helper()
	b, err := protojson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return ""
}
