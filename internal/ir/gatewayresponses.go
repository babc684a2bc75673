package ir

import (
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/names"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// gatewayResponses resolves an API's customised gateway responses for each stage, stage variables substituted,
// and for "" (a path under no stage), where stage variables are empty. Envoy renders them: what a template or a
// header reads must be what Envoy can read of a request and of the error.
func (b *builder) gatewayResponses(api *tollgatev1.RestApi) map[string]gatewayresponse.Set {
	custom := api.GetGatewayResponses()
	if len(custom) == 0 {
		return nil
	}
	file := api.GetSourceFile()
	n := len(b.probs)
	for _, name := range sortedKeys(custom) {
		if !gatewayresponse.Known(gatewayresponse.Type(name)) {
			b.probs.Addf(file, custom[name].GetSourcePointer(), "unknown gateway response type %q", name)
		}
	}
	if len(b.probs) > n {
		return nil
	}
	stages := map[string]map[string]string{"": nil}
	for _, s := range api.GetStages() {
		name := s.GetStageName()
		if s.GetCanary() != nil {
			name = names.CanaryStage(name) // compared with the stage's by canaryGatewayResponses
		}
		stages[name] = s.GetVariables()
	}
	out := map[string]gatewayresponse.Set{}
	for stage, vars := range stages {
		set := gatewayresponse.Set{}
		for _, name := range sortedKeys(custom) {
			quiet := stage == "" && len(api.GetStages()) > 0
			if c := b.customResponse(file, custom[name], vars, quiet); c != nil {
				set[gatewayresponse.Type(name)] = c
			}
		}
		out[stage] = set
	}
	if len(b.probs) > n {
		return nil
	}
	return out
}

// customResponse checks and resolves one customisation; quiet for the stage-less resolution, whose problems the
// stages' report already.
func (b *builder) customResponse(file string, gr *tollgatev1.GatewayResponse, stageVars map[string]string, quiet bool) *gatewayresponse.Custom {
	at := gr.GetSourcePointer()
	addf := func(ptr, format string, args ...any) {
		if !quiet {
			b.probs.Addf(file, ptr, format, args...)
		}
	}
	c := &gatewayresponse.Custom{}
	if sc := gr.GetStatusCode(); sc != "" {
		v, err := strconv.ParseUint(sc, 10, 32)
		if err != nil || v < 100 || v > 599 {
			addf(at+"/statusCode", "invalid statusCode %q: want an HTTP status code", sc)
			return nil
		}
		c.Status = uint32(v)
	}
	for _, name := range sortedKeys(gr.GetResponseParameters()) {
		ptr := at + diag.Pointer("responseParameters", name)
		header, ok := strings.CutPrefix(name, "gatewayresponse.header.")
		if !ok || header == "" {
			addf(ptr, "invalid response parameter %q: want gatewayresponse.header.NAME", name)
			continue
		}
		expr := gr.GetResponseParameters()[name]
		switch {
		case isStatic(expr):
		case strings.HasPrefix(expr, "stageVariables."):
			expr = "'" + stageVars[strings.TrimPrefix(expr, "stageVariables.")] + "'"
		case strings.HasPrefix(expr, "method.request.header."), strings.HasPrefix(expr, "method.request.querystring."),
			slices.Contains(gatewayresponse.TemplateVariables, expr) && !strings.HasPrefix(expr, "context.error."):
		default:
			addf(ptr, "%q is not supported yet in a gateway response (supported: 'static', method.request.header.X, method.request.querystring.X, stageVariables.X, %s)", expr, strings.Join(contextVariables(), ", "))
			continue
		}
		c.Headers = append(c.Headers, [2]string{header, expr})
	}
	if templates := gr.GetResponseTemplates(); len(templates) > 0 {
		ct := "application/json"
		if _, ok := templates[ct]; !ok {
			ct = sortedKeys(templates)[0]
		}
		tpl := templates[ct]
		for _, v := range gatewayresponse.Variables(tpl) {
			if !slices.Contains(gatewayresponse.TemplateVariables, v) && !strings.HasPrefix(v, "stageVariables.") {
				addf(at+diag.Pointer("responseTemplates", ct), "$%s is not supported yet in a gateway response template (supported: $stageVariables.X and $%s)", v, strings.Join(gatewayresponse.TemplateVariables, ", $"))
			}
		}
		c.ContentType, c.HasTemplate = ct, true
		c.Template = gatewayresponse.Render(tpl, func(name string) (string, bool) {
			v, ok := strings.CutPrefix(name, "stageVariables.")
			if !ok {
				return "", false
			}
			return stageVars[v], true
		}, func(s string) string { return s })
	}
	return c
}

// contextVariables are the $context variables a header may take.
func contextVariables() []string {
	var out []string
	for _, v := range gatewayresponse.TemplateVariables {
		if !strings.HasPrefix(v, "context.error.") {
			out = append(out, v)
		}
	}
	return out
}

// canaryGatewayResponses refuses a canary release whose gateway responses differ from its stage's (its own
// customisations, or the stage variables they read): a request finds them by its stage, so the canary's would
// never be served. What was resolved for the canary is dropped once compared.
func (b *builder) canaryGatewayResponses(api *API, file string) {
	for key, set := range api.GatewayResponses {
		stage, isCanary := strings.CutSuffix(key, names.CanaryStage(""))
		if !isCanary {
			continue
		}
		if !reflect.DeepEqual(set, api.GatewayResponses[stage]) {
			b.probs.Addf(file, diag.Pointer("x-amazon-apigateway-gateway-responses"),
				"the canary release of stage %s answers with other gateway responses than the stage (its customisations, or the stage variables they read): a canary's own gateway responses are not supported yet", stage)
		}
		delete(api.GatewayResponses, key)
	}
}
