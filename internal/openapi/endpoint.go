package openapi

import (
	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// endpointConfigurationKey is the API's endpoint configuration: at the root of a Swagger 2.0 definition, in a
// server object of an OpenAPI 3.0 one.
const endpointConfigurationKey = "x-amazon-apigateway-endpoint-configuration"

// endpointConfigurationFields are the fields API Gateway documents for it.
var endpointConfigurationFields = map[string]field{
	"disableExecuteApiEndpoint": {},
	"vpcEndpointIds": {feature: "private API endpoints",
		hint: "Tollgate would serve the API to callers that are not behind the VPC endpoints"},
	"ipAddressType": {feature: "the endpoint's IP address type", hint: "Tollgate serves the addresses tollgate.yaml's listeners name",
		refuses: "dualstack", accepts: "ipv4"},
}

// endpointConfiguration reads the endpoint configuration into the API: whether the execute-api endpoint is off.
func (im *importer) endpointConfiguration(def *definition, api *tollgatev1.RestApi) {
	for _, x := range endpointConfigurations(def) {
		if im.object(x) == nil {
			continue
		}
		im.knownFields(x, endpointConfigurationFields, endpointConfigurationKey)
		if off := x.field("disableExecuteApiEndpoint"); off.v != nil && im.boolean(off) {
			api.DisableExecuteApiEndpoint = true
		}
	}
}

// endpointConfigurations are the definition's endpoint configurations where API Gateway reads them.
func endpointConfigurations(def *definition) []value {
	var out []value
	if raw, ok := def.extensions[endpointConfigurationKey]; ok {
		out = append(out, value{raw, diag.Pointer(endpointConfigurationKey)})
	}
	doc, _ := def.document.(map[string]any)
	servers, _ := doc["servers"].([]any)
	for i, s := range servers {
		server, _ := s.(map[string]any)
		if raw, ok := server[endpointConfigurationKey]; ok {
			out = append(out, value{raw, diag.Pointer("servers", i, endpointConfigurationKey)})
		}
	}
	return out
}
