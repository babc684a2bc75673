package ratelimit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"time"
)

// UsageReport is API Gateway's GetUsage answer: for each key, one [used, remaining] pair a day, remaining being
// what the plan's quota has left at the end of that day (null when the plan has no quota).
type UsageReport struct {
	UsagePlanID string                 `json:"usagePlanId"`
	StartDate   string                 `json:"startDate"`
	EndDate     string                 `json:"endDate"`
	Values      map[string][][2]*int64 `json:"values"`
}

// maxReportDays bounds a report, as API Gateway bounds GetUsage to recent months.
const maxReportDays = 90

var errUnknownPlan = errors.New("unknown usage plan")

// unknownPlanMessage is API Gateway's message for a GetUsage on a plan that does not exist.
const unknownPlanMessage = "Invalid Usage Plan ID specified"

// UsageHandler serves GET /usageplans/{planId}/usage?keyId=&startDate=YYYY-MM-DD&endDate=YYYY-MM-DD.
func (l *Limiter) UsageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		report, err := l.usage(r, r.PathValue("planId"), q.Get("keyId"), q.Get("startDate"), q.Get("endDate"))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case errors.Is(err, errUnknownPlan):
			w.WriteHeader(http.StatusNotFound)
		case err != nil:
			w.WriteHeader(http.StatusBadRequest)
		}
		if err != nil {
			msg := err.Error()
			if errors.Is(err, errUnknownPlan) {
				msg = unknownPlanMessage
			}
			_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
			return
		}
		_ = json.NewEncoder(w).Encode(report)
	})
}

func (l *Limiter) usage(r *http.Request, planID, keyID, startDate, endDate string) (*UsageReport, error) {
	plan, ok := l.state.Load().table.plans[planID]
	if !ok {
		return nil, errUnknownPlan
	}
	start, err1 := time.Parse(time.DateOnly, startDate)
	end, err2 := time.Parse(time.DateOnly, endDate)
	if err1 != nil || err2 != nil {
		return nil, errors.New("startDate and endDate are required, as YYYY-MM-DD")
	}
	days := int(end.Sub(start).Hours()/24) + 1
	if days < 1 || days > maxReportDays {
		return nil, errors.New("endDate must be on or after startDate, and at most 90 days after it")
	}
	keys := plan.KeyIDs
	if keyID != "" {
		keys = []string{keyID}
	}
	// Remaining quota counts from the start of the quota period, which may begin before startDate.
	from := start
	var quota *Quota
	if plan.Quota != nil {
		q := toQuota(plan.Quota)
		quota = &q
		from = quota.PeriodStart(start)
	}
	var names []string
	for d := from; !d.After(end); d = d.AddDate(0, 0, 1) {
		names = append(names, DayOf(d))
	}
	report := &UsageReport{UsagePlanID: planID, StartDate: startDate, EndDate: endDate, Values: map[string][][2]*int64{}}
	now := l.now()
	for _, k := range keys {
		counts, err := l.store.Usage(r.Context(), UsageKey(planID, k), names)
		if err != nil {
			return nil, err
		}
		// Today's remaining quota is the quota's own count's: UpdateUsage may have granted more, or less.
		var usedNow int64
		if quota != nil {
			if usedNow, err = l.store.QuotaUsed(r.Context(), QuotaLimit{Key: quotaKey(planID, k), Quota: *quota}, now); err != nil {
				return nil, err
			}
		}
		var values [][2]*int64
		var periodUsed int64
		period := time.Time{}
		for i := range names {
			d := from.AddDate(0, 0, i)
			if quota != nil && !quota.PeriodStart(d).Equal(period) {
				period, periodUsed = quota.PeriodStart(d), 0
			}
			periodUsed += counts[i]
			if d.Before(start) {
				continue
			}
			used := counts[i]
			pair := [2]*int64{&used, nil}
			if quota != nil {
				remaining := max(quota.Limit-periodUsed, 0)
				if DayOf(d) == DayOf(now) {
					remaining = max(quota.Limit-usedNow, 0)
				}
				pair[1] = &remaining
			}
			values = append(values, pair)
		}
		report.Values[k] = values
	}
	return report, nil
}

// UpdateUsageHandler serves PATCH /usageplans/{planId}/keys/{keyId}/usage, API Gateway's UpdateUsage: the patch
// operation replace /remaining sets what the key has left of its plan's quota in the current period (more than
// the limit grants an extension, as AWS's), and the answer is the key's usage today.
func (l *Limiter) UpdateUsageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		planID, keyID := r.PathValue("planId"), r.PathValue("keyId")
		status, refusal := l.updateUsage(r, planID, keyID)
		w.Header().Set("Content-Type", "application/json")
		if refusal != "" {
			w.Header().Set("X-Amzn-Errortype", map[int]string{http.StatusNotFound: "NotFoundException", http.StatusBadRequest: "BadRequestException",
				http.StatusServiceUnavailable: "ServiceUnavailableException"}[status])
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": refusal})
			return
		}
		today := DayOf(l.now())
		report, err := l.usage(r, planID, keyID, today, today)
		if err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": err.Error()})
			return
		}
		_ = json.NewEncoder(w).Encode(report)
	})
}

// updateUsage applies UpdateUsage's patch, or answers its refusal in API Gateway's words with its status.
func (l *Limiter) updateUsage(r *http.Request, planID, keyID string) (status int, refusal string) {
	plan, ok := l.state.Load().table.plans[planID]
	switch {
	case !ok:
		return http.StatusNotFound, unknownPlanMessage
	case !slices.Contains(plan.KeyIDs, keyID):
		return http.StatusNotFound, "Invalid API Key identifier specified"
	case plan.Quota == nil:
		return http.StatusBadRequest, "Usage plan " + planID + " has no quota to update"
	}
	var body struct {
		PatchOperations []struct{ Op, Path, Value, From string } `json:"patchOperations"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return http.StatusBadRequest, "Invalid request body: " + err.Error()
	}
	if len(body.PatchOperations) != 1 || body.PatchOperations[0].Op != "replace" || body.PatchOperations[0].Path != "/remaining" {
		return http.StatusBadRequest, "UpdateUsage takes one patch operation: replace /remaining"
	}
	remaining, err := strconv.ParseInt(body.PatchOperations[0].Value, 10, 64)
	if err != nil || remaining < 0 {
		return http.StatusBadRequest, fmt.Sprintf("Invalid remaining %q: want a whole number, 0 or more", body.PatchOperations[0].Value)
	}
	q := toQuota(plan.Quota)
	if err := l.store.SetQuotaUsed(r.Context(), QuotaLimit{Key: quotaKey(planID, keyID), Quota: q}, q.Limit-remaining, l.now()); err != nil {
		return http.StatusServiceUnavailable, "the quota store failed: " + err.Error()
	}
	return http.StatusOK, ""
}

// QuotaUse is how much of its usage plan's quota one key has used in the current period.
type QuotaUse struct {
	UsagePlanID string `json:"usagePlanId"`
	KeyID       string `json:"keyId"`
	Used        int64  `json:"used"`
	Limit       int64  `json:"limit"`
	Period      Period `json:"period"`
	// ResetsAt is when the period ends and the count starts again.
	ResetsAt time.Time `json:"resetsAt"`
}

// QuotaUse reports every key of every plan with a quota, by plan and key, from the usage counts the report
// reads (admitted requests per day since the period started).
func (l *Limiter) QuotaUse(ctx context.Context) ([]QuotaUse, error) {
	now := l.now()
	var out []QuotaUse
	for _, plan := range l.state.Load().table.plans {
		if plan.Quota == nil {
			continue
		}
		q := toQuota(plan.Quota)
		for _, k := range plan.KeyIDs {
			used, err := l.store.QuotaUsed(ctx, QuotaLimit{Key: quotaKey(plan.ID, k), Quota: q}, now)
			if err != nil {
				return nil, err
			}
			out = append(out, QuotaUse{UsagePlanID: plan.ID, KeyID: k, Used: used, Limit: q.Limit, Period: q.Period, ResetsAt: q.PeriodEnd(q.PeriodStart(now))})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].UsagePlanID < out[j].UsagePlanID || out[i].UsagePlanID == out[j].UsagePlanID && out[i].KeyID < out[j].KeyID
	})
	return out, nil
}
