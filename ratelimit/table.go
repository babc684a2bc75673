package ratelimit

import (
	"github.com/tollgate-gw/tollgate/internal/ir"
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

// quotaKey is where a key's quota under a plan is counted, by period.
func quotaKey(planID, keyID string) string { return "quota/" + planID + "/" + keyID }

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

// Table knows every rate-limited route's limits, from the snapshot the translator got too.
type Table struct {
	routes map[string]*ir.Route
	plans  map[string]ir.UsagePlan
}

// NewTable indexes a snapshot's routes with limits, by route name, and its usage plans.
func NewTable(snap *ir.Snapshot) *Table {
	t := &Table{routes: map[string]*ir.Route{}, plans: map[string]ir.UsagePlan{}}
	for _, r := range snap.Routes() {
		if r.Limits != nil {
			t.routes[r.Name] = r
		}
	}
	for i := range snap.WebSockets {
		for _, r := range snap.WebSockets[i].LimitedRoutes() {
			t.routes[r.Name] = r
		}
	}
	for _, p := range snap.UsagePlans {
		t.plans[p.ID] = p
	}
	return t
}

// Limits returns what applies to a request on a route, admitted with an API key of a usage plan (both "" when
// the method requires no key).
func (t *Table) Limits(route, keyID, planID string) (Limits, bool) {
	r, ok := t.routes[route]
	if !ok {
		return Limits{}, false
	}
	methodKey := r.MethodKey()
	stageID := r.APIID + "/" + r.Stage
	var l Limits
	if plan, ok := r.Limits.Plans[planID]; ok && keyID != "" {
		l.UsageKey = UsageKey(planID, keyID)
		if th := plan.Throttle; th != nil {
			key := "plan/" + planID + "/" + keyID
			if plan.PerMethod {
				key += "/" + stageID + methodKey
			}
			l.Buckets = append(l.Buckets, BucketLimit{Key: key, Throttle: toThrottle(th)})
		}
		if q := plan.Quota; q != nil {
			l.Quota = &QuotaLimit{Key: quotaKey(planID, keyID), Quota: toQuota(q)}
		}
	}
	if th := r.Limits.Stage; th != nil {
		l.Buckets = append(l.Buckets, BucketLimit{Key: "stage/" + stageID + methodKey, Throttle: toThrottle(th)})
	}
	if th := r.Limits.Account; th != nil {
		l.Buckets = append(l.Buckets, BucketLimit{Key: "account", Throttle: toThrottle(th)})
	}
	return l, true
}

func toThrottle(t *ir.Throttle) Throttle {
	return Throttle{RateLimit: t.RateLimit, BurstLimit: t.BurstLimit}
}

func toQuota(q *ir.Quota) Quota {
	return Quota{Limit: q.Limit, Period: Period(q.Period), Offset: q.Offset}
}
