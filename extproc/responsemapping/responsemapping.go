// Package responsemapping is the ext_proc feature of an HTTP API's response mappings (the responseParameters of an
// HTTP_PROXY integration): by the backend's status code it replaces the status and sets, appends to and removes
// response headers. Envoy sends it the response headers alone; the body passes by.
package responsemapping

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/ir"
)

// Service serves the snapshot's routes that map their responses.
type Service struct{}

// Routes are the snapshot's HTTP_PROXY routes with response mappings.
func (Service) Routes(snap *ir.Snapshot) (map[string]processor.Start, error) {
	routes := map[string]processor.Start{}
	for _, r := range snap.Routes() {
		if r.HTTPProxy == nil || len(r.HTTPProxy.Responses) == 0 {
			continue
		}
		ex := exchange{responses: r.HTTPProxy.Responses}
		routes[r.Name] = func(time.Time) processor.Exchange { return ex }
	}
	return routes, nil
}

type exchange struct {
	responses map[string]*ir.ResponseMapping
}

func (e exchange) Handle(req *extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	rh, ok := req.GetRequest().(*extprocv3.ProcessingRequest_ResponseHeaders)
	if !ok {
		return nil, nil // Envoy sends the response headers only
	}
	status, headers := processor.ResponseStatus(rh.ResponseHeaders.GetHeaders())
	return processor.One(processor.ResponseHeadersContinue(&extprocv3.CommonResponse{
		HeaderMutation: Mutation(e.responses[strconv.Itoa(status)], headers)})), nil
}

// Mutation is what mapping m does to a response with headers: its removals first, then its headers in order (a
// value that comes out empty, a missing header's, sets nothing), then its status. Nil for no mapping.
func Mutation(m *ir.ResponseMapping, headers http.Header) *extprocv3.HeaderMutation {
	if m == nil {
		return nil
	}
	mutation := &extprocv3.HeaderMutation{RemoveHeaders: m.RemoveHeaders}
	for _, h := range m.Headers {
		value := valueOf(h, headers)
		switch {
		case value == "" || !processor.ValidHeader(h.Name, value):
		case h.Append:
			mutation.SetHeaders = append(mutation.SetHeaders, processor.AppendHeader(h.Name, value))
		default:
			mutation.SetHeaders = append(mutation.SetHeaders, processor.SetHeader(h.Name, value))
		}
	}
	if m.Status != 0 {
		mutation.SetHeaders = append(mutation.SetHeaders, processor.SetHeader(":status", strconv.Itoa(m.Status)))
	}
	return mutation
}

// valueOf is a mapping's value for a response with headers: its parts' values, in order.
func valueOf(h ir.HeaderMapping, headers http.Header) string {
	parts := h.Parts
	if len(parts) == 0 {
		parts = []ir.ValueSource{h.Source}
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Kind == ir.ResponseHeader {
			b.WriteString(strings.Join(headers.Values(p.Value), ","))
		} else {
			b.WriteString(p.Value) // the model check admits Static values only besides
		}
	}
	return b.String()
}
