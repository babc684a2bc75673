// Package lambda is the ext_proc feature of Lambda proxy integrations: Envoy makes the Invoke call, and this
// service turns the client's request into the proxy event and the function's answer into the client's response.
package lambda

import (
	"fmt"
	"time"

	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/ir"
)

// Service serves the snapshot's Lambda proxy routes.
type Service struct{}

// route is a Lambda proxy route as an exchange needs it: the snapshot's route, its Lambda integration, and its
// path pattern compiled once.
type route struct {
	*ir.Route
	*ir.Lambda
	paths *ir.PathMatcher
	// trustedHops is how many proxies before Envoy append to X-Forwarded-For (identity.sourceIp).
	trustedHops int
}

// Routes are the snapshot's Lambda proxy routes.
func (Service) Routes(snap *ir.Snapshot) (map[string]processor.Start, error) {
	routes := map[string]processor.Start{}
	for _, r := range snap.Routes() {
		if r.Lambda == nil {
			continue
		}
		paths, err := ir.NewPathMatcher(r)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", r.Name, err)
		}
		rt := &route{Route: r, Lambda: r.Lambda, paths: paths, trustedHops: int(snap.TrustedProxyHops)}
		routes[r.Name] = func(received time.Time) processor.Exchange { return newLambdaExchange(rt, received) }
	}
	return routes, nil
}
