package management

import (
	"net/http"
	"slices"
	"strings"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// The API keys and usage plans tollgate.yaml defines: listed and read as API Gateway's, their values only when
// asked for (includeValues), and refused for writes with a BadRequestException that says they are the file's.

func init() {
	const (
		key      = "/apikeys/{api_Key}"
		plan     = "/usageplans/{usageplanId}"
		planKeys = plan + "/keys"
		planKey  = planKeys + "/{keyId}"
	)
	routes = append(routes,
		route{"GET /apikeys", (*Service).getAPIKeys},
		route{"GET " + key, (*Service).getAPIKey},
		route{"PATCH " + key, (*Service).fileKeyWrite},
		route{"DELETE " + key, (*Service).fileKeyWrite},
		route{"GET /usageplans", (*Service).getUsagePlans},
		route{"GET " + plan, (*Service).getUsagePlan},
		route{"PATCH " + plan, (*Service).filePlanWrite},
		route{"DELETE " + plan, (*Service).filePlanWrite},
		route{"GET " + planKeys, (*Service).getUsagePlanKeys},
		route{"GET " + planKey, (*Service).getUsagePlanKey},
		route{"DELETE " + planKey, (*Service).filePlanWrite},
	)
}

// apiKey is API Gateway's ApiKey.
type apiKey struct {
	ID      string `json:"id"`
	Value   string `json:"value,omitempty"`
	Name    string `json:"name"`
	Enabled bool   `json:"enabled"`
}

// apiKeyPage is GetApiKeys's answer, API Gateway's ApiKeys.
type apiKeyPage struct {
	Items    []apiKey `json:"item"`
	Position string   `json:"position,omitempty"`
}

// usagePlan is API Gateway's UsagePlan.
type usagePlan struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	APIStages []apiStage        `json:"apiStages"`
	Throttle  *throttleSettings `json:"throttle,omitempty"`
	Quota     *quotaSettings    `json:"quota,omitempty"`
	keyIDs    []string
}

// apiStage is API Gateway's ApiStage.
type apiStage struct {
	APIID    string                      `json:"apiId"`
	Stage    string                      `json:"stage"`
	Throttle map[string]throttleSettings `json:"throttle,omitempty"`
}

// throttleSettings is API Gateway's ThrottleSettings.
type throttleSettings struct {
	BurstLimit int32   `json:"burstLimit"`
	RateLimit  float64 `json:"rateLimit"`
}

// quotaSettings is API Gateway's QuotaSettings.
type quotaSettings struct {
	Limit  int64  `json:"limit"`
	Offset int32  `json:"offset"`
	Period string `json:"period"`
}

// usagePlanPage is GetUsagePlans's answer, API Gateway's UsagePlans.
type usagePlanPage struct {
	Items    []usagePlan `json:"item"`
	Position string      `json:"position,omitempty"`
}

// usagePlanKey is API Gateway's UsagePlanKey.
type usagePlanKey struct {
	ID    string `json:"id"`
	Type  string `json:"type"`
	Value string `json:"value"`
	Name  string `json:"name"`
}

// usagePlanKeyPage is GetUsagePlanKeys's answer, API Gateway's UsagePlanKeys.
type usagePlanKeyPage struct {
	Items    []usagePlanKey `json:"item"`
	Position string         `json:"position,omitempty"`
}

// keysOf are gw's keys and plans as API Gateway's, by id.
func keysOf(gw *tollgatev1.Gateway) ([]apiKey, []usagePlan) {
	var keys []apiKey
	for _, k := range gw.GetApiKeys() {
		keys = append(keys, apiKey{ID: k.GetId(), Value: k.GetValue(), Name: k.GetName(), Enabled: k.GetEnabled()})
	}
	var plans []usagePlan
	for _, p := range gw.GetUsagePlans() {
		plan := usagePlan{ID: p.GetId(), Name: p.GetName(), APIStages: []apiStage{}, Throttle: throttleOf(p.GetThrottle()), keyIDs: p.GetKeyIds()}
		if q := p.GetQuota(); q != nil {
			plan.Quota = &quotaSettings{Limit: q.GetLimit(), Offset: q.GetOffset(), Period: q.GetPeriod()}
		}
		for _, as := range p.GetApiStages() {
			stage := apiStage{APIID: as.GetApiId(), Stage: as.GetStage()}
			for method, t := range as.GetThrottle() {
				if stage.Throttle == nil {
					stage.Throttle = map[string]throttleSettings{}
				}
				stage.Throttle[method] = *throttleOf(t)
			}
			plan.APIStages = append(plan.APIStages, stage)
		}
		plans = append(plans, plan)
	}
	slices.SortFunc(keys, func(a, b apiKey) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(plans, func(a, b usagePlan) int { return strings.Compare(a.ID, b.ID) })
	return keys, plans
}

func throttleOf(t *tollgatev1.ThrottleSettings) *throttleSettings {
	if t == nil {
		return nil
	}
	return &throttleSettings{BurstLimit: t.GetBurstLimit(), RateLimit: t.GetRateLimit()}
}

// withValue is k, its value shown only when the request asks for it (query parameter name).
func withValue(k apiKey, r *http.Request, name string) apiKey {
	if r.URL.Query().Get(name) != "true" {
		k.Value = ""
	}
	return k
}

// getAPIKeys is GetApiKeys: name filters by prefix, includeValues shows the values.
func (s *Service) getAPIKeys(w http.ResponseWriter, r *http.Request) {
	var keys []apiKey
	for _, k := range s.files.Load().keys {
		if strings.HasPrefix(k.Name, r.URL.Query().Get("name")) {
			keys = append(keys, withValue(k, r, "includeValues"))
		}
	}
	page, position, err := pageOf(r, keys, func(k apiKey) string { return k.ID })
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, apiKeyPage{Items: page, Position: position})
}

func (s *Service) key(id string) (apiKey, error) {
	keys := s.files.Load().keys
	if i, ok := slices.BinarySearchFunc(keys, id, func(k apiKey, id string) int { return strings.Compare(k.ID, id) }); ok {
		return keys[i], nil
	}
	return apiKey{}, notFound("Invalid API Key identifier specified")
}

func (s *Service) plan(id string) (usagePlan, error) {
	plans := s.files.Load().plans
	if i, ok := slices.BinarySearchFunc(plans, id, func(p usagePlan, id string) int { return strings.Compare(p.ID, id) }); ok {
		return plans[i], nil
	}
	return usagePlan{}, notFound("Invalid Usage Plan ID specified")
}

// getAPIKey is GetApiKey: includeValue shows the value.
func (s *Service) getAPIKey(w http.ResponseWriter, r *http.Request) {
	k, err := s.key(r.PathValue("api_Key"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, withValue(k, r, "includeValue"))
}

// getUsagePlans is GetUsagePlans: keyId keeps the plans the key is in.
func (s *Service) getUsagePlans(w http.ResponseWriter, r *http.Request) {
	var plans []usagePlan
	for _, p := range s.files.Load().plans {
		if id := r.URL.Query().Get("keyId"); id == "" || slices.Contains(p.keyIDs, id) {
			plans = append(plans, p)
		}
	}
	page, position, err := pageOf(r, plans, func(p usagePlan) string { return p.ID })
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, usagePlanPage{Items: page, Position: position})
}

func (s *Service) getUsagePlan(w http.ResponseWriter, r *http.Request) {
	p, err := s.plan(r.PathValue("usageplanId"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// planKeys are a plan's keys as API Gateway's UsagePlanKeys, by id.
func (s *Service) planKeys(p usagePlan) []usagePlanKey {
	var out []usagePlanKey
	for _, id := range p.keyIDs {
		if k, err := s.key(id); err == nil {
			out = append(out, usagePlanKey{ID: k.ID, Type: "API_KEY", Value: k.Value, Name: k.Name})
		}
	}
	slices.SortFunc(out, func(a, b usagePlanKey) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// getUsagePlanKeys is GetUsagePlanKeys: name filters by prefix.
func (s *Service) getUsagePlanKeys(w http.ResponseWriter, r *http.Request) {
	p, err := s.plan(r.PathValue("usageplanId"))
	if err != nil {
		fail(w, err)
		return
	}
	var keys []usagePlanKey
	for _, k := range s.planKeys(p) {
		if strings.HasPrefix(k.Name, r.URL.Query().Get("name")) {
			keys = append(keys, k)
		}
	}
	page, position, err := pageOf(r, keys, func(k usagePlanKey) string { return k.ID })
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, usagePlanKeyPage{Items: page, Position: position})
}

func (s *Service) getUsagePlanKey(w http.ResponseWriter, r *http.Request) {
	p, err := s.plan(r.PathValue("usageplanId"))
	if err != nil {
		fail(w, err)
		return
	}
	for _, k := range s.planKeys(p) {
		if k.ID == r.PathValue("keyId") {
			writeJSON(w, http.StatusOK, k)
			return
		}
	}
	fail(w, notFound("Invalid API Key identifier specified"))
}

// fileKeyWrite answers UpdateApiKey and DeleteApiKey: every key is the file's.
func (s *Service) fileKeyWrite(w http.ResponseWriter, r *http.Request) {
	k, err := s.key(r.PathValue("api_Key"))
	if err == nil {
		err = badRequest("API key %s is defined in tollgate.yaml: change it there, the management API cannot", k.ID)
	}
	fail(w, err)
}

// filePlanWrite answers UpdateUsagePlan, DeleteUsagePlan and DeleteUsagePlanKey: every plan is the file's.
func (s *Service) filePlanWrite(w http.ResponseWriter, r *http.Request) {
	p, err := s.plan(r.PathValue("usageplanId"))
	if err == nil {
		err = badRequest("usage plan %s is defined in tollgate.yaml: change it there, the management API cannot", p.ID)
	}
	fail(w, err)
}
