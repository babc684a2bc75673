package gatewayresponse

// NotFound is an HTTP API's answer to a request no route takes. HTTP APIs have no gateway responses to customise:
// the name is Tollgate's, for the one answer of theirs a REST API never gives.
const NotFound Type = "NOT_FOUND"

// RequestIDHeaderV2 is the header an HTTP API's responses carry the request id in, instead of a REST API's
// x-amzn-RequestId and x-amz-apigw-id.
const RequestIDHeaderV2 = "apigw-requestid"

// httpAPIAnswers are the answers an HTTP API gives where a REST API's differ: other statuses and messages, and
// no x-amzn-ErrorType. A Lambda function's error or an unreachable backend is a 500, a timeout a 503.
var httpAPIAnswers = map[Type]Response{
	NotFound:              {Status: 404, Message: "Not Found"},
	IntegrationFailure:    {Status: 500, Message: "Internal Server Error"},
	IntegrationTimeout:    {Status: 503, Message: "Service Unavailable"},
	APIConfigurationError: {Status: 500, Message: "Internal Server Error"},
	RequestTooLarge:       {Status: 413, Message: "Request Entity Too Large"},
	// A JWT authorizer's scopes not granted, a Lambda authorizer's refusal, an IAM caller's policy not allowing
	// the route; a request to an AWS_IAM route unsigned, or signed wrong: an HTTP API says no more than Forbidden.
	AccessDenied:               {Status: 403, Message: "Forbidden"},
	MissingAuthenticationToken: {Status: 403, Message: "Forbidden"},
	InvalidSignature:           {Status: 403, Message: "Forbidden"},
	// A Lambda authorizer that fails, times out or answers what API Gateway cannot read.
	AuthorizerConfiguration: {Status: 500, Message: "Internal Server Error"},
	AuthorizerFailure:       {Status: 500, Message: "Internal Server Error"},
}

// ForHTTPAPI is an HTTP API's answer of type t: its own where it has one, else a REST API's without the error
// type header.
func ForHTTPAPI(t Type) Response {
	r, ok := httpAPIAnswers[t]
	if !ok {
		r = Default(t)
		r.ErrorType = ""
	}
	r.Type = t
	return r
}
