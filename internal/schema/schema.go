// Package schema compiles an API's models, JSON Schema draft 4 as API Gateway's are, and validates request bodies
// against them. A model may $ref another model of the API (#/definitions/NAME or #/components/schemas/NAME),
// never anything else: nothing is fetched.
package schema

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Models are an API's compiled models, by name.
type Models struct {
	byName map[string]*jsonschema.Schema
}

// location is where the models stand while compiled: one document with them under both names a $ref may use.
const location = "tollgate:///models.json"

// Compile compiles the models (name -> schema as JSON text). A model that does not compile is left out and its
// error returned by name.
func Compile(models map[string]string) (*Models, map[string]error) {
	decoded := map[string]any{}
	problems := map[string]error{}
	for name, text := range models {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
		if err != nil {
			problems[name] = fmt.Errorf("not JSON: %v", err)
			continue
		}
		decoded[name] = v
	}
	out := &Models{byName: map[string]*jsonschema.Schema{}}
	// The models share one document, which compiles only if each of them does: each is compiled first with the
	// others standing as empty schemas, so that a broken model is the one reported.
	for name := range decoded {
		alone := map[string]any{}
		for other := range decoded {
			alone[other] = map[string]any{}
		}
		alone[name] = decoded[name]
		if _, err := compiler(alone).compile(name); err != nil {
			problems[name] = err
		}
	}
	if len(problems) > 0 {
		return out, problems
	}
	c := compiler(decoded)
	for name := range decoded {
		s, err := c.compile(name)
		if err != nil {
			problems[name] = err
			continue
		}
		out.byName[name] = s
	}
	return out, problems
}

type modelCompiler struct {
	c   *jsonschema.Compiler
	err error
}

// compiler holds the models as one document, under both names a $ref may use.
func compiler(models map[string]any) modelCompiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	c.UseLoader(noFetch{})
	err := c.AddResource(location, map[string]any{"definitions": models, "components": map[string]any{"schemas": models}})
	return modelCompiler{c, err}
}

func (m modelCompiler) compile(name string) (*jsonschema.Schema, error) {
	if m.err != nil {
		return nil, m.err
	}
	s, err := m.c.Compile(location + "#/definitions/" + escape(name))
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), location, ""))
	}
	return s, nil
}

// Validate checks a body against a model; the error says why it does not conform.
func (m *Models) Validate(model string, body []byte) error {
	s, ok := m.byName[model]
	if !ok {
		return fmt.Errorf("no model %q", model)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the body is not JSON: %v", err)
	}
	if err := s.Validate(v); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return errors.New(strings.ReplaceAll(ve.Error(), location, ""))
		}
		return err
	}
	return nil
}

func escape(token string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(token)
}

// noFetch refuses every $ref outside the models: a definition's models are all there is.
type noFetch struct{}

func (noFetch) Load(url string) (any, error) {
	return nil, fmt.Errorf("$ref to %s: a model may refer only to the API's other models", url)
}
