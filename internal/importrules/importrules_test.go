// Package importrules holds the test that keeps the data flowing one way: source → model → model check → IR →
// consumers, each package importing only what its layer may (docs/architecture.md).
package importrules

import (
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tollgate-gw/tollgate"

// Layers of packages that rules name together.
var (
	// leaves import nothing of ours but other leaves: the model, the shared names, diagnostics and small
	// helpers with one job each.
	leaves = []string{
		"proto/tollgate/v1", "internal/names", "internal/diag", "internal/gatewayresponse", "internal/pathtemplate",
		"internal/stagevars", "internal/lambdauri", "extproc/lambda/lambdaproxy", "internal/policy",
		"internal/clientip", "internal/redisstore", "internal/accesslog", "internal/vtl", "internal/vtl/apigw", "internal/schema", "internal/jsonscan",
		"internal/metricslog", "internal/tracing",
	}
	// consumers are fed IR snapshots. None imports another, but for the one crossing a keyed request needs: the
	// API key check decides the key's limits with the limiter in the same call.
	consumers = []string{"xds/translate", "extproc/authz", "extproc/lambda", "extproc/mapping", "extproc/parametermapping", "extproc/validation", "extproc/cache", "internal/metrics", "ratelimit"}
)

// allowed says which packages of ours each package may import (test files aside). Every package of the module
// must have a rule, so a new package is placed in the flow when it is added.
var allowed = map[string][]string{
	// The model and the shared names import nothing of ours.
	"proto/tollgate/v1": nil,
	"internal/names":    nil,
	// The other leaves.
	"internal/diag":              nil,
	"internal/gatewayresponse":   {"internal/names"},
	"internal/pathtemplate":      nil,
	"internal/stagevars":         nil,
	"internal/routekey":          nil,
	"internal/lambdauri":         nil,
	"extproc/lambda/lambdaproxy": {"internal/jsonscan", "internal/names"},
	"internal/jsonscan":          nil,
	"internal/policy":            nil,
	"internal/clientip":          nil,
	"internal/redisstore":        nil,
	"internal/accesslog":         {"internal/names"},
	"internal/vtl":               nil,
	"internal/schema":            nil,
	// The metrics log's line, which the translator gives Envoy and the metrics read.
	"internal/metricslog": {"internal/names"},
	// Tollgate's own spans in Envoy's traces.
	"internal/tracing": nil,
	// What the management API writes, kept.
	"internal/state": nil,
	// API Gateway's rules for keys and plans, the config's and the management API's.
	"internal/usageplan": nil,
	// API Gateway's template variables over the engine.
	"internal/vtl/apigw": {"internal/vtl", "internal/jsonscan"},
	// The Lambda authorizer protocol decides with IAM policies; SigV4 is a protocol of its own.
	"extproc/authz/lambdaauth": {"internal/policy"},
	"extproc/authz/sigv4":      nil,
	// Config, import and model check read what the user wrote into the model, with diagnostics.
	"internal/config":  {"internal/diag", "internal/policy", "internal/accesslog", "internal/stagevars", "internal/usageplan", "internal/routekey"},
	"internal/openapi": {"proto/tollgate/v1", "internal/diag"},
	// A WebSocket API's definition, apigatewayv2's fields, into the model.
	"internal/websocketapi": {"proto/tollgate/v1", "internal/diag"},
	// Templates (Terraform's templatefile, CloudFormation and SAM) into the definition the importer reads.
	"internal/template": {"internal/diag"},
	"internal/check":    {"proto/tollgate/v1", "internal/diag", "internal/names", "internal/pathtemplate", "internal/usageplan"},
	// The IR is built from the model alone.
	"internal/ir": leaves,
	// The source runs the chain up to the IR: files → config and model → check → IR.
	"internal/source": append(slices.Clone(leaves), "internal/config", "internal/template", "internal/openapi", "internal/check", "internal/ir", "internal/routekey", "internal/websocketapi"),
	// Consumers read the IR and leaves; the translator never an ext service or the limiter.
	"xds/translate": append(slices.Clone(leaves), "internal/ir"),
	// The ext_proc server runs the streams of the ext_proc features, each a consumer of its own.
	"extproc/processor":        append(slices.Clone(leaves), "internal/ir"),
	"extproc/lambda":           append(slices.Clone(leaves), "internal/ir", "extproc/processor"),
	"extproc/mapping":          append(slices.Clone(leaves), "internal/ir", "extproc/processor"),
	"extproc/validation":       append(slices.Clone(leaves), "internal/ir", "extproc/processor"),
	"extproc/cache":            append(slices.Clone(leaves), "internal/ir", "extproc/processor"),
	"internal/metrics":         append(slices.Clone(leaves), "internal/ir"),
	"extproc/parametermapping": append(slices.Clone(leaves), "internal/ir", "extproc/processor"),
	"ratelimit":                append(slices.Clone(leaves), "internal/ir"),
	"extproc/authz":            append(slices.Clone(leaves), "internal/ir", "ratelimit", "extproc/authz/lambdaauth", "extproc/authz/sigv4"),
	// The WebSocket service holds the connections Envoy upgrades; @connections callers sign with SigV4.
	"internal/websocket": append(slices.Clone(leaves), "internal/ir", "extproc/authz/sigv4", "extproc/authz/lambdaauth"),
	// The xDS server serves what the translator made; Envoy's bootstrap and supervision know only the names.
	"xds/server":     append(slices.Clone(leaves), "xds/translate"),
	"envoy":          {"internal/names"},
	"internal/admin": nil,
	// The dashboard shows what the metrics, the limiter and the xDS server report, with the snapshot's routes.
	"internal/dashboard": append(slices.Clone(leaves), "internal/ir", "ratelimit", "xds/server"),
	// Only cmd wires the layers together.
	// The management API, on the admin address: its callers sign with SigV4; it reads the model.
	"internal/management": {"extproc/authz/sigv4", "internal/gatewayresponse", "internal/lambdauri", "internal/names", "internal/state", "internal/stagevars", "internal/usageplan", "internal/routekey", "proto/tollgate/v1"},
	"cmd/tollgate":        {"*"},
	// Programs and tests that drive a built gateway from outside.
	"e2e":                       {"envoy", "internal/names", "internal/jwttest", "internal/certtest", "internal/compresstest"},
	"e2e/lambdafunctions/...":   nil,
	"examples/petstore/backend": nil,
	"tools/bench/dataplane":     {"envoy", "internal/names", "internal/accesslog", "internal/management", "internal/state"},
	"tools/bench/templates":     {"internal/vtl", "internal/vtl/apigw"},
	"tools/awsops":              nil,
	"internal/importrules":      nil,
	// Golden-file comparison and real redis-servers, for the tests of every layer.
	"internal/golden":       nil,
	"internal/redistest":    nil,
	"internal/jwttest":      nil,
	"internal/certtest":     nil,
	"internal/compresstest": nil,
}

func TestImportRules(t *testing.T) {
	// go list reads the sources in a process of its own, whose reads the test cache does not see: the test stats
	// each source itself, so that a changed import runs it again instead of answering from the cache.
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && path != "../.." && strings.HasPrefix(d.Name(), "."):
			return filepath.SkipDir // .tools, .git
		case strings.HasSuffix(path, ".go"):
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module+"/")
		rule, ok := ruleFor(pkg)
		if !ok {
			t.Errorf("%s has no import rule: add it to allowed with the layers it may import", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			own, isOurs := strings.CutPrefix(imp, module+"/")
			if !isOurs || slices.Contains(rule, "*") || slices.Contains(rule, own) {
				continue
			}
			t.Errorf("%s imports %s, which its layer may not (see docs/architecture.md)", pkg, own)
		}
	}
	for _, pkg := range consumers {
		for _, other := range consumers {
			if pkg != other && slices.Contains(allowed[pkg], other) && !(pkg == "extproc/authz" && other == "ratelimit") {
				t.Errorf("the rules let consumer %s import consumer %s", pkg, other)
			}
		}
	}
}

// ruleFor finds a package's rule, by its path or by a parent's path/... pattern.
func ruleFor(pkg string) ([]string, bool) {
	if rule, ok := allowed[pkg]; ok {
		return rule, true
	}
	for dir := path.Dir(pkg); dir != "."; dir = path.Dir(dir) {
		if rule, ok := allowed[dir+"/..."]; ok {
			return rule, true
		}
	}
	return nil, false
}
