package openapi

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

const (
	anyMethodKey = "x-amazon-apigateway-any-method"
	anyMethod    = "ANY"
	pathItemRef  = "a path item $ref is not supported: write the path item out in this file"
)

// definition is what API Gateway reads from a Swagger 2.0 or OpenAPI 3.0 document, in one shape so that one walk
// builds the model from either.
type definition struct {
	title      string
	extensions map[string]any
	// paths are sorted, as the decoded document no longer knows the order they were written in.
	paths []pathItem
	// security names the schemes of the top-level security requirements, which apply to operations that set none.
	security []requirement
	// schemes tells what each security scheme defined asks of the methods that name it.
	schemes map[string]schemeUse
	// authorizers are the Lambda authorizers the schemes define, in name order.
	authorizers []*tollgatev1.Authorizer
	// namedParams resolves parameter $refs the kin-openapi loader does not: all of Swagger 2.0's, and those in
	// x-amazon-apigateway-any-method. Keyed by the $ref as written, e.g. "#/components/parameters/petId".
	namedParams map[string]parameter
	// integrations is components' x-amazon-apigateway-integrations as kin-openapi decoded it (OpenAPI 3.0 only),
	// and whether there is one.
	integrations    any
	hasIntegrations bool
	// document is the whole definition as plain values, and places says what the importer reads each object of
	// it as, by JSON pointer: together they let checkExtensions rule on every extension where it stands.
	document any
	places   map[string]node
}

func newDefinition(extensions map[string]any) *definition {
	return &definition{
		extensions:  extensions,
		schemes:     make(map[string]schemeUse),
		namedParams: make(map[string]parameter),
		places:      map[string]node{"": atRoot},
	}
}

type pathItem struct {
	path string // as written
	// HTTP method (upper case, or ANY) -> operation
	operations map[string]*operation
}

type operation struct {
	pointer string
	id      string
	// params holds the path item's parameters followed by the operation's own, so that the operation's win.
	params []parameter
	// security names the schemes of the operation's security requirements; it is used only when setsSecurity,
	// as an operation without `security` inherits the top-level one while `security: []` turns it off.
	security     []requirement
	setsSecurity bool
	extensions   map[string]any
}

type parameter struct {
	in, name string
	required bool
}

// operationMethods lists the operations of a path item in the order the model lists them, so that the same
// definition always gives the same model and the same problems. TRACE (OpenAPI 3.0 only) is kept although API
// Gateway has no such method, so that the validator can point at it rather than the import dropping it unseen.
var operationMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
	http.MethodOptions, http.MethodTrace,
}

// methodOrder puts ANY last: it stands for every method not listed before it.
var methodOrder = append(slices.Clone(operationMethods), anyMethod)

func (im *importer) fromOpenAPI3(doc *openapi3.T) *definition {
	def := newDefinition(doc.Extensions)
	if doc.Info != nil {
		def.title = doc.Info.Title
	}
	if c := doc.Components; c != nil {
		def.places[diag.Pointer("components")] = atComponents
		def.integrations, def.hasIntegrations = c.Extensions[integrationsKey]
		for _, name := range slices.Sorted(maps.Keys(c.SecuritySchemes)) {
			if ref := c.SecuritySchemes[name]; ref != nil && ref.Value != nil {
				s := ref.Value
				def.schemes[name] = im.securityScheme(def, name, diag.Pointer("components", "securitySchemes", name),
					scheme{typ: s.Type, in: s.In, name: s.Name, httpScheme: s.Scheme, extensions: s.Extensions})
			}
		}
		for name, ref := range c.Parameters {
			if ref != nil && ref.Value != nil {
				def.namedParams["#"+diag.Pointer("components", "parameters", name)] = openAPI3Parameter(ref.Value)
			}
		}
	}
	def.security = requirements(im, def, doc.Security, diag.Pointer("security"))
	for i := range doc.Tags {
		def.places[diag.Pointer("tags", i)] = atTag
	}
	for i := range doc.Servers {
		def.places[diag.Pointer("servers", i)] = atServer
	}
	items := doc.Paths.Map()
	for _, path := range slices.Sorted(maps.Keys(items)) {
		def.paths = append(def.paths, pathItem{path, im.openAPI3Operations(def, path, items[path])})
	}
	return def
}

func (im *importer) openAPI3Operations(def *definition, path string, item *openapi3.PathItem) map[string]*operation {
	ops := make(map[string]*operation)
	if item == nil {
		return ops
	}
	ptr := diag.Pointer("paths", path)
	if item.Ref != "" {
		// The loader merges the path item in from where the $ref points, but the extensions check reads the
		// document as written, where that is no path item.
		im.addf(ptr+diag.Pointer("$ref"), pathItemRef)
		return ops
	}
	def.places[ptr] = atPathItem
	shared := openAPI3Parameters(item.Parameters)
	for _, method := range operationMethods {
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		o := &operation{
			pointer:    ptr + diag.Pointer(strings.ToLower(method)),
			id:         op.OperationID,
			params:     slices.Concat(shared, openAPI3Parameters(op.Parameters)),
			extensions: op.Extensions,
		}
		if op.Security != nil {
			o.security, o.setsSecurity = requirements(im, def, *op.Security, o.pointer+diag.Pointer("security")), true
		}
		def.places[o.pointer] = atOperation
		ops[method] = o
	}
	im.addAnyMethod(def, ops, item.Extensions, ptr, shared)
	return ops
}

// openAPI3Parameters reads parameters the loader has already resolved.
func openAPI3Parameters(refs openapi3.Parameters) []parameter {
	var params []parameter
	for _, ref := range refs {
		if ref != nil && ref.Value != nil {
			params = append(params, openAPI3Parameter(ref.Value))
		}
	}
	return params
}

func openAPI3Parameter(p *openapi3.Parameter) parameter {
	return parameter{in: p.In, name: p.Name, required: p.Required}
}

func (im *importer) fromSwagger2(doc *openapi2.T) *definition {
	def := newDefinition(doc.Extensions)
	def.title = doc.Info.Title
	for _, name := range slices.Sorted(maps.Keys(doc.SecurityDefinitions)) {
		if s := doc.SecurityDefinitions[name]; s != nil {
			def.schemes[name] = im.securityScheme(def, name, diag.Pointer("securityDefinitions", name),
				scheme{typ: s.Type, in: s.In, name: s.Name, extensions: s.Extensions})
		}
	}
	def.security = requirements(im, def, doc.Security, diag.Pointer("security"))
	for i := range doc.Tags {
		def.places[diag.Pointer("tags", i)] = atTag
	}
	for name, p := range doc.Parameters {
		if p != nil && p.Ref == "" {
			def.namedParams["#"+diag.Pointer("parameters", name)] = parameter{in: p.In, name: p.Name, required: p.Required}
		}
	}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths)) {
		// Swagger 2.0 allows extensions among the paths; kin-openapi decodes them as path items.
		if !strings.HasPrefix(path, "x-") {
			def.paths = append(def.paths, pathItem{path, im.swagger2Operations(def, path, doc.Paths[path])})
		}
	}
	return def
}

func (im *importer) swagger2Operations(def *definition, path string, item *openapi2.PathItem) map[string]*operation {
	ops := make(map[string]*operation)
	if item == nil {
		return ops
	}
	ptr := diag.Pointer("paths", path)
	if item.Ref != "" {
		im.addf(ptr+diag.Pointer("$ref"), pathItemRef)
		return ops
	}
	def.places[ptr] = atPathItem
	shared := im.swagger2Parameters(def, item.Parameters, ptr+diag.Pointer("parameters"))
	for _, method := range operationMethods {
		op := item.GetOperation(method)
		if op == nil {
			continue
		}
		opPtr := ptr + diag.Pointer(strings.ToLower(method))
		o := &operation{
			pointer:    opPtr,
			id:         op.OperationID,
			params:     slices.Concat(shared, im.swagger2Parameters(def, op.Parameters, opPtr+diag.Pointer("parameters"))),
			extensions: op.Extensions,
		}
		if op.Security != nil {
			o.security, o.setsSecurity = requirements(im, def, *op.Security, opPtr+diag.Pointer("security")), true
		}
		def.places[opPtr] = atOperation
		ops[method] = o
	}
	im.addAnyMethod(def, ops, item.Extensions, ptr, shared)
	return ops
}

func (im *importer) swagger2Parameters(def *definition, params openapi2.Parameters, ptr string) []parameter {
	var out []parameter
	for i, p := range params {
		switch {
		case p == nil:
		case p.Ref != "":
			if resolved, ok := im.namedParameter(def, p.Ref, ptr+diag.Pointer(i, "$ref")); ok {
				out = append(out, resolved)
			}
		default:
			out = append(out, parameter{in: p.In, name: p.Name, required: p.Required})
		}
	}
	return out
}

func (im *importer) namedParameter(def *definition, ref, ptr string) (parameter, bool) {
	p, ok := def.namedParams[ref]
	if !ok {
		im.addf(ptr, "unresolved parameter reference %q: only parameters defined in this file can be referenced", ref)
	}
	return p, ok
}

// addAnyMethod reads x-amazon-apigateway-any-method, an operation object that kin-openapi leaves undecoded since
// it is an extension.
func (im *importer) addAnyMethod(def *definition, ops map[string]*operation, extensions map[string]any, pathPtr string, shared []parameter) {
	raw, ok := extensions[anyMethodKey]
	if !ok {
		return
	}
	x := value{raw, pathPtr + diag.Pointer(anyMethodKey)}
	op := &operation{pointer: x.ptr, extensions: im.object(x)}
	op.id = im.str(x.field("operationId"))
	op.params = slices.Concat(shared, im.rawParameters(def, x.field("parameters")))
	if sec := x.field("security"); sec.v != nil {
		op.security, op.setsSecurity = im.rawSecurity(def, sec), true
	}
	def.places[op.pointer] = atOperation
	ops[anyMethod] = op
}

func (im *importer) rawParameters(def *definition, x value) []parameter {
	var params []parameter
	for _, elem := range im.list(x) {
		if im.object(elem) == nil {
			continue
		}
		if ref := elem.field("$ref"); ref.v != nil {
			if s, isString := ref.v.(string); !isString {
				im.wrongType(ref, "a string")
			} else if p, ok := im.namedParameter(def, s, ref.ptr); ok {
				params = append(params, p)
			}
			continue
		}
		params = append(params, parameter{
			in:       im.str(elem.field("in")),
			name:     im.str(elem.field("name")),
			required: im.boolean(elem.field("required")),
		})
	}
	return params
}
