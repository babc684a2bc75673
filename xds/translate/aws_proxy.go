package translate

import (
	"time"

	mutationrules "github.com/envoyproxy/go-control-plane/envoy/config/common/mutation_rules/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	sigv4 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/aws_request_signing/v3"
	buffer "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/buffer/v3"
	extproc "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	upstreamcodec "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/upstream_codec/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	upstreamhttp "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// MaxRequestBody is API Gateway's request payload limit: larger requests get a 413.
const MaxRequestBody = 10 * 1024 * 1024

// lambdaProcessing asks Tollgate's ext_proc service for every phase a Lambda proxy needs: the whole request to
// build the event, the whole Invoke response to turn the function's answer into the client's. Both bodies are
// STREAMED so that Envoy sends each right behind its headers (send_body_without_waiting_for_header_response works
// in that mode only): the service answers headers and body together once the body is complete, so each phase
// costs one round trip to Tollgate instead of two. The request body arrives whole anyway: the body-limit filter
// before ext_proc buffers it.
var lambdaProcessing = &extproc.ProcessingMode{
	RequestHeaderMode:   extproc.ProcessingMode_SEND,
	RequestBodyMode:     extproc.ProcessingMode_STREAMED,
	RequestTrailerMode:  extproc.ProcessingMode_SKIP,
	ResponseHeaderMode:  extproc.ProcessingMode_SEND,
	ResponseBodyMode:    extproc.ProcessingMode_STREAMED,
	ResponseTrailerMode: extproc.ProcessingMode_SKIP,
}

func init() {
	register(names.ExtProcFilter, feature{
		filter: func(*ir.Snapshot) *hcm.HttpFilter { return extProcFilter(names.XDSCluster) },
		apply: func(r *route.Route, in *ir.Route) bool {
			if in.Lambda == nil {
				return false
			}
			switchOn(r, names.ExtProcFilter, mustAny(&route.FilterConfig{Config: mustAny(&extproc.ExtProcPerRoute{
				Override: &extproc.ExtProcPerRoute_Overrides{Overrides: &extproc.ExtProcOverrides{
					ProcessingMode:      lambdaProcessing,
					GrpcInitialMetadata: []*core.HeaderValue{{Key: names.RouteHeader, Value: r.GetName()}},
					// The client's address as Envoy's connection sees it: identity.sourceIp.
					RequestAttributes: []string{names.SourceAddressAttribute},
				}},
			})}))
			return true
		},
		idle:      extProcIdle,
		pathForms: mustAny(&route.FilterConfig{Config: extProcIdle}),
	})
	// The path-form routes may reroute to a Lambda proxy, so they switch the body buffers on too.
	register(names.BodyLimitFilter, feature{
		filter:    func(*ir.Snapshot) *hcm.HttpFilter { return bodyLimitFilter() },
		apply:     lambdaSwitchesOn(names.BodyLimitFilter, bodyLimitOn),
		pathForms: bodyLimitOn,
	})
	register(names.InvokeLengthFilter, feature{
		filter:    func(*ir.Snapshot) *hcm.HttpFilter { return invokeLengthFilter() },
		apply:     lambdaSwitchesOn(names.InvokeLengthFilter, invokeLengthOn),
		pathForms: invokeLengthOn,
	})
}

// lambdaSwitchesOn switches a filter on for the Lambda proxy routes.
func lambdaSwitchesOn(filter string, setting *anypb.Any) func(*route.Route, *ir.Route) bool {
	return func(r *route.Route, in *ir.Route) bool {
		if in.Lambda == nil {
			return false
		}
		switchOn(r, filter, setting)
		return true
	}
}

// lambda routes a Lambda proxy method to the Invoke API: Envoy carries the call, with the ext_proc filter switched
// on for this route only, so Tollgate's service can turn the request into the proxy event and the function's
// answer into the response.
func (t *translator) lambda(out *route.Route, r *ir.Route) {
	l := r.Lambda
	var target string
	if l.SigningRegion != "" {
		target = t.signedCluster(l.Backend, l.SigningRegion)
	} else {
		target = t.cluster(l.Backend)
	}
	out.Action = &route.Route_Route{Route: &route.RouteAction{
		ClusterSpecifier:     &route.RouteAction_Cluster{Cluster: target},
		Timeout:              durationpb.New(time.Duration(l.Timeout)),
		HostRewriteSpecifier: &route.RouteAction_HostRewriteLiteral{HostRewriteLiteral: l.Backend.Authority()},
	}}
	// Envoy buffers the body for the event: room for the largest body API Gateway accepts.
	out.RequestBodyBufferLimit = wrapperspb.UInt64(MaxRequestBody)
}

// signedCluster is the cluster for an AWS Lambda endpoint: Envoy's own SigV4 filter signs every call upstream,
// with credentials from the standard AWS chain (environment, shared files, instance roles).
func (t *translator) signedCluster(be ir.Backend, region string) string {
	name := clusterName(be) + "#sigv4"
	if _, ok := t.clusters[name]; ok {
		return name
	}
	c := newCluster(name, be)
	signing := &sigv4.AwsRequestSigning{ServiceName: "lambda", Region: region}
	opts := &upstreamhttp.HttpProtocolOptions{
		UpstreamProtocolOptions: &upstreamhttp.HttpProtocolOptions_ExplicitHttpConfig_{ExplicitHttpConfig: &upstreamhttp.HttpProtocolOptions_ExplicitHttpConfig{
			ProtocolConfig: &upstreamhttp.HttpProtocolOptions_ExplicitHttpConfig_HttpProtocolOptions{HttpProtocolOptions: &core.Http1ProtocolOptions{}},
		}},
		HttpFilters: []*hcm.HttpFilter{
			{Name: "envoy.filters.http.aws_request_signing", ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(signing)}},
			{Name: "envoy.filters.http.upstream_codec", ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&upstreamcodec.UpstreamCodec{})}},
		},
	}
	c.TypedExtensionProtocolOptions = map[string]*anypb.Any{"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": mustAny(opts)}
	t.clusters[name] = c
	return name
}

// extProcIdle keeps the ext_proc filter from calling out on a route that does not ask for it.
var extProcIdle = mustAny(&extproc.ExtProcPerRoute{Override: &extproc.ExtProcPerRoute_Disabled{Disabled: true}})

// extProcFilter is the listener's ext_proc filter: off unless a route turns it on. It reaches Tollgate over the
// bootstrap's xDS cluster, so any Envoy that can get its configuration can reach the service too.
func extProcFilter(cluster string) *hcm.HttpFilter {
	return &hcm.HttpFilter{
		Name:     names.ExtProcFilter,
		Disabled: true,
		ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&extproc.ExternalProcessor{
			GrpcService: &core.GrpcService{
				TargetSpecifier: &core.GrpcService_EnvoyGrpc_{EnvoyGrpc: &core.GrpcService_EnvoyGrpc{ClusterName: cluster}},
				Timeout:         durationpb.New(5e9),
			},
			ProcessingMode:                          lambdaProcessing,
			SendBodyWithoutWaitingForHeaderResponse: true,
			// Envoy drops content-length from a streamed body it lets a processor replace, and sends the body
			// chunked; the service sets the replaced body's length itself (the Invoke call's, the client
			// response's), so Envoy keeps it: Lambda's Invoke API expects a length, and so do API Gateway's
			// clients.
			AllowContentLengthHeader: true,
			RequestAttributes:        []string{names.SourceAddressAttribute},
			// Building an event or decoding a response takes microseconds; this bounds a stuck service.
			MessageTimeout: durationpb.New(5e9),
			// The Lambda call replaces the method and path of the client's request, and carries none of its
			// headers, Envoy's x-envoy-* ones included.
			MutationRules: &mutationrules.HeaderMutationRules{AllowAllRouting: wrapperspb.Bool(true), AllowEnvoy: wrapperspb.Bool(true)},
			// The API key check's result (key id), for the event's identity.apiKeyId.
			MetadataOptions: &extproc.MetadataOptions{ForwardingNamespaces: &extproc.MetadataOptions_MetadataNamespaces{
				Untyped: []string{names.ExtAuthzFilter},
			}},
		})},
	}
}

// bodyLimitFilter enforces API Gateway's 10 MB request payload limit where a route switches it on: the routes
// that buffer bodies anyway (Lambda proxies) and the path-form routes that may reroute to them. Elsewhere Envoy
// streams bodies to the backend untouched. Larger requests get a 413, which localReplies turns into API Gateway's
// answer.
func bodyLimitFilter() *hcm.HttpFilter { return bufferFilter(names.BodyLimitFilter, MaxRequestBody) }

// bodyLimitOn switches the limit on for a route.
var bodyLimitOn = bufferOn(MaxRequestBody)

// invokeLengthFilter buffers the Invoke call's body after ext_proc has made it, so that Envoy sends it with a
// content-length: a bodiless client request gets its event from ext_proc, and Envoy would send that chunked.
func invokeLengthFilter() *hcm.HttpFilter {
	return bufferFilter(names.InvokeLengthFilter, maxInvokeBody)
}

// maxInvokeBody bounds the Invoke call's body: a 10 MB binary body base64-encoded, with the rest of the event
// around it. (Lambda itself takes at most 6 MB.)
const maxInvokeBody = 16 << 20

var invokeLengthOn = bufferOn(maxInvokeBody)

// bufferFilter is a buffer filter of the listener, off unless a route switches it on with bufferOn.
func bufferFilter(name string, limit uint32) *hcm.HttpFilter {
	return &hcm.HttpFilter{
		Name:       name,
		Disabled:   true,
		ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&buffer.Buffer{MaxRequestBytes: wrapperspb.UInt32(limit)})},
	}
}

func bufferOn(limit uint32) *anypb.Any {
	return mustAny(&route.FilterConfig{Config: mustAny(&buffer.BufferPerRoute{
		Override: &buffer.BufferPerRoute_Buffer{Buffer: &buffer.Buffer{MaxRequestBytes: wrapperspb.UInt32(limit)}},
	})})
}
