package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

type management struct {
	Credentials []managementCredential `yaml:"credentials"`
}

type managementCredential struct {
	AccessKeyID     string `yaml:"accessKeyId"`
	SecretAccessKey string `yaml:"secretAccessKey"`
}

// TestManagementAPIByTheAWSCLI: the aws CLI, pointed at the admin address with --endpoint-url, signs its requests
// with a key of management.credentials: it reads a usage plan's usage, flushes a stage's cache, lists and reads
// the file's REST APIs and is refused writes to them, and is told the operations not served yet by name. A key the config lacks and a wrong secret are refused with AWS's errors,
// which the CLI reports by their names.
func TestManagementAPIByTheAWSCLI(t *testing.T) {
	aws := requireAWSCLI(t)
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.AWS = &awsConfig{Region: "eu-west-1"}
	cfg.Management = &management{Credentials: []managementCredential{{AccessKeyID: "AKIAMANAGEMENT", SecretAccessKey: "management-secret"}}}
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "quota", APIStages: []planAPIStage{{APIID: "keyed", Stage: "prod"}}, Keys: []string{"k1"}, Quota: &quota{Limit: 3, Period: "DAY"}}}
	cfg.APIs = []apiConfig{
		{ID: "keyed", Definition: "keyed.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}, CacheClusterEnabled: true}}},
		{ID: "other", Definition: "keyed.yaml", Stages: []stageConfig{{StageName: "dev", Variables: map[string]string{"backend": backend.addr}}}},
	}
	gw := startGateway(t, cfg, map[string]string{"keyed.yaml": "apikeys/keyed.yaml"})
	c := call{method: "GET", url: gw.url("/prod/pets"), host: "keyed." + domain, header: http.Header{"X-Api-Key": {aliceKey}}}
	if r := send(t, c); r.status != http.StatusOK {
		t.Fatalf("%s: %d %s", c, r.status, r.body)
	}

	run := func(key, secret string, args ...string) (string, string, error) {
		return awsCLI(aws, gw, key, secret, args...)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	usage := []string{"apigateway", "get-usage", "--usage-plan-id", "quota", "--key-id", "k1", "--start-date", today, "--end-date", today}

	out, stderr, err := run("AKIAMANAGEMENT", "management-secret", usage...)
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(usage, " "), err, stderr)
	}
	var got map[string]any
	want := map[string]any{"usagePlanId": "quota", "startDate": today, "endDate": today, "items": map[string]any{"k1": []any{[]any{1.0, 2.0}}}}
	if err := json.Unmarshal([]byte(out), &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("get-usage printed %s (%v), want %v", out, err, want)
	}
	// update-usage grants the key more of its quota today than the plan's limit: the requests it grants pass.
	update := []string{"apigateway", "update-usage", "--usage-plan-id", "quota", "--key-id", "k1", "--patch-operations", "op=replace,path=/remaining,value=5"}
	if out, stderr, err = run("AKIAMANAGEMENT", "management-secret", update...); err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(update, " "), err, stderr)
	}
	want["items"] = map[string]any{"k1": []any{[]any{1.0, 5.0}}}
	if err := json.Unmarshal([]byte(out), &got); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("update-usage printed %s (%v), want %v", out, err, want)
	}
	for i := range 6 {
		want := http.StatusOK
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		if r := send(t, c); r.status != want {
			t.Errorf("request %d after update-usage: %d %s, want %d", i+1, r.status, r.body, want)
		}
	}
	flush := []string{"apigateway", "flush-stage-cache", "--rest-api-id", "keyed", "--stage-name", "prod"}
	if _, stderr, err := run("AKIAMANAGEMENT", "management-secret", flush...); err != nil {
		t.Errorf("aws %s: %v\n%s", strings.Join(flush, " "), err, stderr)
	}
	// The file's APIs are listed (a page of one at a time: the CLI follows the positions) and read, and refused for
	// writes, which belong in the file.
	api := func(id string) map[string]any {
		return map[string]any{"id": id, "name": "keyed", "apiKeySource": "HEADER", "disableExecuteApiEndpoint": false}
	}
	for _, read := range []struct {
		args []string
		want map[string]any
	}{
		{[]string{"apigateway", "get-rest-apis", "--page-size", "1"}, map[string]any{"items": []any{api("keyed"), api("other")}}},
		{[]string{"apigateway", "get-rest-api", "--rest-api-id", "other"}, api("other")},
		// The file's keys and plans too, a key's value only when asked for.
		{[]string{"apigateway", "get-api-keys", "--include-values"}, map[string]any{"items": []any{
			map[string]any{"id": "k1", "name": "alice", "value": aliceKey, "enabled": true}}}},
		{[]string{"apigateway", "get-api-key", "--api-key", "k1"}, map[string]any{"id": "k1", "name": "alice", "enabled": true}},
		{[]string{"apigateway", "get-usage-plan-keys", "--usage-plan-id", "quota"}, map[string]any{"items": []any{
			map[string]any{"id": "k1", "type": "API_KEY", "name": "alice", "value": aliceKey}}}},
		{[]string{"apigateway", "get-usage-plan", "--usage-plan-id", "quota"}, map[string]any{"id": "quota", "name": "",
			"apiStages": []any{map[string]any{"apiId": "keyed", "stage": "prod"}}, "quota": map[string]any{"limit": 3.0, "offset": 0.0, "period": "DAY"}}},
	} {
		out, stderr, err := run("AKIAMANAGEMENT", "management-secret", read.args...)
		var got map[string]any
		if err != nil || json.Unmarshal([]byte(out), &got) != nil || !reflect.DeepEqual(got, read.want) {
			t.Errorf("aws %s: %v\n%s%s\nwant %v", strings.Join(read.args, " "), err, out, stderr, read.want)
		}
	}
	// A file's API reads whole: its resources, and its stages on the deployment that stands for tollgate.yaml.
	out, stderr, err = run("AKIAMANAGEMENT", "management-secret", "apigateway", "get-resources", "--rest-api-id", "keyed")
	var resources struct{ Items []struct{ Path string } }
	if err != nil || json.Unmarshal([]byte(out), &resources) != nil || len(resources.Items) != 5 {
		t.Errorf("get-resources of the file's API: %v\n%s%s\nwant / and its four paths", err, out, stderr)
	}
	for _, refused := range []struct {
		args    []string
		message string
	}{
		{[]string{"apigateway", "delete-rest-api", "--rest-api-id", "keyed"}, "(BadRequestException) when calling the DeleteRestApi operation: API keyed is defined in tollgate.yaml"},
		{[]string{"apigateway", "get-rest-api", "--rest-api-id", "nope"}, "(NotFoundException) when calling the GetRestApi operation: Invalid API identifier specified 123456789012:nope"},
		// An operation Tollgate does not serve yet is named, never answered with a wrong success.
		{[]string{"apigateway", "get-domain-names"}, "(NotImplementedException) when calling the GetDomainNames operation: GetDomainNames (apigateway) is not served by Tollgate yet"},
		{[]string{"apigateway", "create-resource", "--rest-api-id", "keyed", "--parent-id", "x", "--path-part", "y"}, "(BadRequestException) when calling the CreateResource operation: API keyed is defined in tollgate.yaml"},
	} {
		if _, stderr, err := run("AKIAMANAGEMENT", "management-secret", refused.args...); err == nil || !strings.Contains(stderr, refused.message) {
			t.Errorf("aws %s: %v\n%s\nwant %q", strings.Join(refused.args, " "), err, stderr, refused.message)
		}
	}
	for _, refused := range []struct{ key, secret, exception string }{
		{"AKIAUNKNOWN", "management-secret", "UnrecognizedClientException"},
		{"AKIAMANAGEMENT", "a-guess", "InvalidSignatureException"},
	} {
		if _, stderr, err := run(refused.key, refused.secret, usage...); err == nil || !strings.Contains(stderr, "("+refused.exception+")") {
			t.Errorf("key %s, secret %s: %v\n%s\nwant the CLI to report %s", refused.key, refused.secret, err, stderr, refused.exception)
		}
	}
}

// awsCLI runs the aws CLI installed in dir against gw's management API, signing with key and secret, and returns
// what it printed.
func awsCLI(dir string, gw *tollgate, key, secret string, args ...string) (stdout, stderr string, err error) {
	return awsCLIAt(dir, "http://"+gw.cfg.Admin, key, secret, args...)
}

// awsCLIAt is awsCLI against the endpoint.
func awsCLIAt(dir, endpoint, key, secret string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command("python3", append([]string{filepath.Join(dir, "bin", "aws")}, append(args,
		"--endpoint-url", endpoint, "--region", "eu-west-1", "--output", "json")...)...)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir, "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// managementCLI configures cfg's management credentials (and aws.region eu-west-1, which awsCLI signs for) and
// returns how to run `aws {service} ...` against the gateway gw will be, decoding its JSON output into into (when
// not nil), failing the test when it fails.
func managementCLI(t *testing.T, cfg *gatewayConfig, service string) (configure func(gw *tollgate), cli func(into any, args ...string)) {
	t.Helper()
	aws := requireAWSCLI(t)
	if cfg.AWS == nil {
		cfg.AWS = &awsConfig{}
	}
	cfg.AWS.Region = "eu-west-1"
	cfg.Management = &management{Credentials: []managementCredential{{AccessKeyID: "AKIAMANAGEMENT", SecretAccessKey: "management-secret"}}}
	var gw *tollgate
	return func(g *tollgate) { gw = g }, func(into any, args ...string) {
		t.Helper()
		out, stderr, err := awsCLI(aws, gw, "AKIAMANAGEMENT", "management-secret", append([]string{service}, args...)...)
		if err != nil {
			t.Fatalf("aws %s %s: %v\n%s", service, strings.Join(args, " "), err, stderr)
		}
		if into != nil {
			if err := json.Unmarshal([]byte(out), into); err != nil {
				t.Fatalf("aws %s %s printed %s: %v", service, strings.Join(args, " "), out, err)
			}
		}
	}
}

// TestManagementAPIBuildsAndDeploys: the aws CLI builds a REST API resource by resource (a MOCK whose response
// template reads a path parameter, an HTTP_PROXY to a backend by a stage variable), deploys it to a stage, and
// Envoy serves it; a stage variable changed by update-stage is served too; its export imports as a new API that
// serves the same; deleted, the API is served no more.
func TestManagementAPIBuildsAndDeploys(t *testing.T) {
	backend := startBackend(t, "A")
	fns := startFunctions(t, "echo")
	cfg := newGatewayConfig(t)
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"echo": fns["echo"].invokeURL()}}
	configure, cli := managementCLI(t, &cfg, "apigateway")
	gw := startGateway(t, cfg, nil)
	configure(gw)
	var api struct{ ID, RootResourceID string }
	cli(&api, "create-rest-api", "--name", "shop", "--endpoint-configuration", "types=REGIONAL")
	var resources struct{ Items []struct{ ID, Path string } }
	cli(&resources, "get-resources", "--rest-api-id", api.ID)
	if len(resources.Items) != 1 || resources.Items[0].Path != "/" || resources.Items[0].ID != api.RootResourceID {
		t.Fatalf("a new API's resources: %+v", resources)
	}
	var items, item, pets struct{ ID string }
	cli(&items, "create-resource", "--rest-api-id", api.ID, "--parent-id", api.RootResourceID, "--path-part", "items")
	cli(&item, "create-resource", "--rest-api-id", api.ID, "--parent-id", items.ID, "--path-part", "{id}")
	cli(&pets, "create-resource", "--rest-api-id", api.ID, "--parent-id", api.RootResourceID, "--path-part", "pets")
	onItem := []string{"--rest-api-id", api.ID, "--resource-id", item.ID, "--http-method", "GET"}
	cli(nil, append([]string{"put-method", "--authorization-type", "NONE", "--request-parameters", "method.request.path.id=true"}, onItem...)...)
	cli(nil, append([]string{"put-integration", "--type", "MOCK", "--request-templates", `{"application/json": "{\"statusCode\": 200}"}`}, onItem...)...)
	cli(nil, append([]string{"put-method-response", "--status-code", "200"}, onItem...)...)
	cli(nil, append([]string{"put-integration-response", "--status-code", "200", "--selection-pattern", "",
		"--response-templates", `{"application/json": "{\"item\": \"$input.params('id')\"}"}`}, onItem...)...)
	onPets := []string{"--rest-api-id", api.ID, "--resource-id", pets.ID, "--http-method", "GET"}
	cli(nil, append([]string{"put-method", "--authorization-type", "NONE"}, onPets...)...)
	cli(nil, append([]string{"put-integration", "--type", "HTTP_PROXY", "--integration-http-method", "GET",
		"--uri", "http://${stageVariables.backend}/pets"}, onPets...)...)
	var method struct {
		MethodIntegration struct {
			Type            string
			TimeoutInMillis int
		}
	}
	cli(&method, append([]string{"get-method"}, onPets...)...)
	if method.MethodIntegration.Type != "HTTP_PROXY" || method.MethodIntegration.TimeoutInMillis != 29000 {
		t.Errorf("get-method: %+v", method)
	}
	// A Lambda proxy.
	var echo struct{ ID string }
	cli(&echo, "create-resource", "--rest-api-id", api.ID, "--parent-id", api.RootResourceID, "--path-part", "echo")
	onEcho := []string{"--rest-api-id", api.ID, "--resource-id", echo.ID, "--http-method", "POST"}
	cli(nil, append([]string{"put-method", "--authorization-type", "NONE"}, onEcho...)...)
	cli(nil, append([]string{"put-integration", "--type", "AWS_PROXY", "--integration-http-method", "POST",
		"--uri", "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:echo/invocations"}, onEcho...)...)
	var dep struct{ ID string }
	cli(&dep, "create-deployment", "--rest-api-id", api.ID, "--stage-name", "prod", "--variables", "backend="+backend.addr)

	host := api.ID + "." + domain
	r, took := pollUntil(t, call{method: "GET", url: gw.url("/prod/items/7"), host: host}, http.StatusOK, 5*time.Second)
	t.Logf("Envoy served the deployment %v after create-deployment returned", took)
	if r.body != `{"item": "7"}` {
		t.Errorf("the MOCK answered %s", r.body)
	}
	if r := send(t, call{method: "GET", url: gw.url("/prod/pets"), host: host}); r.status != http.StatusOK || r.header.Get("X-Backend") != "A" {
		t.Errorf("the HTTP_PROXY answered %d %v %s", r.status, r.header, r.body)
	}
	var event struct {
		Resource, Body string
		RequestContext struct{ Stage string }
	}
	if r := send(t, call{method: "POST", url: gw.url("/prod/echo"), host: host, body: `{"n":1}`}); r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &event) != nil ||
		event.Resource != "/echo" || event.Body != `{"n":1}` || event.RequestContext.Stage != "prod" {
		t.Errorf("the Lambda proxy answered %d %s", r.status, r.body)
	}
	var stages struct {
		Item []struct{ StageName, DeploymentID string }
	}
	cli(&stages, "get-stages", "--rest-api-id", api.ID)
	if len(stages.Item) != 1 || stages.Item[0].DeploymentID != dep.ID {
		t.Errorf("get-stages: %+v, want prod on %s", stages, dep.ID)
	}
	other := startBackend(t, "B")
	cli(nil, "update-stage", "--rest-api-id", api.ID, "--stage-name", "prod", "--patch-operations", "op=replace,path=/variables/backend,value="+other.addr)
	if r := send(t, call{method: "GET", url: gw.url("/prod/pets"), host: host}); r.header.Get("X-Backend") != "B" {
		t.Errorf("after update-stage, the HTTP_PROXY answered %d from %q, want the new backend", r.status, r.header.Get("X-Backend"))
	}
	// A method behind a key, and a key and a usage plan made here: the key is admitted, counted, and get-usage says so.
	var keyed struct{ ID string }
	cli(&keyed, "create-resource", "--rest-api-id", api.ID, "--parent-id", api.RootResourceID, "--path-part", "keyed")
	onKeyed := []string{"--rest-api-id", api.ID, "--resource-id", keyed.ID, "--http-method", "GET"}
	cli(nil, append([]string{"put-method", "--authorization-type", "NONE", "--api-key-required"}, onKeyed...)...)
	cli(nil, append([]string{"put-integration", "--type", "MOCK", "--request-templates", `{"application/json": "{\"statusCode\": 200}"}`}, onKeyed...)...)
	cli(nil, append([]string{"put-method-response", "--status-code", "200"}, onKeyed...)...)
	cli(nil, append([]string{"put-integration-response", "--status-code", "200", "--selection-pattern", ""}, onKeyed...)...)
	cli(nil, "create-deployment", "--rest-api-id", api.ID, "--stage-name", "prod")
	var key struct{ ID, Value string }
	cli(&key, "create-api-key", "--name", "carol", "--enabled")
	var plan struct{ ID string }
	cli(&plan, "create-usage-plan", "--name", "metered", "--api-stages", "apiId="+api.ID+",stage=prod", "--quota", "limit=10,period=DAY")
	cli(nil, "create-usage-plan-key", "--usage-plan-id", plan.ID, "--key-id", key.ID, "--key-type", "API_KEY")
	withKey := call{method: "GET", url: gw.url("/prod/keyed"), host: host, header: http.Header{"X-Api-Key": {key.Value}}}
	pollUntil(t, withKey, http.StatusOK, 5*time.Second)
	if r := send(t, call{method: "GET", url: gw.url("/prod/keyed"), host: host}); r.status != http.StatusForbidden || r.body != `{"message":"Forbidden"}` {
		t.Errorf("without the key: %d %s, want 403 Forbidden", r.status, r.body)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	var usage struct{ Items map[string][][]float64 }
	cli(&usage, "get-usage", "--usage-plan-id", plan.ID, "--key-id", key.ID, "--start-date", today, "--end-date", today)
	if got := usage.Items[key.ID]; len(got) != 1 || got[0][0] != 1 || got[0][1] != 9 {
		t.Errorf("get-usage: %+v, want one request used of 10", usage)
	}
	// Its export imports back as a new API, served once deployed.
	exported := filepath.Join(t.TempDir(), "export.json")
	cli(nil, "get-export", "--rest-api-id", api.ID, "--stage-name", "prod", "--export-type", "oas30", "--parameters", "extensions=integrations", exported)
	var copied struct{ ID string }
	cli(&copied, "import-rest-api", "--body", "fileb://"+exported)
	cli(nil, "create-deployment", "--rest-api-id", copied.ID, "--stage-name", "copy", "--variables", "backend="+backend.addr)
	if r, _ := pollUntil(t, call{method: "GET", url: gw.url("/copy/items/9"), host: copied.ID + "." + domain}, http.StatusOK, 5*time.Second); r.body != `{"item": "9"}` {
		t.Errorf("the imported MOCK answered %s", r.body)
	}
	if r := send(t, call{method: "GET", url: gw.url("/copy/pets"), host: copied.ID + "." + domain}); r.header.Get("X-Backend") != "A" {
		t.Errorf("the imported HTTP_PROXY answered %d from %q", r.status, r.header.Get("X-Backend"))
	}
	// Deleted, the API is served no more: a connection kept open gets its last answer from the configuration it
	// was accepted on, then a new one meets the new configuration.
	// A stage in a usage plan stays until the plan lets it go.
	cli(nil, "update-usage-plan", "--usage-plan-id", plan.ID, "--patch-operations", "op=remove,path=/apiStages,value="+api.ID+":prod")
	cli(nil, "delete-rest-api", "--rest-api-id", api.ID)
	pollUntil(t, call{method: "GET", url: gw.url("/prod/items/7"), host: host}, http.StatusForbidden, 5*time.Second)
}

// TestManagementAPIByBoto3: a boto3 script builds, deploys and reads a REST API (boto3 parses every answer by
// botocore's model: a timestamp as a datetime, an error by its code), and Envoy serves it.
func TestManagementAPIByBoto3(t *testing.T) {
	boto3 := requireBoto3(t)
	cfg := newGatewayConfig(t)
	cfg.AWS = &awsConfig{Region: "eu-west-1"}
	cfg.Management = &management{Credentials: []managementCredential{{AccessKeyID: "AKIAMANAGEMENT", SecretAccessKey: "management-secret"}}}
	gw := startGateway(t, cfg, nil)
	cmd := exec.Command("python3", filepath.Join("testdata", "management", "boto3_build.py"))
	cmd.Env = append(os.Environ(), "PYTHONPATH="+boto3, "TOLLGATE_ENDPOINT=http://"+gw.cfg.Admin, "AWS_DEFAULT_REGION=eu-west-1",
		"AWS_ACCESS_KEY_ID=AKIAMANAGEMENT", "AWS_SECRET_ACCESS_KEY=management-secret",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the boto3 script: %v\n%s", err, stderr.String())
	}
	var got struct {
		APIID, DeploymentID, StageDeploymentID, CreatedDateType, NotFound string
		Variables                                                         map[string]string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("the boto3 script printed %s: %v", out, err)
	}
	if got.StageDeploymentID != got.DeploymentID || got.Variables["from"] != "boto3" || got.CreatedDateType != "datetime" || got.NotFound != "NotFoundException" {
		t.Errorf("the boto3 script saw %+v", got)
	}
	r, _ := pollUntil(t, call{method: "GET", url: gw.url("/prod/hello"), host: got.APIID + "." + domain}, http.StatusOK, 5*time.Second)
	if r.body != `{"hello": "boto3"}` {
		t.Errorf("the API boto3 built answered %s", r.body)
	}
}

// requireBoto3 is the directory boto3 is installed in (make tools installs it into .tools/boto3), or
// $TOLLGATE_BOTO3. Missing, the test fails, never skips.
func requireBoto3(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TOLLGATE_BOTO3")
	if dir == "" {
		dir = filepath.Join(repoRoot, ".tools", "boto3")
	}
	if _, err := os.Stat(filepath.Join(dir, "boto3")); err != nil {
		t.Fatalf("this test needs boto3 and it is not in %s: %v; run `make tools` (it installs .tools/boto3) or set TOLLGATE_BOTO3", dir, err)
	}
	return dir
}

// requireAWSCLI is the directory the aws CLI is installed in (make tools installs it into .tools/awscli), or
// $TOLLGATE_AWSCLI. Missing, the test fails, never skips.
func requireAWSCLI(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TOLLGATE_AWSCLI")
	if dir == "" {
		dir = filepath.Join(repoRoot, ".tools", "awscli")
	}
	if _, err := os.Stat(filepath.Join(dir, "bin", "aws")); err != nil {
		t.Fatalf("this test needs the aws CLI and it is not in %s: %v; run `make tools` (it installs .tools/awscli) or set TOLLGATE_AWSCLI", dir, err)
	}
	return dir
}
