// Package golden compares what a test produced with a golden file, and rewrites the file instead when the test
// runs with -update (go test ./pkg -args -update): the diff of a rewrite is the review.
package golden

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

// Check compares got with the golden file, or writes it there under -update.
func Check(t testing.TB, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run the test with -args -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("output differs from %s (run the test with -args -update and review the diff):\n%s", file, firstDifference(string(want), string(got)))
	}
}

// YAML writes a value as golden files hold it: its JSON form (protojson's for messages, decoded first), as YAML,
// whose output is stable byte for byte and reads well in a diff.
func YAML(t testing.TB, jsonText []byte) []byte {
	t.Helper()
	var plain any
	if err := json.Unmarshal(jsonText, &plain); err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func firstDifference(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl
		}
	}
	return ""
}
