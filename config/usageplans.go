package config

import (
	"github.com/tollgate-gw/tollgate/diag"
)

// APIKey is one entry of apiKeys, in API Gateway's own shape.
type APIKey struct {
	ID    string `yaml:"id"`
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
	// Enabled defaults to false, as API Gateway's CreateApiKey does.
	Enabled bool `yaml:"enabled"`
}

// UsagePlan is one entry of usagePlans: which keys may call which API stages.
type UsagePlan struct {
	ID        string     `yaml:"id"`
	Name      string     `yaml:"name"`
	APIStages []APIStage `yaml:"apiStages"`
	Keys      []string   `yaml:"keys"`
	// Throttle and Quota are read so that a plan using them is refused rather than silently not enforced.
	Throttle any `yaml:"throttle"`
	Quota    any `yaml:"quota"`
}

// APIStage is one API stage a usage plan covers.
type APIStage struct {
	APIID    string `yaml:"apiId"`
	Stage    string `yaml:"stage"`
	Throttle any    `yaml:"throttle"`
}

// validateUsagePlans checks keys and plans and every reference between them and the APIs. Key values are never
// quoted in problems: they are secrets; the key's pointer says which one is wrong.
func (c *Config) validateUsagePlans(probs *diag.Problems) {
	keyIDs := map[string]bool{}
	values := map[string]int{}
	for i, k := range c.APIKeys {
		at := func(field string) string { return diag.Pointer("apiKeys", i, field) }
		switch {
		case k.ID == "":
			probs.Addf(c.File, at("id"), "missing API key id")
		case keyIDs[k.ID]:
			probs.Addf(c.File, at("id"), "API key id %q is used twice", k.ID)
		}
		keyIDs[k.ID] = true
		if n := len(k.Value); n < 20 || n > 128 {
			probs.Addf(c.File, at("value"), "API key %q: the value must be 20 to 128 characters long, it has %d", k.ID, n)
		} else if j, dup := values[k.Value]; dup {
			probs.Addf(c.File, at("value"), "API key %q has the same value as /apiKeys/%d", k.ID, j)
		} else {
			values[k.Value] = i
		}
	}
	stages := map[[2]string]bool{}
	for _, api := range c.APIs {
		for _, st := range api.Stages {
			stages[[2]string{api.ID, st.StageName}] = true
		}
	}
	planIDs := map[string]bool{}
	for i, p := range c.UsagePlans {
		at := func(tokens ...any) string { return diag.Pointer(append([]any{"usagePlans", i}, tokens...)...) }
		switch {
		case p.ID == "":
			probs.Addf(c.File, at("id"), "missing usage plan id")
		case planIDs[p.ID]:
			probs.Addf(c.File, at("id"), "usage plan id %q is used twice", p.ID)
		}
		planIDs[p.ID] = true
		if p.Throttle != nil {
			probs.Addf(c.File, at("throttle"), "usage plan throttles are not supported yet")
		}
		if p.Quota != nil {
			probs.Addf(c.File, at("quota"), "usage plan quotas are not supported yet")
		}
		for j, as := range p.APIStages {
			if !stages[[2]string{as.APIID, as.Stage}] {
				probs.Addf(c.File, at("apiStages", j), "usage plan %q names API %q stage %q, which is not deployed (see apis)", p.ID, as.APIID, as.Stage)
			}
			if as.Throttle != nil {
				probs.Addf(c.File, at("apiStages", j, "throttle"), "per-method usage plan throttles are not supported yet")
			}
		}
		for j, id := range p.Keys {
			if !keyIDs[id] {
				probs.Addf(c.File, at("keys", j), "usage plan %q names API key %q, which apiKeys does not define", p.ID, id)
			}
		}
	}
}
