package openapi

import (
	"encoding/json"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

const (
	integrationKey      = "x-amazon-apigateway-integration"
	integrationsKey     = "x-amazon-apigateway-integrations"
	binaryMediaTypesKey = "x-amazon-apigateway-binary-media-types"
	apiKeySourceKey     = "x-amazon-apigateway-api-key-source"
	// minimumCompressionSizeKey is the size from which responses are compressed.
	minimumCompressionSizeKey = "x-amazon-apigateway-minimum-compression-size"
	resourcePolicyKey         = "x-amazon-apigateway-policy"
)

// resourcePolicy reads the API's resource policy as JSON: a policy document written as an object, or as the JSON
// text CloudFormation's Policy property and some exports give. The IR checks it as a policy, where the API's ARN
// is known.
func (im *importer) resourcePolicy(x value) string {
	switch v := x.v.(type) {
	case nil:
		return ""
	case string:
		return v
	case map[string]any:
		b, err := json.Marshal(v)
		if err != nil {
			im.addf(x.ptr, "%v", err)
		}
		return string(b)
	}
	im.wrongType(x, "a policy document (an object, or its JSON text)")
	return ""
}

// parameterSources maps an OpenAPI parameter location to API Gateway's name for it; other locations (cookie,
// body, formData) have no method request parameter.
var parameterSources = map[string]string{
	"path":   "method.request.path.",
	"query":  "method.request.querystring.",
	"header": "method.request.header.",
}

// MaxMinimumCompressionSize is the largest minimum compression size API Gateway takes: 10 MB.
const MaxMinimumCompressionSize = 10485760

func (im *importer) restAPI(def *definition) *tollgatev1.RestApi {
	top := value{def.extensions, ""}
	api := &tollgatev1.RestApi{
		Name:             def.title,
		SourceFile:       im.file,
		BinaryMediaTypes: im.stringList(top.field(binaryMediaTypesKey)),
		Authorizers:      def.authorizers,
		ResourcePolicy:   im.resourcePolicy(top.field(resourcePolicyKey)),
		ApiKeySource: tollgatev1.ApiKeySource(
			im.enum(top.field(apiKeySourceKey), "API_KEY_SOURCE_", tollgatev1.ApiKeySource_value)),
	}
	if size := top.field(minimumCompressionSizeKey); size.v != nil {
		n := im.integer(size)
		if n < 0 || n > MaxMinimumCompressionSize {
			im.addf(size.ptr, "minimum compression size %d: want 0 to %d bytes", n, MaxMinimumCompressionSize)
		}
		api.MinimumCompressionSize = &n
	}
	im.endpointConfiguration(def, api)
	im.validation(def, api)
	api.GatewayResponses = im.gatewayResponses(top)
	api.Cors = im.cors(top.field(corsKey))
	shared := im.sharedIntegrations(def)
	for _, item := range def.paths {
		api.Resources = append(api.Resources, im.resource(def, api, item, shared))
	}
	dropUnvalidatedModels(api)
	return api
}

func (im *importer) resource(def *definition, api *tollgatev1.RestApi, item pathItem, shared map[string]*tollgatev1.Integration) *tollgatev1.Resource {
	res := &tollgatev1.Resource{Path: item.path}
	for _, method := range methodOrder {
		if op := item.operations[method]; op != nil {
			res.Methods = append(res.Methods, im.method(def, api, method, op, shared))
		}
	}
	return res
}

func (im *importer) method(def *definition, api *tollgatev1.RestApi, httpMethod string, op *operation, shared map[string]*tollgatev1.Integration) *tollgatev1.Method {
	m := &tollgatev1.Method{
		HttpMethod:        httpMethod,
		OperationId:       op.id,
		SourcePointer:     op.pointer,
		RequestParameters: requestParameters(op.params),
	}
	im.methodSecurity(def, op, m)
	im.methodValidation(def, api, op, m)
	if raw, ok := op.extensions[integrationKey]; ok {
		m.Integration = im.operationIntegration(value{raw, op.pointer + diag.Pointer(integrationKey)}, shared)
	}
	return m
}

// requestParameters lets a later parameter override an earlier one of the same name and location, as an
// operation's parameters override its path item's.
func requestParameters(params []parameter) map[string]bool {
	out := make(map[string]bool)
	for _, p := range params {
		if source, ok := parameterSources[p.in]; ok {
			out[source+p.name] = p.required
		}
	}
	return out
}

// methodSecurity reads what an operation's security requirements ask (the top-level ones when it sets none): an
// API key, and the one authorizer API Gateway allows a method, with the scopes it requires.
func (im *importer) methodSecurity(def *definition, op *operation, m *tollgatev1.Method) {
	reqs, ptr := def.security, "/security"
	if op.setsSecurity {
		reqs, ptr = op.security, op.pointer+"/security"
	}
	for _, r := range reqs {
		use := def.schemes[r.name]
		m.ApiKeyRequired = m.ApiKeyRequired || use.apiKey
		switch {
		case use.authorizer == "":
		case m.Authorizer == "" || m.Authorizer == use.authorizer:
			m.Authorizer = use.authorizer
			m.AuthorizationScopes = append(m.AuthorizationScopes, r.scopes...)
		default:
			im.addf(ptr, "the method names two authorizers, %q and %q: API Gateway allows a method one", m.Authorizer, use.authorizer)
		}
	}
}
