package management

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func init() {
	routes = append(routes,
		route{"GET /restapis", (*Service).getRestAPIs},
		route{"POST /restapis", (*Service).createRestAPI},
		route{"GET /restapis/{restapi_id}", (*Service).getRestAPI},
		route{"PATCH /restapis/{restapi_id}", (*Service).updateRestAPI},
		route{"DELETE /restapis/{restapi_id}", (*Service).deleteRestAPI},
		route{"PUT /restapis/{restapi_id}", (*Service).putRestAPI},
	)
}

// restAPIPage is GetRestApis's answer, API Gateway's RestApis.
type restAPIPage struct {
	Item     []restAPI `json:"item"`
	Position string    `json:"position,omitempty"`
}

// Limits of a page, as API Gateway's.
const (
	defaultPage = 25
	maxPage     = 500
)

// pageOf is the page of items (sorted by id) a request's limit and position ask for, and where the next starts
// (the id of its first item), "" when none remain.
func pageOf[T any](r *http.Request, items []T, id func(T) string) ([]T, string, error) {
	limit := defaultPage
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			return nil, "", badRequest("Invalid limit: %s: want 1 to %d", s, maxPage)
		}
		limit = n
	}
	start, _ := slices.BinarySearchFunc(items, r.URL.Query().Get("position"), func(item T, pos string) int { return strings.Compare(id(item), pos) })
	page := items[start:min(start+limit, len(items))]
	if page == nil {
		page = []T{} // a page of none is [], as API Gateway's
	}
	if start+limit < len(items) {
		return page, id(items[start+limit]), nil
	}
	return page, "", nil
}

// getRestAPIs is GetRestApis: tollgate.yaml's REST APIs and the management API's, by id.
func (s *Service) getRestAPIs(w http.ResponseWriter, r *http.Request) {
	records, err := s.records(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	apis := slices.Clone(s.files.Load().apis)
	for _, rec := range records {
		apis = append(apis, rec.API)
	}
	slices.SortFunc(apis, func(a, b restAPI) int { return strings.Compare(a.ID, b.ID) })
	page, position, err := pageOf(r, apis, func(a restAPI) string { return a.ID })
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, restAPIPage{Item: page, Position: position})
}

// getRestAPI is GetRestApi.
func (s *Service) getRestAPI(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("restapi_id")
	files := s.files.Load()
	if i, ok := slices.BinarySearchFunc(files.apis, id, func(a restAPI, id string) int { return strings.Compare(a.ID, id) }); ok {
		writeJSON(w, http.StatusOK, files.apis[i])
		return
	}
	rec, err := s.read(r, false)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rec.API)
}

// createRestAPIRequest is CreateRestApi's body. The fields Tollgate does not serve yet are here to be refused.
type createRestAPIRequest struct {
	Name                      string                 `json:"name"`
	Description               string                 `json:"description"`
	Version                   string                 `json:"version"`
	CloneFrom                 string                 `json:"cloneFrom"`
	BinaryMediaTypes          []string               `json:"binaryMediaTypes"`
	MinimumCompressionSize    *int32                 `json:"minimumCompressionSize"`
	APIKeySource              string                 `json:"apiKeySource"`
	EndpointConfiguration     *endpointConfiguration `json:"endpointConfiguration"`
	Policy                    string                 `json:"policy"`
	Tags                      map[string]string      `json:"tags"`
	DisableExecuteAPIEndpoint bool                   `json:"disableExecuteApiEndpoint"`
	SecurityPolicy            string                 `json:"securityPolicy"`
	EndpointAccessMode        string                 `json:"endpointAccessMode"`
}

// createRestAPI is CreateRestApi: an API with its root resource, deployed nowhere yet; or, with mode=import,
// ImportRestApi.
func (s *Service) createRestAPI(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("mode") == "import" {
		s.importRestAPI(w, r)
		return
	}
	var req createRestAPIRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	if err := req.check(); err != nil {
		fail(w, err)
		return
	}
	created := at(s.now())
	api := restAPI{Name: req.Name, Description: req.Description, CreatedDate: &created, Version: req.Version,
		BinaryMediaTypes: req.BinaryMediaTypes, APIKeySource: cmp.Or(req.APIKeySource, "HEADER"),
		EndpointConfiguration: &endpointConfiguration{Types: []string{"REGIONAL"}}, Policy: req.Policy, Tags: req.Tags,
		RootResourceID: newID(), MinimumCompressionSize: req.MinimumCompressionSize}
	rec := &apiRecord{API: api, Resources: []*resource{{ID: api.RootResourceID, Path: "/"}}, Models: defaultModels()}
	if err := s.insert(r, rec); err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, rec.API)
}

// maxMinimumCompressionSize is the largest minimumCompressionSize API Gateway takes: 10 MB.
const maxMinimumCompressionSize = 10485760

// check refuses what Tollgate would not serve as asked.
func (req *createRestAPIRequest) check() error {
	switch {
	case req.Name == "":
		return badRequest("Invalid REST API name specified: a name is required")
	case req.CloneFrom != "":
		return badRequest("cloneFrom is not supported by Tollgate yet")
	case req.MinimumCompressionSize != nil && (*req.MinimumCompressionSize < 0 || *req.MinimumCompressionSize > maxMinimumCompressionSize):
		return badRequest("Invalid minimum compression size, must be between 0 and 10485760")
	case req.DisableExecuteAPIEndpoint:
		return badRequest("disableExecuteApiEndpoint is not supported by Tollgate yet: the execute-api endpoint would keep serving")
	case req.SecurityPolicy != "" || req.EndpointAccessMode != "":
		return badRequest("securityPolicy and endpointAccessMode are not supported by Tollgate yet")
	case req.APIKeySource != "" && req.APIKeySource != "HEADER" && req.APIKeySource != "AUTHORIZER":
		return badRequest("Invalid apiKeySource %q: want HEADER or AUTHORIZER", req.APIKeySource)
	}
	if c := req.EndpointConfiguration; c != nil {
		if len(c.VPCEndpointIDs) > 0 {
			return badRequest("vpcEndpointIds (private endpoints) are not supported by Tollgate yet")
		}
		if c.IPAddressType != "" && c.IPAddressType != "ipv4" {
			return badRequest("ipAddressType %s is not supported by Tollgate: the listener's address decides who reaches it", c.IPAddressType)
		}
		for _, t := range c.Types {
			if t != "REGIONAL" {
				return badRequest("endpoint type %s is not supported by Tollgate yet: it serves REGIONAL endpoints", t)
			}
		}
	}
	return nil
}

// patchOperation is API Gateway's PatchOperation.
type patchOperation struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value string `json:"value"`
	From  string `json:"from"`
}

// patchRequest is the body of the Update operations.
type patchRequest struct {
	PatchOperations []patchOperation `json:"patchOperations"`
}

// patches reads an Update operation's patch operations.
func patches(r *http.Request) ([]patchOperation, error) {
	var req patchRequest
	if err := decode(r, &req); err != nil {
		return nil, err
	}
	return req.PatchOperations, nil
}

// invalidPatch is API Gateway's answer for a patch path an operation does not know.
func invalidPatch(op patchOperation) error {
	return badRequest("Invalid patch path '%s' specified for op '%s'", op.Path, op.Op)
}

// updateRestAPI is UpdateRestApi over the API's own fields; a deployment serves them.
func (s *Service) updateRestAPI(w http.ResponseWriter, r *http.Request) {
	ops, err := patches(r)
	if err != nil {
		fail(w, err)
		return
	}
	rec, err := s.change(r, func(rec **apiRecord) (bool, error) {
		api := &(*rec).API
		patchable := fields{strings: map[string]*string{"/name": &api.Name, "/description": &api.Description, "/version": &api.Version, "/policy": &api.Policy}}
		for _, op := range ops {
			done, err := patchable.replace(op)
			switch {
			case done:
				if api.Name == "" {
					return false, badRequest("Invalid REST API name specified: a name is required")
				}
			case err != nil:
				return false, err
			case op.Op == "replace" && op.Path == "/apiKeySource" && (op.Value == "HEADER" || op.Value == "AUTHORIZER"):
				api.APIKeySource = op.Value
			case op.Op == "replace" && op.Path == "/minimumCompressionSize":
				// An empty value turns compression off, as API Gateway's.
				if op.Value == "" {
					api.MinimumCompressionSize = nil
					break
				}
				n, err := strconv.ParseInt(op.Value, 10, 32)
				if err != nil || n < 0 || n > maxMinimumCompressionSize {
					return false, badRequest("Invalid minimum compression size, must be between 0 and 10485760")
				}
				size := int32(n)
				api.MinimumCompressionSize = &size
			case op.Op == "add" && strings.HasPrefix(op.Path, "/binaryMediaTypes/"):
				if t := unescapePointer(strings.TrimPrefix(op.Path, "/binaryMediaTypes/")); !slices.Contains(api.BinaryMediaTypes, t) {
					api.BinaryMediaTypes = append(api.BinaryMediaTypes, t)
				}
			case op.Op == "remove" && strings.HasPrefix(op.Path, "/binaryMediaTypes/"):
				t := unescapePointer(strings.TrimPrefix(op.Path, "/binaryMediaTypes/"))
				api.BinaryMediaTypes = slices.DeleteFunc(api.BinaryMediaTypes, func(b string) bool { return b == t })
			default:
				return false, invalidPatch(op)
			}
		}
		return false, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rec.API)
}

// unescapePointer is a patch path's segment as written: API Gateway's paths escape "/" as "~1" and "~" as "~0".
func unescapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// deleteRestAPI is DeleteRestApi: its stages stop serving.
func (s *Service) deleteRestAPI(w http.ResponseWriter, r *http.Request) {
	_, err := s.change(r, func(rec **apiRecord) (bool, error) {
		served := len((*rec).Stages) > 0
		*rec = nil
		return served, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	noContent(w)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
