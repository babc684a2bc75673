package translate

import (
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	sigv4 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/aws_request_signing/v3"
	extproc "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	upstreamcodec "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/upstream_codec/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	upstreamhttp "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

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
	extProcUses = append(extProcUses, func(in *ir.Route) *extproc.ExtProcOverrides {
		if in.Lambda == nil {
			return nil
		}
		return &extproc.ExtProcOverrides{
			ProcessingMode: lambdaProcessing,
			// The client's address as Envoy's connection sees it: identity.sourceIp.
			RequestAttributes: []string{names.SourceAddressAttribute},
		}
	})
}

// lambda routes a Lambda proxy method to the Invoke API: Envoy carries the call, with the ext_proc filter switched
// on for this route only, so Tollgate's service can turn the request into the proxy event and the function's
// answer into the response.
func (t *translator) lambda(out *route.Route, r *ir.Route) {
	l := r.Lambda
	out.Action = t.invokeAction(l.Backend, l.SigningRegion, l.Timeout)
}

// invokeAction sends a route's requests to a Lambda endpoint's Invoke API, which the ext_proc service has turned
// them into (a proxy event, or an AWS integration's mapped payload).
func (t *translator) invokeAction(be ir.Backend, signingRegion string, timeout ir.Duration) *route.Route_Route {
	var target string
	if signingRegion != "" {
		target = t.signedCluster(be, signingRegion)
	} else {
		target = t.cluster(be)
	}
	return &route.Route_Route{Route: &route.RouteAction{
		ClusterSpecifier:     &route.RouteAction_Cluster{Cluster: target},
		Timeout:              durationpb.New(time.Duration(timeout)),
		HostRewriteSpecifier: &route.RouteAction_HostRewriteLiteral{HostRewriteLiteral: be.Authority()},
	}}
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
