package translate

import (
	extproc "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

// An HTTP API's parameter mappings that Envoy cannot make are Tollgate's ext_proc service on those routes, in the
// phases they need: header mappings reading a path parameter, the path or the body (which Envoy's formatters do
// not reach) and query string mappings of request values on the request headers, and the body too when one reads
// it; response mappings (by status code, which
// no Envoy header mutation can condition on) on the response headers.

func init() {
	extProcUses = append(extProcUses, func(in *ir.Route) *extproc.ExtProcOverrides {
		p := in.HTTPProxy
		if p == nil || !p.MapsRequest() && len(p.Responses) == 0 {
			return nil
		}
		mode := &extproc.ProcessingMode{
			RequestHeaderMode:   extproc.ProcessingMode_SKIP,
			RequestBodyMode:     extproc.ProcessingMode_NONE,
			RequestTrailerMode:  extproc.ProcessingMode_SKIP,
			ResponseHeaderMode:  extproc.ProcessingMode_SKIP,
			ResponseBodyMode:    extproc.ProcessingMode_NONE,
			ResponseTrailerMode: extproc.ProcessingMode_SKIP,
		}
		if p.MapsRequest() {
			mode.RequestHeaderMode = extproc.ProcessingMode_SEND
		}
		if p.ReadsBody() {
			// Right behind the headers, answered together (see lambdaProcessing).
			mode.RequestBodyMode = extproc.ProcessingMode_STREAMED
		}
		if len(p.Responses) > 0 {
			mode.ResponseHeaderMode = extproc.ProcessingMode_SEND
		}
		return &extproc.ExtProcOverrides{ProcessingMode: mode}
	})
}
