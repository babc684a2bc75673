// Package ir is Tollgate's intermediate representation: one checked configuration resolved for serving. Build
// turns the model (what a user defines in API Gateway) and the runtime settings into a Snapshot whose routes carry
// everything each needs, stage variables and Lambda functions resolved, so that every consumer (the xDS
// translator, the ext_authz and ext_proc services, the rate limiter) reads the same answers from the same
// snapshot and none of them interprets the model again.
//
// A snapshot is plain data with JSON tags: golden files pin Build's output, and the translator's golden files
// start from them.
package ir

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/accesslog"
	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
)

// Snapshot is everything one control plane serves.
type Snapshot struct {
	// Domain: invocation hosts are {apiId}.{domain}.
	Domain string `json:"domain"`
	// APIs in id order, each with its routes in match order.
	APIs []API `json:"apis,omitempty"`
	// APIKeys are API Gateway's keys; Grants say which usage plan admits a key on an API stage.
	APIKeys    []APIKey    `json:"apiKeys,omitempty"`
	Grants     []Grant     `json:"grants,omitempty"`
	UsagePlans []UsagePlan `json:"usagePlans,omitempty"`
	// RateLimit says what a request gets when its limits cannot be decided.
	RateLimit RateLimitSettings `json:"rateLimit"`
	// IAM are the identities that may sign requests to methods with IAM authorization.
	IAM []IAMCredential `json:"iam,omitempty"`
	// TrustedProxyHops is how many proxies before Envoy append to X-Forwarded-For: the client's address is taken
	// that many hops back in it; 0 takes the connection's peer.
	TrustedProxyHops uint32 `json:"trustedProxyHops,omitempty"`
	// AccessLogs are the stages' access logs, in API and stage order.
	AccessLogs []AccessLog `json:"accessLogs,omitempty"`
	// Metrics: every Envoy reports each request for API Gateway's metrics (the config's metrics.enabled).
	Metrics bool `json:"metrics,omitempty"`
	// TracingCollector is the OTLP/gRPC collector (host:port) traces go to; "" when no stage is traced.
	TracingCollector string `json:"tracingCollector,omitempty"`
	// Caches are the stages' response caches, in API and stage order; Route.Cache says what each method keeps.
	Caches []StageCache `json:"caches,omitempty"`
	// WebSockets are the WebSocket APIs' stages, in API and stage order (websocket.go).
	WebSockets []WebSocketStage `json:"webSockets,omitempty"`
	// WebSocketService is where Envoy reaches Tollgate's WebSocket service (host:port), when WebSockets has any.
	WebSocketService string `json:"webSocketService,omitempty"`
	// DomainNames are the custom domain names, by name (domains.go), and TLSListen the HTTPS listener that serves
	// them.
	DomainNames []DomainName `json:"domainNames,omitempty"`
	TLSListen   string       `json:"tlsListen,omitempty"`
	// Warnings are what Build accepted that deserves a look (a cached method whose key names no caller), each
	// against its definition file.
	Warnings diag.Problems `json:"-"`
}

// IAMCredential is an identity's access key, standing in for AWS IAM.
type IAMCredential struct {
	AccessKeyID string `json:"accessKeyId"`
	// SecretAccessKey signs; never logged (the key id is).
	SecretAccessKey string `json:"secretAccessKey"`
	// SessionToken, for temporary credentials, must come with each request as X-Amz-Security-Token.
	SessionToken string `json:"sessionToken,omitempty"`
	// ARN is the caller (a user, or a role session); Policy its identity policy as JSON, "" for none.
	ARN    string `json:"arn"`
	Policy string `json:"policy,omitempty"`
}

// API is one API's routes, every stage's, in the order Envoy must try them.
type API struct {
	ID string `json:"id"`
	// ExecuteAPIEndpointDisabled: the API is served on custom domain names only (disableExecuteApiEndpoint).
	ExecuteAPIEndpointDisabled bool `json:"executeApiEndpointDisabled,omitempty"`

	// Name is the definition's title (the RestApi's name), as API Gateway's metrics name the API.
	Name string `json:"name,omitempty"`
	// HTTPAPI: the API is an HTTP API (API Gateway v2), whose answers and headers are its own (see httpapi.go).
	HTTPAPI bool `json:"httpApi,omitempty"`
	// CORS is an HTTP API's CORS configuration; nil for none.
	CORS   *CORS    `json:"cors,omitempty"`
	Routes []*Route `json:"routes,omitempty"`
	// Models are the JSON Schemas (draft 4) the routes' validations name, by name; nil when none validates a body.
	Models map[string]string `json:"models,omitempty"`
	// GatewayResponses are the API's customised gateway responses by stage ("" for a path under none).
	GatewayResponses map[string]gatewayresponse.Set `json:"gatewayResponses,omitempty"`
}

// APIKey is an API Gateway API key: clients send its value in x-api-key.
type APIKey struct {
	ID string `json:"id"`
	// Value is the secret the client sends; never logged (the id is).
	Value   string `json:"value"`
	Enabled bool   `json:"enabled,omitempty"`
}

// UsagePlan is what the usage report needs of a plan: its keys and its quota.
type UsagePlan struct {
	ID     string   `json:"id"`
	KeyIDs []string `json:"keyIds,omitempty"`
	Quota  *Quota   `json:"quota,omitempty"`
}

// Grant admits a key on an API stage under a usage plan.
type Grant struct {
	KeyID  string `json:"keyId"`
	APIID  string `json:"apiId"`
	Stage  string `json:"stage"`
	PlanID string `json:"planId"`
}

// RateLimitSettings are the runtime settings of the limiter and of Envoy's calls to it.
type RateLimitSettings struct {
	// FailClosed refuses (429) a request whose limits cannot be decided: the store failed, or Tollgate's services
	// could not be reached. False admits it, as Envoy does by default.
	FailClosed bool `json:"failClosed,omitempty"`
	// Timeout bounds each decision against the store.
	Timeout Duration `json:"timeout,omitempty"`
}

// Method is API Gateway's address of a method on a stage.
type Method struct {
	APIID      string `json:"apiId"`
	Stage      string `json:"stage"`
	Resource   string `json:"resource"`   // the resource path template, e.g. /pets/{petId}
	HTTPMethod string `json:"httpMethod"` // as defined: GET, ..., ANY
}

// MethodKey is API Gateway's name of the method in stage and usage plan settings: "/pets/GET".
func (m Method) MethodKey() string { return m.Resource + "/" + m.HTTPMethod }

// DefaultStage is an HTTP API's stage served at the root; only an HTTP API can have a stage of that name.
const DefaultStage = "$default"

// StagePath is the path prefix of the method's stage: /{stage}, and nothing for an HTTP API's $default stage.
func (m Method) StagePath() string {
	if m.Stage == DefaultStage {
		return ""
	}
	return "/" + m.Stage
}

// Route is one method of one stage, or a 403 that stands for the methods a resource lacks. Exactly one of
// GatewayResponse, HTTPProxy, Mock, Lambda and Mapping says how it is answered.
type Route struct {
	// Name identifies the route to Envoy and to the ext services: apiId/stage/METHOD/resource.
	Name string `json:"name"`
	Method
	// MinimumCompressionSize, when set, compresses the route's responses of at least that many bytes for clients
	// that accept it: its deployment's minimumCompressionSize.
	MinimumCompressionSize *int32 `json:"minimumCompressionSize,omitempty"`
	// HTTPAPI: the route is an HTTP API's, whose answers carry its own request id header and error bodies.
	HTTPAPI bool `json:"httpApi,omitempty"`
	// CORS: the route's API has a CORS configuration, whose headers replace the integration's own.
	CORS        bool   `json:"cors,omitempty"`
	OperationID string `json:"operationId,omitempty"`
	// PathRegex matches the request path, the /{stage} prefix included; its captures are the path parameters
	// named by PathParams, in order.
	PathRegex  string   `json:"pathRegex"`
	PathParams []string `json:"pathParams,omitempty"`

	// GatewayResponse: Envoy answers with this gateway response itself.
	GatewayResponse gatewayresponse.Type `json:"gatewayResponse,omitempty"`
	HTTPProxy       *HTTPProxy           `json:"httpProxy,omitempty"`
	Mock            *Mock                `json:"mock,omitempty"`
	Lambda          *Lambda              `json:"lambda,omitempty"`
	Mapping         *Mapping             `json:"mapping,omitempty"`

	// ResourcePolicy is the API's resource policy, decided before the authorizer; nil for none.
	ResourcePolicy *ResourcePolicy `json:"resourcePolicy,omitempty"`
	// Authorizer decides who may call the method, before the API key; nil for none.
	Authorizer *Authorizer `json:"authorizer,omitempty"`
	// JWT is an HTTP API's JWT authorizer, which Envoy's jwt_authn verifies; nil for none.
	JWT *JWTAuthorizer `json:"jwt,omitempty"`
	// AuthorizationScopes: a Cognito or JWT authorizer admits an access token with one of them only.
	AuthorizationScopes []string `json:"authorizationScopes,omitempty"`
	// APIKeyRequired: only an enabled key of a usage plan granted this stage passes.
	APIKeyRequired bool `json:"apiKeyRequired,omitempty"`
	// APIKeyFromAuthorizer: the key is the authorizer's usageIdentifierKey (the API's key source is AUTHORIZER),
	// not the x-api-key header.
	APIKeyFromAuthorizer bool `json:"apiKeyFromAuthorizer,omitempty"`
	// Limits are the throttles and quotas that may apply; nil when none can.
	Limits *Limits `json:"limits,omitempty"`
	// Validation is the method's request validation; nil for none.
	Validation *Validation `json:"validation,omitempty"`
	// Cache is how the stage's cache keeps the method's responses; nil when it does not.
	Cache *Cache `json:"cache,omitempty"`
	// DetailedMetrics: the method's metrics carry its resource and method (metricsEnabled, an HTTP API's
	// detailedMetricsEnabled).
	DetailedMetrics bool `json:"detailedMetrics,omitempty"`
	// Traced: the stage's tracingEnabled; Envoy traces the method's requests to Snapshot.TracingCollector.
	Traced bool `json:"traced,omitempty"`
	// Canary is set on the routes of a stage with a canary release, the base release's and the canary's; nil on
	// the others.
	Canary *Canary `json:"canary,omitempty"`
	// TestInvokeToken: the route serves a management API test invocation, and only requests whose
	// names.TestInvokeHeader is the token.
	TestInvokeToken string `json:"testInvokeToken,omitempty"`
}

// Canary is how a route of a stage with a canary release serves the stage's requests. The canary's routes take
// PercentTraffic of them at random, before the base release's routes take the rest; each request is drawn once
// (Envoy's runtime fraction, one random value per request), so it meets the canary's routes, its 403s included,
// or the base release's only. A canary route's name begins with names.StageRoutes(apiId, names.CanaryStage(stage)).
type Canary struct {
	PercentTraffic float64 `json:"percentTraffic"`
	// Release: the route is the canary's ($context.isCanaryRequest is true).
	Release bool `json:"release,omitempty"`
}

// Backend is where Envoy sends a route's requests: one cluster per scheme, host and port.
type Backend struct {
	Scheme string `json:"scheme"` // http or https
	Host   string `json:"host"`
	Port   uint32 `json:"port"`
	// ServerName, for https, is sent as SNI and must be a name on the backend's certificate: the URI's host, or
	// the tlsConfig's serverNameToVerify. A VPC link's backend is reached at its link's address, yet verified
	// against this name.
	ServerName string `json:"serverName,omitempty"`
	// SkipChainVerification is the tlsConfig's insecureSkipVerification: a certificate from any issuer, a
	// self-signed one too, is accepted; its name is still checked.
	SkipChainVerification bool `json:"skipChainVerification,omitempty"`
}

// Authority is the Host header the backend expects: the port only when it is not the scheme's default.
func (b Backend) Authority() string {
	if (b.Scheme == "http" && b.Port == 80) || (b.Scheme == "https" && b.Port == 443) {
		return b.Host
	}
	return b.Host + ":" + strconv.FormatUint(uint64(b.Port), 10)
}

// HTTPProxy passes the request through to a backend: method, headers, body and query string as they are.
type HTTPProxy struct {
	Backend Backend `json:"backend"`
	// Host is the Host header the backend receives: the URI's authority, also when a VPC link decides where the
	// connection goes.
	Host string `json:"host"`
	// Path is the backend path: literal text and the path parameters that fill its placeholders.
	Path []PathPart `json:"path"`
	RequestMappings
	// Responses are an HTTP API's response mappings, by the backend's status code ("200"): Tollgate's ext_proc
	// service applies them to the response headers.
	Responses map[string]*ResponseMapping `json:"responses,omitempty"`
	Timeout   Duration                    `json:"timeout"`
}

// RequestMappings are an integration's request parameter mappings. Of an HTTP_PROXY integration, Envoy makes
// Headers and Query and Tollgate's ext_proc service the rest; of a Lambda proxy, the Lambda service makes them all
// on the event.
type RequestMappings struct {
	// Headers are the integration's header mappings, added on the way to the backend; RemoveHeaders, the client's
	// headers it removes (an HTTP API's remove:header.x).
	Headers       []HeaderMapping `json:"headers,omitempty"`
	RemoveHeaders []string        `json:"removeHeaders,omitempty"`
	// Query are an HTTP API's query string mappings (append:, overwrite:querystring.x), applied to the client's
	// query string on the way to the backend; RemoveQuery the parameters it removes (remove:querystring.x).
	Query       []QueryMapping `json:"query,omitempty"`
	RemoveQuery []string       `json:"removeQuery,omitempty"`
	// ServiceHeaders are the header mappings whose values Envoy's formatters cannot read (a path parameter, the
	// request's path or body), and ServiceQuery the query string mappings of request values (which may be
	// missing: a missing one maps nothing, where Envoy would send x=): Tollgate's ext_proc service makes them.
	ServiceHeaders []HeaderMapping `json:"serviceHeaders,omitempty"`
	ServiceQuery   []QueryMapping  `json:"serviceQuery,omitempty"`
}

// ChecksCaller tells whether Tollgate's ext_authz service checks the route's caller (a resource policy, an
// authorizer, an API key): that call decides the route's limits too, so that a request costs Envoy one call to
// Tollgate.
func (r *Route) ChecksCaller() bool { return r.Authorizes() || r.APIKeyRequired }

// Authorizes tells whether the caller must be authorized, by a resource policy or an authorizer, before the API
// key and the limits.
func (r *Route) Authorizes() bool { return r.ResourcePolicy != nil || r.Authorizer != nil }

// ResourcePolicy is an API's resource policy (x-amazon-apigateway-policy), valid: every request to the API is
// decided by it, with the authorizer's answer if the method has one, as API Gateway's tables combine them.
type ResourcePolicy struct {
	// Document is the policy as JSON; its abbreviated resources (execute-api:/stage/GET/pets) stand under APIARN,
	// arn:aws:execute-api:{region}:{account}:{apiId}.
	Document string `json:"document"`
	APIARN   string `json:"apiArn"`
}

// PathPart is literal text of a backend path, or the path parameter capture (1-based, in PathRegex) that fills a
// placeholder.
type PathPart struct {
	Literal string `json:"literal,omitempty"`
	Capture int    `json:"capture,omitempty"`
}

// HeaderMapping sets a backend request header from a mapping expression; Append adds a value to the client's
// instead (an HTTP API's append:header.x).
type HeaderMapping struct {
	Name   string      `json:"name"`
	Source ValueSource `json:"source,omitzero"`
	// Parts, when set, are the value's pieces in order, in place of Source: an HTTP API's static text with values
	// interpolated (Bearer ${request.header.token}).
	Parts  []ValueSource `json:"parts,omitempty"`
	Append bool          `json:"append,omitempty"`
}

// Any tells whether there are mappings at all.
func (p *RequestMappings) Any() bool {
	return p.MapsRequest() || len(p.Headers)+len(p.RemoveHeaders)+len(p.Query)+len(p.RemoveQuery) > 0
}

// MapsRequest tells whether Tollgate's service makes some of the request's mappings.
func (p *RequestMappings) MapsRequest() bool { return len(p.ServiceHeaders)+len(p.ServiceQuery) > 0 }

// ReadsBody tells whether a service mapping's value is read from the request's body.
func (p *RequestMappings) ReadsBody() bool {
	for _, h := range slices.Concat(p.ServiceHeaders, queryMappings(p.ServiceQuery)) {
		for _, part := range h.parts() {
			if part.Kind == RequestBodyPath {
				return true
			}
		}
	}
	return false
}

// ByService tells whether the mapping's value is one only Tollgate's service reads.
func (h HeaderMapping) ByService() bool {
	for _, part := range h.parts() {
		switch part.Kind {
		case PathParameter, RequestPath, RequestBodyPath:
			return true
		}
	}
	return false
}

// ReadsRequest tells whether the mapping's value reads the request (and so may come out empty).
func (h HeaderMapping) ReadsRequest() bool {
	for _, part := range h.parts() {
		switch part.Kind {
		case RequestHeader, QueryParameter, PathParameter, RequestPath, RequestBodyPath:
			return true
		}
	}
	return false
}

// ServiceReads tells whether the service reads every part of the mapping's value: static text and the request's
// headers, query, path and body.
func (h HeaderMapping) ServiceReads() bool {
	for _, part := range h.parts() {
		switch part.Kind {
		case Static, RequestHeader, QueryParameter, PathParameter, RequestPath, RequestBodyPath:
		default:
			return false
		}
	}
	return true
}

func queryMappings(q []QueryMapping) []HeaderMapping {
	out := make([]HeaderMapping, len(q))
	for i, m := range q {
		out[i] = HeaderMapping(m)
	}
	return out
}

// parts are the mapping's value's pieces: its Parts, or its Source alone.
func (h HeaderMapping) parts() []ValueSource {
	if len(h.Parts) > 0 {
		return h.Parts
	}
	return []ValueSource{h.Source}
}

// ResponseMapping is how an HTTP API maps the backend's responses of one status code: the status replaced (0 keeps
// it), headers set, appended to (Append) and removed. Their values read Static text and IntegrationHeaders.
type ResponseMapping struct {
	Status        int             `json:"status,omitempty"`
	Headers       []HeaderMapping `json:"headers,omitempty"`
	RemoveHeaders []string        `json:"removeHeaders,omitempty"`
}

// QueryMapping is a query string parameter's mapping: its name, its value, and whether the value is added to the
// client's (append) or replaces them.
type QueryMapping HeaderMapping

// ValueSource is what a mapping expression reads. Stage variables and the context values a stage fixes (stage,
// apiId) are resolved to Static.
type ValueSource struct {
	Kind SourceKind `json:"kind"`
	// Value is the static value, or the name of the header or query parameter read.
	Value string `json:"value,omitempty"`
}

// SourceKind is where a mapped value comes from.
type SourceKind string

// The sources Tollgate maps from.
const (
	Static         SourceKind = "static"
	RequestHeader  SourceKind = "requestHeader"  // method.request.header.NAME
	QueryParameter SourceKind = "queryParameter" // method.request.querystring.NAME
	RequestID      SourceKind = "requestId"      // context.requestId
	HTTPMethod     SourceKind = "httpMethod"     // context.httpMethod
	SourceIP       SourceKind = "sourceIp"       // context.identity.sourceIp
	RouteKeyValue  SourceKind = "routeKey"       // an HTTP API's $context.routeKey
	JWTClaim       SourceKind = "jwtClaim"       // an HTTP API's $context.authorizer.claims.NAME
	RequestPath    SourceKind = "requestPath"    // an HTTP API's $request.path
	// AuthorizerValue is context.authorizer.NAME: the principalId or a context value the method's authorizer
	// returned.
	AuthorizerValue SourceKind = "authorizer"
)

// Mock is a MOCK integration with static templates: a fixed answer.
type Mock struct {
	Status  uint32            `json:"status"`
	Body    string            `json:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty"` // lower-case names
}

// Lambda is a Lambda proxy integration (AWS_PROXY): Envoy makes the Invoke call, Tollgate's ext_proc service
// builds the event and reads the function's answer.
type Lambda struct {
	// Backend and InvokePath are the Invoke API call: where, and its path and query.
	Backend    Backend `json:"backend"`
	InvokePath string  `json:"invokePath"`
	// SigningRegion is set when the endpoint is AWS's: Envoy signs the call with SigV4 for that region.
	SigningRegion string   `json:"signingRegion,omitempty"`
	Timeout       Duration `json:"timeout"`
	// PayloadFormatVersion is "1.0" (REST APIs' event) or "2.0".
	PayloadFormatVersion string            `json:"payloadFormatVersion"`
	AccountID            string            `json:"accountId"` // the function's account, reported as the API's
	StageVariables       map[string]string `json:"stageVariables,omitempty"`
	BinaryMediaTypes     []string          `json:"binaryMediaTypes,omitempty"`
	// RequestMappings are an HTTP API's: the Lambda service makes them on the event's headers and query; and
	// Responses its response mappings, by the function's status code, on the function's response.
	RequestMappings
	Responses map[string]*ResponseMapping `json:"responses,omitempty"`
}

// Limits are the throttles and quotas that may apply to a route's requests, in API Gateway's order: the usage
// plan's (per method, else the plan's), the stage's (per method, else the stage default */*), the account's.
type Limits struct {
	// Plans are the limits for a key of each usage plan granted this stage, by plan id (keyed methods only).
	Plans map[string]PlanLimits `json:"plans,omitempty"`
	// Stage is the stage's throttle for this method: its own methodSettings entry, else "*/*".
	Stage *Throttle `json:"stage,omitempty"`
	// Account is the account-level throttle over every API.
	Account *Throttle `json:"account,omitempty"`
}

// PlanLimits are one usage plan's limits on a method. A plan without limits still counts a key's requests for the
// usage report.
type PlanLimits struct {
	Throttle *Throttle `json:"throttle,omitempty"`
	// PerMethod: Throttle is the plan's override for this method, with a bucket of its own.
	PerMethod bool   `json:"perMethod,omitempty"`
	Quota     *Quota `json:"quota,omitempty"`
}

// Throttle is a token bucket: RateLimit requests a second, BurstLimit at once.
type Throttle struct {
	RateLimit  float64 `json:"rateLimit"`
	BurstLimit int     `json:"burstLimit"`
}

// Quota is a usage plan quota: Limit requests per calendar period in UTC (DAY, WEEK, MONTH), the period starting
// Offset days in.
type Quota struct {
	Limit  int64  `json:"limit"`
	Period string `json:"period"`
	Offset int    `json:"offset,omitempty"`
}

// Duration is a time.Duration written as Go writes durations ("29s"), for readable golden files.
type Duration time.Duration

// MarshalText writes d as Go does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

// Routes lists every route of every API, in order.
func (s *Snapshot) Routes() []*Route {
	var out []*Route
	for _, api := range s.APIs {
		out = append(out, api.Routes...)
	}
	return out
}

// PathMatcher reads a route's path parameters from request paths.
type PathMatcher struct {
	prefix string // the stage's path
	re     *regexp.Regexp
	params []string
}

// NewPathMatcher compiles the route's path pattern.
func NewPathMatcher(r *Route) (*PathMatcher, error) {
	re, err := regexp.Compile(r.PathRegex)
	if err != nil {
		return nil, err
	}
	return &PathMatcher{prefix: r.StagePath(), re: re, params: r.PathParams}, nil
}

// PathParameters extracts the path parameters from a request path that starts with the stage's path. Values stay
// as the client sent them (not URL-decoded), as API Gateway passes them.
func (m *PathMatcher) PathParameters(path string) (map[string]string, bool) {
	if !strings.HasPrefix(path, m.prefix) {
		return nil, false
	}
	found := m.re.FindStringSubmatch(path)
	if found == nil {
		return nil, false
	}
	params := make(map[string]string, len(m.params))
	for i, name := range m.params {
		params[name] = found[i+1]
	}
	return params, true
}

// AccessLog is a stage's access log: a line per request to the stage, in its format, to a file ("stdout": the
// Envoy's output).
type AccessLog struct {
	APIID string `json:"apiId"`
	// Stage is the stage's name, or names.CanaryStage of it for the log of its canary's requests.
	Stage       string           `json:"stage"`
	Destination string           `json:"destination"`
	Format      []accesslog.Part `json:"format"`
}
