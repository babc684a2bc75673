package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/envoy"
)

const modulePath = "github.com/tollgate-gw/tollgate"

// Set once by TestMain, read-only afterwards.
var (
	repoRoot    string // the module's root directory
	tollgateBin string // the tollgate binary built for this run
	envoyBin    string // the Envoy binary every test runs
	envoyErr    error  // why envoyBin is empty; tests that need Envoy fail with it
)

func TestMain(m *testing.M) { os.Exit(runTests(m)) }

func runTests(m *testing.M) int {
	root, err := findRepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	repoRoot = root
	bin, err := os.MkdirTemp("", "tollgate-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(bin)
	// The binary is built once, as users run it: the tests exercise the command line, not package internals.
	tollgateBin = filepath.Join(bin, "tollgate")
	build := exec.Command("go", "build", "-o", tollgateBin, "./cmd/tollgate")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/tollgate failed: %v\n%s", err, out)
		return 1
	}
	// The same search `tollgate run` does: $TOLLGATE_ENVOY (set by `make test`), PATH, then .tools/.
	envoyBin, envoyErr = envoy.Find("")
	return m.Run()
}

// findRepoRoot walks up from the working directory (the package directory under `go test`) to this module's go.mod.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if mod, err := os.Open(filepath.Join(dir, "go.mod")); err == nil {
			isOurs := false
			for sc := bufio.NewScanner(mod); sc.Scan(); {
				if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "module" {
					isOurs = strings.Trim(f[1], `"`) == modulePath
					break
				}
			}
			mod.Close()
			if isOurs {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find the go.mod of " + modulePath + " above the working directory")
		}
		dir = parent
	}
}

// requireEnvoy fails the test when there is no Envoy to run. Deliberately not a skip: see the package comment.
func requireEnvoy(t *testing.T) {
	t.Helper()
	if envoyErr != nil {
		t.Fatalf("this test needs a real Envoy and none was found (set TOLLGATE_ENVOY or run `make tools`): %v", envoyErr)
	}
}
