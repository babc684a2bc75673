// Package tracing is Tollgate's own spans in the traces Envoy makes of a traced stage's requests: Envoy traces the
// request and its calls to Tollgate's services (xds/translate/tracing.go), and sends the trace's context with each
// call (W3C traceparent in the gRPC metadata); the services add a span for what happens inside a call that the
// trace should show by name, the authorizer's invocation and the stage cache's lookup, and send them to the same
// collector. A request Envoy does not trace costs a metadata lookup.
package tracing

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.37.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc/metadata"
)

// ServiceName is the name Tollgate's spans carry, as Envoy's carry "tollgate" too (xds/translate/tracing.go).
const ServiceName = "tollgate"

// Tracer starts Tollgate's spans; its zero value and one with no collector start spans that record nothing.
type Tracer struct {
	log    *slog.Logger
	tracer atomic.Pointer[trace.Tracer]

	mu        sync.Mutex
	collector string
	provider  *sdktrace.TracerProvider
}

// New returns a tracer with no collector yet.
func New(log *slog.Logger) *Tracer {
	t := &Tracer{log: log}
	none := trace.Tracer(noop.NewTracerProvider().Tracer(ServiceName))
	t.tracer.Store(&none)
	return t
}

// SetCollector sends the spans to the OTLP/gRPC collector at addr (host:port), "" for none, as a snapshot says;
// spans already sent to the previous collector are flushed to it.
func (t *Tracer) SetCollector(addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if addr == t.collector {
		return
	}
	previous := t.provider
	t.collector, t.provider = addr, nil
	tracer := trace.Tracer(noop.NewTracerProvider().Tracer(ServiceName))
	if addr != "" {
		// The exporter connects lazily and retries: a collector that is down loses spans, never a request.
		exporter, err := otlptracegrpc.New(context.Background(), otlptracegrpc.WithEndpoint(addr), otlptracegrpc.WithInsecure())
		if err != nil {
			t.log.Error("cannot send traces to the collector", "collector", addr, "err", err)
		} else {
			t.provider = sdktrace.NewTracerProvider(
				sdktrace.WithBatcher(exporter, sdktrace.WithBatchTimeout(time.Second)),
				sdktrace.WithResource(resource.NewSchemaless(semconv.ServiceName(ServiceName))),
				// Envoy decided: a span is recorded when its parent, Envoy's call, is sampled.
				sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.NeverSample())),
			)
			tracer = t.provider.Tracer(ServiceName)
		}
	}
	t.tracer.Store(&tracer)
	if previous != nil {
		go t.shutdown(previous)
	}
}

// Close flushes the spans not sent yet.
func (t *Tracer) Close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.provider != nil {
		t.shutdown(t.provider)
		t.provider = nil
	}
}

func (t *Tracer) shutdown(p *sdktrace.TracerProvider) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.log.Warn("traces not all sent to the collector", "err", err)
	}
}

// Span is one of Tollgate's spans. Its zero value, the span of a call Envoy does not trace, records nothing and
// costs nothing: every request to a cached or authorized route makes one, traced or not.
type Span struct{ span trace.Span }

// SetString tags the span.
func (s Span) SetString(key, value string) {
	if s.span != nil {
		s.span.SetAttributes(attribute.String(key, value))
	}
}

// SetBool tags the span.
func (s Span) SetBool(key string, value bool) {
	if s.span != nil {
		s.span.SetAttributes(attribute.Bool(key, value))
	}
}

// Fail marks the span failed with err.
func (s Span) Fail(err error) {
	if s.span != nil {
		s.span.SetStatus(codes.Error, err.Error())
	}
}

// End ends the span.
func (s Span) End() {
	if s.span != nil {
		s.span.End()
	}
}

// Start starts a span, a child of the call whose gRPC metadata ctx carries, when Envoy traces it; else the zero
// Span. The span is named by its parts joined with spaces, joined only for a traced call. End it.
func (t *Tracer) Start(ctx context.Context, name ...string) (context.Context, Span) {
	if t == nil {
		return ctx, Span{}
	}
	md, _ := metadata.FromIncomingContext(ctx)
	if len(md.Get(traceparent)) == 0 {
		return ctx, Span{}
	}
	ctx = propagation.TraceContext{}.Extract(ctx, metadataCarrier(md))
	ctx, span := (*t.tracer.Load()).Start(ctx, strings.Join(name, " "), trace.WithSpanKind(trace.SpanKindInternal))
	if !span.IsRecording() {
		return ctx, Span{}
	}
	return ctx, Span{span}
}

// traceparent is W3C's trace context header, as Envoy sends it in a call's metadata.
const traceparent = "traceparent"

// metadataCarrier reads a trace context from gRPC metadata (whose keys are lower case, as W3C's are).
type metadataCarrier metadata.MD

func (c metadataCarrier) Get(key string) string {
	if v := metadata.MD(c).Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (c metadataCarrier) Set(key, value string) { metadata.MD(c).Set(key, value) }

func (c metadataCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}
