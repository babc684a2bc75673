package envoy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeFile creates path (and its parents) with the given mode; contents don't matter to Find.
func writeFile(t *testing.T, path string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFindOrder(t *testing.T) {
	root := t.TempDir()
	flagBin := writeFile(t, filepath.Join(root, "flag", "envoy"), 0o755)
	envBin := writeFile(t, filepath.Join(root, "env", "envoy"), 0o755)
	pathBin := writeFile(t, filepath.Join(root, "path", "envoy"), 0o755)
	plain := writeFile(t, filepath.Join(root, "plain", "envoy"), 0o644)
	// Repositories laid out as `make tools` leaves them.
	wdRepo := filepath.Join(root, "wdrepo")
	wdTools := writeFile(t, filepath.Join(wdRepo, toolsPath), 0o755)
	exeRepo := filepath.Join(root, "exerepo")
	exeTools := writeFile(t, filepath.Join(exeRepo, toolsPath), 0o755)
	besideRepo := filepath.Join(root, "beside")
	besideTools := writeFile(t, filepath.Join(besideRepo, toolsPath), 0o755)
	brokenRepo := filepath.Join(root, "broken")
	brokenTools := writeFile(t, filepath.Join(brokenRepo, toolsPath), 0o644)
	empty := filepath.Join(root, "empty")

	tests := []struct {
		name     string
		explicit string
		env      string
		onPath   string // "" = envoy not on PATH
		wd       string
		exe      string
		want     string
		wantErr  []string // substrings the error must contain
	}{
		{name: "flag beats everything", explicit: flagBin, env: envBin, onPath: pathBin, wd: wdRepo, want: flagBin},
		{name: "missing flag path is an error, not a fallthrough", explicit: filepath.Join(root, "nope"), env: envBin,
			wantErr: []string{"--envoy", filepath.Join(root, "nope"), "no such file"}},
		{name: "flag path not executable", explicit: plain, wantErr: []string{"--envoy", plain, "not executable"}},
		{name: "flag path is a directory", explicit: root, wantErr: []string{"--envoy", root, "is a directory"}},
		{name: "env beats PATH", env: envBin, onPath: pathBin, want: envBin},
		{name: "bad env path is an error, not a fallthrough", env: plain, onPath: pathBin,
			wantErr: []string{"TOLLGATE_ENVOY=", plain, "not executable"}},
		{name: "PATH beats .tools", onPath: pathBin, wd: wdRepo, want: pathBin},
		{name: ".tools in working directory", wd: wdRepo, exe: filepath.Join(exeRepo, "bin", "tollgate"), want: wdTools},
		{name: ".tools in a parent of the working directory", wd: filepath.Join(wdRepo, "envoy", "sub"), want: wdTools},
		{name: ".tools beside the executable's bin directory", wd: empty, exe: filepath.Join(exeRepo, "bin", "tollgate"), want: exeTools},
		{name: ".tools beside the executable", wd: empty, exe: filepath.Join(besideRepo, "tollgate"), want: besideTools},
		{name: "non-executable .tools binary is skipped", wd: brokenRepo, exe: filepath.Join(exeRepo, "bin", "tollgate"), want: exeTools},
		{name: "nothing anywhere", wd: brokenRepo, exe: filepath.Join(empty, "bin", "tollgate"), wantErr: []string{
			"make tools", "--envoy PATH", "TOLLGATE_ENVOY", brokenTools, "not executable",
			filepath.Join(empty, "bin", toolsPath), filepath.Join(empty, toolsPath),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := finder{
				getenv: func(k string) string {
					if k == EnvVar {
						return tt.env
					}
					return ""
				},
				lookPath: func(string) (string, error) {
					if tt.onPath == "" {
						return "", errors.New("not on PATH")
					}
					return tt.onPath, nil
				},
				getwd: func() (string, error) {
					if tt.wd == "" {
						return "", errors.New("no working directory")
					}
					return tt.wd, nil
				},
				executable: func() (string, error) {
					if tt.exe == "" {
						return "", errors.New("no executable")
					}
					return tt.exe, nil
				},
			}
			got, err := f.find(tt.explicit)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("find() = %q, want error", got)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("find() error: %v", err)
			}
			if got != tt.want {
				t.Errorf("find() = %q, want %q", got, tt.want)
			}
		})
	}
}
