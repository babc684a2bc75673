package ir

import (
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/schema"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Validation is what a method's request validator checks, after the caller's checks and before the integration.
type Validation struct {
	// Required are the required query string parameters and headers, as method.request.querystring.NAME and
	// method.request.header.NAME, sorted. (A path parameter is there whenever the route matches.)
	Required []string `json:"required,omitempty"`
	// Models are the request body's model by content type (lower-case), a name among the API's Models.
	Models map[string]string `json:"models,omitempty"`
}

// NeedsBody tells whether the validation reads the request body.
func (v *Validation) NeedsBody() bool { return v != nil && len(v.Models) > 0 }

// apiModels are the models the API's validated methods use, checked to compile; nil when no method validates a
// body.
func (b *builder) apiModels(api *tollgatev1.RestApi) map[string]string {
	if len(api.GetModels()) == 0 {
		return nil
	}
	_, problems := schema.Compile(api.GetModels())
	for _, name := range sortedKeys(problems) {
		at := diag.Pointer("components", "schemas", name)
		if strings.HasPrefix(name, "/") {
			at = name // an inline schema, named by its pointer
		}
		b.probs.Addf(api.GetSourceFile(), at, "model %s: %v", name, problems[name])
	}
	return api.GetModels()
}

// validation resolves the request validator a method uses (its own, else the API's default).
func validation(api *tollgatev1.RestApi, m *tollgatev1.Method) *Validation {
	name := m.GetRequestValidator()
	if name == "" {
		name = api.GetRequestValidator()
	}
	rv := api.GetRequestValidators()[name]
	if rv == nil {
		return nil
	}
	v := &Validation{}
	if rv.GetValidateRequestParameters() {
		for param, required := range m.GetRequestParameters() {
			if required && !strings.HasPrefix(param, "method.request.path.") {
				v.Required = append(v.Required, param)
			}
		}
		slices.Sort(v.Required)
	}
	if rv.GetValidateRequestBody() && len(m.GetRequestModels()) > 0 {
		v.Models = m.GetRequestModels()
	}
	if len(v.Required) == 0 && len(v.Models) == 0 {
		return nil
	}
	return v
}
