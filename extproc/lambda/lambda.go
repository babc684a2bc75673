package lambda

import (
	"net/http"
	"net/textproto"
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
	jwt        map[string]any // a JWT authorizer's {"claims", "scopes"}, for the parameter mappings
	// domainName and calledPath are what the client called on a custom domain name, "" on the API's own host.
	domainName, calledPath string
	invoked                bool // the request was turned into an Invoke call
	// requestID is the id Envoy gave the request: the response carries it as x-amzn-RequestId, which Envoy's
	// route-level response headers do not add to a response this filter rewrites.
	requestID string
	invoke    lambdaproxy.Invocation
	// The bodies received and not answered yet (see processor.Body).
	requestBody, responseBody processor.Body
}

func newLambdaExchange(r *route, now time.Time) *lambdaExchange {
	return &lambdaExchange{route: r, received: now}
}

func (e *lambdaExchange) Handle(req *extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	switch r := req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		e.request = r.RequestHeaders.GetHeaders()
		e.sourceIP = processor.ClientAddress(req, e.request, e.route.trustedHops)
		checks := processor.ReadChecks(req)
		e.apiKeyID, e.authorizer, e.iam, e.jwt = checks.APIKeyID, checks.Authorizer, checks.IAM, checks.JWT
		e.domainName, e.calledPath = processor.CustomDomain(req)
		if checks.JWT != nil {
			e.authorizer = checks.JWT // payload 1.0: {"claims", "scopes"}
			if e.route.PayloadFormatVersion == "2.0" {
				e.authorizer = map[string]any{"jwt": checks.JWT}
			}
		}
		if id := checks.IAM; id.AccessKey != "" && e.route.PayloadFormatVersion == "2.0" {
			// payload 2.0 names the signed caller in requestContext.authorizer.iam, not identity.
			e.authorizer = map[string]any{"iam": map[string]any{"accessKey": id.AccessKey, "accountId": id.AccountID, "callerId": id.Caller,
				"cognitoIdentity": nil, "principalOrgId": nil, "userArn": id.UserARN, "userId": id.User}}
		}
		if !r.RequestHeaders.GetEndOfStream() {
			return nil, nil // answered with the body, which Envoy sends without waiting
		}
		common, err := e.invocation(nil)
		if err != nil {
			return nil, err
		}
		// No body to replace: CONTINUE_AND_REPLACE lets Envoy send the event as the body of a bodiless request.
		common.Status = extprocv3.CommonResponse_CONTINUE_AND_REPLACE
		return processor.One(processor.RequestHeadersContinue(common)), nil
	case *extprocv3.ProcessingRequest_RequestBody:
		if !e.requestBody.Add(r.RequestBody) {
			return nil, nil
		}
		common, err := e.invocation(e.requestBody.Bytes())
		if err != nil {
			return nil, err
		}
		// The headers take the Invoke call's, and the body becomes the event.
		return e.requestBody.ReplaceRequest(common.HeaderMutation, common.BodyMutation), nil
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		if !e.invoked {
			// Envoy answered before any Invoke call (a 413 for a body over the limit): that answer stands.
			return processor.One(processor.ResponseHeadersContinue(nil)), nil
		}
		e.invoke.Status, e.invoke.Header = processor.ResponseStatus(r.ResponseHeaders.GetHeaders())
		if r.ResponseHeaders.GetEndOfStream() {
			return e.response(true), nil
		}
		return nil, nil // answered with the body, which Envoy sends without waiting
	case *extprocv3.ProcessingRequest_ResponseBody:
		if !e.invoked {
			return processor.One(processor.ResponseBodyContinue(nil)), nil
		}
		if !e.responseBody.Add(r.ResponseBody) {
			return nil, nil
		}
		e.invoke.Payload = e.responseBody.Bytes()
		return e.response(false), nil
	}
	return nil, nil
}

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
		processor.SetHeader(":method", http.MethodPost),
		processor.SetHeader(":path", e.route.InvokePath),
		processor.SetHeader("content-type", "application/json"),
		processor.SetHeader("content-length", strconv.Itoa(len(event))),
	}}
	for _, h := range e.request.GetHeaders() {
		switch k := h.GetKey(); {
		case strings.HasPrefix(k, ":"), k == "content-type", k == "content-length":
		case k == "origin" && e.route.CORS:
			// The route's Access-Control-Allow-Origin echoes it (%REQ(origin)%), read once the function answers.
		default:
			mutation.RemoveHeaders = append(mutation.RemoveHeaders, k)
		}
	}
	return &extprocv3.CommonResponse{
		HeaderMutation: mutation,
		BodyMutation:   processor.Replace(event),
	}, nil
}

// proxyRequest describes the client's request as the event builder needs it.
func (e *lambdaExchange) proxyRequest(body []byte) *lambdaproxy.Request {
	r := e.route
	in := &lambdaproxy.Request{
		HTTPAPI: r.HTTPAPI, Body: body, Protocol: "HTTP/1.1", Resource: r.Resource, Stage: r.Stage, StageVariables: r.StageVariables,
		APIID: r.APIID, AccountID: r.AccountID, ResourceID: lambdaproxy.ResourceID(r.APIID, r.Resource),
		Time: e.received, BinaryMediaTypes: r.BinaryMediaTypes, Authorizer: e.authorizer, IAM: e.iam,
	}
	var path string
	for _, h := range e.request.GetHeaders() {
		k, v := h.GetKey(), processor.HeaderValue(h)
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
		case names.ClientCertHeader:
			in.ClientCert = lambdaproxy.ForwardedClientCert(v)
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
	if e.domainName != "" {
		in.DomainName, in.CalledPath = e.domainName, e.calledPath
	}
	in.DomainName, _, _ = strings.Cut(in.DomainName, ":")
	in.DomainPrefix, _, _ = strings.Cut(in.DomainName, ".")
	rawPath, rawQuery, _ := strings.Cut(path, "?")
	in.PathParameters, _ = r.paths.PathParameters(rawPath)
	in.RawPath = strings.TrimPrefix(rawPath, r.StagePath())
	if in.RawPath == "" {
		in.RawPath = "/"
	}
	in.RawQuery = rawQuery
	in.ExtendedRequestID = gatewayresponse.ExtendedRequestID(in.RequestID)
	e.requestID = in.RequestID
	in.RouteKey = r.RouteKey()
	if r.RequestMappings.Any() {
		e.mapRequest(in, rawPath)
	}
	return in
}

// mapRequest makes an HTTP API's parameter mappings on the event's request: its headers and its query string.
func (e *lambdaExchange) mapRequest(in *lambdaproxy.Request, rawPath string) {
	m := &e.route.RequestMappings
	query, _ := url.ParseQuery(in.RawQuery)
	// The values read are the client's, whatever the mappings do first.
	values := &processor.RequestValues{Headers: processor.HeaderOf(in.Headers), Query: query, PathParameters: in.PathParameters,
		Path: rawPath, Body: in.Body, RequestID: in.RequestID, Method: in.Method, SourceIP: in.SourceIP, Authorizer: e.authorizer, JWT: e.jwt}
	read := values.Read
	in.Headers = processor.MapHeaders(in.Headers, slices.Concat(m.Headers, m.ServiceHeaders), m.RemoveHeaders, read)
	raw := processor.WithoutParameters(in.RawQuery, m.RemoveQuery)
	in.RawQuery = strings.TrimPrefix(processor.MappedQuery(raw, slices.Concat(m.Query, m.ServiceQuery), read), "?")
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
		if e.route.HTTPAPI {
			// An HTTP API's answer is its 500 whatever was wrong.
			return processor.One(processor.HTTPAPIError(gatewayresponse.ForHTTPAPI(gatewayresponse.APIConfigurationError), e.requestID))
		}
		resp := gatewayresponse.Default(gatewayresponse.APIConfigurationError)
		if le, ok := err.(*lambdaproxy.Error); ok {
			resp.Status = uint32(le.Status)
		}
		return processor.One(processor.GatewayError(resp, e.requestID))
	}
	if m := e.route.Responses[strconv.Itoa(out.Status)]; m != nil {
		mapResponse(out, m)
	}
	mutation := &extprocv3.HeaderMutation{SetHeaders: []*core.HeaderValueOption{
		processor.SetHeader(":status", strconv.Itoa(out.Status)),
		processor.SetHeader("content-length", strconv.Itoa(len(out.Body))),
	}}
	// The request id headers, set here over the Invoke API's own x-amzn-RequestId: a REST API's, or an HTTP
	// API's apigw-requestid.
	ids := []*core.HeaderValueOption{processor.SetHeader(gatewayresponse.RequestIDHeader, e.requestID),
		processor.SetHeader(gatewayresponse.ExtendedRequestIDHeader, gatewayresponse.ExtendedRequestID(e.requestID))}
	if e.route.HTTPAPI {
		ids = []*core.HeaderValueOption{processor.SetHeader(gatewayresponse.RequestIDHeaderV2, e.requestID)}
	}
	mutation.SetHeaders = append(mutation.SetHeaders, ids...)
	var keep []string
	for _, h := range ids {
		keep = append(keep, strings.ToLower(h.GetHeader().GetKey()))
	}
	for name := range e.invoke.Header {
		// The Invoke API's own headers are not the function's; an API's CORS headers are the route's.
		if k := strings.ToLower(name); !slices.Contains(keep, k) && !(e.route.CORS && isCORSHeader(k)) {
			mutation.RemoveHeaders = append(mutation.RemoveHeaders, k)
		}
	}
	for _, h := range out.Headers {
		if e.route.CORS && isCORSHeader(strings.ToLower(h[0])) {
			continue // an API with a CORS configuration ignores the function's, as API Gateway does
		}
		if processor.ValidHeader(h[0], h[1]) {
			mutation.SetHeaders = append(mutation.SetHeaders, processor.AppendHeader(strings.ToLower(h[0]), h[1]))
		}
	}
	body := processor.Replace(out.Body)
	if headersOnly {
		// The Invoke response had no body: CONTINUE_AND_REPLACE adds the function's.
		return processor.One(processor.ResponseHeadersContinue(&extprocv3.CommonResponse{
			Status: extprocv3.CommonResponse_CONTINUE_AND_REPLACE, HeaderMutation: mutation, BodyMutation: body,
		}))
	}
	return e.responseBody.ReplaceResponse(mutation, body)
}

// mapResponse makes an HTTP API's response mapping on the function's response: its headers, then its status.
func mapResponse(out *lambdaproxy.Response, m *ir.ResponseMapping) {
	read := processor.ResponseValues(processor.HeaderOf(out.Headers))
	out.Headers = processor.MapHeaders(out.Headers, m.Headers, m.RemoveHeaders, read)
	if m.Status != 0 {
		out.Status = m.Status
	}
}

// isCORSHeader tells a CORS response header (lower-case).
func isCORSHeader(name string) bool { return strings.HasPrefix(name, "access-control-") }
