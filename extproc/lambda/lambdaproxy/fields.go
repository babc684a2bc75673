package lambdaproxy

import (
	"crypto/sha256"
	"encoding/hex"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/names"
)

// fields is a list of name/value pairs grouped by name: the distinct names in the order they first appear
// (spelled as they first appear), each with all its values in order. It is how both payload formats see
// headers and query parameters.
type fields struct {
	names  []string
	bounds []int    // the values of names[i] are values[bounds[i]:bounds[i+1]]
	values []string // grouped by name
}

// linearLimit is how many distinct names are looked up by scanning before an index map is built. Requests
// usually carry a dozen headers and a few query parameters, where a scan beats hashing; the map keeps a long
// query string (thousands of parameters fit in Envoy's header limits) from costing quadratic time.
const linearLimit = 16

// groupFields groups pairs by name; fold makes names case-insensitive (headers) instead of exact (query).
func groupFields(pairs [][2]string, fold bool) fields {
	n := len(pairs)
	if n == 0 {
		return fields{}
	}
	// One allocation holds each pair's group id, the per-group counts and the group bounds (never more groups
	// than pairs).
	ints := make([]int, 3*n+1)
	ids, counts := ints[:n], ints[n:2*n]
	names := make([]string, 0, n)
	var index map[string]int
	for i, p := range pairs {
		id := -1
		if index == nil {
			for j, name := range names {
				if name == p[0] || fold && strings.EqualFold(name, p[0]) {
					id = j
					break
				}
			}
		} else if j, ok := index[foldKey(p[0], fold)]; ok {
			id = j
		}
		if id < 0 {
			id = len(names)
			names = append(names, p[0])
			if index != nil {
				index[foldKey(p[0], fold)] = id
			} else if len(names) > linearLimit {
				index = make(map[string]int, 2*len(names))
				for j, name := range names {
					index[foldKey(name, fold)] = j
				}
			}
		}
		ids[i] = id
		counts[id]++
	}
	counts = counts[:len(names)]
	bounds := ints[2*n : 2*n+len(names)+1]
	for i, c := range counts {
		bounds[i+1] = bounds[i] + c
	}
	// Lay the values out group after group, keeping their order; counts becomes each group's write position.
	copy(counts, bounds)
	values := make([]string, n)
	for i, p := range pairs {
		values[counts[ids[i]]] = p[1]
		counts[ids[i]]++
	}
	return fields{names: names, bounds: bounds, values: values}
}

func foldKey(name string, fold bool) string {
	if fold {
		return strings.ToLower(name)
	}
	return name
}

func (f *fields) len() int { return len(f.names) }

// valuesOf returns the values of the i-th name.
func (f *fields) valuesOf(i int) []string { return f.values[f.bounds[i]:f.bounds[i+1]] }

// parseQuery splits a raw query string into decoded name/value pairs in order. Names and values are decoded as
// HTML forms are ('+' is a space), which is what API Gateway does: recorded AWS events show "a+b" arriving as
// "a b" while the path keeps its escapes. Only '&' separates pairs (a ';' is data, as on AWS), empty pairs are
// skipped, and a pair without '=' has an empty value. A malformed escape such as "%zz" is kept as sent rather
// than dropping the parameter: AWS documents nothing here and dropping would lose data silently.
func parseQuery(raw string) [][2]string {
	if raw == "" {
		return nil
	}
	pairs := make([][2]string, 0, strings.Count(raw, "&")+1)
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		pairs = append(pairs, [2]string{unescapeQuery(name), unescapeQuery(value)})
	}
	return pairs
}

// QueryValue is the last value of the named query parameter, decoded; "" when the query has none.
func QueryValue(rawQuery, name string) string {
	value := ""
	for _, p := range parseQuery(rawQuery) {
		if p[0] == name {
			value = p[1]
		}
	}
	return value
}

// ClientHeader tells a header Envoy hands a filter (lower-cased) that is the client's, pseudo-headers, Envoy's
// own x-envoy-* and the client certificate it forwards aside, and spells its name as API Gateway's default endpoints pass it on: User-Agent,
// X-Custom, which is also how clients write them.
func ClientHeader(lower string) (string, bool) {
	if strings.HasPrefix(lower, ":") || strings.HasPrefix(lower, "x-envoy-") || lower == names.ClientCertHeader {
		return "", false
	}
	return textproto.CanonicalMIMEHeaderKey(lower), true
}

// ResourceID stands in for API Gateway's id of a resource (resourceId): stable for the API and path, 6
// characters.
func ResourceID(apiID, resource string) string {
	sum := sha256.Sum256([]byte(apiID + " " + resource))
	return hex.EncodeToString(sum[:3])
}

func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// headerValue returns the first value of the named header, and whether there was one.
func headerValue(headers [][2]string, name string) (string, bool) {
	for _, h := range headers {
		if strings.EqualFold(h[0], name) {
			return h[1], true
		}
	}
	return "", false
}

// mediaType strips parameters and surrounding spaces from a Content-Type or Accept entry:
// "Image/PNG; q=0.9" gives "Image/PNG". Comparisons with it are case-insensitive.
func mediaType(v string) string {
	v, _, _ = strings.Cut(v, ";")
	return strings.TrimSpace(v)
}

// MatchesBinaryMediaType reports whether a Content-Type or Accept value matches one of an API's
// binaryMediaTypes. Parameters are ignored and case does not matter; a pattern "*/*" matches everything and
// "type/*" matches every subtype of type. An empty value matches only "*/*".
func MatchesBinaryMediaType(value string, binaryMediaTypes []string) bool {
	mt := mediaType(value)
	typ, sub, _ := strings.Cut(mt, "/")
	for _, p := range binaryMediaTypes {
		p = mediaType(p)
		if p == "*/*" {
			return true
		}
		if mt == "" {
			continue
		}
		pt, ps, _ := strings.Cut(p, "/")
		if strings.EqualFold(pt, typ) && (ps == "*" || strings.EqualFold(ps, sub)) {
			return true
		}
	}
	return false
}

// isTextMediaType says whether an HTTP API passes a request body of this Content-Type as text. AWS does not list
// the types; this is the split observed on real HTTP APIs (and the one Application Load Balancers document):
// text/*, application/json, application/xml and application/javascript are text, everything else, a missing
// Content-Type and application/x-www-form-urlencoded included, is binary and base64-encoded.
func isTextMediaType(contentType string) bool {
	typ, sub, _ := strings.Cut(mediaType(contentType), "/")
	if strings.EqualFold(typ, "text") {
		return true
	}
	if !strings.EqualFold(typ, "application") {
		return false
	}
	return strings.EqualFold(sub, "json") || strings.EqualFold(sub, "xml") || strings.EqualFold(sub, "javascript")
}

// StageFormPath is a path called on a custom domain, under basePath ("" for the domain's root), as the same
// request's path on the API's own host, under stagePath ("" for an HTTP API's $default stage): its query kept.
func StageFormPath(path, basePath, stagePath string) string {
	out := stagePath + strings.TrimPrefix(path, basePath)
	if out == "" || out[0] == '?' {
		out = "/" + out
	}
	return out
}
