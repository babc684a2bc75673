package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const definition = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.backend}/a"}
`

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "api.yaml", definition)
	cfg := write(t, dir, "tollgate.yaml", "apis:\n  - {id: one, definition: api.yaml, stages: [{stageName: prod, variables: {backend: '127.0.0.1:9000'}}]}\n  - {id: two, definition: api.yaml, stages: [{stageName: dev, variables: {backend: '127.0.0.1:9001'}}]}\n")
	ld := New()
	l, err := ld.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Gateway.GetApis()) != 2 || l.Gateway.GetApis()[0].GetId() != "one" || l.Gateway.GetApis()[1].GetStages()[0].GetStageName() != "dev" {
		t.Fatalf("gateway = %v", l.Gateway)
	}
	backends := map[string]bool{}
	for _, r := range l.Snapshot.Routes() {
		backends[r.HTTPProxy.Backend.Authority()] = true
	}
	if len(backends) != 2 || !backends["127.0.0.1:9000"] || !backends["127.0.0.1:9001"] {
		t.Errorf("backends = %v, want each API's stage variable resolved", backends)
	}
	if want := []string{cfg, filepath.Join(dir, "api.yaml"), filepath.Join(dir, "api.yaml")}; strings.Join(l.Files, " ") != strings.Join(want, " ") {
		t.Errorf("files = %v, want %v", l.Files, want)
	}

	// A broken definition fails the whole load, naming the file and the pointer.
	write(t, dir, "api.yaml", strings.Replace(definition, "http_proxy", "bogus", 1))
	_, err = ld.Load(cfg)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "api.yaml")+": /paths/~1a/get/x-amazon-apigateway-integration/type:") {
		t.Errorf("err = %v, want the definition's file and pointer", err)
	}
}

func TestLoadReportsMissingDefinition(t *testing.T) {
	dir := t.TempDir()
	cfg := write(t, dir, "tollgate.yaml", "apis:\n  - {id: one, definition: nope.yaml, stages: [{stageName: prod}]}\n")
	_, err := Load(cfg)
	if err == nil || !strings.Contains(err.Error(), cfg+": /apis/0/definition: cannot read definition") {
		t.Errorf("err = %v", err)
	}
}

// documented is definition with an extension that Tollgate accepts with a warning.
var documented = strings.Replace(definition, "paths:", "x-amazon-apigateway-documentation: {version: v1}\npaths:", 1)

const documentedWarning = ": /x-amazon-apigateway-documentation: x-amazon-apigateway-documentation (documentation parts) is ignored"

// A definition's warnings come with every load, a cached import's too, once however many APIs deploy it.
func TestLoadKeepsDefinitionWarnings(t *testing.T) {
	dir := t.TempDir()
	api := write(t, dir, "api.yaml", documented)
	cfg := write(t, dir, "tollgate.yaml", "apis:\n  - {id: one, definition: api.yaml, stages: [{stageName: prod, variables: {backend: '127.0.0.1:9000'}}]}\n  - {id: two, definition: api.yaml, stages: [{stageName: dev, variables: {backend: '127.0.0.1:9001'}}]}\n")
	ld := New()
	for _, load := range []string{"first", "cached"} {
		l, err := ld.Load(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Warnings) != 1 || !strings.HasPrefix(l.Warnings.Error(), api+documentedWarning) {
			t.Errorf("%s load: warnings = %v", load, l.Warnings)
		}
	}
}

func TestValidateDefinitionWithoutConfig(t *testing.T) {
	dir := t.TempDir()
	// Stage variables cannot be known without a config; they must not be reported.
	if warnings, err := ValidateDefinition(write(t, dir, "api.yaml", definition)); err != nil || warnings != nil {
		t.Errorf("ValidateDefinition = %v, %v, want nil", warnings, err)
	}
	bad := write(t, dir, "bad.yaml", strings.Replace(definition, "/a\"}", "/a\", timeoutInMillis: 1}", 1))
	if _, err := ValidateDefinition(bad); err == nil || !strings.Contains(err.Error(), "timeoutInMillis 1 is out of range") {
		t.Errorf("ValidateDefinition = %v, want the timeout problem", err)
	}
	doc := write(t, dir, "documented.yaml", documented)
	if warnings, err := ValidateDefinition(doc); err != nil || len(warnings) != 1 || !strings.HasPrefix(warnings.Error(), doc+documentedWarning) {
		t.Errorf("ValidateDefinition = %v, %v, want the documentation warning", warnings, err)
	}
}

// Unset is not 0: a methodSettings entry that only enables metrics loads with a warning, and sets no throttle of
// the stage's level rather than a limit of 0.
func TestLoadMethodSettingWithoutThrottle(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "api.yaml", definition)
	cfg := write(t, dir, "tollgate.yaml", "apis:\n  - {id: one, definition: api.yaml, stages: [{stageName: prod, variables: {backend: '127.0.0.1:9000'}, methodSettings: {'*/*': {metricsEnabled: true}}}]}\n")
	l, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings.Error(), cfg+": /apis/0/stages/0/methodSettings/*~1*/metricsEnabled: metricsEnabled has no effect yet") {
		t.Errorf("warnings = %v", l.Warnings)
	}
	ms := l.Gateway.GetApis()[0].GetStages()[0].GetMethodSettings()["*/*"]
	if ms == nil || ms.ThrottlingRateLimit != nil || ms.ThrottlingBurstLimit != nil {
		t.Errorf("methodSettings[*/*] = %v, want an entry with no throttle", ms)
	}
}
