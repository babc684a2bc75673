package template

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

// apiType is what Tollgate reads of one type of API resource.
type apiType struct {
	body   string // the property holding the inline definition
	remote string // the property naming a definition in S3
	// warned are the properties that change nothing a caller may do or receive here: each loads with a warning.
	// Any other property is refused, as API Gateway or SAM would apply it beside the definition.
	warned []string
}

var apiTypes = map[string]apiType{
	"AWS::Serverless::Api": {body: "DefinitionBody", remote: "DefinitionUri", warned: []string{
		"Name", "Description", "StageName", "Tags", "OpenApiVersion", "EndpointConfiguration", "FailOnWarnings",
		"MergeDefinitions", "PropagateTags", "AlwaysDeploy", "TracingEnabled",
	}},
	"AWS::Serverless::HttpApi": {body: "DefinitionBody", remote: "DefinitionUri", warned: []string{
		"Name", "Description", "StageName", "Tags", "FailOnWarnings", "PropagateTags",
	}},
	"AWS::ApiGateway::RestApi": {body: "Body", remote: "BodyS3Location", warned: []string{
		"Name", "Description", "Tags", "EndpointConfiguration", "FailOnWarnings", "Mode",
	}},
	"AWS::ApiGatewayV2::Api": {body: "Body", remote: "BodyS3Location", warned: []string{
		"Name", "Description", "Tags", "FailOnWarnings",
	}},
}

func apiTypeNames() string {
	names := make([]string, 0, len(apiTypes))
	for t := range apiTypes {
		names = append(names, t)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// get returns the value of key in mapping n, or nil.
func get(n *yaml.Node, key string) *yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if deref(n.Content[i]).Value == key {
			return deref(n.Content[i+1])
		}
	}
	return nil
}

// template reads the template's Parameters and finds the API resource: its body, and where the body is written;
// nil after recording why there is none.
func (r *resolver) template(top *yaml.Node) (*yaml.Node, string) {
	file := r.in.File
	if t := get(top, "Transform"); t != nil {
		for _, name := range transforms(t) {
			if name != samTransform {
				r.probs.Addf(file, "/Transform", "the transform %s is not supported yet: a macro may rewrite the API, and Tollgate runs none", name)
			}
		}
	}
	if params := get(top, "Parameters"); params != nil && params.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(params.Content); i += 2 {
			name := deref(params.Content[i]).Value
			typ := get(params.Content[i+1], "Type")
			d := declared{def: get(params.Content[i+1], "Default"), at: diag.Pointer("Parameters", name, "Default")}
			if typ != nil && (typ.Value == "CommaDelimitedList" || strings.HasPrefix(typ.Value, "List<")) {
				d.list = true
			}
			r.declared[name] = d
		}
	}
	resources := get(top, "Resources")
	if resources == nil || resources.Kind != yaml.MappingNode {
		r.probs.Addf(file, "/Resources", "the template has no Resources: it must declare the API as one of %s", apiTypeNames())
		return nil, ""
	}
	var apis []string
	for i := 0; i+1 < len(resources.Content); i += 2 {
		if t := get(resources.Content[i+1], "Type"); t != nil {
			if _, ok := apiTypes[t.Value]; ok {
				apis = append(apis, deref(resources.Content[i]).Value)
			}
		}
	}
	slices.Sort(apis)
	id := r.in.Resource
	switch {
	case len(apis) == 0:
		r.probs.Addf(file, "/Resources", "the template declares no API resource (%s)", apiTypeNames())
		return nil, ""
	case id == "" && len(apis) > 1:
		r.probs.Addf(file, "/Resources", "the template declares several APIs (%s): name one in apis[].resource", strings.Join(apis, ", "))
		return nil, ""
	case id == "":
		id = apis[0]
	case get(resources, id) == nil:
		r.probs.Addf(file, "/Resources", "the template has no resource %s: its APIs are %s", id, strings.Join(apis, ", "))
		return nil, ""
	case !slices.Contains(apis, id):
		r.probs.Addf(file, diag.Pointer("Resources", id, "Type"), "resource %s is not an API (%s): its APIs are %s", id, apiTypeNames(), strings.Join(apis, ", "))
		return nil, ""
	}
	r.res.Resource = id
	res := get(resources, id)
	typ := apiTypes[get(res, "Type").Value]
	props := get(res, "Properties")
	var body *yaml.Node
	if props != nil && props.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(props.Content); i += 2 {
			name := deref(props.Content[i]).Value
			at := diag.Pointer("Resources", id, "Properties", name)
			switch {
			case name == typ.body:
				body = props.Content[i+1]
			case name == typ.remote:
				r.probs.Addf(file, at, "%s is not supported yet: Tollgate reads the definition from %s, inline or from a local file with Fn::Transform AWS::Include", name, typ.body)
			case slices.Contains(typ.warned, name):
				r.warnings.Addf(file, at, "%s has no effect: Tollgate serves the definition alone, with the id and stages its config gives", name)
			default:
				r.probs.Addf(file, at, "%s is not supported yet: it applies beside the definition, and Tollgate serves the definition alone (write it into the definition, or stages and their variables into the config)", name)
			}
		}
	}
	r.refuseEvents(resources, id)
	if body == nil {
		r.probs.Addf(file, diag.Pointer("Resources", id, "Properties"), "the API has no %s: Tollgate serves the definition written there (SAM's definition made from the functions' events is not supported yet)", typ.body)
		return nil, ""
	}
	return body, diag.Pointer("Resources", id, "Properties", typ.body)
}

// refuseEvents refuses the functions' Api and HttpApi events that add routes to the API: SAM writes them into
// the definition when it transforms the template, which Tollgate does not do.
func (r *resolver) refuseEvents(resources *yaml.Node, api string) {
	for i := 0; i+1 < len(resources.Content); i += 2 {
		fn := deref(resources.Content[i]).Value
		if t := get(resources.Content[i+1], "Type"); t == nil || t.Value != "AWS::Serverless::Function" {
			continue
		}
		events := get(get(resources.Content[i+1], "Properties"), "Events")
		if events == nil || events.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(events.Content); j += 2 {
			ev := events.Content[j+1]
			t := get(ev, "Type")
			if t == nil || (t.Value != "Api" && t.Value != "HttpApi") {
				continue
			}
			props := get(ev, "Properties")
			target := get(props, "RestApiId")
			if t.Value == "HttpApi" {
				target = get(props, "ApiId")
			}
			if target == nil || refTarget(target) != api {
				continue
			}
			r.probs.Addf(r.in.File, diag.Pointer("Resources", fn, "Properties", "Events", deref(events.Content[j]).Value),
				"this %s event adds a route to %s's definition when SAM transforms the template, which Tollgate does not do yet: write the route in %s's definition", t.Value, api, api)
		}
	}
}

// refTarget is the logical id a Ref names, long or short form; "" if n is no Ref.
func refTarget(n *yaml.Node) string {
	if n.Tag == "!Ref" {
		return n.Value
	}
	if n.Kind == yaml.ScalarNode {
		return n.Value // a logical id written as such
	}
	if ref := get(n, "Ref"); ref != nil && ref.Kind == yaml.ScalarNode {
		return ref.Value
	}
	return ""
}
