package translate

import (
	extproc "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

// A cached method asks the ext_proc service for its request headers, which it looks the request up by (a hit is
// answered there), and for the whole response, which it keeps: headers and a STREAMED body, each chunk going on
// to the client as soon as the service has seen it. A MOCK's answer is made in the request phase, so its route
// asks for no response.
func init() {
	extProcAdditions = append(extProcAdditions, func(in *ir.Route, o *extproc.ExtProcOverrides) *extproc.ExtProcOverrides {
		if in.Cache == nil {
			return o
		}
		if o == nil {
			// The cache reads the request's headers only; Envoy need send no attributes with them.
			o = &extproc.ExtProcOverrides{ProcessingMode: requestHeadersOnly()}
		}
		if m := in.Mapping; m != nil && m.HTTP == nil && m.Lambda == nil {
			return o
		}
		if mode := o.GetProcessingMode(); mode.GetResponseHeaderMode() != extproc.ProcessingMode_SEND || mode.GetResponseBodyMode() == extproc.ProcessingMode_NONE {
			mode = ownMode(o)
			mode.ResponseHeaderMode, mode.ResponseBodyMode = extproc.ProcessingMode_SEND, extproc.ProcessingMode_STREAMED
		}
		return o
	})
}
