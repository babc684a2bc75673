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
		cmd := exec.Command("python3", append([]string{filepath.Join(aws, "bin", "aws")}, append(args,
			"--endpoint-url", "http://"+gw.cfg.Admin, "--region", "eu-west-1", "--output", "json")...)...)
		cmd.Env = append(os.Environ(), "PYTHONPATH="+aws, "AWS_ACCESS_KEY_ID="+key, "AWS_SECRET_ACCESS_KEY="+secret,
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
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
	} {
		out, stderr, err := run("AKIAMANAGEMENT", "management-secret", read.args...)
		var got map[string]any
		if err != nil || json.Unmarshal([]byte(out), &got) != nil || !reflect.DeepEqual(got, read.want) {
			t.Errorf("aws %s: %v\n%s%s\nwant %v", strings.Join(read.args, " "), err, out, stderr, read.want)
		}
	}
	for _, refused := range []struct {
		args    []string
		message string
	}{
		{[]string{"apigateway", "delete-rest-api", "--rest-api-id", "keyed"}, "(BadRequestException) when calling the DeleteRestApi operation: API keyed is defined in tollgate.yaml"},
		{[]string{"apigateway", "get-rest-api", "--rest-api-id", "nope"}, "(NotFoundException) when calling the GetRestApi operation: Invalid API identifier specified 123456789012:nope"},
		// An operation Tollgate does not serve yet is named, never answered with a wrong success.
		{[]string{"apigateway", "get-resources", "--rest-api-id", "keyed"}, "(NotImplementedException) when calling the GetResources operation: GetResources (apigateway) is not served by Tollgate yet"},
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
