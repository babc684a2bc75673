package ratelimit

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
)

// Limiter decides requests against the limits of the routes it knows. Both of Tollgate's enforcement points use
// it: the API key check decides the methods that require a key in the same call that admits the key (so Envoy
// makes one call for such a request, not two), and the rate-limit service decides the others.
type Limiter struct {
	table atomic.Pointer[Table]
	store Store
	now   func() time.Time
	// failClosed refuses requests while the store fails; open (the default, as Envoy's) admits them.
	failClosed bool
	timeout    time.Duration
}

// DefaultTimeout bounds each decision against the store.
const DefaultTimeout = 20 * time.Millisecond

// NewLimiter returns a limiter with no limits yet, keeping state in store; failClosed says what a store failure
// means, and timeout bounds every decision (0: DefaultTimeout).
func NewLimiter(store Store, failClosed bool, timeout time.Duration) *Limiter {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	l := &Limiter{store: store, now: time.Now, failClosed: failClosed, timeout: timeout}
	l.table.Store(&Table{})
	return l
}

// SetTable replaces the limits; counts are kept, by key, across the change.
func (l *Limiter) SetTable(t *Table) { l.table.Store(t) }

// Decide takes a request on a route, admitted with an API key of a usage plan (both "" when the method requires
// no key), through every limit that applies to it. A route without limits is allowed; a store that fails or
// does not answer within the timeout allows or throttles as the failure mode says.
func (l *Limiter) Decide(ctx context.Context, route, keyID, planID string) Decision {
	limits, ok := l.table.Load().Limits(route, keyID, planID)
	if !ok {
		return Allow
	}
	ctx, cancel := context.WithTimeout(ctx, l.timeout)
	defer cancel()
	decision, err := l.store.Decide(ctx, limits, l.now())
	if err != nil {
		if l.failClosed {
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
