package ir

import (
	"strings"
	"testing"
)

// TestCacheWarnings: a cached method behind an API key or an authorizer whose cache key names no caller is
// served, with a warning at its method: every caller gets the first caller's response.
func TestCacheWarnings(t *testing.T) {
	gw, settings := readGoldenInput(t, "testdata/cached.in.yaml")
	snap, err := Build(gw, settings)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Warnings) != 1 {
		t.Fatalf("warnings: %v, want one", snap.Warnings)
	}
	w := snap.Warnings[0]
	if w.File != "cached.yaml" || w.Pointer != "/paths/~1orders/get" || !strings.Contains(w.Reason, "requires an API key") || !strings.Contains(w.Reason, "method.request.header.x-api-key") {
		t.Errorf("warning %+v, want /orders's, naming x-api-key", w)
	}
	// Keyed by the API key's header, the method is cached per key, and nothing is said.
	for _, api := range gw.GetApis() {
		for _, res := range api.GetResources() {
			if res.GetPath() == "/orders" {
				m := res.GetMethods()[0]
				m.RequestParameters = map[string]bool{"method.request.header.x-api-key": true}
				m.Integration.CacheKeyParameters = []string{"method.request.header.x-api-key"}
			}
		}
	}
	if snap, err = Build(gw, settings); err != nil || len(snap.Warnings) != 0 {
		t.Errorf("keyed by the caller's key: %v, %v; want no warning", snap.Warnings, err)
	}
}
