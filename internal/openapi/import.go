// Package openapi imports API definitions written for Amazon API Gateway (Swagger 2.0 or OpenAPI 3.0.x, in YAML
// or JSON, with the x-amazon-apigateway-* extensions) into Tollgate's model.
//
// It reports what cannot be read and where; whether what was read makes a working API is for the validator to
// decide, on the model, so that both import formats share one set of rules.
package openapi

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Import parses one definition file's bytes. file is the name used in problems (as the user wrote it).
// On any problem it returns (nil, nil, diag.Problems) listing all problems found. Otherwise it returns the model
// and the warnings: what the definition holds that Tollgate accepts without importing, as it changes nothing a
// caller may do or receive.
//
// Every x-amazon-apigateway-* extension, and every field of an integration, is either imported or refused (see
// extensions and integrationFields): Tollgate enforces a feature or refuses the definition.
//
// The result has Name, SourceFile, Resources, BinaryMediaTypes and ApiKeySource set; Id and Stages are left for
// the configuration to fill. basePath and servers are ignored, as API Gateway's import ignores them by default.
func Import(file string, data []byte) (*tollgatev1.RestApi, diag.Problems, error) {
	im := &importer{file: file}
	def := im.definition(data)
	if def == nil {
		return nil, nil, im.problems
	}
	im.checkExtensions(def, value{def.document, ""})
	api := im.restAPI(def)
	if len(im.problems) != 0 {
		return nil, nil, im.problems
	}
	return api, im.warnings, nil
}

type format int

const (
	unknownFormat format = iota
	swagger2
	openAPI3
)

// versionField describes one of the two fields that say which format a definition is in.
type versionField struct {
	key         string
	example     string
	accepts     func(string) bool
	unsupported string // the reason when the version is a string but not accepted, given that string
}

var (
	swaggerVersion = versionField{
		key:         "swagger",
		example:     "2.0",
		accepts:     func(v string) bool { return v == "2.0" },
		unsupported: `unsupported Swagger version %q: Tollgate imports Swagger "2.0" and OpenAPI 3.0.x`,
	}
	openAPIVersion = versionField{
		key:     "openapi",
		example: "3.0.1",
		// "3.0" is accepted too: nothing Tollgate reads differs between 3.0 patch releases.
		accepts:     regexp.MustCompile(`^3\.0(\.[0-9]+)?$`).MatchString,
		unsupported: `unsupported OpenAPI version %q: Tollgate imports OpenAPI 3.0.x and Swagger "2.0"`,
	}
)

// definition decodes data with kin-openapi, or returns nil after recording why it cannot.
func (im *importer) definition(data []byte) *definition {
	f, root := im.detectFormat(data)
	if f == unknownFormat {
		return nil
	}
	parsed := data
	(&lenience{im}).document(root)
	if len(im.problems) != 0 {
		return nil
	}
	if im.rewritten {
		var err error
		if parsed, err = yaml.Marshal(root); err != nil {
			im.addf("", "cannot encode the definition again: %v", err)
			return nil
		}
	}
	var def *definition
	switch f {
	case swagger2:
		doc, err := parseSwagger2(parsed)
		if err != nil {
			im.decodeProblem(parsed, err)
			return nil
		}
		def = im.fromSwagger2(doc)
	case openAPI3:
		doc, err := parseOpenAPI3(parsed)
		if err != nil {
			im.decodeProblem(parsed, err)
			return nil
		}
		def = im.fromOpenAPI3(doc)
	default:
		return nil
	}
	var err error
	if def.document, err = plainDocument(data, root); err != nil {
		// kin-openapi decoded the same bytes the same way, so this is a bug; the extensions cannot be checked.
		im.addf("", "cannot decode the definition a second time: %v", err)
	}
	return def
}

// plainDocument decodes the whole document into plain values (map[string]any, []any and scalars) as kin-openapi
// does before it fills its types: JSON with the JSON decoder, anything else as YAML with every mapping key read
// as the string it is written as (so a YAML merge key stays a "<<" member, which kin-openapi does not merge
// either). The extensions check walks it, seeing every key kin-openapi saw.
func plainDocument(data []byte, root *yaml.Node) (any, error) {
	var doc any
	if json.Unmarshal(data, &doc) == nil {
		return doc, nil
	}
	keysAsStrings(root)
	err := root.Decode(&doc)
	return doc, err
}

func keysAsStrings(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			if key := n.Content[i]; key.Kind == yaml.ScalarNode {
				key.Tag = "!!str"
			}
		}
	}
	for _, child := range n.Content {
		keysAsStrings(child)
	}
}

// detectFormat reads only the version fields, so that a definition of an unsupported version is reported as such
// rather than as whatever a decoder for another version trips over first. It parses with the YAML parser
// kin-openapi uses (JSON being YAML), so a malformed file is reported with that parser's line numbers. It returns
// the parsed document too, which is decoded again to check the extensions.
func (im *importer) detectFormat(data []byte) (format, *yaml.Node) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		im.addf(syntaxPointer(data, syntaxErrorLine(err)), "not valid YAML or JSON: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		return unknownFormat, nil
	}
	if len(doc.Content) == 0 {
		im.addf("", "the definition is empty")
		return unknownFormat, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		im.addf("", "the definition must be an object (a YAML mapping or JSON object)")
		return unknownFormat, nil
	}
	swagger, openapi := member(root, swaggerVersion.key), member(root, openAPIVersion.key)
	switch {
	case swagger != nil && openapi != nil:
		im.addf("", `both swagger and openapi are set: a definition is either Swagger "2.0" or OpenAPI 3.0.x`)
	case swagger != nil:
		if im.version(swagger, swaggerVersion) {
			return swagger2, root
		}
	case openapi != nil:
		if im.version(openapi, openAPIVersion) {
			return openAPI3, root
		}
	default:
		im.addf("", `neither swagger nor openapi is set: a definition declares swagger: "2.0" or openapi: 3.0.x`)
	}
	return unknownFormat, nil
}

// version checks a version field. Unquoted in YAML, 2.0 and 3.0 are numbers, which API Gateway reads as the
// string written, and so does Tollgate: the number becomes that string, for kin-openapi too.
func (im *importer) version(n *yaml.Node, field versionField) bool {
	n = deref(n)
	ptr := diag.Pointer(field.key)
	(&lenience{im}).numberAsString(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		im.addf(ptr, "must be a string such as %q, not %s", field.example, describeNode(n))
		return false
	}
	if !field.accepts(n.Value) {
		im.addf(ptr, field.unsupported, n.Value)
		return false
	}
	return true
}

// member returns the value of a mapping's key, or nil.
func member(mapping *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if k := mapping.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return mapping.Content[i+1]
		}
	}
	return nil
}

// parseOpenAPI3 resolves the document's own $refs; the loader refuses external ones, which keeps an import from
// reading files or the network.
func parseOpenAPI3(data []byte) (doc *openapi3.T, err error) {
	defer recoverInto(&err)
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	return loader.LoadFromData(data)
}

// parseSwagger2 only decodes: kin-openapi resolves no Swagger 2.0 $refs, so the few that matter (parameters) are
// resolved while converting.
func parseSwagger2(data []byte) (doc *openapi2.T, err error) {
	defer recoverInto(&err)
	doc = &openapi2.T{}
	if err := openapi2.UnmarshalFromData(data, doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// recoverInto turns a panic in kin-openapi into an error: a bug in a third-party parser must not take down the
// control plane on a hot reload.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("kin-openapi failed to parse the definition: %v", r)
	}
}
