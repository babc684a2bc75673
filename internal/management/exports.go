package management

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

func init() {
	routes = append(routes, route{"GET /restapis/{restapi_id}/stages/{stage_name}/exports/{export_type}", (*Service).getExport})
}

// getExport is GetExport: the definition a stage serves, as OpenAPI 3.0 (oas30), in JSON or YAML as the Accept
// header asks; with extensions=integrations or apigateway its methods keep their x-amazon-apigateway-integration,
// which import-rest-api reads back.
func (s *Service) getExport(w http.ResponseWriter, r *http.Request) {
	rec, err := s.read(r, false)
	if err == nil {
		var st *stage
		if st, err = stageOf(rec, r.PathValue("stage_name")); err == nil {
			var out []byte
			var contentType string
			definition := rec.deployment(st.DeploymentID).Definition
			if definition == nil { // a file's API, exported as it is served
				definition, err = export(rec)
			}
			if err == nil {
				out, contentType, err = exportAs(definition, r, rec.API.ID+"."+s.files.Load().domain, "/"+st.StageName)
			}
			if err == nil {
				w.Header().Set("Content-Type", contentType)
				w.Header().Set("Content-Disposition", `attachment; filename="`+rec.API.Name+`-`+st.StageName+`-`+r.PathValue("export_type")+`.`+strings.TrimPrefix(contentType, "application/")+`"`)
				_, _ = w.Write(out)
				return
			}
		}
	}
	fail(w, err)
}

// exportAs writes a deployment's definition as r asks: OpenAPI 3.0 as it is kept, or Swagger 2.0 with the stage's
// host and base path.
func exportAs(definition []byte, r *http.Request, host, basePath string) ([]byte, string, error) {
	t := r.PathValue("export_type")
	if t != "oas30" && t != "swagger" {
		return nil, "", badRequest("Invalid export type %s: want oas30 or swagger", t)
	}
	var doc map[string]any
	if err := json.Unmarshal(definition, &doc); err != nil {
		return nil, "", err
	}
	if t == "swagger" {
		var err error
		if doc, err = swaggerOf(doc, host, basePath); err != nil {
			return nil, "", err
		}
	}
	extensions := strings.Split(r.URL.Query().Get("extensions"), ",")
	for _, e := range extensions {
		switch e {
		case "", "integrations", "apigateway", "authorizers":
			// Authorizers are always exported: an import of the export must not lose a method's check.
		default:
			return nil, "", badRequest("export extensions=%s is not supported by Tollgate: want integrations, apigateway or authorizers", e)
		}
	}
	if !slices.Contains(extensions, "integrations") && !slices.Contains(extensions, "apigateway") {
		paths, _ := doc["paths"].(map[string]any)
		for _, item := range paths {
			for _, op := range item.(map[string]any) {
				delete(op.(map[string]any), "x-amazon-apigateway-integration")
			}
		}
	}
	switch accept := r.Header.Get("Accept"); {
	case strings.Contains(accept, "application/yaml"):
		out, err := yaml.Marshal(doc)
		return out, "application/yaml", err
	case accept == "" || strings.Contains(accept, "application/json") || strings.Contains(accept, "*/*"):
		out, err := json.MarshalIndent(doc, "", "  ")
		return out, "application/json", err
	default:
		return nil, "", badRequest("Invalid Accept %q: want application/json or application/yaml", accept)
	}
}

// swaggerOf is an OpenAPI 3.0 definition, as export writes one, in Swagger 2.0: parameters typed in place of their
// schemas, a request body a body parameter of its model, models definitions, security schemes security
// definitions; API Gateway's extensions as they are.
func swaggerOf(doc map[string]any, host, basePath string) (map[string]any, error) {
	out := map[string]any{"swagger": "2.0", "host": host, "basePath": basePath, "schemes": []any{"http"}}
	for k, v := range doc {
		switch k {
		case "openapi", "components", "paths":
		default:
			out[k] = v
		}
	}
	if components, ok := doc["components"].(map[string]any); ok {
		if schemes, ok := components["securitySchemes"]; ok {
			out["securityDefinitions"] = schemes // export writes apiKey schemes only, which Swagger 2 has alike
		}
		if schemas, ok := components["schemas"]; ok {
			out["definitions"] = schemas
		}
	}
	paths := map[string]any{}
	for path, item := range doc["paths"].(map[string]any) {
		ops := map[string]any{}
		for key, op := range item.(map[string]any) {
			var err error
			if ops[key], err = swaggerOperation(op.(map[string]any)); err != nil {
				return nil, badRequest("%s %s: %v", key, path, messageOf(err))
			}
		}
		paths[path] = ops
	}
	out["paths"] = paths
	return swaggerRefs(out).(map[string]any), nil
}

// swaggerOperation is an operation in Swagger 2.0.
func swaggerOperation(op map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, v := range op {
		out[k] = v
	}
	var params []any
	if list, ok := op["parameters"].([]any); ok {
		for _, p := range list {
			p := p.(map[string]any)
			params = append(params, map[string]any{"name": p["name"], "in": p["in"], "required": p["required"], "type": "string"})
		}
	}
	if body, ok := op["requestBody"].(map[string]any); ok {
		delete(out, "requestBody")
		content := body["content"].(map[string]any)
		if len(content) != 1 {
			// Swagger 2 has one body schema: the other models would be lost, and the validation they are.
			return nil, badRequest("the method validates the models of several content types, which Swagger 2.0 cannot write: export oas30")
		}
		types := slices.Collect(maps.Keys(content))
		out["consumes"] = []any{types[0]}
		schema := content[types[0]].(map[string]any)["schema"].(map[string]any)
		name := strings.TrimPrefix(schema["$ref"].(string), "#/components/schemas/")
		params = append(params, map[string]any{"name": name, "in": "body", "required": true, "schema": schema})
	}
	if params != nil {
		out["parameters"] = params
	}
	if responses, ok := op["responses"].(map[string]any); ok {
		rs := map[string]any{}
		for code, r := range responses {
			r := r.(map[string]any)
			resp := map[string]any{"description": r["description"]}
			if headers, ok := r["headers"].(map[string]any); ok {
				hs := map[string]any{}
				for name := range headers {
					hs[name] = map[string]any{"type": "string"}
				}
				resp["headers"] = hs
			}
			rs[code] = resp
		}
		out["responses"] = rs
	}
	return out, nil
}

// swaggerRefs points every $ref at a model to Swagger 2.0's definitions.
func swaggerRefs(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, child := range v {
			if ref, ok := child.(string); ok && k == "$ref" {
				out[k] = strings.Replace(ref, "#/components/schemas/", "#/definitions/", 1)
				continue
			}
			out[k] = swaggerRefs(child)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, child := range v {
			out[i] = swaggerRefs(child)
		}
		return out
	}
	return v
}
