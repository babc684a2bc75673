package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lambdaConfig is tollgate.yaml's lambda block: where AWS_PROXY integrations invoke their functions.
type lambdaConfig struct {
	Endpoint  string            `yaml:"endpoint,omitempty"`  // the default Invoke endpoint
	Region    string            `yaml:"region,omitempty"`    // for SigV4 on AWS endpoints
	Functions map[string]string `yaml:"functions,omitempty"` // function name -> full invoke URL
}

// rieEnvVar names the AWS Lambda Runtime Interface Emulator binary; `make test` and `make e2e` set it.
const rieEnvVar = "TOLLGATE_RIE"

// findRIE returns the Runtime Interface Emulator: $TOLLGATE_RIE (relative paths are taken from the repository
// root), else .tools/bin/aws-lambda-rie, which `make tools` installs. Missing, the test fails, never skips: see
// the package comment.
func findRIE(t *testing.T) string {
	t.Helper()
	bin, from := os.Getenv(rieEnvVar), "$"+rieEnvVar
	if bin == "" {
		bin, from = filepath.Join(repoRoot, ".tools", "bin", "aws-lambda-rie"), "the default location"
	} else if !filepath.IsAbs(bin) {
		bin = filepath.Join(repoRoot, bin)
	}
	info, err := os.Stat(bin)
	switch {
	case err != nil:
	case info.IsDir():
		err = fmt.Errorf("%s is a directory", bin)
	case info.Mode().Perm()&0o111 == 0:
		err = fmt.Errorf("%s is not executable", bin)
	}
	if err != nil {
		t.Fatalf("this test needs the AWS Lambda Runtime Interface Emulator and it is not at %s (%s): %v; run `make tools` (it installs .tools/bin/aws-lambda-rie) or set %s",
			bin, from, err, rieEnvVar)
	}
	return bin
}

// testFunctions are the Lambda functions under e2e/lambdafunctions, each a tiny main package using aws-lambda-go.
var testFunctions = []string{"echo", "status", "fail", "malformed", "slow", "binary", "v2bare", "authorizer", "simpleauth", "wschat"}

// functionEnv is what a test function's environment adds to the RIE's, by function: a Lambda function's
// credentials and region, which it signs its calls to AWS with.
var functionEnv = map[string][]string{
	"wschat": {"AWS_ACCESS_KEY_ID=" + connectionsKey, "AWS_SECRET_ACCESS_KEY=" + connectionsSecret, "AWS_REGION=eu-west-1"},
}

var (
	functionsOnce sync.Once
	functionsDir  string // where the built functions are, one binary per name
	functionsErr  error
)

// buildFunctions builds every test function once per run, into the directory TestMain removes at the end.
func buildFunctions(t *testing.T) string {
	t.Helper()
	functionsOnce.Do(func() {
		dir := filepath.Join(filepath.Dir(tollgateBin), "functions")
		if functionsErr = os.MkdirAll(dir, 0o755); functionsErr != nil {
			return
		}
		// One go build for all: the packages compile in parallel and the binaries land in dir under their names.
		args := []string{"build", "-o", dir + string(filepath.Separator)}
		for _, name := range testFunctions {
			args = append(args, "./e2e/lambdafunctions/"+name)
		}
		build := exec.Command("go", args...)
		build.Dir = repoRoot
		if out, err := build.CombinedOutput(); err != nil {
			functionsErr = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
			return
		}
		functionsDir = dir
	})
	if functionsErr != nil {
		t.Fatalf("building the test functions: %v", functionsErr)
	}
	return functionsDir
}

// lambdaFunction is one test function running under its own Runtime Interface Emulator, which serves Lambda's
// Invoke API for it.
type lambdaFunction struct {
	name string
	rie  *process
	// addr is the Invoke API's address, runtimeAddr the Runtime API's (the function talks to it).
	addr, runtimeAddr string
	// function is the function's own process, started by the RIE on the first invocation.
	function procInfo
}

// invokeURL is the function's full invoke URL, as lambda.functions takes it.
func (f *lambdaFunction) invokeURL() string {
	return "http://" + f.addr + "/2015-03-31/functions/function/invocations"
}

// invocations counts the invocations the RIE has started so far: it prints one START line for each.
func (f *lambdaFunction) invocations() int {
	return strings.Count(f.rie.out.String(), "START RequestId: ")
}

// startFunctions starts each named test function under its own RIE, each invoked once so that its process is
// running and warm when the test begins. The test's cleanup stops them with SIGTERM and checks that neither the
// RIEs nor the function processes are left, and that their ports are free again.
func startFunctions(t *testing.T, names ...string) map[string]*lambdaFunction {
	t.Helper()
	rie := findRIE(t)
	dir := buildFunctions(t)
	fns := make(map[string]*lambdaFunction, len(names))
	// Every function's ports at once: ports chosen one function at a time could be the ones an RIE started just
	// before has not bound yet.
	addrs := freeAddrs(t, 2*len(names))
	for i, name := range names {
		f := &lambdaFunction{name: name, addr: addrs[2*i], runtimeAddr: addrs[2*i+1]}
		// AWS_LAMBDA_FUNCTION_NAME is only for the RIE's logs; the function's environment is the RIE's.
		env := childEnv(t.TempDir(), append([]string{"AWS_LAMBDA_FUNCTION_NAME=" + name}, functionEnv[name]...)...)
		f.rie = startProcess(t, "aws-lambda-rie "+name, env, rie,
			"--runtime-interface-emulator-address", f.addr,
			"--runtime-api-address", f.runtimeAddr,
			filepath.Join(dir, name))
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("aws-lambda-rie %s output:\n%s", name, f.rie.out.String())
			}
		})
		t.Cleanup(func() { f.stop(t) }) // runs before the output is printed, and before startProcess's kill
		fns[name] = f
	}
	for _, name := range names {
		fns[name].warmUp(t)
	}
	return fns
}

// warmUp invokes the function directly with {} until the RIE answers 200 (every test function accepts {}; a
// function error is a 200 of the Invoke API too), then finds the function process the RIE started.
func (f *lambdaFunction) warmUp(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last string
	for {
		if f.rie.hasExited() {
			t.Fatalf("aws-lambda-rie for %s exited (%v) before accepting an invocation:\n%s", f.name, f.rie.err, f.rie.out.String())
		}
		r, err := trySend(call{method: http.MethodPost, url: f.invokeURL(), body: "{}"})
		if err == nil && r.status == http.StatusOK {
			break
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("%d %s", r.status, r.body)
		}
		if time.Now().After(deadline) {
			t.Fatalf("function %s: the RIE on %s did not answer an invocation with 200 within 15s; last: %s", f.name, f.addr, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var children []procInfo
	for _, p := range allProcs() {
		if p.ppid == f.rie.pid() && p.state != "Z" {
			children = append(children, p)
		}
	}
	if len(children) != 1 {
		t.Fatalf("function %s: the RIE (pid %d) has %d child processes after an invocation, want the function's one: %+v", f.name, f.rie.pid(), len(children), children)
	}
	f.function = children[0]
}

// stop sends the RIE SIGTERM (it kills the function and exits 0), then checks nothing is left: neither the RIE,
// nor the function process (the RIE starts it in a process group of its own, so it would survive a killed RIE),
// nor a port. A function process still there is killed, by its pid, once it has been reported.
func (f *lambdaFunction) stop(t *testing.T) {
	t.Helper()
	if f.rie.hasExited() {
		t.Errorf("aws-lambda-rie for %s exited (%v) before the test stopped it", f.name, f.rie.err)
	} else {
		f.rie.terminate(t, 5*time.Second)
	}
	if f.function.pid != 0 {
		waitGone(t, "function "+f.name, f.function.pid, f.function.start, 3*time.Second)
		if alive(f.function.pid, f.function.start) {
			if p, err := os.FindProcess(f.function.pid); err == nil {
				_ = p.Kill()
			}
		}
	}
	checkPortsReleased(t, f.addr, f.runtimeAddr)
}

// invocationCounts snapshots every function's invocation count.
func invocationCounts(fns map[string]*lambdaFunction) map[string]int {
	out := make(map[string]int, len(fns))
	for name, f := range fns {
		out[name] = f.invocations()
	}
	return out
}

// expectInvocations checks how many times each function was invoked since before (a snapshot of
// invocationCounts); functions not in want must not have been invoked at all.
func expectInvocations(t *testing.T, c call, fns map[string]*lambdaFunction, before map[string]int, want map[string]int) {
	t.Helper()
	// The RIE prints its START line before it invokes, but the line reaches the test through a pipe: give it a
	// moment, so that neither a missing nor an extra invocation goes unseen.
	time.Sleep(30 * time.Millisecond)
	_ = waitFor(time.Second, func() bool {
		for name, f := range fns {
			if f.invocations()-before[name] != want[name] {
				return false
			}
		}
		return true
	})
	for name, f := range fns {
		if got := f.invocations() - before[name]; got != want[name] {
			t.Errorf("%s: function %s was invoked %d times, want %d", c, name, got, want[name])
		}
	}
}

// headerValues finds a header in an event's multi-value map whatever the case of its name: the name as found,
// its values, and whether it is there.
func headerValues(m map[string][]string, name string) (string, []string, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	return "", nil, false
}

// headerValue is headerValues for a single-value map.
func headerValue(m map[string]string, name string) (string, string, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return k, v, true
		}
	}
	return "", "", false
}

// isJSONNull tells whether a raw JSON member is present and null.
func isJSONNull(raw []byte, present bool) bool {
	return present && bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}
