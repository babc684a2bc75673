package openapi

import (
	"maps"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

const (
	authorizerKey = "x-amazon-apigateway-authorizer"
	authTypeKey   = "x-amazon-apigateway-authtype"
)

// awsPrefix marks the keys the extensions table rules on. It is shorter than x-amazon-apigateway- so that a
// misspelt prefix (x-amazon-api-gateway-policy) is refused as unknown too, instead of reading as no policy.
const awsPrefix = "x-amazon-"

// node is what an object of the document is to the importer, which decides where an extension may appear. Only
// objects the importer reads are anything but elsewhere, so that an extension is never accepted in a place whose
// contents go unread, such as a trace operation in Swagger 2.0, which has none and whose decoder drops it.
type node int

const (
	elsewhere node = iota
	atRoot
	atPathItem
	atOperation // the any-method object included
	atComponents
	atSecurityScheme
	atTag
	atServer
)

// whereNode says where a node is, for the problem that finds an extension elsewhere.
var whereNode = map[node]string{
	atRoot:           "at the document root",
	atPathItem:       "in a path item",
	atOperation:      "in an operation",
	atComponents:     "in components",
	atSecurityScheme: "in a security scheme",
	atTag:            "in a tag",
	atServer:         "in a server object",
}

// treatment is what the importer does with an extension found where it belongs.
type treatment int

const (
	// imported: read into the model, whose every value the translator serves or refuses.
	imported treatment = iota
	// unsupported: refused, as Tollgate would serve the API without what the extension asks for.
	unsupported
	// ignored: accepted with a warning, as the extension changes nothing a caller may do or receive.
	ignored
	// withScheme: read by the security scheme check, which refuses every scheme but the API key.
	withScheme
)

type extension struct {
	// in lists where API Gateway reads the extension.
	in        []node
	treatment treatment
	// feature names what the extension does, and hint what Tollgate would do without it, for the problem or the
	// warning.
	feature, hint string
}

// extensions lists every extension API Gateway documents; the objects it documents inside them (an integration's
// responses, a gateway response, a request validator) are part of their values. Supporting an extension means
// turning its row to imported and reading it into the model.
var extensions = map[string]extension{
	anyMethodKey:        {in: []node{atPathItem}},
	integrationKey:      {in: []node{atOperation}},  // its fields: integrationFields
	integrationsKey:     {in: []node{atComponents}}, // each an integration, given by $ref
	binaryMediaTypesKey: {in: []node{atRoot}},
	apiKeySourceKey:     {in: []node{atRoot}},

	authorizerKey: {in: []node{atSecurityScheme}, treatment: withScheme},
	authTypeKey:   {in: []node{atSecurityScheme}, treatment: withScheme},

	"x-amazon-apigateway-auth": {in: []node{atOperation}, treatment: unsupported,
		feature: "HTTP API authorization", hint: "Tollgate would serve the method without checking the caller"},
	corsKey: {in: []node{atRoot}}, // its fields: corsFields
	"x-amazon-apigateway-endpoint-access-mode": {in: []node{atRoot}, treatment: unsupported,
		feature: "endpoint access mode", hint: "Tollgate would serve requests that the mode refuses"},
	// API Gateway reads it at the root of a Swagger 2.0 definition and in the servers of an OpenAPI 3.0 one.
	endpointConfigurationKey:  {in: []node{atRoot, atServer}}, // its fields: endpointConfigurationFields
	gatewayResponsesKey:       {in: []node{atRoot}},           // each response's fields: gatewayResponseFields
	minimumCompressionSizeKey: {in: []node{atRoot}},
	resourcePolicyKey:         {in: []node{atRoot}},
	requestValidatorKey:       {in: []node{atRoot, atOperation}},
	requestValidatorsKey:      {in: []node{atRoot}}, // each validator's fields: requestValidatorFields
	"x-amazon-apigateway-security-policy": {in: []node{atRoot}, treatment: unsupported,
		feature: "TLS security policy", hint: "Tollgate would accept connections that the policy refuses"},

	"x-amazon-apigateway-documentation": {in: []node{atRoot}, treatment: ignored, feature: "documentation parts"},
	"x-amazon-apigateway-importexport-version": {in: []node{atRoot}, treatment: ignored,
		feature: "HTTP API import and export version"},
	"x-amazon-apigateway-tag-value": {in: []node{atTag}, treatment: ignored, feature: "tag value"},
}

// checkExtensions rules on every x-amazon- key of the document as the extensions table says, wherever the key
// is: kin-openapi keeps extensions of every object, and one the importer did not look at would be ignored in
// silence. Keys inside other values (an example, a schema's properties) are looked at too: a false alarm there
// costs a rename, a missed extension an open API.
func (im *importer) checkExtensions(def *definition, x value) {
	switch v := x.v.(type) {
	case []any:
		for i, elem := range v {
			im.checkExtensions(def, value{elem, x.ptr + diag.Pointer(i)})
		}
	case map[string]any:
		at := def.places[x.ptr]
		for _, key := range slices.Sorted(maps.Keys(v)) {
			if strings.HasPrefix(strings.ToLower(key), awsPrefix) {
				im.extension(def, x.field(key), key, at)
			} else {
				im.checkExtensions(def, x.field(key))
			}
		}
	}
}

func (im *importer) extension(def *definition, x value, name string, at node) {
	ext, known := extensions[name]
	switch {
	case !known:
		im.addf(x.ptr, "unknown extension %q: Tollgate refuses the extensions it does not know (check the spelling)", name)
	case !slices.Contains(ext.in, at):
		places := make([]string, len(ext.in))
		for i, n := range ext.in {
			places[i] = whereNode[n]
		}
		im.addf(x.ptr, "%s does not belong here: API Gateway reads it %s", name, strings.Join(places, " or "))
	case ext.treatment == unsupported:
		im.addf(x.ptr, "%s (%s) is not supported yet: %s", name, ext.feature, ext.hint)
	case ext.treatment == ignored:
		im.warnf(x.ptr, "%s (%s) is ignored: it changes nothing a caller may do or receive", name, ext.feature)
	case ext.treatment == imported && def.places[x.ptr] != elsewhere:
		// An imported extension that the importer reads as an object of the document: the any-method operation,
		// whose own extensions are ruled on in turn.
		im.checkExtensions(def, x)
	}
}
