package mapping

import (
	"cmp"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate-gw/tollgate/extproc/lambda/lambdaproxy"
	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/vtl"
	"github.com/tollgate-gw/tollgate/internal/vtl/apigw"
)

// exchange maps one request and its response. Envoy sends each body right behind its headers, whole (the
// body-limit filter buffers the request's), and the exchange answers each phase once it is complete, as the Lambda
// proxy's does: one round trip to Tollgate per phase.
type exchange struct {
	route    *route
	received time.Time
	request  *core.HeaderMap
	// What templates and mappings read of the client's request.
	requestID, method, path, accept string
	pathParams                      map[string]string
	query                           url.Values
	sourceIP                        string
	checks                          processor.Checks
	// domainName and calledPath are what the client called on a custom domain name, "" on the API's own host.
	domainName, calledPath string
	params                 apigw.Params
	// context is $context, shared by the request's and the response's templates: the request template may set
	// responseOverride values.
	context *requestContext
	// template is the request template for the request's content type; nil passes the body through.
	template    *template
	contentType string
	// contentEncoding is the client's Content-Encoding: a gzip or deflate body is decompressed before it is read.
	contentEncoding string
	forwarded       bool // the request went on to the backend
	answered        bool // the exchange answered the client itself: what Envoy sent before it knew is ignored
	// headersAnswered: the integration request went with the request headers, the body unread.
	headersAnswered bool
	requestBody     processor.Body
	body            []byte              // the client's request body, where the mapping reads it
	headerLists     map[string][]string // every value of each request header, for multi-value mappings
	// The backend's answer.
	status        int
	backendHeader http.Header
	responseBody  processor.Body
}

func newExchange(r *route, received time.Time) *exchange {
	return &exchange{route: r, received: received}
}

func (e *exchange) Handle(req *extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	if e.answered {
		return nil, nil
	}
	resps, err := e.handle(req)
	for _, r := range resps {
		e.answered = e.answered || r.GetImmediateResponse() != nil
	}
	return resps, err
}

func (e *exchange) handle(req *extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	switch r := req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		if refused := e.start(req, r.RequestHeaders.GetHeaders()); refused != nil {
			return processor.One(refused), nil
		}
		// Envoy sends the body of a route whose mapping reads it; answer it with the headers.
		if !r.RequestHeaders.GetEndOfStream() && e.route.ReadsBody() {
			return nil, nil
		}
		e.headersAnswered = true
		return e.integrationRequest(nil, true)
	case *extprocv3.ProcessingRequest_RequestBody:
		if e.headersAnswered {
			// A body the templates do not read (Envoy sends it for the route's validation): it goes on as it is.
			return processor.One(processor.RequestBodyContinue(nil)), nil
		}
		if !e.requestBody.Add(r.RequestBody) {
			return nil, nil
		}
		return e.integrationRequest(e.requestBody.Bytes(), false)
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		e.status = 0
		// An HTTP_PROXY's response passes as it is: the service sees it only for the stage cache.
		if e.forwarded && !e.route.Proxy && processor.FromBackend(req) {
			e.status, e.backendHeader = processor.ResponseStatus(r.ResponseHeaders.GetHeaders())
		}
		if e.status == 0 {
			// Envoy's own answer (a 413, a timeout's 504, a backend that could not be reached) stands.
			return processor.One(processor.ResponseHeadersContinue(nil)), nil
		}
		if r.ResponseHeaders.GetEndOfStream() {
			return e.integrationResponse(nil, true)
		}
		return nil, nil
	case *extprocv3.ProcessingRequest_ResponseBody:
		if e.status == 0 {
			return processor.One(processor.ResponseBodyContinue(nil)), nil
		}
		if !e.responseBody.Add(r.ResponseBody) {
			return nil, nil
		}
		return e.integrationResponse(e.responseBody.Bytes(), false)
	}
	return nil, nil
}

// start reads the client's request and chooses its template; it returns the 415 API Gateway answers when the
// passthrough behaviour refuses the content type.
func (e *exchange) start(req *extprocv3.ProcessingRequest, headers *core.HeaderMap) *extprocv3.ProcessingResponse {
	e.request = headers
	e.sourceIP = processor.ClientAddress(req, headers, e.route.trustedHops)
	e.checks = processor.ReadChecks(req)
	e.domainName, e.calledPath = processor.CustomDomain(req)
	e.params = apigw.Params{Path: vtl.NewMap(), QueryString: vtl.NewMap(), Header: vtl.NewMap()}
	var contentType string
	for _, h := range headers.GetHeaders() {
		k, v := h.GetKey(), processor.HeaderValue(h)
		switch k {
		case ":method":
			e.method = v
		case ":path":
			e.path = v
		case names.EnvoyRequestIDHeader:
			e.requestID = v
		case "content-type":
			contentType = v
		case "accept":
			e.accept = v
		case "content-encoding":
			e.contentEncoding = v
		}
		if !strings.HasPrefix(k, ":") && !strings.HasPrefix(k, "x-envoy-") && k != names.EnvoyRequestIDHeader {
			e.params.Header.Put(k, v)
			if e.headerLists == nil {
				e.headerLists = map[string][]string{}
			}
			e.headerLists[k] = append(e.headerLists[k], v)
		}
	}
	rawPath, rawQuery, _ := strings.Cut(e.path, "?")
	e.pathParams, _ = e.route.paths.PathParameters(rawPath)
	for _, name := range e.route.PathParams {
		e.params.Path.Put(name, e.pathParams[name])
	}
	e.query, _ = url.ParseQuery(rawQuery)
	for _, name := range queryNames(rawQuery) {
		// In the order the client wrote them; the last value, as the proxy event's queryStringParameters.
		values := e.query[name]
		e.params.QueryString.Put(name, values[len(values)-1])
	}
	e.context = newRequestContext(e, cmp.Or(e.calledPath, rawPath))
	e.contentType = processor.MediaType(contentType)
	e.template = e.route.requestTemplates[e.contentType]
	if e.template == nil && e.refuses() {
		return processor.GatewayError(gatewayresponse.Default(gatewayresponse.UnsupportedMediaType), e.requestID)
	}
	return nil
}

// queryNames are the names of a query string's parameters, each once, in the order they first appear.
func queryNames(rawQuery string) []string {
	var names []string
	seen := map[string]bool{}
	for part := range strings.SplitSeq(rawQuery, "&") {
		key, _, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(key)
		if err != nil || part == "" || seen[name] {
			continue
		}
		seen[name] = true
		names = append(names, name)
	}
	return names
}

// refuses tells whether the passthrough behaviour refuses a request whose content type has no template.
func (e *exchange) refuses() bool {
	switch e.route.Passthrough {
	case "NEVER":
		return true
	case "WHEN_NO_TEMPLATES":
		return len(e.route.requestTemplates) > 0
	}
	return false
}

// render renders a template, $input reading body, logging a failure with the template's name and line.
func (e *exchange) render(t *template, body []byte) (string, bool) {
	input := apigw.NewInput(string(body), e.params)
	defer input.Release()
	out, err := t.Render(map[string]any{
		"input":          input,
		"util":           apigw.Util{Input: input},
		"context":        e.context,
		"stageVariables": stringMap(e.route.StageVariables),
	}, vtl.DefaultLimits)
	// What the template set in $context's overrides is read after the rendering, once the Input's memory is
	// another body's: it is copied out of it now.
	e.context.requestOverride = vtl.Detach(e.context.requestOverride).(*vtl.Map)
	e.context.responseOverride = vtl.Detach(e.context.responseOverride).(*vtl.Map)
	if err != nil {
		e.route.log.Warn("mapping template failed", "route", e.route.Name, "template", t.name, "err", err, "requestId", e.requestID)
		return "", false
	}
	return out, true
}

// internalError is API Gateway's answer to a template that fails and to a response it cannot select.
func (e *exchange) internalError() ([]*extprocv3.ProcessingResponse, error) {
	return processor.One(processor.GatewayError(gatewayresponse.Default(gatewayresponse.APIConfigurationError), e.requestID)), nil
}

// integrationRequest renders the request template (if the content type has one) and sends the mapped request
// on, or answers a MOCK. headersPhase says the answer goes to the request headers: the request had no body, or
// the route's templates do not need it.
func (e *exchange) integrationRequest(body []byte, headersPhase bool) ([]*extprocv3.ProcessingResponse, error) {
	mapped, replaced := body, false
	if len(body) > 0 {
		// API Gateway decompresses the payload before its template and mappings read it; what a non-proxy
		// integration is sent is decompressed too (a proxy's request goes on as the client sent it).
		decoded, ok, err := processor.Decompress(e.contentEncoding, body)
		switch {
		case errors.Is(err, processor.ErrPayloadTooLarge):
			return processor.One(processor.GatewayError(gatewayresponse.Default(gatewayresponse.RequestTooLarge), e.requestID)), nil
		case err != nil:
			e.route.log.Info("request body not decompressed", "route", e.route.Name, "contentEncoding", e.contentEncoding, "err", err, "requestId", e.requestID)
			return processor.One(processor.GatewayError(gatewayresponse.Default(gatewayresponse.BadRequestBody), e.requestID)), nil
		case ok:
			body, mapped, replaced = decoded, decoded, true
		}
	}
	if e.route.ContentHandling != "" {
		converted, err := convertRequest(body, e.contentType, e.route.ContentHandling, e.route.Mapping.BinaryMediaTypes)
		if err != nil {
			e.route.log.Warn("request payload conversion failed", "route", e.route.Name, "err", err, "requestId", e.requestID)
			return e.internalError()
		}
		body, mapped, replaced = converted, converted, true
	}
	e.body = body
	if e.template != nil {
		out, ok := e.render(e.template, body)
		if !ok {
			return e.internalError()
		}
		mapped, replaced = []byte(out), true
	}
	var mutation *extprocv3.HeaderMutation
	switch {
	case e.route.HTTP != nil && e.route.Proxy:
		// The client's request goes on with the mappings applied; its response comes back untouched.
		if !headersPhase {
			return e.requestBody.ReplaceRequest(e.proxyRequest(), nil), nil
		}
		return processor.One(processor.RequestHeadersContinue(&extprocv3.CommonResponse{HeaderMutation: e.proxyRequest()})), nil
	case e.route.HTTP != nil:
		mutation = e.backendRequest(len(mapped), replaced)
	case e.route.Mapping.Lambda != nil:
		mutation = e.invocation(len(mapped), replaced)
	default:
		return e.mock(mapped, replaced)
	}
	e.forwarded = true
	switch {
	case !headersPhase:
		var bodyMutation *extprocv3.BodyMutation
		if replaced {
			bodyMutation = processor.Replace(mapped)
		}
		return e.requestBody.ReplaceRequest(mutation, bodyMutation), nil
	case replaced && len(mapped) > 0:
		// A bodiless request gets the template's output: CONTINUE_AND_REPLACE adds it.
		return processor.One(processor.RequestHeadersContinue(&extprocv3.CommonResponse{
			Status: extprocv3.CommonResponse_CONTINUE_AND_REPLACE, HeaderMutation: mutation, BodyMutation: processor.Replace(mapped),
		})), nil
	}
	return processor.One(processor.RequestHeadersContinue(&extprocv3.CommonResponse{HeaderMutation: mutation})), nil
}

// requestOverride is one of the maps of $context.requestOverride, where templates set what the integration
// request's mappings would.
func (e *exchange) requestOverride(kind string) *vtl.Map {
	return override(e.context.requestOverride, kind)
}

// invocation rewrites the client's request into the Invoke call of an AWS integration: POST to the function's
// invocation path with the mapped request as the payload (the client's body when it has no template) and only
// the mapped headers.
func (e *exchange) invocation(bodyLen int, replaced bool) *extprocv3.HeaderMutation {
	_, _, headers := e.mapped() // the model check allows header targets only
	m := &extprocv3.HeaderMutation{SetHeaders: []*core.HeaderValueOption{
		processor.SetHeader(":method", http.MethodPost),
		processor.SetHeader(":path", e.route.Mapping.Lambda.InvokePath),
		processor.SetHeader("content-type", "application/json"),
	}}
	if replaced {
		m.SetHeaders = append(m.SetHeaders, processor.SetHeader("content-length", strconv.Itoa(bodyLen)))
	}
	return e.onlyMapped(m, headers, replaced)
}

// onlyMapped adds the mapped headers to a mutation and removes every other header of the client's but its
// content type and length, and its content encoding while the body is the client's (still so encoded): a
// non-proxy integration passes none of them on.
func (e *exchange) onlyMapped(m *extprocv3.HeaderMutation, headers [][2]string, replaced bool) *extprocv3.HeaderMutation {
	keep := map[string]bool{"content-type": true, "content-length": true, "content-encoding": !replaced}
	for _, hv := range headers {
		if processor.ValidHeader(hv[0], hv[1]) {
			m.SetHeaders = append(m.SetHeaders, processor.SetHeader(hv[0], hv[1]))
			keep[hv[0]] = true
		}
	}
	for _, hd := range e.request.GetHeaders() {
		if k := hd.GetKey(); !strings.HasPrefix(k, ":") && !keep[k] && k != names.EnvoyRequestIDHeader {
			m.RemoveHeaders = append(m.RemoveHeaders, k)
		}
	}
	return m
}

// backendRequest rewrites the client's request into the integration request: the backend's method, the URI's path
// with its placeholders filled and the mapped query string, and only the mapped headers (a non-proxy integration
// passes none of the client's but its content type). The request template's requestOverride values win.
func (e *exchange) backendRequest(bodyLen int, replaced bool) *extprocv3.HeaderMutation {
	h := e.route.HTTP
	path, query, headers := e.mapped()
	target := fillPath(h.Path, path)
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	m := &extprocv3.HeaderMutation{SetHeaders: []*core.HeaderValueOption{
		processor.SetHeader(":method", e.backendMethod()),
		processor.SetHeader(":path", target),
	}}
	// What API Gateway sends every non-proxy HTTP backend, unless a mapping sets it.
	headers = append([][2]string{
		{"accept", "application/json"}, {"user-agent", "AmazonAPIGateway_" + e.route.APIID}, {"x-amzn-apigateway-api-id", e.route.APIID},
	}, headers...)
	if replaced {
		// The template's output is of the template's content type.
		m.SetHeaders = append(m.SetHeaders, processor.SetHeader("content-type", e.contentType),
			processor.SetHeader("content-length", strconv.Itoa(bodyLen)))
	}
	return e.onlyMapped(m, headers, replaced)
}

// mapped are the values of the request parameters by target, the request template's overrides winning.
func (e *exchange) mapped() (path map[string]string, query url.Values, headers [][2]string) {
	path, query = map[string]string{}, url.Values{}
	for _, p := range e.route.Parameters {
		v := e.value(p.Source)
		if v == "" && p.Source.Kind != ir.Static {
			continue // a parameter the request does not have is not sent
		}
		switch p.Target {
		case ir.PathTarget:
			path[p.Name] = v
		case ir.QueryStringTarget:
			if p.Source.Kind == ir.MultiValueQuery {
				query[p.Name] = e.query[p.Source.Value]
				continue
			}
			query.Set(p.Name, v)
		case ir.HeaderTarget:
			headers = append(headers, [2]string{strings.ToLower(p.Name), v})
		}
	}
	o := e.requestOverride("path")
	for _, k := range o.Keys() {
		v, _ := o.Get(k)
		path[k] = vtl.String(v)
	}
	o = e.requestOverride("querystring")
	for _, k := range o.Keys() {
		v, _ := o.Get(k)
		query.Set(k, vtl.String(v))
	}
	o = e.requestOverride("header")
	for _, k := range o.Keys() {
		v, _ := o.Get(k)
		headers = append(headers, [2]string{strings.ToLower(k), vtl.String(v)})
	}
	return path, query, headers
}

// proxyRequest maps an HTTP_PROXY integration's parameters onto the client's request: the URI's path with its
// placeholders filled, the client's query string with the mapped parameters set in it, the mapped headers set
// beside the client's, the integration's method.
func (e *exchange) proxyRequest() *extprocv3.HeaderMutation {
	path, query, headers := e.mapped()
	_, rawQuery, _ := strings.Cut(e.path, "?")
	client, _ := url.ParseQuery(rawQuery)
	for k, v := range query {
		client[k] = v
	}
	target := fillPath(e.route.HTTP.Path, path)
	if len(client) > 0 {
		target += "?" + client.Encode()
	}
	m := &extprocv3.HeaderMutation{SetHeaders: []*core.HeaderValueOption{
		processor.SetHeader(":method", e.backendMethod()),
		processor.SetHeader(":path", target),
	}}
	for _, hv := range headers {
		if processor.ValidHeader(hv[0], hv[1]) {
			m.SetHeaders = append(m.SetHeaders, processor.SetHeader(hv[0], hv[1]))
		}
	}
	return m
}

// backendMethod is the integration's method, or the client's where the integration keeps it.
func (e *exchange) backendMethod() string {
	if m := e.route.HTTP.Method; m != "" {
		return m
	}
	return e.method
}

// fillPath fills the URI path's {placeholders}.
func fillPath(path string, values map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		j := strings.IndexByte(path[max(i, 0):], '}')
		if i < 0 || j < 0 {
			b.WriteString(path)
			return b.String()
		}
		b.WriteString(path[:i])
		b.WriteString(values[path[i+1:i+j]])
		path = path[i+j+1:]
	}
}

// mock answers a MOCK: the request template's statusCode selects the integration response; without a template
// (or with an empty output) the status is 200.
func (e *exchange) mock(mapped []byte, templated bool) ([]*extprocv3.ProcessingResponse, error) {
	status := 200
	if templated && len(strings.TrimSpace(string(mapped))) > 0 {
		var v struct {
			StatusCode json.Number `json:"statusCode"`
		}
		err := json.Unmarshal(mapped, &v)
		n, nerr := strconv.Atoi(string(v.StatusCode))
		if err != nil || nerr != nil {
			e.route.log.Warn("MOCK request template did not give a statusCode", "route", e.route.Name, "output", string(mapped), "requestId", e.requestID)
			return e.internalError()
		}
		status = n
	}
	resp := e.route.selectResponse(strconv.Itoa(status), true)
	if resp == nil {
		return e.internalError()
	}
	out, err := e.methodResponse(resp, nil)
	if err != nil {
		return e.internalError()
	}
	return processor.One(processor.MethodResponse(out.status, out.headers, out.body, e.requestID)), nil
}

// methodResponse is what the client gets: the response's status, content type, mapped headers and template
// output (or the integration's body when it has no template), with the templates' responseOverride values.
type methodResponse struct {
	status  uint32
	headers []*core.HeaderValueOption
	body    []byte
}

var errTemplate = errors.New("template failed")

func (e *exchange) methodResponse(resp *response, body []byte) (*methodResponse, error) {
	if len(e.route.Mapping.BinaryMediaTypes) > 0 || resp.ContentHandling != "" {
		converted, err := convertResponse(body, e.backendHeader.Get("content-type"), e.accept, resp.ContentHandling, e.route.Mapping.BinaryMediaTypes)
		if err != nil {
			e.route.log.Warn("response payload conversion failed", "route", e.route.Name, "err", err, "requestId", e.requestID)
			return nil, err
		}
		body = converted
	}
	out := &methodResponse{status: resp.Status, body: body}
	contentType := "application/json"
	if ct, t := responseTemplate(resp.templates, e.accept); t != nil {
		rendered, ok := e.render(t, body)
		if !ok {
			return nil, errTemplate
		}
		out.body, contentType = []byte(rendered), ct
	}
	out.headers = append(out.headers, processor.SetHeader("content-type", contentType))
	for _, h := range resp.Headers {
		if name, v := strings.ToLower(h.Name), e.value(h.Source); processor.ValidHeader(name, v) {
			out.headers = append(out.headers, processor.SetHeader(name, v))
		}
	}
	responseOverride := e.context.responseOverride
	if v, ok := responseOverride.Get("status"); ok {
		if n, err := strconv.Atoi(vtl.String(v)); err == nil && n >= 100 && n <= 599 {
			out.status = uint32(n)
		}
	}
	headers := override(responseOverride, "header")
	for _, k := range headers.Keys() {
		v, _ := headers.Get(k)
		if name, v := strings.ToLower(k), vtl.String(v); processor.ValidHeader(name, v) {
			out.headers = append(out.headers, processor.SetHeader(name, v))
		}
	}
	return out, nil
}

// integrationResponse turns the backend's answer into the method response.
func (e *exchange) integrationResponse(body []byte, headersOnly bool) ([]*extprocv3.ProcessingResponse, error) {
	var resp *response
	if e.route.Mapping.Lambda != nil {
		if e.status < 200 || e.status > 299 {
			// The Invoke API refused the call (throttled, no such function): the function never ran.
			e.route.log.Warn("Lambda Invoke API refused the call", "route", e.route.Name, "status", e.status, "requestId", e.requestID)
			return e.internalError()
		}
		// The selection patterns match a failed function's errorMessage; a result takes the default response.
		message, failed := lambdaproxy.CustomError(lambdaproxy.Invocation{Status: e.status, Header: e.backendHeader, Payload: body})
		resp = e.route.selectResponse(message, failed)
	} else {
		resp = e.route.selectResponse(strconv.Itoa(e.status), true)
	}
	if resp == nil {
		// No pattern matches and there is no default: API Gateway's configuration error.
		return e.internalError()
	}
	out, err := e.methodResponse(resp, body)
	if err != nil {
		return e.internalError()
	}
	m := &extprocv3.HeaderMutation{SetHeaders: append([]*core.HeaderValueOption{
		processor.SetHeader(":status", strconv.Itoa(int(out.status))),
		processor.SetHeader("content-length", strconv.Itoa(len(out.body))),
		processor.SetHeader(gatewayresponse.RequestIDHeader, e.requestID),
		processor.SetHeader(gatewayresponse.ExtendedRequestIDHeader, gatewayresponse.ExtendedRequestID(e.requestID)),
	}, out.headers...)}
	// A non-proxy integration's client sees none of the backend's headers but those mapped.
	for name := range e.backendHeader {
		m.RemoveHeaders = append(m.RemoveHeaders, strings.ToLower(name))
	}
	bodyMutation := processor.Replace(out.body)
	if headersOnly {
		return processor.One(processor.ResponseHeadersContinue(&extprocv3.CommonResponse{
			Status: extprocv3.CommonResponse_CONTINUE_AND_REPLACE, HeaderMutation: m, BodyMutation: bodyMutation,
		})), nil
	}
	return e.responseBody.ReplaceResponse(m, bodyMutation), nil
}

// value reads a mapping's source.
func (e *exchange) value(src ir.ValueSource) string {
	switch src.Kind {
	case ir.Static:
		return src.Value
	case ir.RequestHeader:
		v, _ := e.params.Header.Get(strings.ToLower(src.Value))
		return vtl.String(v)
	case ir.QueryParameter:
		v, _ := e.params.QueryString.Get(src.Value)
		return vtl.String(v)
	case ir.PathParameter:
		return e.pathParams[src.Value]
	case ir.RequestID:
		return e.requestID
	case ir.HTTPMethod:
		return e.method
	case ir.SourceIP:
		return e.sourceIP
	case ir.AuthorizerValue:
		var v any = e.checks.Authorizer
		for key := range strings.SplitSeq(src.Value, ".") {
			m, _ := v.(map[string]any)
			v = m[key]
		}
		if s, ok := v.(string); ok {
			return s
		}
		return vtl.String(vtl.FromJSON(v))
	case ir.IntegrationHeader:
		return e.backendHeader.Get(src.Value)
	case ir.MultiValueQuery:
		return strings.Join(e.query[src.Value], ",")
	case ir.MultiValueHeader:
		return strings.Join(e.headerLists[strings.ToLower(src.Value)], ",")
	case ir.RequestBody:
		return string(e.body)
	case ir.RequestBodyPath:
		return apigw.BodyValue(e.body, src.Value)
	}
	return ""
}

func stringMap(m map[string]string) *vtl.Map {
	out := vtl.NewMap()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out.Put(k, m[k])
	}
	return out
}
