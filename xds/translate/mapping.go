package translate

import (
	"time"

	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	extproc "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// A mapped route asks the ext_proc service for the phases its mapping needs: the request headers always (they
// choose the template, or refuse the content type), the request body only when a template renders it or a
// parameter maps it, and for an HTTP or AWS integration the whole response, which the integration response rewrites (an
// HTTP_PROXY's passes untouched). A MOCK is
// answered in the request phase and sends no response phase. Bodies are STREAMED for the reason the Lambda
// proxy's are (lambdaProcessing).
func init() {
	extProcUses = append(extProcUses, func(in *ir.Route) *extproc.ExtProcOverrides {
		m := in.Mapping
		if m == nil {
			return nil
		}
		mode := requestHeadersOnly()
		if m.ReadsBody() {
			mode.RequestBodyMode = extproc.ProcessingMode_STREAMED
		}
		o := &extproc.ExtProcOverrides{ProcessingMode: mode, RequestAttributes: []string{names.SourceAddressAttribute}}
		if (m.HTTP != nil && !m.Proxy) || m.Lambda != nil {
			// The service tells the backend's response from Envoy's own by the response's code details, which the
			// filter asks for (Envoy 1.40 sends no response attributes a route override asks for alone).
			mode.ResponseHeaderMode, mode.ResponseBodyMode = extproc.ProcessingMode_SEND, extproc.ProcessingMode_STREAMED
		}
		return o
	})
}

// mapping routes an HTTP integration to its backend, where the ext_proc service sets the method, path and query
// of the mapped request, and an AWS integration to its function's Invoke API. A MOCK's answer comes from the
// service; the route's own answer stands behind it.
func (t *translator) mapping(out *route.Route, r *ir.Route) {
	if l := r.Mapping.Lambda; l != nil {
		out.Action = t.invokeAction(l.Backend, l.SigningRegion, l.Timeout)
		return
	}
	h := r.Mapping.HTTP
	if h == nil {
		out.Metadata = gatewayResponseMetadata(out.Metadata, gatewayresponse.APIConfigurationError)
		setGatewayResponse(out, gatewayresponse.Default(gatewayresponse.APIConfigurationError))
		return
	}
	out.Action = &route.Route_Route{Route: &route.RouteAction{
		ClusterSpecifier:     &route.RouteAction_Cluster{Cluster: t.cluster(h.Backend)},
		Timeout:              durationpb.New(time.Duration(h.Timeout)),
		HostRewriteSpecifier: &route.RouteAction_HostRewriteLiteral{HostRewriteLiteral: h.Host},
	}}
}
