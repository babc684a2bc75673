package translate

import (
	extproc "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// A method with a request validator asks the ext_proc service for the request headers, and for the body when it
// is validated against a model; on a route no ext_proc feature uses, for nothing else.
func init() {
	extProcChecks = append(extProcChecks, func(in *ir.Route, o *extproc.ExtProcOverrides) *extproc.ExtProcOverrides {
		if in.Validation == nil {
			return o
		}
		if o == nil {
			o = &extproc.ExtProcOverrides{
				ProcessingMode:    requestHeadersOnly(),
				RequestAttributes: []string{names.SourceAddressAttribute},
			}
		}
		if in.Validation.NeedsBody() {
			// The feature's mode may be shared by its routes: this route's is a copy.
			o.ProcessingMode = proto.Clone(o.ProcessingMode).(*extproc.ProcessingMode)
			o.ProcessingMode.RequestBodyMode = extproc.ProcessingMode_STREAMED
		}
		return o
	})
}
