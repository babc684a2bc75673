package translate

import (
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"strconv"
	"strings"
	"time"

	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// httpProxy routes the method to its backend: Envoy rewrites the path (filling URI placeholders from the
// request's path parameters by regex captures), sets the backend's Host and applies the timeout; method, other
// headers, body and query string pass through untouched.
func (t *translator) httpProxy(out *route.Route, r *ir.Route) {
	p := r.HTTPProxy
	out.Action = &route.Route_Route{Route: &route.RouteAction{
		ClusterSpecifier:     &route.RouteAction_Cluster{Cluster: t.cluster(p.Backend)},
		Timeout:              durationpb.New(time.Duration(p.Timeout)),
		HostRewriteSpecifier: &route.RouteAction_HostRewriteLiteral{HostRewriteLiteral: p.Host},
		RegexRewrite: &matcher.RegexMatchAndSubstitute{
			Pattern:      &matcher.RegexMatcher{Regex: r.PathRegex},
			Substitution: substitution(p.Path),
		},
	}}
	for _, h := range p.Headers {
		hv := setHeader(h.Name, mappedFormatter(h))
		if h.Append {
			hv.AppendAction = core.HeaderValueOption_APPEND_IF_EXISTS_OR_ADD
		}
		out.RequestHeadersToAdd = append(out.RequestHeadersToAdd, hv)
	}
	out.RequestHeadersToRemove = append(out.RequestHeadersToRemove, p.RemoveHeaders...)
}

// substitution is the backend path as a regex substitution: literal text, and \N for a path parameter.
func substitution(path []ir.PathPart) string {
	var b strings.Builder
	for _, part := range path {
		if part.Capture > 0 {
			b.WriteString(`\` + strconv.Itoa(part.Capture))
		} else {
			b.WriteString(strings.ReplaceAll(part.Literal, `\`, `\\`))
		}
	}
	return b.String()
}

// mappedFormatter is a mapping's value as an Envoy formatter string: its source's, or its parts' in order.
func mappedFormatter(m ir.HeaderMapping) string {
	if len(m.Parts) == 0 {
		return formatterValue(m.Source)
	}
	var b strings.Builder
	for _, part := range m.Parts {
		b.WriteString(formatterValue(part))
	}
	return b.String()
}

// formatterValue is a mapped value as an Envoy header value (a formatter string).
func formatterValue(src ir.ValueSource) string {
	switch src.Kind {
	case ir.RequestHeader:
		return "%REQ(" + src.Value + ")%"
	case ir.QueryParameter:
		return "%QUERY_PARAM(" + src.Value + ")%"
	case ir.RequestID:
		return "%REQ(X-REQUEST-ID)%"
	case ir.HTTPMethod:
		return "%REQ(:METHOD)%"
	case ir.SourceIP:
		return "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"
	case ir.JWTClaim:
		return "%DYNAMIC_METADATA(" + names.JWTFilter + ":" + names.JWTPayloadField + ":" + src.Value + ")%"
	case ir.AuthorizerValue:
		// ext_authz files its metadata under its extension's name, whichever of the two check filters set it; a
		// nested value (claims.email of a Cognito authorizer) is a path of keys.
		return "%DYNAMIC_METADATA(" + names.ExtAuthzFilter + ":" + names.AuthorizerField + ":" + strings.ReplaceAll(src.Value, ".", ":") + ")%"
	}
	return escapeFormatter(src.Value)
}
