package translate

import (
	"strings"

	mutationrules "github.com/envoyproxy/go-control-plane/envoy/config/common/mutation_rules/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	sigv4 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/aws_request_signing/v3"
	extproc "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	upstreamcodec "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/upstream_codec/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	upstreamhttp "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/lambdauri"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/stagevars"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
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

// awsProxy routes a Lambda proxy method to the Invoke API: Envoy carries the call, with the ext_proc filter switched
// on for this route only, so Tollgate's service can turn the request into the proxy event and the function's
// answer into the response.
func (t *translator) awsProxy(r *route.Route, s stageContext, pr parsedResource, m *tollgatev1.Method) bool {
	integ := m.GetIntegration()
	file, at := s.api.GetSourceFile(), integ.GetSourcePointer()
	uri, missing := stagevars.Expand(integ.GetUri(), s.stage.GetVariables())
	if len(missing) > 0 {
		t.probs.Addf(file, at+"/uri", "stage %q does not define stage variable(s) %s used in the uri", s.stage.GetStageName(), strings.Join(missing, ", "))
		return false
	}
	fn, err := lambdauri.Parse(uri)
	if err != nil {
		t.probs.Addf(file, at+"/uri", "%v", err)
		return false
	}
	settings := t.lambda
	if _, listed := settings.GetFunctions()[fn.Name]; !listed && settings.GetEndpoint() == "" {
		t.probs.Addf(file, at+"/uri", "unknown Lambda function %q (stage %q): add it under lambda.functions in the config, or set lambda.endpoint", fn.Name, s.stage.GetStageName())
		return false
	}
	version := integ.GetPayloadFormatVersion()
	switch version {
	case "":
		version = "1.0"
	case "1.0", "2.0":
	default:
		t.probs.Addf(file, at+"/payloadFormatVersion", "payloadFormatVersion %q: want 1.0 or 2.0", version)
		return false
	}
	timeout, ok := t.timeout(file, at, integ)
	if !ok {
		return false
	}
	invoke := fn.InvokeURL(settings.GetEndpoint(), settings.GetFunctions())
	be, invokePath, err := splitInvokeURL(invoke)
	if err != nil {
		t.probs.Addf(file, at+"/uri", "function %q: %v", fn.Name, err)
		return false
	}
	entry := &ir.Lambda{
		APIID: s.api.GetId(), Stage: s.stage.GetStageName(), Resource: pr.res.GetPath(), HTTPMethod: m.GetHttpMethod(),
		AccountID: fn.Account, StageVariables: s.stage.GetVariables(), BinaryMediaTypes: s.api.GetBinaryMediaTypes(),
		Domain: t.domain, PayloadFormatVersion: version, InvokePath: invokePath,
	}
	if err := entry.SetPathPattern(pr.tpl.Regex(""), pr.tpl.Params()); err != nil {
		t.probs.Addf(file, diag.Pointer("paths", pr.res.GetPath()), "%v", err)
		return false
	}
	t.lambdaRoutes[r.GetName()] = entry

	var target string
	if isAWSEndpoint(be.host) {
		target = t.signedCluster(be, settings.GetRegion())
	} else {
		target = t.cluster(be)
	}
	r.Action = &route.Route_Route{Route: &route.RouteAction{
		ClusterSpecifier:     &route.RouteAction_Cluster{Cluster: target},
		Timeout:              durationpb.New(timeout),
		HostRewriteSpecifier: &route.RouteAction_HostRewriteLiteral{HostRewriteLiteral: be.authority()},
	}}
	// Envoy buffers the body for the event: room for the largest body API Gateway accepts.
	r.RequestBodyBufferLimit = wrapperspb.UInt64(MaxRequestBody)
	r.TypedPerFilterConfig = map[string]*anypb.Any{names.BodyLimitFilter: bodyLimitOn, names.InvokeLengthFilter: invokeLengthOn, names.ExtProcFilter: mustAny(&route.FilterConfig{Config: mustAny(&extproc.ExtProcPerRoute{
		Override: &extproc.ExtProcPerRoute_Overrides{Overrides: &extproc.ExtProcOverrides{
			ProcessingMode:      lambdaProcessing,
			GrpcInitialMetadata: []*core.HeaderValue{{Key: names.RouteHeader, Value: r.GetName()}},
			// The client's address as Envoy's connection sees it: identity.sourceIp.
			RequestAttributes: []string{names.SourceAddressAttribute},
		}},
	})})}
	return true
}

// splitInvokeURL parses an invoke URL into the backend that picks the cluster and the path+query of the call.
func splitInvokeURL(invoke string) (backend, string, error) {
	rest, query, _ := strings.Cut(invoke, "?")
	be, err := parseBackendURI(rest)
	if err != nil {
		return backend{}, "", err
	}
	path := be.path
	if query != "" {
		path += "?" + query
	}
	return be, path, nil
}

func isAWSEndpoint(host string) bool {
	return strings.HasSuffix(host, ".amazonaws.com") || strings.HasSuffix(host, ".amazonaws.com.cn")
}

// signedCluster is the cluster for an AWS Lambda endpoint: Envoy's own SigV4 filter signs every call upstream,
// with credentials from the standard AWS chain (environment, shared files, instance roles).
func (t *translator) signedCluster(be backend, region string) string {
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
