package gatewayresponse

import (
	"encoding/json"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/internal/names"
)

// The gateway response types API Gateway documents that Tollgate does not produce: an API may customise them, to
// no effect here. The two defaults stand for every type of their class an API does not customise.
const (
	Default4XX        Type = "DEFAULT_4XX"
	Default5XX        Type = "DEFAULT_5XX"
	AuthorizerFailure Type = "AUTHORIZER_FAILURE"
	ExpiredToken      Type = "EXPIRED_TOKEN"
	ResourceNotFound  Type = "RESOURCE_NOT_FOUND"
	WAFFiltered       Type = "WAF_FILTERED"
)

// documented are the types of x-amazon-apigateway-gateway-responses, with the class of each that Tollgate does
// not produce (the others' is their default status's).
var documented = map[Type]uint32{
	AuthorizerFailure: 500, ExpiredToken: 403, ResourceNotFound: 404, WAFFiltered: 403,
}

// Known tells whether API Gateway documents a gateway response type.
func Known(t Type) bool {
	_, produced := defaults[t]
	_, other := documented[t]
	return produced || other || t == Default4XX || t == Default5XX
}

// Produced lists the types Tollgate produces, each with its default.
func Produced() map[Type]Response {
	out := make(map[Type]Response, len(defaults))
	for t := range defaults {
		out[t] = Default(t)
	}
	return out
}

// Class is DEFAULT_4XX or DEFAULT_5XX: the default customisation that stands for t's.
func Class(t Type) Type {
	status := defaults[t].Status
	if s, ok := documented[t]; ok {
		status = s
	}
	if status >= 500 {
		return Default5XX
	}
	return Default4XX
}

// Custom is an API's customisation of one gateway response type for one stage (its stage variables resolved):
// the status, the headers (each a mapping expression: 'static', method.request.header.X,
// method.request.querystring.X, context.X) and the body template, each unset to keep the default's.
type Custom struct {
	Status      uint32      `json:"status,omitempty"`
	Headers     [][2]string `json:"headers,omitempty"` // name, expression
	ContentType string      `json:"contentType,omitempty"`
	Template    string      `json:"template,omitempty"`
	// HasTemplate: the body is Template, an empty one too.
	HasTemplate bool `json:"hasTemplate,omitempty"`
}

// Set is an API's customisations for one stage, by type; DEFAULT_4XX and DEFAULT_5XX apply to the types of their
// class it does not customise.
type Set map[Type]*Custom

// For is the customisation that applies to a type, nil for none.
func (s Set) For(t Type) *Custom {
	if c := s[t]; c != nil {
		return c
	}
	return s[Class(t)]
}

// TemplateVariables are the variables a body template may use beside $stageVariables, which the IR resolves:
// the error's, and those of $context a gateway response knows.
var TemplateVariables = []string{
	"context.error.message", "context.error.messageString", "context.error.responseType",
	"context.error.validationErrorString", "context.requestId", "context.extendedRequestId", "context.apiId",
	"context.stage", "context.httpMethod", "context.resourcePath", "context.identity.sourceIp",
	"context.identity.userAgent", "context.domainName",
}

// Render substitutes a body template's variables ($name or ${name}, name a dotted path): vars gives the text of
// each it knows, literal what the text around them becomes; an unknown variable is left as written. API Gateway
// substitutes, it does not run VTL, in gateway response templates.
func Render(template string, vars func(name string) (string, bool), literal func(string) string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(template); i++ {
		if template[i] != '$' {
			continue
		}
		name, end := variableAt(template, i)
		if name == "" {
			continue
		}
		value, ok := vars(name)
		if !ok {
			continue
		}
		b.WriteString(literal(template[last:i]))
		b.WriteString(value)
		last, i = end, end-1
	}
	b.WriteString(literal(template[last:]))
	return b.String()
}

// Variables lists the variables a template uses, as Render reads them.
func Variables(template string) []string {
	var names []string
	for i := 0; i < len(template); i++ {
		if template[i] == '$' {
			if name, end := variableAt(template, i); name != "" {
				names = append(names, name)
				i = end - 1
			}
		}
	}
	return names
}

// variableAt reads $a.b.c or ${a.b.c} at template[i]; its name and where it ends.
func variableAt(template string, i int) (string, int) {
	j := i + 1
	braced := j < len(template) && template[j] == '{'
	if braced {
		j++
	}
	start := j
	for j < len(template) {
		c := template[j]
		isPart := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
		if c == '.' && j > start && j+1 < len(template) && isLetter(template[j+1]) {
			j++
			continue
		}
		if !isPart || (j == start && !isLetter(c)) {
			break
		}
		j++
	}
	name := template[start:j]
	if name == "" {
		return "", i
	}
	if braced {
		if j >= len(template) || template[j] != '}' {
			return "", i
		}
		j++
	}
	return name, j
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// MessageString is $context.error.messageString: the message as a JSON string, quotes included.
func MessageString(r Response) string {
	if r.NullMessage {
		return "null"
	}
	b, _ := json.Marshal(r.Message)
	return string(b)
}

// Metadata names a response's gateway response type and message as the ext services hand them to Envoy (dynamic
// metadata), where the local replies render an API's customisation with them.
func Metadata(r Response) *structpb.Struct {
	return &structpb.Struct{Fields: map[string]*structpb.Value{
		names.GatewayResponseType:            structpb.NewStringValue(string(r.Type)),
		names.GatewayResponseMessage:         structpb.NewStringValue(r.Message),
		names.GatewayResponseMessageString:   structpb.NewStringValue(MessageString(r)),
		names.GatewayResponseValidationError: structpb.NewStringValue(r.ValidationError),
	}}
}
