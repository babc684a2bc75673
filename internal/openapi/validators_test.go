package openapi

import (
	"maps"
	"testing"
)

// TestValidation: validators, the default one, models and request bodies' models by content type, from both
// formats; models are kept only where a validator validates bodies.
func TestValidation(t *testing.T) {
	tests := []struct {
		name, data  string
		wantModels  []string          // model names
		wantRequest map[string]string // the first method's request models
		wantDefault string
	}{
		{
			name: "OpenAPI 3: a $ref and an inline schema",
			data: `openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-request-validators: {all: {validateRequestBody: true, validateRequestParameters: true}}
x-amazon-apigateway-request-validator: all
components:
  schemas:
    Pet: {type: object, required: [name]}
paths:
  /pets:
    post:
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/Pet'}}
          Text/Plain: {schema: {type: string, maxLength: 3}}
      responses: {}
`,
			wantModels:  []string{"/paths/~1pets/post/requestBody/content/Text~1Plain/schema", "Pet"},
			wantRequest: map[string]string{"application/json": "Pet", "text/plain": "/paths/~1pets/post/requestBody/content/Text~1Plain/schema"},
			wantDefault: "all",
		},
		{
			name: "Swagger 2: a body parameter with the operation's consumes",
			data: `swagger: "2.0"
info: {title: t, version: "1"}
consumes: [application/json]
x-amazon-apigateway-request-validators: {body: {validateRequestBody: true}}
definitions:
  Pet: {type: object}
paths:
  /pets:
    post:
      consumes: [application/json, application/xml]
      x-amazon-apigateway-request-validator: body
      parameters: [{name: pet, in: body, schema: {$ref: '#/definitions/Pet'}}]
      responses: {}
`,
			wantModels:  []string{"Pet"},
			wantRequest: map[string]string{"application/json": "Pet", "application/xml": "Pet"},
		},
		{
			name: "no validator validates bodies: the models change nothing and are left out",
			data: `openapi: 3.0.1
info: {title: t, version: "1"}
x-amazon-apigateway-request-validators: {params: {validateRequestParameters: true}}
components: {schemas: {Pet: {type: object}}}
paths:
  /pets:
    post:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
      responses: {}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, _, err := Import("api.yaml", []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			var models []string
			for name := range maps.Keys(api.GetModels()) {
				models = append(models, name)
			}
			if len(models) != len(tt.wantModels) {
				t.Fatalf("models %v, want %v", models, tt.wantModels)
			}
			for _, name := range tt.wantModels {
				if _, ok := api.GetModels()[name]; !ok {
					t.Errorf("no model %q among %v", name, models)
				}
			}
			got := api.GetResources()[0].GetMethods()[0].GetRequestModels()
			if !maps.Equal(got, tt.wantRequest) {
				t.Errorf("request models %v, want %v", got, tt.wantRequest)
			}
			if api.GetRequestValidator() != tt.wantDefault {
				t.Errorf("default validator %q, want %q", api.GetRequestValidator(), tt.wantDefault)
			}
		})
	}
}
