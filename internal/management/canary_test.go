package management

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// TestCanaryRelease: a canary deployment to a stage, its patches, its promotion and its removal, as the model the
// control plane is given says them.
func TestCanaryRelease(t *testing.T) {
	_, sv, mux := newService(t, nil)
	var api restAPI
	call(t, mux, "POST", "/restapis", `{"name":"Shop"}`, 201, &api)
	base := "/restapis/" + api.ID
	getRoot := base + "/resources/" + api.RootResourceID + "/methods/GET"
	call(t, mux, "PUT", getRoot, `{"authorizationType":"NONE"}`, 201, nil)
	call(t, mux, "PUT", getRoot+"/integration", `{"type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}`, 201, nil)
	call(t, mux, "PUT", getRoot+"/responses/200", `{}`, 201, nil)
	call(t, mux, "PUT", getRoot+"/integration/responses/200", `{"selectionPattern":""}`, 201, nil)

	canary := `"canarySettings":{"percentTraffic":10,"stageVariableOverrides":{"color":"green"},"useStageCache":true}`
	call(t, mux, "POST", base+"/deployments", `{"stageName":"prod",`+canary+`}`, 400, nil) // no stage prod yet
	var first, second deployment
	call(t, mux, "POST", base+"/deployments", `{"stageName":"prod","variables":{"color":"blue","size":"m"}}`, 201, &first)
	for _, bad := range []string{
		`{"stageName":"prod","canarySettings":{"percentTraffic":100.5}}`,
		`{"stageName":"prod","canarySettings":{"percentTraffic":5,"stageVariableOverrides":{"bad name":"x"}}}`,
		`{"stageName":"prod","canarySettings":{"percentTraffic":5,"deploymentId":"abc"}}`,
		`{"canarySettings":{"percentTraffic":5}}`,
	} {
		call(t, mux, "POST", base+"/deployments", bad, 400, nil)
	}
	call(t, mux, "POST", base+"/deployments", `{"stageName":"prod",`+canary+`}`, 201, &second)

	var st stage
	call(t, mux, "GET", base+"/stages/prod", "", 200, &st)
	if c := st.CanarySettings; st.DeploymentID != first.ID || c == nil || c.DeploymentID != second.ID || c.PercentTraffic != 10 || !c.UseStageCache || c.StageVariableOverrides["color"] != "green" {
		t.Fatalf("the stage after a canary deployment: %+v, canary %+v", st, st.CanarySettings)
	}
	served := func() map[string]string {
		t.Helper()
		out := map[string]string{}
		for _, d := range sv.checked[len(sv.checked)-1].Deployments {
			for _, s := range d.Stages {
				role := "base"
				if c := s.GetCanary(); c != nil {
					role = "canary"
					out["percent"] = strconv.FormatFloat(c.GetPercentTraffic(), 'f', -1, 64)
				}
				out[role] = d.DeploymentID + " " + s.GetVariables()["color"] + " " + s.GetVariables()["size"]
			}
		}
		return out
	}
	if got := served(); got["base"] != first.ID+" blue m" || got["canary"] != second.ID+" green m" || got["percent"] != "10" {
		t.Fatalf("served %v: want the base on the first deployment, the canary on the second with its override", got)
	}

	patch := func(ops string, want int) {
		t.Helper()
		st = stage{}
		call(t, mux, "PATCH", base+"/stages/prod", `{"patchOperations":`+ops+`}`, want, &st)
	}
	patch(`[{"op":"replace","path":"/canarySettings/percentTraffic","value":"25.5"},{"op":"replace","path":"/canarySettings/stageVariableOverrides/size","value":"l"},{"op":"replace","path":"/canarySettings/useStageCache","value":"false"}]`, 200)
	if got := served(); got["canary"] != second.ID+" green l" || got["percent"] != "25.5" {
		t.Errorf("served %v after patching the canary", got)
	}
	for _, bad := range []string{
		`[{"op":"replace","path":"/canarySettings/percentTraffic","value":"-1"}]`,
		`[{"op":"replace","path":"/canarySettings/percentTraffic","value":"lots"}]`,
		`[{"op":"add","path":"/canarySettings/percentTraffic","value":"1"}]`,
		`[{"op":"copy","from":"/canarySettings/percentTraffic","path":"/deploymentId"}]`,
	} {
		call(t, mux, "PATCH", base+"/stages/prod", `{"patchOperations":`+bad+`}`, 400, nil)
	}
	patch(`[{"op":"replace","path":"/canarySettings/deploymentId","value":"nosuchid00"}]`, 404)
	call(t, mux, "DELETE", base+"/deployments/"+second.ID, "", 400, nil) // the canary serves it

	// Promotion, as AWS documents it: the canary's deployment and overrides become the stage's.
	patch(`[{"op":"replace","path":"/canarySettings/percentTraffic","value":"0.0"},{"op":"copy","from":"/canarySettings/stageVariableOverrides","path":"/variables"},{"op":"copy","from":"/canarySettings/deploymentId","path":"/deploymentId"}]`, 200)
	if st.DeploymentID != second.ID || st.Variables["color"] != "green" || st.Variables["size"] != "l" || st.CanarySettings.PercentTraffic != 0 {
		t.Errorf("the stage after promotion: %+v, canary %+v", st, st.CanarySettings)
	}
	patch(`[{"op":"remove","path":"/canarySettings"}]`, 200)
	if got := served(); st.CanarySettings != nil || got["canary"] != "" || got["base"] != second.ID+" green l" {
		t.Errorf("after removing the canary: stage %+v, served %v", st, got)
	}
	call(t, mux, "DELETE", base+"/deployments/"+first.ID, "", 202, nil)
	patch(`[{"op":"copy","from":"/canarySettings/deploymentId","path":"/deploymentId"}]`, 400) // no canary to promote

	// A canary patched onto a stage starts on the stage's own deployment.
	patch(`[{"op":"replace","path":"/canarySettings/percentTraffic","value":"50"}]`, 200)
	if got := served(); st.CanarySettings.DeploymentID != second.ID || got["canary"] != second.ID+" green l" || got["base"] != second.ID+" green l" {
		t.Errorf("a canary patched onto the stage: %+v, served %v", st.CanarySettings, got)
	}
	// CreateStage takes canarySettings too, its deployment the stage's unless it names one.
	call(t, mux, "POST", base+"/stages", `{"stageName":"beta","deploymentId":"`+second.ID+`","canarySettings":{"percentTraffic":1}}`, 201, &st)
	if st.CanarySettings == nil || st.CanarySettings.DeploymentID != second.ID {
		t.Errorf("a stage created with a canary: %+v", st.CanarySettings)
	}
	call(t, mux, "POST", base+"/stages", `{"stageName":"gamma","deploymentId":"`+second.ID+`","canarySettings":{"percentTraffic":1,"deploymentId":"nosuchid00"}}`, 404, nil)
}

// TestFileCanaryRead: a file's stage with a canary release reads as API Gateway's, its canary on a deployment of
// its own, its overrides what the canary's variables change; the API's resources are the stage's, not the
// canary's.
func TestFileCanaryRead(t *testing.T) {
	api := func(path string, stage *tollgatev1.Stage) *tollgatev1.RestApi {
		return &tollgatev1.RestApi{Id: "pets", Name: "Pets", SourceFile: "pets.yaml", Stages: []*tollgatev1.Stage{stage},
			Resources: []*tollgatev1.Resource{{Path: path, Methods: []*tollgatev1.Method{{HttpMethod: "GET",
				Integration: &tollgatev1.Integration{Type: tollgatev1.IntegrationType_INTEGRATION_TYPE_MOCK}}}}}}
	}
	gw := &tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{
		api("/pets", &tollgatev1.Stage{StageName: "prod", Variables: map[string]string{"color": "blue", "size": "m"}}),
		api("/v2/pets", &tollgatev1.Stage{StageName: "prod", Variables: map[string]string{"color": "green", "size": "m"},
			Canary: &tollgatev1.CanaryRelease{PercentTraffic: 5, UseStageCache: true}}),
	}}
	_, _, mux := newService(t, gw)
	var st stage
	call(t, mux, "GET", "/restapis/pets/stages/prod", "", 200, &st)
	c := st.CanarySettings
	if c == nil || c.PercentTraffic != 5 || !c.UseStageCache || len(c.StageVariableOverrides) != 1 || c.StageVariableOverrides["color"] != "green" || c.DeploymentID == st.DeploymentID {
		t.Fatalf("the file's stage: %+v, canary %+v", st, c)
	}
	var deployments deploymentPage
	call(t, mux, "GET", "/restapis/pets/deployments", "", 200, &deployments)
	if len(deployments.Items) != 2 || !slices.ContainsFunc(deployments.Items, func(d deployment) bool { return d.ID == c.DeploymentID }) {
		t.Errorf("deployments %+v, want the file's and the canary's", deployments.Items)
	}
	var page resourcePage
	call(t, mux, "GET", "/restapis/pets/resources", "", 200, &page)
	for _, res := range page.Items {
		if strings.HasPrefix(res.Path, "/v2") {
			t.Errorf("resource %s is the canary's", res.Path)
		}
	}
}
