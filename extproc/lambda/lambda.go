package lambda

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/extproc/lambda/lambdaproxy"
	"github.com/tollgate-gw/tollgate/internal/clientip"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// lambdaExchange turns one client request into a Lambda Invoke call and the function's answer into the client's
// response. Envoy streams both bodies right behind their headers without waiting for answers (the request's
// arrives whole, from the body-limit filter's buffer), so each phase costs one round trip to Tollgate. Every
// answer that replaces a body sets the new body's content-length, which Envoy keeps (allow_content_length_header).
type lambdaExchange struct {
	route    *route
	received time.Time
	request  *core.HeaderMap // the client's request headers, kept for the body phase
	accept   string
	sourceIP string
	apiKeyID string // the API key that admitted the request, if the method requires one
	// authorizer is what the method's authorizer admitted the request with (requestContext.authorizer), if any;
	// iam the caller IAM authorization verified.
	authorizer map[string]any
	iam        lambdaproxy.IAMIdentity
	invoked    bool // the request was turned into an Invoke call
	// requestID is the id Envoy gave the request: the response carries it as x-amzn-RequestId, which Envoy's
	// route-level response headers do not add to a response this filter rewrites.
	requestID string
	invoke    lambdaproxy.Invocation
	// Body chunks received and not answered yet: Envoy sends a body right behind its headers, and the service
	// answers headers and chunks together once the body is complete.
	requestBody    []byte
	requestChunks  int
	responseChunks int
}

func newLambdaExchange(r *route, now time.Time) *lambdaExchange {
	return &lambdaExchange{route: r, received: now}
}

func (e *lambdaExchange) handle(req *extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	switch r := req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		e.request = r.RequestHeaders.GetHeaders()
		e.sourceIP = e.clientAddress(req)
		e.readChecks(req.GetMetadataContext().GetFilterMetadata())
		if !r.RequestHeaders.GetEndOfStream() {
			return nil, nil // answered with the body, which Envoy sends without waiting
		}
		common, err := e.invocation(nil)
		if err != nil {
			return nil, err
		}
		// No body to replace: CONTINUE_AND_REPLACE lets Envoy send the event as the body of a bodiless request.
		common.Status = extprocv3.CommonResponse_CONTINUE_AND_REPLACE
		return one(&extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestHeaders{
			RequestHeaders: &extprocv3.HeadersResponse{Response: common}}}), nil
	case *extprocv3.ProcessingRequest_RequestBody:
		e.requestBody = append(e.requestBody, r.RequestBody.GetBody()...)
		e.requestChunks++
		if !r.RequestBody.GetEndOfStream() {
			return nil, nil
		}
		common, err := e.invocation(e.requestBody)
		if err != nil {
			return nil, err
		}
		// The headers take the Invoke call's, the last chunk becomes the event and the earlier ones are emptied.
		resps := []*extprocv3.ProcessingResponse{{Response: &extprocv3.ProcessingResponse_RequestHeaders{
			RequestHeaders: &extprocv3.HeadersResponse{Response: &extprocv3.CommonResponse{HeaderMutation: common.HeaderMutation}}}}}
		for i := 1; i < e.requestChunks; i++ {
			resps = append(resps, requestBodyContinue(&extprocv3.CommonResponse{BodyMutation: clearBody}))
		}
		return append(resps, requestBodyContinue(&extprocv3.CommonResponse{BodyMutation: common.BodyMutation})), nil
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		if !e.invoked {
			// Envoy answered before any Invoke call (a 413 for a body over the limit): that answer stands.
			return one(responseHeadersContinue(nil)), nil
		}
		e.invoke.Header = http.Header{}
		for _, h := range r.ResponseHeaders.GetHeaders().GetHeaders() {
			if h.GetKey() == ":status" {
				e.invoke.Status, _ = strconv.Atoi(headerValue(h))
				continue
			}
			e.invoke.Header.Add(h.GetKey(), headerValue(h))
		}
		if r.ResponseHeaders.GetEndOfStream() {
			return e.response(true), nil
		}
		return nil, nil // answered with the body, which Envoy sends without waiting
	case *extprocv3.ProcessingRequest_ResponseBody:
		if !e.invoked {
			return one(responseBodyContinue(nil)), nil
		}
		e.invoke.Payload = append(e.invoke.Payload, r.ResponseBody.GetBody()...)
		e.responseChunks++
		if !r.ResponseBody.GetEndOfStream() {
			return nil, nil
		}
		return e.response(false), nil
	}
	return nil, nil
}

func one(r *extprocv3.ProcessingResponse) []*extprocv3.ProcessingResponse {
	return []*extprocv3.ProcessingResponse{r}
}

func responseHeadersContinue(common *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseHeaders{
		ResponseHeaders: &extprocv3.HeadersResponse{Response: common}}}
}

func responseBodyContinue(common *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{
		ResponseBody: &extprocv3.BodyResponse{Response: common}}}
}

func requestBodyContinue(common *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestBody{
		RequestBody: &extprocv3.BodyResponse{Response: common}}}
}

// clearBody empties a body chunk whose content a later chunk's mutation carries.
var clearBody = &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_ClearBody{ClearBody: true}}

// invocation builds the proxy event from the client's request and rewrites the request into the Invoke call:
// POST to the function's invocation path with the event as a JSON body and none of the client's headers.
func (e *lambdaExchange) invocation(body []byte) (*extprocv3.CommonResponse, error) {
	in := e.proxyRequest(body)
	var event []byte
	var err error
	if e.route.PayloadFormatVersion == "2.0" {
		event, err = lambdaproxy.BuildV2(in)
	} else {
		event, err = lambdaproxy.BuildV1(in)
	}
	if err != nil {
		return nil, err
	}
	e.invoked = true
	mutation := &extprocv3.HeaderMutation{SetHeaders: []*core.HeaderValueOption{
		setHeader(":method", http.MethodPost),
		setHeader(":path", e.route.InvokePath),
		setHeader("content-type", "application/json"),
		setHeader("content-length", strconv.Itoa(len(event))),
	}}
	for _, h := range e.request.GetHeaders() {
		switch k := h.GetKey(); {
		case strings.HasPrefix(k, ":"), k == "content-type", k == "content-length":
		default:
			mutation.RemoveHeaders = append(mutation.RemoveHeaders, k)
		}
	}
	return &extprocv3.CommonResponse{
		HeaderMutation: mutation,
		BodyMutation:   &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: event}},
	}, nil
}

// readChecks reads what the ext_authz check before ext_proc admitted the request with: the key, and the
// authorizer's answer. Both check filters file it under ext_authz's name.
func (e *lambdaExchange) readChecks(metadata map[string]*structpb.Struct) {
	fields := metadata[names.ExtAuthzFilter].GetFields()
	e.apiKeyID = fields[names.APIKeyIDField].GetStringValue()
	if az := fields[names.AuthorizerField].GetStructValue(); az != nil {
		e.authorizer = az.AsMap()
	}
	if id := fields[names.IdentityField].GetStructValue().GetFields(); id != nil {
		e.iam = lambdaproxy.IAMIdentity{AccessKey: id["accessKey"].GetStringValue(), AccountID: id["accountId"].GetStringValue(),
			Caller: id["caller"].GetStringValue(), User: id["user"].GetStringValue(), UserARN: id["userArn"].GetStringValue()}
	}
}

// proxyRequest describes the client's request as the event builder needs it.
func (e *lambdaExchange) proxyRequest(body []byte) *lambdaproxy.Request {
	r := e.route
	in := &lambdaproxy.Request{
		Body: body, Protocol: "HTTP/1.1", Resource: r.Resource, Stage: r.Stage, StageVariables: r.StageVariables,
		APIID: r.APIID, AccountID: r.AccountID, ResourceID: lambdaproxy.ResourceID(r.APIID, r.Resource),
		Time: e.received, BinaryMediaTypes: r.BinaryMediaTypes, Authorizer: e.authorizer, IAM: e.iam,
	}
	var path string
	for _, h := range e.request.GetHeaders() {
		k, v := h.GetKey(), headerValue(h)
		switch k {
		case ":method":
			in.Method = v
		case ":path":
			path = v
		case ":authority":
			in.DomainName = v
			in.Headers = append(in.Headers, [2]string{"Host", v})
		case names.EnvoyRequestIDHeader:
			in.RequestID = v
		case "accept":
			e.accept = v
			in.Headers = append(in.Headers, [2]string{"Accept", v})
		case names.APIKeyHeader:
			if e.apiKeyID != "" {
				in.APIKey, in.APIKeyID = v, e.apiKeyID // identity.apiKey and apiKeyId, as AWS reports a used key
			}
			in.Headers = append(in.Headers, [2]string{textproto.CanonicalMIMEHeaderKey(k), v})
		default:
			if name, ok := lambdaproxy.ClientHeader(k); ok {
				in.Headers = append(in.Headers, [2]string{name, v})
			}
		}
	}
	in.SourceIP = e.sourceIP
	in.DomainName, _, _ = strings.Cut(in.DomainName, ":")
	in.DomainPrefix, _, _ = strings.Cut(in.DomainName, ".")
	rawPath, rawQuery, _ := strings.Cut(path, "?")
	in.PathParameters, _ = r.paths.PathParameters(rawPath)
	in.RawPath = strings.TrimPrefix(rawPath, "/"+r.Stage)
	if in.RawPath == "" {
		in.RawPath = "/"
	}
	in.RawQuery = rawQuery
	in.ExtendedRequestID = gatewayresponse.ExtendedRequestID(in.RequestID)
	e.requestID = in.RequestID
	in.RouteKey = r.HTTPMethod + " " + r.Resource
	return in
}

// response turns the Invoke API's answer into the client's response, or a gateway error. It answers the held-back
// response headers and every body chunk at once: the headers get the function's status and headers, the last
// chunk becomes the whole body and the earlier ones are emptied.
func (e *lambdaExchange) response(headersOnly bool) []*extprocv3.ProcessingResponse {
	var out *lambdaproxy.Response
	var err error
	if e.route.PayloadFormatVersion == "2.0" {
		out, err = lambdaproxy.DecodeV2(e.invoke)
	} else {
		out, err = lambdaproxy.DecodeV1(e.invoke, e.accept, e.route.BinaryMediaTypes)
	}
	if err != nil {
		resp := gatewayresponse.Default(gatewayresponse.APIConfigurationError)
		if le, ok := err.(*lambdaproxy.Error); ok {
			resp.Status = uint32(le.Status)
		}
		return one(gatewayError(resp, e.requestID))
	}
	mutation := &extprocv3.HeaderMutation{SetHeaders: []*core.HeaderValueOption{
		setHeader(":status", strconv.Itoa(out.Status)),
		setHeader("content-length", strconv.Itoa(len(out.Body))),
		setHeader(gatewayresponse.RequestIDHeader, e.requestID),
		setHeader(gatewayresponse.ExtendedRequestIDHeader, gatewayresponse.ExtendedRequestID(e.requestID)),
	}}
	for name := range e.invoke.Header {
		// The Invoke API's own headers are not the function's; the request id is set above.
		if k := strings.ToLower(name); k != strings.ToLower(gatewayresponse.RequestIDHeader) && k != gatewayresponse.ExtendedRequestIDHeader {
			mutation.RemoveHeaders = append(mutation.RemoveHeaders, k)
		}
	}
	for _, h := range out.Headers {
		if validHeader(h[0], h[1]) {
			mutation.SetHeaders = append(mutation.SetHeaders, appendHeader(strings.ToLower(h[0]), h[1]))
		}
	}
	body := &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: out.Body}}
	if headersOnly {
		// The Invoke response had no body: CONTINUE_AND_REPLACE adds the function's.
		return one(responseHeadersContinue(&extprocv3.CommonResponse{
			Status: extprocv3.CommonResponse_CONTINUE_AND_REPLACE, HeaderMutation: mutation, BodyMutation: body,
		}))
	}
	resps := []*extprocv3.ProcessingResponse{responseHeadersContinue(&extprocv3.CommonResponse{HeaderMutation: mutation})}
	for i := 1; i < e.responseChunks; i++ {
		resps = append(resps, responseBodyContinue(&extprocv3.CommonResponse{BodyMutation: clearBody}))
	}
	return append(resps, responseBodyContinue(&extprocv3.CommonResponse{BodyMutation: body}))
}

// validHeader keeps a function's header only if Envoy can send it: a token name that is not a pseudo-header or
// a hop-by-hop header Envoy manages itself, and a value without control characters.
func validHeader(name, value string) bool {
	if name == "" || strings.HasPrefix(name, ":") {
		return false
	}
	switch strings.ToLower(name) {
	case "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "host":
		return false
	}
	for _, c := range name {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", c) {
			return false
		}
	}
	for _, c := range value {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// clientAddress is the client's address: the peer Envoy names in the attributes it sends with the request
// headers, or behind trusted proxies the one X-Forwarded-For names.
func (e *lambdaExchange) clientAddress(req *extprocv3.ProcessingRequest) string {
	var peer, xff string
	for _, attrs := range req.GetAttributes() {
		if v := attrs.GetFields()[names.SourceAddressAttribute]; v != nil {
			peer = v.GetStringValue()
		}
	}
	for _, h := range e.request.GetHeaders() {
		if h.GetKey() == "x-forwarded-for" {
			xff = headerValue(h)
		}
	}
	return clientip.Of(peer, xff, e.route.trustedHops)
}
