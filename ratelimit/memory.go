package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Decision is the outcome for one request.
type Decision int

// The outcomes, each with its API Gateway answer.
const (
	Allow         Decision = iota
	Throttled              // 429 {"message":"Too Many Requests"}
	QuotaExceeded          // 429 {"message":"Limit Exceeded"}
)

// Memory keeps buckets and quota counts in this process: the embedded default. State is kept by key, so a
// reload that keeps a limit keeps its counts.
type Memory struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	quotas  map[string]*quotaCount
	usage   map[string]int64 // usage key + "/" + day -> admitted requests
}

type quotaCount struct {
	period time.Time // start of the period counted
	used   int64
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{buckets: map[string]*bucket{}, quotas: map[string]*quotaCount{}, usage: map[string]int64{}}
}

// Decide takes one token from every bucket and one unit of quota, or nothing: a request any bucket refuses is
// throttled and consumes no quota.
func (m *Memory) Decide(_ context.Context, l Limits, now time.Time) (Decision, error) {
	return m.decide(l, now), nil
}

func (m *Memory) decide(l Limits, now time.Time) Decision {
	m.mu.Lock()
	defer m.mu.Unlock()
	admitted := true
	for _, bl := range l.Buckets {
		b, ok := m.buckets[bl.Key]
		if !ok {
			b = &bucket{}
			m.buckets[bl.Key] = b
		}
		b.refill(bl.Throttle, now, !ok)
		if b.tokens < 1 {
			admitted = false
		}
	}
	if !admitted {
		return Throttled
	}
	if q := l.Quota; q != nil {
		c := m.quota(*q, now)
		if c.used >= q.Quota.Limit {
			return QuotaExceeded
		}
		c.used++
	}
	for _, bl := range l.Buckets {
		m.buckets[bl.Key].tokens--
	}
	if l.UsageKey != "" {
		m.usage[l.UsageKey+"/"+DayOf(now)]++
	}
	return Allow
}

// quota is the count of the quota's period at now; the caller holds m.mu.
func (m *Memory) quota(q QuotaLimit, now time.Time) *quotaCount {
	start := q.Quota.PeriodStart(now)
	c, ok := m.quotas[q.Key]
	if !ok || !c.period.Equal(start) {
		c = &quotaCount{period: start}
		m.quotas[q.Key] = c
	}
	return c
}

// QuotaUsed reads the period's count.
func (m *Memory) QuotaUsed(_ context.Context, q QuotaLimit, now time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.quota(q, now).used, nil
}

// SetQuotaUsed sets the period's count.
func (m *Memory) SetQuotaUsed(_ context.Context, q QuotaLimit, used int64, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.quota(q, now).used = used
	return nil
}

// Usage returns the admitted requests counted under key on each of days.
func (m *Memory) Usage(_ context.Context, key string, days []string) ([]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]int64, len(days))
	for i, d := range days {
		out[i] = m.usage[key+"/"+d]
	}
	return out, nil
}

// DayOf names the UTC day of t as the usage report does: 2006-01-02.
func DayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }
