package websocket

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"

	"github.com/coder/websocket"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/vtl"
	"github.com/tollgate-gw/tollgate/internal/vtl/apigw"
)

// A non-proxy integration's exchange (AWS, HTTP, MOCK), as API Gateway's: the request template selected by the
// integration's templateSelectionExpression renders what the integration gets (else the message as it is); the
// integration's status selects an integration response, whose template renders what the route response sends.
// A MOCK's status is the statusCode its rendered request template says (200 without one).

// compiled are a snapshot's templates and integration response patterns, parsed when the snapshot is served (the
// IR parsed each once already, for the load's problems), by their source; a new snapshot's replace them.
type compiled struct {
	templates map[string]*vtl.Template
	patterns  map[string]*regexp.Regexp
}

// compile parses what the stages' integrations render and select with.
func compile(stages []ir.WebSocketStage) *compiled {
	c := &compiled{templates: map[string]*vtl.Template{}, patterns: map[string]*regexp.Regexp{}}
	for _, st := range stages {
		for _, route := range st.Routes {
			in := route.Integration
			for _, src := range in.RequestTemplates {
				c.template(src)
			}
			for _, r := range in.Responses {
				c.template(r.Template)
				if r.Pattern != "" {
					if re, err := c.pattern(r.Pattern); err == nil {
						c.patterns[r.Pattern] = re
					}
				}
			}
		}
	}
	return c
}

// parsed is a template of the snapshot's, or, for a message routed by the snapshot before while this one was
// being served, parsed now.
func (c *compiled) parsed(src string) (*vtl.Template, error) {
	if t := c.templates[src]; t != nil {
		return t, nil
	}
	return vtl.Parse(src)
}

// pattern is a pattern of the snapshot's, or compiled now, as parsed does.
func (c *compiled) pattern(p string) (*regexp.Regexp, error) {
	if re := c.patterns[p]; re != nil {
		return re, nil
	}
	return regexp.Compile("^(?:" + p + ")$")
}

func (c *compiled) template(src string) {
	if _, done := c.templates[src]; !done && src != "" {
		if t, err := vtl.Parse(src); err == nil {
			c.templates[src] = t
		}
	}
}

// invokeMapped runs an AWS, HTTP or MOCK integration.
func (s *Server) invokeMapped(ctx context.Context, st *ir.WebSocketStage, route *ir.WebSocketRoute, c *conn, ev event, msg []byte) (result, error) {
	in := route.Integration
	payload := msg
	if src, ok := requestTemplate(in, msg); ok {
		out, err := s.render(src, msg, st, route, c, ev)
		if err != nil {
			return result{}, err
		}
		payload = []byte(out)
	}
	var status int
	var body []byte
	switch in.Type {
	case "MOCK":
		status = mockStatus(payload)
	case "HTTP":
		var err error
		if status, _, body, err = s.call(ctx, in.Method, in.URL, "application/json", payload); err != nil {
			return result{}, err
		}
	case "AWS":
		var err error
		if body, err = s.lambdaInvoke(ctx, in.URL, payload); err != nil {
			return result{}, err
		}
		status = http.StatusOK
	default:
		return result{}, fmt.Errorf("integration type %s", in.Type)
	}
	resp, err := selectResponse(in.Responses, s.compiled.Load(), status)
	switch {
	case err != nil:
		return result{}, err
	case resp == nil && (status < 200 || status > 299):
		return result{}, &integrationError{fmt.Sprintf("the integration answered %d, which no integration response takes", status)}
	case resp == nil || resp.Template == "":
		return result{status: status, body: body}, nil
	}
	out, err := s.render(resp.Template, body, st, route, c, ev)
	if err != nil {
		return result{}, err
	}
	return result{status: status, body: []byte(out)}, nil
}

// requestTemplate is the template selected for the message: the one keyed by the value at the integration's
// template selection path, else the $default one; none when neither is there.
func requestTemplate(in ir.WebSocketIntegration, msg []byte) (string, bool) {
	if len(in.RequestTemplates) == 0 {
		return "", false
	}
	if in.TemplateSelection != nil {
		if src, ok := in.RequestTemplates[routeKey(in.TemplateSelection, websocket.MessageText, msg)]; ok {
			return src, true
		}
	}
	src, ok := in.RequestTemplates[names.WebSocketDefault]
	return src, ok
}

// mockStatus is the statusCode a MOCK's rendered request says, 200 when it says none.
func mockStatus(rendered []byte) int {
	var req struct {
		StatusCode json.RawMessage `json:"statusCode"`
	}
	if json.Unmarshal(rendered, &req) != nil || req.StatusCode == nil {
		return http.StatusOK
	}
	var text string
	if json.Unmarshal(req.StatusCode, &text) != nil {
		text = string(req.StatusCode)
	}
	if n, err := strconv.Atoi(text); err == nil && n >= 100 && n <= 599 {
		return n
	}
	return http.StatusOK
}

// selectResponse is the first integration response whose pattern matches the whole status, else the $default one.
func selectResponse(responses []ir.WebSocketIntegrationResponse, patterns *compiled, status int) (*ir.WebSocketIntegrationResponse, error) {
	var fallback *ir.WebSocketIntegrationResponse
	code := strconv.Itoa(status)
	for i := range responses {
		r := &responses[i]
		if r.Pattern == "" {
			if fallback == nil {
				fallback = r
			}
			continue
		}
		re, err := patterns.pattern(r.Pattern)
		if err != nil {
			return nil, err
		}
		if re.MatchString(code) {
			return r, nil
		}
	}
	return fallback, nil
}

// render renders a template with API Gateway's variables: $input reading body, $context the event's request
// context, $stageVariables and $util.
func (s *Server) render(src string, body []byte, st *ir.WebSocketStage, route *ir.WebSocketRoute, c *conn, ev event) (string, error) {
	t, err := s.compiled.Load().parsed(src)
	if err != nil {
		return "", err
	}
	input := apigw.NewInput(string(body), apigw.Params{})
	defer input.Release()
	variables := map[string]any{}
	for k, v := range st.StageVariables {
		variables[k] = v
	}
	out, err := t.Render(map[string]any{
		"input":          input,
		"util":           apigw.Util{Input: input},
		"context":        vtl.FromJSON(s.requestContext(st, route, c, ev)),
		"stageVariables": vtl.FromJSON(variables),
	}, vtl.DefaultLimits)
	if err != nil {
		return "", fmt.Errorf("mapping template: %w", err)
	}
	return out, nil
}
