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
// with a key of management.credentials: it reads a usage plan's usage and flushes a stage's cache, and is told the
// operations not served yet by name. A key the config lacks and a wrong secret are refused with AWS's errors,
// which the CLI reports by their names.
func TestManagementAPIByTheAWSCLI(t *testing.T) {
	aws := requireAWSCLI(t)
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.AWS = &awsConfig{Region: "eu-west-1"}
	cfg.Management = &management{Credentials: []managementCredential{{AccessKeyID: "AKIAMANAGEMENT", SecretAccessKey: "management-secret"}}}
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "quota", APIStages: []planAPIStage{{APIID: "keyed", Stage: "prod"}}, Keys: []string{"k1"}, Quota: &quota{Limit: 3, Period: "DAY"}}}
	cfg.APIs = []apiConfig{{ID: "keyed", Definition: "keyed.yaml", Stages: []stageConfig{
		{StageName: "prod", Variables: map[string]string{"backend": backend.addr}, CacheClusterEnabled: true}}}}
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
	// An operation Tollgate does not serve yet is named, not answered with a wrong success.
	if _, stderr, err := run("AKIAMANAGEMENT", "management-secret", "apigateway", "get-rest-apis"); err == nil ||
		!strings.Contains(stderr, "(NotImplementedException) when calling the GetRestApis operation: GetRestApis (apigateway) is not served by Tollgate yet") {
		t.Errorf("get-rest-apis: %v\n%s\nwant NotImplementedException naming GetRestApis", err, stderr)
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
