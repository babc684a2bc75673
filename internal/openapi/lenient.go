package openapi

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

// lenience rewrites, in the parsed document and before kin-openapi decodes it, the values that API Gateway's
// importer reads where kin-openapi refuses them, as AWS reads them:
//
//   - a version written as a YAML number (payloadFormatVersion: 1.0, info's version: 2.0) is the string written,
//     "1.0", not the number 1;
//   - a parameter's required written as the string "true" or "false" (in any case) is that boolean.
//
// It rewrites only the values the importer or kin-openapi read, each where it is read, so that an example or a
// schema property of the same name stays as written. Each rewrite sets importer.rewritten: the document is then
// encoded again for kin-openapi.
type lenience struct {
	im *importer
}

// operationKeys are the members of a path item whose values are operations: kin-openapi's and the any-method.
var operationKeys = append(slicesLower(operationMethods), anyMethodKey)

func slicesLower(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.ToLower(s)
	}
	return out
}

func (l *lenience) document(root *yaml.Node) {
	if info := member(root, "info"); info != nil {
		l.numberAsString(member(deref(info), "version"))
	}
	l.parameterMap(member(root, "parameters"), diag.Pointer("parameters")) // Swagger 2.0's shared parameters
	if c := member(root, "components"); c != nil {
		c = deref(c)
		l.parameterMap(member(c, "parameters"), diag.Pointer("components", "parameters"))
		if shared := member(c, integrationsKey); shared != nil && deref(shared).Kind == yaml.MappingNode {
			for _, kv := range pairs(deref(shared)) {
				l.integration(kv[1])
			}
		}
	}
	paths := member(root, "paths")
	if paths == nil || deref(paths).Kind != yaml.MappingNode {
		return
	}
	for _, kv := range pairs(deref(paths)) {
		path, item := kv[0].Value, deref(kv[1])
		if strings.HasPrefix(path, "x-") || item.Kind != yaml.MappingNode {
			continue
		}
		ptr := diag.Pointer("paths", path)
		l.parameterList(member(item, "parameters"), ptr+diag.Pointer("parameters"))
		for _, op := range pairs(item) {
			if !slices.Contains(operationKeys, op[0].Value) || deref(op[1]).Kind != yaml.MappingNode {
				continue
			}
			if op[0].Value != anyMethodKey { // whose parameters the importer reads itself (see importer.boolean)
				l.parameterList(member(deref(op[1]), "parameters"), ptr+diag.Pointer(op[0].Value, "parameters"))
			}
			if integ := member(deref(op[1]), integrationKey); integ != nil {
				l.integration(integ)
			}
		}
	}
}

// integration rewrites payloadFormatVersion, which an HTTP API export may leave unquoted; the importer reads the
// rest of the integration itself (see importer.boolean).
func (l *lenience) integration(n *yaml.Node) {
	if n = deref(n); n.Kind == yaml.MappingNode {
		l.numberAsString(member(n, "payloadFormatVersion"))
	}
}

func (l *lenience) parameterMap(n *yaml.Node, ptr string) {
	if n == nil || deref(n).Kind != yaml.MappingNode {
		return
	}
	for _, kv := range pairs(deref(n)) {
		l.parameter(kv[1], ptr+diag.Pointer(kv[0].Value))
	}
}

func (l *lenience) parameterList(n *yaml.Node, ptr string) {
	if n == nil || deref(n).Kind != yaml.SequenceNode {
		return
	}
	for i, p := range deref(n).Content {
		l.parameter(p, ptr+diag.Pointer(i))
	}
}

func (l *lenience) parameter(n *yaml.Node, ptr string) {
	if n = deref(n); n.Kind == yaml.MappingNode {
		l.stringAsBool(member(n, "required"), ptr+diag.Pointer("required"))
	}
}

// numberAsString makes a number the string it is written as.
func (l *lenience) numberAsString(n *yaml.Node) {
	if n == nil {
		return
	}
	if n = deref(n); n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!float" || n.ShortTag() == "!!int") {
		n.Tag, n.Style = "!!str", 0
		l.im.rewritten = true
	}
}

// stringAsBool makes the string "true" or "false", in any case, that boolean, and refuses any other string, which
// kin-openapi would refuse with its own message. kin-openapi cannot decode the document then, so the problem is
// the only one reported.
func (l *lenience) stringAsBool(n *yaml.Node, ptr string) {
	if n == nil {
		return
	}
	if n = deref(n); n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return
	}
	b, ok := parseBool(n.Value)
	if !ok {
		l.im.wrongType(value{n.Value, ptr}, "a boolean")
		return
	}
	n.Tag, n.Style, n.Value = "!!bool", 0, map[bool]string{true: "true", false: "false"}[b]
	l.im.rewritten = true
}

// parseBool reads the strings API Gateway reads as booleans: true and false, in any case.
func parseBool(s string) (b, ok bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// deref follows an alias to its anchor, so that a value written once and used twice is read alike in both places.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// pairs returns a mapping's key and value nodes; keys that are not scalars (which kin-openapi refuses) are left
// out.
func pairs(mapping *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(mapping.Content); i += 2 {
		if k := mapping.Content[i]; k.Kind == yaml.ScalarNode {
			out = append(out, [2]*yaml.Node{k, mapping.Content[i+1]})
		}
	}
	return out
}

// describeNode names what a YAML value is, as describe does for decoded values.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "an object"
	case yaml.SequenceNode:
		return "an array"
	}
	switch n.ShortTag() {
	case "!!bool":
		return "the boolean " + strings.ToLower(n.Value)
	case "!!null":
		return "null"
	}
	return "the value " + n.Value
}
