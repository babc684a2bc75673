package config

import "github.com/tollgate-gw/tollgate/internal/diag"

// Tracing is where Envoy sends the traces of stages with tracingEnabled: an OpenTelemetry collector's OTLP/gRPC
// address, in place of AWS X-Ray.
type Tracing struct {
	OTLP string `yaml:"otlp"`
}

// validateTracing checks the collector's address, and that a stage asking for traces has one to send them to and
// is a REST API's, as API Gateway traces REST APIs only.
func (c *Config) validateTracing(probs *diag.Problems) {
	if c.Tracing.OTLP != "" {
		if err := checkHostPort(c.Tracing.OTLP); err != nil {
			probs.Addf(c.File, "/tracing/otlp", "the OTLP collector's address: %v", err)
		}
	}
	for i, api := range c.APIs {
		for j, st := range api.Stages {
			if !st.TracingEnabled {
				continue
			}
			at := diag.Pointer("apis", i, "stages", j, "tracingEnabled")
			switch {
			case api.IsHTTP():
				probs.Addf(c.File, at, "HTTP APIs have no tracingEnabled: API Gateway traces REST APIs only")
			case c.Tracing.OTLP == "":
				probs.Addf(c.File, at, "tracingEnabled needs a collector to send the traces to: set tracing.otlp (host:port of an OTLP/gRPC endpoint)")
			}
		}
	}
}
