package config

import (
	"math"
	"path/filepath"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/stagevars"
)

// CanarySettings is a stage's canary release, as API Gateway's canarySettings: in place of the deployment it names
// there, the definition the canary serves (a second version of the API's). Its requests are PercentTraffic of
// the stage's, with the stage's variables overridden by StageVariableOverrides, and the stage's other settings.
type CanarySettings struct {
	Definition             string            `yaml:"definition"`
	PercentTraffic         float64           `yaml:"percentTraffic"`
	StageVariableOverrides map[string]string `yaml:"stageVariableOverrides"`
	UseStageCache          bool              `yaml:"useStageCache"`
}

// DefinitionPath is the canary definition's path, relative paths being relative to the config file.
func (c CanarySettings) DefinitionPath(configFile string) string {
	if filepath.IsAbs(c.Definition) {
		return c.Definition
	}
	return filepath.Join(filepath.Dir(configFile), c.Definition)
}

// Variables are the canary's stage variables: the stage's, with the overrides applied.
func (c CanarySettings) Variables(stage map[string]string) map[string]string {
	out := make(map[string]string, len(stage)+len(c.StageVariableOverrides))
	for name, value := range stage {
		out[name] = value
	}
	for name, value := range c.StageVariableOverrides {
		out[name] = value
	}
	return out
}

// validateCanaries checks each stage's canary release: a REST API's, with its definition, a share of 0 to 100
// percent and overrides that are stage variables.
func (c *Config) validateCanaries(probs *diag.Problems) {
	for i, api := range c.APIs {
		for j, st := range api.Stages {
			canary := st.CanarySettings
			if canary == nil {
				continue
			}
			at := func(tokens ...any) string {
				return diag.Pointer(append([]any{"apis", i, "stages", j, "canarySettings"}, tokens...)...)
			}
			if api.IsHTTP() {
				probs.Addf(c.File, at(), "an HTTP API has no canary releases (API Gateway's are a REST API's)")
			}
			if canary.Definition == "" {
				probs.Addf(c.File, at("definition"), "a canary release needs its definition: the OpenAPI file of the version it serves")
			}
			if pct := canary.PercentTraffic; math.IsNaN(pct) || pct < 0 || pct > 100 {
				probs.Addf(c.File, at("percentTraffic"), "percentTraffic %v is not a percentage from 0 to 100", pct)
			}
			for name, value := range canary.StageVariableOverrides {
				if !stagevars.Name.MatchString(name) {
					probs.Addf(c.File, at("stageVariableOverrides", name), "invalid stage variable name %q: use letters, digits and underscores", name)
				}
				if !stagevars.Value.MatchString(value) {
					probs.Addf(c.File, at("stageVariableOverrides", name), "invalid value %q for stage variable %q: must match [A-Za-z0-9-._~:/?#&=,]{1,512}", value, name)
				}
			}
		}
	}
}
