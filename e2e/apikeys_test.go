package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

type apiKey struct {
	ID      string `yaml:"id"`
	Name    string `yaml:"name"`
	Value   string `yaml:"value"`
	Enabled bool   `yaml:"enabled"`
}

type usagePlan struct {
	ID        string         `yaml:"id"`
	Name      string         `yaml:"name"`
	APIStages []planAPIStage `yaml:"apiStages"`
	Keys      []string       `yaml:"keys"`
	Throttle  *throttle      `yaml:"throttle,omitempty"`
	Quota     *quota         `yaml:"quota,omitempty"`
}

type planAPIStage struct {
	APIID string `yaml:"apiId"`
	Stage string `yaml:"stage"`
}

const (
	aliceKey = "alice-0123456789abcdefgh"  // enabled, in the plan for keyed/prod
	bobKey   = "bob-0123456789abcdefghijk" // in the plan, disabled
	carolKey = "carol-0123456789abcdefgh"  // enabled, in no plan
)

// TestAPIKeys checks the API key requirement through Envoy's ext_authz and Tollgate's check: a method that
// requires a key admits an enabled key of a usage plan for the API stage, and answers anything else with
// 403 {"message":"Forbidden"}; a method that requires none never sees the check.
func TestAPIKeys(t *testing.T) {
	backend := startBackend(t, "A")
	cfg := newGatewayConfig(t)
	cfg.APIKeys = []apiKey{
		{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true},
		{ID: "k2", Name: "bob", Value: bobKey},
		{ID: "k3", Name: "carol", Value: carolKey, Enabled: true},
	}
	cfg.UsagePlans = []usagePlan{{ID: "p1", Name: "gold", APIStages: []planAPIStage{{APIID: "keyed", Stage: "prod"}}, Keys: []string{"k1", "k2"}}}
	cfg.APIs = []apiConfig{{ID: "keyed", Definition: "keyed.yaml", Stages: []stageConfig{
		{StageName: "prod", Variables: map[string]string{"backend": backend.addr}},
		{StageName: "dev", Variables: map[string]string{"backend": backend.addr}},
	}}}
	gw := startGateway(t, cfg, map[string]string{"keyed.yaml": "apikeys/keyed.yaml"})
	host := "keyed." + domain

	tests := []struct {
		name, path, key string
		wantStatus      int
	}{
		{"enabled key in the plan", "/prod/pets", aliceKey, http.StatusOK},
		{"no key", "/prod/pets", "", http.StatusForbidden},
		{"unknown key", "/prod/pets", "mallory-0123456789abcdef", http.StatusForbidden},
		{"disabled key", "/prod/pets", bobKey, http.StatusForbidden},
		{"key in no plan", "/prod/pets", carolKey, http.StatusForbidden},
		{"plan does not cover the stage", "/dev/pets", aliceKey, http.StatusForbidden},
		{"method without a key requirement", "/prod/open", "", http.StatusOK},
		{"path form with the key", "/restapis/keyed/prod/_user_request_/pets", aliceKey, http.StatusOK},
		{"path form without a key", "/_aws/execute-api/keyed/prod/pets", "", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := call{method: "GET", url: gw.url(tt.path), host: host, header: http.Header{}}
			if strings.HasPrefix(tt.path, "/restapis/") || strings.HasPrefix(tt.path, "/_aws/") {
				c.host = ""
			}
			if tt.key != "" {
				c.header.Set("x-api-key", tt.key)
			}
			r := send(t, c)
			if tt.wantStatus == http.StatusOK {
				if r.status != http.StatusOK {
					t.Fatalf("%s: status %d, want 200 from the backend; body %s", c, r.status, r.body)
				}
				return
			}
			expectJSONMessage(t, c, r, http.StatusForbidden, "Forbidden")
			if got := r.header.Get("x-amzn-ErrorType"); got != "ForbiddenException" {
				t.Errorf("%s: x-amzn-ErrorType = %q, want ForbiddenException", c, got)
			}
		})
	}

	t.Run("KeyValuesNeverLogged", func(t *testing.T) {
		for _, k := range []string{aliceKey, bobKey, carolKey} {
			if strings.Contains(gw.out.String(), k) {
				t.Errorf("tollgate's log contains the value of an API key")
			}
		}
	})

	t.Run("EnablingAKeyOnReload", func(t *testing.T) {
		cfg.APIKeys[1].Enabled = true
		writeConfig(t, gw.dir, cfg)
		c := call{method: "GET", url: gw.url("/prod/pets"), host: host, header: http.Header{"X-Api-Key": {bobKey}}}
		if _, took := pollUntil(t, c, http.StatusOK, 5*time.Second); took > time.Second {
			t.Errorf("the enabled key was admitted after %s, want within 1 s", took)
		}
	})
}
