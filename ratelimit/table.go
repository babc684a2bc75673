package ratelimit

import (
	"github.com/tollgate-gw/tollgate/internal/ir"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Limits are the throttles and the quota that apply to one request, throttles in API Gateway's order: the usage
// plan's (per method, else the plan's), the stage's (per method, else the stage default */*), the account's.
type Limits struct {
	Buckets []BucketLimit
	Quota   *QuotaLimit
	// UsageKey counts admitted requests per day for the usage report; "" when no key admitted the request.
	UsageKey string
}

// UsageKey is where a key's admitted requests under a plan are counted by day.
func UsageKey(planID, keyID string) string { return "usage/" + planID + "/" + keyID }

// BucketLimit is one token bucket: its state is kept under Key.
type BucketLimit struct {
	Key      string
	Throttle Throttle
}

// QuotaLimit is a usage plan quota counted under Key (per key and plan, across the plan's stages).
type QuotaLimit struct {
	Key   string
	Quota Quota
}

// Table knows every rate-limited route's limits, from the same model the translator used.
type Table struct {
	routes  map[string]ir.Method
	stages  map[[2]string]map[string]*tollgatev1.ThrottleSettings // (api, stage) -> method key -> throttle
	plans   map[string]*tollgatev1.UsagePlan
	account *tollgatev1.ThrottleSettings
}

// NewTable indexes the limits of the given rate-limited routes (by route name).
func NewTable(gw *tollgatev1.Gateway, routes map[string]ir.Method) *Table {
	t := &Table{routes: routes, stages: map[[2]string]map[string]*tollgatev1.ThrottleSettings{}, plans: map[string]*tollgatev1.UsagePlan{}, account: gw.GetAccountThrottle()}
	for _, api := range gw.GetApis() {
		for _, st := range api.GetStages() {
			t.stages[[2]string{api.GetId(), st.GetStageName()}] = StageThrottles(st)
		}
	}
	for _, p := range gw.GetUsagePlans() {
		t.plans[p.GetId()] = p
	}
	return t
}

// Limits returns what applies to a request on a route, admitted with an API key of a usage plan (both "" when
// the method requires no key).
func (t *Table) Limits(route, keyID, planID string) (Limits, bool) {
	m, ok := t.routes[route]
	if !ok {
		return Limits{}, false
	}
	methodKey := m.MethodKey()
	stageID := m.APIID + "/" + m.Stage
	var l Limits
	if plan := t.plans[planID]; plan != nil && keyID != "" {
		l.UsageKey = UsageKey(planID, keyID)
		if th, perMethod := planThrottle(plan, m, methodKey); th != nil {
			key := "plan/" + planID + "/" + keyID
			if perMethod {
				key += "/" + stageID + methodKey
			}
			l.Buckets = append(l.Buckets, BucketLimit{Key: key, Throttle: toThrottle(th)})
		}
		if q := plan.GetQuota(); q != nil {
			l.Quota = &QuotaLimit{
				Key:   "quota/" + planID + "/" + keyID,
				Quota: Quota{Limit: q.GetLimit(), Period: Period(q.GetPeriod()), Offset: int(q.GetOffset())},
			}
		}
	}
	stage := t.stages[[2]string{m.APIID, m.Stage}]
	if th := stage[methodKey]; th != nil {
		l.Buckets = append(l.Buckets, BucketLimit{Key: "stage/" + stageID + methodKey, Throttle: toThrottle(th)})
	} else if th := stage["*/*"]; th != nil {
		// The stage default applies to each method on its own, as API Gateway's default method throttling does.
		l.Buckets = append(l.Buckets, BucketLimit{Key: "stage/" + stageID + methodKey, Throttle: toThrottle(th)})
	}
	if t.account != nil {
		l.Buckets = append(l.Buckets, BucketLimit{Key: "account", Throttle: toThrottle(t.account)})
	}
	return l, true
}

// planThrottle is the plan's throttle for a method: its per-method override for the API stage, else the plan's.
func planThrottle(plan *tollgatev1.UsagePlan, m ir.Method, methodKey string) (*tollgatev1.ThrottleSettings, bool) {
	for _, as := range plan.GetApiStages() {
		if as.GetApiId() == m.APIID && as.GetStage() == m.Stage {
			if th := as.GetThrottle()[methodKey]; th != nil {
				return th, true
			}
		}
	}
	return plan.GetThrottle(), false
}

func toThrottle(t *tollgatev1.ThrottleSettings) Throttle {
	return Throttle{RateLimit: t.GetRateLimit(), BurstLimit: int(t.GetBurstLimit())}
}

// StageThrottles are the stage's method throttles, keyed as its methodSettings: only the entries that set one. An
// entry without throttle fields (metricsEnabled only, say) sets no limit of the stage's level.
func StageThrottles(st *tollgatev1.Stage) map[string]*tollgatev1.ThrottleSettings {
	out := map[string]*tollgatev1.ThrottleSettings{}
	for key, ms := range st.GetMethodSettings() {
		if ms.ThrottlingRateLimit != nil && ms.ThrottlingBurstLimit != nil {
			out[key] = &tollgatev1.ThrottleSettings{RateLimit: ms.GetThrottlingRateLimit(), BurstLimit: ms.GetThrottlingBurstLimit()}
		}
	}
	return out
}
