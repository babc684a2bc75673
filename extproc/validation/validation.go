// Package validation is API Gateway's request validation, an ext_proc check (processor.Check) on the routes whose
// method names a request validator: the required query string parameters and headers, then the body against
// the model of its content type. It runs after the caller's checks (ext_authz) and before the integration's
// exchange, as API Gateway validates after authorization and throttling.
package validation

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/schema"
)

// Check validates the requests of the snapshot's routes with a validation.
type Check struct {
	Log *slog.Logger
}

// Checks are the routes with a validation; each API's models are compiled once.
func (c Check) Checks(snap *ir.Snapshot) (map[string]func() processor.Checker, error) {
	log := c.Log
	if log == nil {
		log = slog.Default()
	}
	out := map[string]func() processor.Checker{}
	for _, api := range snap.APIs {
		var models *schema.Models
		if len(api.Models) > 0 {
			var problems map[string]error
			if models, problems = schema.Compile(api.Models); len(problems) > 0 {
				return nil, fmt.Errorf("API %s: models do not compile: %v", api.ID, problems)
			}
		}
		for _, r := range api.Routes {
			if r.Validation == nil {
				continue
			}
			rule := &rule{route: r.Name, Validation: r.Validation, models: models, log: log}
			out[r.Name] = func() processor.Checker { return &checker{rule: rule} }
		}
	}
	return out, nil
}

// rule is one route's validation, as every request to it is checked.
type rule struct {
	route string
	*ir.Validation
	models *schema.Models
	log    *slog.Logger
}

// checker checks one request: its parameters at the headers, its body once whole.
type checker struct {
	*rule
	requestID string
	model     string // the body's model, "" when the body is not validated
	body      []byte
	// contentEncoding is the client's: a gzip or deflate body is validated decompressed, as API Gateway does.
	contentEncoding string
}

func (c *checker) Request(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
	switch r := req.GetRequest().(type) {
	case *extprocv3.ProcessingRequest_RequestHeaders:
		if refused := c.headers(r.RequestHeaders.GetHeaders().GetHeaders()); refused != nil {
			return refused
		}
		if r.RequestHeaders.GetEndOfStream() {
			return c.validateBody()
		}
	case *extprocv3.ProcessingRequest_RequestBody:
		c.body = append(c.body, r.RequestBody.GetBody()...)
		if r.RequestBody.GetEndOfStream() {
			return c.validateBody()
		}
	}
	return nil
}

// headers checks the required parameters and chooses the body's model by content type (none: application/json).
func (c *checker) headers(headers []*core.HeaderValue) *extprocv3.ProcessingResponse {
	present := map[string]bool{}
	contentType := ""
	for _, h := range headers {
		switch k := h.GetKey(); k {
		case ":path":
			_, rawQuery, _ := strings.Cut(processor.HeaderValue(h), "?")
			query, _ := url.ParseQuery(rawQuery)
			for name := range query {
				present["method.request.querystring."+name] = true
			}
		case names.EnvoyRequestIDHeader:
			c.requestID = processor.HeaderValue(h)
		case "content-type":
			contentType = processor.HeaderValue(h)
		case "content-encoding":
			c.contentEncoding = processor.HeaderValue(h)
			present["method.request.header."+k] = true
		default:
			present["method.request.header."+strings.ToLower(k)] = true
		}
	}
	var missing []string
	for _, param := range c.Required {
		// Header names are case-insensitive, and Envoy hands them over in lower case.
		key := param
		if name, isHeader := strings.CutPrefix(param, "method.request.header."); isHeader {
			key = "method.request.header." + strings.ToLower(name)
		}
		if !present[key] {
			missing = append(missing, paramName(param))
		}
	}
	if len(missing) > 0 {
		return processor.GatewayError(gatewayresponse.MissingParameters(missing), c.requestID)
	}
	c.model = c.Models[processor.MediaType(contentType)]
	return nil
}

// paramName is the name in method.request.{querystring,header}.NAME.
func paramName(param string) string {
	for _, prefix := range []string{"method.request.querystring.", "method.request.header."} {
		if name, ok := strings.CutPrefix(param, prefix); ok {
			return name
		}
	}
	return param
}

// ReadsBody: the body is checked when its content type has a model.
func (c *checker) ReadsBody() bool { return c.model != "" }

func (c *checker) validateBody() *extprocv3.ProcessingResponse {
	if c.model == "" {
		return nil
	}
	body, _, err := processor.Decompress(c.contentEncoding, c.body)
	if errors.Is(err, processor.ErrPayloadTooLarge) {
		return processor.GatewayError(gatewayresponse.Default(gatewayresponse.RequestTooLarge), c.requestID)
	}
	if err == nil {
		err = c.models.Validate(c.model, body)
	}
	if err != nil {
		c.log.Info("request body refused by its model", "route", c.route, "model", c.model, "requestId", c.requestID, "validationError", err.Error())
		refusal := gatewayresponse.Default(gatewayresponse.BadRequestBody)
		refusal.ValidationError = err.Error() // $context.error.validationErrorString, for a customised response
		return processor.GatewayError(refusal, c.requestID)
	}
	return nil
}
