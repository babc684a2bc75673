package template

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/golden"
)

var pseudo = Pseudo{Region: "eu-west-1", AccountID: "123456789012", Partition: "aws", StackName: "shop"}

// sam wraps the lines of a body (indented as a top-level mapping) into a SAM template's API resource Api.
func sam(body string) string {
	return "Transform: AWS::Serverless-2016-10-31\nParameters:\n  Env: {Type: String, Default: dev}\n  Zones: {Type: CommaDelimitedList, Default: 'a, b'}\n" +
		"Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      DefinitionBody:\n" + indent(body, "        ")
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n") + "\n"
}

const bodyAt = "t.yaml: /Resources/Api/Properties/DefinitionBody"

func TestRender(t *testing.T) {
	params := map[string]string{"host": "10.0.0.1", "Fn.Arn": "arn:aws:lambda:eu-west-1:123456789012:function:fn", "IsProd": "true", "IsDev": "False", "Env": "prod"}
	tests := []struct {
		name, file string
		want       string // the definition, as JSON
	}{
		// Terraform's templatefile placeholders, in any string, keys too.
		{"placeholder", "a: http://${host}/x\n", `{"a":"http://10.0.0.1/x"}`},
		{"placeholder with spaces", "a: '${ host }'\n", `{"a":"10.0.0.1"}`},
		{"placeholder in key", "${host}: 1\n", `{"10.0.0.1":1}`},
		{"escape", "a: $${host} and $${stageVariables.x}\n", `{"a":"${host} and ${stageVariables.x}"}`},
		{"directive escape", "a: '%%{x}'\n", `{"a":"%{x}"}`},
		{"stage variables untouched", "a: http://${stageVariables.backend}/${host}\n", `{"a":"http://${stageVariables.backend}/10.0.0.1"}`},
		{"an HTTP API mapping's values untouched", "a: Bearer ${request.header.token} ${context.stage} ${response.header.x} ${host}\n", `{"a":"Bearer ${request.header.token} ${context.stage} ${response.header.x} 10.0.0.1"}`},
		{"attribute placeholder", "a: ${Fn.Arn}\n", `{"a":"arn:aws:lambda:eu-west-1:123456789012:function:fn"}`},
		{"pseudo placeholder", "a: ${AWS::Region}\n", `{"a":"eu-west-1"}`},
		{"types kept", "a: 1\nb: true\nc: null\nd: 1.5\ne: 2020-01-01\nf: '1'\n200: {x: 0o17}\ng: ${host}\n", `{"a":1,"b":true,"c":null,"d":1.5,"e":"2020-01-01","f":"1","200":{"x":15},"g":"10.0.0.1"}`},
		{"alias", "a: &x {h: '${host}'}\nb: *x\n", `{"a":{"h":"10.0.0.1"},"b":{"h":"10.0.0.1"}}`},
		// Intrinsic functions, long and short form.
		{"Ref", "a: {Ref: host}\nb: !Ref host\n", `{"a":"10.0.0.1","b":"10.0.0.1"}`},
		{"Ref pseudo", "a: [!Ref AWS::Region, !Ref AWS::AccountId, !Ref AWS::Partition, !Ref AWS::StackName, !Ref AWS::URLSuffix]\n", `{"a":["eu-west-1","123456789012","aws","shop","amazonaws.com"]}`},
		{"Ref NoValue", "a: !Ref AWS::NoValue\nb: [1, !Ref AWS::NoValue, 2]\n", `{"b":[1,2]}`},
		{"Sub", "a: !Sub 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fn.Arn}'\n", `{"a":"arn:aws:lambda:eu-west-1:123456789012:function:arn:aws:lambda:eu-west-1:123456789012:function:fn"}`},
		{"Sub long", "a: {Fn::Sub: 'http://${host}'}\n", `{"a":"http://10.0.0.1"}`},
		{"Sub vars", "a: !Sub ['${x}-${host}', {x: !Ref AWS::Region}]\n", `{"a":"eu-west-1-10.0.0.1"}`},
		{"Sub literal", "a: !Sub '${!x} ${stageVariables.y} ${!stageVariables.z} $${host}'\n", `{"a":"${x} ${stageVariables.y} ${stageVariables.z} 10.0.0.1"}`},
		{"GetAtt", "a: !GetAtt Fn.Arn\nb: {Fn::GetAtt: [Fn, Arn]}\n", `{"a":"arn:aws:lambda:eu-west-1:123456789012:function:fn","b":"arn:aws:lambda:eu-west-1:123456789012:function:fn"}`},
		{"Join", "a: !Join ['/', [x, !Ref host, '${host}']]\n", `{"a":"x/10.0.0.1/10.0.0.1"}`},
		{"Select", "a: !Select [1, [x, !Ref host]]\nb: {Fn::Select: ['0', [{k: v}]]}\n", `{"a":"10.0.0.1","b":{"k":"v"}}`},
		{"If", "a: !If [IsProd, yes, no]\nb: !If [IsDev, 1, {k: v}]\nc: !If [IsDev, 1, !Ref AWS::NoValue]\n", `{"a":"yes","b":{"k":"v"}}`},
		{"nested", "a: !Join ['', [!Select [0, [!If [IsProd, !Sub '${host}:${AWS::Region}', x]]], /p]]\n", `{"a":"10.0.0.1:eu-west-1/p"}`},
		// Templates: Parameters defaults, given values first, list parameters.
		{"template", sam("openapi: 3.0.1\ninfo: {title: !Sub 'api-${Env}', version: '1'}\nzone: !Select [1, !Ref Zones]\njoined: !Join [+, !Ref Zones]\n"), `{"openapi":"3.0.1","info":{"title":"api-prod","version":"1"},"zone":"b","joined":"a+b"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Render(Input{File: "t.yaml", Data: []byte(tt.file), Parameters: params, Pseudo: pseudo})
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Data) != tt.want {
				t.Errorf("Data =\n%s\nwant\n%s", res.Data, tt.want)
			}
		})
	}
}

// A definition in which nothing changes goes to the importer as written, byte for byte.
func TestRenderUnchanged(t *testing.T) {
	data := []byte("openapi: 3.0.1 # a comment\npaths:\n  /a: {get: {x: 'http://${stageVariables.host}/a'}}\n")
	res, err := Render(Input{File: "t.yaml", Data: data})
	if err != nil || string(res.Data) != string(data) || res.File != "t.yaml" || res.Pointer != "" || res.Template {
		t.Errorf("Render = %+v, %v, want the bytes as they are", res, err)
	}
	bad := []byte("a: [")
	if res, err := Render(Input{File: "t.yaml", Data: bad}); err != nil || string(res.Data) != string(bad) {
		t.Errorf("Render of a file that is not YAML = %v, %v, want it left for the importer", res, err)
	}
}

func TestRenderProblems(t *testing.T) {
	tests := []struct {
		name, file string
		params     map[string]string
		resource   string
		want       []string // every problem, exactly
	}{
		{"missing placeholder", "a: {b: 'http://${host}/${port}'}\n", nil, "", []string{
			"t.yaml: /a/b: ${host} has no value: give host in apis[].parameters",
			"t.yaml: /a/b: ${port} has no value: give port in apis[].parameters",
		}},
		{"missing in key", "paths: {'/${prefix}': {}}\n", nil, "", []string{"t.yaml: /paths/~1${prefix}: ${prefix} has no value: give prefix in apis[].parameters"}},
		{"expression", "a: '${upper(x)}'\n", nil, "", []string{"t.yaml: /a: unsupported placeholder ${upper(x)}: Tollgate fills ${name} placeholders only (write $${ for a literal ${)"}},
		{"unterminated", "a: 'x${host'\n", nil, "", []string{`t.yaml: /a: unterminated placeholder "${host": close it with }, or write $${ for a literal ${`}},
		{"directive", "a: '%{ if x }y%{ endif }'\n", nil, "", []string{"t.yaml: /a: the template directive %{ is not supported yet: Tollgate fills ${name} placeholders only (write %%{ for a literal %{)"}},
		{"missing Ref", "a: [!Ref Nope, {Ref: Other}]\n", nil, "", []string{
			"t.yaml: /a/0: Ref Nope has no value: give Nope in apis[].parameters",
			"t.yaml: /a/1: Ref Other has no value: give Other in apis[].parameters",
		}},
		{"missing Sub", "a: !Sub '${Fn.Arn}/${x}'\n", map[string]string{"x": "1"}, "", []string{"t.yaml: /a: ${Fn.Arn} in Fn::Sub has no value: give Fn.Arn in apis[].parameters"}},
		{"missing GetAtt", "a: {Fn::GetAtt: [Fn, Arn]}\n", nil, "", []string{"t.yaml: /a: Fn::GetAtt Fn.Arn has no value: give Fn.Arn in apis[].parameters (Tollgate deploys none of the template's resources)"}},
		{"bad GetAtt", "a: !GetAtt Fn\n", nil, "", []string{`t.yaml: /a: Fn::GetAtt wants Resource.Attribute or [Resource, Attribute], not "Fn"`}},
		{"missing condition", "a: !If [IsProd, 1, 2]\n", nil, "", []string{"t.yaml: /a/0: condition IsProd of Fn::If has no value: give IsProd in apis[].parameters as true or false"}},
		{"bad condition", "a: {Fn::If: [IsProd, 1, 2]}\n", map[string]string{"IsProd": "maybe"}, "", []string{`t.yaml: /a/Fn::If/0: condition IsProd of Fn::If is "maybe": want true or false`}},
		{"only the branch taken", "a: !If [IsProd, 1, !Ref Nope]\n", map[string]string{"IsProd": "true"}, "", nil},
		{"nested missing", "a: !Join ['', [x, !Select [0, [!Sub '${deep}']]]]\n", nil, "", []string{"t.yaml: /a/1/1/1/0: ${deep} in Fn::Sub has no value: give deep in apis[].parameters"}},
		{"Select out of range", "a: !Select [2, [x, y]]\n", nil, "", []string{"t.yaml: /a/0: Fn::Select index 2 is out of range: the list has 2 values"}},
		{"Join of a mapping", "a: !Join [',', [{k: v}]]\n", nil, "", []string{"t.yaml: /a/1/0: Fn::Join joins strings, not a list or mapping"}},
		{"unsupported function", "a: !FindInMap [M, k, v]\nb: {Fn::Base64: x}\n", nil, "", []string{
			"t.yaml: /a: Fn::FindInMap is not supported yet: " + supported,
			"t.yaml: /b: Fn::Base64 is not supported yet: " + supported,
		}},
		{"unknown tag", "a: !Bogus x\n", nil, "", []string{"t.yaml: /a: unknown YAML tag !Bogus"}},
		{"remote include", "a: {Fn::Transform: {Name: AWS::Include, Parameters: {Location: 's3://bucket/api.yaml'}}}\n", nil, "", []string{
			`t.yaml: /a/Fn::Transform/Parameters/Location: AWS::Include of "s3://bucket/api.yaml" is refused: Tollgate reads local files only; copy it beside the template and give its path`,
		}},
		{"other transform", "a: {Fn::Transform: {Name: AWS::Other, Parameters: {Location: x}}}\n", nil, "", []string{"t.yaml: /a/Fn::Transform/Name: Fn::Transform AWS::Other is not supported yet: Tollgate runs AWS::Include alone"}},
		{"resource of a definition", "openapi: 3.0.1\n", nil, "Api", []string{`t.yaml: the definition is not a CloudFormation or SAM template, so it has no resource "Api": drop apis[].resource`}},
		{"template parameter without default", sam("a: !Ref Stage\n") + "  # Stage declared below\n", nil, "", []string{bodyAt + "/a: Ref Stage has no value: give Stage in apis[].parameters"}},
		{"no API", "Resources: {Fn: {Type: AWS::Serverless::Function}}\n", nil, "", []string{"t.yaml: /Resources: the template declares no API resource (" + apiTypeNames() + ")"}},
		{"several APIs", twoAPIs, nil, "", []string{"t.yaml: /Resources: the template declares several APIs (Admin, Public): name one in apis[].resource"}},
		{"no such resource", twoAPIs, nil, "Nope", []string{"t.yaml: /Resources: the template has no resource Nope: its APIs are Admin, Public"}},
		{"not an API", twoAPIs, nil, "Fn", []string{"t.yaml: /Resources/Fn/Type: resource Fn is not an API (" + apiTypeNames() + "): its APIs are Admin, Public"}},
		{"no body", "Resources: {Api: {Type: AWS::Serverless::Api, Properties: {StageName: p}}}\n", nil, "", []string{
			"t.yaml: /Resources/Api/Properties: the API has no DefinitionBody: Tollgate serves the definition written there (SAM's definition made from the functions' events is not supported yet)",
		}},
		{"remote body", "Resources: {Api: {Type: AWS::ApiGateway::RestApi, Properties: {BodyS3Location: {Bucket: b, Key: k}}}}\n", nil, "", []string{
			"t.yaml: /Resources/Api/Properties/BodyS3Location: BodyS3Location is not supported yet: Tollgate reads the definition from Body, inline or from a local file with Fn::Transform AWS::Include",
			"t.yaml: /Resources/Api/Properties: the API has no Body: Tollgate serves the definition written there (SAM's definition made from the functions' events is not supported yet)",
		}},
		{"property beside the body", "Resources: {Api: {Type: AWS::Serverless::Api, Properties: {Cors: '*', DefinitionBody: {openapi: 3.0.1}}}}\n", nil, "", []string{
			"t.yaml: /Resources/Api/Properties/Cors: Cors is not supported yet: it applies beside the definition, and Tollgate serves the definition alone (write it into the definition, or stages and their variables into the config)",
		}},
		{"function event", "Resources:\n  Api: {Type: AWS::Serverless::Api, Properties: {DefinitionBody: {openapi: 3.0.1}}}\n  Fn: {Type: AWS::Serverless::Function, Properties: {Events: {Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /, Method: get}}}}}\n", nil, "", []string{
			"t.yaml: /Resources/Fn/Properties/Events/Get: this Api event adds a route to Api's definition when SAM transforms the template, which Tollgate does not do yet: write the route in Api's definition",
		}},
		{"other macro", "Transform: [AWS::Serverless-2016-10-31, MyMacro]\nResources: {Api: {Type: AWS::Serverless::Api, Properties: {DefinitionBody: {openapi: 3.0.1}}}}\n", nil, "", []string{
			"t.yaml: /Transform: the transform MyMacro is not supported yet: a macro may rewrite the API, and Tollgate runs none",
		}},
		{"body not a mapping", "Resources: {Api: {Type: AWS::ApiGateway::RestApi, Properties: {Body: !Ref B}}}\n", map[string]string{"B": "x"}, "", []string{
			"t.yaml: /Resources/Api/Properties/Body: the definition must be a mapping (an OpenAPI or Swagger document)",
		}},
		{"alias cycle", "a: &x [*x]\n", nil, "", []string{"t.yaml: /a/0: the YAML alias *x is inside its own anchor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if tt.name == "template parameter without default" {
				file = strings.Replace(file, "Parameters:\n", "Parameters:\n  Stage: {Type: String}\n", 1)
			}
			_, err := Render(Input{File: "t.yaml", Data: []byte(file), Parameters: tt.params, Pseudo: pseudo, Resource: tt.resource})
			var got []string
			if err != nil {
				for _, p := range err.(diag.Problems) {
					got = append(got, p.String())
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

const twoAPIs = `Resources:
  Public: {Type: AWS::Serverless::Api, Properties: {DefinitionBody: {openapi: 3.0.1}}}
  Admin: {Type: AWS::ApiGateway::RestApi, Properties: {Body: {swagger: '2.0'}}}
  Fn: {Type: AWS::Serverless::Function}
`

func TestRenderChoosesResource(t *testing.T) {
	for id, want := range map[string]string{"Public": `{"openapi":"3.0.1"}`, "Admin": `{"swagger":"2.0"}`} {
		res, err := Render(Input{File: "t.yaml", Data: []byte(twoAPIs), Resource: id})
		if err != nil {
			t.Fatal(err)
		}
		if string(res.Data) != want || res.Resource != id || !res.Template {
			t.Errorf("%s: %+v, want %s", id, res, want)
		}
	}
	if _, pointer := mustRender(t, Input{File: "t.yaml", Data: []byte(twoAPIs), Resource: "Admin"}).Locate(""); pointer != "/Resources/Admin/Properties/Body" {
		t.Errorf("pointer = %s", pointer)
	}
}

func mustRender(t *testing.T, in Input) *Result {
	t.Helper()
	res, err := Render(in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Locate maps a pointer of the definition made to where the user wrote it: through the body's place in the
// template, a chosen Fn::If or Fn::Select branch, removed values, placeholder keys and included files.
func TestLocate(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "paths.yaml"), []byte("/p: {get: {x: 1}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "t.yaml")
	res := mustRender(t, Input{File: file, Pseudo: pseudo, Parameters: map[string]string{"IsProd": "false", "v": "v1"}, Data: []byte(sam(`openapi: 3.0.1
info: !If [IsProd, {title: a}, {title: b, version: "1"}]
list: [!Ref AWS::NoValue, a, b]
/${v}/x: {get: 1}
long: {Fn::Select: [0, [{k: v}]]}
paths: {Fn::Transform: {Name: AWS::Include, Parameters: {Location: paths.yaml}}}
`))})
	body := "/Resources/Api/Properties/DefinitionBody"
	for ptr, want := range map[string]string{
		"":                   file + " " + body,
		"/openapi":           file + " " + body + "/openapi",
		"/info/version":      file + " " + body + "/info/2/version",
		"/list/1":            file + " " + body + "/list/2",
		"/~1v1~1x/get":       file + " " + body + "/~1${v}~1x/get",
		"/long/k":            file + " " + body + "/long/Fn::Select/1/0/k",
		"/paths":             filepath.Join(dir, "paths.yaml") + " ",
		"/paths/~1p/get/x":   filepath.Join(dir, "paths.yaml") + " /~1p/get/x",
		"/pathsnot/anything": file + " " + body + "/pathsnot/anything",
	} {
		f, p := res.Locate(ptr)
		if f+" "+p != want {
			t.Errorf("Locate(%q) = %s %s, want %s", ptr, f, p, want)
		}
	}
	if got := strings.Join(res.Includes, " "); got != filepath.Join(dir, "paths.yaml") {
		t.Errorf("Includes = %s", got)
	}
	ps := res.Relocate("x", diag.Problems{{File: "x", Pointer: "/info/version", Reason: "r"}, {File: "other", Pointer: "/a", Reason: "r"}})
	if ps.Error() != file+": "+body+"/info/2/version: r\nother: /a: r" {
		t.Errorf("Relocate = %v", ps)
	}
}

func TestRenderIncludeProblems(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	inc := write("api.yaml", "openapi: 3.0.1\ninfo: {title: !Sub '${Missing}'}\n")
	self := write("self.yaml", "Fn::Transform: {Name: AWS::Include, Parameters: {Location: self.yaml}}\n")
	tpl := write("t.yaml", "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      DefinitionBody: {Fn::Transform: {Name: AWS::Include, Parameters: {Location: api.yaml}}}\n")
	res, err := Render(Input{File: tpl, Data: []byte(mustRead(t, tpl))})
	if err == nil || err.Error() != inc+": /info/title: ${Missing} in Fn::Sub has no value: give Missing in apis[].parameters" {
		t.Errorf("err = %v, want the problem in the included file", err)
	}
	if res == nil || strings.Join(res.Includes, " ") != inc {
		t.Errorf("result = %+v, want the included file named even on a problem (fixing it is a reload)", res)
	}
	_, err = Render(Input{File: self, Data: []byte(mustRead(t, self))})
	if err == nil || err.Error() != self+": /Fn::Transform/Parameters/Location: AWS::Include of "+self+" includes itself" {
		t.Errorf("err = %v, want the cycle", err)
	}
	missing := write("m.yaml", "a: {Fn::Transform: {Name: AWS::Include, Parameters: {Location: nope.yaml}}}\n")
	if _, err = Render(Input{File: missing, Data: []byte(mustRead(t, missing))}); err == nil || !strings.HasPrefix(err.Error(), missing+": /a/Fn::Transform/Parameters/Location: cannot read the included file:") {
		t.Errorf("err = %v", err)
	}
}

func mustRead(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestRenderWarningsAndUnused(t *testing.T) {
	res := mustRender(t, Input{File: "t.yaml", Parameters: map[string]string{"Env": "prod", "spare": "x"}, Data: []byte(
		"Resources:\n  Api: {Type: AWS::Serverless::Api, Properties: {StageName: prod, DefinitionBody: {title: !Ref Env}}}\n")})
	if res.Warnings.Error() != "t.yaml: /Resources/Api/Properties/StageName: StageName has no effect: Tollgate serves the definition alone, with the id and stages its config gives" {
		t.Errorf("warnings = %v", res.Warnings)
	}
	if res.UsesPseudo {
		t.Errorf("UsesPseudo, but no pseudo parameter is read")
	}
	if !mustRender(t, Input{File: "t.yaml", Data: []byte("a: ${AWS::Region}\n")}).UsesPseudo {
		t.Errorf("UsesPseudo = false for a definition reading AWS::Region")
	}
	if strings.Join(res.Unused, ",") != "spare" {
		t.Errorf("unused = %v", res.Unused)
	}
}

func TestIsTemplate(t *testing.T) {
	for data, want := range map[string]bool{
		"AWSTemplateFormatVersion: '2010-09-09'\n":  true,
		"Transform: AWS::Serverless-2016-10-31\n":   true,
		"Transform: [AWS::Serverless-2016-10-31]\n": true,
		"Resources: {}\n":                           true,
		"openapi: 3.0.1\n":                          false,
		"Transform: Other\n":                        false,
		"[":                                         false,
	} {
		if got := IsTemplate([]byte(data)); got != want {
			t.Errorf("IsTemplate(%q) = %v", data, got)
		}
	}
}

// The corpus: each file of testdata/corpus is rendered with the parameters of its .params.json, if any, and
// compared with its golden: the definition (as YAML), or the problems it is refused with.
func TestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/corpus/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in := Input{File: file, Data: []byte(mustRead(t, file)), Pseudo: pseudo}
			if params, err := os.ReadFile(strings.TrimSuffix(file, ".yaml") + ".params.json"); err == nil {
				var p struct {
					Parameters map[string]string `json:"parameters"`
					Resource   string            `json:"resource"`
				}
				if err := json.Unmarshal(params, &p); err != nil {
					t.Fatal(err)
				}
				in.Parameters, in.Resource = p.Parameters, p.Resource
			}
			base := filepath.Join("testdata", "golden", strings.TrimSuffix(filepath.Base(file), ".yaml"))
			res, err := Render(in)
			if err != nil {
				golden.Check(t, base+".problems.txt", []byte(err.Error()+"\n"))
				return
			}
			golden.Check(t, base+".yaml", golden.YAML(t, res.Data))
		})
	}
}
