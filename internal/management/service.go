package management

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-gw/tollgate/internal/state"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Service is what the management API manages: the REST APIs, API keys and usage plans tollgate.yaml defines, which
// it reads and refuses to change, and those it creates itself, kept in a state.Store and served with the file's
// (a REST API once deployed).
type Service struct {
	store   state.Store
	serving Serving
	files   atomic.Pointer[catalog]
	now     func() time.Time
}

// Serving is the control plane, as the management API changes what it serves.
type Serving interface {
	// Check loads the configuration with st as the management API's and returns its problems, serving nothing;
	// without problems, serve serves what was loaded, once st is stored (or, should anything have been loaded
	// since, loads again with the store's state).
	Check(st State) (serve func(), err error)
	// Import reads a definition (OpenAPI 3 or Swagger 2) into the model with the importer of tollgate.yaml's
	// definitions: its problems are the import's refusals, its warnings the API's warnings.
	Import(definition []byte) (api *tollgatev1.RestApi, warnings []string, err error)
	// TestInvoke serves d, a deployment whose one stage answers only the requests carrying its token
	// (names.TestInvokeHeader), beside what is served, until invoke, given the address of an Envoy's listener,
	// returns; the load's problems are its error.
	TestInvoke(d Deployed, invoke func(listen string) error) error
	// TestInvokeAuthorizer loads d, whose one stage's one method names a Lambda authorizer, beside what is served,
	// serving nothing, and runs that authorizer on the request as the method's would.
	TestInvokeAuthorizer(d Deployed, req AuthorizerInvocation) (AuthorizerResult, error)
}

// State is what the management API serves: its REST APIs' deployments, its API keys and usage plans.
type State struct {
	Deployments []Deployed
	APIKeys     []*tollgatev1.ApiKey
	UsagePlans  []*tollgatev1.UsagePlan
}

// Deployed is one deployment of a REST API the management API created, with the stages that serve it.
type Deployed struct {
	APIID, DeploymentID string
	// Definition is what was deployed, an OpenAPI 3 definition with API Gateway's extensions.
	Definition []byte
	Stages     []*tollgatev1.Stage
	// HTTP: the API is an HTTP API (apigatewayv2's), its definition as export-api writes one. WebSocket: it is a
	// WebSocket API, its definition in the fields of a file's (internal/websocketapi).
	HTTP, WebSocket bool
}

// File names a deployment in problems, as a file names a definition.
func (d Deployed) File() string {
	if d.HTTP || d.WebSocket {
		return httpAPIPrefix + d.APIID + "/deployments/" + d.DeploymentID
	}
	return recordPrefix + d.APIID + "/deployments/" + d.DeploymentID
}

// catalog is what Service knows of tollgate.yaml's REST APIs, HTTP APIs, API keys and usage plans, each by id.
type catalog struct {
	account string
	// domain is the invocation hosts': {apiId}.{domain}.
	domain   string
	apis     []restAPI
	httpAPIs []httpAPI
	// httpModels are the file's HTTP APIs as loaded, by id, read whole when asked for (fileHTTPRecord), and
	// webSocketModels its WebSocket APIs (fileWebSocketRecord).
	httpModels      map[string]*tollgatev1.RestApi
	webSocketModels map[string]*tollgatev1.WebSocketApi
	// models are the file's REST APIs as loaded, by id; records are those read whole so far (fileRecord), made
	// when first asked for rather than on every load.
	models map[string]*tollgatev1.RestApi
	// canaries are the stage entries of the file's canary releases, by API id.
	canaries map[string][]*tollgatev1.Stage
	mu       sync.Mutex
	records  map[string]*apiRecord
	keys     []apiKey
	plans    []planRecord
	// throttle is the account's, nil for none.
	throttle *throttleSettings
}

// record is the file's REST API id read whole, nil when it has what a managed API cannot hold.
func (c *catalog) record(id string) *apiRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	rec, done := c.records[id]
	if !done {
		i, _ := slices.BinarySearchFunc(c.apis, id, func(a restAPI, id string) int { return strings.Compare(a.ID, id) })
		rec = fileRecord(c.models[id], c.canaries[id], c.apis[i])
		c.records[id] = rec
	}
	return rec
}

// recordPrefix is where the store keeps REST APIs, each under its id.
const recordPrefix = "restapis/"

// New serves the REST APIs of gw (tollgate.yaml's), of account, and those in store; serving is told when what
// Envoy serves changes.
func New(store state.Store, serving Serving, gw *tollgatev1.Gateway, account string) *Service {
	s := &Service{store: store, serving: serving, now: time.Now}
	s.Set(gw, account, "")
	return s
}

// Set serves gw's APIs from now on (a reload's).
func (s *Service) Set(gw *tollgatev1.Gateway, account, domain string) {
	next := &catalog{account: account, domain: domain, models: map[string]*tollgatev1.RestApi{}, canaries: map[string][]*tollgatev1.Stage{},
		httpModels: map[string]*tollgatev1.RestApi{}, webSocketModels: map[string]*tollgatev1.WebSocketApi{},
		records: map[string]*apiRecord{}}
	for _, a := range gw.GetWebsocketApis() {
		if !strings.HasPrefix(a.GetSourceFile(), httpAPIPrefix) { // a managed API's deployments are its own
			next.webSocketModels[a.GetId()] = a
			next.httpAPIs = append(next.httpAPIs, next.fileWebSocketAPI(a))
		}
	}
	for _, a := range gw.GetApis() {
		switch {
		case strings.HasPrefix(a.GetSourceFile(), recordPrefix) || strings.HasPrefix(a.GetSourceFile(), httpAPIPrefix):
			continue // a managed API's deployments are its own
		case a.GetProtocolType() == tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP:
			if next.httpModels[a.GetId()] == nil {
				next.httpModels[a.GetId()] = a
				next.httpAPIs = append(next.httpAPIs, next.fileHTTPAPI(a))
			}
			continue
		}
		if next.models[a.GetId()] != nil { // a canary release of one of the file's stages
			next.canaries[a.GetId()] = append(next.canaries[a.GetId()], a.GetStages()...)
			continue
		}
		source := "HEADER"
		if a.GetApiKeySource() == tollgatev1.ApiKeySource_API_KEY_SOURCE_AUTHORIZER {
			source = "AUTHORIZER"
		}
		api := restAPI{ID: a.GetId(), Name: a.GetName(), BinaryMediaTypes: a.GetBinaryMediaTypes(), APIKeySource: source, Policy: a.GetResourcePolicy()}
		next.apis = append(next.apis, api)
		next.models[a.GetId()] = a
	}
	slices.SortFunc(next.apis, func(a, b restAPI) int { return strings.Compare(a.ID, b.ID) })
	next.keys, next.plans = keysOf(gw)
	next.throttle = throttleOf(gw.GetAccountThrottle())
	s.files.Store(next)
}

func (c *catalog) has(id string) bool {
	_, ok := slices.BinarySearchFunc(c.apis, id, func(a restAPI, id string) int { return strings.Compare(a.ID, id) })
	return ok
}

// route is one operation of the management API: its pattern on the admin server, and its handler.
type route struct {
	pattern string
	handle  func(s *Service, w http.ResponseWriter, r *http.Request)
}

// routes are the operations served, each file adding its own.
var routes []route

// Handlers are the operations Service serves, by pattern; the caller puts them behind Auth.
func (s *Service) Handlers() map[string]http.Handler {
	out := map[string]http.Handler{}
	for _, rt := range routes {
		out[rt.pattern] = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rt.handle(s, w, r) })
	}
	return out
}

// State is what the management API serves now.
func (s *Service) State(ctx context.Context) (State, error) {
	return s.stateWith(ctx, "", nil)
}

// stateWith is what the management API would serve with the record at key changed to raw (nil: deleted); key ""
// changes nothing.
func (s *Service) stateWith(ctx context.Context, key string, raw []byte) (State, error) {
	all, err := s.store.All(ctx, "")
	if err != nil {
		return State{}, err
	}
	if key != "" {
		if all[key] = raw; raw == nil {
			delete(all, key)
		}
	}
	var st State
	for _, k := range slices.Sorted(maps.Keys(all)) {
		if err := st.add(k, all[k]); err != nil {
			return State{}, fmt.Errorf("state record %s: %w", k, err)
		}
	}
	return st, nil
}

// add adds a stored record to the state, as its key's prefix says it is.
func (st *State) add(key string, raw []byte) error {
	switch {
	case strings.HasPrefix(key, recordPrefix):
		var rec apiRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		st.Deployments = append(st.Deployments, rec.deployed()...)
	case strings.HasPrefix(key, httpAPIPrefix):
		var rec httpAPIRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		st.Deployments = append(st.Deployments, rec.deployed()...)
	case strings.HasPrefix(key, keyPrefix):
		var rec apiKey
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		st.APIKeys = append(st.APIKeys, rec.model())
	case strings.HasPrefix(key, planPrefix):
		var rec planRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		st.UsagePlans = append(st.UsagePlans, rec.model())
	}
	return nil
}

// records are the managed REST APIs, by id.
func (s *Service) records(ctx context.Context) ([]*apiRecord, error) {
	all, err := s.store.All(ctx, recordPrefix)
	if err != nil {
		return nil, err
	}
	out := make([]*apiRecord, 0, len(all))
	for key, raw := range all {
		var rec apiRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return nil, fmt.Errorf("state record %s: %w", key, err)
		}
		out = append(out, &rec)
	}
	slices.SortFunc(out, func(a, b *apiRecord) int { return strings.Compare(a.API.ID, b.API.ID) })
	return out, nil
}

// deployed is the deployments rec's stages serve, each with its stages.
func (rec *apiRecord) deployed() []Deployed {
	var out []Deployed
	for _, d := range rec.Deployments {
		dep := Deployed{APIID: rec.API.ID, DeploymentID: d.ID, Definition: d.Definition}
		for _, st := range rec.Stages {
			if st.DeploymentID == d.ID {
				dep.Stages = append(dep.Stages, st.model())
			}
			if c := st.CanarySettings; c != nil && c.DeploymentID == d.ID {
				dep.Stages = append(dep.Stages, st.canaryModel())
			}
		}
		if len(dep.Stages) > 0 {
			out = append(out, dep)
		}
	}
	return out
}

// apiError is a refusal in API Gateway's terms: the status, the exception's name and its message.
type apiError struct {
	status    int
	exception string
	message   string
}

func (e *apiError) Error() string { return e.exception + ": " + e.message }

// messageOf is an error's message as API Gateway's exception carries it.
func messageOf(err error) string {
	var e *apiError
	if errors.As(err, &e) {
		return e.message
	}
	return err.Error()
}

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, "BadRequestException", fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &apiError{http.StatusNotFound, "NotFoundException", fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) error {
	return &apiError{http.StatusConflict, "ConflictException", fmt.Sprintf(format, args...)}
}

// fail answers err: API Gateway's exception when it is one, else the store failed, which is API Gateway's 503
// (clients retry it).
func fail(w http.ResponseWriter, err error) {
	var e *apiError
	if errors.As(err, &e) {
		writeError(w, e.status, e.exception, e.message)
		return
	}
	writeError(w, http.StatusServiceUnavailable, "ServiceUnavailableException", "the state store failed: "+err.Error())
}

// decode reads a request's JSON body into v; a body that is not one, or has a field v lacks (v has every field of
// the operation's model: requests_test.go), is a BadRequestException, never a field ignored.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return badRequest("Invalid request body: %v", err)
	}
	return nil
}

// invalidAPI is API Gateway's answer for an API id there is none of.
func (s *Service) invalidAPI(id string) error {
	return notFound("Invalid API identifier specified %s:%s", s.files.Load().account, id)
}

// read is the API r names: the management API's, or the file's, whose changes are a BadRequestException (write).
func (s *Service) read(r *http.Request, write bool) (*apiRecord, error) {
	id := r.PathValue("restapi_id")
	raw, err := s.store.Get(r.Context(), recordPrefix+id)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		files := s.files.Load()
		switch {
		case !files.has(id):
			return nil, s.invalidAPI(id)
		case write:
			return nil, fileAPI(id)
		}
		if rec := files.record(id); rec != nil {
			return rec, nil
		}
		return nil, &apiError{http.StatusNotImplemented, "NotImplementedException",
			"API " + id + ", defined in tollgate.yaml, has what the management API cannot show yet (an inline request body schema, say)"}
	}
	var rec apiRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("state record %s: %w", id, err)
	}
	return &rec, nil
}

// readList answers a Get operation with a page of what pick takes of the API r names, sorted by id.
func readList[T any](s *Service, w http.ResponseWriter, r *http.Request, pick func(rec *apiRecord) []T, id func(T) string, answer func(page []T, position string) any) {
	rec, err := s.read(r, false)
	if err == nil {
		items := pick(rec)
		slices.SortFunc(items, func(a, b T) int { return strings.Compare(id(a), id(b)) })
		var page []T
		var position string
		if page, position, err = pageOf(r, items, id); err == nil {
			writeJSON(w, http.StatusOK, answer(page, position))
			return
		}
	}
	fail(w, err)
}

// readOne answers a Get operation with what find takes of the API r names.
func readOne[T any](s *Service, w http.ResponseWriter, r *http.Request, find func(rec *apiRecord) (T, error)) {
	rec, err := s.read(r, false)
	if err == nil {
		var v T
		if v, err = find(rec); err == nil {
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	fail(w, err)
}

// fileRecord is a file's REST API as the management API reads it: its resources, methods and settings as an
// import makes them, under ids named by what they are (so that they stay from load to load), one deployment
// standing for tollgate.yaml and one for each canary's definition, and its stages; nil when the API has what a
// managed one cannot hold.
func fileRecord(a *tollgatev1.RestApi, canaries []*tollgatev1.Stage, api restAPI) *apiRecord {
	ids := func(what string) string {
		sum := sha256.Sum256([]byte(a.GetId() + " " + what))
		return strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:10]
	}
	api.RootResourceID = ids("resource /")
	rec := &apiRecord{API: api, ids: ids, Resources: []*resource{{ID: api.RootResourceID, Path: "/"}}}
	if rec.merge(a) != nil {
		return nil
	}
	d := &deploymentRecord{deployment: deployment{ID: ids("deployment"), Description: "tollgate.yaml"}}
	rec.Deployments = []*deploymentRecord{d}
	for _, st := range a.GetStages() {
		out := stageOfModel(st, d.ID)
		if i := slices.IndexFunc(canaries, func(c *tollgatev1.Stage) bool { return c.GetStageName() == st.GetStageName() }); i >= 0 {
			canary := &deploymentRecord{deployment: deployment{ID: ids("canary " + st.GetStageName()), Description: "tollgate.yaml, the canary of stage " + st.GetStageName()}}
			rec.Deployments = append(rec.Deployments, canary)
			out.CanarySettings = canaryOfModel(canaries[i], st.GetVariables(), canary.ID)
		}
		rec.Stages = append(rec.Stages, out)
	}
	return rec
}

func fileAPI(id string) error {
	return badRequest("API %s is defined in tollgate.yaml: change it there, the management API cannot", id)
}

// change applies a write to the managed API r names, atomically: edit changes the record, or sets it to nil to
// delete the API. When edit reports that what Envoy serves changes, the whole configuration with the new record is
// checked before the record is stored, and served after it is.
func (s *Service) change(r *http.Request, edit func(rec **apiRecord) (served bool, err error)) (*apiRecord, error) {
	id := r.PathValue("restapi_id")
	return changeServed(s, r, recordPrefix+id, func() error {
		if s.files.Load().has(id) {
			return fileAPI(id)
		}
		return s.invalidAPI(id)
	}, edit)
}

// changeServed applies a write to the record at key, kept in a T, atomically, as change does; missing is the
// answer when there is none.
func changeServed[T any](s *Service, r *http.Request, key string, missing func() error, edit func(rec **T) (served bool, err error)) (*T, error) {
	var rec *T
	var serve func()
	err := s.store.Update(r.Context(), key, func(old []byte) ([]byte, error) {
		if old == nil {
			return nil, missing()
		}
		rec = new(T)
		if err := json.Unmarshal(old, rec); err != nil {
			return nil, fmt.Errorf("state record %s: %w", key, err)
		}
		served, err := edit(&rec)
		if err != nil {
			return nil, err
		}
		var raw []byte
		if rec != nil {
			if raw, err = json.Marshal(rec); err != nil {
				return nil, err
			}
		}
		serve = nil
		if served {
			if serve, err = s.check(r.Context(), key, raw); err != nil {
				return nil, err
			}
		}
		return raw, nil
	})
	if err != nil {
		return nil, err
	}
	if serve != nil {
		serve()
	}
	return rec, nil
}

// check loads the configuration with the management API's state as stored but the record at key as raw (nil:
// deleted), and turns its problems into the BadRequestException API Gateway answers a change it cannot make with;
// serve serves it, once stored.
func (s *Service) check(ctx context.Context, key string, raw []byte) (serve func(), err error) {
	st, err := s.stateWith(ctx, key, raw)
	if err != nil {
		return nil, err
	}
	if serve, err = s.serving.Check(st); err != nil {
		return nil, badRequest("The change cannot be served: %v", err)
	}
	return serve, nil
}

// newID is an id as API Gateway makes them: 10 lower-case letters and digits (of 32, 50 random bits). A create
// stores its record only where there is none, so two equal ids cannot both be stored.
func newID() string { return strings.ToLower(rand.Text()[:10]) }

// noContent answers a delete, as API Gateway does: 202 and no body.
func noContent(w http.ResponseWriter) { w.WriteHeader(http.StatusAccepted) }

// CopyAPI stores n copies of the managed REST API id, deployed as it is, each under an id of its own
// (copy000000, ...): a store of many APIs for benchmarks, written while no control plane serves it.
func CopyAPI(ctx context.Context, store state.Store, id string, n int) error {
	raw, err := store.Get(ctx, recordPrefix+id)
	if err != nil || raw == nil {
		return fmt.Errorf("record of API %s: %v", id, err)
	}
	for i := range n {
		var rec apiRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return err
		}
		rec.API.ID = fmt.Sprintf("copy%06d", i)
		out, err := json.Marshal(&rec)
		if err != nil {
			return err
		}
		if err := store.Update(ctx, recordPrefix+rec.API.ID, func([]byte) ([]byte, error) { return out, nil }); err != nil {
			return err
		}
	}
	return nil
}
