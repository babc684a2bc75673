package processor

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/extproc/lambda/lambdaproxy"
	"github.com/tollgate-gw/tollgate/internal/clientip"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// One is a single answer.
func One(r *extprocv3.ProcessingResponse) []*extprocv3.ProcessingResponse {
	return []*extprocv3.ProcessingResponse{r}
}

// RequestHeadersContinue answers the request headers.
func RequestHeadersContinue(common *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestHeaders{
		RequestHeaders: &extprocv3.HeadersResponse{Response: common}}}
}

// ResponseHeadersContinue answers the response headers.
func ResponseHeadersContinue(common *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseHeaders{
		ResponseHeaders: &extprocv3.HeadersResponse{Response: common}}}
}

// ResponseBodyContinue answers a response body chunk.
func ResponseBodyContinue(common *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ResponseBody{
		ResponseBody: &extprocv3.BodyResponse{Response: common}}}
}

// RequestBodyContinue answers a request body chunk.
func RequestBodyContinue(common *extprocv3.CommonResponse) *extprocv3.ProcessingResponse {
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_RequestBody{
		RequestBody: &extprocv3.BodyResponse{Response: common}}}
}

// Replace sets a whole body.
func Replace(body []byte) *extprocv3.BodyMutation {
	return &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_Body{Body: body}}
}

// clearBody empties a body chunk whose content a later chunk's mutation carries.
var clearBody = &extprocv3.BodyMutation{Mutation: &extprocv3.BodyMutation_ClearBody{ClearBody: true}}

// Body gathers a streamed body. Envoy sends a body right behind its headers without waiting for their answer
// (send_body_without_waiting_for_header_response), so an exchange holds the headers' answer back until the body
// is complete, then answers the headers and every chunk at once: one round trip to Tollgate per phase.
type Body struct {
	data   []byte
	chunks int
}

// Add takes a chunk and reports whether the body is complete.
func (b *Body) Add(chunk *extprocv3.HttpBody) bool {
	b.data = append(b.data, chunk.GetBody()...)
	b.chunks++
	return chunk.GetEndOfStream()
}

// Bytes is the body received so far.
func (b *Body) Bytes() []byte { return b.data }

// ReplaceRequest answers the held-back request headers with headers and every chunk received, the last one
// becoming body (the whole body; nil leaves it as it is) and the earlier ones emptied.
func (b *Body) ReplaceRequest(headers *extprocv3.HeaderMutation, body *extprocv3.BodyMutation) []*extprocv3.ProcessingResponse {
	return b.replace(RequestHeadersContinue(&extprocv3.CommonResponse{HeaderMutation: headers}), RequestBodyContinue, body)
}

// ReplaceResponse is ReplaceRequest for the response.
func (b *Body) ReplaceResponse(headers *extprocv3.HeaderMutation, body *extprocv3.BodyMutation) []*extprocv3.ProcessingResponse {
	return b.replace(ResponseHeadersContinue(&extprocv3.CommonResponse{HeaderMutation: headers}), ResponseBodyContinue, body)
}

func (b *Body) replace(headers *extprocv3.ProcessingResponse, chunk func(*extprocv3.CommonResponse) *extprocv3.ProcessingResponse, body *extprocv3.BodyMutation) []*extprocv3.ProcessingResponse {
	resps := []*extprocv3.ProcessingResponse{headers}
	if body == nil {
		for range b.chunks {
			resps = append(resps, chunk(nil))
		}
		return resps
	}
	for i := 1; i < b.chunks; i++ {
		resps = append(resps, chunk(&extprocv3.CommonResponse{BodyMutation: clearBody}))
	}
	return append(resps, chunk(&extprocv3.CommonResponse{BodyMutation: body}))
}

// RequestID is Envoy's id of the request, when this message carries the request headers.
func RequestID(req *extprocv3.ProcessingRequest) string {
	for _, h := range req.GetRequestHeaders().GetHeaders().GetHeaders() {
		if h.GetKey() == names.EnvoyRequestIDHeader {
			return HeaderValue(h)
		}
	}
	return ""
}

// GatewayError makes Envoy answer the client with a gateway response instead of going on.
func GatewayError(r gatewayresponse.Response, requestID string) *extprocv3.ProcessingResponse {
	var headers []*core.HeaderValueOption
	for name, value := range r.Headers() {
		headers = append(headers, SetHeader(name, value))
	}
	resp := Immediate(r.Status, headers, []byte(r.Body()), requestID)
	// Which gateway response this is, and its message, for the API's customisation of it (Envoy's local replies).
	resp.DynamicMetadata = &structpb.Struct{Fields: map[string]*structpb.Value{
		names.GatewayResponseNamespace: structpb.NewStructValue(gatewayresponse.Metadata(r)),
	}}
	return resp
}

// HTTPAPIError is GatewayError for an HTTP API's route: its answer carries the request id in apigw-requestid.
func HTTPAPIError(r gatewayresponse.Response, requestID string) *extprocv3.ProcessingResponse {
	resp := GatewayError(r, "")
	h := resp.GetImmediateResponse().GetHeaders()
	h.SetHeaders = append(h.SetHeaders, SetHeader(gatewayresponse.RequestIDHeaderV2, requestID))
	return resp
}

// Immediate makes Envoy answer the client with status, headers and body instead of going on, with API
// Gateway's request id headers.
func Immediate(status uint32, headers []*core.HeaderValueOption, body []byte, requestID string) *extprocv3.ProcessingResponse {
	if requestID != "" {
		headers = append(headers, SetHeader(gatewayresponse.RequestIDHeader, requestID),
			SetHeader(gatewayresponse.ExtendedRequestIDHeader, gatewayresponse.ExtendedRequestID(requestID)))
	}
	return &extprocv3.ProcessingResponse{Response: &extprocv3.ProcessingResponse_ImmediateResponse{ImmediateResponse: &extprocv3.ImmediateResponse{
		Status:  &typev3.HttpStatus{Code: typev3.StatusCode(status)},
		Headers: &extprocv3.HeaderMutation{SetHeaders: headers},
		Body:    body,
	}}}
}

// MethodResponse is Immediate for an answer that is the method's response (a MOCK's, a cache hit's), marked so
// that Envoy's local replies, which render gateway responses, leave it as it is.
func MethodResponse(status uint32, headers []*core.HeaderValueOption, body []byte, requestID string) *extprocv3.ProcessingResponse {
	resp := Immediate(status, headers, body, requestID)
	resp.DynamicMetadata = &structpb.Struct{Fields: map[string]*structpb.Value{
		names.GatewayResponseNamespace: structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			names.MethodResponseField: structpb.NewBoolValue(true),
		}}),
	}}
	return resp
}

// IsMethodResponse tells whether an answer is a method response MethodResponse made.
func IsMethodResponse(resp *extprocv3.ProcessingResponse) bool {
	return resp.GetDynamicMetadata().GetFields()[names.GatewayResponseNamespace].GetStructValue().GetFields()[names.MethodResponseField].GetBoolValue()
}

// SetHeader sets a header, replacing any value it had.
func SetHeader(name, value string) *core.HeaderValueOption {
	return &core.HeaderValueOption{
		Header:       &core.HeaderValue{Key: name, RawValue: []byte(value)},
		AppendAction: core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
	}
}

// AppendHeader adds a value to a header.
func AppendHeader(name, value string) *core.HeaderValueOption {
	return &core.HeaderValueOption{
		Header: &core.HeaderValue{Key: name, RawValue: []byte(value)},
		// ext_proc reads the older append flag: without it a repeated header (Set-Cookie) keeps only its last value.
		//lint:ignore SA1019 Envoy 1.40's ext_proc ignores append_action, so the deprecated flag is the one that works.
		Append: wrapperspb.Bool(true),
	}
}

// HeaderValue reads a header Envoy sent: in raw_value by default, in value by older Envoys.
func HeaderValue(h *core.HeaderValue) string {
	if len(h.GetRawValue()) > 0 {
		return string(h.GetRawValue())
	}
	return h.GetValue()
}

// ClientAddress is the client's address: the peer Envoy names in the attributes it sends with the request
// headers, or behind trustedHops trusted proxies the one X-Forwarded-For names.
func ClientAddress(req *extprocv3.ProcessingRequest, headers *core.HeaderMap, trustedHops int) string {
	var peer, xff string
	for _, attrs := range req.GetAttributes() {
		if v := attrs.GetFields()[names.SourceAddressAttribute]; v != nil {
			peer = v.GetStringValue()
		}
	}
	for _, h := range headers.GetHeaders() {
		if h.GetKey() == "x-forwarded-for" {
			xff = HeaderValue(h)
		}
	}
	return clientip.Of(peer, xff, trustedHops)
}

// Checks are what the ext_authz check before ext_proc admitted the request with: the key, and the authorizer's
// answer. Both check filters file it under ext_authz's name.
type Checks struct {
	APIKeyID string
	// Authorizer is the authorizer's principalId and context (or a Cognito token's claims), nil without one.
	Authorizer map[string]any
	// JWT is what an HTTP API's JWT authorizer verified: {"claims": ..., "scopes": ...}; nil without one.
	JWT map[string]any
	// IAM is the caller IAM authorization verified.
	IAM lambdaproxy.IAMIdentity
}

// ReadChecks reads the checks from the metadata Envoy forwards with the request headers.
func ReadChecks(req *extprocv3.ProcessingRequest) Checks {
	fields := req.GetMetadataContext().GetFilterMetadata()[names.ExtAuthzFilter].GetFields()
	c := Checks{APIKeyID: fields[names.APIKeyIDField].GetStringValue()}
	if az := fields[names.AuthorizerField].GetStructValue(); az != nil {
		c.Authorizer = az.AsMap()
	}
	if payload := req.GetMetadataContext().GetFilterMetadata()[names.JWTFilter].GetFields()[names.JWTPayloadField].GetStructValue(); payload != nil {
		c.JWT = jwtAuthorizer(payload.AsMap())
	}
	if id := fields[names.IdentityField].GetStructValue().GetFields(); id != nil {
		c.IAM = lambdaproxy.IAMIdentity{AccessKey: id["accessKey"].GetStringValue(), AccountID: id["accountId"].GetStringValue(),
			Caller: id["caller"].GetStringValue(), User: id["user"].GetStringValue(), UserARN: id["userArn"].GetStringValue()}
	}
	return c
}

// onDomain makes the request headers of a custom domain's route (mapping: "{basePath} {stagePath}") the same
// request's on the API's own host, its path under the stage, and files what the client called (the host, the
// path) for CustomDomain: every exchange reads the request as it reads one on the API's host.
func onDomain(req *extprocv3.ProcessingRequest, mapping string) {
	headers := req.GetRequestHeaders().GetHeaders().GetHeaders()
	if headers == nil {
		return
	}
	basePath, stagePath, _ := strings.Cut(mapping, " ")
	var domainName, path string
	for _, h := range headers {
		switch h.GetKey() {
		case ":authority":
			domainName, _, _ = strings.Cut(HeaderValue(h), ":")
		case ":path":
			path = HeaderValue(h)
			h.RawValue, h.Value = []byte(lambdaproxy.StageFormPath(path, basePath, stagePath)), ""
		}
	}
	called, _, _ := strings.Cut(path, "?")
	if req.MetadataContext == nil {
		req.MetadataContext = &core.Metadata{}
	}
	if req.MetadataContext.FilterMetadata == nil {
		req.MetadataContext.FilterMetadata = map[string]*structpb.Struct{}
	}
	req.MetadataContext.FilterMetadata[names.CustomDomainNamespace] = &structpb.Struct{Fields: map[string]*structpb.Value{
		"domainName": structpb.NewStringValue(domainName), "path": structpb.NewStringValue(called)}}
}

// CustomDomain is the host and the path the client called when a custom domain name's route sent the request
// to its stage ("" for both on the API's own host).
func CustomDomain(req *extprocv3.ProcessingRequest) (domainName, path string) {
	fields := req.GetMetadataContext().GetFilterMetadata()[names.CustomDomainNamespace].GetFields()
	return fields["domainName"].GetStringValue(), fields["path"].GetStringValue()
}

// ValidHeader keeps a header a function or a template gives only if Envoy can send it: a token name that is not a
// pseudo-header or a hop-by-hop header Envoy manages itself, and a value without control characters.
func ValidHeader(name, value string) bool {
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

// ResponseStatus reads the response headers Envoy sends: the status, and the other headers.
func ResponseStatus(headers *core.HeaderMap) (int, http.Header) {
	status, out := 0, http.Header{}
	for _, h := range headers.GetHeaders() {
		if h.GetKey() == ":status" {
			status, _ = strconv.Atoi(HeaderValue(h))
			continue
		}
		out.Add(h.GetKey(), HeaderValue(h))
	}
	return status, out
}

// MediaType is a Content-Type's type without parameters, in lower case; API Gateway reads a request without one
// as application/json.
func MediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	if mt == "" {
		return "application/json"
	}
	return mt
}

// jwtAuthorizer is what a JWT authorizer gives a Lambda proxy event (requestContext.authorizer.jwt in 2.0,
// requestContext.authorizer in 1.0): the token's claims, each as text as API Gateway
// gives them, and the scopes its scope claim grants (null for none).
func jwtAuthorizer(payload map[string]any) map[string]any {
	claims := make(map[string]any, len(payload))
	for k, v := range payload {
		claims[k] = claimText(v)
	}
	var scopes any // null without a scope claim
	if s, ok := payload["scope"].(string); ok {
		scopes = strings.Fields(s)
	}
	return map[string]any{"claims": claims, "scopes": scopes}
}

// claimText writes a claim as text: a number without a fraction as an integer, a list as [a b].
func claimText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = claimText(x)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprint(v)
}

// FromBackend tells whether a response came from the backend, not from Envoy (a local reply: a timeout, a
// connection failure), by the code details Envoy sends as a response attribute.
func FromBackend(req *extprocv3.ProcessingRequest) bool {
	for _, attrs := range req.GetAttributes() {
		if v := attrs.GetFields()[names.ResponseCodeDetailsAttribute]; v != nil {
			return v.GetStringValue() == "via_upstream"
		}
	}
	return false
}
