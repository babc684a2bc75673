package openapi

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

const (
	requestValidatorsKey = "x-amazon-apigateway-request-validators"
	requestValidatorKey  = "x-amazon-apigateway-request-validator"
)

// requestValidatorFields lists the fields of one of x-amazon-apigateway-request-validators.
var requestValidatorFields = map[string]field{
	"validateRequestBody":       {},
	"validateRequestParameters": {},
}

// validation reads the API's request validators, its default validator and its models: components/schemas in
// OpenAPI 3.0, definitions in Swagger 2.0, each kept as the JSON Schema text it is.
func (im *importer) validation(def *definition, api *tollgatev1.RestApi) {
	top := value{def.extensions, ""}
	validators := top.field(requestValidatorsKey)
	for _, name := range im.members(validators) {
		v := validators.field(name)
		if im.object(v) == nil {
			continue
		}
		im.knownFields(v, requestValidatorFields, "a request validator")
		if api.RequestValidators == nil {
			api.RequestValidators = map[string]*tollgatev1.RequestValidator{}
		}
		api.RequestValidators[name] = &tollgatev1.RequestValidator{
			ValidateRequestBody:       im.boolean(v.field("validateRequestBody")),
			ValidateRequestParameters: im.boolean(v.field("validateRequestParameters")),
		}
	}
	api.RequestValidator = im.str(top.field(requestValidatorKey))
	doc := value{def.document, ""}
	models := doc.field("definitions")
	if _, isOpenAPI3 := doc.v.(map[string]any)["openapi"]; isOpenAPI3 {
		models = doc.field("components").field("schemas")
	}
	obj, _ := models.v.(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(obj)) {
		schema, err := json.Marshal(obj[name])
		if err != nil {
			im.addf(models.field(name).ptr, "model %s: %v", name, err)
			continue
		}
		if api.Models == nil {
			api.Models = map[string]string{}
		}
		api.Models[name] = string(schema)
	}
}

// methodValidation reads an operation's validator and the models of its request body by content type: an
// OpenAPI 3.0 requestBody's content, or a Swagger 2.0 body parameter with the operation's (else the
// definition's) consumes. A model is named by $ref, as API Gateway exports them; an inline schema becomes a model
// named by its JSON pointer.
func (im *importer) methodValidation(def *definition, api *tollgatev1.RestApi, op *operation, m *tollgatev1.Method) {
	x := pointed(def.document, op.pointer)
	m.RequestValidator = im.str(x.field(requestValidatorKey))
	add := func(contentType string, schema value) {
		ref := schema.field("$ref")
		if schema.v == nil {
			return
		}
		if m.RequestModels == nil {
			m.RequestModels = map[string]string{}
		}
		contentType = strings.ToLower(contentType)
		if s, isRef := ref.v.(string); isRef {
			name, ok := modelName(s)
			if !ok {
				im.addf(ref.ptr, "a request body schema's $ref must name one of the API's models (#/components/schemas/NAME or #/definitions/NAME)")
				return
			}
			m.RequestModels[contentType] = name
			return
		}
		// An inline schema is a model of its own, as API Gateway's import makes one, named by where it is written.
		text, err := json.Marshal(schema.v)
		if err != nil {
			im.addf(schema.ptr, "request body schema: %v", err)
			return
		}
		if api.Models == nil {
			api.Models = map[string]string{}
		}
		api.Models[schema.ptr] = string(text)
		m.RequestModels[contentType] = schema.ptr
	}
	content := x.field("requestBody").field("content")
	if ref := x.field("requestBody").field("$ref"); ref.v != nil {
		im.addf(ref.ptr, "a requestBody given by $ref is not supported yet: write it out in the operation")
	}
	for _, ct := range im.members(content) {
		add(ct, content.field(ct).field("schema"))
	}
	for _, p := range im.list(x.field("parameters")) {
		if s, _ := p.field("in").v.(string); s != "body" {
			continue
		}
		consumes := im.stringList(x.field("consumes"))
		if len(consumes) == 0 {
			consumes = im.stringList(value{def.document, ""}.field("consumes"))
		}
		if len(consumes) == 0 {
			consumes = []string{"application/json"}
		}
		for _, ct := range consumes {
			add(ct, p.field("schema"))
		}
	}
}

// modelName is the model a $ref names.
func modelName(ref string) (string, bool) {
	for _, prefix := range []string{"#/components/schemas/", "#/definitions/"} {
		if name, ok := strings.CutPrefix(ref, prefix); ok && name != "" && !strings.Contains(name, "/") {
			return strings.NewReplacer("~1", "/", "~0", "~").Replace(name), true
		}
	}
	return "", false
}

// pointed is the value a JSON pointer names in the plain document.
func pointed(doc any, ptr string) value {
	x := value{doc, ""}
	if ptr == "" {
		return x
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		x = x.field(strings.NewReplacer("~1", "/", "~0", "~").Replace(tok))
	}
	return x
}

// dropUnvalidatedModels leaves the models out of an API none of whose validators validates bodies: there they
// change nothing (API Gateway keeps them for its SDKs and documentation).
func dropUnvalidatedModels(api *tollgatev1.RestApi) {
	for _, v := range api.GetRequestValidators() {
		if v.GetValidateRequestBody() {
			return
		}
	}
	api.Models = nil
	for _, res := range api.GetResources() {
		for _, m := range res.GetMethods() {
			m.RequestModels = nil
		}
	}
}
