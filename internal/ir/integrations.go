package ir

import (
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/lambdauri"
	"github.com/tollgate-gw/tollgate/internal/stagevars"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// DefaultTimeout is a REST API's integration timeout when timeoutInMillis is not set; an HTTP API's is
// DefaultHTTPAPITimeout.
const (
	DefaultTimeout        = 29 * time.Second
	DefaultHTTPAPITimeout = 30 * time.Second
)

// timeout is the integration's timeout; the model check has kept it within API Gateway's 50 to 29000 ms (30000
// for an HTTP API).
func timeout(s stageContext, integ *tollgatev1.Integration) Duration {
	switch ms := integ.GetTimeoutInMillis(); {
	case ms != 0:
		return Duration(time.Duration(ms) * time.Millisecond)
	case isHTTPAPI(s.api):
		return Duration(DefaultHTTPAPITimeout)
	}
	return Duration(DefaultTimeout)
}

// httpProxy resolves an HTTP_PROXY integration for one stage: the backend, the path with its placeholders filled
// from the request's path parameters, and the header mappings.
func (b *builder) httpProxy(s stageContext, pr parsedResource, integ *tollgatev1.Integration) *HTTPProxy {
	be, host, path, ok := b.httpBackend(s, integ)
	if !ok {
		return nil
	}
	at := integ.GetSourcePointer()
	return &HTTPProxy{
		Backend:         be,
		Host:            host,
		Path:            b.backendPath(s, at, path, pr, integ.GetRequestParameters()),
		RequestMappings: RequestMappings{Headers: b.headerMappings(s, at, integ.GetRequestParameters())},
		Timeout:         timeout(s, integ),
	}
}

// httpBackend resolves an HTTP or HTTP_PROXY integration's backend for one stage: where Envoy connects (a VPC
// link's address, if the integration goes through one), what it verifies and sends as SNI, the Host header the
// backend gets (the URI's authority), and the URI's path with its {placeholders}.
func (b *builder) httpBackend(s stageContext, integ *tollgatev1.Integration) (be Backend, host, path string, ok bool) {
	at := integ.GetSourcePointer()
	uri, missing := stagevars.Expand(integ.GetUri(), s.stage.GetVariables())
	if len(missing) > 0 {
		b.stageVariableProblem(s, at+"/uri", "uri", missing)
		return be, "", "", false
	}
	be, path, err := parseBackendURI(uri)
	if err != nil {
		b.probs.Addf(s.file(), at+"/uri", "%v", err)
		return be, "", "", false
	}
	if strings.ContainsAny(path, "?#") {
		b.probs.Addf(s.file(), at+"/uri", "uri %q has a query string or fragment: that is not supported yet; map query parameters with requestParameters", uri)
		return be, "", "", false
	}
	host = be.Authority()
	if tls := integ.GetTlsConfig(); tls != nil && be.Scheme == "https" {
		if name := tls.GetServerNameToVerify(); name != "" {
			be.ServerName = strings.ToLower(name)
		}
		be.SkipChainVerification = tls.GetInsecureSkipVerification()
	}
	if integ.GetConnectionType() == tollgatev1.ConnectionType_CONNECTION_TYPE_VPC_LINK {
		addr, ok := b.vpcLink(s, at, integ.GetConnectionId())
		if !ok {
			return be, "", "", false
		}
		be.Host, be.Port = addr.Host, addr.Port
	}
	return be, host, path, true
}

// vpcLink resolves an integration's connectionId, stage variables expanded, to the address the config's vpcLinks
// gives it.
func (b *builder) vpcLink(s stageContext, at, connectionID string) (Backend, bool) {
	id, missing := stagevars.Expand(connectionID, s.stage.GetVariables())
	if len(missing) > 0 {
		b.stageVariableProblem(s, at+"/connectionId", "connectionId", missing)
		return Backend{}, false
	}
	addr, ok := b.settings.VPCLinks[id]
	if !ok {
		b.probs.Addf(s.file(), at+"/connectionId", "VPC link %q (stage %q) is not in the config's vpcLinks: add \"%s\": host:port, the private backend behind it", id, s.stage.GetStageName(), id)
		return Backend{}, false
	}
	host, portText, err := net.SplitHostPort(addr)
	port, perr := strconv.ParseUint(portText, 10, 16)
	if err != nil || perr != nil || port == 0 || host == "" {
		b.probs.Addf(s.file(), at+"/connectionId", "VPC link %q: address %q is not host:port", id, addr)
		return Backend{}, false
	}
	return Backend{Host: strings.ToLower(host), Port: uint32(port)}, true
}

// parseBackendURI splits an absolute http(s) URI by hand rather than with net/url, which would percent-encode the
// {placeholders} in the path. The path keeps any query string for the caller to judge.
func parseBackendURI(uri string) (Backend, string, error) {
	var be Backend
	scheme, rest, ok := strings.Cut(uri, "://")
	be.Scheme = strings.ToLower(scheme)
	if !ok || (be.Scheme != "http" && be.Scheme != "https") {
		return be, "", fmt.Errorf("uri %q must be an absolute http:// or https:// URL", uri)
	}
	authority, path := rest, "/"
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, path = rest[:i], rest[i:]
		if path[0] != '/' {
			path = "/" + path
		}
	}
	if authority == "" || strings.ContainsAny(authority, "{}@") {
		return be, "", fmt.Errorf("uri %q: the host must be a literal host[:port] (placeholders and user info are not allowed there)", uri)
	}
	host, portText, err := net.SplitHostPort(authority)
	if err != nil {
		host, portText = authority, map[string]string{"http": "80", "https": "443"}[be.Scheme]
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 || host == "" {
		return be, "", fmt.Errorf("uri %q: invalid host or port %q", uri, authority)
	}
	be.Host, be.Port = strings.ToLower(host), uint32(port)
	if be.Scheme == "https" {
		be.ServerName = be.Host
	}
	return be, path, nil
}

// backendPath splits the backend path into literal text and the path parameter captures that requestParameters
// map onto its {placeholders}.
func (b *builder) backendPath(s stageContext, at, path string, pr parsedResource, params map[string]string) []PathPart {
	var parts []PathPart
	literal := 0 // start of the text not yet in parts
	for i := 0; i < len(path); i++ {
		name, ok := placeholderAt(path, i)
		if !ok {
			continue
		}
		if i > literal {
			parts = append(parts, PathPart{Literal: path[literal:i]})
		}
		literal = i + len(name) + 2
		if capture, ok := b.placeholderCapture(s, at, name, pr, params); ok {
			parts = append(parts, PathPart{Capture: capture})
		}
		i = literal - 1
	}
	if literal < len(path) {
		parts = append(parts, PathPart{Literal: path[literal:]})
	}
	return parts
}

// placeholderAt reads a URI placeholder, {name} with a name of [A-Za-z0-9_.-], starting at path[i].
func placeholderAt(path string, i int) (string, bool) {
	if path[i] != '{' {
		return "", false
	}
	end := strings.IndexByte(path[i+1:], '}')
	if end <= 0 {
		return "", false
	}
	name := path[i+1 : i+1+end]
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return "", false
		}
	}
	return name, true
}

// placeholderCapture is the capture of the path parameter that requestParameters map onto a placeholder.
func (b *builder) placeholderCapture(s stageContext, at, name string, pr parsedResource, params map[string]string) (int, bool) {
	if isHTTPAPI(s.api) {
		// An HTTP API fills a placeholder with the route's path parameter of the same name.
		if i := slices.Index(pr.params, name); i >= 0 {
			return i + 1, true
		}
		b.probs.Addf(s.file(), at+"/uri", "uri placeholder {%s} names no path parameter of route %s", name, pr.res.GetPath())
		return 0, false
	}
	key := "integration.request.path." + name
	source, ok := params[key]
	if !ok {
		b.probs.Addf(s.file(), at+"/uri", "uri placeholder {%s} has no mapping: add requestParameters %q: \"method.request.path.%s\"", name, key, name)
		return 0, false
	}
	param, isPath := strings.CutPrefix(source, "method.request.path.")
	switch i := slices.Index(pr.params, param); {
	case !isPath:
		b.probs.Addf(s.file(), at+diag.Pointer("requestParameters", key), "filling a uri path placeholder from %q is not supported yet: only method.request.path.* can fill one", source)
	case i < 0:
		b.probs.Addf(s.file(), at+diag.Pointer("requestParameters", key), "%q names no path parameter of resource %s", source, pr.res.GetPath())
	default:
		return i + 1, true
	}
	return 0, false
}

// headerMappings resolves integration.request.header.* mappings; the model check has rejected every other target.
func (b *builder) headerMappings(s stageContext, at string, params map[string]string) []HeaderMapping {
	var out []HeaderMapping
	for _, key := range sortedKeys(params) {
		name, isHeader := strings.CutPrefix(key, "integration.request.header.")
		if !isHeader {
			continue
		}
		source, err := mappingSource(params[key], s)
		if err != nil {
			b.probs.Addf(s.file(), at+diag.Pointer("requestParameters", key), "%v", err)
			continue
		}
		out = append(out, HeaderMapping{Name: name, Source: source})
	}
	return out
}

// mappingSource reads a mapping expression, resolving what the stage fixes.
func mappingSource(expr string, s stageContext) (ValueSource, error) {
	switch {
	case len(expr) >= 2 && strings.HasPrefix(expr, "'") && strings.HasSuffix(expr, "'"):
		return ValueSource{Kind: Static, Value: expr[1 : len(expr)-1]}, nil
	case strings.HasPrefix(expr, "method.request.header."):
		return ValueSource{Kind: RequestHeader, Value: strings.TrimPrefix(expr, "method.request.header.")}, nil
	case strings.HasPrefix(expr, "method.request.querystring."):
		return ValueSource{Kind: QueryParameter, Value: strings.TrimPrefix(expr, "method.request.querystring.")}, nil
	case strings.HasPrefix(expr, "stageVariables."):
		return ValueSource{Kind: Static, Value: s.stage.GetVariables()[strings.TrimPrefix(expr, "stageVariables.")]}, nil
	case expr == "context.requestId":
		return ValueSource{Kind: RequestID}, nil
	case expr == "context.stage":
		return ValueSource{Kind: Static, Value: s.stage.GetStageName()}, nil
	case expr == "context.apiId":
		return ValueSource{Kind: Static, Value: s.api.GetId()}, nil
	case expr == "context.httpMethod":
		return ValueSource{Kind: HTTPMethod}, nil
	case expr == "context.identity.sourceIp":
		return ValueSource{Kind: SourceIP}, nil
	case strings.HasPrefix(expr, "context.authorizer.") && len(expr) > len("context.authorizer."):
		return ValueSource{Kind: AuthorizerValue, Value: strings.TrimPrefix(expr, "context.authorizer.")}, nil
	}
	return ValueSource{}, fmt.Errorf("mapping expression %q is not supported yet for a header (supported: 'static', method.request.header.X, method.request.querystring.X, stageVariables.X, context.requestId|stage|apiId|httpMethod|identity.sourceIp, context.authorizer.X)", expr)
}

// vtlSyntax spots a Velocity reference ($x, ${x}, $!x) or directive (#set, #if, ##comment) in a template. Static
// templates are served by Envoy directly; templates with VTL need the mapping service.
var vtlSyntax = regexp.MustCompile(`\$!?\{?[A-Za-z]|#(set|if|elseif|else|end|foreach|break|stop|macro|define|evaluate|parse|include|#|\*)`)

// mock resolves a MOCK integration with static templates: the request template's statusCode selects the
// integration response, whose template and static headers make the answer. Without a matching integration
// response AWS answers with a configuration error.
func (b *builder) mock(s stageContext, integ *tollgatev1.Integration) (*Mock, gatewayresponse.Type) {
	file, at := s.file(), integ.GetSourcePointer()
	n := len(b.probs)
	status := b.mockStatus(file, at, integ.GetRequestTemplates())
	if len(b.probs) > n {
		return nil, ""
	}
	pattern, resp := selectResponse(integ.GetResponses(), strconv.Itoa(status))
	if resp == nil {
		return nil, gatewayresponse.APIConfigurationError
	}
	respAt := at + diag.Pointer("responses", pattern)
	m := &Mock{Status: 200, Headers: map[string]string{"content-type": "application/json"}}
	if sc := resp.GetStatusCode(); sc != "" {
		v, err := strconv.ParseUint(sc, 10, 32)
		if err != nil || v < 100 || v > 599 {
			b.probs.Addf(file, respAt+"/statusCode", "invalid statusCode %q: want an HTTP status code", sc)
			return nil, ""
		}
		m.Status = uint32(v)
	}
	contentType, body := pickTemplate(resp.GetResponseTemplates())
	m.Body = body
	if contentType != "" {
		m.Headers["content-type"] = contentType
	}
	for _, name := range sortedKeys(resp.GetResponseParameters()) {
		source := resp.GetResponseParameters()[name]
		header, ok := strings.CutPrefix(name, "method.response.header.")
		if !ok {
			b.probs.Addf(file, respAt+diag.Pointer("responseParameters", name), "invalid response parameter %q: want method.response.header.NAME", name)
			continue
		}
		m.Headers[strings.ToLower(header)] = source[1 : len(source)-1]
	}
	if len(b.probs) > n {
		return nil, ""
	}
	return m, ""
}

// mockStatus reads {"statusCode": N} from the request template: the one template, or several alike (others go
// to the mapping service, see mockNeedsMapping).
func (b *builder) mockStatus(file, at string, templates map[string]string) int {
	status := 200
	for _, ct := range sortedKeys(templates) {
		tpl := templates[ct]
		ptr := at + diag.Pointer("requestTemplates", ct)
		if strings.TrimSpace(tpl) == "" {
			continue
		}
		var v struct {
			StatusCode json.Number `json:"statusCode"`
		}
		if err := json.Unmarshal([]byte(tpl), &v); err != nil || v.StatusCode == "" {
			b.probs.Addf(file, ptr, "a MOCK request template must be a JSON object with a numeric statusCode, like {\"statusCode\": 200}")
			return 0
		}
		code, err := strconv.Atoi(string(v.StatusCode))
		if err != nil {
			b.probs.Addf(file, ptr, "statusCode %s is not an integer", v.StatusCode)
			return 0
		}
		status = code
	}
	return status
}

// selectResponse picks the integration response whose selection pattern matches the whole status code, else the
// default one. Patterns are tried in sorted order so the choice is stable.
func selectResponse(responses map[string]*tollgatev1.IntegrationResponse, status string) (string, *tollgatev1.IntegrationResponse) {
	for _, pattern := range sortedKeys(responses) {
		if pattern == "default" {
			continue
		}
		if re, err := regexp.Compile("^(?:" + pattern + ")$"); err == nil && re.MatchString(status) {
			return pattern, responses[pattern]
		}
	}
	if d, ok := responses["default"]; ok {
		return "default", d
	}
	return "", nil
}

// pickTemplate chooses the response template for application/json, API Gateway's default content type, else the
// first one in sorted order.
func pickTemplate(templates map[string]string) (contentType, body string) {
	if body, ok := templates["application/json"]; ok {
		return "application/json", body
	}
	keys := sortedKeys(templates)
	if len(keys) == 0 {
		return "", ""
	}
	return keys[0], templates[keys[0]]
}

// lambda resolves a Lambda proxy integration for one stage: the function its URI names, where to invoke it, and
// what the event reports.
func (b *builder) lambda(s stageContext, integ *tollgatev1.Integration) *Lambda {
	fn, invoke, ok := b.function(s, integ.GetSourcePointer()+"/uri", "uri", integ.GetUri())
	if !ok {
		return nil
	}
	be, invokePath, err := parseBackendURI(invoke)
	if err != nil {
		b.probs.Addf(s.file(), integ.GetSourcePointer()+"/uri", "function %q: %v", fn.Name, err)
		return nil
	}
	l := &Lambda{
		Backend: be, InvokePath: invokePath, Timeout: timeout(s, integ),
		PayloadFormatVersion: integ.GetPayloadFormatVersion(), AccountID: fn.Account,
		StageVariables: s.stage.GetVariables(), BinaryMediaTypes: s.api.GetBinaryMediaTypes(),
	}
	if l.PayloadFormatVersion == "" {
		l.PayloadFormatVersion = "1.0"
	}
	if isAWSEndpoint(be.Host) {
		l.SigningRegion = b.settings.Lambda.Region
	}
	return l
}

// function resolves a Lambda function URI (an integration's uri or an authorizer's authorizerUri, written at at)
// for a stage: the function, and the Invoke API URL Tollgate calls it at.
func (b *builder) function(s stageContext, at, what, uri string) (lambdauri.Function, string, bool) {
	uri, missing := stagevars.Expand(uri, s.stage.GetVariables())
	if len(missing) > 0 {
		b.stageVariableProblem(s, at, what, missing)
		return lambdauri.Function{}, "", false
	}
	fn, err := lambdauri.Parse(uri)
	if err != nil {
		b.probs.Addf(s.file(), at, "%v", err)
		return lambdauri.Function{}, "", false
	}
	settings := b.settings.Lambda
	if _, listed := settings.Functions[fn.Name]; !listed && settings.Endpoint == "" {
		b.probs.Addf(s.file(), at, "unknown Lambda function %q (stage %q): add it under lambda.functions in the config, or set lambda.endpoint", fn.Name, s.stage.GetStageName())
		return lambdauri.Function{}, "", false
	}
	return fn, fn.InvokeURL(settings.Endpoint, settings.Functions), true
}

func isAWSEndpoint(host string) bool {
	return strings.HasSuffix(host, ".amazonaws.com") || strings.HasSuffix(host, ".amazonaws.com.cn")
}
