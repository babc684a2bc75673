package openapi

import (
	"maps"
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// field says what becomes of one field of an integration or integration response. The zero field is read into
// the model, whose every value the translator serves or refuses; a field with a feature is refused, as Tollgate
// would serve the method without it.
type field struct {
	// feature names what the field does, and hint what Tollgate would do without it.
	feature, hint string
	// For a field refused for one value only: the value refused and the value accepted (API Gateway's default,
	// which is what Tollgate does), both in any case.
	refuses, accepts string
}

// integrationFields lists every field of x-amazon-apigateway-integration that API Gateway documents, for REST and
// HTTP APIs alike. Supporting one means reading it into the model and emptying its feature. A $ref to
// x-amazon-apigateway-integrations stands for the whole integration (see importer.sharedIntegration).
var integrationFields = map[string]field{
	"type":                 {},
	"httpMethod":           {},
	"uri":                  {},
	"requestParameters":    {},
	"requestTemplates":     {},
	"responses":            {}, // its fields: integrationResponseFields
	"passthroughBehavior":  {},
	"timeoutInMillis":      {},
	"payloadFormatVersion": {},
	// The stage cache's key: read by the IR for the methods a stage caches.
	"cacheKeyParameters": {},
	"cacheNamespace":     {},
	// Read into the model, where the model check refuses a VPC link and a tlsConfig until they are served.
	"connectionType": {},
	"connectionId":   {},
	"tlsConfig":      {}, // its fields: tlsConfigFields

	"integrationTarget": {feature: "a private integration through a VPC link", hint: "Tollgate would call the uri directly"},
	"credentials": {feature: "an IAM role or the caller's credentials for the integration",
		hint: "Tollgate would call the integration with its own credentials"},
	"contentHandling": {},
	"responseTransferMode": {feature: "response streaming", hint: "Tollgate would send the response as if BUFFERED",
		refuses: "STREAM", accepts: "BUFFERED"},
	"integrationSubtype": {feature: "an HTTP API AWS service integration",
		hint: "Tollgate imports the integrations of REST APIs"},
	"responseParameters": {},
}

// tlsConfigFields lists the fields of an integration's tlsConfig.
var tlsConfigFields = map[string]field{
	"insecureSkipVerification": {},
	"serverNameToVerify":       {},
}

// integrationResponseFields lists the fields of an integration response; its selection pattern is its key.
var integrationResponseFields = map[string]field{
	"statusCode":         {},
	"responseParameters": {},
	"responseTemplates":  {},
	"contentHandling":    {},
}

// integration reads x-amazon-apigateway-integration.
func (im *importer) integration(x value) *tollgatev1.Integration {
	if im.object(x) == nil && x.v != nil {
		return nil
	}
	im.knownFields(x, integrationFields, integrationKey)
	integ := &tollgatev1.Integration{
		SourcePointer:        x.ptr,
		Type:                 im.integrationType(x.field("type")),
		HttpMethod:           strings.ToUpper(im.str(x.field("httpMethod"))),
		Uri:                  im.str(x.field("uri")),
		RequestParameters:    im.stringMap(x.field("requestParameters")),
		RequestTemplates:     im.stringMap(x.field("requestTemplates")),
		Responses:            im.integrationResponses(x.field("responses")),
		ResponseMappings:     im.responseMappings(x.field("responseParameters")),
		PassthroughBehavior:  im.passthroughBehavior(x.field("passthroughBehavior")),
		TimeoutInMillis:      im.integer(x.field("timeoutInMillis")),
		CacheKeyParameters:   im.stringList(x.field("cacheKeyParameters")),
		CacheNamespace:       im.str(x.field("cacheNamespace")),
		PayloadFormatVersion: im.str(x.field("payloadFormatVersion")),
		ConnectionType: tollgatev1.ConnectionType(
			im.enum(x.field("connectionType"), "CONNECTION_TYPE_", tollgatev1.ConnectionType_value)),
		ConnectionId:    im.str(x.field("connectionId")),
		TlsConfig:       im.tlsConfig(x.field("tlsConfig")),
		ContentHandling: im.contentHandling(x.field("contentHandling")),
	}
	im.proxyMappings(x, integ)
	return integ
}

// proxyMappings warns of what a proxy integration has that API Gateway does not apply to it: the request and
// the response pass as they are, templates and integration responses aside (a bare default response, which
// exports carry, says nothing).
func (im *importer) proxyMappings(x value, integ *tollgatev1.Integration) {
	switch integ.GetType() {
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY, tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS_PROXY:
	default:
		return
	}
	if len(integ.GetRequestTemplates()) > 0 {
		im.warnf(x.field("requestTemplates").ptr, "requestTemplates have no effect on a proxy integration: the request passes as it is")
	}
	for _, pattern := range slices.Sorted(maps.Keys(integ.GetResponses())) {
		if r := integ.GetResponses()[pattern]; len(r.GetResponseTemplates()) > 0 || len(r.GetResponseParameters()) > 0 {
			im.warnf(x.field("responses").field(pattern).ptr, "an integration response has no effect on a proxy integration: the response passes as it is")
		}
	}
}

// tlsConfig reads an integration's tlsConfig, nil when it has none.
func (im *importer) tlsConfig(x value) *tollgatev1.TlsConfig {
	if im.object(x) == nil {
		return nil
	}
	im.knownFields(x, tlsConfigFields, "tlsConfig")
	tls := &tollgatev1.TlsConfig{
		InsecureSkipVerification: im.boolean(x.field("insecureSkipVerification")),
		ServerNameToVerify:       im.str(x.field("serverNameToVerify")),
	}
	if tls.InsecureSkipVerification {
		// Why Envoy cannot do as API Gateway does: upstreamTLS in xds/translate.
		im.warnf(x.field("insecureSkipVerification").ptr, "insecureSkipVerification: Envoy accepts the backend's certificate without checking its issuer, its name or its expiry (API Gateway still checks the name and the expiry)")
	}
	return tls
}

// sharedIntegrations reads components' x-amazon-apigateway-integrations, each once however many operations use
// it, so that its problems are reported once and point where it is written. Keyed by the $ref that names it.
func (im *importer) sharedIntegrations(def *definition) map[string]*tollgatev1.Integration {
	out := make(map[string]*tollgatev1.Integration)
	if !def.hasIntegrations {
		return out
	}
	x := value{def.integrations, diag.Pointer("components", integrationsKey)}
	for _, name := range im.members(x) {
		shared := x.field(name)
		if ref := shared.field("$ref"); ref.v != nil {
			im.addf(ref.ptr, "an integration of %s must be written out, not given by $ref", integrationsKey)
			continue
		}
		if integ := im.integration(shared); integ != nil {
			out["#"+shared.ptr] = integ
		}
	}
	return out
}

// operationIntegration reads an operation's x-amazon-apigateway-integration, or the shared one its $ref names,
// as API Gateway documents for HTTP APIs: {$ref: '#/components/x-amazon-apigateway-integrations/NAME'}. The
// model's integration then points at the shared one, where its fields are written.
func (im *importer) operationIntegration(x value, shared map[string]*tollgatev1.Integration) *tollgatev1.Integration {
	obj, _ := x.v.(map[string]any)
	ref, isRef := obj["$ref"]
	if !isRef {
		return im.integration(x)
	}
	for _, name := range slices.Sorted(maps.Keys(obj)) {
		if name != "$ref" {
			im.addf(x.field(name).ptr, "an integration given by $ref has no other fields: %s is read from where the $ref points", name)
		}
	}
	r := x.field("$ref")
	s, isString := ref.(string)
	if !isString {
		im.wrongType(r, "a string")
		return nil
	}
	integ, ok := shared[s]
	if !ok {
		im.addf(r.ptr, "unresolved integration reference %q: only integrations of #/components/%s in this file can be referenced", s, integrationsKey)
		return nil
	}
	return proto.Clone(integ).(*tollgatev1.Integration)
}

// responseMappings reads an HTTP API integration's responseParameters: mappings by status code.
func (im *importer) responseMappings(x value) map[string]*tollgatev1.ResponseMappings {
	if x.v == nil {
		return nil
	}
	out := make(map[string]*tollgatev1.ResponseMappings)
	for _, status := range im.members(x) {
		out[status] = &tollgatev1.ResponseMappings{Parameters: im.stringMap(x.field(status))}
	}
	return out
}

// integrationResponses reads the responses keyed by selection pattern ("default" included).
func (im *importer) integrationResponses(x value) map[string]*tollgatev1.IntegrationResponse {
	out := make(map[string]*tollgatev1.IntegrationResponse)
	for _, pattern := range im.members(x) {
		r := x.field(pattern)
		im.object(r) // reports a response that is not an object, whose fields then read as absent
		im.knownFields(r, integrationResponseFields, "an integration response")
		out[pattern] = &tollgatev1.IntegrationResponse{
			StatusCode:         im.statusCode(r.field("statusCode")),
			ResponseParameters: im.stringMap(r.field("responseParameters")),
			ResponseTemplates:  im.stringMap(r.field("responseTemplates")),
			ContentHandling:    im.contentHandling(r.field("contentHandling")),
		}
	}
	return out
}

// knownFields refuses the fields of x that fields does not list, so that a misspelt field never reads as a
// feature left off, and those it lists as refused. A null field is absent, as everywhere.
func (im *importer) knownFields(x value, fields map[string]field, of string) {
	obj, _ := x.v.(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(obj)) {
		f, known := fields[name]
		v := x.field(name)
		switch {
		case !known:
			im.addf(v.ptr, "unknown field %q of %s", name, of)
		case f.feature == "" || v.v == nil:
		case f.refuses == "":
			im.addf(v.ptr, "%s (%s) is not supported yet: %s", name, f.feature, f.hint)
		default:
			s, isString := v.v.(string)
			switch {
			case !isString:
				im.wrongType(v, "a string")
			case strings.EqualFold(s, f.refuses):
				im.addf(v.ptr, "%s %s (%s) is not supported yet: %s", name, s, f.feature, f.hint)
			case !strings.EqualFold(s, f.accepts):
				im.addf(v.ptr, "unknown value %q: must be one of %s, %s (in any case)", s, f.accepts, f.refuses)
			}
		}
	}
}

func (im *importer) integrationType(x value) tollgatev1.IntegrationType {
	return tollgatev1.IntegrationType(im.enum(x, "INTEGRATION_TYPE_", tollgatev1.IntegrationType_value))
}

func (im *importer) passthroughBehavior(x value) tollgatev1.PassthroughBehavior {
	return tollgatev1.PassthroughBehavior(im.enum(x, "PASSTHROUGH_BEHAVIOR_", tollgatev1.PassthroughBehavior_value))
}

// contentHandling reads a contentHandling value: CONVERT_TO_TEXT or CONVERT_TO_BINARY, in any case.
func (im *importer) contentHandling(x value) string {
	s := strings.ToUpper(im.str(x))
	switch s {
	case "", "CONVERT_TO_TEXT", "CONVERT_TO_BINARY":
		return s
	}
	im.addf(x.ptr, "unknown value %q: must be one of CONVERT_TO_TEXT, CONVERT_TO_BINARY (in any case)", im.str(x))
	return ""
}
