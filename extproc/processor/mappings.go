package processor

import (
	"net/url"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/ir"
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
