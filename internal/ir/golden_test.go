package ir

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tollgate-gw/tollgate/internal/golden"
	"github.com/tollgate-gw/tollgate/internal/names"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

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
		VPCLinks  map[string]string `yaml:"vpcLinks"`
		Region    string            `yaml:"region"`
		AccountID string            `yaml:"accountId"`
		Metrics   bool              `yaml:"metrics"`
		// TracingCollector: the config's tracing.otlp.
		TracingCollector string `yaml:"tracingCollector"`
		// WebSocketService: the config's webSocket.listen.
		WebSocketService string `yaml:"webSocketService"`
		// TLSListen: the config's tls.listen.
		TLSListen string `yaml:"tlsListen"`
		UserPools map[string]struct {
			Issuer  string `yaml:"issuer"`
			JWKSURL string `yaml:"jwksUrl"`
		} `yaml:"userPools"`
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
			for _, a := range snap.APIs {
				for _, r := range a.Routes {
					if !strings.HasPrefix(r.Name, names.StageRoutes(r.APIID, r.Stage)) {
						t.Errorf("route %s is not named as its stage's routes are (%s...)", r.Name, names.StageRoutes(r.APIID, r.Stage))
					}
				}
			}
			b, err := json.Marshal(snap)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, strings.TrimSuffix(in, ".in.yaml")+".ir.yaml", golden.YAML(t, b))
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
	pools := map[string]UserPool{}
	for arn, p := range s.UserPools {
		pools[arn] = UserPool{Issuer: p.Issuer, JWKSURL: p.JWKSURL}
	}
	return gw, Settings{
		UserPools: pools,
		Domain:    s.Domain,
		Lambda:    LambdaSettings{Endpoint: s.Lambda.Endpoint, Region: s.Lambda.Region, Functions: s.Lambda.Functions},
		RateLimit: RateLimitSettings{FailClosed: s.RateLimit.FailClosed, Timeout: Duration(s.RateLimit.Timeout)},
		VPCLinks:  s.VPCLinks,
		Region:    s.Region,
		AccountID: s.AccountID,
		Metrics:   s.Metrics,
		// The collector, when traced stages send to one.
		TracingCollector: s.TracingCollector,
		WebSocketService: s.WebSocketService,
		TLSListen:        s.TLSListen,
	}
}
