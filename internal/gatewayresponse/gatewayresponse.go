// Package gatewayresponse holds API Gateway's default gateway responses: the status, body and error type a client
// gets when the gateway itself answers. Envoy's direct responses, local-reply mappers and (later) the ext services
// all render errors from this one table so every error looks the same as on AWS.
package gatewayresponse

import (
	"encoding/json"
	"strings"
)

// Type names a gateway response as AWS does (the GatewayResponseType enum).
type Type string

// The gateway response types Tollgate produces.
const (
	MissingAuthenticationToken Type = "MISSING_AUTHENTICATION_TOKEN"
	IntegrationTimeout         Type = "INTEGRATION_TIMEOUT"
	IntegrationFailure         Type = "INTEGRATION_FAILURE"
	APIConfigurationError      Type = "API_CONFIGURATION_ERROR"
	RequestTooLarge            Type = "REQUEST_TOO_LARGE"
	InvalidAPIKey              Type = "INVALID_API_KEY"
	Throttled                  Type = "THROTTLED"
	QuotaExceeded              Type = "QUOTA_EXCEEDED"
	Unauthorized               Type = "UNAUTHORIZED"
	AccessDenied               Type = "ACCESS_DENIED"
	AuthorizerConfiguration    Type = "AUTHORIZER_CONFIGURATION_ERROR"
	UnsupportedMediaType       Type = "UNSUPPORTED_MEDIA_TYPE"
	BadRequestParameters       Type = "BAD_REQUEST_PARAMETERS"
	BadRequestBody             Type = "BAD_REQUEST_BODY"
	InvalidSignature           Type = "INVALID_SIGNATURE"
)

// ExplicitDenyMessage is ACCESS_DENIED's message when a policy denies the request explicitly, rather than
// allowing it nowhere.
const ExplicitDenyMessage = "User is not authorized to access this resource with an explicit deny"

// Every response carries the request id under AWS's names: x-amzn-RequestId, and x-amz-apigw-id, API Gateway's
// extended request id ($context.extendedRequestId), 16 characters: Tollgate's is the request id's first 16, so
// the two always name the same request. Envoy's route configuration adds both to the responses it makes or
// forwards; Tollgate's ext services add them to the responses they write.
const (
	RequestIDHeader         = "x-amzn-RequestId"
	ExtendedRequestIDHeader = "x-amz-apigw-id"
	ExtendedRequestIDLength = 16
)

// ExtendedRequestID is the extended request id of a request id.
func ExtendedRequestID(requestID string) string {
	if len(requestID) > ExtendedRequestIDLength {
		return requestID[:ExtendedRequestIDLength]
	}
	return requestID
}

// Response is one default gateway response.
type Response struct {
	// Type is the gateway response type the response is of, which an API's customisation of it applies to.
	Type    Type
	Status  uint32
	Message string
	// ErrorType is the x-amzn-ErrorType header; empty where AWS does not document one.
	ErrorType string
	// NullMessage makes the body {"message":null}, as AWS answers an authorizer's configuration error.
	NullMessage bool
	// MessageKey is the body's key where AWS does not write "message": ACCESS_DENIED's is "Message".
	MessageKey string
	// ValidationError is $context.error.validationErrorString: why a request validator refused the request.
	ValidationError string
}

var defaults = map[Type]Response{
	MissingAuthenticationToken: {Status: 403, Message: "Missing Authentication Token", ErrorType: "MissingAuthenticationTokenException"},
	IntegrationTimeout:         {Status: 504, Message: "Endpoint request timed out"},
	// AWS documents INTEGRATION_FAILURE as a 504; the message is the DEFAULT_5XX one.
	IntegrationFailure:      {Status: 504, Message: "Internal server error"},
	APIConfigurationError:   {Status: 500, Message: "Internal server error", ErrorType: "InternalServerErrorException"},
	InvalidAPIKey:           {Status: 403, Message: "Forbidden", ErrorType: "ForbiddenException"},
	Throttled:               {Status: 429, Message: "Too Many Requests", ErrorType: "TooManyRequestsException"},
	QuotaExceeded:           {Status: 429, Message: "Limit Exceeded", ErrorType: "LimitExceededException"},
	Unauthorized:            {Status: 401, Message: "Unauthorized", ErrorType: "UnauthorizedException"},
	AccessDenied:            {Status: 403, Message: "User is not authorized to access this resource", ErrorType: "AccessDeniedException", MessageKey: "Message"},
	AuthorizerConfiguration: {Status: 500, ErrorType: "AuthorizerConfigurationException", NullMessage: true},
	// A request its method's validator refuses; BAD_REQUEST_PARAMETERS's message names the missing parameters
	// (MissingParameters).
	BadRequestParameters: {Status: 400, Message: "Missing required request parameters", ErrorType: "BadRequestException"},
	BadRequestBody:       {Status: 400, Message: "Invalid request body", ErrorType: "BadRequestException"},
	// A SigV4 signature refused; its message says why (the authorizer's check writes it).
	InvalidSignature: {Status: 403, ErrorType: "InvalidSignatureException"},
	// A content type the integration's passthrough behaviour refuses.
	UnsupportedMediaType: {Status: 415, Message: "Unsupported Media Type", ErrorType: "UnsupportedMediaTypeException"},
	// The message API Gateway answers a payload over its 10 MB limit with.
	RequestTooLarge: {Status: 413, Message: "HTTP content length exceeded 10485760 bytes."},
}

// Forbidden is what a custom domain answers for a path under none of its base path mappings, and an API's own
// host for every path once its default endpoint is disabled: no API's gateway response, as no API is reached.
var Forbidden = Response{Status: 403, Message: "Forbidden", ErrorType: "ForbiddenException"}

// MissingParameters is BAD_REQUEST_PARAMETERS for the parameters a request lacks, named as API Gateway names
// them: [a, b].
func MissingParameters(names []string) Response {
	r := Default(BadRequestParameters)
	r.Message += ": [" + strings.Join(names, ", ") + "]"
	return r
}

// Default returns the default response of a type. Every Type constant has one.
func Default(t Type) Response {
	r := defaults[t]
	r.Type = t
	return r
}

// Body is the JSON body AWS sends by default: {"message":"..."}.
func (r Response) Body() string {
	key := r.MessageKey
	if key == "" {
		key = "message"
	}
	var message any = r.Message
	if r.NullMessage {
		message = nil
	}
	b, _ := json.Marshal(map[string]any{key: message})
	return string(b)
}

// WithMessage is the response with another message, as AWS words some outcomes of one type differently.
func (r Response) WithMessage(m string) Response {
	r.Message = m
	return r
}

// Headers are the response headers that go with the body, request id aside (the route configuration adds that to
// every response).
func (r Response) Headers() map[string]string {
	h := map[string]string{"content-type": "application/json"}
	if r.ErrorType != "" {
		h["x-amzn-ErrorType"] = r.ErrorType
	}
	return h
}
