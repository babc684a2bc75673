package ratelimit

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
)

// Limiter decides requests against the limits of the routes it knows. Both of Tollgate's enforcement points use
// it: the API key check decides the methods that require a key in the same call that admits the key (so Envoy
// makes one call for such a request, not two), and the rate-limit service decides the others.
type Limiter struct {
	state atomic.Pointer[limiterState]
	store Store
	now   func() time.Time
}

// limiterState is what one snapshot tells the limiter: the limits, and what a failing store means. They change
// together, with the snapshot Envoy is sent, so Envoy and the limiter never apply different failure modes.
type limiterState struct {
	table *Table
	// failClosed refuses requests while the store fails; open (the default, as Envoy's) admits them.
	failClosed bool
	timeout    time.Duration
}

// DefaultTimeout bounds each decision against the store.
const DefaultTimeout = 20 * time.Millisecond

// NewLimiter returns a limiter with no limits yet, keeping state in store.
func NewLimiter(store Store) *Limiter {
	l := &Limiter{store: store, now: time.Now}
	l.state.Store(&limiterState{table: &Table{}, timeout: DefaultTimeout})
	return l
}

// SetSnapshot replaces the limits and the failure settings; counts are kept, by key, across the change.
func (l *Limiter) SetSnapshot(snap *ir.Snapshot) {
	timeout := time.Duration(snap.RateLimit.Timeout)
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	l.state.Store(&limiterState{table: NewTable(snap), failClosed: snap.RateLimit.FailClosed, timeout: timeout})
}

// Decide takes a request on a route, admitted with an API key of a usage plan (both "" when the method requires
// no key), through every limit that applies to it. A route without limits is allowed; a store that fails or
// does not answer within the timeout allows or throttles as the failure mode says.
func (l *Limiter) Decide(ctx context.Context, route, keyID, planID string) Decision {
	st := l.state.Load()
	limits, ok := st.table.Limits(route, keyID, planID)
	if !ok {
		return Allow
	}
	ctx, cancel := context.WithTimeout(ctx, st.timeout)
	defer cancel()
	decision, err := l.store.Decide(ctx, limits, l.now())
	if err != nil {
		if st.failClosed {
			return Throttled
		}
		return Allow
	}
	return decision
}

// Response is API Gateway's answer to a refused request: THROTTLED or QUOTA_EXCEEDED.
func (d Decision) Response() gatewayresponse.Response {
	if d == QuotaExceeded {
		return gatewayresponse.Default(gatewayresponse.QuotaExceeded)
	}
	return gatewayresponse.Default(gatewayresponse.Throttled)
}
