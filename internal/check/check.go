// Package check enforces API Gateway's rules on Tollgate's model alone, before anything is built from it: the
// resource tree, the methods and what their integrations ask for. It is what `tollgate validate` and every reload
// run first; what only a stage or the runtime settings decide (stage variables, Lambda functions, backend URIs
// once expanded) is checked where it is resolved, by ir.Build.
package check

import (
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/pathtemplate"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Gateway checks every API of the gateway and reports every problem, each against its definition file.
func Gateway(gw *tollgatev1.Gateway) error {
	var c checker
	for _, api := range gw.GetApis() {
		c.api(api)
	}
	c.webSocketAPIs(gw)
	c.plans(gw)
	c.canaries(gw)
	c.domainNames(gw)
	return c.probs.Err()
}

type checker struct {
	probs diag.Problems
	// parsed caches path templates by path: a definition deployed as many APIs repeats every path.
	parsed map[string]parsedPath
}

type parsedPath struct {
	tpl pathtemplate.Template
	err error
}

func (c *checker) parse(path string) (pathtemplate.Template, error) {
	if p, ok := c.parsed[path]; ok {
		return p.tpl, p.err
	}
	tpl, err := pathtemplate.Parse(path)
	if c.parsed == nil {
		c.parsed = map[string]parsedPath{}
	}
	c.parsed[path] = parsedPath{tpl, err}
	return tpl, err
}

func (c *checker) api(api *tollgatev1.RestApi) {
	file := api.GetSourceFile()
	var templates []resourceTemplate
	for _, res := range api.GetResources() {
		tpl, err := c.parse(res.GetPath())
		if err != nil {
			c.probs.Addf(file, diag.Pointer("paths", res.GetPath()), "%v", err)
			continue
		}
		templates = append(templates, resourceTemplate{res, tpl})
	}
	c.tree(file, templates)
	if api.GetProtocolType() == tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP {
		c.httpAPI(api)
		return
	}
	if cors := api.GetCors(); cors != nil {
		c.probs.Addf(file, cors.GetSourcePointer(), "x-amazon-apigateway-cors is an HTTP API's CORS configuration: a REST API answers OPTIONS with a MOCK integration, and sets CORS headers on its responses")
	}
	for _, a := range api.GetAuthorizers() {
		c.authorizer(file, a)
	}
	if name := api.GetRequestValidator(); name != "" && api.GetRequestValidators()[name] == nil {
		c.probs.Addf(file, "/x-amazon-apigateway-request-validator", "request validator %q is not one of x-amazon-apigateway-request-validators", name)
	}
	for _, res := range api.GetResources() {
		for _, m := range res.GetMethods() {
			c.method(api, m)
			c.authorizationScopes(api, m)
		}
	}
}

type resourceTemplate struct {
	res *tollgatev1.Resource
	tpl pathtemplate.Template
}

// tree rejects what API Gateway's resource tree cannot hold: two resources that match the same requests
// (/pets/{id} and /pets/{petId}/), and sibling path parameters with different names (/pets/{id} beside
// /pets/{petId}/toys), which AWS refuses because a parameter is one node of the tree.
func (c *checker) tree(file string, resources []resourceTemplate) {
	shapes := map[string]string{}
	params := map[string]string{} // parent shape -> "{name}" or "{name+}" of the parameter child
	for _, rt := range resources {
		at := func() string { return diag.Pointer("paths", rt.res.GetPath()) }
		shape := rt.tpl.Shape()
		if other, dup := shapes[shape]; dup {
			c.probs.Addf(file, at(), "duplicate route: %s matches the same requests as %s", rt.res.GetPath(), other)
			continue
		}
		shapes[shape] = rt.res.GetPath()
		parent := ""
		for _, seg := range rt.tpl.Segments {
			if seg.Kind != pathtemplate.Static {
				name := "{" + seg.Text + "}"
				if seg.Kind == pathtemplate.Greedy {
					name = "{" + seg.Text + "+}"
				}
				if prev, ok := params[parent]; ok && prev != name {
					c.probs.Addf(file, at(), "path parameter %s conflicts with sibling %s under %q: a resource can have only one parameter child", name, prev, parent+"/")
					break
				}
				params[parent] = name
			}
			if seg.Kind == pathtemplate.Static {
				parent += "/" + seg.Text
			} else {
				parent += "/{}"
			}
		}
	}
}

// validation checks that the validators methods name exist, and the models their bodies name.
func (c *checker) validation(api *tollgatev1.RestApi, m *tollgatev1.Method) {
	file := api.GetSourceFile()
	if name := m.GetRequestValidator(); name != "" && api.GetRequestValidators()[name] == nil {
		c.probs.Addf(file, m.GetSourcePointer()+"/x-amazon-apigateway-request-validator", "request validator %q is not one of x-amazon-apigateway-request-validators", name)
	}
	for ct, model := range m.GetRequestModels() {
		if _, ok := api.GetModels()[model]; !ok {
			c.probs.Addf(file, m.GetSourcePointer(), "the request body's model %q (%s) is not one of the API's models", model, ct)
		}
	}
}

func (c *checker) method(api *tollgatev1.RestApi, m *tollgatev1.Method) {
	c.validation(api, m)
	file := api.GetSourceFile()
	integ := m.GetIntegration()
	if integ == nil {
		c.probs.Addf(file, m.GetSourcePointer(), "method has no x-amazon-apigateway-integration")
		return
	}
	at := integ.GetSourcePointer()
	if len(integ.GetResponseMappings()) > 0 {
		c.probs.Addf(file, at+"/responseParameters", "responseParameters by status code are an HTTP API's: a REST API maps a response's headers under responses")
	}
	if m.GetApiKeyRequired() && m.GetAuthorizer() == "" && api.GetApiKeySource() == tollgatev1.ApiKeySource_API_KEY_SOURCE_AUTHORIZER {
		c.probs.Addf(file, m.GetSourcePointer(), "the method requires an API key, which x-amazon-apigateway-api-key-source AUTHORIZER takes from the method's Lambda authorizer, and it has none: API Gateway would refuse every request with 403")
	}
	switch integ.GetType() {
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY:
		c.requestParameters(file, at, integ.GetRequestParameters())
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS_PROXY:
		switch v := integ.GetPayloadFormatVersion(); v {
		case "", "1.0", "2.0":
		default:
			c.probs.Addf(file, at+"/payloadFormatVersion", "payloadFormatVersion %q: want 1.0 or 2.0", v)
		}
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_MOCK:
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP:
		if integ.GetHttpMethod() == "" {
			c.probs.Addf(file, at, "an HTTP integration needs the httpMethod to call its backend with")
		}
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS:
		// Lambda's Invoke API is a POST, which API Gateway requires an integration with Lambda to use.
		if hm := strings.ToUpper(integ.GetHttpMethod()); hm != "POST" {
			c.probs.Addf(file, at+"/httpMethod", "an AWS integration invoking a Lambda function must use httpMethod POST, got %q", integ.GetHttpMethod())
		}
	default:
		c.probs.Addf(file, at+"/type", "integration type %s is not supported yet (supported: HTTP, HTTP_PROXY, AWS, AWS_PROXY, MOCK)", strings.TrimPrefix(integ.GetType().String(), "INTEGRATION_TYPE_"))
		return
	}
	c.connection(file, at, integ)
	c.cacheKey(file, m)
	if ms := integ.GetTimeoutInMillis(); ms != 0 && (ms < 50 || ms > 29000) {
		c.probs.Addf(file, at+"/timeoutInMillis", "timeoutInMillis %d is out of range: API Gateway allows 50 to 29000", ms)
	}
}

// requestParameters checks an HTTP_PROXY integration's mapping targets.
func (c *checker) requestParameters(file, at string, params map[string]string) {
	for target := range params {
		switch {
		case strings.HasPrefix(target, "integration.request.path."), strings.HasPrefix(target, "integration.request.header."),
			strings.HasPrefix(target, "integration.request.querystring."):
		default:
			c.probs.Addf(file, at+diag.Pointer("requestParameters", target), "invalid mapping target %q: want integration.request.{path|querystring|header}.NAME", target)
		}
	}
}

// connection checks a private integration and its TLS settings as API Gateway does: a VPC link names its link by
// connectionId, and both a VPC link and a tlsConfig are for HTTP integrations only.
func (c *checker) connection(file, at string, integ *tollgatev1.Integration) {
	httpIntegration := integ.GetType() == tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY || integ.GetType() == tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP
	switch vpcLink := integ.GetConnectionType() == tollgatev1.ConnectionType_CONNECTION_TYPE_VPC_LINK; {
	case vpcLink && !httpIntegration:
		c.probs.Addf(file, at+"/connectionType", "connectionType VPC_LINK is supported only for HTTP and HTTP_PROXY integrations")
	case vpcLink && integ.GetConnectionId() == "":
		c.probs.Addf(file, at+"/connectionType", "connectionType VPC_LINK needs a connectionId naming the VPC link")
	case !vpcLink && integ.GetConnectionId() != "":
		c.probs.Addf(file, at+"/connectionId", "connectionId names a VPC link, but connectionType is not VPC_LINK")
	}
	if integ.GetTlsConfig() != nil && !httpIntegration {
		c.probs.Addf(file, at+"/tlsConfig", "tlsConfig is supported only for HTTP and HTTP_PROXY integrations")
	}
}
