package management

import (
	"maps"
	"math"
	"strconv"
	"strings"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Canary releases of a managed REST API's stages. A stage's canarySettings name a second deployment, which takes
// percentTraffic of the stage's requests with the stage's variables overridden; it is served as a model API of
// the API's id whose stage entry is the canary (tollgatev1.CanaryRelease). A canary is created by CreateDeployment
// with canarySettings (the new deployment is the canary's), by CreateStage, or by UpdateStage patching
// /canarySettings (the canary starts on the stage's own deployment), and promoted as AWS documents it: copy
// /canarySettings/deploymentId to /deploymentId and /canarySettings/stageVariableOverrides to /variables, then
// remove /canarySettings.

// canarySettings is API Gateway's CanarySettings; CreateDeployment's DeploymentCanarySettings is the same less
// the deployment, which is the one created.
type canarySettings struct {
	PercentTraffic         float64           `json:"percentTraffic"`
	DeploymentID           string            `json:"deploymentId,omitempty"`
	StageVariableOverrides map[string]string `json:"stageVariableOverrides,omitempty"`
	UseStageCache          bool              `json:"useStageCache"`
}

func (c *canarySettings) check() error {
	if pct := c.PercentTraffic; math.IsNaN(pct) || pct < 0 || pct > 100 {
		return badRequest("Invalid canary percentTraffic %v: it must be between 0.0 and 100.0", pct)
	}
	for name, value := range c.StageVariableOverrides {
		if err := checkVariable(name, value); err != nil {
			return err
		}
	}
	return nil
}

// canaryModel is the stage entry that serves st's canary release: the stage's settings, its variables with the
// canary's overrides.
func (st *stage) canaryModel() *tollgatev1.Stage {
	out := st.model()
	c := st.CanarySettings
	out.Variables = maps.Clone(st.Variables)
	if len(c.StageVariableOverrides) > 0 && out.Variables == nil {
		out.Variables = map[string]string{}
	}
	maps.Copy(out.Variables, c.StageVariableOverrides)
	out.Canary = &tollgatev1.CanaryRelease{PercentTraffic: c.PercentTraffic, UseStageCache: c.UseStageCache}
	return out
}

// patchCanary applies op if it is a canary release's: its settings, promotion's copies, or its removal.
func (st *stage) patchCanary(rec *apiRecord, op patchOperation) (bool, error) {
	switch {
	case op.Op == "copy" && op.From == "/canarySettings/deploymentId" && op.Path == "/deploymentId":
		if st.CanarySettings == nil {
			return true, badRequest("Stage %s has no canary release to promote", st.StageName)
		}
		st.DeploymentID = st.CanarySettings.DeploymentID
		return true, nil
	case op.Op == "copy" && op.From == "/canarySettings/stageVariableOverrides" && op.Path == "/variables":
		if st.CanarySettings == nil {
			return true, badRequest("Stage %s has no canary release to promote", st.StageName)
		}
		if len(st.CanarySettings.StageVariableOverrides) > 0 && st.Variables == nil {
			st.Variables = map[string]string{}
		}
		maps.Copy(st.Variables, st.CanarySettings.StageVariableOverrides)
		return true, nil
	case op.Op == "remove" && op.Path == "/canarySettings":
		st.CanarySettings = nil
		return true, nil
	case !strings.HasPrefix(op.Path, "/canarySettings/"):
		return false, nil
	}
	if st.CanarySettings == nil {
		// A canary starts on the stage's own deployment, as AWS's: the next deployment with canarySettings, or a
		// patch of its deploymentId, changes what it serves.
		st.CanarySettings = &canarySettings{DeploymentID: st.DeploymentID}
	}
	c := st.CanarySettings
	if name, ok := entry(op, "/canarySettings/stageVariableOverrides/"); ok {
		if op.Op != "remove" {
			if err := checkVariable(name, op.Value); err != nil {
				return true, err
			}
		}
		return true, patchStrings(&c.StageVariableOverrides, name, op)
	}
	if op.Op != "replace" {
		return true, invalidPatch(op)
	}
	switch op.Path {
	case "/canarySettings/percentTraffic":
		pct, err := strconv.ParseFloat(op.Value, 64)
		if err != nil {
			return true, badRequest("Invalid value %q for %s: want a number from 0.0 to 100.0", op.Value, op.Path)
		}
		c.PercentTraffic = pct
		return true, c.check()
	case "/canarySettings/useStageCache":
		v, err := strconv.ParseBool(op.Value)
		if err != nil {
			return true, badRequest("Invalid value %q for %s: want true or false", op.Value, op.Path)
		}
		c.UseStageCache = v
		return true, nil
	case "/canarySettings/deploymentId":
		if _, err := deploymentOf(rec, op.Value); err != nil {
			return true, err
		}
		c.DeploymentID = op.Value
		return true, nil
	}
	return true, invalidPatch(op)
}

// canaryOfModel is the canarySettings of a file's stage whose variables are stageVariables, from its canary's
// stage entry: the overrides are the variables the canary's entry sets otherwise.
func canaryOfModel(canary *tollgatev1.Stage, stageVariables map[string]string, deploymentID string) *canarySettings {
	out := &canarySettings{DeploymentID: deploymentID, PercentTraffic: canary.GetCanary().GetPercentTraffic(), UseStageCache: canary.GetCanary().GetUseStageCache()}
	for name, value := range canary.GetVariables() {
		if v, ok := stageVariables[name]; !ok || v != value {
			if out.StageVariableOverrides == nil {
				out.StageVariableOverrides = map[string]string{}
			}
			out.StageVariableOverrides[name] = value
		}
	}
	return out
}
