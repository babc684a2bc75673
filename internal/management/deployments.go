package management

import (
	"net/http"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/stagevars"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Deployments and stages of a managed REST API: a deployment is an immutable snapshot of the working copy, and a
// stage serves one. Every write that changes what a stage serves is checked as a whole configuration first.

func init() {
	const (
		deployments = "/restapis/{restapi_id}/deployments"
		stages      = "/restapis/{restapi_id}/stages"
	)
	routes = append(routes,
		route{"POST " + deployments, (*Service).createDeployment},
		route{"GET " + deployments, (*Service).getDeployments},
		route{"GET " + deployments + "/{deployment_id}", (*Service).getDeployment},
		route{"DELETE " + deployments + "/{deployment_id}", (*Service).deleteDeployment},
		route{"POST " + stages, (*Service).createStage},
		route{"GET " + stages, (*Service).getStages},
		route{"GET " + stages + "/{stage_name}", (*Service).getStage},
		route{"PATCH " + stages + "/{stage_name}", (*Service).updateStage},
		route{"DELETE " + stages + "/{stage_name}", (*Service).deleteStage},
	)
}

// stageSettings are the settings of a stage that CreateDeployment and CreateStage both take.
type stageSettings struct {
	Description         string            `json:"description"`
	CacheClusterEnabled *bool             `json:"cacheClusterEnabled"`
	CacheClusterSize    string            `json:"cacheClusterSize"`
	Variables           map[string]string `json:"variables"`
	TracingEnabled      *bool             `json:"tracingEnabled"`
	CanarySettings      *canarySettings   `json:"canarySettings"`
}

func (st stageSettings) check() error {
	if c := st.CanarySettings; c != nil {
		if err := c.check(); err != nil {
			return err
		}
	}
	for name, value := range st.Variables {
		if err := checkVariable(name, value); err != nil {
			return err
		}
	}
	return nil
}

func checkVariable(name, value string) error {
	if !stagevars.Name.MatchString(name) || !stagevars.Value.MatchString(value) {
		return badRequest("Stage variable %s=%q is invalid: names have alphanumeric and underscore characters, values match [A-Za-z0-9-._~:/?#&=,]+", name, value)
	}
	return nil
}

// apply sets a stage's settings; those not given stay.
func (st stageSettings) apply(s *stage) {
	if st.Variables != nil {
		s.Variables = st.Variables
	}
	if st.CacheClusterEnabled != nil {
		s.CacheClusterEnabled = *st.CacheClusterEnabled
	}
	if st.CacheClusterSize != "" {
		s.CacheClusterSize = st.CacheClusterSize
	}
	if st.TracingEnabled != nil {
		s.TracingEnabled = *st.TracingEnabled
	}
	if st.CanarySettings != nil {
		s.CanarySettings = st.CanarySettings
	}
}

// createDeploymentRequest is CreateDeployment's body.
type createDeploymentRequest struct {
	StageName        string `json:"stageName"`
	StageDescription string `json:"stageDescription"`
	Description      string `json:"description"`
	stageSettings
}

// createDeployment is CreateDeployment: the working copy, as it is, becomes a deployment; with stageName, that
// stage (created if need be) serves it.
func (s *Service) createDeployment(w http.ResponseWriter, r *http.Request) {
	var req createDeploymentRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var out deployment
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		if err := req.stageSettings.check(); err != nil {
			return false, err
		}
		canary := req.CanarySettings
		if canary != nil && canary.DeploymentID != "" {
			return false, badRequest("canarySettings of a deployment name no deploymentId: the canary serves the deployment created")
		}
		definition, err := export(*rec)
		if err != nil {
			return false, err
		}
		now := at(s.now())
		d := &deploymentRecord{deployment: deployment{ID: newID(), Description: req.Description, CreatedDate: now}, Definition: definition}
		(*rec).Deployments = append((*rec).Deployments, d)
		out = d.deployment
		if req.StageName == "" {
			if canary != nil {
				return false, badRequest("A canary deployment needs the stageName of an existing stage")
			}
			return false, nil // deployed, served by no stage yet
		}
		if !stagevars.StageName.MatchString(req.StageName) {
			return false, invalidStageName(req.StageName)
		}
		st := (*rec).stage(req.StageName)
		switch {
		case st == nil && canary != nil:
			// AWS creates a missing stage for a deployment, but not for a canary's.
			return false, badRequest("Invalid stage identifier specified: a canary deployment is to an existing stage")
		case st == nil:
			st = &stage{StageName: req.StageName, Description: req.StageDescription, CreatedDate: now}
			(*rec).Stages = append((*rec).Stages, st)
		}
		st.LastUpdatedDate = now
		if canary != nil {
			c := *canary
			c.DeploymentID = d.ID // the stage keeps serving its deployment
			st.CanarySettings = &c
		} else {
			st.DeploymentID = d.ID
		}
		settings := req.stageSettings
		settings.CanarySettings = nil // applied above
		settings.apply(st)
		return true, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func invalidStageName(name string) error {
	return badRequest("Stage name only allows a-zA-Z0-9_- and at most 128 characters: %q", name)
}

// deploymentPage is GetDeployments's answer, API Gateway's Deployments.
type deploymentPage struct {
	Items    []deployment `json:"item"`
	Position string       `json:"position,omitempty"`
}

func (s *Service) getDeployments(w http.ResponseWriter, r *http.Request) {
	readList(s, w, r, func(rec *apiRecord) []deployment {
		var all []deployment
		for _, d := range rec.Deployments {
			all = append(all, d.deployment)
		}
		return all
	}, func(d deployment) string { return d.ID }, func(page []deployment, position string) any { return deploymentPage{page, position} })
}

func deploymentOf(rec *apiRecord, id string) (*deploymentRecord, error) {
	if d := rec.deployment(id); d != nil {
		return d, nil
	}
	return nil, notFound("Invalid Deployment identifier specified")
}

func (s *Service) getDeployment(w http.ResponseWriter, r *http.Request) {
	readOne(s, w, r, func(rec *apiRecord) (deployment, error) {
		d, err := deploymentOf(rec, r.PathValue("deployment_id"))
		if err != nil {
			return deployment{}, err
		}
		return d.deployment, nil
	})
}

// deleteDeployment is DeleteDeployment, of a deployment no stage serves.
func (s *Service) deleteDeployment(w http.ResponseWriter, r *http.Request) {
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		d, err := deploymentOf(*rec, r.PathValue("deployment_id"))
		if err != nil {
			return false, err
		}
		for _, st := range (*rec).Stages {
			if st.DeploymentID == d.ID || (st.CanarySettings != nil && st.CanarySettings.DeploymentID == d.ID) {
				return false, badRequest("Active stages pointing to this deployment must be moved or deleted")
			}
		}
		(*rec).Deployments = slices.DeleteFunc((*rec).Deployments, func(other *deploymentRecord) bool { return other == d })
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	noContent(w)
}

// createStageRequest is CreateStage's body.
type createStageRequest struct {
	StageName            string            `json:"stageName"`
	DeploymentID         string            `json:"deploymentId"`
	DocumentationVersion string            `json:"documentationVersion"`
	Tags                 map[string]string `json:"tags"`
	stageSettings
}

// createStage is CreateStage: a stage serving one of the API's deployments.
func (s *Service) createStage(w http.ResponseWriter, r *http.Request) {
	var req createStageRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	var out *stage
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		if err := req.stageSettings.check(); err != nil {
			return false, err
		}
		if !stagevars.StageName.MatchString(req.StageName) {
			return false, invalidStageName(req.StageName)
		}
		if (*rec).stage(req.StageName) != nil {
			return false, conflict("Stage already exists")
		}
		if _, err := deploymentOf(*rec, req.DeploymentID); err != nil {
			return false, err
		}
		if c := req.CanarySettings; c != nil {
			if c.DeploymentID == "" {
				c.DeploymentID = req.DeploymentID
			} else if _, err := deploymentOf(*rec, c.DeploymentID); err != nil {
				return false, err
			}
		}
		now := at(s.now())
		out = &stage{StageName: req.StageName, DeploymentID: req.DeploymentID, Description: req.Description, Tags: req.Tags,
			DocumentationVersion: req.DocumentationVersion,
			CreatedDate:          now, LastUpdatedDate: now}
		req.stageSettings.apply(out)
		(*rec).Stages = append((*rec).Stages, out)
		return true, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

// stagePage is GetStages's answer, API Gateway's Stages: every stage, unpaged.
type stagePage struct {
	Item []*stage `json:"item"`
}

func (s *Service) getStages(w http.ResponseWriter, r *http.Request) {
	rec, err := s.read(r, false)
	if err != nil {
		fail(w, err)
		return
	}
	out := stagePage{Item: []*stage{}}
	for _, st := range rec.Stages {
		if id := r.URL.Query().Get("deploymentId"); id == "" || st.DeploymentID == id {
			out.Item = append(out.Item, st)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func stageOf(rec *apiRecord, name string) (*stage, error) {
	if st := rec.stage(name); st != nil {
		return st, nil
	}
	return nil, notFound("Invalid Stage identifier specified")
}

func (s *Service) getStage(w http.ResponseWriter, r *http.Request) {
	readOne(s, w, r, func(rec *apiRecord) (*stage, error) { return stageOf(rec, r.PathValue("stage_name")) })
}

// updateStage is UpdateStage over the patch paths Tollgate serves: the deployment, the description, variables,
// the cache cluster, tracing, the method settings (stagesettings.go) and the access log.
func (s *Service) updateStage(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	var out *stage
	_, err = s.change(r, func(rec **apiRecord) (bool, error) {
		st, err := stageOf(*rec, r.PathValue("stage_name"))
		if err != nil {
			return false, err
		}
		for _, op := range ops {
			if err := st.patch(*rec, op); err != nil {
				return false, err
			}
		}
		st.LastUpdatedDate = at(s.now())
		out = st
		return true, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (st *stage) patch(rec *apiRecord, op patchOperation) error {
	for _, settings := range []func(patchOperation) (bool, error){st.patchSettings, st.patchAccessLog} {
		if done, err := settings(op); done {
			return err
		}
	}
	if done, err := st.patchCanary(rec, op); done {
		return err
	}
	name, isVariable := strings.CutPrefix(op.Path, "/variables/")
	done, err := fields{strings: map[string]*string{"/description": &st.Description, "/cacheClusterSize": &st.CacheClusterSize},
		flags: map[string]*bool{"/cacheClusterEnabled": &st.CacheClusterEnabled, "/tracingEnabled": &st.TracingEnabled}}.replace(op)
	switch {
	case done:
		return err
	case op.Op == "replace" && op.Path == "/deploymentId":
		if _, err := deploymentOf(rec, op.Value); err != nil {
			return err
		}
		st.DeploymentID = op.Value
	case isVariable && (op.Op == "replace" || op.Op == "add"):
		if err := checkVariable(name, op.Value); err != nil {
			return err
		}
		if st.Variables == nil {
			st.Variables = map[string]string{}
		}
		st.Variables[name] = op.Value
	case isVariable && op.Op == "remove":
		delete(st.Variables, name)
	default:
		return invalidPatch(op)
	}
	return nil
}

// deleteStage is DeleteStage: the stage stops serving.
func (s *Service) deleteStage(w http.ResponseWriter, r *http.Request) {
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		st, err := stageOf(*rec, r.PathValue("stage_name"))
		if err != nil {
			return false, err
		}
		(*rec).Stages = slices.DeleteFunc((*rec).Stages, func(other *stage) bool { return other == st })
		return true, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	noContent(w)
}

// model is the stage as the model holds it.
func (st *stage) model() *tollgatev1.Stage {
	out := &tollgatev1.Stage{StageName: st.StageName, Variables: st.Variables, CacheClusterEnabled: st.CacheClusterEnabled,
		CacheClusterSize: st.CacheClusterSize, TracingEnabled: st.TracingEnabled, MethodSettings: st.modelSettings()}
	if l := st.AccessLogSettings; l != nil {
		out.AccessLogSettings = &tollgatev1.AccessLogSettings{Format: l.Format, Destination: l.DestinationARN}
	}
	return out
}
