package openapi

import (
	"strings"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// integration reads x-amazon-apigateway-integration. Every field is kept whether Tollgate serves it yet or not;
// fields it does not know are ignored, as API Gateway ignores them.
func (im *importer) integration(x value) *tollgatev1.Integration {
	if im.object(x) == nil && x.v != nil {
		return nil
	}
	return &tollgatev1.Integration{
		SourcePointer:        x.ptr,
		Type:                 im.integrationType(x.field("type")),
		HttpMethod:           strings.ToUpper(im.str(x.field("httpMethod"))),
		Uri:                  im.str(x.field("uri")),
		RequestParameters:    im.stringMap(x.field("requestParameters")),
		RequestTemplates:     im.stringMap(x.field("requestTemplates")),
		Responses:            im.integrationResponses(x.field("responses")),
		PassthroughBehavior:  im.passthroughBehavior(x.field("passthroughBehavior")),
		TimeoutInMillis:      im.integer(x.field("timeoutInMillis")),
		ContentHandling:      im.contentHandling(x.field("contentHandling")),
		CacheKeyParameters:   im.stringList(x.field("cacheKeyParameters")),
		CacheNamespace:       im.str(x.field("cacheNamespace")),
		ConnectionType:       im.connectionType(x.field("connectionType")),
		ConnectionId:         im.str(x.field("connectionId")),
		Credentials:          im.str(x.field("credentials")),
		PayloadFormatVersion: im.str(x.field("payloadFormatVersion")),
	}
}

// integrationResponses reads the responses keyed by selection pattern ("default" included).
func (im *importer) integrationResponses(x value) map[string]*tollgatev1.IntegrationResponse {
	out := make(map[string]*tollgatev1.IntegrationResponse)
	for _, pattern := range im.members(x) {
		r := x.field(pattern)
		im.object(r) // reports a response that is not an object, whose fields then read as absent
		out[pattern] = &tollgatev1.IntegrationResponse{
			StatusCode:         im.statusCode(r.field("statusCode")),
			ResponseParameters: im.stringMap(r.field("responseParameters")),
			ResponseTemplates:  im.stringMap(r.field("responseTemplates")),
			ContentHandling:    im.contentHandling(r.field("contentHandling")),
		}
	}
	return out
}

func (im *importer) integrationType(x value) tollgatev1.IntegrationType {
	return tollgatev1.IntegrationType(im.enum(x, "INTEGRATION_TYPE_", tollgatev1.IntegrationType_value))
}

func (im *importer) passthroughBehavior(x value) tollgatev1.PassthroughBehavior {
	return tollgatev1.PassthroughBehavior(im.enum(x, "PASSTHROUGH_BEHAVIOR_", tollgatev1.PassthroughBehavior_value))
}

func (im *importer) connectionType(x value) tollgatev1.ConnectionType {
	return tollgatev1.ConnectionType(im.enum(x, "CONNECTION_TYPE_", tollgatev1.ConnectionType_value))
}

func (im *importer) contentHandling(x value) tollgatev1.ContentHandling {
	return tollgatev1.ContentHandling(im.enum(x, "CONTENT_HANDLING_", tollgatev1.ContentHandling_value))
}
