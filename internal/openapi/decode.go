package openapi

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

// importer collects every problem of one file, so that the user sees them all at once, and the warnings: what it
// accepted without importing.
type importer struct {
	file     string
	problems diag.Problems
	warnings diag.Problems
	// rewritten tells that the parsed document was rewritten where AWS reads it more leniently than kin-openapi
	// (see lenience), so kin-openapi decodes it encoded again rather than the bytes as read.
	rewritten bool
}

func (im *importer) addf(ptr, format string, args ...any) {
	im.problems.Addf(im.file, ptr, format, args...)
}

func (im *importer) warnf(ptr, format string, args ...any) {
	im.warnings.Addf(im.file, ptr, format, args...)
}

// value is one value of the document, as kin-openapi leaves extension values (nil, bool, float64, string, []any,
// map[string]any, for YAML and JSON alike), with its JSON pointer so that every problem names where it is.
//
// null reads as the zero value of whatever type is expected, which is what an empty YAML value (`uri:`) means to
// whoever wrote it.
type value struct {
	v   any
	ptr string
}

// field returns x's member called name: null when there is none, or when x is not an object (which the caller
// reports).
func (x value) field(name string) value {
	obj, _ := x.v.(map[string]any)
	return value{obj[name], x.ptr + diag.Pointer(name)}
}

func (im *importer) wrongType(x value, want string) {
	im.addf(x.ptr, "must be %s, not %s", want, describe(x.v))
}

// describe names a value's JSON type, and for scalars the value, since "must be a string, not the number 1" shows
// the YAML author the unquoted 1.0 they wrote.
func describe(v any) string {
	switch v := v.(type) {
	case bool:
		return fmt.Sprintf("the boolean %t", v)
	case float64:
		return "the number " + strconv.FormatFloat(v, 'g', -1, 64)
	case string:
		return fmt.Sprintf("the string %q", v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a %T", v)
}

// object returns x's members, or nil (reporting it unless x is null) when x is not an object.
func (im *importer) object(x value) map[string]any {
	obj, ok := x.v.(map[string]any)
	if !ok && x.v != nil {
		im.wrongType(x, "an object")
	}
	return obj
}

// members returns x's members in name order, so that problems come out in the same order on every run.
func (im *importer) members(x value) []string {
	return slices.Sorted(maps.Keys(im.object(x)))
}

// list returns x's elements, or nil (reporting it unless x is null) when x is not an array.
func (im *importer) list(x value) []value {
	arr, ok := x.v.([]any)
	if !ok && x.v != nil {
		im.wrongType(x, "an array")
	}
	elems := make([]value, len(arr))
	for i, v := range arr {
		elems[i] = value{v, x.ptr + diag.Pointer(i)}
	}
	return elems
}

func (im *importer) str(x value) string {
	s, ok := x.v.(string)
	if !ok && x.v != nil {
		im.wrongType(x, "a string")
	}
	return s
}

// boolean accepts the strings "true" and "false" too, in any case, as API Gateway reads them.
func (im *importer) boolean(x value) bool {
	switch v := x.v.(type) {
	case nil:
	case bool:
		return v
	case string:
		if b, ok := parseBool(v); ok {
			return b
		}
		im.wrongType(x, "a boolean")
	default:
		im.wrongType(x, "a boolean")
	}
	return false
}

func (im *importer) integer(x value) int32 {
	if x.v == nil {
		return 0
	}
	n, ok := x.v.(float64)
	if !ok || n != math.Trunc(n) || n < math.MinInt32 || n > math.MaxInt32 {
		im.wrongType(x, "an integer")
		return 0
	}
	return int32(n)
}

// statusCode accepts a number as well as a string, since YAML reads an unquoted 200 as a number and AWS exports
// write status codes both ways.
func (im *importer) statusCode(x value) string {
	switch v := x.v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		if v == math.Trunc(v) {
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
	}
	im.wrongType(x, "a string or an integer")
	return ""
}

func (im *importer) stringList(x value) []string {
	var out []string
	for _, elem := range im.list(x) {
		out = append(out, im.str(elem))
	}
	return out
}

func (im *importer) stringMap(x value) map[string]string {
	out := make(map[string]string)
	for _, name := range im.members(x) {
		out[name] = im.str(x.field(name))
	}
	return out
}

// enum reads an enumeration case-insensitively by its proto name (prefix plus the upper-cased value): AWS exports
// write some values in lower case (http_proxy) where AWS's API writes HTTP_PROXY, and matching on proto names
// keeps the proto the only list of accepted values.
func (im *importer) enum(x value, prefix string, values map[string]int32) int32 {
	if x.v == nil {
		return 0
	}
	s, ok := x.v.(string)
	if !ok {
		im.wrongType(x, "a string")
		return 0
	}
	if n := values[prefix+strings.ToUpper(s)]; n != 0 {
		return n
	}
	im.addf(x.ptr, "unknown value %q: must be one of %s (in any case)", s, accepted(prefix, values))
	return 0
}

// accepted lists an enumeration's values in proto order, leaving out the zero UNSPECIFIED value.
func accepted(prefix string, values map[string]int32) string {
	names := make([]string, 0, len(values))
	for name, n := range values {
		if n != 0 {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return cmp.Compare(values[a], values[b]) })
	for i, name := range names {
		names[i] = strings.TrimPrefix(name, prefix)
	}
	return strings.Join(names, ", ")
}
