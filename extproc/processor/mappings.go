package processor

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/vtl/apigw"
)

// The parameter mappings the ext_proc features make (an HTTP API's, of an HTTP_PROXY integration in the
// parametermapping service, of a Lambda proxy on its event): each feature reads the values, these apply them.

// MappedValue is a mapping's value: its parts' values, in order, as read reads each.
func MappedValue(h ir.HeaderMapping, read func(ir.ValueSource) string) string {
	parts := h.Parts
	if len(parts) == 0 {
		parts = []ir.ValueSource{h.Source}
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(read(p))
	}
	return b.String()
}

// MappedQuery is the query string (with its ?, if it has parameters) after mappings: a parameter overwritten loses
// the client's values, an appended one keeps them; a value that comes out empty maps nothing. The client's
// parameters keep their order and their encoding.
func MappedQuery(rawQuery string, mappings []ir.QueryMapping, read func(ir.ValueSource) string) string {
	var pairs []string
	if rawQuery != "" {
		pairs = strings.Split(rawQuery, "&")
	}
	for _, m := range mappings {
		value := MappedValue(ir.HeaderMapping(m), read)
		if value == "" {
			continue
		}
		if !m.Append {
			pairs = withoutParameter(pairs, m.Name)
		}
		pairs = append(pairs, url.QueryEscape(m.Name)+"="+url.QueryEscape(value))
	}
	if len(pairs) == 0 {
		return ""
	}
	return "?" + strings.Join(pairs, "&")
}

// MapHeaders applies mappings to headers (names as received, in order): remove drops every value of a name, in any
// case; then each mapping's overwrite replaces them, its append adds one; a value that comes out empty maps
// nothing.
func MapHeaders(headers [][2]string, mappings []ir.HeaderMapping, remove []string, read func(ir.ValueSource) string) [][2]string {
	without := func(name string) {
		headers = slices.DeleteFunc(headers, func(h [2]string) bool { return strings.EqualFold(h[0], name) })
	}
	for _, name := range remove {
		without(name)
	}
	for _, h := range mappings {
		value := MappedValue(h, read)
		if value == "" || !ValidHeader(h.Name, value) {
			continue
		}
		if !h.Append {
			without(h.Name)
		}
		headers = append(headers, [2]string{h.Name, value})
	}
	return headers
}

// WithoutParameters is a query string without the parameters names; the others keep their order and encoding.
func WithoutParameters(rawQuery string, names []string) string {
	if len(names) == 0 || rawQuery == "" {
		return rawQuery
	}
	pairs := strings.Split(rawQuery, "&")
	for _, name := range names {
		pairs = withoutParameter(pairs, name)
	}
	return strings.Join(pairs, "&")
}

// withoutParameter drops the name=value pairs of a parameter, its name decoded.
func withoutParameter(pairs []string, name string) []string {
	return slices.DeleteFunc(pairs, func(pair string) bool {
		n, _, _ := strings.Cut(pair, "=")
		unescaped, err := url.QueryUnescape(n)
		return err == nil && unescaped == name
	})
}

// RequestValues are what a parameter mapping reads of one request: the client's headers, query, path (the stage's
// segment included) and body, and what Envoy and the checks before say of it.
type RequestValues struct {
	Headers                     http.Header
	Query                       url.Values
	PathParameters              map[string]string
	Path                        string
	Body                        []byte
	RequestID, Method, SourceIP string
	// Authorizer is requestContext.authorizer; JWT a JWT authorizer's {"claims", "scopes"}.
	Authorizer, JWT map[string]any
}

// Read is a mapping source's value for the request; "" for what it lacks. A header or parameter given more than
// once reads as its values comma-joined, as API Gateway maps them.
func (v *RequestValues) Read(src ir.ValueSource) string {
	switch src.Kind {
	case ir.Static:
		return src.Value
	case ir.RequestHeader:
		return strings.Join(v.Headers.Values(src.Value), ",")
	case ir.QueryParameter:
		return strings.Join(v.Query[src.Value], ",")
	case ir.PathParameter:
		return v.PathParameters[src.Value]
	case ir.RequestPath:
		return v.Path
	case ir.RequestBodyPath:
		return apigw.BodyValue(v.Body, src.Value)
	case ir.RequestID:
		return v.RequestID
	case ir.HTTPMethod:
		return v.Method
	case ir.SourceIP:
		return v.SourceIP
	case ir.AuthorizerValue:
		return lookUp(v.Authorizer, strings.Split(src.Value, ".")) // lambda.x: requestContext.authorizer.lambda.x
	case ir.JWTClaim:
		return lookUp(v.JWT, []string{"claims", src.Value})
	}
	return ""
}

// ResponseValues reads a response mapping's sources for a response with headers: static text, and the response's
// headers (several values comma-joined).
func ResponseValues(headers http.Header) func(ir.ValueSource) string {
	return func(src ir.ValueSource) string {
		switch src.Kind {
		case ir.Static:
			return src.Value
		case ir.IntegrationHeader:
			return strings.Join(headers.Values(src.Value), ",")
		}
		return ""
	}
}

// HeaderOf is headers (names as received, in order) as an http.Header.
func HeaderOf(headers [][2]string) http.Header {
	out := make(http.Header, len(headers))
	for _, h := range headers {
		out.Add(h[0], h[1])
	}
	return out
}

// lookUp is the text at path of an authorizer's context: a string as it is, anything else its JSON; "" for none.
func lookUp(v any, path []string) string {
	for _, key := range path {
		m, _ := v.(map[string]any)
		v = m[key]
	}
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	b, _ := json.Marshal(v)
	return string(b)
}
