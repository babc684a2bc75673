package config

import (
	"errors"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

// FuzzParse: any bytes give either a config or problems that each say what is wrong, never a panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte("listen: 127.0.0.1:8080\napis:\n  - id: a1\n    definition: a.yaml\n    stages: [{stageName: prod, variables: {b: c}}]\n"))
	f.Add([]byte(`{"apis": [{"id": "x", "stages": [{"stageName": "!"}]}]}`))
	f.Add([]byte("apis: [{stages: {a: b}}]"))
	f.Add([]byte("domain: [1, 2]"))
	f.Add([]byte("lisen: x\napis: [{id: a, stages: [{stageName: p, cacheClusterEnabled: true, methodSettings: {'*/*': {metricsEnabled: true}}}]}]"))
	// Aliases inside their own anchors: the key check must end where the decoder refuses.
	f.Add([]byte("apis: &x [*x]"))
	f.Add([]byte("apis: [&x {<<: *x, id: a}]"))
	f.Add([]byte("accountThrottle: &t {rateLimit: 1}\nusagePlans: [{quota: {<<: [*t, *t]}}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err == nil {
			if c == nil {
				t.Fatal("nil config without problems")
			}
			return
		}
		var probs diag.Problems
		if !errors.As(err, &probs) || len(probs) == 0 {
			t.Fatalf("error %v is not a list of problems", err)
		}
		for _, p := range probs {
			if p.Reason == "" || p.File != "fuzz.yaml" {
				t.Fatalf("problem without a reason or file: %+v", p)
			}
		}
	})
}
