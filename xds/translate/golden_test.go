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

	"github.com/tollgate-gw/tollgate/internal/openapi"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

var update = flag.Bool("update", false, "rewrite the golden *.out.yaml files from the current translation")

// deployment is how a golden input says where its definition is deployed: the top-level x-tollgate-test key of
// the definition, which the importer ignores like any unknown extension.
type deployment struct {
	Test struct {
		ID     string `yaml:"id"`
		Domain string `yaml:"domain"`
		Stages []struct {
			StageName       string            `yaml:"stageName"`
			Variables       map[string]string `yaml:"variables"`
			MethodThrottles map[string]struct {
				RateLimit  float64 `yaml:"rateLimit"`
				BurstLimit int32   `yaml:"burstLimit"`
			} `yaml:"methodThrottles"`
		} `yaml:"stages"`
		Lambda struct {
			Endpoint  string            `yaml:"endpoint"`
			Region    string            `yaml:"region"`
			Functions map[string]string `yaml:"functions"`
		} `yaml:"lambda"`
		RateLimitFailClosed bool `yaml:"rateLimitFailClosed"`
	} `yaml:"x-tollgate-test"`
}

// TestGolden translates every testdata/*.in.yaml definition and compares the Envoy resources with *.out.yaml.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.in.yaml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		t.Run(name, func(t *testing.T) {
			got := renderGolden(t, in)
			out := strings.TrimSuffix(in, ".in.yaml") + ".out.yaml"
			if *update {
				if err := os.WriteFile(out, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("%v (run go test ./xds/translate -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("translation of %s differs from %s (run go test ./xds/translate -update and review the diff):\n%s", in, out, firstDifference(string(want), string(got)))
			}
		})
	}
}

func renderGolden(t *testing.T, in string) []byte {
	t.Helper()
	out := translateGolden(t, in)
	lis, err := out.Listener("127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"listener": toPlain(t, lis), "routes": toPlain(t, out.Routes)}
	var clusters []any
	for _, c := range out.Clusters {
		clusters = append(clusters, toPlain(t, c))
	}
	doc["clusters"] = clusters
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// translateGolden imports a golden input and translates it as deployed by its x-tollgate-test key.
func translateGolden(t *testing.T, in string) *Output {
	t.Helper()
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	var dep deployment
	if err := yaml.Unmarshal(data, &dep); err != nil {
		t.Fatal(err)
	}
	api, err := openapi.Import(in, data)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	api.Id = dep.Test.ID
	for _, st := range dep.Test.Stages {
		stage := &tollgatev1.Stage{StageName: st.StageName, Variables: st.Variables, MethodSettings: map[string]*tollgatev1.MethodSetting{}}
		for key, th := range st.MethodThrottles {
			stage.MethodSettings[key] = &tollgatev1.MethodSetting{ThrottlingRateLimit: &th.RateLimit, ThrottlingBurstLimit: &th.BurstLimit}
		}
		api.Stages = append(api.Stages, stage)
	}
	lambda := &tollgatev1.LambdaSettings{Endpoint: dep.Test.Lambda.Endpoint, Region: dep.Test.Lambda.Region, Functions: dep.Test.Lambda.Functions}
	out, err := Gateway(&tollgatev1.Gateway{Domain: dep.Test.Domain, Lambda: lambda, Apis: []*tollgatev1.RestApi{api},
		RateLimitFailClosed: dep.Test.RateLimitFailClosed})
	if err != nil {
		t.Fatalf("translate: %v", err)
	}
	return out
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
