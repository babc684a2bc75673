package schema

import (
	"strings"
	"testing"
)

var petModels = map[string]string{
	"Pet":     `{"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}, "price": {"type": "number", "minimum": 0}, "type": {"$ref": "#/definitions/PetType"}}}`,
	"PetType": `{"type": "string", "enum": ["dog", "cat"]}`,
	"NewPet":  `{"type": "object", "properties": {"pet": {"$ref": "#/components/schemas/Pet"}}}`,
	// Draft 4: exclusiveMaximum is a boolean beside maximum.
	"Small": `{"type": "integer", "maximum": 10, "exclusiveMaximum": true}`,
}

func TestValidate(t *testing.T) {
	models, problems := Compile(petModels)
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	tests := []struct {
		model, body string
		valid       bool
	}{
		{"Pet", `{"name": "Rex", "price": 10, "type": "dog"}`, true},
		{"Pet", `{"price": 10}`, false},                   // required
		{"Pet", `{"name": "Rex", "type": "fish"}`, false}, // enum through a $ref
		{"Pet", `{"name": "", "price": -1}`, false},
		{"Pet", `not json`, false},
		{"NewPet", `{"pet": {"name": "Tom"}}`, true},
		{"NewPet", `{"pet": {}}`, false}, // a $ref by components/schemas
		{"Small", `9`, true},
		{"Small", `10`, false},
		{"Small", `9.5`, false},
	}
	for _, tt := range tests {
		err := models.Validate(tt.model, []byte(tt.body))
		if (err == nil) != tt.valid {
			t.Errorf("%s %s: err %v, want valid %v", tt.model, tt.body, err, tt.valid)
		}
	}
}

func TestCompileProblems(t *testing.T) {
	_, problems := Compile(map[string]string{
		"Remote": `{"$ref": "https://example.com/pet.json"}`,
		"Broken": `{"type": 7}`,
		"Text":   `{`,
		"Fine":   `{"type": "string"}`,
	})
	for _, name := range []string{"Remote", "Broken", "Text"} {
		if problems[name] == nil {
			t.Errorf("%s compiled", name)
		}
	}
	if problems["Fine"] != nil {
		t.Errorf("Fine: %v", problems["Fine"])
	}
	if !strings.Contains(problems["Remote"].Error(), "example.com") {
		t.Errorf("Remote: %v", problems["Remote"])
	}
}
