// Package parametermapping is the ext_proc feature of an HTTP API's parameter mappings that Envoy cannot make (of
// an HTTP_PROXY integration): on the way in, the header mappings whose values read a path parameter, the request's
// path or its body, and the query string mappings of request values (a missing one maps nothing); on the way out,
// the response mappings (responseParameters), which go by the backend's status code: the status replaced, response
// headers set, appended to and removed. Envoy sends it only the phases a route's mappings need. (A Lambda proxy's
// mappings are the Lambda service's, on its event and its response.)
package parametermapping

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/ir"
)

// Service serves the snapshot's routes whose mappings need it.
type Service struct{}

// Routes are the snapshot's HTTP_PROXY routes with service header mappings or response mappings.
func (Service) Routes(snap *ir.Snapshot) (map[string]processor.Start, error) {
	routes := map[string]processor.Start{}
	for _, r := range snap.Routes() {
		p := r.HTTPProxy
		if p == nil || !p.MapsRequest() && len(p.Responses) == 0 {
			continue
		}
		rt := &route{proxy: p, readsBody: p.ReadsBody()}
		if p.MapsRequest() {
			paths, err := ir.NewPathMatcher(r)
			if err != nil {
				return nil, err
			}
			rt.paths = paths
		}
		routes[r.Name] = func(time.Time) processor.Exchange { return &exchange{route: rt} }
	}
	return routes, nil
}

type route struct {
	proxy     *ir.HTTPProxy
	paths     *ir.PathMatcher
	readsBody bool
}

type exchange struct {
	route *route
	// The request's path, headers and, once complete, body, for the request's mappings.
	path    string
	headers http.Header
	body    processor.Body
}

func (e *exchange) Handle(req *extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	switch r := req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		e.headers = http.Header{}
		for _, h := range r.RequestHeaders.GetHeaders().GetHeaders() {
			if h.GetKey() == ":path" {
				e.path = processor.HeaderValue(h)
			}
			e.headers.Add(h.GetKey(), processor.HeaderValue(h))
		}
		if e.route.readsBody && !r.RequestHeaders.GetEndOfStream() {
			return nil, nil // answered with the body, which Envoy sends without waiting
		}
		return processor.One(processor.RequestHeadersContinue(&extprocv3.CommonResponse{HeaderMutation: e.requestMutation()})), nil
	case *extprocv3.ProcessingRequest_RequestBody:
		if !e.body.Add(r.RequestBody) {
			return nil, nil
		}
		return e.body.ReplaceRequest(e.requestMutation(), nil), nil
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		status, headers := processor.ResponseStatus(r.ResponseHeaders.GetHeaders())
		return processor.One(processor.ResponseHeadersContinue(&extprocv3.CommonResponse{
			HeaderMutation: responseMutation(e.route.proxy.Responses[strconv.Itoa(status)], headers)})), nil
	}
	return nil, nil
}

// requestMutation makes the service's mappings of the request: its headers, and its query string in the path.
func (e *exchange) requestMutation() *extprocv3.HeaderMutation {
	rawPath, rawQuery, _ := strings.Cut(e.path, "?")
	params, _ := e.route.paths.PathParameters(rawPath)
	query, _ := url.ParseQuery(rawQuery)
	values := &processor.RequestValues{Headers: e.headers, Query: query, PathParameters: params, Path: rawPath, Body: e.body.Bytes()}
	read := values.Read
	mutation := &extprocv3.HeaderMutation{}
	for _, h := range e.route.proxy.ServiceHeaders {
		mutation.SetHeaders = appendMapped(mutation.SetHeaders, h, processor.MappedValue(h, read))
	}
	if q := e.route.proxy.ServiceQuery; len(q) > 0 {
		mutation.SetHeaders = append(mutation.SetHeaders, processor.SetHeader(":path", rawPath+processor.MappedQuery(rawQuery, q, read)))
	}
	return mutation
}

// responseMutation is what mapping m does to a response with headers: its removals first, then its headers in order (a
// value that comes out empty, a missing header's, sets nothing), then its status. Nil for no mapping.
func responseMutation(m *ir.ResponseMapping, headers http.Header) *extprocv3.HeaderMutation {
	if m == nil {
		return nil
	}
	read := processor.ResponseValues(headers)
	mutation := &extprocv3.HeaderMutation{RemoveHeaders: m.RemoveHeaders}
	for _, h := range m.Headers {
		mutation.SetHeaders = appendMapped(mutation.SetHeaders, h, processor.MappedValue(h, read))
	}
	if m.Status != 0 {
		mutation.SetHeaders = append(mutation.SetHeaders, processor.SetHeader(":status", strconv.Itoa(m.Status)))
	}
	return mutation
}

// appendMapped adds header mapping h with its value to set: appended or overwriting, as the mapping says; an empty
// value, or one Envoy cannot send, sets nothing.
func appendMapped(set []*core.HeaderValueOption, h ir.HeaderMapping, value string) []*core.HeaderValueOption {
	switch {
	case value == "" || !processor.ValidHeader(h.Name, value):
		return set
	case h.Append:
		return append(set, processor.AppendHeader(h.Name, value))
	}
	return append(set, processor.SetHeader(h.Name, value))
}
