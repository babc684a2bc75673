package ratelimit

import (
	"reflect"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/ir"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

func TestTableLimits(t *testing.T) {
	th := func(rate float64, burst int32) *tollgatev1.ThrottleSettings {
		return &tollgatev1.ThrottleSettings{RateLimit: rate, BurstLimit: burst}
	}
	ms := func(rate float64, burst int32) *tollgatev1.MethodSetting {
		return &tollgatev1.MethodSetting{ThrottlingRateLimit: proto.Float64(rate), ThrottlingBurstLimit: proto.Int32(burst)}
	}
	gw := &tollgatev1.Gateway{
		AccountThrottle: th(10000, 5000),
		Apis: []*tollgatev1.RestApi{{Id: "a1", Stages: []*tollgatev1.Stage{
			{StageName: "prod", MethodSettings: map[string]*tollgatev1.MethodSetting{"*/*": ms(100, 50), "/pets/GET": ms(5, 5)}},
			// Entries that set no throttle (metricsEnabled only, say) are no limit of 0: no stage limit at all.
			{StageName: "beta", MethodSettings: map[string]*tollgatev1.MethodSetting{"*/*": {}, "/pets/GET": {}}},
		}}},
		UsagePlans: []*tollgatev1.UsagePlan{{
			Id: "p1", Throttle: th(10.5, 20), Quota: &tollgatev1.QuotaSettings{Limit: 10000, Period: "MONTH"},
			ApiStages: []*tollgatev1.ApiStage{{ApiId: "a1", Stage: "prod", Throttle: map[string]*tollgatev1.ThrottleSettings{"/pets/GET": th(1, 2)}}},
		}},
	}
	table := NewTable(gw, map[string]ir.Method{
		"getPets":  {APIID: "a1", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"},
		"postPets": {APIID: "a1", Stage: "prod", Resource: "/pets", HTTPMethod: "POST"},
		"betaPets": {APIID: "a1", Stage: "beta", Resource: "/pets", HTTPMethod: "GET"},
	})
	quota := &QuotaLimit{Key: "quota/p1/k1", Quota: Quota{Limit: 10000, Period: Month}}
	tests := []struct {
		name, route, key, plan string
		want                   Limits
	}{
		{"plan per-method, stage per-method, account, quota", "getPets", "k1", "p1", Limits{Buckets: []BucketLimit{
			{Key: "plan/p1/k1/a1/prod/pets/GET", Throttle: Throttle{1, 2}},
			{Key: "stage/a1/prod/pets/GET", Throttle: Throttle{5, 5}},
			{Key: "account", Throttle: Throttle{10000, 5000}},
		}, Quota: quota, UsageKey: "usage/p1/k1"}},
		{"plan, stage default, account, quota", "postPets", "k1", "p1", Limits{Buckets: []BucketLimit{
			{Key: "plan/p1/k1", Throttle: Throttle{10.5, 20}},
			{Key: "stage/a1/prod/pets/POST", Throttle: Throttle{100, 50}},
			{Key: "account", Throttle: Throttle{10000, 5000}},
		}, Quota: quota, UsageKey: "usage/p1/k1"}},
		{"no key: stage and account only", "getPets", "", "", Limits{Buckets: []BucketLimit{
			{Key: "stage/a1/prod/pets/GET", Throttle: Throttle{5, 5}},
			{Key: "account", Throttle: Throttle{10000, 5000}},
		}}},
		{"method settings without throttle fields: the account only", "betaPets", "", "", Limits{Buckets: []BucketLimit{
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
