package management

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Catalog serves what the management API reads of the APIs tollgate.yaml defines: its REST APIs (HTTP APIs are
// apigatewayv2's). They are the file's, so a write to one is refused with a BadRequestException that says so.
type Catalog struct {
	current atomic.Pointer[catalog]
}

type catalog struct {
	account string
	apis    []restAPI // by id
}

// restAPI is API Gateway's RestApi resource, with what Tollgate knows of a file's API.
type restAPI struct {
	ID                        string   `json:"id"`
	Name                      string   `json:"name"`
	BinaryMediaTypes          []string `json:"binaryMediaTypes,omitempty"`
	APIKeySource              string   `json:"apiKeySource"`
	Policy                    string   `json:"policy,omitempty"`
	DisableExecuteAPIEndpoint bool     `json:"disableExecuteApiEndpoint"`
}

// restAPIPage is GetRestApis's answer, API Gateway's RestApis.
type restAPIPage struct {
	Item     []restAPI `json:"item"`
	Position string    `json:"position,omitempty"`
}

// NewCatalog serves gw's APIs, of account, until Set gives others.
func NewCatalog(gw *tollgatev1.Gateway, account string) *Catalog {
	c := &Catalog{}
	c.Set(gw, account)
	return c
}

// Set serves gw's APIs from now on (a reload's).
func (c *Catalog) Set(gw *tollgatev1.Gateway, account string) {
	next := &catalog{account: account}
	for _, a := range gw.GetApis() {
		if a.GetProtocolType() == tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP {
			continue
		}
		source := "HEADER"
		if a.GetApiKeySource() == tollgatev1.ApiKeySource_API_KEY_SOURCE_AUTHORIZER {
			source = "AUTHORIZER"
		}
		next.apis = append(next.apis, restAPI{ID: a.GetId(), Name: a.GetName(), BinaryMediaTypes: a.GetBinaryMediaTypes(),
			APIKeySource: source, Policy: a.GetResourcePolicy()})
	}
	slices.SortFunc(next.apis, func(a, b restAPI) int { return strings.Compare(a.ID, b.ID) })
	c.current.Store(next)
}

// Limits of GetRestApis's pages, as API Gateway's.
const (
	defaultPage = 25
	maxPage     = 500
)

// RestAPIs is GetRestApis: GET /restapis?limit=&position=, a page of the APIs by id; position, when more remain,
// is where the next page starts (the id of its first API).
func (c *Catalog) RestAPIs() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := defaultPage
		if s := r.URL.Query().Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > maxPage {
				writeError(w, http.StatusBadRequest, "BadRequestException", "Invalid limit: "+s+": want 1 to "+strconv.Itoa(maxPage))
				return
			}
			limit = n
		}
		apis := c.current.Load().apis
		start, _ := slices.BinarySearchFunc(apis, r.URL.Query().Get("position"), func(a restAPI, id string) int { return strings.Compare(a.ID, id) })
		page := restAPIPage{Item: apis[start:min(start+limit, len(apis))]}
		if start+limit < len(apis) {
			page.Position = apis[start+limit].ID
		}
		writeJSON(w, http.StatusOK, page)
	})
}

// RestAPI is GetRestApi: GET /restapis/{restapi_id}.
func (c *Catalog) RestAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, ok := c.find(w, r); ok {
			writeJSON(w, http.StatusOK, a)
		}
	})
}

// FileAPIWrite answers UpdateRestApi, PutRestApi and DeleteRestApi: a file's API is changed in the file.
func (c *Catalog) FileAPIWrite() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, ok := c.find(w, r); ok {
			writeError(w, http.StatusBadRequest, "BadRequestException", "API "+a.ID+" is defined in tollgate.yaml: change it there, the management API cannot")
		}
	})
}

// find is the API r names, or answers that it has none, as API Gateway does.
func (c *Catalog) find(w http.ResponseWriter, r *http.Request) (restAPI, bool) {
	cur, id := c.current.Load(), r.PathValue("restapi_id")
	if i, ok := slices.BinarySearchFunc(cur.apis, id, func(a restAPI, id string) int { return strings.Compare(a.ID, id) }); ok {
		return cur.apis[i], true
	}
	writeError(w, http.StatusNotFound, "NotFoundException", "Invalid API identifier specified "+cur.account+":"+id)
	return restAPI{}, false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
