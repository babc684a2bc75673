package openapi

import tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"

const gatewayResponsesKey = "x-amazon-apigateway-gateway-responses"

// gatewayResponseFields lists the fields of a gateway response; its type is its key.
var gatewayResponseFields = map[string]field{
	"statusCode":         {},
	"responseParameters": {},
	"responseTemplates":  {},
}

// gatewayResponses reads x-amazon-apigateway-gateway-responses, each by its type (which the IR checks is one API
// Gateway documents).
func (im *importer) gatewayResponses(top value) map[string]*tollgatev1.GatewayResponse {
	x := top.field(gatewayResponsesKey)
	var out map[string]*tollgatev1.GatewayResponse
	for _, name := range im.members(x) {
		r := x.field(name)
		if im.object(r) == nil {
			continue
		}
		im.knownFields(r, gatewayResponseFields, "a gateway response")
		if out == nil {
			out = map[string]*tollgatev1.GatewayResponse{}
		}
		out[name] = &tollgatev1.GatewayResponse{
			StatusCode:         im.statusCode(r.field("statusCode")),
			ResponseParameters: im.stringMap(r.field("responseParameters")),
			ResponseTemplates:  im.stringMap(r.field("responseTemplates")),
			SourcePointer:      r.ptr,
		}
	}
	return out
}
