// Package names holds what two sides must spell alike: the names under which the translator switches filters on
// and tells Tollgate's ext services which route a request matched, the bootstrap's cluster that reaches them, and
// the headers and metadata both read. It imports nothing, so every package can use it without depending on another.
package names

// The bootstrap's static cluster to Tollgate's ADS server; Envoys reach Tollgate's ext services over it too.
const XDSCluster = "tollgate_xds"

// TrustedCASecret is the bootstrap's static secret holding the CA certificates an Envoy trusts for HTTPS
// backends (its machine's bundle); the translator's https clusters verify against it.
const TrustedCASecret = "tollgate_trusted_ca"

// ListenMetadataKey is the node metadata key that carries an Envoy's own listen address to the control plane.
const ListenMetadataKey = "tollgate.listen"

// TLSListenMetadataKey is the node metadata key that carries an Envoy's own address for the HTTPS listener of the
// custom domain names.
const TLSListenMetadataKey = "tollgate.tls_listen"

// HTTP filter names in the listener. Routes switch a filter on or off by its name, and Envoy files the dynamic
// metadata a filter emits under it.
const (
	ExtAuthzFilter     = "envoy.filters.http.ext_authz"
	LimitsCheckFilter  = "tollgate.limits_check"
	AuthorizerFilter   = "tollgate.authorizer"
	RateLimitFilter    = "envoy.filters.http.ratelimit"
	ExtProcFilter      = "envoy.filters.http.ext_proc"
	BodyLimitFilter    = "envoy.filters.http.buffer"
	InvokeLengthFilter = "tollgate.invoke_length"
	LuaFilter          = "envoy.filters.http.lua"
	JWTFilter          = "envoy.filters.http.jwt_authn"
	ScopesFilter       = "envoy.filters.http.rbac"
	QueryMappingFilter = "envoy.filters.http.header_mutation"
	// AudienceFilter is the RBAC filter that checks a verified JWT's audience: its aud, or its client_id when it
	// has none, as API Gateway checks it (jwt_authn's audiences read aud only).
	AudienceFilter = "tollgate.jwt_audience"
	RouterFilter   = "envoy.filters.http.router"
	// CompressorFilter names the compressors, one for each minimum size (see xds/translate/compression.go).
	CompressorFilter = "envoy.filters.http.compressor"
)

// JWTPayloadField is where Envoy's jwt_authn files a verified token's payload in its dynamic metadata, for the
// scopes check and the Lambda proxy event.
const JWTPayloadField = "jwtPayload"

// RouteMetadataNamespace is the route metadata namespace naming the API Gateway method a route serves; the API's
// id and the stage are under these keys.
const (
	RouteMetadataNamespace = "tollgate"
	RouteMetadataAPIID     = "apiId"
	RouteMetadataStage     = "stage"
	// RouteMetadataIsCanaryRequest is "true" on a canary release's routes, "false" on the other routes of its
	// stage, and absent elsewhere, as AWS's $context.isCanaryRequest.
	RouteMetadataIsCanaryRequest = "isCanaryRequest"
)

// StageRoutes is the beginning every name of a stage's routes has (ir.Route.Name), and no other route's: neither
// an API id nor a stage name holds a '/'. A filter of Envoy's that takes a stage's requests tests the route's name
// for it, which costs Envoy a few times less on each request than reading the route's metadata.
func StageRoutes(apiID, stage string) string { return apiID + "/" + stage + "/" }

// CanaryStage is how API Gateway names a stage's canary release in its metrics and logs: {stage}/Canary. The
// canary's routes are named under StageRoutes(apiID, CanaryStage(stage)), which begins as the stage's do (no
// method is named Canary), so the stage's access log takes the canary's requests too, as AWS logs them in both.
func CanaryStage(stage string) string { return stage + "/Canary" }

// TestInvokeHeader carries a management API test invocation's token: only a request with it meets the routes of
// the stage that serves the invocation.
const TestInvokeHeader = "x-tollgate-test-invoke"

// TestInvokeStage is the stage a test invocation is served on, as AWS's $context.stage names it.
const TestInvokeStage = "test-invoke-stage"

// APIVirtualHost is the name of the Envoy virtual host serving an API's host, {apiId}.{domain}.
func APIVirtualHost(apiID string) string { return "api_" + apiID }

// UnmatchedRoute is the name of the route that answers a path under none of the API's stages, last of its
// virtual host: the metrics count its requests as the API's, of no stage.
func UnmatchedRoute(apiID string) string { return APIVirtualHost(apiID) + "_unmatched" }

// CacheNamespace is the dynamic metadata namespace where the stage cache files what it did with a request, for
// the metrics: CacheStatusField is CacheHit or CacheMiss.
const (
	CacheNamespace   = "tollgate.cache"
	CacheStatusField = "status"
	CacheHit         = "Hit"
	CacheMiss        = "Miss"
)

// MetricsLogName names the access log every Envoy streams to Tollgate's metrics.
const MetricsLogName = "tollgate_metrics"

// RouteHeader is the gRPC metadata key under which Envoy names the route to the ext_proc service.
const RouteHeader = "x-tollgate-route"

// The ext_authz check learns the route's API stage, and the route whose limits it decides, from these context
// extensions. A check without an API stage checks no key, only the route's limits.
const (
	APIIDExtension = "apiId"
	StageExtension = "stage"
	RouteExtension = "route"
	// AuthorizeExtension marks a check of the authorizer filter: the route's caller must be authorized, and a
	// route the service does not know (an Envoy still on an older configuration) is refused, never admitted.
	AuthorizeExtension = "authorize"
)

// The checks' dynamic metadata for an admitted request, which the filters after them read. Envoy files the
// metadata of both ext_authz filters (the key check's and the authorizer's) under ExtAuthzFilter, the extension's
// name, not under the filter's.
const (
	APIKeyIDField    = "apiKeyId"
	UsagePlanIDField = "usagePlanId"
	// AuthorizerField holds what an authorizer admitted the request with, as requestContext.authorizer has it:
	// principalId and the context's values, as strings.
	AuthorizerField = "authorizer"
	// IdentityField holds the caller IAM authorization verified, as requestContext.identity has it: accessKey,
	// accountId, caller, user, userArn.
	IdentityField = "identity"
	// InvalidateCacheField is true when the caller's IAM policies allow execute-api:InvalidateCache on the
	// method: its Cache-Control: max-age=0 refreshes the stage cache's entry.
	InvalidateCacheField = "invalidateCache"
)

// Request headers.
const (
	// APIKeyHeader is where clients send their API key.
	APIKeyHeader = "x-api-key"
	// EnvoyRequestIDHeader is the request id Envoy generates; x-amzn-RequestId reports it.
	EnvoyRequestIDHeader = "x-request-id"
)

// SourceAddressAttribute is the Envoy attribute with the client's ip:port, which ext_proc routes ask Envoy for.
const SourceAddressAttribute = "source.address"

// ClientCertHeader is where Envoy puts the certificate a client presented to a custom domain with mutual TLS,
// for the ext services (Envoy's x-forwarded-client-cert, set on those requests, removed from every other and
// from what backends are sent).
const ClientCertHeader = "x-forwarded-client-cert"

// BasePathHeader is the gRPC metadata key (and the ext_authz context extension) under which a custom domain's copy
// of a stage's route tells the ext services the mapping it serves: "{basePath} {stagePath}", each "" or /x. The
// services read such a request as the same request on the API's own host, and report the host and the path the
// client called as AWS does; they file those, for the code that reads them, in CustomDomainNamespace.
const BasePathHeader = "x-tollgate-base-path"

// CustomDomainNamespace is the metadata namespace under which the ext services file what a client called on a
// custom domain: the host (domainName, without its port) and the path (path, without its query string).
const CustomDomainNamespace = "tollgate.custom_domain"

// GatewayResponseNamespace is the dynamic metadata namespace where Tollgate's ext_proc service names the gateway
// response it answers with (its type, message, message as a JSON string, validation error); the
// ext_authz service's answers carry the same fields under ExtAuthzFilter's namespace. Envoy's local replies read
// them to render an API's customised gateway responses.
const (
	GatewayResponseNamespace     = "tollgate.gateway_response"
	GatewayResponseType          = "type"
	GatewayResponseMessage       = "message"
	GatewayResponseMessageString = "messageString"
	// GatewayResponseValidationError is $context.error.validationErrorString.
	GatewayResponseValidationError = "validationErrorString"
	// MethodResponseField marks an answer of the ext_proc service's that is the method's response (a MOCK's, a
	// stage cache's hit), not a gateway response: the local replies leave it as it is, whatever its status.
	MethodResponseField = "methodResponse"
)

// ResponseCodeDetailsAttribute is the Envoy attribute that says where a response came from ("via_upstream" for
// the backend's), which the mapping routes ask Envoy for in the response phase.
const ResponseCodeDetailsAttribute = "response.code_details"

// The rate-limit service's domain, and the descriptor entry that names the route.
const (
	RateLimitDomain = "tollgate"
	RouteDescriptor = "route"
)

// The route keys a WebSocket API gives a meaning of its own: the connection's opening and close, and the messages
// no other route's key selects.
const (
	WebSocketConnect    = "$connect"
	WebSocketDisconnect = "$disconnect"
	WebSocketDefault    = "$default"
)

// WebSocketAPIHeader is the header the translator sets on the requests it sends to the WebSocket service: the
// API id and stage of the route ({apiId}/{stage}), which the client cannot set (Envoy overwrites it).
const WebSocketAPIHeader = "x-tollgate-websocket-api"

// WebSocketSourceIPHeader is the header the translator sets on them to the client's address as Envoy decided it
// (the connection's peer, or trusted X-Forwarded-For hops back).
const WebSocketSourceIPHeader = "x-tollgate-source-ip"

// WebSocketMappingHeader is the header the translator sets on a custom domain's requests to the WebSocket
// service: the mapping's base path ("" for the root) and the host the client called, space-separated. Envoy removes
// it from every other request to the service.
const WebSocketMappingHeader = "x-tollgate-websocket-mapping"

// WebSocketCluster is the cluster of Tollgate's WebSocket service.
const WebSocketCluster = "tollgate_websocket"

// A WebSocket API's metrics, as API Gateway names them: connections made, messages to and from clients, refusals
// before an integration (ClientError), integrations answering an error (IntegrationError) and calls to them that
// failed (ExecutionError). The WebSocket service counts them and the metrics export them.
const (
	WebSocketConnectCount     = "ConnectCount"
	WebSocketMessageCount     = "MessageCount"
	WebSocketClientError      = "ClientError"
	WebSocketIntegrationError = "IntegrationError"
	WebSocketExecutionError   = "ExecutionError"
)
