package translate

import (
	"fmt"
	"net"
	"slices"
	"strconv"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	lua "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/lua/v3"
	tlsinspector "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// Custom domain names are served by the HTTPS listener, a filter chain per domain chosen by SNI, each with the
// domain's certificate (an SDS secret over ADS, so a new certificate reaches Envoy without a new listener) and
// its security policy's TLS, all with the HTTP listener's connection manager and routes. A domain's virtual host
// has a route per base path mapping, longest first, whose Lua script rewrites the request into the mapped stage's
// own form ({apiId}.{domain}, /{stage}/{rest}), as the path forms' does, and files the host and path the client
// called in dynamic metadata: the ext services report them ($context.domainName, the Lambda event's path), and a
// disabled default endpoint's routes match only requests that carry it.

// TLSListenerName is the HTTPS listener's.
const TLSListenerName = "tollgate_https"

// customDomainScript names the custom domain rewrite among the Lua filter's scripts.
const customDomainScript = "custom_domain"

// customDomainLua rewrites a request by the route's metadata (the mapping's host, base path and stage path) and
// files what the client called, the host without its port.
const customDomainLua = `
function envoy_on_request(handle)
  local mapping = handle:metadata()
  local headers = handle:headers()
  local path = headers:get(":path")
  local host = string.match(headers:get(":authority"), "^[^:]*")
  local rest = string.sub(path, string.len(mapping:get("basePath")) + 1)
  local rewritten = mapping:get("stagePath") .. rest
  if rewritten == "" or string.sub(rewritten, 1, 1) == "?" then
    rewritten = "/" .. rewritten
  end
  local called = string.match(path, "^[^?]*")
  handle:streamInfo():dynamicMetadata():set("NAMESPACE", "domainName", host)
  handle:streamInfo():dynamicMetadata():set("NAMESPACE", "path", called)
  headers:replace(":authority", mapping:get("host"))
  headers:replace(":path", rewritten)
  handle:clearRouteCache()
end
`

// customDomainRoutes are a domain's mappings' routes: each sends what its base path starts to the stage,
// switching on the filters a rerouted request may need (perFilter, as the path forms do) and the Lua filter's
// custom domain script.
func customDomainRoutes(snap *ir.Snapshot, d ir.DomainName, perFilter map[string]*anypb.Any) []*route.Route {
	filters := make(map[string]*anypb.Any, len(perFilter))
	for name, cfg := range perFilter {
		filters[name] = cfg
	}
	filters[names.LuaFilter] = mustAny(&route.FilterConfig{Config: mustAny(&lua.LuaPerRoute{Override: &lua.LuaPerRoute_Name{Name: customDomainScript}})})
	var routes []*route.Route
	for _, m := range d.Mappings {
		match := prefixMatch("/")
		if m.BasePath != "" {
			match = &route.RouteMatch{PathSpecifier: &route.RouteMatch_PathSeparatedPrefix{PathSeparatedPrefix: m.BasePath}}
		}
		// A custom domain is HTTPS only, as API Gateway's: the routes are the HTTP listener's too, and there a
		// request for the domain's host meets the 403. Envoy sets X-Forwarded-Proto from the connection (it keeps
		// a trusted proxy's, when the config trusts one in front).
		match.Headers = []*route.HeaderMatcher{{Name: "x-forwarded-proto",
			HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{StringMatch: &matcher.StringMatcher{MatchPattern: &matcher.StringMatcher_Exact{Exact: "https"}}}}}
		r := &route.Route{
			Name: "domain:" + d.Name + m.BasePath, Match: match, TypedPerFilterConfig: filters,
			Metadata: &core.Metadata{FilterMetadata: map[string]*structpb.Struct{names.LuaFilter: {Fields: map[string]*structpb.Value{
				"host":      structpb.NewStringValue(m.APIID + "." + snap.Domain),
				"basePath":  structpb.NewStringValue(m.BasePath),
				"stagePath": structpb.NewStringValue(m.StagePath),
			}}}},
		}
		// What the script leaves alone (it rewrites every request the route matches) meets no API.
		setGatewayResponse(r, gatewayresponse.Forbidden)
		routes = append(routes, r)
	}
	return routes
}

// customDomainHosts are the domains' virtual hosts: the mappings' routes, then 403 Forbidden for a path under
// none, as API Gateway answers it.
func customDomainHosts(snap *ir.Snapshot, perFilter map[string]*anypb.Any) []*route.VirtualHost {
	var hosts []*route.VirtualHost
	for _, d := range snap.DomainNames {
		unmapped := &route.Route{Name: "domain:" + d.Name + ":unmapped", Match: prefixMatch("/")}
		setGatewayResponse(unmapped, gatewayresponse.Forbidden)
		hosts = append(hosts, &route.VirtualHost{
			Name: "domain:" + d.Name, Domains: []string{d.Name}, ResponseHeadersToAdd: requestIDHeaders(false),
			Routes: append(customDomainRoutes(snap, d, perFilter), unmapped),
		})
	}
	return hosts
}

// fromCustomDomain matches the requests a custom domain's route rewrote: a disabled default endpoint's routes
// have it, so that the API's own host and the path forms, which file no such metadata, reach none of them.
func fromCustomDomain() []*matcher.MetadataMatcher {
	return []*matcher.MetadataMatcher{{
		Filter: names.CustomDomainNamespace,
		Path:   []*matcher.MetadataMatcher_PathSegment{{Segment: &matcher.MetadataMatcher_PathSegment_Key{Key: "domainName"}}},
		Value:  &matcher.ValueMatcher{MatchPattern: &matcher.ValueMatcher_PresentMatch{PresentMatch: true}},
	}}
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
	host, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("TLS listen address %q: %w", addr, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("TLS listen address %q: invalid port", addr)
	}
	manager := mustAny(o.manager(o.Routes.GetName()))
	lis := &listener.Listener{
		Name:    TLSListenerName,
		Address: socketAddress(host, uint32(port)),
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
		lis.FilterChains = append(lis.FilterChains, &listener.FilterChain{
			Name:             "domain:" + d.Name,
			FilterChainMatch: &listener.FilterChainMatch{ServerNames: []string{d.Name}},
			TransportSocket: &core.TransportSocket{Name: "envoy.transport_sockets.tls",
				ConfigType: &core.TransportSocket_TypedConfig{TypedConfig: mustAny(context)}},
			Filters: []*listener.Filter{{
				Name:       "envoy.filters.network.http_connection_manager",
				ConfigType: &listener.Filter_TypedConfig{TypedConfig: manager},
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
