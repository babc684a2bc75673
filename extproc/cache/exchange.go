package cache

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// What the status header (a stage's cacheStatusHeader) says of a response.
const (
	statusHit    = names.CacheHit
	statusMiss   = names.CacheMiss
	statusBypass = "Bypass" // neither served from the cache nor kept in it
)

// warningHeader is what an invalidation the caller may not make gets with SUCCEED_WITH_RESPONSE_HEADER: the
// Cache-Control header was ignored. *(verify: AWS does not document the header's name or text)*
const (
	warningHeader = "warning"
	warningText   = `199 - "Cache-Control: max-age=0 ignored: the caller is not authorized to invalidate the cache"`
)

// exchange is one request to a cached route: looked up when its headers arrive, answered from the cache on a hit;
// on a miss the inner exchange (the route's feature) goes on, and the response it makes is kept.
type exchange struct {
	ctx   context.Context
	svc   *Service
	route *cachedRoute
	inner processor.Exchange

	requestID string
	key       string
	// status is what the status header says; "" until the request is looked up.
	status string
	// warn: the response carries the warning header (an invalidation ignored).
	warn bool
	// filed: the status went into an answer's metadata.
	filed bool
	// answered: the exchange answered the client itself (a hit, a refusal); what follows is not the feature's.
	answered bool
	// flight is the miss's integration call others wait for; nil when this request leads none.
	flight *flight
	resp   *response // the response being kept; nil when it is not to be
}

// response gathers a miss's response as the client gets it: Envoy's messages with the feature's answers
// applied. The body chunks Envoy sent wait in pending until the feature answers them.
type response struct {
	status      int
	headers     [][2]string
	body        []byte
	pending     [][]byte
	headersDone bool // the feature answered the headers
	ended       bool // Envoy sent the response's last message
	keep        bool // still to be kept: from the integration, not too large, not refused
}

func (e *exchange) Handle(req *extprocv3.ProcessingRequest) ([]*extprocv3.ProcessingResponse, error) {
	if e.answered {
		return nil, nil
	}
	if h := req.GetRequestHeaders(); h != nil {
		_, span := e.svc.Tracer.Start(e.ctx, "cache lookup")
		resp := e.lookUp(req, h)
		span.SetString("apigateway.stage", e.route.stage)
		span.SetString("apigateway.cache.status", e.status)
		span.End()
		if resp != nil {
			e.answered = true
			return processor.One(resp), nil
		}
	}
	if e.resp != nil {
		e.see(req)
	}
	resps, err := e.inner.Handle(req)
	if err != nil {
		e.drop()
		return resps, err
	}
	for _, r := range resps {
		e.apply(req, r)
	}
	if len(resps) > 0 {
		e.file(resps[0])
	}
	return resps, nil
}

// lookUp decides a request when its headers arrive: a hit is answered here, and a refused invalidation too; a
// miss goes on to the feature, and is kept unless the request is bypassed.
func (e *exchange) lookUp(req *extprocv3.ProcessingRequest, h *extprocv3.HttpHeaders) *extprocv3.ProcessingResponse {
	// Envoy sends header names in lower case; only the key's headers and Cache-Control are read.
	var method, path string
	var headers, cacheControl []string // name and value pairs, values
	for _, hv := range h.GetHeaders().GetHeaders() {
		switch k := hv.GetKey(); {
		case k == ":method":
			method = processor.HeaderValue(hv)
		case k == ":path":
			path = processor.HeaderValue(hv)
		case k == names.EnvoyRequestIDHeader:
			e.requestID = processor.HeaderValue(hv)
		case k == "cache-control":
			cacheControl = append(cacheControl, processor.HeaderValue(hv))
		case e.route.keyHeaders[k]:
			headers = append(headers, k, processor.HeaderValue(hv))
		}
	}
	if !e.route.cachesVerb(method) {
		e.status = statusBypass
		return nil
	}
	e.key = e.route.key(method, path, headers)
	if invalidates(cacheControl) {
		allowed := !e.route.Cache.RequireAuthorization ||
			req.GetMetadataContext().GetFilterMetadata()[names.ExtAuthzFilter].GetFields()[names.InvalidateCacheField].GetBoolValue()
		switch {
		case allowed:
			// The entry goes now: should the fresh response not be kept, the old one is not served either.
			_ = e.svc.store.Delete(e.ctx, e.route.stage, e.key)
			e.status = statusMiss
			e.resp = &response{keep: true}
			return nil
		case e.route.Cache.Unauthorized == "FAIL_WITH_403":
			// *(verify: AWS documents a 403, not its body)*
			return processor.GatewayError(gatewayresponse.Default(gatewayresponse.AccessDenied), e.requestID)
		case e.route.Cache.Unauthorized == "SUCCEED_WITH_RESPONSE_HEADER":
			e.warn = true
		}
	}
	if entry := e.find(); entry != nil {
		return e.hit(entry)
	}
	if f, leader := e.svc.flights.join(e.flightKey()); !leader {
		// Another request for the key is calling the integration: its answer, once kept, is this one's too.
		if e.wait(f) {
			if entry := e.find(); entry != nil {
				return e.hit(entry)
			}
		}
	} else {
		e.flight = f
	}
	e.status = statusMiss
	e.resp = &response{keep: true}
	return nil
}

func (e *exchange) flightKey() string { return e.route.stage + "/" + e.key }

// wait waits for another request's integration call, as long as the integration may take; it tells whether that
// request kept its answer.
func (e *exchange) wait(f *flight) bool {
	timer := time.NewTimer(e.route.timeout)
	defer timer.Stop()
	select {
	case <-f.done:
		return f.kept
	case <-timer.C:
	case <-e.ctx.Done():
	}
	return false
}

// find is the request's entry, nil for none: none kept, none readable (a store failing, an entry sealed with
// another key), or one past its TTL.
func (e *exchange) find() *Entry {
	b, err := e.svc.store.Get(e.ctx, e.route.stage, e.key)
	if err != nil || b == nil {
		return nil
	}
	if e.route.Cache.Encrypted {
		if b, err = e.svc.sealer.open(e.key, b); err != nil {
			return nil
		}
	}
	entry, err := decodeEntry(b)
	if err != nil || !e.svc.now().Before(entry.Expires) {
		return nil
	}
	return entry
}

// hit answers the request with the entry.
func (e *exchange) hit(entry *Entry) *extprocv3.ProcessingResponse {
	e.status = statusHit
	headers := make([]*core.HeaderValueOption, 0, len(entry.Headers)+2)
	for _, h := range entry.Headers {
		headers = append(headers, processor.AppendHeader(h[0], h[1]))
	}
	headers = append(headers, e.marks()...)
	resp := processor.MethodResponse(uint32(entry.Status), headers, entry.Body, e.requestID)
	e.file(resp)
	return resp
}

// file notes on the first answer after the lookup whether the request was a hit or a miss, in the dynamic
// metadata Envoy's access log carries to the metrics (CacheHitCount, CacheMissCount).
func (e *exchange) file(resp *extprocv3.ProcessingResponse) {
	if e.filed || (e.status != statusHit && e.status != statusMiss) {
		return
	}
	e.filed = true
	if resp.DynamicMetadata == nil {
		resp.DynamicMetadata = &structpb.Struct{Fields: map[string]*structpb.Value{}}
	}
	resp.DynamicMetadata.Fields[names.CacheNamespace] = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
		names.CacheStatusField: structpb.NewStringValue(e.status),
	}})
}

// marks are the headers the cache adds to a response: its status header, and the warning.
func (e *exchange) marks() []*core.HeaderValueOption {
	var out []*core.HeaderValueOption
	if name := e.route.Cache.StatusHeader; name != "" && e.status != "" {
		out = append(out, processor.SetHeader(name, e.status))
	}
	if e.warn {
		out = append(out, processor.SetHeader(warningHeader, warningText))
	}
	return out
}

// see records a response message Envoy sent, before the feature answers it.
func (e *exchange) see(req *extprocv3.ProcessingRequest) {
	r := e.resp
	switch m := req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_ResponseHeaders:
		for _, hv := range m.ResponseHeaders.GetHeaders().GetHeaders() {
			switch k := hv.GetKey(); {
			case k == ":status":
				r.status, _ = strconv.Atoi(processor.HeaderValue(hv))
			case kept(k):
				r.headers = append(r.headers, [2]string{k, processor.HeaderValue(hv)})
			}
		}
		// Envoy's own answer (a timeout, a backend that cannot be reached) is a gateway response, never kept.
		r.keep = r.keep && processor.FromBackend(req)
		r.ended = m.ResponseHeaders.GetEndOfStream()
	case *extprocv3.ProcessingRequest_ResponseBody:
		r.pending = append(r.pending, m.ResponseBody.GetBody())
		r.ended = m.ResponseBody.GetEndOfStream()
	}
}

// apply takes the feature's answer to a message into the response being kept, and adds the cache's headers to
// the client's response.
func (e *exchange) apply(req *extprocv3.ProcessingRequest, resp *extprocv3.ProcessingResponse) {
	r := e.resp
	switch a := resp.GetResponse().(type) {
	case *extprocv3.ProcessingResponse_ImmediateResponse:
		// The feature answered the request itself: a MOCK's method response is kept, a gateway response (an
		// error) is not, nor anything answered in place of a response.
		inRequest := req.GetRequestHeaders() != nil || req.GetRequestBody() != nil
		if r != nil && inRequest && processor.IsMethodResponse(resp) {
			e.keepImmediate(a.ImmediateResponse)
		} else {
			e.drop()
		}
		headers := a.ImmediateResponse.GetHeaders()
		if headers == nil {
			headers = &extprocv3.HeaderMutation{}
			a.ImmediateResponse.Headers = headers
		}
		headers.SetHeaders = append(headers.SetHeaders, e.marks()...)
	case *extprocv3.ProcessingResponse_ResponseHeaders:
		common := a.ResponseHeaders.GetResponse()
		if common == nil {
			common = &extprocv3.CommonResponse{}
			a.ResponseHeaders.Response = common
		}
		if r != nil {
			r.headersDone = true
			r.mutate(common.GetHeaderMutation())
			if common.GetStatus() == extprocv3.CommonResponse_CONTINUE_AND_REPLACE {
				r.body, r.pending, r.ended = common.GetBodyMutation().GetBody(), nil, true
			}
		}
		if marks := e.marks(); len(marks) > 0 {
			if common.HeaderMutation == nil {
				common.HeaderMutation = &extprocv3.HeaderMutation{}
			}
			common.HeaderMutation.SetHeaders = append(common.HeaderMutation.SetHeaders, marks...)
		}
	case *extprocv3.ProcessingResponse_ResponseBody:
		if r != nil && len(r.pending) > 0 {
			chunk := r.pending[0]
			r.pending = r.pending[1:]
			switch m := a.ResponseBody.GetResponse().GetBodyMutation().GetMutation().(type) {
			case *extprocv3.BodyMutation_Body:
				chunk = m.Body
			case *extprocv3.BodyMutation_ClearBody:
				chunk = nil
			}
			if r.keep = r.keep && len(r.body)+len(chunk) <= MaxBody; r.keep {
				r.body = append(r.body, chunk...)
			}
		}
	}
	if r != nil && r.ended && r.headersDone && len(r.pending) == 0 {
		e.finish()
	}
}

// mutate applies a header mutation to the response's headers.
func (r *response) mutate(m *extprocv3.HeaderMutation) {
	for _, name := range m.GetRemoveHeaders() {
		r.headers = slices.DeleteFunc(r.headers, func(h [2]string) bool { return h[0] == strings.ToLower(name) })
	}
	for _, set := range m.GetSetHeaders() {
		name, value := strings.ToLower(set.GetHeader().GetKey()), processor.HeaderValue(set.GetHeader())
		if name == ":status" {
			r.status, _ = strconv.Atoi(value)
			continue
		}
		if !kept(name) {
			continue
		}
		//lint:ignore SA1019 the processor appends with the older flag, which is the one Envoy 1.40's ext_proc reads.
		if !set.GetAppend().GetValue() && set.GetAppendAction() != core.HeaderValueOption_APPEND_IF_EXISTS_OR_ADD {
			r.headers = slices.DeleteFunc(r.headers, func(h [2]string) bool { return h[0] == name })
		}
		r.headers = append(r.headers, [2]string{name, value})
	}
}

// keepImmediate keeps the answer a feature made itself (a MOCK integration's).
func (e *exchange) keepImmediate(a *extprocv3.ImmediateResponse) {
	r := e.resp
	r.status = int(a.GetStatus().GetCode())
	r.mutate(a.GetHeaders())
	r.body, r.headersDone, r.ended = a.GetBody(), true, true
	r.keep = r.keep && len(r.body) <= MaxBody
	r.pending = nil
}

// finish keeps the response if it is to be kept, and lets the requests waiting for it go on.
func (e *exchange) finish() {
	r := e.resp
	e.resp = nil
	stored := false
	// A method response of 5xx is not kept: a failing integration's answer served for a TTL would outlast the
	// failure. *(verify: AWS does not document which statuses it caches; 4xx are, by its users' reports)*
	if r.keep && r.status >= 200 && r.status < 500 {
		entry := &Entry{Status: r.status, Headers: r.headers, Body: r.body, Expires: e.svc.now().Add(time.Duration(e.route.Cache.TTL))}
		b := entry.encode()
		if e.route.Cache.Encrypted {
			b = e.svc.sealer.seal(e.key, b)
		}
		stored = e.svc.store.Set(e.ctx, e.route.stage, e.key, b, time.Duration(e.route.Cache.TTL)) == nil
	}
	e.land(stored)
}

// drop gives up keeping the response.
func (e *exchange) drop() {
	e.resp = nil
	e.land(false)
}

func (e *exchange) land(kept bool) {
	if e.flight != nil {
		e.svc.flights.land(e.flightKey(), e.flight, kept)
		e.flight = nil
	}
}

// Close lets the requests waiting for this one's answer go on if the stream ended before it was kept.
func (e *exchange) Close() {
	e.land(false)
	if c, ok := e.inner.(processor.Closer); ok {
		c.Close()
	}
}

// kept tells whether a response header is part of what the cache keeps: not those of one request or one
// connection (the request ids, the length, which Envoy sets again).
func kept(name string) bool {
	switch name {
	case "content-length", "transfer-encoding", "connection", "keep-alive",
		strings.ToLower(gatewayresponse.RequestIDHeader), strings.ToLower(gatewayresponse.ExtendedRequestIDHeader), names.EnvoyRequestIDHeader:
		return false
	}
	return !strings.HasPrefix(name, ":") && !strings.HasPrefix(name, "x-envoy-")
}

// invalidates tells whether a request's Cache-Control asks for a fresh response: max-age=0.
func invalidates(values []string) bool {
	for _, v := range values {
		for directive := range strings.SplitSeq(v, ",") {
			name, value, _ := strings.Cut(strings.TrimSpace(directive), "=")
			if strings.EqualFold(name, "max-age") && strings.Trim(value, `"`) == "0" {
				return true
			}
		}
	}
	return false
}

// flights are the misses under way, by stage and key.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

// flight is one miss's integration call; done closes when it is over, kept telling whether its answer is in the
// store.
type flight struct {
	done chan struct{}
	kept bool
}

// join is the flight for key, and whether the caller leads it (no request for the key was under way).
func (fs *flights) join(key string) (*flight, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if f := fs.m[key]; f != nil {
		return f, false
	}
	if fs.m == nil {
		fs.m = map[string]*flight{}
	}
	f := &flight{done: make(chan struct{})}
	fs.m[key] = f
	return f, true
}

// land ends a flight.
func (fs *flights) land(key string, f *flight, kept bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.m[key] == f {
		delete(fs.m, key)
	}
	f.kept = kept
	close(f.done)
}
