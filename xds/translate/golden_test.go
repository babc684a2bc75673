package translate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/golden"
	"github.com/tollgate-gw/tollgate/internal/ir"
)

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
			clusters := []json.RawMessage{}
			for _, c := range out.Clusters {
				clusters = append(clusters, protoJSON(t, c))
			}
			clusterList, err := json.Marshal(clusters)
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{"listener.yaml": protoJSON(t, lis), "routes.yaml": protoJSON(t, out.Routes), "clusters.yaml": clusterList}
			tlsListener, err := out.TLSListener(out.TLSListen())
			if err != nil {
				t.Fatal(err)
			}
			if tlsListener != nil {
				secrets := []json.RawMessage{}
				for _, s := range out.Secrets() {
					secrets = append(secrets, protoJSON(t, s))
				}
				secretList, err := json.Marshal(secrets)
				if err != nil {
					t.Fatal(err)
				}
				files["tls_listener.yaml"], files["secrets.yaml"] = protoJSON(t, tlsListener), secretList
			}
			for file, b := range files {
				golden.Check(t, filepath.Join("testdata", name, file), golden.YAML(t, b))
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

// protoJSON is a message's JSON, for golden.YAML: protojson's own output is deliberately unstable byte for byte.
func protoJSON(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := protojson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
