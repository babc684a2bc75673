package source

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/golden"
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
		if r.HTTPProxy != nil { // not the 403s of paths no method serves
			backends[r.HTTPProxy.Backend.Authority()] = true
		}
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

// Unset is not 0: a methodSettings entry that only enables detailed metrics sets them, and no throttle of the
// stage's level rather than a limit of 0.
func TestLoadMethodSettingWithoutThrottle(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "api.yaml", definition)
	cfg := write(t, dir, "tollgate.yaml", "apis:\n  - {id: one, definition: api.yaml, stages: [{stageName: prod, variables: {backend: '127.0.0.1:9000'}, methodSettings: {'*/*': {metricsEnabled: true}}}]}\n")
	l, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Warnings) != 0 {
		t.Errorf("warnings = %v", l.Warnings)
	}
	ms := l.Gateway.GetApis()[0].GetStages()[0].GetMethodSettings()["*/*"]
	if ms == nil || ms.ThrottlingRateLimit != nil || ms.ThrottlingBurstLimit != nil || !ms.GetMetricsEnabled() {
		t.Errorf("methodSettings[*/*] = %v, want an entry with detailed metrics and no throttle", ms)
	}
	for _, r := range l.Snapshot.Routes() {
		if r.GatewayResponse != "" {
			continue // a path no method serves
		}
		if !r.DetailedMetrics || r.Limits != nil && r.Limits.Stage != nil {
			t.Errorf("route %s: detailed metrics %t, limits %+v; want detailed metrics and no stage throttle", r.Name, r.DetailedMetrics, r.Limits)
		}
	}
}

// samTemplate deploys two APIs: Shop, inline, with every intrinsic the loader must resolve before the importer
// reads it, and Admin, whose definition is included from admin.yaml.
const samTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Parameters:
  Backend: {Type: String, Default: "10.0.0.1:8080"}
  IsProd: {Type: String, Default: "false"}
Resources:
  ItemsFunction:
    Type: AWS::Serverless::Function
    Properties: {Handler: index.handler, Runtime: nodejs20.x}
  Shop:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        openapi: 3.0.1
        info: {title: !Sub "shop-${AWS::StackName}", version: "1"}
        paths:
          /items:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${ItemsFunction.Arn}/invocations
          /orders:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: GET
                uri: !Join ["", ["http://", !If [IsProd, !Ref ProdBackend, !Ref Backend], /orders]]
  Admin:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body: {Fn::Transform: {Name: AWS::Include, Parameters: {Location: admin.yaml}}}
`

const adminDefinition = `openapi: 3.0.1
info: {title: admin, version: "1"}
paths:
  /users:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: !Sub "http://${AdminHost}/users"}
`

const samConfig = `aws: {region: eu-west-1, accountId: "210987654321"}
lambda: {functions: {items: "http://127.0.0.1:9011/2015-03-31/functions/function/invocations"}}
apis:
  - id: shop
    definition: template.yaml
    resource: Shop
    parameters: {ItemsFunction.Arn: "arn:aws:lambda:eu-west-1:210987654321:function:items", ProdBackend: "10.9.9.9:80"}
    stages: [{stageName: prod}]
  - id: admin
    definition: template.yaml
    resource: Admin
    parameters: {AdminHost: "10.0.0.2:9000"}
    stages: [{stageName: prod}]
`

func TestLoadSAMTemplate(t *testing.T) {
	dir := t.TempDir()
	tpl := write(t, dir, "template.yaml", samTemplate)
	admin := write(t, dir, "admin.yaml", adminDefinition)
	cfg := write(t, dir, "tollgate.yaml", samConfig)
	ld := New()
	l, err := ld.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	routes, err := json.Marshal(l.Snapshot.Routes())
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/golden/sam-template.yaml", golden.YAML(t, routes))
	if want := []string{cfg, tpl, tpl, admin}; strings.Join(l.Files, " ") != strings.Join(want, " ") {
		t.Errorf("files = %v, want the included file too", l.Files)
	}
	if got, want := l.Gateway.GetApis()[0].GetName(), "shop-shop"; got != want {
		t.Errorf("name = %q, want %q (AWS::StackName is the API id)", got, want)
	}
	wantWarnings := []string{
		tpl + ": /Resources/Shop/Properties/StageName: StageName has no effect: Tollgate serves the definition alone, with the id and stages its config gives",
		cfg + ": /apis/0/parameters/ProdBackend: parameter ProdBackend has no effect: nothing Tollgate serves of the definition reads it",
	}
	if got := l.Warnings.Error(); got != strings.Join(wantWarnings, "\n") {
		t.Errorf("warnings =\n%s\nwant\n%s", got, strings.Join(wantWarnings, "\n"))
	}

	// The importer's problems point where the user wrote the value: in the template, through the body's place and
	// the branch Fn::If took, or in the included file.
	write(t, dir, "template.yaml", strings.Replace(strings.Replace(samTemplate, "type: http_proxy", "type: bogus", 1), `Default: "false"`, `Default: "true"`, 1))
	write(t, dir, "admin.yaml", strings.Replace(adminDefinition, "type: http_proxy", "type: bogus", 1))
	_, err = ld.Load(cfg)
	for _, want := range []string{
		tpl + ": /Resources/Shop/Properties/DefinitionBody/paths/~1orders/get/x-amazon-apigateway-integration/type:",
		admin + ": /paths/~1users/get/x-amazon-apigateway-integration/type:",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want a problem at %s", err, want)
		}
	}

	// So do the IR's: a stage variable no stage defines, in a template's body and in an included file.
	write(t, dir, "template.yaml", strings.Replace(samTemplate, "/orders]]", "\"/${stageVariables.path}\"]]", 1))
	write(t, dir, "admin.yaml", strings.Replace(adminDefinition, "/users\"", "/${stageVariables.path}\"", 1))
	_, err = ld.Load(cfg)
	for _, want := range []string{
		tpl + ": /Resources/Shop/Properties/DefinitionBody/paths/~1orders/get/x-amazon-apigateway-integration",
		admin + ": /paths/~1users/get/x-amazon-apigateway-integration",
	} {
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "#") {
			t.Errorf("err = %v, want a problem at %s", err, want)
		}
	}

	// A parameter missing is a problem naming it where it is needed; a change to the parameters is a re-import.
	write(t, dir, "template.yaml", samTemplate)
	write(t, dir, "admin.yaml", adminDefinition)
	write(t, dir, "tollgate.yaml", strings.Replace(samConfig, `{AdminHost: "10.0.0.2:9000"}`, "{}", 1))
	_, err = ld.Load(cfg)
	if want := admin + ": /paths/~1users/get/x-amazon-apigateway-integration/uri: ${AdminHost} in Fn::Sub has no value: give AdminHost in apis[].parameters"; err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	write(t, dir, "tollgate.yaml", strings.Replace(samConfig, "10.0.0.2:9000", "10.0.0.3:9000", 1))
	if l, err = ld.Load(cfg); err != nil {
		t.Fatal(err)
	}
	if got := backendOf(l, "admin"); got != "10.0.0.3:9000" {
		t.Errorf("admin backend = %q, want the new parameter's", got)
	}
	// A change to the included file alone is a re-import.
	write(t, dir, "admin.yaml", strings.Replace(adminDefinition, "/users", "/people", 2))
	if l, err = ld.Load(cfg); err != nil {
		t.Fatal(err)
	}
	if got := l.Gateway.GetApis()[1].GetResources(); len(got) != 1 || got[0].GetPath() != "/people" {
		t.Errorf("admin resources = %v, want the included file's new path", got)
	}
}

func backendOf(l *Loaded, apiID string) string {
	for _, r := range l.Snapshot.Routes() {
		if strings.HasPrefix(r.Name, apiID+"/") && r.HTTPProxy != nil {
			return r.HTTPProxy.Backend.Authority()
		}
	}
	return ""
}

// The pseudo parameters are part of the import: a definition reading AWS::StackName (each API's id by default)
// deployed as two APIs is two imports, and one that reads none is one, shared.
func TestLoadPseudoParametersKeyTheImport(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "api.yaml", strings.Replace(definition, "info: {title: t,", "info: {title: '${AWS::StackName}',", 1))
	cfg := write(t, dir, "tollgate.yaml", "apis:\n  - {id: one, definition: api.yaml, stages: [{stageName: prod, variables: {backend: '127.0.0.1:9000'}}]}\n  - {id: two, definition: api.yaml, stages: [{stageName: dev, variables: {backend: '127.0.0.1:9001'}}]}\n")
	ld := New()
	for _, load := range []string{"first", "cached"} {
		l, err := ld.Load(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := l.Gateway.GetApis()[0].GetName(), l.Gateway.GetApis()[1].GetName(); a != "one" || b != "two" {
			t.Errorf("%s load: names = %q, %q, want each API's stack name", load, a, b)
		}
	}
	if len(ld.imported) != 3 { // the two imports, and the entry saying the definition reads pseudo parameters
		t.Errorf("imported = %d entries, want 3", len(ld.imported))
	}
	write(t, dir, "api.yaml", definition)
	if _, err := ld.Load(cfg); err != nil {
		t.Fatal(err)
	}
	if len(ld.imported) != 1 {
		t.Errorf("imported = %d entries, want 1 shared import", len(ld.imported))
	}
}

// tollgate validate on a bare template or definition says which parameters it needs.
func TestValidateDefinitionTemplate(t *testing.T) {
	dir := t.TempDir()
	tpl := write(t, dir, "template.yaml", samTemplate)
	write(t, dir, "admin.yaml", adminDefinition)
	want := tpl + ": /Resources: the template declares several APIs (Admin, Shop): name one in apis[].resource"
	if _, err := ValidateDefinition(tpl); err == nil || err.Error() != want {
		t.Errorf("ValidateDefinition = %v, want %s", err, want)
	}
	one := write(t, dir, "one.yaml", strings.Replace(samTemplate, "  Admin:\n    Type: AWS::ApiGateway::RestApi", "  Admin:\n    Type: AWS::Serverless::Function", 1))
	want = one + ": /Resources/Shop/Properties/DefinitionBody/paths/~1items/get/x-amazon-apigateway-integration/uri: ${ItemsFunction.Arn} in Fn::Sub has no value: give ItemsFunction.Arn in apis[].parameters"
	if _, err := ValidateDefinition(one); err == nil || err.Error() != want {
		t.Errorf("ValidateDefinition = %v, want %s", err, want)
	}
	tf := write(t, dir, "tf.yaml", strings.Replace(definition, "/a\"}", "/a/${version}\"}", 1))
	want = tf + ": /paths/~1a/get/x-amazon-apigateway-integration/uri: ${version} has no value: give version in apis[].parameters"
	if _, err := ValidateDefinition(tf); err == nil || err.Error() != want {
		t.Errorf("ValidateDefinition = %v, want %s", err, want)
	}
	if !IsDefinition([]byte(samTemplate)) || !IsDefinition([]byte(definition)) || IsDefinition([]byte(samConfig)) {
		t.Errorf("IsDefinition tells templates and definitions from configs wrongly")
	}
}

// An HTTP API stage's routeSettings must name routes the API has.
func TestRouteSettingsNameRoutes(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "api.yaml", `openapi: 3.0.1
info: {title: t, version: "1"}
paths:
  /a:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, payloadFormatVersion: "1.0", httpMethod: GET, uri: "http://127.0.0.1:9/a"}
`)
	cfg := write(t, dir, "tollgate.yaml", `apis:
  - id: h
    protocolType: HTTP
    definition: api.yaml
    stages: [{stageName: $default, routeSettings: {"GET /a": {throttlingRateLimit: 1, throttlingBurstLimit: 1}, "POST /a": {throttlingRateLimit: 1, throttlingBurstLimit: 1}, "$default": {throttlingRateLimit: 1, throttlingBurstLimit: 1}}}]
`)
	_, err := New().Load(cfg)
	for _, want := range []string{`/apis/0/stages/0/routeSettings/POST ~1a: route "POST /a" is not one of API "h"'s routes`, `/apis/0/stages/0/routeSettings/$default: route "$default" is not one of API "h"'s routes`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), `"GET /a"`) {
		t.Errorf("err = %v: GET /a is a route", err)
	}
}

// TestLoadCanaryRelease: a stage's canary release in tollgate.yaml serves its own definition to its share of the
// stage's requests, with the stage's variables overridden; a canary definition that cannot be read is reported
// where the config names it.
func TestLoadCanaryRelease(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "api.yaml", definition)
	write(t, dir, "api-v2.yaml", strings.Replace(definition, "/a\"}", "/v2/a\"}", 1))
	cfg := write(t, dir, "tollgate.yaml", `apis:
  - id: one
    definition: api.yaml
    stages:
      - stageName: prod
        variables: {backend: '127.0.0.1:9000', region: eu}
        canarySettings: {definition: api-v2.yaml, percentTraffic: 5, stageVariableOverrides: {backend: '127.0.0.1:9200'}}
`)
	l, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range l.Snapshot.Routes() {
		if r.HTTPProxy != nil {
			got[r.Name] = r.HTTPProxy.Backend.Authority() + " " + r.HTTPProxy.Path[0].Literal
			if r.Canary == nil || r.Canary.PercentTraffic != 5 {
				t.Errorf("route %s: canary %+v, want the stage's 5 percent", r.Name, r.Canary)
			}
		}
	}
	want := map[string]string{"one/prod/Canary/GET/a": "127.0.0.1:9200 /v2/a", "one/prod/GET/a": "127.0.0.1:9000 /a"}
	if len(got) != len(want) || got["one/prod/Canary/GET/a"] != want["one/prod/Canary/GET/a"] || got["one/prod/GET/a"] != want["one/prod/GET/a"] {
		t.Errorf("routes %v, want %v", got, want)
	}
	if !slices.Contains(l.Files, filepath.Join(dir, "api-v2.yaml")) {
		t.Errorf("files %v: a change to the canary's definition must reload", l.Files)
	}

	original, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	write(t, dir, "tollgate.yaml", strings.Replace(string(original), "api-v2.yaml", "missing.yaml", 1))
	if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), "/apis/0/stages/0/canarySettings/definition: cannot read definition") {
		t.Errorf("err = %v, want the canary's definition reported where the config names it", err)
	}
}

// A WebSocket API entry's definition is read as apigatewayv2's fields, with the entry's stages, and its problems
// name the definition's file.
func TestLoadWebSocketAPI(t *testing.T) {
	dir := t.TempDir()
	def := write(t, dir, "chat.yaml", "routeSelectionExpression: $request.body.action\nroutes: [{routeKey: $default, target: integrations/be}]\n"+
		"integrations: [{integrationId: be, integrationType: HTTP_PROXY, integrationUri: 'http://${stageVariables.backend}/in'}]\n")
	cfg := write(t, dir, "tollgate.yaml", "apis:\n  - {id: chat, protocolType: WEBSOCKET, definition: chat.yaml, stages: [{stageName: prod, variables: {backend: '127.0.0.1:9000'}}]}\n")
	l, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(l.Snapshot.WebSockets); n != 1 || l.Snapshot.WebSocketService != "127.0.0.1:9082" {
		t.Fatalf("snapshot: %d WebSocket stages, service %q", n, l.Snapshot.WebSocketService)
	}
	if got := l.Snapshot.WebSockets[0].Routes["$default"].Integration.URL; got != "http://127.0.0.1:9000/in" {
		t.Errorf("$default's URL = %q", got)
	}
	if !slices.Contains(l.Files, def) {
		t.Errorf("files = %v: the definition's changes must reload", l.Files)
	}
	write(t, dir, "chat.yaml", "routeSelectionExpression: $request.body.action\nroutes: [{routeKey: $default, target: integrations/none}]\n")
	if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), def+`: /routes/0/target: route "$default" targets integration "none"`) {
		t.Errorf("err = %v, want the definition's file and pointer", err)
	}
}
