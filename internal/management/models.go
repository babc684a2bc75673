package management

import (
	"cmp"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// A managed REST API's models (JSON Schema draft 4, by name) and request validators (by id), which methods name
// in requestModels and requestValidatorId. A deployment exports them as components.schemas and
// x-amazon-apigateway-request-validators, which the importer reads as a file's.

func init() {
	const (
		models     = "/restapis/{restapi_id}/models"
		model      = models + "/{model_name}"
		validators = "/restapis/{restapi_id}/requestvalidators"
		validator  = validators + "/{requestvalidator_id}"
	)
	routes = append(routes,
		route{"POST " + models, (*Service).createModel},
		route{"GET " + models, (*Service).getModels},
		route{"GET " + model, (*Service).getModel},
		route{"PATCH " + model, (*Service).updateModel},
		route{"DELETE " + model, (*Service).deleteModel},
		route{"POST " + validators, (*Service).createRequestValidator},
		route{"GET " + validators, (*Service).getRequestValidators},
		route{"GET " + validator, (*Service).getRequestValidator},
		route{"PATCH " + validator, (*Service).updateRequestValidator},
		route{"DELETE " + validator, (*Service).deleteRequestValidator},
	)
}

// model is API Gateway's Model.
type model struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Schema      string `json:"schema,omitempty"`
	ContentType string `json:"contentType"`
}

// modelPage is GetModels's answer, API Gateway's Models.
type modelPage struct {
	Items    []model `json:"item"`
	Position string  `json:"position,omitempty"`
}

// requestValidator is API Gateway's RequestValidator.
type requestValidator struct {
	ID                        string `json:"id"`
	Name                      string `json:"name"`
	ValidateRequestBody       bool   `json:"validateRequestBody"`
	ValidateRequestParameters bool   `json:"validateRequestParameters"`
}

// requestValidatorPage is GetRequestValidators's answer, API Gateway's RequestValidators.
type requestValidatorPage struct {
	Items    []requestValidator `json:"item"`
	Position string             `json:"position,omitempty"`
}

// defaultModels are the models API Gateway gives every new REST API.
func defaultModels() []*model {
	return []*model{
		{ID: newID(), Name: "Empty", Description: "This is a default empty schema model", ContentType: "application/json",
			Schema: `{"$schema":"http://json-schema.org/draft-04/schema#","title":"Empty Schema","type":"object"}`},
		{ID: newID(), Name: "Error", Description: "This is a default error schema model", ContentType: "application/json",
			Schema: `{"$schema":"http://json-schema.org/draft-04/schema#","title":"Error Schema","type":"object","properties":{"message":{"type":"string"}}}`},
	}
}

func (rec *apiRecord) model(name string) *model {
	for _, m := range rec.Models {
		if m.Name == name {
			return m
		}
	}
	return nil
}

func modelOf(rec *apiRecord, name string) (*model, error) {
	if m := rec.model(name); m != nil {
		return m, nil
	}
	return nil, notFound("Invalid model name specified: %s", name)
}

// checkSchema refuses a schema that is not a JSON object; the model check compiles it at deployment.
func checkSchema(schema string) error {
	var v map[string]any
	if err := json.Unmarshal([]byte(schema), &v); err != nil {
		return badRequest("Invalid model schema specified: %v", err)
	}
	return nil
}

func (s *Service) createModel(w http.ResponseWriter, r *http.Request) {
	var m model
	if err := decode(r, &m); err != nil {
		fail(w, err)
		return
	}
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		switch {
		case m.Name == "" || strings.ContainsAny(m.Name, "/#~ "):
			return false, badRequest("Invalid model name specified: %q", m.Name)
		case (*rec).model(m.Name) != nil:
			return false, conflict("Model name already exists for this REST API")
		case m.ContentType == "":
			return false, badRequest("Content type must be specified")
		}
		if err := checkSchema(m.Schema); err != nil {
			return false, err
		}
		m.ID = newID()
		(*rec).Models = append((*rec).Models, &m)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, m)
}

func (s *Service) getModels(w http.ResponseWriter, r *http.Request) {
	readList(s, w, r, func(rec *apiRecord) []model {
		var all []model
		for _, m := range rec.Models {
			all = append(all, *m)
		}
		return all
	}, func(m model) string { return m.ID }, func(page []model, position string) any { return modelPage{page, position} })
}

func (s *Service) getModel(w http.ResponseWriter, r *http.Request) {
	readOne(s, w, r, func(rec *apiRecord) (*model, error) { return modelOf(rec, r.PathValue("model_name")) })
}

// updateModel is UpdateModel over /schema and /description; a deployment serves the change.
func (s *Service) updateModel(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	var out *model
	_, err = s.change(r, func(rec **apiRecord) (bool, error) {
		m, err := modelOf(*rec, r.PathValue("model_name"))
		if err != nil {
			return false, err
		}
		for _, op := range ops {
			switch {
			case op.Op == "replace" && op.Path == "/schema":
				if err := checkSchema(op.Value); err != nil {
					return false, err
				}
				m.Schema = op.Value
			case op.Op == "replace" && op.Path == "/description":
				m.Description = op.Value
			default:
				return false, invalidPatch(op)
			}
		}
		out = m
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteModel is DeleteModel, of a model no method of the working copy names.
func (s *Service) deleteModel(w http.ResponseWriter, r *http.Request) {
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		m, err := modelOf(*rec, r.PathValue("model_name"))
		if err != nil {
			return false, err
		}
		for _, res := range (*rec).Resources {
			for name, method := range res.ResourceMethods {
				if slices.Contains(slices.Collect(maps.Values(method.RequestModels)), m.Name) {
					return false, badRequest("Cannot delete model '%s', is referenced in method request: %s %s", m.Name, name, res.Path)
				}
			}
		}
		(*rec).Models = slices.DeleteFunc((*rec).Models, func(other *model) bool { return other == m })
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	noContent(w)
}

func (rec *apiRecord) validator(id string) *requestValidator {
	for _, v := range rec.RequestValidators {
		if v.ID == id {
			return v
		}
	}
	return nil
}

func validatorOf(rec *apiRecord, id string) (*requestValidator, error) {
	if v := rec.validator(id); v != nil {
		return v, nil
	}
	return nil, notFound("Invalid Request Validator identifier specified")
}

func (s *Service) createRequestValidator(w http.ResponseWriter, r *http.Request) {
	var v requestValidator
	if err := decode(r, &v); err != nil {
		fail(w, err)
		return
	}
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		if v.Name == "" {
			return false, badRequest("Invalid request validator name specified")
		}
		for _, other := range (*rec).RequestValidators {
			if other.Name == v.Name {
				return false, conflict("Validator name already exists for this REST API")
			}
		}
		v.ID = newID()
		(*rec).RequestValidators = append((*rec).RequestValidators, &v)
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func (s *Service) getRequestValidators(w http.ResponseWriter, r *http.Request) {
	readList(s, w, r, func(rec *apiRecord) []requestValidator {
		var all []requestValidator
		for _, v := range rec.RequestValidators {
			all = append(all, *v)
		}
		return all
	}, func(v requestValidator) string { return v.ID }, func(page []requestValidator, position string) any { return requestValidatorPage{page, position} })
}

func (s *Service) getRequestValidator(w http.ResponseWriter, r *http.Request) {
	readOne(s, w, r, func(rec *apiRecord) (*requestValidator, error) {
		return validatorOf(rec, r.PathValue("requestvalidator_id"))
	})
}

// updateRequestValidator is UpdateRequestValidator over /name, /validateRequestBody and
// /validateRequestParameters.
func (s *Service) updateRequestValidator(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	var out *requestValidator
	_, err = s.change(r, func(rec **apiRecord) (bool, error) {
		v, err := validatorOf(*rec, r.PathValue("requestvalidator_id"))
		if err != nil {
			return false, err
		}
		patchable := fields{strings: map[string]*string{"/name": &v.Name},
			flags: map[string]*bool{"/validateRequestBody": &v.ValidateRequestBody, "/validateRequestParameters": &v.ValidateRequestParameters}}
		for _, op := range ops {
			if done, err := patchable.replace(op); !done || err != nil {
				return false, cmp.Or(err, invalidPatch(op))
			}
		}
		if v.Name == "" {
			return false, badRequest("Invalid request validator name specified")
		}
		out = v
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// deleteRequestValidator is DeleteRequestValidator, of a validator no method of the working copy names.
func (s *Service) deleteRequestValidator(w http.ResponseWriter, r *http.Request) {
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		v, err := validatorOf(*rec, r.PathValue("requestvalidator_id"))
		if err != nil {
			return false, err
		}
		for _, res := range (*rec).Resources {
			for name, m := range res.ResourceMethods {
				if m.RequestValidatorID == v.ID {
					return false, badRequest("Cannot delete request validator '%s', is referenced in method: %s %s", v.Name, name, res.Path)
				}
			}
		}
		(*rec).RequestValidators = slices.DeleteFunc((*rec).RequestValidators, func(other *requestValidator) bool { return other == v })
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	noContent(w)
}
