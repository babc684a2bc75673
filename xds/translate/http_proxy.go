package translate

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/stagevars"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// DefaultTimeout is API Gateway's integration timeout when timeoutInMillis is not set.
const DefaultTimeout = 29 * time.Second

var uriPlaceholder = regexp.MustCompile(`\{([A-Za-z0-9_.\-]+)\}`)

// backend is an integration URI split into what picks the cluster and what rewrites the path.
type backend struct {
	scheme, host string
	port         uint32
	path         string // may hold {placeholders}
}

// httpProxy routes the method to its backend: Envoy rewrites the path (filling URI placeholders from the
// request's path parameters by regex captures), sets the backend's Host and applies the timeout; method, other
// headers, body and query string pass through untouched.
func (t *translator) httpProxy(r *route.Route, s stageContext, pr parsedResource, m *tollgatev1.Method, regex string) bool {
	integ := m.GetIntegration()
	file, at := s.api.GetSourceFile(), integ.GetSourcePointer()
	n := len(t.probs)

	if hm := strings.ToUpper(integ.GetHttpMethod()); hm != "" && hm != "ANY" && hm != m.GetHttpMethod() {
		t.probs.Addf(file, at+"/httpMethod", "httpMethod %s differs from the method (%s): changing the method of a proxied request is not supported yet; use ANY or %s", hm, m.GetHttpMethod(), m.GetHttpMethod())
	}
	uri, missing := stagevars.Expand(integ.GetUri(), s.stage.GetVariables())
	if len(missing) > 0 {
		t.probs.Addf(file, at+"/uri", "stage %q does not define stage variable(s) %s used in the uri", s.stage.GetStageName(), strings.Join(missing, ", "))
		return false
	}
	be, err := parseBackendURI(uri)
	if err != nil {
		t.probs.Addf(file, at+"/uri", "%v", err)
		return false
	}
	timeout, ok := t.timeout(file, at, integ)
	if !ok {
		return false
	}
	substitution := t.pathSubstitution(file, at, be.path, pr, integ.GetRequestParameters())
	headers := t.headerMappings(file, at, s, integ.GetRequestParameters())
	if len(t.probs) > n {
		return false
	}

	action := &route.RouteAction{
		ClusterSpecifier: &route.RouteAction_Cluster{Cluster: t.cluster(be)},
		Timeout:          durationpb.New(timeout),
		HostRewriteSpecifier: &route.RouteAction_HostRewriteLiteral{
			HostRewriteLiteral: be.authority(),
		},
		RegexRewrite: &matcher.RegexMatchAndSubstitute{
			Pattern:      &matcher.RegexMatcher{Regex: regex},
			Substitution: substitution,
		},
	}
	r.Action = &route.Route_Route{Route: action}
	r.RequestHeadersToAdd = headers
	return true
}

func (t *translator) timeout(file, at string, integ *tollgatev1.Integration) (time.Duration, bool) {
	ms := integ.GetTimeoutInMillis()
	if ms == 0 {
		return DefaultTimeout, true
	}
	if ms < 50 || ms > 29000 {
		t.probs.Addf(file, at+"/timeoutInMillis", "timeoutInMillis %d is out of range: API Gateway allows 50 to 29000", ms)
		return 0, false
	}
	return time.Duration(ms) * time.Millisecond, true
}

// parseBackendURI splits an absolute http(s) URI by hand rather than with net/url, which would percent-encode the
// {placeholders} in the path.
func parseBackendURI(uri string) (backend, error) {
	var be backend
	scheme, rest, ok := strings.Cut(uri, "://")
	be.scheme = strings.ToLower(scheme)
	if !ok || (be.scheme != "http" && be.scheme != "https") {
		return be, fmt.Errorf("uri %q must be an absolute http:// or https:// URL", uri)
	}
	authority, path := rest, "/"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if strings.ContainsAny(path, "?#") {
		return be, fmt.Errorf("uri %q has a query string or fragment: that is not supported yet; map query parameters with requestParameters", uri)
	}
	if authority == "" || strings.ContainsAny(authority, "{}@") {
		return be, fmt.Errorf("uri %q: the host must be a literal host[:port] (placeholders and user info are not allowed there)", uri)
	}
	host, portText, err := net.SplitHostPort(authority)
	if err != nil {
		host, portText = authority, map[string]string{"http": "80", "https": "443"}[be.scheme]
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 || host == "" {
		return be, fmt.Errorf("uri %q: invalid host or port %q", uri, authority)
	}
	be.host, be.port, be.path = strings.ToLower(host), uint32(port), path
	return be, nil
}

// authority is the Host header the backend expects: the port only when it is not the scheme's default.
func (b backend) authority() string {
	if (b.scheme == "http" && b.port == 80) || (b.scheme == "https" && b.port == 443) {
		return b.host
	}
	return net.JoinHostPort(b.host, strconv.Itoa(int(b.port)))
}

// pathSubstitution turns the backend path into a regex substitution: each {placeholder} becomes the capture
// group of the method path parameter that requestParameters maps onto it.
func (t *translator) pathSubstitution(file, at, path string, pr parsedResource, params map[string]string) string {
	groups := map[string]int{}
	for i, name := range pr.tpl.Params() {
		groups[name] = i + 1
	}
	escaped := strings.ReplaceAll(path, `\`, `\\`)
	return uriPlaceholder.ReplaceAllStringFunc(escaped, func(ph string) string {
		name := ph[1 : len(ph)-1]
		key := "integration.request.path." + name
		source, ok := params[key]
		if !ok {
			t.probs.Addf(file, at+"/uri", "uri placeholder %s has no mapping: add requestParameters %q: \"method.request.path.%s\"", ph, key, name)
			return ph
		}
		param, isPath := strings.CutPrefix(source, "method.request.path.")
		group, known := groups[param]
		switch {
		case !isPath:
			t.probs.Addf(file, at+diag.Pointer("requestParameters", key), "filling a uri path placeholder from %q is not supported yet: only method.request.path.* can fill one", source)
		case !known:
			t.probs.Addf(file, at+diag.Pointer("requestParameters", key), "%q names no path parameter of resource %s", source, pr.res.GetPath())
		default:
			return `\` + strconv.Itoa(group)
		}
		return ph
	})
}

// headerMappings turns integration.request.header.* mappings into headers Envoy adds on the way to the backend.
// The backend's own request headers pass through as they are; a mapping replaces a header of the same name.
func (t *translator) headerMappings(file, at string, s stageContext, params map[string]string) []*core.HeaderValueOption {
	var out []*core.HeaderValueOption
	for _, key := range sortedKeys(params) {
		target, source := key, params[key]
		ptr := at + diag.Pointer("requestParameters", key)
		switch {
		case strings.HasPrefix(target, "integration.request.path."):
			continue // filled into the URI by pathSubstitution
		case strings.HasPrefix(target, "integration.request.header."):
			name := strings.TrimPrefix(target, "integration.request.header.")
			value, err := headerValueSource(source, s)
			if err != nil {
				t.probs.Addf(file, ptr, "%v", err)
				continue
			}
			out = append(out, setHeader(name, value))
		case strings.HasPrefix(target, "integration.request.querystring."):
			t.probs.Addf(file, ptr, "mapping query string parameters is not supported yet: the client's query string is passed through as it is")
		default:
			t.probs.Addf(file, ptr, "invalid mapping target %q: want integration.request.{path|querystring|header}.NAME", target)
		}
	}
	return out
}

// headerValueSource translates a mapping expression into an Envoy header value (a formatter string).
func headerValueSource(source string, s stageContext) (string, error) {
	switch {
	case len(source) >= 2 && strings.HasPrefix(source, "'") && strings.HasSuffix(source, "'"):
		return escapeFormatter(source[1 : len(source)-1]), nil
	case strings.HasPrefix(source, "method.request.header."):
		return "%REQ(" + strings.TrimPrefix(source, "method.request.header.") + ")%", nil
	case strings.HasPrefix(source, "method.request.querystring."):
		return "%QUERY_PARAM(" + strings.TrimPrefix(source, "method.request.querystring.") + ")%", nil
	case strings.HasPrefix(source, "stageVariables."):
		return escapeFormatter(s.stage.GetVariables()[strings.TrimPrefix(source, "stageVariables.")]), nil
	case source == "context.requestId":
		return "%REQ(X-REQUEST-ID)%", nil
	case source == "context.stage":
		return escapeFormatter(s.stage.GetStageName()), nil
	case source == "context.apiId":
		return escapeFormatter(s.api.GetId()), nil
	case source == "context.httpMethod":
		return "%REQ(:METHOD)%", nil
	case source == "context.identity.sourceIp":
		return "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", nil
	}
	return "", fmt.Errorf("mapping expression %q is not supported yet for a header (supported: 'static', method.request.header.X, method.request.querystring.X, stageVariables.X, context.requestId|stage|apiId|httpMethod|identity.sourceIp)", source)
}
