package translate

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// An HTTP API's CORS configuration is served by Envoy's routes alone. A route at the top of the API's virtual host
// answers every preflight request from an allowed origin (OPTIONS with Origin and Access-Control-Request-Method,
// whatever the path) with 204 and the configured headers, as API Gateway answers them itself, OPTIONS route or
// not. Each route an integration answers has a twin before it for requests from an allowed origin, which adds the
// CORS headers to the integration's response; both drop the integration's own, which API Gateway ignores.

// corsResponseHeaders are the CORS headers of a response.
var corsResponseHeaders = []string{"access-control-allow-origin", "access-control-allow-credentials", "access-control-expose-headers",
	"access-control-allow-methods", "access-control-allow-headers", "access-control-max-age"}

// allowedOrigin matches the Origin header of a request from an origin the configuration allows: one named, or one
// of a scheme with a wildcard (https://*), or any for *.
func allowedOrigin(c *ir.CORS) *route.HeaderMatcher {
	var alternatives []string
	for _, o := range c.AllowOrigins {
		if scheme, ok := strings.CutSuffix(o, "*"); ok {
			alternatives = append(alternatives, regexp.QuoteMeta(scheme)+".+")
		} else {
			alternatives = append(alternatives, regexp.QuoteMeta(o))
		}
	}
	return &route.HeaderMatcher{Name: "origin", HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{StringMatch: &matcher.StringMatcher{
		MatchPattern: &matcher.StringMatcher_SafeRegex{SafeRegex: &matcher.RegexMatcher{Regex: "(" + strings.Join(alternatives, "|") + ")"}},
	}}}
}

// allowOriginValue is Access-Control-Allow-Origin's value: * when any origin is allowed, else the request's.
func allowOriginValue(c *ir.CORS) string {
	if slices.Contains(c.AllowOrigins, "*") {
		return "*"
	}
	return "%REQ(origin)%"
}

// corsPreflight answers the preflight requests of an API with a CORS configuration.
func corsPreflight(api *ir.API) *route.Route {
	c := api.CORS
	present := func(name string) *route.HeaderMatcher {
		return &route.HeaderMatcher{Name: name, HeaderMatchSpecifier: &route.HeaderMatcher_PresentMatch{PresentMatch: true}}
	}
	m := prefixMatch("/")
	m.Headers = []*route.HeaderMatcher{
		{Name: ":method", HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{StringMatch: &matcher.StringMatcher{
			MatchPattern: &matcher.StringMatcher_Exact{Exact: "OPTIONS"}}}},
		present("access-control-request-method"),
		allowedOrigin(c),
	}
	r := &route.Route{Name: names.APIVirtualHost(api.ID) + "_cors_preflight", Match: m,
		Action: &route.Route_DirectResponse{DirectResponse: &route.DirectResponseAction{Status: 204}}}
	r.ResponseHeadersToAdd = append(r.ResponseHeadersToAdd, setHeader("access-control-allow-origin", allowOriginValue(c)))
	if len(c.AllowMethods) > 0 {
		r.ResponseHeadersToAdd = append(r.ResponseHeadersToAdd, setHeader("access-control-allow-methods", escapeFormatter(strings.Join(c.AllowMethods, ","))))
	}
	if len(c.AllowHeaders) > 0 {
		r.ResponseHeadersToAdd = append(r.ResponseHeadersToAdd, setHeader("access-control-allow-headers", escapeFormatter(strings.Join(c.AllowHeaders, ","))))
	}
	if c.MaxAge != nil {
		r.ResponseHeadersToAdd = append(r.ResponseHeadersToAdd, setHeader("access-control-max-age", strconv.Itoa(int(*c.MaxAge))))
	}
	if c.AllowCredentials {
		r.ResponseHeadersToAdd = append(r.ResponseHeadersToAdd, setHeader("access-control-allow-credentials", "true"))
	}
	return r
}

// withCORS gives a route an integration answers its twin for CORS requests, first: the route and its twin.
func withCORS(api *ir.API, out *route.Route) []*route.Route {
	c := api.CORS
	out.ResponseHeadersToRemove = append(out.ResponseHeadersToRemove, corsResponseHeaders...)
	twin := proto.Clone(out).(*route.Route)
	twin.Match.Headers = append(twin.Match.Headers, allowedOrigin(c))
	twin.ResponseHeadersToAdd = append(twin.ResponseHeadersToAdd, setHeader("access-control-allow-origin", allowOriginValue(c)))
	if c.AllowCredentials {
		twin.ResponseHeadersToAdd = append(twin.ResponseHeadersToAdd, setHeader("access-control-allow-credentials", "true"))
	}
	if len(c.ExposeHeaders) > 0 {
		twin.ResponseHeadersToAdd = append(twin.ResponseHeadersToAdd, setHeader("access-control-expose-headers", escapeFormatter(strings.Join(c.ExposeHeaders, ","))))
	}
	return []*route.Route{twin, out}
}
