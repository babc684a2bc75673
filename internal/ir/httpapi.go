package ir

import (
	"regexp"
	"slices"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// An HTTP API (API Gateway v2) lowers into the same routes as a REST API, with its own rules: its $default stage is
// served at the root, and after every other stage; its $default route takes what no other route of its stage
// matches; a request no route matches is a 404; its errors have bodies of their own.

// DefaultRoute is the resource of an HTTP API's $default route in the IR (its definition writes it /$default).
const DefaultRoute = "$default"

// defaultRoutePath is how an HTTP API's export writes the $default route's resource.
const defaultRoutePath = "/$default"

func isHTTPAPI(api *tollgatev1.RestApi) bool {
	return api.GetProtocolType() == tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP
}

// RouteKey is the route's key as an HTTP API names it: "GET /pets/{petId}", "ANY /{proxy+}", or "$default".
func (m Method) RouteKey() string {
	if m.Resource == DefaultRoute {
		return DefaultRoute
	}
	return m.HTTPMethod + " " + m.Resource
}

// servedStages puts an HTTP API's $default stage last: it takes the requests no other stage's path matches.
func servedStages(api *tollgatev1.RestApi) []*tollgatev1.Stage {
	stages := slices.Clone(api.GetStages())
	if isHTTPAPI(api) {
		slices.SortStableFunc(stages, func(a, b *tollgatev1.Stage) int {
			return boolOrder(a.GetStageName() == DefaultStage) - boolOrder(b.GetStageName() == DefaultStage)
		})
	}
	return stages
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// httpAPIRoutes lists an HTTP API stage's routes in match order: the REST API's order of paths and methods, with
// the $default route last, then the 404 for what it does not take.
func (b *builder) httpAPIRoutes(s stageContext, resources []parsedResource) []*Route {
	prefix := regexp.QuoteMeta(Method{Stage: s.stage.GetStageName()}.StagePath())
	var routes, fallback []*Route
	for _, pr := range resources {
		if pr.res.GetPath() == defaultRoutePath {
			catchAll := parsedResource{res: &tollgatev1.Resource{Path: DefaultRoute, Methods: pr.res.GetMethods()}}
			for _, m := range pr.res.GetMethods() {
				if r := b.methodRoute(s, catchAll, m, "^"+prefix+"(/.*)?$"); r != nil {
					fallback = append(fallback, r)
				}
			}
			continue
		}
		regex := pr.tpl.RegexUnder(prefix)
		hasAny := false
		for _, m := range orderedMethods(pr.res.GetMethods()) {
			hasAny = hasAny || m.GetHttpMethod() == "ANY"
			if r := b.methodRoute(s, pr, m, regex); r != nil {
				routes = append(routes, r)
			}
		}
		if !hasAny && pr.shadows {
			// A method this path lacks must not fall through to a later path that would take it.
			routes = append(routes, notFoundRoute(s, pr.res.GetPath(), regex, pr.params))
		}
	}
	if fallback == nil {
		fallback = []*Route{notFoundRoute(s, DefaultRoute, "^"+prefix+"(/.*)?$", nil)}
	}
	routes = append(routes, fallback...)
	for _, r := range routes {
		r.HTTPAPI = true
	}
	return routes
}

// notFoundRoute answers an HTTP API's 404 for requests to path that no route takes.
func notFoundRoute(s stageContext, path, regex string, params []string) *Route {
	method := Method{APIID: s.api.GetId(), Stage: s.stage.GetStageName(), Resource: path, HTTPMethod: "*"}
	return &Route{Name: routeName(method), Method: method, PathRegex: regex, PathParams: params,
		GatewayResponse: gatewayresponse.NotFound}
}
