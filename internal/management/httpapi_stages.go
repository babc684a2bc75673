package management

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate-gw/tollgate/internal/routekey"
	"github.com/tollgate-gw/tollgate/internal/stagevars"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// An HTTP API's stages and deployments. A deployment keeps the working copy as export-api writes it; a stage
// serves one, or, with autoDeploy, a new one after every change to the working copy (changeHTTP).

func init() {
	const api = "/v2/apis/{api_id}"
	routes = append(routes,
		route{"POST " + api + "/stages", (*Service).createStageV2},
		route{"GET " + api + "/stages", (*Service).getStagesV2},
		route{"GET " + api + "/stages/{stage_name}", (*Service).getStageV2},
		route{"PATCH " + api + "/stages/{stage_name}", (*Service).updateStageV2},
		route{"DELETE " + api + "/stages/{stage_name}", (*Service).deleteStageV2},
		route{"POST " + api + "/deployments", (*Service).createDeploymentV2},
		route{"GET " + api + "/deployments", (*Service).getDeploymentsV2},
		route{"GET " + api + "/deployments/{deployment_id}", (*Service).getDeploymentV2},
		route{"DELETE " + api + "/deployments/{deployment_id}", (*Service).deleteDeploymentV2},
	)
}

// defaultStage is an HTTP API's stage served at the root.
const defaultStage = "$default"

// stageV2 is apigatewayv2's Stage of an HTTP API.
type stageV2 struct {
	AccessLogSettings           *accessLogSettingsV2      `json:"accessLogSettings,omitempty"`
	AutoDeploy                  bool                      `json:"autoDeploy"`
	CreatedDate                 iso8601                   `json:"createdDate"`
	DefaultRouteSettings        *routeSettings            `json:"defaultRouteSettings,omitempty"`
	DeploymentID                string                    `json:"deploymentId,omitempty"`
	Description                 string                    `json:"description,omitempty"`
	LastDeploymentStatusMessage string                    `json:"lastDeploymentStatusMessage,omitempty"`
	LastUpdatedDate             iso8601                   `json:"lastUpdatedDate"`
	RouteSettings               map[string]*routeSettings `json:"routeSettings,omitempty"`
	StageName                   string                    `json:"stageName"`
	StageVariables              map[string]string         `json:"stageVariables,omitempty"`
	Tags                        map[string]string         `json:"tags,omitempty"`
}

// accessLogSettingsV2 is apigatewayv2's AccessLogSettings: destinationArn is a file's path or stdout here.
type accessLogSettingsV2 struct {
	DestinationARN string `json:"destinationArn,omitempty"`
	Format         string `json:"format,omitempty"`
}

// routeSettings is apigatewayv2's RouteSettings, of a stage's routes or of one. The logging fields are a
// WebSocket API's.
type routeSettings struct {
	DataTraceEnabled       *bool    `json:"dataTraceEnabled,omitempty"`
	DetailedMetricsEnabled *bool    `json:"detailedMetricsEnabled,omitempty"`
	LoggingLevel           string   `json:"loggingLevel,omitempty"`
	ThrottlingBurstLimit   *int32   `json:"throttlingBurstLimit,omitempty"`
	ThrottlingRateLimit    *float64 `json:"throttlingRateLimit,omitempty"`
}

func (rs *routeSettings) check() error {
	if rs == nil {
		return nil
	}
	if (rs.DataTraceEnabled != nil && *rs.DataTraceEnabled) || (rs.LoggingLevel != "" && rs.LoggingLevel != "OFF") {
		return badRequest("dataTraceEnabled and loggingLevel are a WebSocket API's execution logs, which Tollgate does not write")
	}
	return nil
}

// stageV2Request is CreateStage's and UpdateStage's body.
type stageV2Request struct {
	AccessLogSettings    *accessLogSettingsV2      `json:"accessLogSettings"`
	AutoDeploy           *bool                     `json:"autoDeploy"`
	ClientCertificateID  string                    `json:"clientCertificateId"`
	DefaultRouteSettings *routeSettings            `json:"defaultRouteSettings"`
	DeploymentID         *string                   `json:"deploymentId"`
	Description          *string                   `json:"description"`
	RouteSettings        map[string]*routeSettings `json:"routeSettings"`
	StageName            string                    `json:"stageName"`
	StageVariables       map[string]string         `json:"stageVariables"`
	Tags                 map[string]string         `json:"tags"`
}

// apply sets what the request gives of a stage.
func (req stageV2Request) apply(rec *httpAPIRecord, st *stageV2) error {
	if rec.isWebSocket() {
		if err := req.checkWebSocketStage(); err != nil {
			return err
		}
	}
	if req.ClientCertificateID != "" {
		return badRequest("clientCertificateId is a WebSocket API's")
	}
	if err := req.DefaultRouteSettings.check(); err != nil {
		return err
	}
	for key, rs := range req.RouteSettings {
		if _, ok := routekey.MethodKey(key); !ok {
			return badRequest("Invalid route key %q in routeSettings", key)
		}
		if err := rs.check(); err != nil {
			return err
		}
	}
	for name, value := range req.StageVariables {
		if err := checkVariable(name, value); err != nil {
			return err
		}
	}
	if req.DeploymentID != nil {
		if _, err := deploymentOfV2(rec, *req.DeploymentID); err != nil {
			return err
		}
		st.DeploymentID = *req.DeploymentID
	}
	if req.AutoDeploy != nil {
		st.AutoDeploy = *req.AutoDeploy
	}
	if req.Description != nil {
		st.Description = *req.Description
	}
	if req.AccessLogSettings != nil {
		st.AccessLogSettings = req.AccessLogSettings
	}
	if req.DefaultRouteSettings != nil {
		st.DefaultRouteSettings = req.DefaultRouteSettings
	}
	if req.RouteSettings != nil {
		st.RouteSettings = req.RouteSettings
	}
	if req.StageVariables != nil {
		st.StageVariables = req.StageVariables
	}
	return nil
}

// model is the stage as the model holds it: the route settings keyed by method key, as a file's are.
func (st *stageV2) model() *tollgatev1.Stage {
	out := &tollgatev1.Stage{StageName: st.StageName, Variables: st.StageVariables}
	if l := st.AccessLogSettings; l != nil {
		out.AccessLogSettings = &tollgatev1.AccessLogSettings{Format: l.Format, Destination: l.DestinationARN}
	}
	set := func(key string, rs *routeSettings) {
		if rs == nil {
			return
		}
		if out.MethodSettings == nil {
			out.MethodSettings = map[string]*tollgatev1.MethodSetting{}
		}
		ms := &tollgatev1.MethodSetting{MetricsEnabled: rs.DetailedMetricsEnabled}
		if rs.ThrottlingRateLimit != nil || rs.ThrottlingBurstLimit != nil {
			// One limit set: the other stays the account's, as API Gateway's.
			rate, burst := float64(accountRateLimit), int32(accountBurstLimit)
			if rs.ThrottlingRateLimit != nil {
				rate = *rs.ThrottlingRateLimit
			}
			if rs.ThrottlingBurstLimit != nil {
				burst = *rs.ThrottlingBurstLimit
			}
			ms.ThrottlingRateLimit, ms.ThrottlingBurstLimit = &rate, &burst
		}
		out.MethodSettings[key] = ms
	}
	set("*/*", st.DefaultRouteSettings)
	for key, rs := range st.RouteSettings {
		if methodKey, ok := routekey.MethodKey(key); ok {
			set(methodKey, rs)
		}
	}
	return out
}

func stageOfV2(rec *httpAPIRecord, name string) (*stageV2, error) {
	if i := slices.IndexFunc(rec.Stages, func(st *stageV2) bool { return st.StageName == name }); i >= 0 {
		return rec.Stages[i], nil
	}
	return nil, notFound("Invalid stage identifier specified")
}

func (s *Service) createStageV2(w http.ResponseWriter, r *http.Request) {
	var req stageV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	if req.StageName != defaultStage && !stagevars.StageName.MatchString(req.StageName) {
		fail(w, badRequest("Stage name only allows a-zA-Z0-9_- and at most 128 characters, or is $default: %q", req.StageName))
		return
	}
	var out *stageV2
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		if _, err := stageOfV2(*rec, req.StageName); err == nil {
			return false, conflict("Stage %s already exists", req.StageName)
		}
		now := isoAt(s.now())
		out = &stageV2{StageName: req.StageName, Tags: req.Tags, CreatedDate: now, LastUpdatedDate: now}
		if err := req.apply(*rec, out); err != nil {
			return false, err
		}
		(*rec).Stages = append((*rec).Stages, out)
		if out.AutoDeploy && out.DeploymentID == "" {
			return false, nil // changeHTTP deploys it
		}
		return out.DeploymentID != "", nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Service) getStagesV2(w http.ResponseWriter, r *http.Request) {
	readHTTPList(s, w, r, func(rec *httpAPIRecord) []*stageV2 { return slices.Clone(rec.Stages) }, func(st *stageV2) string { return st.StageName })
}

func (s *Service) getStageV2(w http.ResponseWriter, r *http.Request) {
	readHTTP(s, w, r, func(rec *httpAPIRecord) (*stageV2, error) { return stageOfV2(rec, r.PathValue("stage_name")) })
}

// updateStageV2 is UpdateStage: the fields given change. Turning autoDeploy on deploys the working copy.
func (s *Service) updateStageV2(w http.ResponseWriter, r *http.Request) {
	var req stageV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	if req.StageName != "" || req.Tags != nil {
		fail(w, badRequest("UpdateStage changes no stageName or tags (tags are TagResource's)"))
		return
	}
	var out *stageV2
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		st, err := stageOfV2(*rec, r.PathValue("stage_name"))
		if err != nil {
			return false, err
		}
		wasAuto := st.AutoDeploy
		if err := req.apply(*rec, st); err != nil {
			return false, err
		}
		st.LastUpdatedDate = isoAt(s.now())
		out = st
		if st.AutoDeploy && !wasAuto {
			return false, nil // changeHTTP deploys it
		}
		return st.DeploymentID != "", nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) deleteStageV2(w http.ResponseWriter, r *http.Request) {
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		st, err := stageOfV2(*rec, r.PathValue("stage_name"))
		if err != nil {
			return false, err
		}
		(*rec).Stages = slices.DeleteFunc((*rec).Stages, func(other *stageV2) bool { return other == st })
		return true, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deploymentV2 is apigatewayv2's Deployment.
type deploymentV2 struct {
	AutoDeployed     bool    `json:"autoDeployed"`
	CreatedDate      iso8601 `json:"createdDate"`
	DeploymentID     string  `json:"deploymentId"`
	DeploymentStatus string  `json:"deploymentStatus"`
	Description      string  `json:"description,omitempty"`
}

// deploymentV2Record is a deployment as the store keeps it: with the definition deployed.
type deploymentV2Record struct {
	deploymentV2
	Definition []byte `json:"definition"`
}

// createDeploymentV2Request is CreateDeployment's body.
type createDeploymentV2Request struct {
	Description string `json:"description"`
	StageName   string `json:"stageName"`
}

func deploymentOfV2(rec *httpAPIRecord, id string) (*deploymentV2Record, error) {
	if i := slices.IndexFunc(rec.Deployments, func(d *deploymentV2Record) bool { return d.DeploymentID == id }); i >= 0 {
		return rec.Deployments[i], nil
	}
	return nil, notFound("Invalid Deployment identifier specified")
}

// deploy adds a deployment of the working copy.
func (rec *httpAPIRecord) deploy(now time.Time, auto bool, description string) (*deploymentV2Record, error) {
	export := exportHTTP
	if rec.isWebSocket() {
		export = exportWebSocket
	}
	definition, err := export(rec)
	if err != nil {
		return nil, err
	}
	d := &deploymentV2Record{deploymentV2: deploymentV2{DeploymentID: newID(), CreatedDate: isoAt(now), DeploymentStatus: "DEPLOYED",
		AutoDeployed: auto, Description: description}, Definition: definition}
	rec.Deployments = append(rec.Deployments, d)
	return d, nil
}

// createDeploymentV2 is CreateDeployment: the working copy, as it is, becomes a deployment; with stageName, that
// stage serves it.
func (s *Service) createDeploymentV2(w http.ResponseWriter, r *http.Request) {
	var req createDeploymentV2Request
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var out deploymentV2
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		var st *stageV2
		if req.StageName != "" {
			var err error
			if st, err = stageOfV2(*rec, req.StageName); err != nil {
				return false, err
			}
			if st.AutoDeploy {
				return false, badRequest("Stage %s deploys every change itself (autoDeploy): it takes no deployment", st.StageName)
			}
		}
		d, err := (*rec).deploy(s.now(), false, req.Description)
		if err != nil {
			return false, err
		}
		out = d.deploymentV2
		if st == nil {
			return true, nil // deployed, served by no stage yet: changeHTTP must not deploy again
		}
		st.DeploymentID, st.LastUpdatedDate = d.DeploymentID, isoAt(s.now())
		return true, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Service) getDeploymentsV2(w http.ResponseWriter, r *http.Request) {
	readHTTPList(s, w, r, func(rec *httpAPIRecord) []deploymentV2 {
		var out []deploymentV2
		for _, d := range rec.Deployments {
			out = append(out, d.deploymentV2)
		}
		return out
	}, func(d deploymentV2) string { return d.DeploymentID })
}

func (s *Service) getDeploymentV2(w http.ResponseWriter, r *http.Request) {
	readHTTP(s, w, r, func(rec *httpAPIRecord) (deploymentV2, error) {
		d, err := deploymentOfV2(rec, r.PathValue("deployment_id"))
		if err != nil {
			return deploymentV2{}, err
		}
		return d.deploymentV2, nil
	})
}

// deleteDeploymentV2 is DeleteDeployment, of a deployment no stage serves.
func (s *Service) deleteDeploymentV2(w http.ResponseWriter, r *http.Request) {
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		d, err := deploymentOfV2(*rec, r.PathValue("deployment_id"))
		if err != nil {
			return false, err
		}
		if slices.ContainsFunc((*rec).Stages, func(st *stageV2) bool { return st.DeploymentID == d.DeploymentID }) {
			return false, badRequest("Active stages pointing to this deployment must be moved or deleted")
		}
		(*rec).Deployments = slices.DeleteFunc((*rec).Deployments, func(other *deploymentV2Record) bool { return other == d })
		return true, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// autoDeploys tells whether a stage of the API deploys every change.
func (rec *httpAPIRecord) autoDeploys() bool {
	return slices.ContainsFunc(rec.Stages, func(st *stageV2) bool { return st.AutoDeploy })
}

// stageDeployments are the deployments the stages serve, by stage.
func (rec *httpAPIRecord) stageDeployments() map[string]string {
	out := map[string]string{}
	for _, st := range rec.Stages {
		out[st.StageName] = st.DeploymentID
	}
	return out
}

// autoDeploy deploys the working copy to every stage that deploys every change.
func (rec *httpAPIRecord) autoDeploy(now time.Time) error {
	d, err := rec.deploy(now, true, "Automatic deployment triggered by changes to the Api configuration")
	if err != nil {
		return err
	}
	for _, st := range rec.Stages {
		if st.AutoDeploy {
			st.DeploymentID, st.LastDeploymentStatusMessage, st.LastUpdatedDate = d.DeploymentID, "", isoAt(now)
		}
	}
	return nil
}

// forgetAutoDeployments drops the automatic deployments no stage serves any more: one is made on every change.
func (rec *httpAPIRecord) forgetAutoDeployments() {
	served := slices.Collect(maps.Values(rec.stageDeployments()))
	rec.Deployments = slices.DeleteFunc(rec.Deployments, func(d *deploymentV2Record) bool {
		return d.AutoDeployed && !slices.Contains(served, d.DeploymentID)
	})
}

// undeploy puts the stages back on the deployments they served before an automatic deployment the configuration
// could not serve, each saying why.
func (rec *httpAPIRecord) undeploy(before map[string]string, why string) {
	for _, st := range rec.Stages {
		if st.AutoDeploy {
			st.DeploymentID = before[st.StageName]
			st.LastDeploymentStatusMessage = "Deployment failed: " + why
		}
	}
	rec.Deployments = rec.Deployments[:len(rec.Deployments)-1] // the one autoDeploy added, last
}

// exportHTTPAPI is ExportApi: the working copy, or what stageName serves, as OpenAPI 3.0 in JSON or YAML
// (outputType), with API Gateway's extensions unless includeExtensions is false.
func (s *Service) exportHTTPAPI(w http.ResponseWriter, r *http.Request) {
	rec, err := s.readHTTPAPI(r, false)
	if err != nil {
		fail(w, err)
		return
	}
	if rec.isWebSocket() {
		notForWebSocket(w, "ExportApi") // as AWS's: a WebSocket API has no OpenAPI definition
		return
	}
	q := r.URL.Query()
	var definition []byte
	switch spec := r.PathValue("specification"); {
	case spec != "OAS30":
		err = badRequest("Invalid specification %q: want OAS30", spec)
	case q.Get("stageName") != "":
		var st *stageV2
		if st, err = stageOfV2(rec, q.Get("stageName")); err == nil {
			var d *deploymentV2Record
			if d, err = deploymentOfV2(rec, st.DeploymentID); err == nil {
				definition = d.Definition
			}
		}
	default:
		definition, err = exportHTTP(rec)
	}
	var doc map[string]any
	if err == nil {
		err = json.Unmarshal(definition, &doc)
	}
	if err != nil {
		fail(w, err)
		return
	}
	if q.Get("includeExtensions") == "false" {
		dropExtensions(doc)
	}
	var out []byte
	switch q.Get("outputType") {
	case "YAML":
		out, err = yaml.Marshal(doc)
	case "JSON":
		out, err = json.MarshalIndent(doc, "", "  ")
	default:
		err = badRequest("Invalid outputType %q: want JSON or YAML", q.Get("outputType"))
	}
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	_, _ = w.Write(out)
}

// dropExtensions removes API Gateway's extensions from a document, at every depth.
func dropExtensions(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if strings.HasPrefix(k, "x-amazon-apigateway-") {
				delete(v, k)
				continue
			}
			dropExtensions(child)
		}
	case []any:
		for _, child := range v {
			dropExtensions(child)
		}
	}
}
