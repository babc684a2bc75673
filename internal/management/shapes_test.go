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
	Members map[string]struct{ Shape, Location, LocationName string }
	Member  struct{ Shape string }
	Value   struct{ Shape string }
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
		if m.Location != "" {
			continue // in the URI, the query or a header: not the body's
		}
		if m.LocationName != "" {
			member = m.LocationName
		}
		wire[member] = m.Shape
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if !f.IsExported() {
			continue // not on the wire
		}
		field, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		memberShape, ok := wire[field]
		if !ok {
			t.Errorf("%s has no member %s (%s.%s)", name, field, typ.Name(), f.Name)
			continue
		}
		typ := f.Type
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		got, want := shapes[memberShape].Type, kindOf(typ)
		if got == "long" {
			got = "integer" // JSON writes both alike
		}
		if got != want {
			t.Errorf("%s.%s is a %s in the model, %s here", name, field, got, f.Type)
		}
		switch elem := elemStruct(typ); {
		case elem == nil:
		case typ.Kind() == reflect.Slice:
			checkShape(t, shapes, shapes[memberShape].Member.Shape, elem)
		case typ.Kind() == reflect.Map:
			checkShape(t, shapes, shapes[memberShape].Value.Shape, elem)
		default:
			checkShape(t, shapes, memberShape, elem)
		}
	}
}

// kindOf is the model's type for a Go type.
func kindOf(typ reflect.Type) string {
	if typ == reflect.TypeFor[timestamp]() || typ == reflect.TypeFor[iso8601]() {
		return "timestamp"
	}
	return map[reflect.Kind]string{reflect.String: "string", reflect.Bool: "boolean", reflect.Slice: "list", reflect.Struct: "structure",
		reflect.Map: "map", reflect.Int: "integer", reflect.Int32: "integer", reflect.Int64: "integer", reflect.Float64: "double",
		reflect.Interface: "structure"}[typ.Kind()]
}

// elemStruct is the structure a field holds (itself, or its elements or values), nil for none.
func elemStruct(typ reflect.Type) reflect.Type {
	if typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
		typ = typ.Elem()
	}
	if typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if typ.Kind() == reflect.Struct {
		return typ
	}
	return nil
}

func TestShapesAreBotocores(t *testing.T) {
	shapes := botocoreModel(t, "apigateway", "2015-07-09")
	checkShape(t, shapes, "RestApi", reflect.TypeFor[restAPI]())
	checkShape(t, shapes, "RestApis", reflect.TypeFor[restAPIPage]())
	checkShape(t, shapes, "Resource", reflect.TypeFor[resource]())
	checkShape(t, shapes, "Resources", reflect.TypeFor[resourcePage]())
	checkShape(t, shapes, "Deployment", reflect.TypeFor[deployment]())
	checkShape(t, shapes, "Deployments", reflect.TypeFor[deploymentPage]())
	checkShape(t, shapes, "Stage", reflect.TypeFor[stage]())
	checkShape(t, shapes, "Stages", reflect.TypeFor[stagePage]())
	checkShape(t, shapes, "PatchOperation", reflect.TypeFor[patchOperation]())
	checkShape(t, shapes, "Account", reflect.TypeFor[account]())
	checkShape(t, shapes, "Tags", reflect.TypeFor[tagsAnswer]())
	checkShape(t, shapes, "MethodSetting", reflect.TypeFor[methodSetting]())
	checkShape(t, shapes, "AccessLogSettings", reflect.TypeFor[accessLogSettings]())
	checkShape(t, shapes, "GatewayResponse", reflect.TypeFor[gatewayResponse]())
	checkShape(t, shapes, "GatewayResponses", reflect.TypeFor[gatewayResponsePage]())
	checkShape(t, shapes, "Model", reflect.TypeFor[model]())
	checkShape(t, shapes, "Models", reflect.TypeFor[modelPage]())
	checkShape(t, shapes, "RequestValidator", reflect.TypeFor[requestValidator]())
	checkShape(t, shapes, "RequestValidators", reflect.TypeFor[requestValidatorPage]())
	checkShape(t, shapes, "Authorizer", reflect.TypeFor[authorizer]())
	checkShape(t, shapes, "Authorizers", reflect.TypeFor[authorizerPage]())
	checkShape(t, shapes, "ApiKey", reflect.TypeFor[apiKey]())
	checkShape(t, shapes, "ApiKeys", reflect.TypeFor[apiKeyPage]())
	checkShape(t, shapes, "UsagePlan", reflect.TypeFor[usagePlan]())
	checkShape(t, shapes, "UsagePlans", reflect.TypeFor[usagePlanPage]())
	checkShape(t, shapes, "UsagePlanKey", reflect.TypeFor[usagePlanKey]())
	checkShape(t, shapes, "UsagePlanKeys", reflect.TypeFor[usagePlanKeyPage]())
	checkShape(t, shapes, "CreateRestApiRequest", reflect.TypeFor[createRestAPIRequest]())
	checkShape(t, shapes, "PutMethodRequest", reflect.TypeFor[putMethodRequest]())
	checkShape(t, shapes, "PutIntegrationRequest", reflect.TypeFor[putIntegrationRequest]())
	checkShape(t, shapes, "TestInvokeMethodResponse", reflect.TypeFor[testInvokeAnswer]())
	checkShape(t, shapes, "TestInvokeAuthorizerResponse", reflect.TypeFor[testInvokeAuthorizerAnswer]())
	for _, source := range []string{"HEADER", "AUTHORIZER"} {
		if !strings.Contains(strings.Join(shapes["ApiKeySourceType"].Enum, " "), source) {
			t.Errorf("apiKeySource %s is none of the model's %v", source, shapes["ApiKeySourceType"].Enum)
		}
	}
}

func TestHTTPAPIShapesAreBotocores(t *testing.T) {
	shapes := botocoreModel(t, "apigatewayv2", "2018-11-29")
	checkShape(t, shapes, "Api", reflect.TypeFor[httpAPI]())
	checkShape(t, shapes, "GetApisResponse", reflect.TypeFor[httpAPIPage]())
	checkShape(t, shapes, "Integration", reflect.TypeFor[integrationV2]())
	checkShape(t, shapes, "Route", reflect.TypeFor[routeV2]())
	checkShape(t, shapes, "Authorizer", reflect.TypeFor[authorizerV2]())
	checkShape(t, shapes, "Stage", reflect.TypeFor[stageV2]())
	checkShape(t, shapes, "Deployment", reflect.TypeFor[deploymentV2]())
}
