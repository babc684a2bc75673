package management

import (
	"encoding/json"
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
				out, contentType, err = exportAs(definition, r)
			}
			if err == nil {
				w.Header().Set("Content-Type", contentType)
				w.Header().Set("Content-Disposition", `attachment; filename="`+rec.API.Name+`-`+st.StageName+`-oas30.`+strings.TrimPrefix(contentType, "application/")+`"`)
				_, _ = w.Write(out)
				return
			}
		}
	}
	fail(w, err)
}

// exportAs writes a deployment's definition as r asks.
func exportAs(definition []byte, r *http.Request) ([]byte, string, error) {
	switch t := r.PathValue("export_type"); t {
	case "oas30":
	case "swagger":
		return nil, "", badRequest("swagger exports are not supported by Tollgate yet: ask for oas30")
	default:
		return nil, "", badRequest("Invalid export type %s: want oas30 or swagger", t)
	}
	var doc map[string]any
	if err := json.Unmarshal(definition, &doc); err != nil {
		return nil, "", err
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
