package management

import (
	"cmp"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/usageplan"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// API keys and usage plans: tollgate.yaml's, listed and read and refused for writes with a BadRequestException that
// says they are the file's; and the management API's own, kept in the store (one record each) and served with
// the file's. A key's value is shown only when asked for (includeValues).

func init() {
	const (
		key      = "/apikeys/{api_Key}"
		plan     = "/usageplans/{usageplanId}"
		planKeys = plan + "/keys"
		planKey  = planKeys + "/{keyId}"
	)
	routes = append(routes,
		route{"GET /apikeys", (*Service).getAPIKeys},
		route{"POST /apikeys", (*Service).createAPIKey},
		route{"GET " + key, (*Service).getAPIKey},
		route{"PATCH " + key, (*Service).updateAPIKey},
		route{"DELETE " + key, (*Service).deleteAPIKey},
		route{"GET /usageplans", (*Service).getUsagePlans},
		route{"POST /usageplans", (*Service).createUsagePlan},
		route{"GET " + plan, (*Service).getUsagePlan},
		route{"PATCH " + plan, (*Service).updateUsagePlan},
		route{"DELETE " + plan, (*Service).deleteUsagePlan},
		route{"GET " + planKeys, (*Service).getUsagePlanKeys},
		route{"POST " + planKeys, (*Service).createUsagePlanKey},
		route{"GET " + planKey, (*Service).getUsagePlanKey},
		route{"DELETE " + planKey, (*Service).deleteUsagePlanKey},
	)
}

// Where the store keeps keys and plans, each under its id.
const (
	keyPrefix  = "apikeys/"
	planPrefix = "usageplans/"
)

// apiKey is API Gateway's ApiKey.
type apiKey struct {
	ID              string            `json:"id"`
	Value           string            `json:"value,omitempty"`
	Name            string            `json:"name"`
	CustomerID      string            `json:"customerId,omitempty"`
	Description     string            `json:"description,omitempty"`
	Enabled         bool              `json:"enabled"`
	CreatedDate     *timestamp        `json:"createdDate,omitempty"`
	LastUpdatedDate *timestamp        `json:"lastUpdatedDate,omitempty"`
	Tags            map[string]string `json:"tags,omitempty"`
}

func (k *apiKey) model() *tollgatev1.ApiKey {
	return &tollgatev1.ApiKey{Id: k.ID, Name: k.Name, Value: k.Value, Enabled: k.Enabled}
}

// apiKeyPage is GetApiKeys's answer, API Gateway's ApiKeys.
type apiKeyPage struct {
	Items    []apiKey `json:"item"`
	Position string   `json:"position,omitempty"`
}

// usagePlan is API Gateway's UsagePlan.
type usagePlan struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	APIStages   []apiStage        `json:"apiStages"`
	Throttle    *throttleSettings `json:"throttle,omitempty"`
	Quota       *quotaSettings    `json:"quota,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
}

// planRecord is a usage plan as the store keeps it, with its keys.
type planRecord struct {
	Plan   usagePlan `json:"plan"`
	KeyIDs []string  `json:"keyIds"`
}

func (p *planRecord) model() *tollgatev1.UsagePlan {
	out := &tollgatev1.UsagePlan{Id: p.Plan.ID, Name: p.Plan.Name, KeyIds: p.KeyIDs}
	if t := p.Plan.Throttle; t != nil {
		out.Throttle = &tollgatev1.ThrottleSettings{RateLimit: t.RateLimit, BurstLimit: t.BurstLimit}
	}
	if q := p.Plan.Quota; q != nil {
		out.Quota = &tollgatev1.QuotaSettings{Limit: q.Limit, Period: q.Period, Offset: q.Offset}
	}
	for _, as := range p.Plan.APIStages {
		stage := &tollgatev1.ApiStage{ApiId: as.APIID, Stage: as.Stage}
		for method, t := range as.Throttle {
			if stage.Throttle == nil {
				stage.Throttle = map[string]*tollgatev1.ThrottleSettings{}
			}
			stage.Throttle[method] = &tollgatev1.ThrottleSettings{RateLimit: t.RateLimit, BurstLimit: t.BurstLimit}
		}
		out.ApiStages = append(out.ApiStages, stage)
	}
	return out
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
func keysOf(gw *tollgatev1.Gateway) ([]apiKey, []planRecord) {
	var keys []apiKey
	for _, k := range gw.GetApiKeys() {
		keys = append(keys, apiKey{ID: k.GetId(), Value: k.GetValue(), Name: k.GetName(), Enabled: k.GetEnabled()})
	}
	var plans []planRecord
	for _, p := range gw.GetUsagePlans() {
		plan := usagePlan{ID: p.GetId(), Name: p.GetName(), APIStages: []apiStage{}, Throttle: throttleOf(p.GetThrottle())}
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
		plans = append(plans, planRecord{Plan: plan, KeyIDs: p.GetKeyIds()})
	}
	slices.SortFunc(keys, func(a, b apiKey) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(plans, func(a, b planRecord) int { return strings.Compare(a.Plan.ID, b.Plan.ID) })
	return keys, plans
}

func throttleOf(t *tollgatev1.ThrottleSettings) *throttleSettings {
	if t == nil {
		return nil
	}
	return &throttleSettings{BurstLimit: t.GetBurstLimit(), RateLimit: t.GetRateLimit()}
}

// allKeys are the file's keys and the store's, by id.
func (s *Service) allKeys(r *http.Request) ([]apiKey, error) {
	keys := slices.Clone(s.files.Load().keys)
	stored, err := s.store.All(r.Context(), keyPrefix)
	if err != nil {
		return nil, err
	}
	for id, raw := range stored {
		var k apiKey
		if err := json.Unmarshal(raw, &k); err != nil {
			return nil, fmt.Errorf("state record %s: %w", id, err)
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b apiKey) int { return strings.Compare(a.ID, b.ID) })
	return keys, nil
}

// allPlans are the file's plans and the store's, by id.
func (s *Service) allPlans(r *http.Request) ([]planRecord, error) {
	plans := slices.Clone(s.files.Load().plans)
	stored, err := s.store.All(r.Context(), planPrefix)
	if err != nil {
		return nil, err
	}
	for id, raw := range stored {
		var p planRecord
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("state record %s: %w", id, err)
		}
		plans = append(plans, p)
	}
	slices.SortFunc(plans, func(a, b planRecord) int { return strings.Compare(a.Plan.ID, b.Plan.ID) })
	return plans, nil
}

var (
	errKeyNotFound  = notFound("Invalid API Key identifier specified")
	errPlanNotFound = notFound("Invalid Usage Plan ID specified")
)

func (s *Service) key(r *http.Request, id string) (apiKey, error) {
	keys, err := s.allKeys(r)
	if err != nil {
		return apiKey{}, err
	}
	if i, ok := slices.BinarySearchFunc(keys, id, func(k apiKey, id string) int { return strings.Compare(k.ID, id) }); ok {
		return keys[i], nil
	}
	return apiKey{}, errKeyNotFound
}

func (s *Service) plan(r *http.Request, id string) (planRecord, error) {
	plans, err := s.allPlans(r)
	if err != nil {
		return planRecord{}, err
	}
	if i, ok := slices.BinarySearchFunc(plans, id, func(p planRecord, id string) int { return strings.Compare(p.Plan.ID, id) }); ok {
		return plans[i], nil
	}
	return planRecord{}, errPlanNotFound
}

// withValue is k, its value shown only when the request asks for it (query parameter name).
func withValue(k apiKey, r *http.Request, name string) apiKey {
	if r.URL.Query().Get(name) != "true" {
		k.Value = ""
	}
	return k
}

// getAPIKeys is GetApiKeys: name filters by prefix, customerId by customer, includeValues shows the values.
func (s *Service) getAPIKeys(w http.ResponseWriter, r *http.Request) {
	all, err := s.allKeys(r)
	if err != nil {
		fail(w, err)
		return
	}
	var keys []apiKey
	q := r.URL.Query()
	for _, k := range all {
		if strings.HasPrefix(k.Name, q.Get("name")) && (q.Get("customerId") == "" || k.CustomerID == q.Get("customerId")) {
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

// getAPIKey is GetApiKey: includeValue shows the value.
func (s *Service) getAPIKey(w http.ResponseWriter, r *http.Request) {
	k, err := s.key(r, r.PathValue("api_Key"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, withValue(k, r, "includeValue"))
}

// createAPIKeyRequest is CreateApiKey's body.
type createAPIKeyRequest struct {
	Name               string            `json:"name"`
	Description        string            `json:"description"`
	Enabled            bool              `json:"enabled"`
	GenerateDistinctID bool              `json:"generateDistinctId"`
	Value              string            `json:"value"`
	StageKeys          []any             `json:"stageKeys"`
	CustomerID         string            `json:"customerId"`
	Tags               map[string]string `json:"tags"`
}

// createAPIKey is CreateApiKey (or, with mode=import, ImportApiKeys): a key of 40 random characters unless the
// request gives one.
func (s *Service) createAPIKey(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("mode") == "import" {
		s.importAPIKeys(w, r)
		return
	}
	var req createAPIKeyRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	if len(req.StageKeys) > 0 {
		fail(w, badRequest("stageKeys are not supported by Tollgate: put the key in a usage plan"))
		return
	}
	now := at(s.now())
	k := apiKey{Name: req.Name, Description: req.Description, Enabled: req.Enabled, Value: req.Value, CustomerID: req.CustomerID,
		Tags: req.Tags, CreatedDate: &now, LastUpdatedDate: &now}
	if err := s.insertKey(r, &k); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, k)
}

// insertKey stores a new key under a fresh id, its value drawn when it has none; the whole state is checked
// first, which refuses a value another key has.
func (s *Service) insertKey(r *http.Request, k *apiKey) error {
	if k.Value == "" {
		k.Value = rand.Text()[:20] + rand.Text()[:20] // 40 characters, as API Gateway's
	}
	if n := len(k.Value); n < usageplan.MinKeyValue || n > usageplan.MaxKeyValue {
		return badRequest("API Key value should be at least %d characters and at most %d", usageplan.MinKeyValue, usageplan.MaxKeyValue)
	}
	for {
		k.ID = newID()
		if _, err := s.key(r, k.ID); !errors.Is(err, errKeyNotFound) {
			if err != nil {
				return err
			}
			continue // the file's
		}
		stored, err := s.insertRecord(r, keyPrefix+k.ID, k)
		if err != nil || stored {
			return err
		}
	}
}

// insertRecord stores v at key where there is no record yet, checking the state with it first and serving it
// after; false when key is taken.
func (s *Service) insertRecord(r *http.Request, key string, v any) (bool, error) {
	var serve func()
	err := s.store.Update(r.Context(), key, func(old []byte) ([]byte, error) {
		if serve = nil; old != nil {
			return old, nil
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		serve, err = s.check(r.Context(), key, raw)
		return raw, err
	})
	if err == nil && serve != nil {
		serve()
	}
	return serve != nil, err
}

// changeRecord applies edit to the record at key, kept in a T, atomically: missing is the answer when there is
// none, and the file's when the file has id; edit returns false to delete the record. The state with the change
// is checked before it is stored, and served after.
func changeRecord[T any](s *Service, r *http.Request, key string, missing, file error, edit func(v *T) (keep bool, err error)) (*T, error) {
	var out *T
	var serve func()
	err := s.store.Update(r.Context(), key, func(old []byte) ([]byte, error) {
		if old == nil {
			return nil, cmp.Or(file, missing)
		}
		out = new(T)
		if err := json.Unmarshal(old, out); err != nil {
			return nil, fmt.Errorf("state record %s: %w", key, err)
		}
		keep, err := edit(out)
		if err != nil {
			return nil, err
		}
		var raw []byte
		if keep {
			if raw, err = json.Marshal(out); err != nil {
				return nil, err
			}
		}
		serve, err = s.check(r.Context(), key, raw)
		return raw, err
	})
	if err != nil {
		return nil, err
	}
	serve()
	return out, nil
}

// fileKey is the refusal of a write to the file's key id, nil for another.
func (s *Service) fileKey(id string) error {
	if _, ok := slices.BinarySearchFunc(s.files.Load().keys, id, func(k apiKey, id string) int { return strings.Compare(k.ID, id) }); ok {
		return badRequest("API key %s is defined in tollgate.yaml: change it there, the management API cannot", id)
	}
	return nil
}

// filePlan is the refusal of a write to the file's plan id, nil for another.
func (s *Service) filePlan(id string) error {
	if _, ok := slices.BinarySearchFunc(s.files.Load().plans, id, func(p planRecord, id string) int { return strings.Compare(p.Plan.ID, id) }); ok {
		return badRequest("usage plan %s is defined in tollgate.yaml: change it there, the management API cannot", id)
	}
	return nil
}

// updateAPIKey is UpdateApiKey over /name, /description, /enabled and /customerId.
func (s *Service) updateAPIKey(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	id := r.PathValue("api_Key")
	k, err := changeRecord(s, r, keyPrefix+id, errKeyNotFound, s.fileKey(id), func(k *apiKey) (bool, error) {
		patchable := fields{strings: map[string]*string{"/name": &k.Name, "/description": &k.Description, "/customerId": &k.CustomerID},
			flags: map[string]*bool{"/enabled": &k.Enabled}}
		for _, op := range ops {
			if done, err := patchable.replace(op); !done || err != nil {
				return false, cmp.Or(err, invalidPatch(op))
			}
		}
		now := at(s.now())
		k.LastUpdatedDate = &now
		return true, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, withValue(*k, r, "includeValue"))
}

// deleteAPIKey is DeleteApiKey: the key leaves the plans it was in, which AWS does too.
func (s *Service) deleteAPIKey(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("api_Key")
	if _, err := changeRecord(s, r, keyPrefix+id, errKeyNotFound, s.fileKey(id), func(*apiKey) (bool, error) {
		plans, err := s.allPlans(r)
		for _, p := range plans {
			if err == nil && slices.Contains(p.KeyIDs, id) {
				err = badRequest("API key %s is in usage plan %s: remove it from the plan first", id, p.Plan.ID)
			}
		}
		return false, err
	}); err != nil {
		fail(w, err)
		return
	}
	noContent(w)
}

// getUsagePlans is GetUsagePlans: keyId keeps the plans the key is in.
func (s *Service) getUsagePlans(w http.ResponseWriter, r *http.Request) {
	all, err := s.allPlans(r)
	if err != nil {
		fail(w, err)
		return
	}
	var plans []usagePlan
	for _, p := range all {
		if id := r.URL.Query().Get("keyId"); id == "" || slices.Contains(p.KeyIDs, id) {
			plans = append(plans, p.Plan)
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
	p, err := s.plan(r, r.PathValue("usageplanId"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p.Plan)
}

// createUsagePlan is CreateUsagePlan; the state with it is checked (its API stages exist, its quota is one API
// Gateway takes) before it is stored.
func (s *Service) createUsagePlan(w http.ResponseWriter, r *http.Request) {
	var plan usagePlan
	if err := decode(r, &plan); err != nil {
		fail(w, err)
		return
	}
	if plan.Name == "" {
		fail(w, badRequest("Invalid usage plan name specified: a name is required"))
		return
	}
	if plan.APIStages == nil {
		plan.APIStages = []apiStage{}
	}
	if plan.Quota != nil {
		plan.Quota.Period = strings.ToUpper(plan.Quota.Period)
	}
	for {
		plan.ID = newID()
		if s.filePlan(plan.ID) != nil {
			continue
		}
		stored, err := s.insertRecord(r, planPrefix+plan.ID, planRecord{Plan: plan, KeyIDs: []string{}})
		if err != nil {
			fail(w, err)
			return
		}
		if stored {
			break
		}
	}
	writeJSON(w, http.StatusCreated, plan)
}

// updateUsagePlan is UpdateUsagePlan over the name, description, throttle and quota fields, and /apiStages (add
// or remove "apiId:stage").
func (s *Service) updateUsagePlan(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	id := r.PathValue("usageplanId")
	p, err := changeRecord(s, r, planPrefix+id, errPlanNotFound, s.filePlan(id), func(p *planRecord) (bool, error) {
		for _, op := range ops {
			if err := p.Plan.patch(op); err != nil {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p.Plan)
}

func (p *usagePlan) patch(op patchOperation) error {
	number := func() (float64, error) {
		v, err := strconv.ParseFloat(op.Value, 64)
		if err != nil {
			return 0, badRequest("Invalid value %q for %s: want a number", op.Value, op.Path)
		}
		return v, nil
	}
	if p.Throttle == nil && strings.HasPrefix(op.Path, "/throttle/") {
		p.Throttle = &throttleSettings{}
	}
	if p.Quota == nil && strings.HasPrefix(op.Path, "/quota/") {
		p.Quota = &quotaSettings{Period: "DAY"}
	}
	done, err := fields{strings: map[string]*string{"/name": &p.Name, "/description": &p.Description}}.replace(op)
	switch {
	case done:
		return err
	case op.Op == "replace" && op.Path == "/throttle/rateLimit":
		v, err := number()
		p.Throttle.RateLimit = v
		return err
	case op.Op == "replace" && op.Path == "/throttle/burstLimit":
		v, err := number()
		p.Throttle.BurstLimit = int32(v)
		return err
	case op.Op == "remove" && op.Path == "/throttle":
		p.Throttle = nil
	case op.Op == "replace" && op.Path == "/quota/limit":
		v, err := number()
		p.Quota.Limit = int64(v)
		return err
	case op.Op == "replace" && op.Path == "/quota/offset":
		v, err := number()
		p.Quota.Offset = int32(v)
		return err
	case op.Op == "replace" && op.Path == "/quota/period":
		p.Quota.Period = strings.ToUpper(op.Value)
	case op.Op == "remove" && op.Path == "/quota":
		p.Quota = nil
	case op.Op == "add" && op.Path == "/apiStages":
		apiID, stage, _ := strings.Cut(op.Value, ":")
		if !slices.ContainsFunc(p.APIStages, func(as apiStage) bool { return as.APIID == apiID && as.Stage == stage }) {
			p.APIStages = append(p.APIStages, apiStage{APIID: apiID, Stage: stage})
		}
	case op.Op == "remove" && op.Path == "/apiStages":
		apiID, stage, _ := strings.Cut(op.Value, ":")
		p.APIStages = slices.DeleteFunc(p.APIStages, func(as apiStage) bool { return as.APIID == apiID && as.Stage == stage })
	default:
		return invalidPatch(op)
	}
	return nil
}

func (s *Service) deleteUsagePlan(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("usageplanId")
	if _, err := changeRecord(s, r, planPrefix+id, errPlanNotFound, s.filePlan(id), func(*planRecord) (bool, error) { return false, nil }); err != nil {
		fail(w, err)
		return
	}
	noContent(w)
}

// planKeys are a plan's keys as API Gateway's UsagePlanKeys, by id.
func (s *Service) planKeys(r *http.Request, p planRecord) ([]usagePlanKey, error) {
	keys, err := s.allKeys(r)
	if err != nil {
		return nil, err
	}
	var out []usagePlanKey
	for _, k := range keys {
		if slices.Contains(p.KeyIDs, k.ID) {
			out = append(out, usagePlanKey{ID: k.ID, Type: "API_KEY", Value: k.Value, Name: k.Name})
		}
	}
	return out, nil
}

// getUsagePlanKeys is GetUsagePlanKeys: name filters by prefix.
func (s *Service) getUsagePlanKeys(w http.ResponseWriter, r *http.Request) {
	p, err := s.plan(r, r.PathValue("usageplanId"))
	if err != nil {
		fail(w, err)
		return
	}
	all, err := s.planKeys(r, p)
	if err != nil {
		fail(w, err)
		return
	}
	var keys []usagePlanKey
	for _, k := range all {
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
	p, err := s.plan(r, r.PathValue("usageplanId"))
	if err != nil {
		fail(w, err)
		return
	}
	keys, err := s.planKeys(r, p)
	if err != nil {
		fail(w, err)
		return
	}
	for _, k := range keys {
		if k.ID == r.PathValue("keyId") {
			writeJSON(w, http.StatusOK, k)
			return
		}
	}
	fail(w, errKeyNotFound)
}

// createUsagePlanKeyRequest is CreateUsagePlanKey's body.
type createUsagePlanKeyRequest struct {
	KeyID   string `json:"keyId"`
	KeyType string `json:"keyType"`
}

// createUsagePlanKey is CreateUsagePlanKey: a key (the file's or the management API's) joins the plan.
func (s *Service) createUsagePlanKey(w http.ResponseWriter, r *http.Request) {
	var req createUsagePlanKeyRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	if req.KeyType != "API_KEY" {
		fail(w, badRequest("Invalid key type %q: want API_KEY", req.KeyType))
		return
	}
	k, err := s.key(r, req.KeyID)
	if err != nil {
		fail(w, err)
		return
	}
	id := r.PathValue("usageplanId")
	if _, err := changeRecord(s, r, planPrefix+id, errPlanNotFound, s.filePlan(id), func(p *planRecord) (bool, error) {
		if slices.Contains(p.KeyIDs, k.ID) {
			return false, conflict("Usage Plan %s cannot be added because API Key %s already exists in it", id, k.ID)
		}
		p.KeyIDs = append(p.KeyIDs, k.ID)
		return true, nil
	}); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, usagePlanKey{ID: k.ID, Type: "API_KEY", Value: k.Value, Name: k.Name})
}

func (s *Service) deleteUsagePlanKey(w http.ResponseWriter, r *http.Request) {
	id, keyID := r.PathValue("usageplanId"), r.PathValue("keyId")
	if _, err := changeRecord(s, r, planPrefix+id, errPlanNotFound, s.filePlan(id), func(p *planRecord) (bool, error) {
		if !slices.Contains(p.KeyIDs, keyID) {
			return false, errKeyNotFound
		}
		p.KeyIDs = slices.DeleteFunc(p.KeyIDs, func(k string) bool { return k == keyID })
		return true, nil
	}); err != nil {
		fail(w, err)
		return
	}
	noContent(w)
}

// apiKeyIDs is ImportApiKeys's answer, API Gateway's ApiKeyIds.
type apiKeyIDs struct {
	IDs      []string `json:"ids"`
	Warnings []string `json:"warnings,omitempty"`
}

// importAPIKeys is ImportApiKeys (format=csv): a header line names the columns (name, key, description, enabled,
// usageplanIds, in any order and case, as API Gateway's), and each line after it is a key; a key naming usage
// plans joins them.
func (s *Service) importAPIKeys(w http.ResponseWriter, r *http.Request) {
	if f := r.URL.Query().Get("format"); f != "csv" {
		fail(w, badRequest("Invalid format %q: want csv", f))
		return
	}
	rows, err := csv.NewReader(io.LimitReader(r.Body, maxBody)).ReadAll()
	if err != nil || len(rows) == 0 {
		fail(w, badRequest("Invalid CSV of API keys: %v", cmp.Or(err, errors.New("no header line"))))
		return
	}
	column := map[string]int{}
	for i, name := range rows[0] {
		column[strings.ToLower(strings.TrimSpace(name))] = i
	}
	if _, ok := column["key"]; !ok {
		fail(w, badRequest("Invalid CSV of API keys: the header names no key column"))
		return
	}
	cell := func(row []string, name string) string {
		if i, ok := column[name]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	out := apiKeyIDs{IDs: []string{}}
	for _, row := range rows[1:] {
		now := at(s.now())
		k := apiKey{Name: cell(row, "name"), Value: cell(row, "key"), Description: cell(row, "description"),
			Enabled: strings.EqualFold(cell(row, "enabled"), "true"), CreatedDate: &now, LastUpdatedDate: &now}
		if err := s.insertKey(r, &k); err != nil {
			fail(w, err)
			return
		}
		out.IDs = append(out.IDs, k.ID)
		for _, planID := range strings.FieldsFunc(cell(row, "usageplanids"), func(c rune) bool { return c == ',' || c == ';' || c == ' ' }) {
			if _, err := changeRecord(s, r, planPrefix+planID, errPlanNotFound, s.filePlan(planID), func(p *planRecord) (bool, error) {
				p.KeyIDs = append(p.KeyIDs, k.ID)
				return true, nil
			}); err != nil {
				fail(w, err)
				return
			}
		}
	}
	writeJSON(w, http.StatusCreated, out)
}
