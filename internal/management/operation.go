package management

import (
	"net/http"
	"net/url"
	"strings"
)

// operation is one of API Gateway's management operations as its service model defines it: the request's method
// and URI, a template whose {labels} stand for one path segment each ({label+} for the rest of the path), and the
// query parameter some URIs require (mode=import).
type operation struct {
	service, name, method, path, query string
}

// matches tells whether r is a request for op, and how many of the template's segments are literal (the more, the
// better the match: /restapis/{id}/stages over /restapis/{id}/{x}).
func (op operation) matches(method string, segments []string, query url.Values) (literal int, ok bool) {
	if method != op.method {
		return 0, false
	}
	if op.query != "" {
		key, value, _ := strings.Cut(op.query, "=")
		if query.Get(key) != value {
			return 0, false
		}
		literal++ // a required query parameter makes the match closer than the same path without one
	}
	template := strings.Split(strings.Trim(op.path, "/"), "/")
	for i, t := range template {
		switch {
		case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "+}"):
			return literal, i < len(segments)
		case i >= len(segments):
			return 0, false
		case strings.HasPrefix(t, "{"):
			if segments[i] == "" {
				return 0, false
			}
		case t != segments[i]:
			return 0, false
		default:
			literal++
		}
	}
	return literal, len(template) == len(segments)
}

// operationOf is the management operation r asks for, if it is one of API Gateway's.
func operationOf(r *http.Request) (operation, bool) {
	segments := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	query := r.URL.Query()
	var best operation
	bestLiteral, found := -1, false
	for _, op := range operations {
		if literal, ok := op.matches(r.Method, segments, query); ok && literal > bestLiteral {
			best, bestLiteral, found = op, literal, true
		}
	}
	return best, found
}

// NotServed answers a request for one of API Gateway's operations that Tollgate does not serve yet with 501
// NotImplementedException naming it (botocore does not retry a 501), and anything else with 404.
func NotServed() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op, ok := operationOf(r)
		if !ok {
			writeError(w, http.StatusNotFound, "NotFoundException", "No management operation of API Gateway is "+r.Method+" "+r.URL.Path)
			return
		}
		writeError(w, http.StatusNotImplemented, "NotImplementedException", op.name+" ("+op.service+") is not served by Tollgate yet")
	})
}
