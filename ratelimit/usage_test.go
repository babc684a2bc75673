package ratelimit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

func TestUsageReport(t *testing.T) {
	store := NewMemory()
	l := NewLimiter(store)
	l.SetSnapshot(&ir.Snapshot{UsagePlans: []ir.UsagePlan{
		{ID: "p1", KeyIDs: []string{"k1", "k2"}, Quota: &ir.Quota{Limit: 5, Period: "WEEK"}},
		{ID: "p2", KeyIDs: []string{"k1"}},
	}})
	record := func(plan, key, when string, n int) {
		for i := 0; i < n; i++ {
			if _, err := store.Decide(context.Background(), Limits{UsageKey: UsageKey(plan, key)}, at(when)); err != nil {
				t.Fatal(err)
			}
		}
	}
	record("p1", "k1", "2026-11-22T10:00:00Z", 1) // Sunday: the week's first day, before the report
	record("p1", "k1", "2026-11-24T10:00:00Z", 2)
	record("p1", "k1", "2026-11-25T10:00:00Z", 1)
	record("p2", "k1", "2026-11-25T10:00:00Z", 4)

	tests := []struct {
		name, url  string
		wantStatus int
		wantBody   string
	}{
		{"quota plan, all keys", "/usageplans/p1/usage?startDate=2026-11-24&endDate=2026-11-25", 200,
			`{"usagePlanId":"p1","startDate":"2026-11-24","endDate":"2026-11-25","values":{"k1":[[2,2],[1,1]],"k2":[[0,5],[0,5]]}}`},
		{"one key, plan without quota", "/usageplans/p2/usage?keyId=k1&startDate=2026-11-25&endDate=2026-11-25", 200,
			`{"usagePlanId":"p2","startDate":"2026-11-25","endDate":"2026-11-25","values":{"k1":[[4,null]]}}`},
		{"unknown plan", "/usageplans/nope/usage?startDate=2026-11-24&endDate=2026-11-25", 404, `{"message":"Invalid Usage Plan ID specified"}`},
		{"missing dates", "/usageplans/p1/usage", 400, `{"message":"startDate and endDate are required, as YYYY-MM-DD"}`},
		{"reversed dates", "/usageplans/p1/usage?startDate=2026-11-25&endDate=2026-11-24", 400, ""},
	}
	mux := http.NewServeMux()
	mux.Handle("GET /usageplans/{planId}/usage", l.UsageHandler())
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.url, nil))
		body := strings.TrimSpace(rec.Body.String())
		if rec.Code != tt.wantStatus || (tt.wantBody != "" && body != tt.wantBody) {
			t.Errorf("%s: %d %s\nwant %d %s", tt.name, rec.Code, body, tt.wantStatus, tt.wantBody)
		}
	}
}

func TestQuotaUseCountsTheCurrentPeriod(t *testing.T) {
	store := NewMemory()
	l := NewLimiter(store)
	l.now = func() time.Time { return at("2026-11-25T12:00:00Z") } // a Wednesday
	l.SetSnapshot(&ir.Snapshot{UsagePlans: []ir.UsagePlan{
		{ID: "weekly", KeyIDs: []string{"k2", "k1"}, Quota: &ir.Quota{Limit: 5, Period: "WEEK", Offset: 1}}, // from Monday
		{ID: "daily", KeyIDs: []string{"k1"}, Quota: &ir.Quota{Limit: 100, Period: "DAY"}},
		{ID: "unlimited", KeyIDs: []string{"k1"}},
	}})
	quotas := map[string]Quota{"weekly": {Limit: 5, Period: Week, Offset: 1}, "daily": {Limit: 100, Period: Day}}
	for plan, whens := range map[string][]string{
		"weekly": {"2026-11-22T10:00:00Z", "2026-11-23T00:00:00Z", "2026-11-24T10:00:00Z", "2026-11-25T11:00:00Z"},
		"daily":  {"2026-11-24T23:59:59Z", "2026-11-25T00:00:00Z"},
	} {
		for _, when := range whens {
			limits := Limits{UsageKey: UsageKey(plan, "k1"), Quota: &QuotaLimit{Key: quotaKey(plan, "k1"), Quota: quotas[plan]}}
			if _, err := store.Decide(context.Background(), limits, at(when)); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := l.QuotaUse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []QuotaUse{
		{UsagePlanID: "daily", KeyID: "k1", Used: 1, Limit: 100, Period: Day, ResetsAt: at("2026-11-26T00:00:00Z")},
		{UsagePlanID: "weekly", KeyID: "k1", Used: 3, Limit: 5, Period: Week, ResetsAt: at("2026-11-30T00:00:00Z")},
		{UsagePlanID: "weekly", KeyID: "k2", Used: 0, Limit: 5, Period: Week, ResetsAt: at("2026-11-30T00:00:00Z")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("QuotaUse() =\n%+v\nwant\n%+v", got, want)
	}
}

// TestUpdateUsage: UpdateUsage sets what a key has left of its plan's quota today, which the usage report and the
// limits then count from; what it cannot update is refused with API Gateway's errors.
func TestUpdateUsage(t *testing.T) {
	store := NewMemory()
	l := NewLimiter(store)
	l.SetSnapshot(&ir.Snapshot{UsagePlans: []ir.UsagePlan{
		{ID: "p1", KeyIDs: []string{"k1"}, Quota: &ir.Quota{Limit: 3, Period: "DAY"}},
		{ID: "free", KeyIDs: []string{"k1"}},
	}})
	now := l.now()
	limits := Limits{UsageKey: UsageKey("p1", "k1"), Quota: &QuotaLimit{Key: quotaKey("p1", "k1"), Quota: Quota{Limit: 3, Period: Day}}}
	for range 3 {
		if d, _ := store.Decide(context.Background(), limits, now); d != Allow {
			t.Fatal("a request within the quota was refused")
		}
	}
	mux := http.NewServeMux()
	mux.Handle("PATCH /usageplans/{planId}/keys/{keyId}/usage", l.UpdateUsageHandler())
	today := DayOf(now)
	for _, tt := range []struct {
		name, url, body string
		status          int
		want            string
	}{
		{"an extension", "/usageplans/p1/keys/k1/usage", `{"patchOperations":[{"op":"replace","path":"/remaining","value":"10"}]}`, 200,
			`{"usagePlanId":"p1","startDate":"` + today + `","endDate":"` + today + `","values":{"k1":[[3,10]]}}`},
		{"an unknown plan", "/usageplans/nope/keys/k1/usage", `{"patchOperations":[{"op":"replace","path":"/remaining","value":"1"}]}`, 404, `{"message":"Invalid Usage Plan ID specified"}`},
		{"a key not in the plan", "/usageplans/p1/keys/k9/usage", `{"patchOperations":[{"op":"replace","path":"/remaining","value":"1"}]}`, 404, `{"message":"Invalid API Key identifier specified"}`},
		{"a plan without a quota", "/usageplans/free/keys/k1/usage", `{"patchOperations":[{"op":"replace","path":"/remaining","value":"1"}]}`, 400, ""},
		{"another path", "/usageplans/p1/keys/k1/usage", `{"patchOperations":[{"op":"replace","path":"/used","value":"1"}]}`, 400, ""},
		{"a negative remaining", "/usageplans/p1/keys/k1/usage", `{"patchOperations":[{"op":"replace","path":"/remaining","value":"-1"}]}`, 400, ""},
	} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPatch, tt.url, strings.NewReader(tt.body)))
		if body := strings.TrimSpace(rec.Body.String()); rec.Code != tt.status || (tt.want != "" && body != tt.want) {
			t.Errorf("%s: %d %s\nwant %d %s", tt.name, rec.Code, body, tt.status, tt.want)
		}
	}
	admitted := 0
	for range 12 {
		if d, _ := store.Decide(context.Background(), limits, now); d == Allow {
			admitted++
		}
	}
	if admitted != 10 {
		t.Errorf("after the extension %d requests were admitted, want the 10 granted", admitted)
	}
}
