package ratelimit

import (
	"testing"
	"time"
)

func TestMemoryDecide(t *testing.T) {
	start := at("2026-11-25T10:00:00Z")
	limits := Limits{
		Buckets: []BucketLimit{{Key: "plan", Throttle: Throttle{RateLimit: 1, BurstLimit: 2}}, {Key: "stage", Throttle: Throttle{RateLimit: 100, BurstLimit: 100}}},
		Quota:   &QuotaLimit{Key: "quota", Quota: Quota{Limit: 3, Period: Day}},
	}
	m := NewMemory()
	steps := []struct {
		after time.Duration
		want  Decision
	}{
		{0, Allow},     // a full bucket admits burstLimit at once
		{0, Allow},     //
		{0, Throttled}, // empty: throttled, and no quota used
		{999 * time.Millisecond, Throttled},
		{time.Second, Allow},              // one token back after a second at 1/s; quota 3 of 3
		{10 * time.Second, QuotaExceeded}, // tokens again, but the day's quota is used up
		{14 * time.Hour, Allow},           // the next UTC day: a new period
	}
	for i, s := range steps {
		if got := m.decide(limits, start.Add(s.after)); got != s.want {
			t.Errorf("step %d (+%s): %v, want %v", i, s.after, got, s.want)
		}
	}
}

func TestMemoryRejectedByOneBucketTakesFromNone(t *testing.T) {
	m := NewMemory()
	now := at("2026-11-25T10:00:00Z")
	wide := BucketLimit{Key: "wide", Throttle: Throttle{RateLimit: 0, BurstLimit: 5}}
	narrow := BucketLimit{Key: "narrow", Throttle: Throttle{RateLimit: 0, BurstLimit: 1}}
	if m.decide(Limits{Buckets: []BucketLimit{wide, narrow}}, now) != Allow {
		t.Fatal("first request refused")
	}
	for i := 0; i < 3; i++ {
		if m.decide(Limits{Buckets: []BucketLimit{wide, narrow}}, now) != Throttled {
			t.Fatal("the narrow bucket did not throttle")
		}
	}
	// The wide bucket lost only the admitted request's token: 4 left.
	for i := 0; i < 4; i++ {
		if m.decide(Limits{Buckets: []BucketLimit{wide}}, now) != Allow {
			t.Fatalf("request %d on the wide bucket refused: throttled requests took its tokens", i)
		}
	}
	if m.decide(Limits{Buckets: []BucketLimit{wide}}, now) != Throttled {
		t.Error("the wide bucket admitted more than its burst")
	}
}
