package ratelimit

import (
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestBucket(t *testing.T) {
	th := Throttle{RateLimit: 2.5, BurstLimit: 4}
	var b bucket
	start := at("2026-01-01T00:00:00Z")
	b.refill(th, start, true)
	if b.tokens != 4 {
		t.Fatalf("a new bucket holds %v tokens, want the burst, 4", b.tokens)
	}
	b.tokens = 0
	tests := []struct {
		after time.Duration
		want  float64
	}{
		{0, 0},
		{400 * time.Millisecond, 1},
		{time.Second, 2.5},
		{10 * time.Second, 4}, // never above the burst
	}
	for _, tt := range tests {
		c := b
		c.refill(th, start.Add(tt.after), false)
		if c.tokens != tt.want {
			t.Errorf("after %s: %v tokens, want %v", tt.after, c.tokens, tt.want)
		}
	}
	// A clock that goes back never takes tokens away.
	c := b
	c.tokens = 1
	c.refill(th, start.Add(-time.Second), false)
	if c.tokens != 1 {
		t.Errorf("clock going back: %v tokens, want 1", c.tokens)
	}
}

func TestPeriodStart(t *testing.T) {
	tests := []struct {
		name  string
		q     Quota
		now   string
		start string
		end   string
	}{
		{"day", Quota{Period: Day}, "2026-03-15T23:59:59Z", "2026-03-15T00:00:00Z", "2026-03-16T00:00:00Z"},
		{"day in another zone is UTC's day", Quota{Period: Day}, "2026-03-15T23:30:00-05:00", "2026-03-16T00:00:00Z", "2026-03-17T00:00:00Z"},
		{"week from Sunday", Quota{Period: Week}, "2026-11-25T12:00:00Z", "2026-11-22T00:00:00Z", "2026-11-29T00:00:00Z"},            // a Wednesday
		{"week from Monday", Quota{Period: Week, Offset: 1}, "2026-11-22T12:00:00Z", "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"}, // a Sunday
		{"week starting today", Quota{Period: Week, Offset: 3}, "2026-11-25T00:00:00Z", "2026-11-25T00:00:00Z", "2026-12-02T00:00:00Z"},
		{"month", Quota{Period: Month}, "2026-02-28T23:59:59Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z"},
		{"month in a leap year", Quota{Period: Month}, "2028-02-29T10:00:00Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z"},
		{"month with offset, before the day", Quota{Period: Month, Offset: 14}, "2026-03-10T00:00:00Z", "2026-02-15T00:00:00Z", "2026-03-15T00:00:00Z"},
		{"month with offset, on the day", Quota{Period: Month, Offset: 14}, "2026-03-15T00:00:00Z", "2026-03-15T00:00:00Z", "2026-04-15T00:00:00Z"},
		{"month across the year", Quota{Period: Month, Offset: 27}, "2027-01-03T00:00:00Z", "2026-12-28T00:00:00Z", "2027-01-28T00:00:00Z"},
	}
	for _, tt := range tests {
		start := tt.q.PeriodStart(at(tt.now))
		if !start.Equal(at(tt.start)) {
			t.Errorf("%s: start %s, want %s", tt.name, start, tt.start)
		}
		if end := tt.q.PeriodEnd(start); !end.Equal(at(tt.end)) {
			t.Errorf("%s: end %s, want %s", tt.name, end, tt.end)
		}
	}
}
