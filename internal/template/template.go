// Package template turns what a user names as an API's definition into the definition's bytes: it fills the
// ${name} placeholders of Terraform's templatefile, and, for a CloudFormation or SAM template, finds the API
// resource, takes its inline body (or the local file an AWS::Include names) and resolves the intrinsic functions
// in it. Every problem points where the user wrote it: the file and the JSON pointer into it.
//
// What it resolves, and from where (first match wins):
//
//   - ${name} in any string (keys too): the parameters, then the template's Parameters defaults, then the pseudo
//     parameters. $${ is a literal ${; ${stageVariables.x}, and an HTTP API mapping's ${request.x},
//     ${response.x} and ${context.x}, are left for API Gateway.
//   - Ref, Fn::Sub (string, or [string, {vars}]), Fn::GetAtt (Res.Attr, given as a parameter named Res.Attr),
//     Fn::Join, Fn::Select, Fn::If (a condition is a parameter, true or false) and Fn::Transform AWS::Include,
//     long or YAML short form (!Ref, !Sub, ...). Ref AWS::NoValue removes the value it stands for.
//
// Anything else, and any value missing, is a problem: a placeholder never reaches a backend as it was written.
package template

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

// Pseudo are the values of CloudFormation's pseudo parameters (AWS::Region and the others).
type Pseudo struct {
	Region, AccountID, Partition, StackName string
}

// Input is one definition as the user named it.
type Input struct {
	File string // the file as the user named it: in problems, and the base of relative include paths
	Data []byte
	// Parameters fill placeholders and answer Ref, Fn::GetAtt (by "Res.Attr") and Fn::If (true or false).
	Parameters map[string]string
	Pseudo     Pseudo
	// Resource is the logical id of the template's API resource; "" when the template has one, or for a
	// definition that is not a template.
	Resource string
	// ReadFile reads included files; nil reads them from disk.
	ReadFile func(path string) ([]byte, error)
}

// Result is the definition, and where each part of it was written.
type Result struct {
	// Data is the definition: Input.Data itself when nothing in it changed, else its resolved form as JSON.
	Data []byte
	// File and Pointer are where the definition's root was written: the input file and "" for a definition,
	// /Resources/{id}/Properties/{Body|DefinitionBody} for a template's inline body, an included file and "".
	File, Pointer string
	Template      bool
	Resource      string   // the API resource's logical id, for a template
	Includes      []string // the files read besides Input.File, each once
	Unused        []string // the parameters given that nothing read, sorted
	// UsesPseudo says whether a pseudo parameter was read: if not, the result is the same whatever Input.Pseudo.
	UsesPseudo bool
	Warnings   diag.Problems
	origins    []origin
}

// origin says that the value at pointer out of the definition was written at file's pointer src.
type origin struct{ out, file, src string }

// Locate says where the value at a JSON pointer of Data was written.
func (r *Result) Locate(pointer string) (file, at string) {
	best := -1
	for i, o := range r.origins {
		// The last of the longest wins: an include at the body's root is recorded after the body's place.
		if (pointer == o.out || strings.HasPrefix(pointer, o.out+"/")) && (best < 0 || len(o.out) >= len(r.origins[best].out)) {
			best = i
		}
	}
	if best < 0 {
		return r.File, r.Pointer + pointer
	}
	o := r.origins[best]
	return o.file, o.src + pointer[len(o.out):]
}

// Relocate returns problems found in Data (those naming file, as Data was given to whoever found them) with the
// file and pointer where the user wrote each; others are returned as they are.
func (r *Result) Relocate(file string, ps diag.Problems) diag.Problems {
	if ps == nil {
		return nil
	}
	out := make(diag.Problems, len(ps))
	for i, p := range ps {
		if p.File == file {
			p.File, p.Pointer = r.Locate(p.Pointer)
		}
		out[i] = p
	}
	return out
}

// IsTemplate tells a CloudFormation or SAM template from an API definition: a template has a top-level
// AWSTemplateFormatVersion, the SAM transform or Resources.
func IsTemplate(data []byte) bool {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return false
	}
	return isTemplate(root.Content[0])
}

func isTemplate(top *yaml.Node) bool {
	if top.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		switch top.Content[i].Value {
		case "AWSTemplateFormatVersion", "Resources":
			return true
		case "Transform":
			if slices.Contains(transforms(top.Content[i+1]), samTransform) {
				return true
			}
		}
	}
	return false
}

const samTransform = "AWS::Serverless-2016-10-31"

func transforms(n *yaml.Node) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var names []string
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			names = append(names, c.Value)
		}
	}
	return names
}

// Render turns a definition or template into the definition. On any problem it returns the problems
// (diag.Problems), all of them, with a Result holding only the Includes read (a fix there is a change too).
func Render(in Input) (*Result, error) {
	res := &Result{Data: in.Data, File: in.File}
	var root yaml.Node
	if err := yaml.Unmarshal(in.Data, &root); err != nil || len(root.Content) == 0 {
		// Not YAML (nor JSON): the importer says why, as it would have without placeholders.
		return res, nil
	}
	r := &resolver{in: in, res: res, used: map[string]bool{}, expanding: map[*yaml.Node]bool{}, budget: maxNodes,
		declared: map[string]declared{}, including: map[string]bool{in.File: true}}
	if in.ReadFile == nil {
		r.in.ReadFile = os.ReadFile
	}
	top := root.Content[0]
	var body *yaml.Node
	at := loc{file: in.File}
	if isTemplate(top) {
		res.Template = true
		body, at.src = r.template(top)
	} else if in.Resource != "" {
		r.probs.Addf(in.File, "", "the definition is not a CloudFormation or SAM template, so it has no resource %q: drop apis[].resource", in.Resource)
	} else {
		body = top
	}
	var out *yaml.Node
	if body != nil {
		res.Pointer = at.src
		r.origin(at.out, at.file, at.src)
		out = r.value(body, at)
		if out != nil && out.Kind != yaml.MappingNode && len(r.probs) == 0 {
			r.probs.Addf(in.File, at.src, "the definition must be a mapping (an OpenAPI or Swagger document)")
		}
	}
	if out == nil && len(r.probs) == 0 {
		r.probs.Addf(in.File, at.src, "the definition is empty")
	}
	if len(r.probs) > 0 {
		return &Result{File: in.File, Includes: res.Includes}, r.probs.Err()
	}
	res.File, res.Pointer = res.Locate("")
	for name := range in.Parameters {
		if !r.used[name] {
			res.Unused = append(res.Unused, name)
		}
	}
	slices.Sort(res.Unused)
	res.Warnings = r.warnings.Sorted()
	if r.changed || res.Template {
		var b bytes.Buffer
		writeJSON(&b, out)
		res.Data = b.Bytes()
	}
	return res, nil
}

// maxNodes bounds the size of a definition after its aliases are expanded, so that a few lines of anchors
// cannot make one of billions of values.
const maxNodes = 1 << 20

// maxIncludeDepth bounds a chain of files including one another.
const maxIncludeDepth = 8

// loc is where a value is: in the file the user wrote (file, src) and in the definition being made (out). An out
// starting with argument marks a function's argument, which is not part of the definition.
type loc struct{ file, src, out string }

const argument = "\x00"

func (l loc) child(srcToken, outToken any) loc {
	return loc{file: l.file, src: l.src + diag.Pointer(srcToken), out: l.out + diag.Pointer(outToken)}
}

type declared struct {
	list bool       // CommaDelimitedList or List<...>: Ref is a list
	def  *yaml.Node // the Default, or nil
	at   string     // where the Default is written
}

type resolver struct {
	in              Input
	res             *Result
	probs, warnings diag.Problems
	declared        map[string]declared // the template's Parameters
	used            map[string]bool     // the Input.Parameters read
	expanding       map[*yaml.Node]bool // the anchored values being resolved, to stop at an alias inside its own anchor
	including       map[string]bool     // the files being included, to stop at a cycle
	budget          int
	changed         bool // a value differs from what the file holds
}

func (r *resolver) origin(out, file, src string) {
	if !strings.HasPrefix(out, argument) {
		r.res.origins = append(r.res.origins, origin{out, file, src})
	}
}

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

// shortForms are the YAML tags CloudFormation reads as intrinsic functions.
var shortForms = map[string]string{
	"!Ref": "Ref", "!Condition": "Condition",
	"!Sub": "Fn::Sub", "!GetAtt": "Fn::GetAtt", "!Join": "Fn::Join", "!Select": "Fn::Select", "!If": "Fn::If",
	"!Transform": "Fn::Transform", "!Base64": "Fn::Base64", "!Cidr": "Fn::Cidr", "!FindInMap": "Fn::FindInMap",
	"!GetAZs": "Fn::GetAZs", "!ImportValue": "Fn::ImportValue", "!Split": "Fn::Split", "!Equals": "Fn::Equals",
	"!And": "Fn::And", "!Or": "Fn::Or", "!Not": "Fn::Not", "!Length": "Fn::Length", "!ToJsonString": "Fn::ToJsonString",
}

// value resolves one value written at l: a fresh tree, or nil when Ref AWS::NoValue removed it.
func (r *resolver) value(n *yaml.Node, l loc) *yaml.Node {
	if r.budget--; r.budget < 0 {
		if r.budget == -1 {
			r.probs.Addf(l.file, l.src, "the definition has more than %d values once its YAML aliases are expanded", maxNodes)
		}
		return str("")
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
		}
		return r.value(n.Content[0], l)
	case yaml.AliasNode:
		if n.Alias == nil || r.expanding[n.Alias] {
			r.probs.Addf(l.file, l.src, "the YAML alias *%s is inside its own anchor", n.Value)
			return str("")
		}
		return r.value(n.Alias, l)
	}
	if n.Anchor != "" {
		r.expanding[n] = true
		defer delete(r.expanding, n)
	}
	if fn, ok := shortForms[n.Tag]; ok {
		arg := *n
		arg.Tag = ""
		if arg.Kind == yaml.ScalarNode {
			arg.Tag = "!!str"
		}
		r.changed = true
		return r.intrinsic(fn, &arg, l, l.src)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") && n.Tag != "!" {
		r.probs.Addf(l.file, l.src, "unknown YAML tag %s", n.Tag)
		return str("")
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() != "!!str" {
			c := *n
			return &c
		}
		return str(r.fill(n.Value, l, nil))
	case yaml.SequenceNode:
		out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i, item := range n.Content {
			at := l.child(i, len(out.Content))
			if i != len(out.Content) {
				r.origin(at.out, at.file, at.src)
			}
			if v := r.value(item, at); v != nil {
				out.Content = append(out.Content, v)
			}
		}
		return out
	case yaml.MappingNode:
		if len(n.Content) == 2 && n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag != "!!merge" {
			name, arg := n.Content[0].Value, n.Content[1]
			if strings.HasPrefix(name, "Fn::") || (name == "Ref" && deref(arg).Kind == yaml.ScalarNode) {
				r.changed = true
				return r.intrinsic(name, arg, l, l.src+diag.Pointer(name))
			}
		}
		out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			if k.Kind != yaml.ScalarNode {
				r.probs.Addf(l.file, l.src, "line %d: a key must be a name", k.Line)
				continue
			}
			key := k.Value
			if k.ShortTag() == "!!str" {
				key = r.fill(k.Value, l.child(k.Value, k.Value), nil)
			}
			at := l.child(k.Value, key)
			if key != k.Value {
				r.origin(at.out, at.file, at.src)
			}
			if v := r.value(n.Content[i+1], at); v != nil {
				kn := str(key)
				if k.Tag == "!!merge" {
					kn = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!merge", Value: key}
				}
				out.Content = append(out.Content, kn, v)
			}
		}
		return out
	}
	return str("")
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// arg resolves a function's argument, which is not part of the definition.
func (r *resolver) arg(n *yaml.Node, l loc, src string) *yaml.Node {
	return r.value(n, loc{file: l.file, src: src, out: argument})
}

// scalarArg resolves an argument that must be one value: a string, number or boolean.
func (r *resolver) scalarArg(fn string, n *yaml.Node, l loc, src string) (string, bool) {
	v := r.arg(n, l, src)
	if v == nil || v.Kind != yaml.ScalarNode || v.ShortTag() == "!!null" {
		r.probs.Addf(l.file, src, "%s wants a string here", fn)
		return "", false
	}
	return v.Value, true
}

const supported = "Tollgate resolves Ref, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select, Fn::If and Fn::Transform AWS::Include"

// intrinsic resolves function fn, written at l, whose argument n is written at src.
func (r *resolver) intrinsic(fn string, n *yaml.Node, l loc, src string) *yaml.Node {
	items := func(want int, form string) []*yaml.Node {
		d := deref(n)
		if d.Kind != yaml.SequenceNode || len(d.Content) != want || d.Tag != "" && d.Tag != "!!seq" {
			r.probs.Addf(l.file, src, "%s wants %s", fn, form)
			return nil
		}
		return d.Content
	}
	switch fn {
	case "Ref":
		name, ok := r.scalarArg(fn, n, l, src)
		if !ok {
			return str("")
		}
		if name == "AWS::NoValue" {
			return nil
		}
		if v := r.lookup(name); v != nil {
			return v
		}
		r.probs.Addf(l.file, l.src, "Ref %s has no value: give %s in apis[].parameters", name, name)
		return str("")
	case "Fn::GetAtt":
		var name string
		if d := deref(n); d.Kind == yaml.ScalarNode {
			s, ok := r.scalarArg(fn, n, l, src)
			if !ok {
				return str("")
			}
			if res, attr, ok := strings.Cut(s, "."); !ok || res == "" || attr == "" {
				r.probs.Addf(l.file, src, "Fn::GetAtt wants Resource.Attribute or [Resource, Attribute], not %q", s)
				return str("")
			}
			name = s
		} else {
			args := items(2, "[Resource, Attribute]")
			if args == nil {
				return str("")
			}
			res, ok1 := r.scalarArg(fn, args[0], l, src+"/0")
			attr, ok2 := r.scalarArg(fn, args[1], l, src+"/1")
			if !ok1 || !ok2 {
				return str("")
			}
			name = res + "." + attr
		}
		if v := r.lookup(name); v != nil {
			return v
		}
		r.probs.Addf(l.file, l.src, "Fn::GetAtt %s has no value: give %s in apis[].parameters (Tollgate deploys none of the template's resources)", name, name)
		return str("")
	case "Fn::Sub":
		var text string
		var vars map[string]*yaml.Node
		if d := deref(n); d.Kind == yaml.ScalarNode {
			text = d.Value // the placeholders are Fn::Sub's to fill
		} else {
			args := items(2, "a string, or [string, {name: value}]")
			if args == nil {
				return str("")
			}
			s := deref(args[0])
			m := deref(args[1])
			if s.Kind != yaml.ScalarNode || m.Kind != yaml.MappingNode {
				r.probs.Addf(l.file, src, "Fn::Sub wants a string, or [string, {name: value}]")
				return str("")
			}
			text = s.Value
			vars = map[string]*yaml.Node{}
			for i := 0; i+1 < len(m.Content); i += 2 {
				k := deref(m.Content[i])
				if v := r.arg(m.Content[i+1], l, src+"/1"+diag.Pointer(k.Value)); v != nil {
					vars[k.Value] = v
				}
			}
		}
		return str(r.fillSub(text, l, vars))
	case "Fn::Join":
		args := items(2, "[delimiter, [values]]")
		if args == nil {
			return str("")
		}
		delim, ok := r.scalarArg(fn, args[0], l, src+"/0")
		list := r.arg(args[1], l, src+"/1")
		if !ok || list == nil {
			return str("")
		}
		if list.Kind != yaml.SequenceNode {
			r.probs.Addf(l.file, src+"/1", "Fn::Join wants a list of values")
			return str("")
		}
		parts := make([]string, 0, len(list.Content))
		for i, v := range list.Content {
			if v.Kind != yaml.ScalarNode {
				r.probs.Addf(l.file, src+"/1/"+strconv.Itoa(i), "Fn::Join joins strings, not a list or mapping")
				return str("")
			}
			parts = append(parts, v.Value)
		}
		return str(strings.Join(parts, delim))
	case "Fn::Select":
		args := items(2, "[index, [values]]")
		if args == nil {
			return str("")
		}
		index, ok := r.scalarArg(fn, args[0], l, src+"/0")
		if !ok {
			return str("")
		}
		i, err := strconv.Atoi(index)
		if err != nil || i < 0 {
			r.probs.Addf(l.file, src+"/0", "Fn::Select wants an index from 0, not %q", index)
			return str("")
		}
		if lit := deref(args[1]); lit.Kind == yaml.SequenceNode && !isShortForm(lit) {
			if i >= len(lit.Content) {
				r.probs.Addf(l.file, src+"/0", "Fn::Select index %d is out of range: the list has %d values", i, len(lit.Content))
				return str("")
			}
			at := loc{file: l.file, src: src + "/1/" + strconv.Itoa(i), out: l.out}
			r.origin(at.out, at.file, at.src)
			return r.value(lit.Content[i], at)
		}
		list := r.arg(args[1], l, src+"/1")
		if list == nil || list.Kind != yaml.SequenceNode {
			r.probs.Addf(l.file, src+"/1", "Fn::Select wants a list of values")
			return str("")
		}
		if i >= len(list.Content) {
			r.probs.Addf(l.file, src+"/0", "Fn::Select index %d is out of range: the list has %d values", i, len(list.Content))
			return str("")
		}
		return list.Content[i]
	case "Fn::If":
		args := items(3, "[condition, value if true, value if false]")
		if args == nil {
			return str("")
		}
		cond, ok := r.scalarArg(fn, args[0], l, src+"/0")
		if !ok {
			return str("")
		}
		v := r.lookup(cond)
		if v == nil {
			r.probs.Addf(l.file, src+"/0", "condition %s of Fn::If has no value: give %s in apis[].parameters as true or false", cond, cond)
			return str("")
		}
		branch := 0
		switch {
		case v.Kind == yaml.ScalarNode && strings.EqualFold(v.Value, "true"):
			branch = 1
		case v.Kind == yaml.ScalarNode && strings.EqualFold(v.Value, "false"):
			branch = 2
		default:
			r.probs.Addf(l.file, src+"/0", "condition %s of Fn::If is %q: want true or false", cond, v.Value)
			return str("")
		}
		at := loc{file: l.file, src: src + "/" + strconv.Itoa(branch), out: l.out}
		r.origin(at.out, at.file, at.src)
		return r.value(args[branch], at)
	case "Fn::Transform":
		return r.include(n, l, src)
	}
	r.probs.Addf(l.file, l.src, "%s is not supported yet: %s", fn, supported)
	return str("")
}

func isShortForm(n *yaml.Node) bool { _, ok := shortForms[n.Tag]; return ok }

// include resolves Fn::Transform {Name: AWS::Include, Parameters: {Location: path}}: the file's document, read
// relative to the file including it.
func (r *resolver) include(n *yaml.Node, l loc, src string) *yaml.Node {
	m := deref(n)
	var name, location *yaml.Node
	var locationSrc string
	if m.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(m.Content); i += 2 {
			switch deref(m.Content[i]).Value {
			case "Name":
				name = m.Content[i+1]
			case "Parameters":
				if p := deref(m.Content[i+1]); p.Kind == yaml.MappingNode {
					for j := 0; j+1 < len(p.Content); j += 2 {
						if deref(p.Content[j]).Value == "Location" {
							location, locationSrc = p.Content[j+1], src+"/Parameters/Location"
						}
					}
				}
			}
		}
	}
	if name == nil || location == nil {
		r.probs.Addf(l.file, src, "Fn::Transform wants {Name: AWS::Include, Parameters: {Location: file}}")
		return str("")
	}
	if transform, ok := r.scalarArg("Fn::Transform", name, l, src+"/Name"); !ok {
		return str("")
	} else if transform != "AWS::Include" {
		r.probs.Addf(l.file, src+"/Name", "Fn::Transform %s is not supported yet: Tollgate runs AWS::Include alone", transform)
		return str("")
	}
	path, ok := r.scalarArg("AWS::Include", location, l, locationSrc)
	if !ok {
		return str("")
	}
	if strings.Contains(path, "://") || strings.HasPrefix(path, "s3:") {
		r.probs.Addf(l.file, locationSrc, "AWS::Include of %q is refused: Tollgate reads local files only; copy it beside the template and give its path", path)
		return str("")
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(l.file), path)
	}
	if r.including[path] {
		r.probs.Addf(l.file, locationSrc, "AWS::Include of %s includes itself", path)
		return str("")
	}
	if len(r.including) > maxIncludeDepth {
		r.probs.Addf(l.file, locationSrc, "AWS::Include of %s nests more than %d files deep", path, maxIncludeDepth)
		return str("")
	}
	if !slices.Contains(r.res.Includes, path) {
		r.res.Includes = append(r.res.Includes, path)
	}
	data, err := r.in.ReadFile(path)
	if err != nil {
		r.probs.Addf(l.file, locationSrc, "cannot read the included file: %v", err)
		return str("")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		r.probs.Addf(path, "", "cannot parse: %v", err)
		return str("")
	}
	r.including[path] = true
	defer delete(r.including, path)
	at := loc{file: path, src: "", out: l.out}
	r.origin(at.out, at.file, at.src)
	return r.value(&doc, at)
}

// lookup is the value of a parameter, a template parameter's default or a pseudo parameter; nil if none.
func (r *resolver) lookup(name string) *yaml.Node {
	d, isDeclared := r.declared[name]
	if v, ok := r.in.Parameters[name]; ok {
		r.used[name] = true
		if d.list {
			return list(strings.Split(v, ","))
		}
		return str(v)
	}
	if isDeclared && d.def != nil {
		if d.list && d.def.Kind == yaml.ScalarNode {
			return list(strings.Split(d.def.Value, ","))
		}
		return r.arg(d.def, loc{file: r.in.File}, d.at)
	}
	if !strings.HasPrefix(name, "AWS::") {
		return nil
	}
	p := r.in.Pseudo
	r.res.UsesPseudo = true
	switch name {
	case "AWS::Region":
		return str(p.Region)
	case "AWS::AccountId":
		return str(p.AccountID)
	case "AWS::Partition":
		return str(p.Partition)
	case "AWS::StackName":
		return str(p.StackName)
	case "AWS::URLSuffix":
		if p.Partition == "aws-cn" {
			return str("amazonaws.com.cn")
		}
		return str("amazonaws.com")
	case "AWS::StackId":
		return str("arn:" + p.Partition + ":cloudformation:" + p.Region + ":" + p.AccountID + ":stack/" + p.StackName + "/00000000-0000-0000-0000-000000000000")
	}
	return nil
}

func list(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, s := range items {
		n.Content = append(n.Content, str(strings.TrimSpace(s)))
	}
	return n
}

var placeholderName = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

// fill fills the placeholders of a string outside Fn::Sub, as Terraform's templatefile does.
func (r *resolver) fill(s string, l loc, _ map[string]*yaml.Node) string {
	if !strings.Contains(s, "${") && !strings.Contains(s, "%{") {
		return s
	}
	return r.expand(s, l, nil, false)
}

// fillSub fills the placeholders of an Fn::Sub string: vars first, and ${!x} is a literal ${x}. A Terraform
// escape $${x} reads as ${x}, as it would once Terraform rendered the file for CloudFormation.
func (r *resolver) fillSub(s string, l loc, vars map[string]*yaml.Node) string {
	return r.expand(s, l, vars, true)
}

func (r *resolver) expand(s string, l loc, vars map[string]*yaml.Node, sub bool) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			if sub {
				i++ // the ${ that follows is substituted
				continue
			}
			b.WriteString("${")
			i += 3
			r.changed = true
		case !sub && strings.HasPrefix(s[i:], "%%{"):
			b.WriteString("%{")
			i += 3
			r.changed = true
		case !sub && strings.HasPrefix(s[i:], "%{"):
			r.probs.Addf(l.file, l.src, "the template directive %%{ is not supported yet: Tollgate fills ${name} placeholders only (write %%%%{ for a literal %%{)")
			return s
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				r.probs.Addf(l.file, l.src, "unterminated placeholder %q: close it with }, or write $${ for a literal ${", s[i:])
				return s
			}
			inner := s[i+2 : i+end]
			whole := s[i : i+end+1]
			i += end + 1
			name := strings.TrimSpace(inner)
			if apiGatewayPlaceholder(name) {
				b.WriteString(whole) // API Gateway's, resolved per stage or request
				continue
			}
			if sub && strings.HasPrefix(inner, "!") {
				b.WriteString("${" + inner[1:] + "}")
				continue
			}
			if !placeholderName.MatchString(name) {
				r.probs.Addf(l.file, l.src, "unsupported placeholder %s: Tollgate fills ${name} placeholders only (write $${ for a literal ${)", whole)
				continue
			}
			r.changed = true
			v := vars[name]
			if v == nil {
				v = r.lookup(name)
			}
			switch {
			case v == nil && sub:
				r.probs.Addf(l.file, l.src, "${%s} in Fn::Sub has no value: give %s in apis[].parameters", name, name)
			case v == nil:
				r.probs.Addf(l.file, l.src, "${%s} has no value: give %s in apis[].parameters", name, name)
			case v.Kind != yaml.ScalarNode:
				r.probs.Addf(l.file, l.src, "${%s} is a list: a placeholder takes one value", name)
			default:
				b.WriteString(v.Value)
			}
		default:
			b.WriteByte(s[i])
			i++
		}
	}
	return b.String()
}

// writeJSON writes a resolved tree as JSON: each scalar as its YAML type reads (a string, number, boolean or
// null), a timestamp or binary as the string written, each key as written.
func writeJSON(b *bytes.Buffer, n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, n.Content[i].Value)
			b.WriteByte(':')
			writeJSON(b, n.Content[i+1])
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, c)
		}
		b.WriteByte(']')
	default:
		switch n.ShortTag() {
		case "!!null":
			b.WriteString("null")
			return
		case "!!bool":
			var v bool
			if n.Decode(&v) == nil {
				b.WriteString(strconv.FormatBool(v))
				return
			}
		case "!!int":
			var v any
			if n.Decode(&v) == nil {
				if out, err := json.Marshal(v); err == nil {
					b.Write(out)
					return
				}
			}
		case "!!float":
			var v float64
			if n.Decode(&v) == nil {
				if out, err := json.Marshal(v); err == nil {
					b.Write(out)
					return
				}
			}
		}
		writeString(b, n.Value)
	}
}

func writeString(b *bytes.Buffer, s string) {
	out, _ := json.Marshal(s)
	b.Write(out)
}

// apiGatewayPlaceholder tells a placeholder API Gateway fills: a stage variable, or a request, response or context
// value of an HTTP API's parameter mapping.
func apiGatewayPlaceholder(name string) bool {
	for _, prefix := range []string{"stageVariables.", "request.", "response.", "context."} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}
