package e2e

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestValidate runs `tollgate validate` as a user or a CI pipeline does. Problems must name the file (as given on
// the command line, or resolved from the config for a definition), the JSON pointer and the reason, once each.
func TestValidate(t *testing.T) {
	const dir = "testdata/validate/"
	tests := []struct {
		name       string
		files      []string
		wantExit   int
		wantStdout []string // lines that must appear exactly once
		wantStderr []string // lines that must appear exactly once, each a prefix of a line
	}{
		{
			name:       "valid config",
			files:      []string{dir + "tollgate.yaml"},
			wantStdout: []string{dir + "tollgate.yaml: ok"},
		},
		{
			name:       "valid definition",
			files:      []string{dir + "petstore.yaml"},
			wantStdout: []string{dir + "petstore.yaml: ok"},
		},
		{
			name:     "bad stage name",
			files:    []string{dir + "bad-stage.yaml"},
			wantExit: 1,
			wantStderr: []string{
				dir + `bad-stage.yaml: /apis/0/stages/0/stageName: invalid stage name "pr od"`,
				"tollgate: 1 file is invalid",
			},
		},
		{
			name:     "unknown integration type",
			files:    []string{dir + "bad-type.yaml"},
			wantExit: 1,
			wantStderr: []string{
				dir + `bad-type.yaml: /paths/~1pets/get/x-amazon-apigateway-integration/type: unknown value "bogus"`,
			},
		},
		{
			name:     "AWS service not supported yet",
			files:    []string{dir + "unsupported-type.yaml"},
			wantExit: 1,
			wantStderr: []string{
				dir + `unsupported-type.yaml: /paths/~1pets/get/x-amazon-apigateway-integration/uri: uri "arn:aws:apigateway:us-east-1:sqs:path/123456789012/pets": an AWS integration with a service other than Lambda is not supported yet`,
			},
		},
		{
			// The definition a user imports from AWS expecting it protected: refused, every protection named,
			// rather than served with none of them.
			name:     "protections Tollgate does not enforce yet",
			files:    []string{dir + "protected.yaml"},
			wantExit: 1,
			wantStderr: []string{
				dir + "protected.yaml: /x-amazon-apigateway-security-policy: x-amazon-apigateway-security-policy (TLS security policy) is not supported yet",
			},
		},
		{
			name:       "settings that change nothing for a caller",
			files:      []string{dir + "config-warnings.yaml"},
			wantStdout: []string{dir + "config-warnings.yaml: ok"},
			wantStderr: []string{
				dir + "config-warnings.yaml: /apis/0/stages/0/description: warning: description has no effect yet",
				dir + "config-warnings.yaml: /apis/0/stages/0/methodSettings/*~1*/loggingLevel: warning: loggingLevel has no effect yet",
			},
		},
		{
			name:     "a canary naming a deployment and a misspelt key",
			files:    []string{dir + "config-refused.yaml"},
			wantExit: 1,
			wantStderr: []string{
				dir + "config-refused.yaml: /apis/0/stages/0/canarySettings/deploymentId: deploymentId is not supported yet",
				dir + `config-refused.yaml: /rateLimit/failureMod: unknown key "failureMod" (did you mean "failureMode"?)`,
			},
		},
		{
			name:     "config naming an invalid definition",
			files:    []string{dir + "config-bad-def.yaml"},
			wantExit: 1,
			wantStderr: []string{
				dir + `bad-type.yaml: /paths/~1pets/get/x-amazon-apigateway-integration/type: unknown value "bogus"`,
			},
		},
		{
			// The config checks the definition it names, and so does the definition's own check: once each.
			name:     "a definition named by the config and on its own",
			files:    []string{dir + "config-bad-def.yaml", dir + "bad-type.yaml"},
			wantExit: 1,
			wantStderr: []string{
				dir + `bad-type.yaml: /paths/~1pets/get/x-amazon-apigateway-integration/type: unknown value "bogus"`,
				"tollgate: 2 files are invalid",
			},
		},
		{
			name:       "valid and invalid files together",
			files:      []string{dir + "tollgate.yaml", dir + "bad-stage.yaml", dir + "bad-type.yaml"},
			wantExit:   1,
			wantStdout: []string{dir + "tollgate.yaml: ok"},
			wantStderr: []string{
				dir + `bad-stage.yaml: /apis/0/stages/0/stageName: invalid stage name "pr od"`,
				dir + `bad-type.yaml: /paths/~1pets/get/x-amazon-apigateway-integration/type: unknown value "bogus"`,
				"tollgate: 2 files are invalid",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exit, stdout, stderr := runValidate(t, tt.files)
			if exit != tt.wantExit {
				t.Errorf("tollgate validate %s: exit %d, want %d", strings.Join(tt.files, " "), exit, tt.wantExit)
			}
			expectLines(t, "stdout", stdout, tt.wantStdout)
			expectLines(t, "stderr", stderr, tt.wantStderr)
			if tt.wantExit == 0 && len(tt.wantStderr) == 0 && len(stderr) > 0 {
				t.Errorf("stderr of a successful validate without warnings is not empty:\n%s", stderr)
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
			}
		})
	}
}

// expectLines checks that each wanted text starts exactly one line of out: a problem listed twice is noise a
// user has to read through.
func expectLines(t *testing.T, stream, out string, want []string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	for _, w := range want {
		n := 0
		for _, line := range lines {
			if strings.HasPrefix(line, w) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s has %d lines starting with %q, want exactly 1", stream, n, w)
		}
	}
}

// runValidate runs `tollgate validate FILES...` and returns its exit code and output.
func runValidate(t *testing.T, files []string) (exit int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(tollgateBin, append([]string{"validate"}, files...)...)
	cmd.Env = childEnv(t.TempDir())
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		exit = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return exit, out.String(), errOut.String()
}
