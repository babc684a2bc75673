package ir

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

var update = flag.Bool("update", false, "rewrite the golden *.ir.yaml files from the current build")

// goldenInput is a golden input: a model (a Gateway, as protojson writes it) and the settings it is built with.
type goldenInput struct {
	Settings struct {
		Domain string `yaml:"domain"`
		Lambda struct {
			Endpoint  string            `yaml:"endpoint"`
			Region    string            `yaml:"region"`
			Functions map[string]string `yaml:"functions"`
		} `yaml:"lambda"`
		RateLimit struct {
			FailClosed bool          `yaml:"failClosed"`
			Timeout    time.Duration `yaml:"timeout"`
		} `yaml:"rateLimit"`
	} `yaml:"settings"`
	Gateway any `yaml:"gateway"`
}

// TestGolden builds every testdata/*.in.yaml model and compares the snapshot with *.ir.yaml. The translator's
// golden files start from these snapshots, so a change here shows in both layers' diffs, and a change in the
// importer in neither.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.in.yaml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(strings.TrimSuffix(filepath.Base(in), ".in.yaml"), func(t *testing.T) {
			gw, settings := readGoldenInput(t, in)
			snap, err := Build(gw, settings)
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			got := MarshalYAML(t, snap)
			out := strings.TrimSuffix(in, ".in.yaml") + ".ir.yaml"
			if *update {
				if err := os.WriteFile(out, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/ir -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("the snapshot of %s differs from %s (run go test ./internal/ir -update and review the diff)", in, out)
			}
		})
	}
}

func readGoldenInput(t *testing.T, in string) (*tollgatev1.Gateway, Settings) {
	t.Helper()
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	var input goldenInput
	if err := yaml.Unmarshal(data, &input); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(input.Gateway)
	if err != nil {
		t.Fatal(err)
	}
	gw := &tollgatev1.Gateway{}
	if err := protojson.Unmarshal(b, gw); err != nil {
		t.Fatalf("%s: gateway: %v", in, err)
	}
	s := input.Settings
	return gw, Settings{
		Domain:    s.Domain,
		Lambda:    LambdaSettings{Endpoint: s.Lambda.Endpoint, Region: s.Lambda.Region, Functions: s.Lambda.Functions},
		RateLimit: RateLimitSettings{FailClosed: s.RateLimit.FailClosed, Timeout: Duration(s.RateLimit.Timeout)},
	}
}

// MarshalYAML writes a snapshot as its golden file does: its JSON form, as YAML for readable diffs.
func MarshalYAML(t testing.TB, snap *Snapshot) []byte {
	t.Helper()
	b, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	var plain any
	if err := json.Unmarshal(b, &plain); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
