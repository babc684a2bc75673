package ratelimit

import (
	"reflect"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

// TestTableLimits: a route's limits become buckets and a quota in API Gateway's order, each counted under a key
// of its own level: per key and plan (and method, for a plan's per-method throttle), per stage and method, or one
// for the account.
func TestTableLimits(t *testing.T) {
	quota := &ir.Quota{Limit: 10000, Period: "MONTH"}
	table := NewTable(snapshotOf(
		limitedRoute("getPets", "GET", ir.Limits{
			Plans:   map[string]ir.PlanLimits{"p1": {Throttle: throttleOf(1, 2), PerMethod: true, Quota: quota}},
			Stage:   throttleOf(5, 5),
			Account: throttleOf(10000, 5000),
		}),
		limitedRoute("postPets", "POST", ir.Limits{
			Plans:   map[string]ir.PlanLimits{"p1": {Throttle: throttleOf(10.5, 20), Quota: quota}, "p2": {}},
			Stage:   throttleOf(100, 50),
			Account: throttleOf(10000, 5000),
		}),
	))
	quotaLimit := &QuotaLimit{Key: "quota/p1/k1", Quota: Quota{Limit: 10000, Period: Month}}
	tests := []struct {
		name, route, key, plan string
		want                   Limits
	}{
		{"plan per-method, stage, account, quota", "getPets", "k1", "p1", Limits{Buckets: []BucketLimit{
			{Key: "plan/p1/k1/a1/prod/pets/GET", Throttle: Throttle{1, 2}},
			{Key: "stage/a1/prod/pets/GET", Throttle: Throttle{5, 5}},
			{Key: "account", Throttle: Throttle{10000, 5000}},
		}, Quota: quotaLimit, UsageKey: "usage/p1/k1"}},
		{"plan, stage, account, quota", "postPets", "k1", "p1", Limits{Buckets: []BucketLimit{
			{Key: "plan/p1/k1", Throttle: Throttle{10.5, 20}},
			{Key: "stage/a1/prod/pets/POST", Throttle: Throttle{100, 50}},
			{Key: "account", Throttle: Throttle{10000, 5000}},
		}, Quota: quotaLimit, UsageKey: "usage/p1/k1"}},
		{"a plan without limits still counts usage", "postPets", "k1", "p2", Limits{Buckets: []BucketLimit{
			{Key: "stage/a1/prod/pets/POST", Throttle: Throttle{100, 50}},
			{Key: "account", Throttle: Throttle{10000, 5000}},
		}, UsageKey: "usage/p2/k1"}},
		{"no key: stage and account only", "getPets", "", "", Limits{Buckets: []BucketLimit{
			{Key: "stage/a1/prod/pets/GET", Throttle: Throttle{5, 5}},
			{Key: "account", Throttle: Throttle{10000, 5000}},
		}}},
	}
	for _, tt := range tests {
		got, ok := table.Limits(tt.route, tt.key, tt.plan)
		if !ok || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, tt.want)
		}
	}
	if _, ok := table.Limits("unknown", "", ""); ok {
		t.Error("an unknown route has limits")
	}
}
