package openapi

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

func FuzzImport(f *testing.F) {
	for _, file := range petstoreFiles {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, tc := range importCases {
		f.Add([]byte(tc.data))
	}
	for _, tc := range problemCases {
		f.Add([]byte(tc.data))
	}
	for _, tc := range extensionCases {
		f.Add([]byte(tc.data))
	}
	for _, tc := range lenientCases {
		f.Add([]byte(tc.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fuzz.yaml"
		api, warnings, err := Import(file, data)
		if err == nil {
			if api == nil || api.SourceFile != file {
				t.Fatalf("Import returned no error and model %v", api)
			}
			checkProblems(t, file, warnings)
			return
		}
		if api != nil || warnings != nil {
			t.Fatalf("Import returned a model or warnings along with %v", err)
		}
		var problems diag.Problems
		if !errors.As(err, &problems) || len(problems) == 0 {
			t.Fatalf("Import error %v (%T), want non-empty diag.Problems", err, err)
		}
		checkProblems(t, file, problems)
	})
}

func checkProblems(t *testing.T, file string, problems diag.Problems) {
	t.Helper()
	for _, p := range problems {
		if p.File != file || p.Reason == "" || p.Pointer != "" && !strings.HasPrefix(p.Pointer, "/") {
			t.Fatalf("malformed problem %#v", p)
		}
	}
}
