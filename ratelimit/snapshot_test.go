package ratelimit

import "github.com/tollgate-gw/tollgate/internal/ir"

// limitedRoute is a route of API a1's stage prod with the given limits, as ir.Build makes them.
func limitedRoute(name, method string, limits ir.Limits) *ir.Route {
	return &ir.Route{Name: name, Method: ir.Method{APIID: "a1", Stage: "prod", Resource: "/pets", HTTPMethod: method}, Limits: &limits}
}

// snapshotOf is a snapshot serving the routes under one API.
func snapshotOf(routes ...*ir.Route) *ir.Snapshot {
	return &ir.Snapshot{APIs: []ir.API{{ID: "a1", Routes: routes}}}
}

func throttleOf(rate float64, burst int) *ir.Throttle {
	return &ir.Throttle{RateLimit: rate, BurstLimit: burst}
}
