package check

import (
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// cacheKeySources are the method request parameters a cache key may name, as API Gateway's cacheKeyParameters
// name them.
var cacheKeySources = []string{"path", "querystring", "header", "multivaluequerystring", "multivalueheader"}

// cacheKey checks an integration's cacheKeyParameters as API Gateway does when it imports them: each names a
// method request parameter the method declares.
func (c *checker) cacheKey(file string, m *tollgatev1.Method) {
	integ := m.GetIntegration()
	for i, p := range integ.GetCacheKeyParameters() {
		at := integ.GetSourcePointer() + diag.Pointer("cacheKeyParameters", i)
		source, name, ok := strings.Cut(strings.TrimPrefix(p, "method.request."), ".")
		switch {
		case !strings.HasPrefix(p, "method.request.") || !ok || name == "" || !slices.Contains(cacheKeySources, source):
			c.probs.Addf(file, at, "invalid cache key parameter %q: want method.request.{path|querystring|header|multivaluequerystring|multivalueheader}.NAME", p)
		case !declared(m, source, name):
			c.probs.Addf(file, at, "cache key parameter %q is not a request parameter of the method: declare it (parameters, or x-amazon-apigateway-request-parameters) to key the cache by it", p)
		}
	}
}

// declared tells whether the method declares the request parameter: a multi-value one is the same parameter.
func declared(m *tollgatev1.Method, source, name string) bool {
	source = strings.TrimPrefix(source, "multivalue")
	_, ok := m.GetRequestParameters()["method.request."+source+"."+name]
	return ok
}
