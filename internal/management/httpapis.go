package management

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// HTTP APIs, apigatewayv2's, under /v2 on the admin server: an API's routes, integrations, authorizers, stages
// and deployments are one record, as a REST API's are. A deployment keeps the working copy as export-api writes
// it (httpapi_export.go), which the control plane imports as it imports a file's HTTP API. A WebSocket API is the
// same record with a WebSocket API's fields (websocketapis.go).

func init() {
	const apis = "/v2/apis"
	routes = append(routes,
		route{"POST " + apis, (*Service).createHTTPAPI},
		route{"GET " + apis, (*Service).getHTTPAPIs},
		route{"GET " + apis + "/{api_id}", (*Service).getHTTPAPI},
		route{"PATCH " + apis + "/{api_id}", (*Service).updateHTTPAPI},
		route{"DELETE " + apis + "/{api_id}", (*Service).deleteHTTPAPI},
		route{"GET " + apis + "/{api_id}/exports/{specification}", (*Service).exportHTTPAPI},
	)
}

// httpAPIPrefix is where the store keeps HTTP APIs, each under its id.
const httpAPIPrefix = "apis/"

// iso8601 is a time as apigatewayv2 writes it: an ISO 8601 string (apigateway writes seconds since the epoch).
type iso8601 string

func isoAt(t time.Time) iso8601 { return iso8601(t.UTC().Format(time.RFC3339)) }

// httpAPI is apigatewayv2's Api, as stored and answered.
type httpAPI struct {
	APIEndpoint               string            `json:"apiEndpoint"`
	APIID                     string            `json:"apiId"`
	APIKeySelectionExpression string            `json:"apiKeySelectionExpression"`
	CorsConfiguration         *corsConfig       `json:"corsConfiguration,omitempty"`
	CreatedDate               iso8601           `json:"createdDate"`
	Description               string            `json:"description,omitempty"`
	DisableExecuteAPIEndpoint bool              `json:"disableExecuteApiEndpoint"`
	Name                      string            `json:"name"`
	ProtocolType              string            `json:"protocolType"`
	RouteSelectionExpression  string            `json:"routeSelectionExpression"`
	Tags                      map[string]string `json:"tags,omitempty"`
	Version                   string            `json:"version,omitempty"`
	Warnings                  []string          `json:"warnings,omitempty"`
}

// corsConfig is apigatewayv2's Cors: Envoy's CORS filter answers preflights and sets the headers.
type corsConfig struct {
	AllowCredentials bool     `json:"allowCredentials,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	MaxAge           *int     `json:"maxAge,omitempty"`
}

// httpAPIRecord is an HTTP API as the store keeps it.
type httpAPIRecord struct {
	API          httpAPI               `json:"api"`
	Integrations []*integrationV2      `json:"integrations,omitempty"`
	Routes       []*routeV2            `json:"routes,omitempty"`
	Authorizers  []*authorizerV2       `json:"authorizers,omitempty"`
	Stages       []*stageV2            `json:"stages,omitempty"`
	Deployments  []*deploymentV2Record `json:"deployments,omitempty"`
	// A WebSocket API's integration responses by integration id, and route responses by route id
	// (websocket_responses.go): each kept beside what it is of, which answers without it, as AWS's.
	IntegrationResponses map[string][]*integrationResponseV2 `json:"integrationResponses,omitempty"`
	RouteResponses       map[string][]*routeResponseV2       `json:"routeResponses,omitempty"`
}

// createHTTPAPIRequest is CreateApi's body; UpdateApi's is the same, every field optional.
type createHTTPAPIRequest struct {
	APIKeySelectionExpression *string           `json:"apiKeySelectionExpression"`
	CorsConfiguration         *corsConfig       `json:"corsConfiguration"`
	CredentialsARN            string            `json:"credentialsArn"`
	Description               *string           `json:"description"`
	DisableSchemaValidation   bool              `json:"disableSchemaValidation"`
	DisableExecuteAPIEndpoint *bool             `json:"disableExecuteApiEndpoint"`
	IPAddressType             string            `json:"ipAddressType"`
	Name                      *string           `json:"name"`
	ProtocolType              string            `json:"protocolType"`
	RouteKey                  string            `json:"routeKey"`
	RouteSelectionExpression  *string           `json:"routeSelectionExpression"`
	Tags                      map[string]string `json:"tags"`
	Target                    string            `json:"target"`
	Version                   *string           `json:"version"`
}

// routeSelection is the only route selection expression of an HTTP API.
const routeSelection = "${request.method} ${request.path}"

// apply sets what the request gives of an API; refused is what Tollgate does not serve.
func (req createHTTPAPIRequest) apply(api *httpAPI) error {
	switch {
	case req.CredentialsARN != "":
		return badRequest("credentialsArn is not supported by Tollgate: it invokes a quick create's function with its own credentials")
	case req.DisableExecuteAPIEndpoint != nil && *req.DisableExecuteAPIEndpoint:
		return badRequest("disableExecuteApiEndpoint is not supported by Tollgate yet: every API is served on {apiId}.{domain}")
	case req.IPAddressType != "" && req.IPAddressType != "ipv4":
		return badRequest("ipAddressType %s is not supported by Tollgate yet", req.IPAddressType)
	case req.RouteSelectionExpression != nil && *req.RouteSelectionExpression != routeSelection:
		return badRequest("An HTTP API's routeSelectionExpression is %s", routeSelection)
	case req.APIKeySelectionExpression != nil && *req.APIKeySelectionExpression != "$request.header.x-api-key":
		return badRequest("An HTTP API's apiKeySelectionExpression is $request.header.x-api-key")
	}
	if req.Name != nil {
		if *req.Name == "" {
			return badRequest("An API's name must not be empty")
		}
		api.Name = *req.Name
	}
	for to, from := range map[*string]*string{&api.Description: req.Description, &api.Version: req.Version} {
		if from != nil {
			*to = *from
		}
	}
	if req.CorsConfiguration != nil {
		api.CorsConfiguration = req.CorsConfiguration
	}
	return nil
}

// createHTTPAPI is CreateApi. With target it is the quick create: an integration of the target (a Lambda
// function, or an HTTP URL), a route of routeKey ($default unless given) to it, and a $default stage that deploys
// every change, served at once.
func (s *Service) createHTTPAPI(w http.ResponseWriter, r *http.Request) {
	var req createHTTPAPIRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	switch {
	case req.ProtocolType != "HTTP" && req.ProtocolType != protocolWebSocket:
		fail(w, badRequest("Invalid protocolType %q: want HTTP or WEBSOCKET", req.ProtocolType))
		return
	case req.Name == nil:
		fail(w, badRequest("CreateApi needs a name"))
		return
	case req.Target == "" && req.RouteKey != "":
		fail(w, badRequest("routeKey is a quick create's: it needs a target"))
		return
	}
	id := newID()
	now := s.now()
	rec := &httpAPIRecord{API: httpAPI{APIID: id, ProtocolType: "HTTP", RouteSelectionExpression: routeSelection,
		APIKeySelectionExpression: "$request.header.x-api-key", CreatedDate: isoAt(now), Tags: req.Tags,
		APIEndpoint: s.files.Load().endpoint(id)}}
	var err error
	if req.ProtocolType == protocolWebSocket {
		rec, err = s.newWebSocketAPI(id, req)
	} else {
		err = req.apply(&rec.API)
	}
	if err != nil {
		fail(w, err)
		return
	}
	served := false
	if req.Target != "" {
		integ := &integrationV2{IntegrationID: newID(), ConnectionType: "INTERNET", TimeoutInMillis: defaultTimeoutMillis}
		if strings.HasPrefix(req.Target, "arn:") {
			integ.IntegrationType, integ.IntegrationURI, integ.PayloadFormatVersion = "AWS_PROXY", req.Target, "2.0"
		} else {
			integ.IntegrationType, integ.IntegrationURI, integ.IntegrationMethod, integ.PayloadFormatVersion = "HTTP_PROXY", req.Target, "ANY", "1.0"
		}
		if err := integ.check(); err != nil {
			fail(w, err)
			return
		}
		key := req.RouteKey
		if key == "" {
			key = defaultRouteKey
		}
		rt := &routeV2{RouteID: newID(), RouteKey: key, AuthorizationType: "NONE", Target: "integrations/" + integ.IntegrationID}
		rec.Integrations = []*integrationV2{integ}
		if err := rt.check(rec); err != nil {
			fail(w, err)
			return
		}
		rec.Routes = []*routeV2{rt}
		rec.Stages = []*stageV2{{StageName: defaultStage, AutoDeploy: true, CreatedDate: isoAt(now), LastUpdatedDate: isoAt(now)}}
		if err := rec.autoDeploy(now); err != nil {
			fail(w, err)
			return
		}
		served = true
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		fail(w, err)
		return
	}
	var serve func()
	err = s.store.Update(r.Context(), httpAPIPrefix+id, func(old []byte) ([]byte, error) {
		if old != nil {
			return nil, conflict("API %s exists already", id) // 50 random bits: never, in practice
		}
		if served {
			var err error
			if serve, err = s.check(r.Context(), httpAPIPrefix+id, raw); err != nil {
				return nil, err
			}
		}
		return raw, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	if serve != nil {
		serve()
	}
	writeJSON(w, http.StatusCreated, rec.API)
}

// endpoint is where Envoy serves the API id: its host, {apiId}.{domain}.
func (c *catalog) endpoint(id string) string { return "http://" + id + "." + c.domain }

// httpAPIPage is GetApis's answer.
type httpAPIPage struct {
	Items     []httpAPI `json:"items"`
	NextToken string    `json:"nextToken,omitempty"`
}

// getHTTPAPIs is GetApis: the management API's HTTP APIs and the file's, by id.
func (s *Service) getHTTPAPIs(w http.ResponseWriter, r *http.Request) {
	all, err := s.store.All(r.Context(), httpAPIPrefix)
	if err != nil {
		fail(w, err)
		return
	}
	items := slices.Clone(s.files.Load().httpAPIs)
	for key, raw := range all {
		var rec httpAPIRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			fail(w, fmt.Errorf("state record %s: %w", key, err))
			return
		}
		items = append(items, rec.API)
	}
	slices.SortFunc(items, func(a, b httpAPI) int { return strings.Compare(a.APIID, b.APIID) })
	page, next, err := pageV2(r, items, func(a httpAPI) string { return a.APIID })
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, httpAPIPage{Items: page, NextToken: next})
}

// pageV2 is the page of items (sorted by id) that apigatewayv2's maxResults and nextToken ask for; the token is
// the id the next page starts at.
func pageV2[T any](r *http.Request, items []T, id func(T) string) ([]T, string, error) {
	limit := len(items)
	if v := r.URL.Query().Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return nil, "", badRequest("Invalid maxResults %q: want 1 to 500", v)
		}
		limit = n
	}
	start := 0
	if token := r.URL.Query().Get("nextToken"); token != "" {
		start, _ = slices.BinarySearchFunc(items, token, func(item T, token string) int { return strings.Compare(id(item), token) })
	}
	end := min(start+limit, len(items))
	page := items[start:end]
	if page == nil {
		page = []T{}
	}
	if end < len(items) {
		return page, id(items[end]), nil
	}
	return page, "", nil
}

// readHTTPAPI is the HTTP API r names: the management API's, or the file's (read-only: a write is a
// BadRequestException).
func (s *Service) readHTTPAPI(r *http.Request, write bool) (*httpAPIRecord, error) {
	id := r.PathValue("api_id")
	raw, err := s.store.Get(r.Context(), httpAPIPrefix+id)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		files := s.files.Load()
		if model := files.httpModels[id]; model != nil && !write {
			if rec := fileHTTPRecord(model, files.fileHTTPAPI(model)); rec != nil {
				return rec, nil
			}
		}
		if model := files.webSocketModels[id]; model != nil && !write {
			return fileWebSocketRecord(model, files.fileWebSocketAPI(model)), nil
		}
		return nil, s.missingHTTPAPI(id, write)
	}
	var rec httpAPIRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("state record %s: %w", id, err)
	}
	return &rec, nil
}

// missingHTTPAPI is the answer for a write to an HTTP API the store has not: the file's are read-only.
func (s *Service) missingHTTPAPI(id string, write bool) error {
	files := s.files.Load()
	if files.httpModels[id] == nil && files.webSocketModels[id] == nil {
		return notFound("Invalid API identifier specified %s:%s", files.account, id)
	}
	if write {
		return fileAPI(id)
	}
	return &apiError{http.StatusNotImplemented, "NotImplementedException",
		"API " + id + ", defined in tollgate.yaml, has what the management API cannot show yet"}
}

func (s *Service) getHTTPAPI(w http.ResponseWriter, r *http.Request) {
	readHTTP(s, w, r, func(rec *httpAPIRecord) (httpAPI, error) { return rec.API, nil })
}

// readHTTP answers a Get operation with what find takes of the HTTP API r names.
func readHTTP[T any](s *Service, w http.ResponseWriter, r *http.Request, find func(rec *httpAPIRecord) (T, error)) {
	rec, err := s.readHTTPAPI(r, false)
	if err == nil {
		var v T
		if v, err = find(rec); err == nil {
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	fail(w, err)
}

// readHTTPList answers a Get operation of a list: what pick takes of the HTTP API r names, a page of it by id.
func readHTTPList[T any](s *Service, w http.ResponseWriter, r *http.Request, pick func(rec *httpAPIRecord) []T, id func(T) string) {
	rec, err := s.readHTTPAPI(r, false)
	if err == nil {
		items := pick(rec)
		slices.SortFunc(items, func(a, b T) int { return strings.Compare(id(a), id(b)) })
		var page []T
		var next string
		if page, next, err = pageV2(r, items, id); err == nil {
			writeJSON(w, http.StatusOK, struct {
				Items     []T    `json:"items"`
				NextToken string `json:"nextToken,omitempty"`
			}{page, next})
			return
		}
	}
	fail(w, err)
}

// changeHTTP applies a write to the HTTP API r names, as change does for a REST API. What the edit changes of the
// working copy is deployed to every stage that deploys automatically; a deployment the configuration cannot serve
// leaves those stages where they were, saying why in lastDeploymentStatusMessage, and the write is kept, as AWS's.
func (s *Service) changeHTTP(r *http.Request, edit func(rec **httpAPIRecord) (served bool, err error)) (*httpAPIRecord, error) {
	id := r.PathValue("api_id")
	var serveDeployed func()
	rec, err := changeServed(s, r, httpAPIPrefix+id, func() error { return s.missingHTTPAPI(id, true) }, func(rec **httpAPIRecord) (bool, error) {
		serveDeployed = nil
		served, err := edit(rec)
		if err != nil || served || *rec == nil || !(*rec).autoDeploys() {
			return served, err
		}
		before := (*rec).stageDeployments()
		if err := (*rec).autoDeploy(s.now()); err != nil {
			return false, err
		}
		raw, err := json.Marshal(*rec)
		if err != nil {
			return false, err
		}
		if serveDeployed, err = s.check(r.Context(), httpAPIPrefix+id, raw); err != nil {
			(*rec).undeploy(before, messageOf(err))
			return false, nil
		}
		(*rec).forgetAutoDeployments() // what is served is what was checked
		return false, nil
	})
	if err == nil && serveDeployed != nil {
		serveDeployed()
	}
	return rec, err
}

// updateHTTPAPI is UpdateApi: the fields given change; a quick create's target and routeKey are CreateApi's.
func (s *Service) updateHTTPAPI(w http.ResponseWriter, r *http.Request) {
	var req createHTTPAPIRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	if req.Target != "" || req.RouteKey != "" || req.ProtocolType != "" || req.Tags != nil {
		fail(w, badRequest("UpdateApi changes no target, routeKey, protocolType or tags: they are CreateApi's (tags, TagResource's)"))
		return
	}
	rec, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		if (*rec).isWebSocket() && req.CorsConfiguration != nil {
			return false, badRequest("A WebSocket API has no corsConfiguration: it is an HTTP API's")
		}
		if e := req.RouteSelectionExpression; (*rec).isWebSocket() && e != nil {
			if !isBodySelection(*e) {
				return false, badRequest("A WebSocket API's routeSelectionExpression is a member of the message: $request.body.{member}")
			}
			(*rec).API.RouteSelectionExpression, req.RouteSelectionExpression = *e, nil
		}
		return false, req.apply(&(*rec).API)
	})
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rec.API)
}

// deleteHTTPAPI is DeleteApi: its stages stop serving.
func (s *Service) deleteHTTPAPI(w http.ResponseWriter, r *http.Request) {
	_, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		served := len((*rec).Stages) > 0
		*rec = nil
		return served, nil
	})
	if err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deployed is the deployments rec's stages serve, each with its stages.
func (rec *httpAPIRecord) deployed() []Deployed {
	var out []Deployed
	for _, d := range rec.Deployments {
		dep := Deployed{APIID: rec.API.APIID, DeploymentID: d.DeploymentID, Definition: d.Definition, HTTP: !rec.isWebSocket(), WebSocket: rec.isWebSocket()}
		for _, st := range rec.Stages {
			if st.DeploymentID == d.DeploymentID {
				dep.Stages = append(dep.Stages, st.model())
			}
		}
		if len(dep.Stages) > 0 {
			out = append(out, dep)
		}
	}
	return out
}

// fileHTTPAPI is a file's HTTP API as GetApi answers it.
func (c *catalog) fileHTTPAPI(a *tollgatev1.RestApi) httpAPI {
	api := httpAPI{APIID: a.GetId(), Name: a.GetName(), ProtocolType: "HTTP", RouteSelectionExpression: routeSelection,
		APIKeySelectionExpression: "$request.header.x-api-key", APIEndpoint: c.endpoint(a.GetId())}
	if c := a.GetCors(); c != nil {
		api.CorsConfiguration = &corsConfig{AllowCredentials: c.GetAllowCredentials(), AllowHeaders: c.GetAllowHeaders(),
			AllowMethods: c.GetAllowMethods(), AllowOrigins: c.GetAllowOrigins(), ExposeHeaders: c.GetExposeHeaders()}
		if c.MaxAge != nil {
			age := int(c.GetMaxAge())
			api.CorsConfiguration.MaxAge = &age
		}
	}
	return api
}
