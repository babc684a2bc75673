// Package lambdaauth is the protocol between API Gateway and a Lambda authorizer (REST APIs): what the function's
// answer means. The events it receives are built by lambdaproxy, beside the proxy events they resemble. Like
// lambdaproxy it knows no transport: the ext_authz service invokes the function and hands the Invoke API's
// answer here.
package lambdaauth
