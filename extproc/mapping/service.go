// Package mapping is the ext_proc feature of non-proxy integrations: API Gateway's integration request and
// response for HTTP (custom) integrations and for MOCKs that need VTL. On the way in it maps parameters, chooses
// the request template by content type (or refuses the type, as the passthrough behaviour says) and renders it; on
// the way out it selects the integration response by the backend's status and renders its template. Envoy
// carries both bodies; the templates are parsed once per snapshot.
package mapping

import (
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/vtl"
)

// Service serves the snapshot's routes that have a mapping.
type Service struct {
	Log *slog.Logger
}

// route is a mapped route as an exchange needs it: templates parsed, patterns compiled.
type route struct {
	*ir.Route
	*ir.Mapping
	paths            *ir.PathMatcher
	requestTemplates map[string]*template
	responses        []response
	trustedHops      int
	log              *slog.Logger
}

// template is a parsed template and the name it is logged under when it fails.
type template struct {
	*vtl.Template
	name string
}

type response struct {
	ir.IntegrationResponse
	pattern   *regexp.Regexp // nil for the default
	templates map[string]*template
}

// Routes are the snapshot's mapped routes.
func (s Service) Routes(snap *ir.Snapshot) (map[string]processor.Start, error) {
	log := s.Log
	if log == nil {
		log = slog.Default()
	}
	routes := map[string]processor.Start{}
	for _, r := range snap.Routes() {
		if r.Mapping == nil {
			continue
		}
		rt, err := compile(r, int(snap.TrustedProxyHops), log)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", r.Name, err)
		}
		routes[r.Name] = func(received time.Time) processor.Exchange { return newExchange(rt, received) }
	}
	return routes, nil
}

func compile(r *ir.Route, trustedHops int, log *slog.Logger) (*route, error) {
	paths, err := ir.NewPathMatcher(r)
	if err != nil {
		return nil, err
	}
	rt := &route{Route: r, Mapping: r.Mapping, paths: paths, trustedHops: trustedHops, log: log}
	if rt.requestTemplates, err = parseTemplates(r.Mapping.Source+" request", r.Mapping.RequestTemplates); err != nil {
		return nil, err
	}
	for _, ir := range r.Mapping.Responses {
		resp := response{IntegrationResponse: ir}
		if ir.Pattern != "" {
			// API Gateway matches the pattern against the whole status (Java's String.matches).
			if resp.pattern, err = regexp.Compile("^(?:" + ir.Pattern + ")$"); err != nil {
				return nil, err
			}
		}
		name := r.Mapping.Source + " response " + ir.Pattern
		if ir.Pattern == "" {
			name += "default"
		}
		if resp.templates, err = parseTemplates(name, ir.Templates); err != nil {
			return nil, err
		}
		rt.responses = append(rt.responses, resp)
	}
	return rt, nil
}

func parseTemplates(name string, templates map[string]string) (map[string]*template, error) {
	out := make(map[string]*template, len(templates))
	for ct, src := range templates {
		t, err := vtl.Parse(src)
		if err != nil {
			return nil, fmt.Errorf("%s template %s: %w", name, ct, err)
		}
		out[ct] = &template{Template: t, name: name + " template " + ct}
	}
	return out, nil
}

// selectResponse is the integration response for what the selection patterns match (a backend's status, a
// failed function's errorMessage): the first whose pattern matches, else the default; nil when none applies.
// Without patterns to try (a function's result), only the default applies.
func (r *route) selectResponse(selector string, tryPatterns bool) *response {
	for i := range r.responses {
		p := r.responses[i].pattern
		if p == nil || (tryPatterns && p.MatchString(selector)) {
			return &r.responses[i]
		}
	}
	return nil
}

// responseTemplate picks the template of a response for the client's Accept header: the first type it lists that
// has a template, else application/json's, else the first by content type. *(verify: API Gateway documents the
// Accept header as what selects it, not the fallback order.)*
func responseTemplate(templates map[string]*template, accept string) (string, *template) {
	if len(templates) == 0 {
		return "", nil
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, _ := strings.Cut(part, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		if t, ok := templates[mt]; ok {
			return mt, t
		}
	}
	if t, ok := templates["application/json"]; ok {
		return "application/json", t
	}
	first := ""
	for ct := range templates {
		if first == "" || ct < first {
			first = ct
		}
	}
	return first, templates[first]
}
