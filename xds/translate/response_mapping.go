package translate

import (
	extproc "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

// An HTTP API's response mappings (responseParameters of an HTTP_PROXY integration, by status code) are Tollgate's
// ext_proc service on the response headers of those routes: Envoy expresses no header mutation by status.

// responseHeadersOnly sends the service the response headers and nothing else.
var responseHeadersOnly = &extproc.ProcessingMode{
	RequestHeaderMode:   extproc.ProcessingMode_SKIP,
	RequestBodyMode:     extproc.ProcessingMode_NONE,
	RequestTrailerMode:  extproc.ProcessingMode_SKIP,
	ResponseHeaderMode:  extproc.ProcessingMode_SEND,
	ResponseBodyMode:    extproc.ProcessingMode_NONE,
	ResponseTrailerMode: extproc.ProcessingMode_SKIP,
}

func init() {
	extProcUses = append(extProcUses, func(in *ir.Route) *extproc.ExtProcOverrides {
		if in.HTTPProxy == nil || len(in.HTTPProxy.Responses) == 0 {
			return nil
		}
		return &extproc.ExtProcOverrides{ProcessingMode: responseHeadersOnly}
	})
}
