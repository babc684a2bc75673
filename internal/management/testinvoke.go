package management

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/names"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// TestInvokeMethod runs a method of the working copy, deployed for the one request, through Envoy and the ext
// services as any request is: the control plane serves the working copy on names.TestInvokeStage beside what it
// serves, its routes taking only the requests with the invocation's token, and the management API sends the
// request to an Envoy once that Envoy has accepted them. As AWS's test invocation, it skips the method's authorization
// (authorizers, IAM, API keys) and the resource policy.

func init() {
	routes = append(routes, route{"POST /restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}", (*Service).testInvokeMethod})
}

// testInvokeRequest is TestInvokeMethod's body.
type testInvokeRequest struct {
	Body                string              `json:"body"`
	ClientCertificateID string              `json:"clientCertificateId"`
	Headers             map[string]string   `json:"headers"`
	MultiValueHeaders   map[string][]string `json:"multiValueHeaders"`
	PathWithQueryString string              `json:"pathWithQueryString"`
	StageVariables      map[string]string   `json:"stageVariables"`
}

// testInvokeAnswer is TestInvokeMethod's answer.
type testInvokeAnswer struct {
	Status            int                 `json:"status"`
	Body              string              `json:"body"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Log               string              `json:"log"`
	Latency           int64               `json:"latency"`
}

func (s *Service) testInvokeMethod(w http.ResponseWriter, r *http.Request) {
	var req testInvokeRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	if req.ClientCertificateID != "" {
		fail(w, badRequest("clientCertificateId is not supported by Tollgate: it presents no client certificate to backends"))
		return
	}
	for name, value := range req.StageVariables {
		if err := checkVariable(name, value); err != nil {
			fail(w, err)
			return
		}
	}
	rec, err := s.invocationRecord(r)
	if err != nil {
		fail(w, err)
		return
	}
	res := rec.resource(r.PathValue("resource_id"))
	if res == nil {
		fail(w, notFound("Invalid Resource identifier specified"))
		return
	}
	m := res.ResourceMethods[r.PathValue("http_method")]
	if m == nil {
		fail(w, notFound("Invalid Method identifier specified"))
		return
	}
	definition, err := export(rec)
	if err == nil {
		definition, err = invocationOf(definition, res.Path, m.HTTPMethod)
	}
	if err != nil {
		fail(w, err)
		return
	}
	d := invocationDeployment(rec.API.ID, definition, req.StageVariables)
	invocation := testInvocation{host: rec.API.ID + "." + s.files.Load().domain, method: m.HTTPMethod, resource: res.Path,
		token: d.Stages[0].GetTestInvokeToken(), req: req}
	if invocation.method == "ANY" {
		invocation.method = http.MethodGet
	}
	var out testInvokeAnswer
	err = s.serving.TestInvoke(d, func(listen string) (err error) {
		out, err = invocation.send(r, listen)
		return err
	})
	var e *apiError
	switch {
	case errors.As(err, &e):
		fail(w, err)
	case err != nil:
		fail(w, badRequest("The method cannot be served: %v", err))
	default:
		writeJSON(w, http.StatusOK, out)
	}
}

// invocationRecord is the managed API r names, for a test invocation: a file's is tried by calling its stages.
func (s *Service) invocationRecord(r *http.Request) (*apiRecord, error) {
	rec, err := s.read(r, false)
	if err != nil {
		return nil, err
	}
	if s.files.Load().has(rec.API.ID) {
		return nil, badRequest("API %s is defined in tollgate.yaml: call its stages to try it", rec.API.ID)
	}
	return rec, nil
}

// invocationDeployment is a test invocation's deployment of definition: on names.TestInvokeStage with the stage
// variables given, its routes taking only the requests with a token of its own.
func invocationDeployment(apiID string, definition []byte, variables map[string]string) Deployed {
	token := make([]byte, 16)
	_, _ = rand.Read(token) // never fails
	return Deployed{APIID: apiID, DeploymentID: "test-invoke", Definition: definition, Stages: []*tollgatev1.Stage{{
		StageName: names.TestInvokeStage, Variables: variables, TestInvokeToken: hex.EncodeToString(token)}}}
}

// invocationOf is the definition a test invocation of the method at path serves: that method alone (the others'
// stage variables need not be given), without its security requirement, and without the resource policy: a test
// invocation is the API owner's.
func invocationOf(definition []byte, path, method string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(definition, &doc); err != nil {
		return nil, err
	}
	delete(doc, "x-amazon-apigateway-policy")
	key := strings.ToLower(method)
	if method == "ANY" {
		key = "x-amazon-apigateway-any-method"
	}
	paths, _ := doc["paths"].(map[string]any)
	item, _ := paths[path].(map[string]any)
	op, _ := item[key].(map[string]any)
	if op == nil {
		return nil, notFound("Invalid Method identifier specified")
	}
	delete(op, "security")
	doc["paths"] = map[string]any{path: map[string]any{key: op}}
	return json.Marshal(doc)
}

// testInvocation is one TestInvokeMethod request, as sent to Envoy.
type testInvocation struct {
	host, method, resource, token string
	req                           testInvokeRequest
}

// send sends the invocation to the Envoy at listen, on a connection of its own (one opened before that Envoy
// accepted the invocation's configuration may still serve the one before), and reads the answer as
// TestInvokeMethod gives it.
func (t testInvocation) send(r *http.Request, listen string) (testInvokeAnswer, error) {
	path := t.req.PathWithQueryString
	if path == "" {
		path = t.resource
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req, err := http.NewRequestWithContext(r.Context(), t.method, "http://"+listen+"/"+names.TestInvokeStage+path, strings.NewReader(t.req.Body))
	if err != nil {
		return testInvokeAnswer{}, badRequest("Invalid pathWithQueryString %q: %v", t.req.PathWithQueryString, err)
	}
	req.Host = t.host
	for name, values := range t.req.MultiValueHeaders {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	for name, v := range t.req.Headers {
		req.Header.Set(name, v)
	}
	req.Header.Set(names.TestInvokeHeader, t.token)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 35 * time.Second}
	// An Envoy that acknowledged the configuration may still be warming the listener that serves it, whose
	// predecessor answers the invocation's path as no route's (403): asked again, the new listener answers.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		began := time.Now()
		attempt := req.Clone(r.Context())
		attempt.Body = io.NopCloser(strings.NewReader(t.req.Body))
		resp, err := client.Do(attempt)
		if err != nil {
			return testInvokeAnswer{}, &apiError{http.StatusServiceUnavailable, "ServiceUnavailableException", "no Envoy answers at " + listen + ": " + err.Error()}
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if err != nil {
			return testInvokeAnswer{}, err
		}
		if resp.StatusCode == http.StatusForbidden && strings.Contains(string(body), "Missing Authentication Token") && time.Now().Before(deadline) {
			continue
		}
		return t.answer(resp, string(body), time.Since(began), began), nil
	}
}

// answer is TestInvokeMethod's answer to the response, its log as the execution log AWS gives says it.
func (t testInvocation) answer(resp *http.Response, body string, took time.Duration, began time.Time) testInvokeAnswer {
	out := testInvokeAnswer{Status: resp.StatusCode, Body: body, Headers: map[string]string{}, MultiValueHeaders: map[string][]string{},
		Latency: took.Milliseconds()}
	for _, name := range slices.Sorted(maps.Keys(resp.Header)) {
		out.Headers[name] = resp.Header[name][0]
		out.MultiValueHeaders[name] = resp.Header[name]
	}
	id := resp.Header.Get("x-amzn-RequestId")
	stamp := began.UTC().Format("Mon Jan 02 15:04:05 MST 2006")
	var log strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&log, stamp+" : "+format+"\n", args...) }
	fmt.Fprintf(&log, "Execution log for request %s\n", id)
	line("Starting execution for request: %s", id)
	line("HTTP Method: %s, Resource Path: %s", t.method, t.resource)
	line("Method request path: %s", t.req.PathWithQueryString)
	line("Method request headers: %v", t.req.Headers)
	line("Method request body before transformations: %s", t.req.Body)
	line("Method response body after transformations: %s", body)
	line("Method response headers: %v", out.Headers)
	line("Successfully completed execution")
	line("Method completed with status: %d", resp.StatusCode)
	out.Log = log.String()
	return out
}

func init() {
	routes = append(routes, route{"POST /restapis/{restapi_id}/authorizers/{authorizer_id}", (*Service).testInvokeAuthorizer})
}

// testInvokeAuthorizerRequest is TestInvokeAuthorizer's body.
type testInvokeAuthorizerRequest struct {
	AdditionalContext   map[string]string   `json:"additionalContext"`
	Body                string              `json:"body"`
	Headers             map[string]string   `json:"headers"`
	MultiValueHeaders   map[string][]string `json:"multiValueHeaders"`
	PathWithQueryString string              `json:"pathWithQueryString"`
	StageVariables      map[string]string   `json:"stageVariables"`
}

// testInvokeAuthorizerAnswer is TestInvokeAuthorizer's answer.
type testInvokeAuthorizerAnswer struct {
	ClientStatus  int                 `json:"clientStatus"`
	Log           string              `json:"log"`
	Latency       int64               `json:"latency"`
	PrincipalID   string              `json:"principalId,omitempty"`
	Policy        string              `json:"policy,omitempty"`
	Authorization map[string][]string `json:"authorization,omitempty"`
	Claims        map[string]string   `json:"claims,omitempty"`
}

// AuthorizerInvocation is a request a test invocation of an authorizer judges: its path (with the query), headers
// and body.
type AuthorizerInvocation struct {
	Path    string
	Headers map[string][]string
	Body    string
}

// AuthorizerResult is what a test invocation of a Lambda authorizer found.
type AuthorizerResult struct {
	// Status is what the client would have been answered: 200 when the authorizer answered.
	Status      int
	PrincipalID string
	// Policy is the policy document as the function wrote it; Context is its context.
	Policy  string
	Context map[string]string
	Latency time.Duration
	// Failure says why the request was refused, for the log.
	Failure string
}

// testInvokeAuthorizer is TestInvokeAuthorizer: the authorizer, as the working copy defines it, judges the
// request as it would a request to a method it authorizes, without its cache.
func (s *Service) testInvokeAuthorizer(w http.ResponseWriter, r *http.Request) {
	var req testInvokeAuthorizerRequest
	if err := decode(r, &req); err != nil {
		fail(w, err)
		return
	}
	if len(req.AdditionalContext) > 0 {
		fail(w, badRequest("additionalContext is not supported by Tollgate yet"))
		return
	}
	rec, err := s.invocationRecord(r)
	if err != nil {
		fail(w, err)
		return
	}
	a := rec.authorizer(r.PathValue("authorizer_id"))
	switch {
	case a == nil:
		fail(w, notFound("Invalid Authorizer identifier specified"))
		return
	case a.Type != "TOKEN" && a.Type != "REQUEST":
		fail(w, badRequest("Only a Lambda authorizer (TOKEN or REQUEST) can be test-invoked by Tollgate yet"))
		return
	}
	path, _, _ := strings.Cut(cmp.Or(req.PathWithQueryString, "/"), "?")
	// The working copy with one method, at the request's path, that the authorizer authorizes.
	probe := *rec
	probe.Resources = []*resource{{ID: "probe", Path: path, ResourceMethods: map[string]*method{http.MethodGet: {
		HTTPMethod: http.MethodGet, AuthorizationType: "CUSTOM", AuthorizerID: a.ID,
		MethodIntegration: &integration{Type: "MOCK", RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
			PassthroughBehavior: "WHEN_NO_MATCH", TimeoutInMillis: 29000},
	}}}}
	definition, err := export(&probe)
	if err != nil {
		fail(w, err)
		return
	}
	d := invocationDeployment(rec.API.ID, definition, req.StageVariables)
	headers := map[string][]string{}
	maps.Copy(headers, req.MultiValueHeaders)
	for name, v := range req.Headers {
		headers[name] = []string{v}
	}
	began := time.Now()
	res, err := s.serving.TestInvokeAuthorizer(d, AuthorizerInvocation{Path: cmp.Or(req.PathWithQueryString, "/"), Headers: headers, Body: req.Body})
	if err != nil {
		fail(w, badRequest("The authorizer cannot be served: %v", err))
		return
	}
	out := testInvokeAuthorizerAnswer{ClientStatus: res.Status, Latency: res.Latency.Milliseconds(), PrincipalID: res.PrincipalID, Policy: res.Policy}
	stamp := began.UTC().Format("Mon Jan 02 15:04:05 MST 2006")
	var log strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&log, stamp+" : "+format+"\n", args...) }
	line("Starting authorizer: %s for request: test-invoke-request", a.ID)
	line("Incoming identity: %v", identityOf(a, headers))
	if res.Failure != "" {
		line("Unauthorized request: test-invoke-request (%s)", res.Failure)
	} else {
		line("Authorizer result: principalId %s, policy %s, context %v", res.PrincipalID, res.Policy, res.Context)
	}
	line("Authorizer completed with status: %d", res.Status)
	out.Log = log.String()
	writeJSON(w, http.StatusOK, out)
}

// identityOf is what the log says of the request's identity: the headers the authorizer's identity source names.
func identityOf(a *authorizer, headers map[string][]string) []string {
	var out []string
	for src := range strings.SplitSeq(a.IdentitySource, ",") {
		name, ok := strings.CutPrefix(strings.TrimSpace(src), "method.request.header.")
		if !ok {
			continue
		}
		for key, values := range headers {
			if strings.EqualFold(key, name) && len(values) > 0 {
				out = append(out, name+"=***"+lastFour(values[0]))
			}
		}
	}
	return out
}

// lastFour is the end of a secret, as a log may show it.
func lastFour(s string) string {
	if len(s) <= 8 {
		return ""
	}
	return s[len(s)-4:]
}
