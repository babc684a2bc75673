package management

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// botocoreModel is the aws CLI's own description of a service (make tools installs the CLI into .tools/awscli):
// the oracle of the management API's field names and types.
func botocoreModel(t *testing.T, service, version string) map[string]shape {
	t.Helper()
	file := filepath.Join("..", "..", ".tools", "awscli", "awscli", "botocore", "data", service, version, "service-2.json")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the shapes are checked against botocore's model, which `make tools` installs with the aws CLI: %v", err)
	}
	var m struct{ Shapes map[string]shape }
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m.Shapes
}

type shape struct {
	Type    string
	Members map[string]struct{ Shape, LocationName string }
	Member  struct{ Shape string }
	Enum    []string
}

// checkShape fails for each field of Go type typ that the model's shape name lacks, or has with another type:
// the JSON a client decodes is the model's.
func checkShape(t *testing.T, shapes map[string]shape, name string, typ reflect.Type) {
	t.Helper()
	s, ok := shapes[name]
	if !ok || s.Type != "structure" {
		t.Fatalf("the model has no structure %s", name)
	}
	wire := map[string]string{} // a member's name on the wire (its locationName, if any) -> its shape
	for member, m := range s.Members {
		if m.LocationName != "" {
			member = m.LocationName
		}
		wire[member] = m.Shape
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		field, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		memberShape, ok := wire[field]
		if !ok {
			t.Errorf("%s has no member %s (%s.%s)", name, field, typ.Name(), f.Name)
			continue
		}
		want := map[reflect.Kind]string{reflect.String: "string", reflect.Bool: "boolean", reflect.Slice: "list", reflect.Struct: "structure"}[f.Type.Kind()]
		if got := shapes[memberShape].Type; got != want {
			t.Errorf("%s.%s is a %s in the model, %s here", name, field, got, f.Type)
		}
		if f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct {
			checkShape(t, shapes, shapes[memberShape].Member.Shape, f.Type.Elem())
		}
	}
}

func TestShapesAreBotocores(t *testing.T) {
	shapes := botocoreModel(t, "apigateway", "2015-07-09")
	checkShape(t, shapes, "RestApi", reflect.TypeFor[restAPI]())
	checkShape(t, shapes, "RestApis", reflect.TypeFor[restAPIPage]())
	for _, source := range []string{"HEADER", "AUTHORIZER"} {
		if !strings.Contains(strings.Join(shapes["ApiKeySourceType"].Enum, " "), source) {
			t.Errorf("apiKeySource %s is none of the model's %v", source, shapes["ApiKeySourceType"].Enum)
		}
	}
}
