package translate

import (
	"regexp"
	"slices"
	"strings"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	extauthz "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_authz/v3"
	extproc "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	tlsinspector "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// Custom domain names are served by the HTTPS listener, a filter chain per domain chosen by SNI, each with the
// domain's certificate (an SDS secret over ADS, so a new certificate reaches Envoy without a new listener) and
// its security policy's TLS, all with the HTTP listener's connection manager and routes. A domain's virtual host
// has, for each base path mapping, longest first, the mapped stage's own routes, their paths under the base path
// instead of the stage's: a request is routed once, by Envoy alone, to the route that serves it on the API's own
// host, under that route's name (so the ext services, the limits and the metrics know it as that route). The ext
// services are told the route's base path and stage path with its name (names.BasePathHeader), and read the
// request as on the API's own host.

// TLSListenerName is the HTTPS listener's.
const TLSListenerName = "tollgate_https"

// stageKey keys the translated routes by API and stage; the stage "" holds the API's routes of every stage (an
// HTTP API's CORS preflight).
type stageKey struct{ api, stage string }

// customDomainHosts are the domains' virtual hosts: each mapping's copy of its stage's routes, and what the API's
// host answers a path none of them matches; then 403 Forbidden for a path under no mapping, as API Gateway
// answers it. idle is what the API hosts give the filters their routes do not switch on.
func (t *translator) customDomainHosts(byStage map[stageKey][]*route.Route, apis map[string]*ir.API, idle map[string]*anypb.Any) []*route.VirtualHost {
	var hosts []*route.VirtualHost
	for _, d := range t.snap.DomainNames {
		vh := &route.VirtualHost{Name: "domain:" + d.Name, Domains: []string{d.Name}, Routes: healthCheckRoutes(d.Name)}
		if len(idle) > 0 {
			vh.TypedPerFilterConfig = idle
		}
		for _, m := range d.Mappings {
			if m.WebSocket {
				vh.Routes = append(vh.Routes, t.webSocketMappingRoutes(d, m)...)
				continue
			}
			api := apis[m.APIID]
			if api == nil {
				continue // the model check refuses a mapping to an API the gateway lacks
			}
			routes := append(slices.Clone(byStage[stageKey{m.APIID, ""}]), byStage[stageKey{m.APIID, m.Stage}]...)
			routes = append(routes, unmatchedRoute(names.UnmatchedRoute(api.ID), prefixMatch("/"), api))
			for _, r := range routes {
				mapped := mappedRoute(r, m, api.HTTPAPI, d.Truststore != "")
				if d.Edge {
					t.edgeRoute(mapped)
				}
				vh.Routes = append(vh.Routes, mapped)
			}
		}
		unmapped := &route.Route{Name: "domain:" + d.Name + ":unmapped", Match: prefixMatch("/")}
		setGatewayResponse(unmapped, gatewayresponse.Forbidden)
		unmapped.ResponseHeadersToAdd = append(unmapped.ResponseHeadersToAdd, requestIDHeaders(false)...)
		vh.Routes = append(vh.Routes, unmapped)
		hosts = append(hosts, vh)
	}
	return hosts
}

// healthCheckPaths are the paths API Gateway reserves on custom domains for its health check, answered before
// any mapping: a root-level resource of the same name is not reached, as on AWS.
var healthCheckPaths = []string{"/ping", "/sping"}

// healthCheckRoutes answer the health check: 200 healthy *(verify: AWS documents the paths, not the answer;
// users report "healthy")*, over HTTPS only as the domain's other routes.
func healthCheckRoutes(domain string) []*route.Route {
	var routes []*route.Route
	for _, path := range healthCheckPaths {
		r := &route.Route{Name: "domain:" + domain + ":" + path,
			Match: &route.RouteMatch{PathSpecifier: &route.RouteMatch_Path{Path: path}, Headers: []*route.HeaderMatcher{httpsOnly}},
			Action: &route.Route_DirectResponse{DirectResponse: &route.DirectResponseAction{Status: 200,
				Body: &core.DataSource{Specifier: &core.DataSource_InlineString{InlineString: "healthy"}}}},
			ResponseHeadersToAdd: requestIDHeaders(false),
		}
		routes = append(routes, r)
	}
	return routes
}

// httpsOnly matches the requests that came over TLS. A custom domain is HTTPS only, as API Gateway's: the routes
// are the HTTP listener's too, and there a request for the domain's host meets the 403. Envoy sets
// X-Forwarded-Proto from the connection (it keeps a trusted proxy's, when the config trusts one in front).
var httpsOnly = &route.HeaderMatcher{Name: "x-forwarded-proto",
	HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{StringMatch: &matcher.StringMatcher{MatchPattern: &matcher.StringMatcher_Exact{Exact: "https"}}}}

// mappedRoute is a stage's route as a mapping serves it: its path under the base path instead of the stage's (in
// its match and its rewrite), HTTPS only (with a client certificate, on a mutual TLS domain), with the API
// host's response headers, and the ext services told where the request came from.
func mappedRoute(r *route.Route, m ir.BasePathMapping, httpAPI, mutual bool) *route.Route {
	out := proto.Clone(r).(*route.Route)
	stagePrefix, basePrefix := "^"+regexp.QuoteMeta(m.StagePath), "^"+regexp.QuoteMeta(m.BasePath)
	underBase := func(re *matcher.RegexMatcher) {
		if rest, ok := strings.CutPrefix(re.GetRegex(), stagePrefix); ok {
			re.Regex = basePrefix + rest
		}
	}
	switch {
	case out.Match.GetSafeRegex() != nil:
		underBase(out.Match.GetSafeRegex())
	case out.Match.GetPrefix() == "/" && m.BasePath != "":
		out.Match.PathSpecifier = &route.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: m.BasePath}
	}
	if rewrite := out.GetRoute().GetRegexRewrite(); rewrite != nil {
		underBase(rewrite.GetPattern())
	}
	out.Match.Headers = append(out.Match.Headers, httpsOnly)
	if mutual {
		// The handshake verified the certificate; a request without one came another way (the HTTP listener)
		// and reaches none of the domain's routes, whatever its headers say.
		out.Match.TlsContext = &route.RouteMatch_TlsContextMatchOptions{Presented: wrapperspb.Bool(true)}
	}
	out.ResponseHeadersToAdd = append(out.ResponseHeadersToAdd, requestIDHeaders(httpAPI)...)
	for name, cfg := range out.TypedPerFilterConfig {
		out.TypedPerFilterConfig[name] = withBasePath(cfg, m)
	}
	return out
}

// withBasePath tells an ext service's per-route setting the mapping's base path and stage path: ext_proc's as
// gRPC metadata beside the route's name, ext_authz's as context extensions. Other filters' settings, and the
// ones that switch a service off, are as they were.
func withBasePath(cfg *anypb.Any, m ir.BasePathMapping) *anypb.Any {
	wrapped := &route.FilterConfig{}
	inner := cfg
	if cfg.MessageIs(wrapped) {
		if err := cfg.UnmarshalTo(wrapped); err != nil {
			panic(err) // our own making
		}
		inner = wrapped.GetConfig()
	}
	var changed proto.Message
	switch {
	case inner.MessageIs(&extproc.ExtProcPerRoute{}):
		pr := &extproc.ExtProcPerRoute{}
		if err := inner.UnmarshalTo(pr); err != nil {
			panic(err)
		}
		if o := pr.GetOverrides(); o != nil {
			o.GrpcInitialMetadata = append(o.GrpcInitialMetadata, &core.HeaderValue{Key: names.BasePathHeader, Value: m.BasePath + " " + m.StagePath})
			changed = pr
		}
	case inner.MessageIs(&extauthz.ExtAuthzPerRoute{}):
		pr := &extauthz.ExtAuthzPerRoute{}
		if err := inner.UnmarshalTo(pr); err != nil {
			panic(err)
		}
		if cs := pr.GetCheckSettings(); cs != nil {
			if cs.ContextExtensions == nil {
				cs.ContextExtensions = map[string]string{}
			}
			cs.ContextExtensions[names.BasePathHeader] = m.BasePath + " " + m.StagePath
			changed = pr
		}
	}
	if changed == nil {
		return cfg
	}
	if inner == cfg {
		return mustAny(changed)
	}
	wrapped.Config = mustAny(changed)
	return mustAny(wrapped)
}

// mutualTLS tells whether a domain requires client certificates.
func mutualTLS(snap *ir.Snapshot) bool {
	return slices.ContainsFunc(snap.DomainNames, func(d ir.DomainName) bool { return d.Truststore != "" })
}

// certificateSecret and truststoreSecret name a domain's certificate and truststore among the secrets.
func certificateSecret(domain string) string { return "tollgate_certificate:" + domain }
func truststoreSecret(domain string) string  { return "tollgate_truststore:" + domain }

// Secrets are the domains' certificates and truststores, sent to Envoy over ADS (SDS).
func (o *Output) Secrets() []*tlsv3.Secret {
	var out []*tlsv3.Secret
	for _, d := range o.snapshot.DomainNames {
		out = append(out, &tlsv3.Secret{Name: certificateSecret(d.Name), Type: &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{
			CertificateChain: &core.DataSource{Specifier: &core.DataSource_InlineString{InlineString: d.CertificateChain}},
			PrivateKey:       &core.DataSource{Specifier: &core.DataSource_InlineString{InlineString: d.PrivateKey}},
		}}})
		if d.Truststore != "" {
			// BoringSSL's depth counts the certificates above the client's: the chain's length less one.
			out = append(out, &tlsv3.Secret{Name: truststoreSecret(d.Name), Type: &tlsv3.Secret_ValidationContext{ValidationContext: &tlsv3.CertificateValidationContext{
				TrustedCa:      &core.DataSource{Specifier: &core.DataSource_InlineString{InlineString: d.Truststore}},
				MaxVerifyDepth: wrapperspb.UInt32(ir.MaxClientChain - 1),
			}}})
		}
	}
	return out
}

// tlsVersions are Envoy's names of the TLS versions a security policy accepts at least.
var tlsVersions = map[uint16]tlsv3.TlsParameters_TlsProtocol{
	0x0301: tlsv3.TlsParameters_TLSv1_0,
	0x0303: tlsv3.TlsParameters_TLSv1_2,
}

// TLSListener builds the HTTPS listener on addr, nil when there are no custom domain names: a filter chain per
// domain, chosen by the name the client's TLS hello asks for (a wildcard domain's for any name under it), a
// handshake without one or for another name refused.
func (o *Output) TLSListener(addr string) (*listener.Listener, error) {
	if len(o.snapshot.DomainNames) == 0 {
		return nil, nil
	}
	address, err := listenAddress("TLS listen", addr)
	if err != nil {
		return nil, err
	}
	manager := mustAny(o.manager(o.Routes.GetName()))
	var edgeManager *anypb.Any
	lis := &listener.Listener{
		Name:    TLSListenerName,
		Address: address,
		ListenerFilters: []*listener.ListenerFilter{{
			Name:       "envoy.filters.listener.tls_inspector",
			ConfigType: &listener.ListenerFilter_TypedConfig{TypedConfig: mustAny(&tlsinspector.TlsInspector{})},
		}},
	}
	for _, d := range o.snapshot.DomainNames {
		context := &tlsv3.DownstreamTlsContext{CommonTlsContext: &tlsv3.CommonTlsContext{
			TlsParams: &tlsv3.TlsParameters{
				TlsMinimumProtocolVersion: tlsVersions[d.MinTLS],
				TlsMaximumProtocolVersion: tlsv3.TlsParameters_TLSv1_3,
				CipherSuites:              d.Ciphers,
			},
			TlsCertificateSdsSecretConfigs: []*tlsv3.SdsSecretConfig{{Name: certificateSecret(d.Name), SdsConfig: adsSource()}},
			AlpnProtocols:                  []string{"h2", "http/1.1"},
		}}
		if d.Truststore != "" {
			// Mutual TLS: a handshake without a certificate that chains to the truststore is refused.
			context.RequireClientCertificate = wrapperspb.Bool(true)
			context.CommonTlsContext.ValidationContextType = &tlsv3.CommonTlsContext_ValidationContextSdsSecretConfig{
				ValidationContextSdsSecretConfig: &tlsv3.SdsSecretConfig{Name: truststoreSecret(d.Name), SdsConfig: adsSource()}}
		}
		m := manager
		if d.Edge {
			if edgeManager == nil {
				// An edge domain's connections keep no client's case for the backend: its clusters' twins
				// capitalise the names (edge.go), which a case remembered from the client would override.
				em := o.manager(o.Routes.GetName())
				em.HttpProtocolOptions = nil
				edgeManager = mustAny(em)
			}
			m = edgeManager
		}
		lis.FilterChains = append(lis.FilterChains, &listener.FilterChain{
			Name:             "domain:" + d.Name,
			FilterChainMatch: &listener.FilterChainMatch{ServerNames: []string{d.Name}},
			TransportSocket: &core.TransportSocket{Name: "envoy.transport_sockets.tls",
				ConfigType: &core.TransportSocket_TypedConfig{TypedConfig: mustAny(context)}},
			Filters: []*listener.Filter{{
				Name:       "envoy.filters.network.http_connection_manager",
				ConfigType: &listener.Filter_TypedConfig{TypedConfig: m},
			}},
		})
	}
	return lis, nil
}

// TLSListen is where the HTTPS listener listens (the config's tls.listen), "" without custom domain names.
func (o *Output) TLSListen() string { return o.snapshot.TLSListen }

// adsSource is a resource sent over the ADS stream.
func adsSource() *core.ConfigSource {
	return &core.ConfigSource{ResourceApiVersion: core.ApiVersion_V3, ConfigSourceSpecifier: &core.ConfigSource_Ads{Ads: &core.AggregatedConfigSource{}}}
}
