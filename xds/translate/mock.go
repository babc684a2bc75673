package translate

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"

	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// vtlSyntax spots a Velocity reference ($x, ${x}, $!x) or directive (#set, #if, ##comment) in a template. Static
// templates are served by Envoy directly; templates with VTL need the mapping-template service.
var vtlSyntax = regexp.MustCompile(`\$!?\{?[A-Za-z]|#(set|if|elseif|else|end|foreach|break|stop|macro|define|evaluate|parse|include|#|\*)`)

// mock serves a MOCK integration with static templates as an Envoy direct response: the request template's
// statusCode selects the integration response, whose template and static headers make the answer.
func (t *translator) mock(r *route.Route, s stageContext, m *tollgatev1.Method) bool {
	integ := m.GetIntegration()
	file, at := s.api.GetSourceFile(), integ.GetSourcePointer()
	n := len(t.probs)

	status := t.mockStatus(file, at, integ.GetRequestTemplates())
	if len(t.probs) > n {
		return false
	}
	pattern, resp := selectResponse(integ.GetResponses(), strconv.Itoa(status))
	if resp == nil {
		// AWS answers a MOCK without a matching integration response with a configuration error.
		setGatewayResponse(r, gatewayresponse.Default(gatewayresponse.APIConfigurationError))
		return true
	}
	respAt := at + diag.Pointer("responses", pattern)
	code := uint32(200)
	if sc := resp.GetStatusCode(); sc != "" {
		v, err := strconv.ParseUint(sc, 10, 32)
		if err != nil || v < 100 || v > 599 {
			t.probs.Addf(file, respAt+"/statusCode", "invalid statusCode %q: want an HTTP status code", sc)
			return false
		}
		code = uint32(v)
	}
	contentType, body := pickTemplate(resp.GetResponseTemplates())
	if vtlSyntax.MatchString(body) {
		t.probs.Addf(file, respAt+diag.Pointer("responseTemplates", contentType), "response templates with VTL are not supported yet: only static templates can be served")
		return false
	}
	headers := map[string]string{"content-type": "application/json"}
	if contentType != "" {
		headers["content-type"] = contentType
	}
	for name, source := range resp.GetResponseParameters() {
		header, ok := strings.CutPrefix(name, "method.response.header.")
		if !ok {
			t.probs.Addf(file, respAt+diag.Pointer("responseParameters", name), "invalid response parameter %q: want method.response.header.NAME", name)
			continue
		}
		if len(source) < 2 || !strings.HasPrefix(source, "'") || !strings.HasSuffix(source, "'") {
			t.probs.Addf(file, respAt+diag.Pointer("responseParameters", name), "only static values ('value') are supported yet for a MOCK integration's response headers, got %q", source)
			continue
		}
		headers[strings.ToLower(header)] = source[1 : len(source)-1]
	}
	if len(t.probs) > n {
		return false
	}
	setDirectResponse(r, code, body, headers)
	return true
}

// mockStatus reads {"statusCode": N} from the request template. API Gateway picks the template by the request's
// Content-Type; Tollgate serves MOCKs from Envoy, so every template must agree on the status.
func (t *translator) mockStatus(file, at string, templates map[string]string) int {
	status, first := 200, ""
	for _, ct := range sortedKeys(templates) {
		tpl := templates[ct]
		ptr := at + diag.Pointer("requestTemplates", ct)
		if strings.TrimSpace(tpl) == "" {
			continue
		}
		if vtlSyntax.MatchString(tpl) {
			t.probs.Addf(file, ptr, "request templates with VTL are not supported yet for MOCK: write a static {\"statusCode\": N}")
			return 0
		}
		var v struct {
			StatusCode json.Number `json:"statusCode"`
		}
		if err := json.Unmarshal([]byte(tpl), &v); err != nil || v.StatusCode == "" {
			t.probs.Addf(file, ptr, "a MOCK request template must be a JSON object with a numeric statusCode, like {\"statusCode\": 200}")
			return 0
		}
		code, err := strconv.Atoi(string(v.StatusCode))
		if err != nil {
			t.probs.Addf(file, ptr, "statusCode %s is not an integer", v.StatusCode)
			return 0
		}
		if first != "" && code != status {
			t.probs.Addf(file, ptr, "request templates select different status codes (%d for %s, %d here): per-content-type MOCK responses are not supported yet", status, first, code)
			return 0
		}
		status, first = code, ct
	}
	return status
}

// selectResponse picks the integration response whose selection pattern matches the whole status code, else the
// default one. Patterns are tried in sorted order so the choice is stable.
func selectResponse(responses map[string]*tollgatev1.IntegrationResponse, status string) (string, *tollgatev1.IntegrationResponse) {
	for _, pattern := range sortedKeys(responses) {
		if pattern == "default" {
			continue
		}
		if re, err := regexp.Compile("^(?:" + pattern + ")$"); err == nil && re.MatchString(status) {
			return pattern, responses[pattern]
		}
	}
	if d, ok := responses["default"]; ok {
		return "default", d
	}
	return "", nil
}

// pickTemplate chooses the response template for application/json, API Gateway's default content type, else the
// first one in sorted order.
func pickTemplate(templates map[string]string) (contentType, body string) {
	if body, ok := templates["application/json"]; ok {
		return "application/json", body
	}
	keys := sortedKeys(templates)
	if len(keys) == 0 {
		return "", ""
	}
	return keys[0], templates[keys[0]]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
