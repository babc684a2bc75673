// Package ratelimit is Tollgate's rate-limit service (Envoy's envoy.service.ratelimit.v3 protocol): it enforces
// API Gateway's throttles (token buckets) and usage plan quotas (counts per calendar period) for the routes the
// translator gave rate limits.
package ratelimit

import (
	"math"
	"time"
)

// Throttle is API Gateway's throttle setting: a token bucket of BurstLimit tokens refilled at RateLimit per
// second. A full bucket admits BurstLimit requests at once.
type Throttle struct {
	RateLimit  float64
	BurstLimit int
}

// bucket is a token bucket's state.
type bucket struct {
	tokens float64
	at     time.Time
}

// refill brings the bucket to now: a new bucket starts full, an old one gains RateLimit tokens a second up to
// BurstLimit.
func (b *bucket) refill(t Throttle, now time.Time, fresh bool) {
	if fresh {
		b.tokens, b.at = float64(t.BurstLimit), now
		return
	}
	if elapsed := now.Sub(b.at).Seconds(); elapsed > 0 {
		b.tokens = math.Min(float64(t.BurstLimit), b.tokens+elapsed*t.RateLimit)
		b.at = now
	}
}

// Period is a usage plan quota's period.
type Period string

// API Gateway's quota periods, in UTC.
const (
	Day   Period = "DAY"
	Week  Period = "WEEK"
	Month Period = "MONTH"
)

// Quota is a usage plan's quota: Limit requests per calendar period, the period starting Offset units in (for
// WEEK the day of the week, 0 = Sunday; for MONTH the day of the month, 0 = the 1st; DAY takes no offset).
type Quota struct {
	Limit  int64
	Period Period
	Offset int
}

// PeriodStart is the start of the quota period that contains now, in UTC.
func (q Quota) PeriodStart(now time.Time) time.Time {
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	switch q.Period {
	case Week:
		back := (int(day.Weekday()) - q.Offset + 7) % 7
		return day.AddDate(0, 0, -back)
	case Month:
		start := time.Date(now.Year(), now.Month(), 1+q.Offset, 0, 0, 0, 0, time.UTC)
		if now.Before(start) {
			start = start.AddDate(0, -1, 0)
		}
		return start
	}
	return day
}

// PeriodEnd is when the period that starts at start ends.
func (q Quota) PeriodEnd(start time.Time) time.Time {
	switch q.Period {
	case Week:
		return start.AddDate(0, 0, 7)
	case Month:
		return start.AddDate(0, 1, 0)
	}
	return start.AddDate(0, 0, 1)
}
