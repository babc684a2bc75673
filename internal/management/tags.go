package management

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
)

// Tags of what the management API keeps: REST APIs, stages, API keys and usage plans, named by ARN
// (arn:aws:apigateway:{region}::/restapis/{id}[/stages/{name}], ::/apikeys/{id}, ::/usageplans/{id}). Tags change
// nothing that is served.

func init() {
	const tags = "/tags/{resource_arn}"
	routes = append(routes,
		route{"GET " + tags, (*Service).getTags},
		route{"PUT " + tags, (*Service).tagResource},
		route{"DELETE " + tags, (*Service).untagResource},
	)
}

// taggable is the path part of a taggable resource's ARN.
var taggable = regexp.MustCompile(`^arn:aws[a-z-]*:apigateway:[a-z0-9-]*::/(restapis/([^/]+)(/stages/([^/]+))?|apikeys/([^/]+)|usageplans/([^/]+))$`)

// tagsAnswer is GetTags's answer, API Gateway's Tags.
type tagsAnswer struct {
	Tags map[string]string `json:"tags"`
}

// editTags applies edit to the tags of the resource r's ARN names (write: and stores them), and returns them.
func (s *Service) editTags(r *http.Request, write bool, edit func(tags map[string]string)) (map[string]string, error) {
	arn := r.PathValue("resource_arn")
	m := taggable.FindStringSubmatch(arn)
	if m == nil {
		return nil, badRequest("Invalid resource ARN specified: %s", arn)
	}
	var out map[string]string
	// tag edits the tags at *tags, and keeps them as the answer.
	tag := func(tags *map[string]string) {
		if *tags == nil {
			*tags = map[string]string{}
		}
		edit(*tags)
		out = *tags
	}
	missing := notFound("Invalid resource ARN specified: %s", arn)
	var err error
	switch apiID, stageName, keyID, planID := m[2], m[4], m[5], m[6]; {
	case apiID != "":
		err = updateRecord(s, r, recordPrefix+apiID, write, missing, s.fileOwned(s.files.Load().has(apiID), "API", apiID), func(rec *apiRecord) error {
			if stageName == "" {
				tag(&rec.API.Tags)
				return nil
			}
			st, err := stageOf(rec, stageName)
			if err == nil {
				tag(&st.Tags)
			}
			return err
		})
	case keyID != "":
		err = updateRecord(s, r, keyPrefix+keyID, write, missing, s.fileKey(keyID), func(k *apiKey) error { tag(&k.Tags); return nil })
	default:
		err = updateRecord(s, r, planPrefix+planID, write, missing, s.filePlan(planID), func(p *planRecord) error { tag(&p.Plan.Tags); return nil })
	}
	return out, err
}

// fileOwned is the refusal of tagging one of the file's, nil when owned is false.
func (s *Service) fileOwned(owned bool, kind, id string) error {
	if !owned {
		return nil
	}
	return badRequest("%s %s is defined in tollgate.yaml: change it there, the management API cannot", kind, id)
}

// updateRecord applies edit to the record at key, kept in a T, and stores it when write says so; missing is the
// answer when there is none, file's when the file has it. What edit changes is not served: it changes nothing
// Envoy or the services read.
func updateRecord[T any](s *Service, r *http.Request, key string, write bool, missing, file error, edit func(v *T) error) error {
	return s.store.Update(r.Context(), key, func(old []byte) ([]byte, error) {
		if old == nil {
			if file != nil {
				return nil, file
			}
			return nil, missing
		}
		v := new(T)
		if err := json.Unmarshal(old, v); err != nil {
			return nil, fmt.Errorf("state record %s: %w", key, err)
		}
		if err := edit(v); err != nil || !write {
			return old, err
		}
		return json.Marshal(v)
	})
}

func (s *Service) getTags(w http.ResponseWriter, r *http.Request) {
	tags, err := s.editTags(r, false, func(map[string]string) {})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, tagsAnswer{Tags: tags})
}

func (s *Service) tagResource(w http.ResponseWriter, r *http.Request) {
	var req tagsAnswer
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	if _, err := s.editTags(r, true, func(t map[string]string) { maps.Copy(t, req.Tags) }); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) untagResource(w http.ResponseWriter, r *http.Request) {
	_, err := s.editTags(r, true, func(t map[string]string) {
		for _, k := range r.URL.Query()["tagKeys"] {
			delete(t, k)
		}
	})
	if err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
