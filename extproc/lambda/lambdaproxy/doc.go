// Package lambdaproxy speaks API Gateway's Lambda proxy integration (AWS_PROXY): it turns a client request into
// the event JSON a function receives, and the function's output back into the HTTP response the client gets.
//
// Two payload formats exist. Format 1.0 is what REST APIs send (BuildV1, DecodeV1); format 2.0 is the default of
// HTTP APIs (BuildV2, DecodeV2). The package knows nothing of Envoy or of how Lambda is reached: the caller
// describes the request in a Request, invokes the function with the built payload, and hands the Invoke API's
// answer (status, headers, body) to the matching Decode function.
//
// # Errors
//
// A Decode function returns an *Error when the client must get a gateway error instead of the function's
// response. Error.Status is the status API Gateway answers with; the body is {"message":"Internal server error"}
// for REST APIs and {"message":"Internal Server Error"} for HTTP APIs. AWS's "Handling Lambda errors with an
// API Gateway API" page sets the REST statuses: 500 when the Lambda API rejects the Invoke call (throttling
// included: Lambda's 429 is not passed on), 502 when the function fails or its output is malformed. HTTP APIs
// answer 500 in every case.
//
// # Faithfulness notes
//
// The behaviour follows the AWS developer guide and, where the guide is silent or its examples disagree, responses
// recorded against real AWS. Each such reading is stated at the place in the code that makes it.
package lambdaproxy
