package lambdaproxy

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Request is what the gateway knows about one client request when it invokes a proxy integration. Strings left
// empty are sent as AWS sends unknown values (null, or the key left out, as each field says).
type Request struct {
	// HTTPAPI: the request is to an HTTP API, whose 1.0 events carry "version": "1.0", as AWS's do; a REST
	// API's have no version.
	HTTPAPI bool
	// Method is the client's HTTP method ("GET"), not the method of the matched route (which may be ANY).
	Method string
	// RawPath is the path as the client sent it, still escaped, without the stage or any invocation-URL prefix:
	// "/pets/a%20b" for https://{api}.execute-api.{region}.amazonaws.com/prod/pets/a%20b. AWS never decodes it.
	RawPath string
	// CalledPath is the path the client called on a custom domain name, its base path included: AWS reports it
	// as the event's path (a REST event's, and an HTTP event's rawPath) and requestContext's there. "" on the
	// API's own host.
	CalledPath string
	// RawQuery is the query string as sent, without '?'.
	RawQuery string
	// Headers are the client's headers in arrival order, names as received (HTTP/1 spelling, or lower case from
	// HTTP/2); a name may repeat.
	Headers [][2]string
	Body    []byte
	// SourceIP is the client's address (identity.sourceIp, http.sourceIp).
	SourceIP string
	// Protocol is the request protocol as API Gateway reports it, e.g. "HTTP/1.1".
	Protocol string

	// Resource is the matched resource path template, e.g. "/pets/{petId}" (REST: resource, resourcePath).
	Resource string
	// PathParameters are the values of the template's parameters exactly as they appear in RawPath: AWS passes
	// them undecoded ("/users/a%40b" gives {"id": "a%40b"}), and a greedy {proxy+} value has no leading slash.
	PathParameters map[string]string
	// Stage is the stage name; "$default" for an HTTP API's default stage.
	Stage          string
	StageVariables map[string]string

	APIID     string
	AccountID string
	// ResourceID is the REST resource's id; null in the event when empty.
	ResourceID string
	// DeploymentID is the id of the stage's deployment. Real REST events carry requestContext.deploymentId
	// though the developer guide's examples do not show it; it is left out when empty.
	DeploymentID string
	// DomainName is the host the client called (requestContext.domainName); DomainPrefix is its first label.
	DomainName   string
	DomainPrefix string
	// RequestID is the gateway's request id (x-amzn-RequestId); ExtendedRequestID is the x-amz-apigw-id.
	RequestID         string
	ExtendedRequestID string
	// Time is when the gateway received the request; it is reported in UTC with millisecond precision.
	Time time.Time

	// BinaryMediaTypes is the REST API's binaryMediaTypes list ("image/png", "image/*", "*/*"): a body whose
	// Content-Type matches one is base64-encoded in the 1.0 event. HTTP APIs have no such list (see BuildV2).
	BinaryMediaTypes []string
	// APIKey and APIKeyID are the API key the request was authorised with, if any.
	APIKey   string
	APIKeyID string
	// IAM is the caller IAM authorization verified (identity.accessKey, accountId, caller, user, userArn); the
	// zero value for none, and then those are null.
	IAM IAMIdentity
	// ClientCert is the certificate the client presented to a custom domain with mutual TLS; nil for none, and
	// then the event has no clientCert.
	ClientCert *ClientCert
	// Authorizer is requestContext.authorizer exactly as it must appear: for a REST Lambda authorizer
	// {"principalId": ..., "integrationLatency": ..., <context keys>...}, for Cognito {"claims": {...}}, for an
	// HTTP API {"lambda": {...}} or {"jwt": {"claims": ..., "scopes": ...}}. Nil when no authorizer ran, and
	// then the key is left out.
	Authorizer map[string]any
	// RouteKey is the HTTP API route that matched: "GET /pets/{petId}" or "$default". Only BuildV2 uses it.
	RouteKey string
}

// IAMIdentity is who signed a request to a method with IAM authorization.
type IAMIdentity struct {
	AccessKey, AccountID, Caller, User, UserARN string
}

// BuildV1 returns the payload format 1.0 event (REST APIs) for r.
//
// Headers and query parameters appear twice: in headers / queryStringParameters with the last value of each
// name, and in multiValueHeaders / multiValueQueryStringParameters with all of them. Header names are grouped
// case-insensitively under their first spelling. Empty maps and an empty body are null, as AWS sends them. The
// body is base64-encoded (isBase64Encoded true) when its Content-Type matches r.BinaryMediaTypes; a request
// without Content-Type is taken as application/json, the type API Gateway assumes for it.
//
// identity carries apiKey and apiKeyId only when a key was used: events recorded on real REST APIs without keys
// have neither (the guide's oldest example shows "apiKey": null). The other identity fields, which only IAM and
// Cognito authorization fill, are null.
func BuildV1(r *Request) ([]byte, error) {
	authorizer, err := marshalAuthorizer(r.Authorizer)
	if err != nil {
		return nil, err
	}
	w := jsonWriter{buf: make([]byte, 0, eventSize(r))}
	w.open('{')
	if r.HTTPAPI {
		w.key("version")
		w.str("1.0")
	}
	writeRequestV1(&w, r, authorizer)
	contentType, ok := headerValue(r.Headers, "Content-Type")
	if !ok {
		contentType = "application/json"
	}
	writeBody(&w, r.Body, MatchesBinaryMediaType(contentType, r.BinaryMediaTypes), true)
	w.close('}')
	return w.buf, nil
}

// BuildRequestAuthorizerV1 returns the event a REQUEST Lambda authorizer receives for r: the 1.0 proxy event's
// request fields without the body, after the type and the method ARN being authorized, as in the developer
// guide's "Input to an API Gateway Lambda authorizer" example. An HTTP API's 1.0 event carries "version" first,
// and after the ARN its identity sources' values, comma-joined, as identitySource and authorizationToken.
func BuildRequestAuthorizerV1(r *Request, methodArn string, identity []string) []byte {
	w := jsonWriter{buf: make([]byte, 0, eventSize(r))}
	w.open('{')
	if r.HTTPAPI {
		w.key("version")
		w.str("1.0")
	}
	w.key("type")
	w.str("REQUEST")
	w.key("methodArn")
	w.str(methodArn)
	if r.HTTPAPI {
		joined := strings.Join(identity, ",")
		w.key("identitySource")
		w.str(joined)
		w.key("authorizationToken")
		w.str(joined)
	}
	writeRequestV1(&w, r, nil)
	w.close('}')
	return w.buf
}

// BuildRequestAuthorizerV2 returns the payload format 2.0 event an HTTP API's Lambda authorizer receives for r,
// as the HTTP API guide's example has it: the 2.0 proxy event's members without the body, after the route ARN
// and the identity sources' values.
func BuildRequestAuthorizerV2(r *Request, routeArn string, identity []string) []byte {
	w := jsonWriter{buf: make([]byte, 0, eventSize(r))}
	w.open('{')
	w.key("version")
	w.str("2.0")
	w.key("type")
	w.str("REQUEST")
	w.key("routeArn")
	w.str(routeArn)
	w.key("identitySource")
	w.open('[')
	for _, v := range identity {
		w.str(v)
	}
	w.close(']')
	writeRequestV2(&w, r, nil)
	w.close('}')
	return w.buf
}

// writeRequestV1 writes the request members the 1.0 event and the REQUEST authorizer's event share, from
// resource to requestContext.
func writeRequestV1(w *jsonWriter, r *Request, authorizer []byte) {
	headers := groupFields(r.Headers, true)
	query := groupFields(parseQuery(r.RawQuery), false)
	w.key("resource")
	w.str(r.Resource)
	w.key("path")
	w.str(cmp.Or(r.CalledPath, r.RawPath))
	w.key("httpMethod")
	w.str(r.Method)
	w.key("headers")
	writeLastValues(w, &headers)
	w.key("multiValueHeaders")
	writeAllValues(w, &headers)
	w.key("queryStringParameters")
	writeLastValues(w, &query)
	w.key("multiValueQueryStringParameters")
	writeAllValues(w, &query)
	w.key("pathParameters")
	writeStringMap(w, r.PathParameters)
	w.key("stageVariables")
	writeStringMap(w, r.StageVariables)
	w.key("requestContext")
	writeContextV1(w, r, authorizer)
}

// BuildTokenAuthorizer returns the event a TOKEN Lambda authorizer receives.
func BuildTokenAuthorizer(token, methodArn string) []byte {
	w := jsonWriter{buf: make([]byte, 0, len(token)+len(methodArn)+64)}
	w.open('{')
	w.key("type")
	w.str("TOKEN")
	w.key("authorizationToken")
	w.str(token)
	w.key("methodArn")
	w.str(methodArn)
	w.close('}')
	return w.buf
}

// openContext starts a requestContext with the fields both payload versions begin with, in AWS's order.
func openContext(w *jsonWriter, r *Request, authorizer []byte) {
	w.open('{')
	w.key("accountId")
	w.str(r.AccountID)
	w.key("apiId")
	w.str(r.APIID)
	if authorizer != nil {
		w.key("authorizer")
		w.raw(authorizer)
	}
}

func writeContextV1(w *jsonWriter, r *Request, authorizer []byte) {
	userAgent, _ := headerValue(r.Headers, "User-Agent")
	openContext(w, r, authorizer)
	if r.DeploymentID != "" {
		w.key("deploymentId")
		w.str(r.DeploymentID)
	}
	w.key("domainName")
	w.str(r.DomainName)
	w.key("domainPrefix")
	w.str(r.DomainPrefix)
	w.key("extendedRequestId")
	w.str(r.ExtendedRequestID)
	w.key("httpMethod")
	w.str(r.Method)
	w.key("identity")
	w.open('{')
	w.key("accessKey")
	w.strOrNull(r.IAM.AccessKey)
	w.key("accountId")
	w.strOrNull(r.IAM.AccountID)
	w.key("caller")
	w.strOrNull(r.IAM.Caller)
	if r.ClientCert != nil {
		w.key("clientCert")
		writeClientCert(w, r.ClientCert)
	}
	for _, k := range []string{"cognitoAuthenticationProvider", "cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId"} {
		w.key(k)
		w.null()
	}
	if r.APIKey != "" || r.APIKeyID != "" {
		w.key("apiKey")
		w.strOrNull(r.APIKey)
		w.key("apiKeyId")
		w.strOrNull(r.APIKeyID)
	}
	w.key("sourceIp")
	w.str(r.SourceIP)
	w.key("user")
	w.strOrNull(r.IAM.User)
	w.key("userAgent")
	w.strOrNull(userAgent)
	w.key("userArn")
	w.strOrNull(r.IAM.UserARN)
	w.close('}')
	w.key("path")
	if r.CalledPath != "" {
		w.str(r.CalledPath)
	} else {
		w.str("/", r.Stage, r.RawPath)
	}
	w.key("protocol")
	w.str(r.Protocol)
	w.key("requestId")
	w.str(r.RequestID)
	w.key("requestTime")
	w.clfTime(r.Time)
	w.key("requestTimeEpoch")
	w.int(r.Time.UnixMilli())
	w.key("resourceId")
	w.strOrNull(r.ResourceID)
	w.key("resourcePath")
	w.str(r.Resource)
	w.key("stage")
	w.str(r.Stage)
	w.close('}')
}

// BuildV2 returns the payload format 2.0 event (HTTP APIs) for r.
//
// Headers have lower-case names and repeated values joined with commas; Cookie headers are left out of them and
// split into cookies instead. Query parameters are decoded and repeated values joined with commas. cookies,
// queryStringParameters, pathParameters, stageVariables, authorizer and body are left out when empty, as in
// events recorded on AWS.
//
// rawPath and http.path carry the stage ("/dev/pets") unless the stage is $default: HTTP APIs do not strip a
// named stage from the path they pass on. HTTP APIs have no binaryMediaTypes: the body is sent as text only for
// text/*, application/json, application/xml and application/javascript and base64-encoded otherwise (see
// isTextMediaType); r.BinaryMediaTypes is ignored.
func BuildV2(r *Request) ([]byte, error) {
	authorizer, err := marshalAuthorizer(r.Authorizer)
	if err != nil {
		return nil, err
	}
	w := jsonWriter{buf: make([]byte, 0, eventSize(r))}
	w.open('{')
	w.key("version")
	w.str("2.0")
	writeRequestV2(&w, r, authorizer)
	contentType, _ := headerValue(r.Headers, "Content-Type")
	writeBody(&w, r.Body, !isTextMediaType(contentType), false)
	w.close('}')
	return w.buf, nil
}

// writeRequestV2 writes the members the 2.0 event and the 2.0 authorizer's event share, from routeKey to
// requestContext.
func writeRequestV2(w *jsonWriter, r *Request, authorizer []byte) {
	headers := groupFields(r.Headers, true)
	query := groupFields(parseQuery(r.RawQuery), false)
	path := r.RawPath
	switch {
	case r.CalledPath != "":
		path = r.CalledPath
	case r.Stage != "$default":
		path = "/" + r.Stage + path
	}
	w.key("routeKey")
	w.str(r.RouteKey)
	w.key("rawPath")
	w.str(path)
	w.key("rawQueryString")
	w.str(r.RawQuery)
	writeCookies(w, r.Headers)
	w.key("headers")
	writeJoinedHeaders(w, &headers)
	if query.len() > 0 {
		w.key("queryStringParameters")
		writeJoined(w, &query)
	}
	if len(r.PathParameters) > 0 {
		w.key("pathParameters")
		writeStringMap(w, r.PathParameters)
	}
	if len(r.StageVariables) > 0 {
		w.key("stageVariables")
		writeStringMap(w, r.StageVariables)
	}
	w.key("requestContext")
	writeContextV2(w, r, path, authorizer)
}

func writeContextV2(w *jsonWriter, r *Request, path string, authorizer []byte) {
	userAgent, _ := headerValue(r.Headers, "User-Agent")
	openContext(w, r, authorizer)
	if r.ClientCert != nil {
		w.key("authentication")
		w.open('{')
		w.key("clientCert")
		writeClientCert(w, r.ClientCert)
		w.close('}')
	}
	w.key("domainName")
	w.str(r.DomainName)
	w.key("domainPrefix")
	w.str(r.DomainPrefix)
	w.key("http")
	w.open('{')
	w.key("method")
	w.str(r.Method)
	w.key("path")
	w.str(path)
	w.key("protocol")
	w.str(r.Protocol)
	w.key("sourceIp")
	w.str(r.SourceIP)
	w.key("userAgent")
	w.str(userAgent)
	w.close('}')
	w.key("requestId")
	w.str(r.RequestID)
	w.key("routeKey")
	w.str(r.RouteKey)
	w.key("stage")
	w.str(r.Stage)
	w.key("time")
	w.clfTime(r.Time)
	w.key("timeEpoch")
	w.int(r.Time.UnixMilli())
	w.close('}')
}

// eventSize estimates the encoded event so it is built in one allocation: the fixed keys and context, the body
// (escaping a JSON body or base64 grows it by up to a half), the path and query string up to three times over,
// and the headers twice.
func eventSize(r *Request) int {
	n := 1536 + len(r.Body)*3/2 + 3*(len(r.RawQuery)+len(r.RawPath))
	for _, h := range r.Headers {
		n += 2*(len(h[0])+len(h[1])) + 16
	}
	return n
}

func marshalAuthorizer(a map[string]any) ([]byte, error) {
	if a == nil {
		return nil, nil
	}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("lambdaproxy: encoding the authorizer context: %w", err)
	}
	return b, nil
}

// writeLastValues writes {name: last value}, or null when there are no fields.
func writeLastValues(w *jsonWriter, f *fields) {
	if f.len() == 0 {
		w.null()
		return
	}
	w.open('{')
	for i, name := range f.names {
		values := f.valuesOf(i)
		w.key(name)
		w.str(values[len(values)-1])
	}
	w.close('}')
}

// writeAllValues writes {name: [values...]}, or null when there are no fields.
func writeAllValues(w *jsonWriter, f *fields) {
	if f.len() == 0 {
		w.null()
		return
	}
	w.open('{')
	for i, name := range f.names {
		w.key(name)
		w.open('[')
		for _, v := range f.valuesOf(i) {
			w.str(v)
		}
		w.close(']')
	}
	w.close('}')
}

// writeJoined writes {name: "v1,v2"}.
func writeJoined(w *jsonWriter, f *fields) {
	w.open('{')
	for i, name := range f.names {
		w.key(name)
		w.joined(f.valuesOf(i))
	}
	w.close('}')
}

// writeJoinedHeaders writes {lower-case name: "v1,v2"} for every header but Cookie, which 2.0 moves to cookies.
func writeJoinedHeaders(w *jsonWriter, f *fields) {
	w.open('{')
	for i, name := range f.names {
		if strings.EqualFold(name, "Cookie") {
			continue
		}
		w.lowerKey(name)
		w.joined(f.valuesOf(i))
	}
	w.close('}')
}

// writeCookies writes "cookies": [...] with every cookie of every Cookie header (HTTP/2 clients send one header
// per cookie, HTTP/1 clients one header joined with "; "), or nothing when there are none.
func writeCookies(w *jsonWriter, headers [][2]string) {
	opened := false
	for _, h := range headers {
		if !strings.EqualFold(h[0], "Cookie") {
			continue
		}
		for c := range strings.SplitSeq(h[1], ";") {
			if c = strings.TrimSpace(c); c == "" {
				continue
			}
			if !opened {
				w.key("cookies")
				w.open('[')
				opened = true
			}
			w.str(c)
		}
	}
	if opened {
		w.close(']')
	}
}

// writeStringMap writes m with sorted keys so equal requests give equal events, or null when m is empty.
func writeStringMap(w *jsonWriter, m map[string]string) {
	if len(m) == 0 {
		w.null()
		return
	}
	keys := make([]string, 0, 8) // on the stack for the usual handful of keys
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.open('{')
	for _, k := range keys {
		w.key(k)
		w.str(m[k])
	}
	w.close('}')
}

// writeBody writes body and isBase64Encoded. An empty body is null in 1.0 and left out in 2.0, and is never
// flagged as base64.
func writeBody(w *jsonWriter, body []byte, binary, nullWhenEmpty bool) {
	switch {
	case len(body) == 0 && nullWhenEmpty:
		w.key("body")
		w.null()
	case len(body) == 0:
	case binary:
		w.key("body")
		w.sep()
		w.buf = append(w.buf, '"')
		w.buf = base64.StdEncoding.AppendEncode(w.buf, body)
		w.buf = append(w.buf, '"')
		w.comma = true
	default:
		w.key("body")
		w.bytes(body)
	}
	w.key("isBase64Encoded")
	w.boolean(binary && len(body) > 0)
}
