package mapping

import (
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/extproc/lambda/lambdaproxy"
	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/vtl"
)

// contextMap is $context for the request, as the mapping template reference lists it. The override maps start
// empty: templates #set into them.
func (e *exchange) contextMap(rawPath string) *vtl.Map {
	r := e.route
	c := vtl.NewMap()
	domain := ""
	for _, h := range e.request.GetHeaders() {
		if h.GetKey() == ":authority" {
			domain, _, _ = strings.Cut(processor.HeaderValue(h), ":")
		}
	}
	prefix, _, _ := strings.Cut(domain, ".")
	userAgent, _ := e.params.Header.Get("user-agent")
	identity := vtl.NewMap()
	for _, kv := range [][2]string{
		{"sourceIp", e.sourceIP}, {"userAgent", vtl.String(userAgent)},
		{"accountId", e.checks.IAM.AccountID}, {"accessKey", e.checks.IAM.AccessKey}, {"caller", e.checks.IAM.Caller},
		{"user", e.checks.IAM.User}, {"userArn", e.checks.IAM.UserARN},
	} {
		if kv[1] != "" {
			identity.Put(kv[0], kv[1])
		} else {
			identity.Put(kv[0], nil)
		}
	}
	if e.checks.APIKeyID != "" {
		key, _ := e.params.Header.Get("x-api-key")
		identity.Put("apiKey", key)
		identity.Put("apiKeyId", e.checks.APIKeyID)
	}
	for _, kv := range []struct {
		k string
		v any
	}{
		{"accountId", r.AccountID}, {"apiId", r.APIID}, {"domainName", domain}, {"domainPrefix", prefix},
		{"extendedRequestId", gatewayresponse.ExtendedRequestID(e.requestID)}, {"httpMethod", e.method},
		{"identity", identity}, {"path", rawPath}, {"protocol", "HTTP/1.1"}, {"requestId", e.requestID},
		{"requestTime", e.received.UTC().Format("02/Jan/2006:15:04:05 -0700")},
		{"requestTimeEpoch", e.received.UnixMilli()}, {"resourceId", lambdaproxy.ResourceID(r.APIID, r.Resource)},
		{"resourcePath", r.Resource}, {"stage", r.Stage},
	} {
		c.Put(kv.k, kv.v)
	}
	if e.checks.Authorizer != nil {
		az, _ := vtl.FromJSON(e.checks.Authorizer).(*vtl.Map)
		c.Put("authorizer", az)
	}
	requestOverride := vtl.NewMap()
	for _, k := range []string{"header", "querystring", "path"} {
		requestOverride.Put(k, vtl.NewMap())
	}
	responseOverride := vtl.NewMap()
	responseOverride.Put("header", vtl.NewMap())
	c.Put("requestOverride", requestOverride)
	c.Put("responseOverride", responseOverride)
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
