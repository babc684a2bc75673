package translate

import (
	"fmt"
	"net"
	"strconv"

	accesslog "github.com/envoyproxy/go-control-plane/envoy/config/accesslog/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	celfilter "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/filters/cel/v3"
	router "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	matcherv3 "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// Listener builds the public HTTP listener on addr (host:port). Its routes come over ADS (RDS): a change to the
// routes alone leaves the listener as it is, and its connections; a change to the filters the routes use, the
// local replies or the access logs is a new listener, with a route configuration of its own (routeConfigName).
func (o *Output) Listener(addr string) (*listener.Listener, error) {
	address, err := listenAddress("listen", addr)
	if err != nil {
		return nil, err
	}
	return &listener.Listener{
		Name:    ListenerName,
		Address: address,
		FilterChains: []*listener.FilterChain{{Filters: []*listener.Filter{{
			Name:       "envoy.filters.network.http_connection_manager",
			ConfigType: &listener.Filter_TypedConfig{TypedConfig: mustAny(o.manager(o.Routes.GetName()))},
		}}}},
	}, nil
}

// listenAddress is a listener's host:port address; what names it in the error.
func listenAddress(what, addr string) (*core.Address, error) {
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%s address %q: %w", what, addr, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("%s address %q: invalid port", what, addr)
	}
	return socketAddress(host, uint32(port)), nil
}

// manager is the listener's HTTP connection manager, its routes the route configuration named routes.
func (o *Output) manager(routes string) *hcm.HttpConnectionManager {
	manager := &hcm.HttpConnectionManager{
		StatPrefix: "tollgate",
		CodecType:  hcm.HttpConnectionManager_AUTO,
		RouteSpecifier: &hcm.HttpConnectionManager_Rds{Rds: &hcm.Rds{
			RouteConfigName: routes,
			ConfigSource: &core.ConfigSource{
				ResourceApiVersion:    core.ApiVersion_V3,
				ConfigSourceSpecifier: &core.ConfigSource_Ads{Ads: &core.AggregatedConfigSource{}},
			},
		}},
		HttpFilters: o.chain(),
		// The request id Envoy generates is the one x-amzn-RequestId reports.
		GenerateRequestId: wrapperspb.Bool(true),
		// Edge hygiene: the client's address comes from the connection (or as many X-Forwarded-For hops back as
		// the config trusts proxies in front), and paths are normalised before matching (RFC 3986: dot segments
		// resolved, unreserved characters decoded) with doubled slashes merged, so that no spelling of a
		// protected resource's path reaches its backend by another route without the resource's checks
		// (e2e TestNoBypassByPathSpelling). Escaped slashes (%2F) are kept as they are: API Gateway passes them
		// in a path parameter (an S3 object key under a folder is written folder%2Fkey), and a decoded one would
		// route elsewhere.
		UseRemoteAddress:             wrapperspb.Bool(true),
		XffNumTrustedHops:            o.snapshot.TrustedProxyHops,
		NormalizePath:                wrapperspb.Bool(true),
		MergeSlashes:                 true,
		PathWithEscapedSlashesAction: hcm.HttpConnectionManager_KEEP_UNCHANGED,
		// A backend's Server header reaches the client as it is; Envoy adds none of its own.
		ServerHeaderTransformation: hcm.HttpConnectionManager_PASS_THROUGH,
		// A regional endpoint passes header names on as the client wrote them, as API Gateway's do: Envoy
		// remembers each HTTP/1.1 name's case here and the backends' clusters write it (preservedCase).
		HttpProtocolOptions: &core.Http1ProtocolOptions{HeaderKeyFormat: preservedCase()},
		LocalReplyConfig:    localReplies(o.snapshot),
		Tracing:             tracing(o.snapshot),
		UpgradeConfigs:      webSocketUpgrades(o.snapshot),
	}
	if mutualTLS(o.snapshot) {
		// The certificate a client presents to a mutual TLS domain, for the ext services; Envoy sets the header on
		// those requests and removes it from every other (the route configuration keeps it from backends).
		manager.ForwardClientCertDetails = hcm.HttpConnectionManager_SANITIZE_SET
		manager.SetCurrentClientCertDetails = &hcm.HttpConnectionManager_SetCurrentClientCertDetails{Cert: true}
	}
	if o.snapshot.Metrics {
		manager.AccessLog = append(manager.AccessLog, metricsLog())
	}
	manager.AccessLog = append(manager.AccessLog, stageLogs(o.snapshot)...)
	return manager
}

// chain is the listener's HTTP filters, in filterOrder, the router last.
func (o *Output) chain() []*hcm.HttpFilter {
	var filters []*hcm.HttpFilter
	for _, size := range o.compressors {
		filters = append(filters, compressorFilter(size))
	}
	for _, name := range o.filters {
		filters = append(filters, features[name].filter(o.snapshot))
	}
	return append(filters, routerFilter())
}

func routerFilter() *hcm.HttpFilter {
	return &hcm.HttpFilter{
		Name: names.RouterFilter,
		// Envoy's x-envoy-* response headers are not API Gateway's.
		ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&router.Router{SuppressEnvoyHeaders: true})},
	}
}

// localReplies rewrites the replies Envoy makes up itself when a backend fails into API Gateway's responses, after
// the APIs' customised gateway responses (customReplies), which come first.
func localReplies(snap *ir.Snapshot) *hcm.LocalReplyConfig {
	mapper := func(t gatewayresponse.Type, filter *accesslog.AccessLogFilter) *hcm.ResponseMapper {
		resp := gatewayresponse.Default(t)
		m := &hcm.ResponseMapper{
			Filter:     filter,
			StatusCode: wrapperspb.UInt32(resp.Status),
			Body:       &core.DataSource{Specifier: &core.DataSource_InlineString{InlineString: resp.Body()}},
			BodyFormatOverride: &core.SubstitutionFormatString{
				Format: &core.SubstitutionFormatString_TextFormatSource{TextFormatSource: &core.DataSource{
					Specifier: &core.DataSource_InlineString{InlineString: "%LOCAL_REPLY_BODY%"},
				}},
				ContentType: "application/json",
			},
		}
		m.HeadersToAdd = requestIDHeaders(false)
		if resp.ErrorType != "" {
			m.HeadersToAdd = append(m.HeadersToAdd, setHeader("x-amzn-ErrorType", resp.ErrorType))
		}
		return m
	}
	// The ext_proc service's method responses (a MOCK's, a cache hit's) are no gateway responses: the first mapper
	// takes them and changes nothing, so that no other is tried (a kept 413 is not REQUEST_TOO_LARGE).
	mappers := append([]*hcm.ResponseMapper{{Filter: &accesslog.AccessLogFilter{FilterSpecifier: &accesslog.AccessLogFilter_MetadataFilter{
		MetadataFilter: &accesslog.MetadataFilter{Matcher: &matcherv3.MetadataMatcher{
			Filter: names.GatewayResponseNamespace,
			Path:   []*matcherv3.MetadataMatcher_PathSegment{{Segment: &matcherv3.MetadataMatcher_PathSegment_Key{Key: names.MethodResponseField}}},
			Value:  &matcherv3.ValueMatcher{MatchPattern: &matcherv3.ValueMatcher_BoolMatch{BoolMatch: true}},
		},
			// Envoy's default matches a reply without the key too: every other reply.
			MatchIfKeyNotFound: wrapperspb.Bool(false)},
	}}}}, customReplies(snap)...)
	for _, r := range envoyReplies {
		mappers = append(mappers, mapper(r.t, r.filter))
	}
	return &hcm.LocalReplyConfig{Mappers: mappers}
}

// envoyReplies are the replies Envoy makes itself that stand for a gateway response, in the order their mappers
// are tried.
var envoyReplies = []struct {
	t      gatewayresponse.Type
	filter *accesslog.AccessLogFilter
}{
	// UT: the route timeout (timeoutInMillis) fired.
	{gatewayresponse.IntegrationTimeout, byFlags("UT")},
	// The backend could not be reached or reset the connection.
	{gatewayresponse.IntegrationFailure, byFlags("UF", "UH", "URX", "UO", "UC", "UR", "DF")},
	// Tollgate's rate-limit service or limits check could not be reached and rateLimit.failureMode is closed:
	// throttled. Before the next mapper, which would take the limits check's error for the key check's.
	{gatewayresponse.Throttled, byFlags("RLSE")},
	{gatewayresponse.Throttled, allOf(byStatus(429), byCEL(extAuthzError))},
	// Tollgate's own key check or ext_proc service failed or could not be reached (its process restarting under
	// an Envoy that outlives it): the request can be neither admitted nor processed, and the client gets API
	// Gateway's answer to a gateway that cannot serve the method instead of Envoy's empty reply.
	{gatewayresponse.APIConfigurationError, byCEL(extAuthzError + " || " + extProcError)},
	// A body over API Gateway's 10 MB limit.
	{gatewayresponse.RequestTooLarge, byStatus(413)},
	// An HTTP API's JWT authorizer: no token, or one Envoy's jwt_authn refuses; a token without a scope the route
	// requires, refused by the scopes check.
	{gatewayresponse.Unauthorized, byCEL("response.code_details.startsWith('jwt_authn_access_denied')")},
	// A token for another audience, refused by the audience check's policy of that name.
	{gatewayresponse.Unauthorized, byCEL("response.code_details == " + audienceRefused)},
	{gatewayresponse.AccessDenied, byCEL("response.code_details.startsWith('rbac_access_denied') && response.code_details != " + audienceRefused)},
}

// CEL conditions on a local reply's code details: Tollgate's ext_authz or ext_proc service failed.
const (
	extAuthzError = "response.code_details.startsWith('ext_authz_error')"
	extProcError  = "response.code_details.startsWith('ext_proc_error')"
)

func byFlags(flags ...string) *accesslog.AccessLogFilter {
	return &accesslog.AccessLogFilter{FilterSpecifier: &accesslog.AccessLogFilter_ResponseFlagFilter{
		ResponseFlagFilter: &accesslog.ResponseFlagFilter{Flags: flags},
	}}
}

func byStatus(code uint32) *accesslog.AccessLogFilter {
	return &accesslog.AccessLogFilter{FilterSpecifier: &accesslog.AccessLogFilter_StatusCodeFilter{
		StatusCodeFilter: &accesslog.StatusCodeFilter{Comparison: &accesslog.ComparisonFilter{
			Op:    accesslog.ComparisonFilter_EQ,
			Value: &core.RuntimeUInt32{DefaultValue: code, RuntimeKey: fmt.Sprintf("tollgate.local_reply.status_%d", code)},
		}},
	}}
}

func byCEL(expression string) *accesslog.AccessLogFilter {
	return &accesslog.AccessLogFilter{FilterSpecifier: &accesslog.AccessLogFilter_ExtensionFilter{ExtensionFilter: &accesslog.ExtensionFilter{
		Name:       "envoy.access_loggers.extension_filters.cel",
		ConfigType: &accesslog.ExtensionFilter_TypedConfig{TypedConfig: mustAny(&celfilter.ExpressionFilter{Expression: expression})},
	}}}
}

func allOf(filters ...*accesslog.AccessLogFilter) *accesslog.AccessLogFilter {
	return &accesslog.AccessLogFilter{FilterSpecifier: &accesslog.AccessLogFilter_AndFilter{AndFilter: &accesslog.AndFilter{Filters: filters}}}
}
