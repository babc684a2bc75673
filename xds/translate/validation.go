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
	extProcAdditions = append(extProcAdditions, func(in *ir.Route, o *extproc.ExtProcOverrides) *extproc.ExtProcOverrides {
		if in.Validation == nil {
			return o
		}
		o = overridesOf(o)
		if in.Validation.NeedsBody() {
			ownMode(o).RequestBodyMode = extproc.ProcessingMode_STREAMED
		}
		return o
	})
}

// overridesOf is a route's overrides, made for a route no feature uses the service on: its request headers.
func overridesOf(o *extproc.ExtProcOverrides) *extproc.ExtProcOverrides {
	if o != nil {
		return o
	}
	return &extproc.ExtProcOverrides{ProcessingMode: requestHeadersOnly(), RequestAttributes: []string{names.SourceAddressAttribute}}
}

// ownMode is the overrides' processing mode to change: a feature's may be shared by its routes, so this route's
// becomes a copy.
func ownMode(o *extproc.ExtProcOverrides) *extproc.ProcessingMode {
	o.ProcessingMode = proto.Clone(o.ProcessingMode).(*extproc.ProcessingMode)
	return o.ProcessingMode
}
