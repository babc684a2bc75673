package check

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// DefaultRoutePath is the resource an HTTP API's $default route is, as its export writes it: the path /$default,
// with x-amazon-apigateway-any-method.
const DefaultRoutePath = "/$default"

// maxHTTPAPITimeout is an HTTP API integration's longest timeout, in milliseconds (a REST API's is 29,000).
const maxHTTPAPITimeout = 30000

// httpAPI checks an HTTP API (API Gateway v2): its routes and their integrations, and that it asks for none of
// what only REST APIs have. What HTTP APIs have and Tollgate does not serve yet is refused by name.
func (c *checker) httpAPI(api *tollgatev1.RestApi) {
	file := api.GetSourceFile()
	refuse := func(at, what string) { c.probs.Addf(file, at, "%s: an HTTP API has none (it is a REST API's)", what) }
	for _, a := range api.GetAuthorizers() {
		c.httpAPIAuthorizer(file, a)
	}
	if len(api.GetRequestValidators()) > 0 || api.GetRequestValidator() != "" {
		refuse("/x-amazon-apigateway-request-validators", "request validation")
	}
	if len(api.GetGatewayResponses()) > 0 {
		refuse("/x-amazon-apigateway-gateway-responses", "gateway responses")
	}
	if api.GetResourcePolicy() != "" {
		refuse("/x-amazon-apigateway-policy", "a resource policy")
	}
	if len(api.GetBinaryMediaTypes()) > 0 {
		refuse("/x-amazon-apigateway-binary-media-types", "binary media types (an HTTP API passes any body through, and base64-encodes a binary one for Lambda)")
	}
	if api.MinimumCompressionSize != nil {
		refuse("/x-amazon-apigateway-minimum-compression-size", "response compression")
	}
	if api.GetApiKeySource() == tollgatev1.ApiKeySource_API_KEY_SOURCE_AUTHORIZER {
		refuse("/x-amazon-apigateway-api-key-source", "API keys")
	}
	if cors := api.GetCors(); cors != nil {
		c.cors(file, cors)
	}
	for _, res := range api.GetResources() {
		for _, m := range res.GetMethods() {
			if res.GetPath() == DefaultRoutePath && m.GetHttpMethod() != "ANY" {
				c.probs.Addf(file, m.GetSourcePointer(), "the $default route is x-amazon-apigateway-any-method of /$default, not %s", strings.ToLower(m.GetHttpMethod()))
			}
			c.route(file, m)
			if len(m.GetAuthorizationScopes()) > 0 && authorizerOf(api, m.GetAuthorizer()).GetType() != tollgatev1.AuthorizerType_AUTHORIZER_TYPE_JWT {
				c.probs.Addf(file, m.GetSourcePointer()+"/security", "the route lists authorization scopes: only a JWT authorizer checks scopes")
			}
		}
	}
}

// route checks one route of an HTTP API.
func (c *checker) route(file string, m *tollgatev1.Method) {
	at := m.GetSourcePointer()
	if m.GetApiKeyRequired() {
		c.probs.Addf(file, at+"/security", "API keys: an HTTP API has none (it is a REST API's)")
	}
	if m.GetRequestValidator() != "" || len(m.GetRequestModels()) > 0 {
		c.probs.Addf(file, at, "request validation: an HTTP API has none (it is a REST API's)")
	}
	integ := m.GetIntegration()
	if integ == nil {
		c.probs.Addf(file, at, "route has no x-amazon-apigateway-integration")
		return
	}
	at = integ.GetSourcePointer()
	switch integ.GetType() {
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY:
		if v := integ.GetPayloadFormatVersion(); v != "" && v != "1.0" {
			c.probs.Addf(file, at+"/payloadFormatVersion", "payloadFormatVersion %q: an HTTP_PROXY integration's is 1.0", v)
		}
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS_PROXY:
		switch v := integ.GetPayloadFormatVersion(); v {
		case "1.0", "2.0":
		case "":
			c.probs.Addf(file, at, "an HTTP API's Lambda integration needs its payloadFormatVersion: 1.0 or 2.0")
		default:
			c.probs.Addf(file, at+"/payloadFormatVersion", "payloadFormatVersion %q: want 1.0 or 2.0", v)
		}
	default:
		c.probs.Addf(file, at+"/type", "integration type %s: an HTTP API's integrations are HTTP_PROXY and AWS_PROXY", strings.TrimPrefix(integ.GetType().String(), "INTEGRATION_TYPE_"))
		return
	}
	c.parameterMapping(file, at, integ)
	c.responseMapping(file, at, integ)
	for field, set := range map[string]bool{
		"requestTemplates":    len(integ.GetRequestTemplates()) > 0,
		"responses":           len(integ.GetResponses()) > 0,
		"passthroughBehavior": integ.GetPassthroughBehavior() != tollgatev1.PassthroughBehavior_PASSTHROUGH_BEHAVIOR_UNSPECIFIED,
		"contentHandling":     integ.GetContentHandling() != "",
		"cacheKeyParameters":  len(integ.GetCacheKeyParameters()) > 0,
		"cacheNamespace":      integ.GetCacheNamespace() != "",
	} {
		if set {
			c.probs.Addf(file, at+"/"+field, "%s: an HTTP API's integration has none (it is a REST API's)", field)
		}
	}
	c.connection(file, at, integ)
	if ms := integ.GetTimeoutInMillis(); ms != 0 && (ms < 50 || ms > maxHTTPAPITimeout) {
		c.probs.Addf(file, at+"/timeoutInMillis", "timeoutInMillis %d is out of range: an HTTP API allows 50 to 30000", ms)
	}
}

var (
	// corsOrigin is an origin as an HTTP API's CORS configuration names one: *, a scheme with * for any host, or an
	// origin.
	corsOrigin = regexp.MustCompile(`^(\*|https?://(\*|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?))$`)
	// corsHeader is a header name, or * for any.
	corsHeader  = regexp.MustCompile("^(\\*|[!#$%&'*+.^_`|~0-9A-Za-z-]+)$")
	corsMethods = map[string]bool{"*": true, "GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}
)

// cors checks an HTTP API's CORS configuration.
func (c *checker) cors(file string, cors *tollgatev1.Cors) {
	at := cors.GetSourcePointer()
	for i, o := range cors.GetAllowOrigins() {
		if !corsOrigin.MatchString(o) {
			c.probs.Addf(file, at+diag.Pointer("allowOrigins", i), "invalid origin %q: want *, http://* or https://*, or an origin such as https://www.example.com", o)
		}
	}
	for i, m := range cors.GetAllowMethods() {
		if !corsMethods[strings.ToUpper(m)] {
			c.probs.Addf(file, at+diag.Pointer("allowMethods", i), "invalid method %q: want *, or GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS", m)
		}
	}
	for field, names := range map[string][]string{"allowHeaders": cors.GetAllowHeaders(), "exposeHeaders": cors.GetExposeHeaders()} {
		for i, h := range names {
			if !corsHeader.MatchString(h) {
				c.probs.Addf(file, at+diag.Pointer(field, i), "invalid header name %q", h)
			}
		}
	}
	if age := cors.MaxAge; age != nil && (*age < 0 || *age > 86400) {
		c.probs.Addf(file, at+"/maxAge", "maxAge %d is out of range: 0 to 86400 seconds", *age)
	}
}

// jwtIdentitySource is a JWT authorizer's identity source: the header its token is in.
var jwtIdentitySource = regexp.MustCompile(`^\$request\.header\.([!#$%&'*+.^_` + "`" + `|~0-9A-Za-z-]+)$`)

// httpAPIAuthorizer checks an HTTP API's authorizer: a JWT or a Lambda (request) authorizer.
func (c *checker) httpAPIAuthorizer(file string, a *tollgatev1.Authorizer) {
	at := a.GetSourcePointer()
	switch a.GetType() {
	case tollgatev1.AuthorizerType_AUTHORIZER_TYPE_JWT:
		c.jwtAuthorizer(file, at, a)
	case tollgatev1.AuthorizerType_AUTHORIZER_TYPE_REQUEST:
		c.httpAPILambdaAuthorizer(file, at, a)
	case tollgatev1.AuthorizerType_AUTHORIZER_TYPE_AWS_IAM:
		// A scheme with awsSigv4 and nothing else: the SigV4 verification of REST APIs decides.
	default:
		c.probs.Addf(file, at+"/type", "an HTTP API's authorizer is of type jwt or request, not %s",
			strings.ToLower(strings.TrimPrefix(a.GetType().String(), "AUTHORIZER_TYPE_")))
	}
}

// httpAPIIdentitySource is what an HTTP API Lambda authorizer's identity sources read, as AWS lists them.
var httpAPIIdentitySource = regexp.MustCompile(`^\$(request\.(header|querystring)\.[^$, ]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z.]+)$`)

// httpAPILambdaAuthorizer checks an HTTP API's Lambda authorizer as apigatewayv2's CreateAuthorizer does.
func (c *checker) httpAPILambdaAuthorizer(file, at string, a *tollgatev1.Authorizer) {
	switch v := a.GetPayloadFormatVersion(); {
	case v == "":
		c.probs.Addf(file, at+"/authorizerPayloadFormatVersion", "an HTTP API's Lambda authorizer needs its authorizerPayloadFormatVersion: 1.0 or 2.0")
	case v != "1.0" && v != "2.0":
		c.probs.Addf(file, at+"/authorizerPayloadFormatVersion", "authorizerPayloadFormatVersion %q: want 1.0 or 2.0", v)
	case v == "1.0" && a.GetEnableSimpleResponses():
		c.probs.Addf(file, at+"/enableSimpleResponses", "simple responses are payload format 2.0's: a 1.0 authorizer answers with a policy")
	}
	if a.GetAuthorizerUri() == "" {
		c.probs.Addf(file, at+"/authorizerUri", "a Lambda authorizer needs an authorizerUri naming its function")
	}
	if ttl := a.GetResultTtlInSeconds(); ttl < 0 || ttl > MaxAuthorizerTTL {
		c.probs.Addf(file, at+"/authorizerResultTtlInSeconds", "authorizerResultTtlInSeconds %d is out of range: API Gateway allows 0 to %d", ttl, MaxAuthorizerTTL)
	}
	sources := identitySources(a.GetIdentitySource())
	if len(sources) == 0 && a.GetResultTtlInSeconds() > 0 {
		c.probs.Addf(file, at+"/identitySource", "an authorizer that caches its results needs an identitySource: API Gateway keys the cache by it (or set authorizerResultTtlInSeconds to 0)")
	}
	for _, src := range sources {
		if !httpAPIIdentitySource.MatchString(src) {
			c.probs.Addf(file, at+"/identitySource", "identity source %q: want $request.header.NAME, $request.querystring.NAME, $stageVariables.NAME or $context.NAME", src)
		}
	}
	for field, set := range map[string]bool{
		"identityValidationExpression": a.GetIdentityValidationExpression() != "",
		"providerARNs":                 len(a.GetProviderArns()) > 0,
		"jwtConfiguration":             a.GetJwtIssuer() != "" || len(a.GetJwtAudiences()) > 0,
	} {
		if set {
			c.probs.Addf(file, at+"/"+field, "%s: an HTTP API's Lambda authorizer has none", field)
		}
	}
}

// jwtAuthorizer checks an HTTP API's JWT authorizer.
func (c *checker) jwtAuthorizer(file, at string, a *tollgatev1.Authorizer) {
	if !strings.HasPrefix(a.GetJwtIssuer(), "https://") && !strings.HasPrefix(a.GetJwtIssuer(), "http://") {
		c.probs.Addf(file, at+"/jwtConfiguration/issuer", "a JWT authorizer's issuer is the URL its tokens name in iss, got %q", a.GetJwtIssuer())
	}
	if len(a.GetJwtAudiences()) == 0 {
		c.probs.Addf(file, at+"/jwtConfiguration/audience", "a JWT authorizer needs the audiences it admits tokens for")
	}
	if src := a.GetIdentitySource(); src != "" && !jwtIdentitySource.MatchString(src) {
		c.probs.Addf(file, at+"/identitySource", "a JWT authorizer's identitySource is the header its token is in, as $request.header.Authorization; got %q", src)
	}
	// What only Lambda and Cognito authorizers have would be ignored on a JWT authorizer: refused.
	for field, set := range map[string]bool{
		"authorizerUri":                  a.GetAuthorizerUri() != "",
		"authorizerCredentials":          a.GetAuthorizerCredentials() != "",
		"identityValidationExpression":   a.GetIdentityValidationExpression() != "",
		"authorizerResultTtlInSeconds":   a.ResultTtlInSeconds != nil,
		"providerARNs":                   len(a.GetProviderArns()) > 0,
		"authorizerPayloadFormatVersion": a.GetPayloadFormatVersion() != "",
		"enableSimpleResponses":          a.GetEnableSimpleResponses(),
	} {
		if set {
			c.probs.Addf(file, at+"/"+field, "%s: a JWT authorizer has none (it verifies the token itself, every request)", field)
		}
	}
}

// responseValue is a response mapping's value Tollgate serves: one value ($response.header.x), or static text with
// values interpolated; the values a response header, a stage variable, or what the stage fixes of the context.
var responseValue = regexp.MustCompile(`^(\$(` + responseExpression + `)|([^$]|\$\{(` + responseExpression + `)\})*)$`)

const responseExpression = `response\.header\.[^${} ]+|context\.(stage|apiId)|stageVariables\.[A-Za-z0-9_]+`

// responseMapping checks an HTTP API integration's responseParameters: by status code, header mappings (append,
// overwrite, remove) and overwrite:statuscode are served; the rest is refused by name.
func (c *checker) responseMapping(file, at string, integ *tollgatev1.Integration) {
	for status, mappings := range integ.GetResponseMappings() {
		sat := at + diag.Pointer("responseParameters", status)
		if code, err := strconv.Atoi(status); err != nil || code < 100 || code > 599 || len(status) != 3 {
			c.probs.Addf(file, sat, "response mappings are keyed by the integration response's status code, 100 to 599, not %q", status)
			continue
		}
		for key, value := range mappings.GetParameters() {
			ptr := sat + diag.Pointer(key)
			action, target, _ := strings.Cut(key, ":")
			name, isHeader := strings.CutPrefix(target, "header.")
			switch {
			case key == "overwrite:statuscode":
				if code, err := strconv.Atoi(value); err != nil || code < 100 || code > 599 {
					c.probs.Addf(file, ptr, "overwrite:statuscode takes a status code, 100 to 599, not %q", value)
				}
			case action != "append" && action != "overwrite" && action != "remove":
				c.probs.Addf(file, ptr, "invalid mapping %q: want append:, overwrite: or remove: and the target, as overwrite:header.x, or overwrite:statuscode", key)
			case !isHeader:
				c.probs.Addf(file, ptr, "invalid mapping %q: a response mapping targets header.x or statuscode", key)
			case name == "" || reservedHeader(name):
				c.probs.Addf(file, ptr, "header %q cannot be mapped: API Gateway reserves it", name)
			case action != "remove" && !responseValue.MatchString(value):
				c.probs.Addf(file, ptr, "response mapping value %q is not supported yet (supported: static text, $response.header.x, $context.stage|apiId, $stageVariables.x, and text with them in ${})", value)
			}
		}
	}
}

// reservedHeaders are the headers an HTTP API's parameter mapping may not touch, as AWS lists them (prefixes end in
// a dash).
var reservedHeaders = []string{"access-control-", "apigw-", "authorization", "connection", "content-encoding", "content-length",
	"content-location", "forwarded", "keep-alive", "origin", "proxy-", "te", "trailers", "transfer-encoding", "upgrade", "via",
	"x-amz-", "x-amzn-", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"}

func reservedHeader(name string) bool {
	name = strings.ToLower(name)
	for _, r := range reservedHeaders {
		if name == r || strings.HasSuffix(r, "-") && strings.HasPrefix(name, r) {
			return true
		}
	}
	return false
}

// mappedExpression is a request or context value a parameter mapping reads.
const mappedExpression = `request\.(header|querystring|body)\.[^${} ]+|request\.path(\.[A-Za-z0-9_.-]+)?|context\.(requestId|httpMethod|stage|apiId|identity\.sourceIp)|context\.authorizer\.[A-Za-z0-9_.:-]+|stageVariables\.[A-Za-z0-9_]+`

// mappedValue is a parameter mapping's value Tollgate serves: one value ($request.header.x), or static text with
// values interpolated (Bearer ${request.header.token}).
var mappedValue = regexp.MustCompile(`^(\$(` + mappedExpression + `)|([^$]|\$\{(` + mappedExpression + `)\})*)$`)

// mappedPath is an overwrite:path mapping's value Tollgate serves: a path of static text and path parameters,
// stage variables and what the stage fixes of the context.
var mappedPath = regexp.MustCompile(`^/([^$]|\$\{(request\.path\.[A-Za-z0-9_.-]+|stageVariables\.[A-Za-z0-9_]+|context\.(stage|apiId))\})*$`)

// authorizerValue spots an authorizer's value in a mapping's value.
var authorizerValue = regexp.MustCompile(`\$\{?context\.authorizer\.`)

// parameterMapping checks an HTTP API integration's requestParameters: header and query string mappings (append,
// overwrite, remove), and an HTTP_PROXY integration's path, are served; the rest is refused by name.
func (c *checker) parameterMapping(file, at string, integ *tollgatev1.Integration) {
	for key, value := range integ.GetRequestParameters() {
		ptr := at + diag.Pointer("requestParameters", key)
		action, target, _ := strings.Cut(key, ":")
		name, isHeader := strings.CutPrefix(target, "header.")
		query, isQuery := strings.CutPrefix(target, "querystring.")
		switch {
		case key == "overwrite:path":
			if integ.GetType() != tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY {
				c.probs.Addf(file, ptr, "overwrite:path of a Lambda integration is not supported yet: Tollgate maps a Lambda event's headers and query string")
			} else if !mappedPath.MatchString(value) {
				c.probs.Addf(file, ptr, "path mapping value %q is not supported yet (supported: a path, from /, of static text and ${request.path.NAME}, ${stageVariables.x}, ${context.stage|apiId})", value)
			}
		case action != "append" && action != "overwrite" && action != "remove":
			c.probs.Addf(file, ptr, "invalid mapping %q: want append:, overwrite: or remove: and the target, as overwrite:header.x", key)
		case !isHeader && !isQuery:
			c.probs.Addf(file, ptr, "mapping %s is not supported yet: Tollgate maps an HTTP API's request headers and query string parameters (append, overwrite, remove: header.x, querystring.x)", target)
		case isQuery && query == "":
			c.probs.Addf(file, ptr, "invalid mapping %q: name the query string parameter, as overwrite:querystring.x", key)
		case isHeader && (name == "" || reservedHeader(name)):
			c.probs.Addf(file, ptr, "header %q cannot be mapped: API Gateway reserves it", name)
		case isQuery && action != "remove" && authorizerValue.MatchString(value):
			c.probs.Addf(file, ptr, "mapping value %q is not supported yet for a query string parameter (supported: static text, $request.*, $context.requestId|httpMethod|stage|apiId|identity.sourceIp, $stageVariables.x)", value)
		case action != "remove" && !mappedValue.MatchString(value):
			c.probs.Addf(file, ptr, "mapping value %q is not supported yet (supported: static text, $request.header.x, $request.querystring.x, $request.path, $request.path.x, $request.body.x, $context.requestId|httpMethod|stage|apiId|identity.sourceIp, $context.authorizer.x, $stageVariables.x, and text with them in ${})", value)
		}
	}
}

// authorizerOf is the API's authorizer called name, nil for none.
func authorizerOf(api *tollgatev1.RestApi, name string) *tollgatev1.Authorizer {
	for _, a := range api.GetAuthorizers() {
		if a.GetName() == name {
			return a
		}
	}
	return nil
}
