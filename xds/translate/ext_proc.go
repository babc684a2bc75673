package translate

import (
	mutationrules "github.com/envoyproxy/go-control-plane/envoy/config/common/mutation_rules/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	buffer "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/buffer/v3"
	extproc "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// MaxRequestBody is API Gateway's request payload limit: larger requests get a 413.
const MaxRequestBody = 10 * 1024 * 1024

// extProcUses are the features served by Tollgate's ext_proc service (Lambda proxies, mappings): each says what a
// route of its own asks of the service, nil for the routes that are not its. The overrides name the route to the
// service.
var extProcUses []func(*ir.Route) *extproc.ExtProcOverrides

// extProcAdditions are what the ext_proc service does on a route besides its feature (request validation, the
// stage cache): each adds what it needs to the route's overrides, or makes them for a route no feature uses the
// service on.
var extProcAdditions []func(*ir.Route, *extproc.ExtProcOverrides) *extproc.ExtProcOverrides

// extProcUse is what the route asks of the ext_proc service, nil for nothing.
func extProcUse(in *ir.Route) *extproc.ExtProcOverrides {
	var o *extproc.ExtProcOverrides
	for _, use := range extProcUses {
		if o = use(in); o != nil {
			break
		}
	}
	for _, add := range extProcAdditions {
		o = add(in, o)
	}
	return o
}

// requestHeadersOnly is a processing mode that sends the service the request headers and nothing else; a route
// that asks for more changes its copy.
func requestHeadersOnly() *extproc.ProcessingMode {
	return &extproc.ProcessingMode{
		RequestHeaderMode:   extproc.ProcessingMode_SEND,
		RequestBodyMode:     extproc.ProcessingMode_NONE,
		RequestTrailerMode:  extproc.ProcessingMode_SKIP,
		ResponseHeaderMode:  extproc.ProcessingMode_SKIP,
		ResponseBodyMode:    extproc.ProcessingMode_NONE,
		ResponseTrailerMode: extproc.ProcessingMode_SKIP,
	}
}

// readsRequestBody tells whether the ext_proc service reads the route's request body, which then arrives whole
// (the body-limit filter buffers it) within API Gateway's limit.
func readsRequestBody(in *ir.Route) bool {
	o := extProcUse(in)
	return o != nil && o.GetProcessingMode().GetRequestBodyMode() != extproc.ProcessingMode_NONE
}

func init() {
	register(names.ExtProcFilter, feature{
		filter: func(*ir.Snapshot) *hcm.HttpFilter { return extProcFilter(names.XDSCluster) },
		apply: func(r *route.Route, in *ir.Route) bool {
			o := extProcUse(in)
			if o == nil {
				return false
			}
			o.GrpcInitialMetadata = []*core.HeaderValue{{Key: names.RouteHeader, Value: r.GetName()}}
			switchOn(r, names.ExtProcFilter, mustAny(&route.FilterConfig{Config: mustAny(&extproc.ExtProcPerRoute{
				Override: &extproc.ExtProcPerRoute_Overrides{Overrides: o},
			})}))
			if readsRequestBody(in) {
				// Envoy buffers the body for the service: room for the largest body API Gateway accepts.
				r.RequestBodyBufferLimit = wrapperspb.UInt64(MaxRequestBody)
			}
			return true
		},
		idle:      extProcIdle,
		pathForms: mustAny(&route.FilterConfig{Config: extProcIdle}),
	})
	// The path-form routes may reroute to a route whose body the service reads, so they switch the body buffers
	// on too.
	register(names.BodyLimitFilter, feature{
		filter:    func(*ir.Snapshot) *hcm.HttpFilter { return bodyLimitFilter() },
		apply:     bodyReadersSwitchOn(names.BodyLimitFilter, bodyLimitOn),
		pathForms: bodyLimitOn,
	})
	register(names.InvokeLengthFilter, feature{
		filter:    func(*ir.Snapshot) *hcm.HttpFilter { return invokeLengthFilter() },
		apply:     bodyReadersSwitchOn(names.InvokeLengthFilter, invokeLengthOn),
		pathForms: invokeLengthOn,
	})
}

// bodyReadersSwitchOn switches a filter on for the routes whose request body the ext_proc service reads.
func bodyReadersSwitchOn(filter string, setting *anypb.Any) func(*route.Route, *ir.Route) bool {
	return func(r *route.Route, in *ir.Route) bool {
		if !readsRequestBody(in) {
			return false
		}
		switchOn(r, filter, setting)
		return true
	}
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
			// Where a response came from: the mapping service rewrites the backend's only.
			ResponseAttributes: []string{names.ResponseCodeDetailsAttribute},
			// Building an event or decoding a response takes microseconds; this bounds a stuck service.
			MessageTimeout: durationpb.New(5e9),
			// The Lambda call replaces the method and path of the client's request, and carries none of its
			// headers, Envoy's x-envoy-* ones included.
			MutationRules: &mutationrules.HeaderMutationRules{AllowAllRouting: wrapperspb.Bool(true), AllowEnvoy: wrapperspb.Bool(true)},
			// The API key check's result (key id), for the event's identity.apiKeyId, and a JWT authorizer's
			// verified payload, for the event's requestContext.authorizer.jwt.
			MetadataOptions: &extproc.MetadataOptions{
				ForwardingNamespaces: &extproc.MetadataOptions_MetadataNamespaces{Untyped: []string{names.ExtAuthzFilter, names.JWTFilter}},
				// The gateway response an answer of the service's stands for, for the API's customisation of it.
				// and what the stage cache did with the request, for the metrics.
				ReceivingNamespaces: &extproc.MetadataOptions_MetadataNamespaces{Untyped: []string{names.GatewayResponseNamespace, names.CacheNamespace}},
			},
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
