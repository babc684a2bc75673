package config

import (
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

// disposition is what Tollgate does with a setting API Gateway defines and Tollgate does not act on.
type disposition int

const (
	// refused: the setting changes what a caller may do or receive, or what a backend or the operator relies on,
	// so accepting it would promise behaviour Tollgate does not have.
	refused disposition = iota
	// warned: the setting changes nothing a caller may do or receive, so a config written for API Gateway keeps
	// working, and the warning says the setting does nothing here.
	warned
)

type notServedSetting struct {
	disposition disposition
	reason      string
}

// notServed is every API Gateway setting that Tollgate knows and does not act on, by the struct whose mapping
// holds it. A key here is not an unknown key: it is refused or warned about with its reason.
var notServed = map[reflect.Type]map[string]notServedSetting{
	// API Gateway's Stage resource. cacheClusterStatus, createdDate and lastUpdatedDate are read-only outputs, not
	// settings, so they are unknown keys like any other.
	reflect.TypeFor[Stage](): {
		"clientCertificateId":  {refused, "Tollgate presents no client certificate to backends"},
		"webAclArn":            {refused, "Tollgate has no AWS WAF"},
		"deploymentId":         {refused, "a stage serves its API's definition file; Tollgate has no deployments to choose from"},
		"description":          {warned, "it describes the stage and changes nothing for a caller"},
		"documentationVersion": {warned, "Tollgate serves no documentation"},
		"tags":                 {warned, "tags label the stage and change nothing for a caller"},
	},
	// API Gateway's CanarySettings.
	reflect.TypeFor[CanarySettings](): {
		"deploymentId": {refused, "a canary release serves the definition file its definition names; Tollgate has no deployments to choose from"},
	},
	// API Gateway's DomainName.
	reflect.TypeFor[DomainName](): {
		"certificateArn":         {refused, "Tollgate reads no ACM certificates: name the PEM files in certificate.certFile and certificate.keyFile"},
		"regionalCertificateArn": {refused, "Tollgate reads no ACM certificates: name the PEM files in certificate.certFile and certificate.keyFile"},
		"routingMode":            {refused, "Tollgate routes by base path mappings only"},
		"tags":                   {warned, "tags label the domain name and change nothing for a caller"},
	},
	// API Gateway's MutualTlsAuthenticationInput.
	reflect.TypeFor[MutualTLS](): {
		"truststoreUri":     {refused, "Tollgate reads no S3: name the truststore's PEM file in truststoreFile"},
		"truststoreVersion": {refused, "Tollgate reads no S3: the truststore is the file truststoreFile names, reloaded when it changes"},
	},
	// API Gateway's MethodSetting.
	reflect.TypeFor[MethodSetting](): {
		"loggingLevel":     {warned, "Tollgate writes no CloudWatch execution logs"},
		"dataTraceEnabled": {warned, "Tollgate writes no CloudWatch execution logs"},
	},
}

// checkKeys reports every key of the document that its schema (the yaml tags of document and the types it names)
// does not define, so that a misspelt key is never read as the setting's default. Keys match case-sensitively, as
// the decoder matches them: viper alone would take LISTEN for listen, and a key in another case is reported with
// its right spelling rather than accepted by one reader and ignored by the other. Map keys that are user data
// (stage variables, function names, method keys) are not checked here; their values are. A value of the wrong
// shape is left to the decoder, which reports it.
func checkKeys(file string, root *yaml.Node, probs, warnings *diag.Problems) {
	k := &keyChecker{file: file, probs: probs, warnings: warnings, seen: map[visit]bool{}, fields: map[reflect.Type]map[string]reflect.Type{}}
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		k.walk(root.Content[0], reflect.TypeFor[document](), nil)
	}
}

type keyChecker struct {
	file            string
	probs, warnings *diag.Problems
	// seen stops at a node already checked as the same type: an anchor reached again through an alias is one thing
	// to fix, and an alias inside its own anchor would otherwise never end.
	seen   map[visit]bool
	fields map[reflect.Type]map[string]reflect.Type // yaml key -> field type, by struct
}

type visit struct {
	node *yaml.Node
	typ  reflect.Type
}

func (k *keyChecker) walk(n *yaml.Node, t reflect.Type, at []any) {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n == nil || k.seen[visit{n, t}] {
		return
	}
	k.seen[visit{n, t}] = true
	switch {
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for i, item := range n.Content {
			k.walk(item, t.Elem(), with(at, i))
		}
	case n.Kind == yaml.MappingNode && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map):
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			if key.Kind == yaml.ScalarNode && key.Tag == "!!merge" {
				k.merge(value, t, at)
			} else if t.Kind() == reflect.Map {
				k.walk(value, t.Elem(), with(at, key.Value))
			} else {
				k.field(key, value, t, at)
			}
		}
	}
}

// merge checks the mappings a "<<" key merges in as if their keys were written where they are merged.
func (k *keyChecker) merge(value *yaml.Node, t reflect.Type, at []any) {
	for value.Kind == yaml.AliasNode && value.Alias != nil {
		value = value.Alias
	}
	if value.Kind != yaml.SequenceNode {
		k.walk(value, t, at)
		return
	}
	for _, m := range value.Content {
		k.walk(m, t, at)
	}
}

// field checks one key of a mapping decoded into struct t and walks into its value.
func (k *keyChecker) field(key, value *yaml.Node, t reflect.Type, at []any) {
	if key.Kind != yaml.ScalarNode {
		k.probs.Addf(k.file, diag.Pointer(at...), "line %d: a key must be a name", key.Line)
		return
	}
	name, ptr := key.Value, diag.Pointer(with(at, key.Value)...)
	fields := k.schema(t)
	if ft, ok := fields[name]; ok {
		k.walk(value, ft, with(at, name))
		return
	}
	if s, ok := notServed[t][name]; ok {
		if s.disposition == warned {
			k.warnings.Addf(k.file, ptr, "%s has no effect yet: %s", name, s.reason)
		} else {
			k.probs.Addf(k.file, ptr, "%s is not supported yet: %s", name, s.reason)
		}
		return
	}
	known := make([]string, 0, len(fields)+len(notServed[t]))
	for f := range fields {
		known = append(known, f)
	}
	for f := range notServed[t] {
		known = append(known, f)
	}
	if hint := nearest(name, known); hint != "" {
		k.probs.Addf(k.file, ptr, "unknown key %q (did you mean %q?)", name, hint)
	} else {
		k.probs.Addf(k.file, ptr, "unknown key %q", name)
	}
}

// schema is the keys of struct t as the decoder names them: the yaml tag, or the field's name in lower case.
func (k *keyChecker) schema(t reflect.Type) map[string]reflect.Type {
	if fs, ok := k.fields[t]; ok {
		return fs
	}
	fs := map[string]reflect.Type{}
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fs[name] = f.Type
	}
	k.fields[t] = fs
	return fs
}

// with returns at with one more token, never sharing at's array: siblings each extend the same parent path.
func with(at []any, token any) []any {
	return append(at[:len(at):len(at)], token)
}

// nearest is the known key the user most likely meant: one that differs only in case, or else the closest within
// two edits, where an edit changes at most a third of the known key (so that "bad" does not suggest "id"); "" if
// none is.
func nearest(key string, known []string) string {
	slices.Sort(known) // ties go to the first in order, so the hint is the same every run
	best, bestDist := "", 3
	for _, k := range known {
		d := editDistance(strings.ToLower(key), strings.ToLower(k))
		if d < bestDist && 3*d <= len(k) {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance counts the insertions, deletions, substitutions and swaps of neighbours that turn a into b (the
// optimal string alignment distance), in bytes: keys are ASCII names. A swap is one edit because it is one slip
// of the fingers.
func editDistance(a, b string) int {
	// rows i-2, i-1 and i of the table, each len(b)+1 long
	prev2, prev, cur := make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
