package ir

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/vtl"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Mapping is a non-proxy integration served by Tollgate's mapping service: API Gateway's integration request
// (parameter mappings, a request template chosen by content type, the passthrough behaviour) and integration
// response (selected by the backend's status, with its header mappings and response template).
type Mapping struct {
	// HTTP is an HTTP (custom) integration's backend, Lambda an AWS (Lambda custom) integration's function; both
	// nil for a MOCK, which the service answers itself.
	HTTP   *MappedHTTP   `json:"http,omitempty"`
	Lambda *MappedLambda `json:"lambda,omitempty"`
	// Proxy is an HTTP_PROXY integration whose request parameters Envoy cannot map itself (a query string
	// parameter, a placeholder or header from another kind of source, a method of its own): the service maps
	// them onto the client's request, which otherwise passes through as it is, and its response too.
	Proxy bool `json:"proxy,omitempty"`
	// RequestTemplates are the mapping templates by content type (lower-case).
	RequestTemplates map[string]string `json:"requestTemplates,omitempty"`
	// Passthrough is the passthroughBehavior: WHEN_NO_MATCH, WHEN_NO_TEMPLATES or NEVER.
	Passthrough string `json:"passthrough"`
	// Parameters are the requestParameters, by target.
	Parameters []ParameterMapping `json:"parameters,omitempty"`
	// Responses are the integration responses in the order their selection patterns are tried, the default last.
	Responses      []IntegrationResponse `json:"responses,omitempty"`
	StageVariables map[string]string     `json:"stageVariables,omitempty"`
	// AccountID is reported as $context.accountId.
	AccountID string `json:"accountId,omitempty"`
	// Source names the integration where the definition writes it (file#pointer), for the logs of a template
	// that fails.
	Source string `json:"source"`
	// ContentHandling converts the request payload (CONVERT_TO_TEXT, CONVERT_TO_BINARY; "" for none), binary
	// being a Content-Type among BinaryMediaTypes, the API's.
	ContentHandling  string   `json:"contentHandling,omitempty"`
	BinaryMediaTypes []string `json:"binaryMediaTypes,omitempty"`
}

// MappedHTTP is where an HTTP integration sends the mapped request.
type MappedHTTP struct {
	Backend Backend `json:"backend"`
	// Host is the Host header the backend receives (see HTTPProxy.Host).
	Host string `json:"host"`
	// Method is the backend's HTTP method; "" keeps the client's.
	Method string `json:"method,omitempty"`
	// Path is the URI's path with its {placeholders}, which integration.request.path mappings fill.
	Path    string   `json:"path"`
	Timeout Duration `json:"timeout"`
}

// MappedLambda is the function an AWS integration invokes with the mapped request as its payload; the function's
// output is the integration response.
type MappedLambda struct {
	Backend    Backend `json:"backend"`
	InvokePath string  `json:"invokePath"`
	// SigningRegion is set when the endpoint is AWS's: Envoy signs the call with SigV4 for that region.
	SigningRegion string   `json:"signingRegion,omitempty"`
	Timeout       Duration `json:"timeout"`
}

// ParameterMapping sets a backend request's path placeholder, query string parameter or header.
type ParameterMapping struct {
	Target ParameterTarget `json:"target"`
	Name   string          `json:"name"`
	Source ValueSource     `json:"source"`
}

// ParameterTarget is what a parameter mapping sets.
type ParameterTarget string

// The targets of integration.request.{path,querystring,header}.NAME.
const (
	PathTarget        ParameterTarget = "path"
	QueryStringTarget ParameterTarget = "querystring"
	HeaderTarget      ParameterTarget = "header"
)

// The sources only the mapping service reads.
const (
	PathParameter     SourceKind = "pathParameter"     // method.request.path.NAME
	IntegrationHeader SourceKind = "integrationHeader" // integration.response.header.NAME
	// MultiValueQuery and MultiValueHeader are every value of a query string parameter or header
	// (method.request.multivaluequerystring.NAME, method.request.multivalueheader.NAME): a query string
	// target gets each, a header their comma-joined list.
	MultiValueQuery  SourceKind = "multiValueQuery"
	MultiValueHeader SourceKind = "multiValueHeader"
	// RequestBody is method.request.body, RequestBodyPath method.request.body.JSONPATH (Value: the JSONPath,
	// with the $ API Gateway's syntax leaves out).
	RequestBody     SourceKind = "requestBody"
	RequestBodyPath SourceKind = "requestBodyPath"
)

// ReadsBody tells whether the mapping reads the request body: a template renders it, a parameter maps it, or it
// is converted.
func (m *Mapping) ReadsBody() bool {
	if len(m.RequestTemplates) > 0 || m.ContentHandling != "" {
		return true
	}
	for _, p := range m.Parameters {
		if p.Source.Kind == RequestBody || p.Source.Kind == RequestBodyPath {
			return true
		}
	}
	return false
}

// IntegrationResponse is one integration response: the status, headers and template of the method response it
// makes.
type IntegrationResponse struct {
	// Pattern is the selectionPattern, matched against the whole backend status; "" for the default response.
	Pattern string `json:"pattern,omitempty"`
	Status  uint32 `json:"status"`
	// Headers are the responseParameters: method.response.header.NAME from a static value, an integration response
	// header, or a request value.
	Headers   []HeaderMapping   `json:"headers,omitempty"`
	Templates map[string]string `json:"templates,omitempty"` // by content type, lower-case
	// ContentHandling converts the response payload, as the integration's does the request's.
	ContentHandling string `json:"contentHandling,omitempty"`
}

// proxyNeedsMapping tells whether an HTTP_PROXY integration maps what Envoy's route cannot: a query string
// parameter, a path placeholder from anything but a path parameter, a header from a source Envoy has no
// formatter for (a path parameter, the body, every value of a parameter), or a backend method other than the
// client's.
func proxyNeedsMapping(integ *tollgatev1.Integration, m *tollgatev1.Method, s stageContext) bool {
	if hm := strings.ToUpper(integ.GetHttpMethod()); hm != "" && hm != "ANY" && hm != m.GetHttpMethod() {
		return true
	}
	for target, source := range integ.GetRequestParameters() {
		switch {
		case strings.HasPrefix(target, "integration.request.querystring."):
			return true
		case strings.HasPrefix(target, "integration.request.path.") && !strings.HasPrefix(source, "method.request.path."):
			return true
		case strings.HasPrefix(target, "integration.request.header."):
			if _, err := mappingSource(source, s); err != nil && serviceReads(source) {
				return true
			}
		}
	}
	return false
}

// serviceReads tells whether a source is one the mapping service reads and Envoy has no formatter for.
func serviceReads(source string) bool {
	for _, prefix := range []string{"method.request.path.", "method.request.body", "method.request.multivaluequerystring.", "method.request.multivalueheader."} {
		if strings.HasPrefix(source, prefix) {
			return true
		}
	}
	return false
}

// usesContentHandling tells whether an integration converts a payload, its request's or a response's.
func usesContentHandling(integ *tollgatev1.Integration) bool {
	if integ.GetContentHandling() != "" {
		return true
	}
	for _, r := range integ.GetResponses() {
		if r.GetContentHandling() != "" {
			return true
		}
	}
	return false
}

// mockNeedsMapping tells whether a MOCK needs the mapping service: a template with VTL, request templates that
// differ by content type, a passthrough behaviour that answers some content types with 415, or a header mapped
// from the request. Envoy answers the others itself, as one fixed answer.
func mockNeedsMapping(integ *tollgatev1.Integration) bool {
	if usesContentHandling(integ) {
		return true
	}
	switch pb := integ.GetPassthroughBehavior(); {
	case pb == tollgatev1.PassthroughBehavior_PASSTHROUGH_BEHAVIOR_NEVER,
		pb == tollgatev1.PassthroughBehavior_PASSTHROUGH_BEHAVIOR_WHEN_NO_TEMPLATES && len(integ.GetRequestTemplates()) > 0:
		return true
	}
	distinct := map[string]bool{}
	for _, tpl := range integ.GetRequestTemplates() {
		if vtlSyntax.MatchString(tpl) {
			return true
		}
		if strings.TrimSpace(tpl) != "" {
			distinct[strings.TrimSpace(tpl)] = true
		}
	}
	if len(distinct) > 1 {
		return true
	}
	for _, resp := range integ.GetResponses() {
		for _, tpl := range resp.GetResponseTemplates() {
			if vtlSyntax.MatchString(tpl) {
				return true
			}
		}
		for _, src := range resp.GetResponseParameters() {
			if !isStatic(src) {
				return true
			}
		}
	}
	return false
}

func isStatic(expr string) bool {
	return len(expr) >= 2 && strings.HasPrefix(expr, "'") && strings.HasSuffix(expr, "'")
}

// mapping resolves an HTTP integration, or a MOCK that needs VTL, for one stage.
func (b *builder) mapping(s stageContext, pr parsedResource, m *tollgatev1.Method, integ *tollgatev1.Integration) *Mapping {
	file, at := s.file(), integ.GetSourcePointer()
	n := len(b.probs)
	out := &Mapping{
		Passthrough:     strings.TrimPrefix(integ.GetPassthroughBehavior().String(), "PASSTHROUGH_BEHAVIOR_"),
		StageVariables:  s.stage.GetVariables(),
		AccountID:       b.settings.AccountID,
		Source:          file + "#" + at,
		ContentHandling: integ.GetContentHandling(),
		// Responses are converted by the client's Accept too, without contentHandling.
		BinaryMediaTypes: s.api.GetBinaryMediaTypes(),
	}
	if integ.GetPassthroughBehavior() == tollgatev1.PassthroughBehavior_PASSTHROUGH_BEHAVIOR_UNSPECIFIED {
		out.Passthrough = "WHEN_NO_MATCH"
	}
	switch integ.GetType() {
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY:
		// A proxy's request and response pass as they are: only its parameter mappings apply, as on the route
		// Envoy serves alone (the importer warns of templates and responses there).
		out.HTTP, out.Proxy = b.mappedHTTP(s, m, integ), true
		out.Passthrough = "WHEN_NO_MATCH"
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP:
		out.HTTP = b.mappedHTTP(s, m, integ)
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS:
		out.Lambda = b.mappedLambda(s, integ)
	}
	if !out.Proxy {
		out.RequestTemplates = b.templates(file, at+"/requestTemplates", integ.GetRequestTemplates())
	}
	for _, key := range sortedKeys(integ.GetRequestParameters()) {
		ptr := at + diag.Pointer("requestParameters", key)
		target, name, ok := parameterTarget(key)
		if !ok {
			b.probs.Addf(file, ptr, "invalid mapping target %q: want integration.request.{path|querystring|header}.NAME", key)
			continue
		}
		if target != HeaderTarget && integ.GetType() == tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS {
			b.probs.Addf(file, ptr, "%q: a Lambda function is invoked at its invocation path, so an AWS integration maps headers only (X-Amz-Invocation-Type, ...)", key)
			continue
		}
		src, err := requestSource(integ.GetRequestParameters()[key], s, pr)
		if err != nil {
			b.probs.Addf(file, ptr, "%v", err)
			continue
		}
		out.Parameters = append(out.Parameters, ParameterMapping{Target: target, Name: name, Source: src})
	}
	if out.HTTP != nil {
		b.placeholdersMapped(file, at, out)
	}
	if !out.Proxy {
		out.Responses = b.integrationResponses(s, pr, at, integ.GetResponses())
	}
	if len(b.probs) > n {
		return nil
	}
	return out
}

// mappedHTTP resolves an HTTP integration's backend as an HTTP proxy's is.
func (b *builder) mappedHTTP(s stageContext, m *tollgatev1.Method, integ *tollgatev1.Integration) *MappedHTTP {
	be, host, path, ok := b.httpBackend(s, integ)
	if !ok {
		return nil
	}
	out := &MappedHTTP{Backend: be, Host: host, Path: path, Timeout: timeout(s, integ)}
	if hm := strings.ToUpper(integ.GetHttpMethod()); hm != "" && hm != "ANY" && hm != m.GetHttpMethod() {
		out.Method = hm
	}
	return out
}

// mappedLambda resolves an AWS integration's function as a Lambda proxy's is. Lambda is the one AWS service
// Tollgate invokes.
func (b *builder) mappedLambda(s stageContext, integ *tollgatev1.Integration) *MappedLambda {
	at := integ.GetSourcePointer()
	if !strings.Contains(integ.GetUri(), ":lambda:path/") {
		b.probs.Addf(s.file(), at+"/uri", "uri %q: an AWS integration with a service other than Lambda is not supported yet: Tollgate invokes Lambda functions (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{functionArn}/invocations)", integ.GetUri())
		return nil
	}
	l := b.lambda(s, integ)
	if l == nil {
		return nil
	}
	return &MappedLambda{Backend: l.Backend, InvokePath: l.InvokePath, SigningRegion: l.SigningRegion, Timeout: l.Timeout}
}

// placeholdersMapped checks that every {placeholder} of the backend path has an integration.request.path mapping.
func (b *builder) placeholdersMapped(file, at string, m *Mapping) {
	mapped := map[string]bool{}
	for _, p := range m.Parameters {
		if p.Target == PathTarget {
			mapped[p.Name] = true
		}
	}
	path := m.HTTP.Path
	for i := 0; i < len(path); i++ {
		if name, ok := placeholderAt(path, i); ok && !mapped[name] {
			b.probs.Addf(file, at+"/uri", "uri placeholder {%s} has no mapping: add requestParameters %q", name, "integration.request.path."+name)
		}
	}
}

func parameterTarget(key string) (ParameterTarget, string, bool) {
	for _, t := range []ParameterTarget{PathTarget, QueryStringTarget, HeaderTarget} {
		if name, ok := strings.CutPrefix(key, "integration.request."+string(t)+"."); ok && name != "" {
			return t, name, true
		}
	}
	return "", "", false
}

// requestSource reads a request parameter's source for the mapping service, which can also read path
// parameters.
func requestSource(expr string, s stageContext, pr parsedResource) (ValueSource, error) {
	if name, ok := strings.CutPrefix(expr, "method.request.path."); ok {
		for _, p := range pr.params {
			if p == name {
				return ValueSource{Kind: PathParameter, Value: name}, nil
			}
		}
		return ValueSource{}, fmt.Errorf("%q names no path parameter of resource %s", expr, pr.res.GetPath())
	}
	switch {
	case expr == "method.request.body":
		return ValueSource{Kind: RequestBody}, nil
	case strings.HasPrefix(expr, "method.request.body.") && len(expr) > len("method.request.body."):
		return ValueSource{Kind: RequestBodyPath, Value: "$." + strings.TrimPrefix(expr, "method.request.body.")}, nil
	case strings.HasPrefix(expr, "method.request.multivaluequerystring."):
		return ValueSource{Kind: MultiValueQuery, Value: strings.TrimPrefix(expr, "method.request.multivaluequerystring.")}, nil
	case strings.HasPrefix(expr, "method.request.multivalueheader."):
		return ValueSource{Kind: MultiValueHeader, Value: strings.TrimPrefix(expr, "method.request.multivalueheader.")}, nil
	}
	src, err := mappingSource(expr, s)
	if err != nil {
		return ValueSource{}, fmt.Errorf("mapping expression %q is not supported yet (supported: 'static', method.request.path|querystring|multivaluequerystring|header|multivalueheader.X, method.request.body, method.request.body.JSONPATH, stageVariables.X, context.requestId|stage|apiId|httpMethod|identity.sourceIp, context.authorizer.X)", expr)
	}
	return src, nil
}

// integrationResponses resolves the integration responses: patterns compiled to check them, in sorted order
// (API Gateway documents no order among patterns that both match), the default last.
func (b *builder) integrationResponses(s stageContext, pr parsedResource, at string, responses map[string]*tollgatev1.IntegrationResponse) []IntegrationResponse {
	var out []IntegrationResponse
	var def *IntegrationResponse
	for _, pattern := range sortedKeys(responses) {
		resp := responses[pattern]
		ptr := at + diag.Pointer("responses", pattern)
		ir := IntegrationResponse{Status: 200, Templates: b.templates(s.file(), ptr+"/responseTemplates", resp.GetResponseTemplates()),
			ContentHandling: resp.GetContentHandling()}
		if pattern != "default" {
			if _, err := regexp.Compile("^(?:" + pattern + ")$"); err != nil {
				b.probs.Addf(s.file(), ptr, "selection pattern %q is not a valid regular expression: %v", pattern, err)
				continue
			}
			ir.Pattern = pattern
		}
		if sc := resp.GetStatusCode(); sc != "" {
			v, err := strconv.ParseUint(sc, 10, 32)
			if err != nil || v < 100 || v > 599 {
				b.probs.Addf(s.file(), ptr+"/statusCode", "invalid statusCode %q: want an HTTP status code", sc)
				continue
			}
			ir.Status = uint32(v)
		}
		for _, name := range sortedKeys(resp.GetResponseParameters()) {
			p := ptr + diag.Pointer("responseParameters", name)
			header, ok := strings.CutPrefix(name, "method.response.header.")
			if !ok || header == "" {
				b.probs.Addf(s.file(), p, "invalid response parameter %q: want method.response.header.NAME", name)
				continue
			}
			expr := resp.GetResponseParameters()[name]
			var src ValueSource
			if h, ok := strings.CutPrefix(expr, "integration.response.header."); ok && h != "" {
				src = ValueSource{Kind: IntegrationHeader, Value: h}
			} else if v, err := requestSource(expr, s, pr); err == nil {
				src = v
			} else {
				b.probs.Addf(s.file(), p, "response mapping expression %q is not supported yet (supported: 'static', integration.response.header.X, method.request.*, stageVariables.X, context.X)", expr)
				continue
			}
			ir.Headers = append(ir.Headers, HeaderMapping{Name: header, Source: src})
		}
		if pattern == "default" {
			def = &ir
			continue
		}
		out = append(out, ir)
	}
	if def != nil {
		out = append(out, *def)
	}
	return out
}

// templates checks mapping templates, each parsed as the service will parse it, and keys them by lower-case
// content type.
func (b *builder) templates(file, at string, templates map[string]string) map[string]string {
	if len(templates) == 0 {
		return nil
	}
	out := make(map[string]string, len(templates))
	for _, ct := range sortedKeys(templates) {
		if _, err := vtl.Parse(templates[ct]); err != nil {
			b.probs.Addf(file, at+diag.Pointer(ct), "mapping template: %v", err)
			continue
		}
		out[strings.ToLower(ct)] = templates[ct]
	}
	return out
}
