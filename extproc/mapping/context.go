package mapping

import (
	"fmt"
	"strings"

	"github.com/tollgate-gw/tollgate/extproc/lambda/lambdaproxy"
	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/vtl"
)

// requestContext is $context for one request, as the mapping template reference lists it. Its values are made
// when a template first reads them: most templates read two or three of them. The override maps start empty,
// and templates #set into them; the request's and the response's templates share them.
type requestContext struct {
	e                                 *exchange
	rawPath                           string
	identity, authorizer              *vtl.Map
	requestOverride, responseOverride *vtl.Map
}

func newRequestContext(e *exchange, rawPath string) *requestContext {
	c := &requestContext{e: e, rawPath: rawPath}
	c.requestOverride = vtl.MapOf([]string{"header", "querystring", "path"}, []any{vtl.NewMap(), vtl.NewMap(), vtl.NewMap()})
	c.responseOverride = vtl.MapOf([]string{"header"}, []any{vtl.NewMap()})
	return c
}

// Property is $context.name.
func (c *requestContext) Property(name string) any {
	e, r := c.e, c.e.route
	switch name {
	case "accountId":
		return r.AccountID
	case "apiId":
		return r.APIID
	case "domainName":
		return c.domain()
	case "domainPrefix":
		prefix, _, _ := strings.Cut(c.domain(), ".")
		return prefix
	case "extendedRequestId":
		return gatewayresponse.ExtendedRequestID(e.requestID)
	case "httpMethod":
		return e.method
	case "identity":
		return c.identityMap()
	case "path":
		return c.rawPath
	case "protocol":
		return "HTTP/1.1"
	case "requestId":
		return e.requestID
	case "requestTime":
		return e.received.UTC().Format("02/Jan/2006:15:04:05 -0700")
	case "requestTimeEpoch":
		return e.received.UnixMilli()
	case "resourceId":
		return lambdaproxy.ResourceID(r.APIID, r.Resource)
	case "resourcePath":
		return r.Resource
	case "stage":
		return r.Stage
	case "isCanaryRequest": // present only on a stage with a canary release, as AWS's
		if r.Canary == nil {
			return nil
		}
		return r.Canary.Release
	case "authorizer":
		if c.authorizer == nil && e.checks.Authorizer != nil {
			c.authorizer, _ = vtl.FromJSON(e.checks.Authorizer).(*vtl.Map)
		}
		if c.authorizer == nil {
			return nil
		}
		return c.authorizer
	case "requestOverride":
		return c.requestOverride
	case "responseOverride":
		return c.responseOverride
	}
	return nil
}

// Call: $context has no methods.
func (c *requestContext) Call(name string, args []any) (any, error) {
	return nil, fmt.Errorf("$context has no method %s", name)
}

func (c *requestContext) domain() string {
	if c.e.domainName != "" {
		return c.e.domainName
	}
	for _, h := range c.e.request.GetHeaders() {
		if h.GetKey() == ":authority" {
			domain, _, _ := strings.Cut(processor.HeaderValue(h), ":")
			return domain
		}
	}
	return ""
}

// identityMap is $context.identity: the caller as the checks before found it.
func (c *requestContext) identityMap() *vtl.Map {
	if c.identity != nil {
		return c.identity
	}
	e := c.e
	userAgent, _ := e.params.Header.Get("user-agent")
	keys := []string{"sourceIp", "userAgent", "accountId", "accessKey", "caller", "user", "userArn"}
	vals := []any{e.sourceIP, vtl.String(userAgent), e.checks.IAM.AccountID, e.checks.IAM.AccessKey, e.checks.IAM.Caller,
		e.checks.IAM.User, e.checks.IAM.UserARN}
	for i, v := range vals {
		if v == "" {
			vals[i] = nil // unknown, as AWS leaves it null
		}
	}
	if e.checks.APIKeyID != "" {
		key, _ := e.params.Header.Get("x-api-key")
		keys, vals = append(keys, "apiKey", "apiKeyId"), append(vals, key, e.checks.APIKeyID)
	}
	if cert := processor.ClientCert(e.request); cert != nil {
		keys, vals = append(keys, "clientCert"), append(vals, vtl.FromJSON(cert.Map()))
	}
	c.identity = vtl.MapOf(keys, vals)
	return c.identity
}

// override is one of the maps of $context.requestOverride or responseOverride.
func override(m *vtl.Map, kind string) *vtl.Map {
	v, _ := m.Get(kind)
	return v.(*vtl.Map)
}
