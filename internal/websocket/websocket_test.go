package websocket

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

func TestRouteKey(t *testing.T) {
	for _, tt := range []struct {
		name string
		path []string
		typ  websocket.MessageType
		msg  string
		want string
	}{
		{"member", []string{"action"}, websocket.MessageText, `{"action":"send","x":1}`, "send"},
		{"nested member", []string{"m", "kind"}, websocket.MessageText, `{"m":{"kind":"a"}}`, "a"},
		{"number, as text", []string{"action"}, websocket.MessageText, `{"action":12}`, "12"},
		{"boolean, as text", []string{"action"}, websocket.MessageText, `{"action":true}`, "true"},
		{"object, as JSON", []string{"action"}, websocket.MessageText, `{"action":{"b":1}}`, `{"b":1}`},
		{"missing", []string{"action"}, websocket.MessageText, `{"other":"send"}`, ""},
		{"null", []string{"action"}, websocket.MessageText, `{"action":null}`, ""},
		{"through a non-object", []string{"m", "kind"}, websocket.MessageText, `{"m":"kind"}`, ""},
		{"not JSON", []string{"action"}, websocket.MessageText, `hello`, ""},
		{"an array", []string{"action"}, websocket.MessageText, `["send"]`, ""},
		{"binary", []string{"action"}, websocket.MessageBinary, `{"action":"send"}`, ""},
		{"spaced, nested, escaped", []string{"m", "kind"}, websocket.MessageText, " { \"x\": [1, {\"kind\": 2}], \"m\" : { \"kind\" : \"s\\u0065nd\" } } ", "send"},
		{"a repeated member: its last", []string{"action"}, websocket.MessageText, `{"action":"a","action":"b"}`, "b"},
		{"invalid JSON", []string{"action"}, websocket.MessageText, `{"action":"send"`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := routeKey(tt.path, tt.typ, []byte(tt.msg)); got != tt.want {
				t.Errorf("routeKey = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConnectionsPath(t *testing.T) {
	st := &ir.WebSocketStage{APIID: "chat", Stage: "prod"}
	for _, tt := range []struct {
		path, want string
		ok         bool
	}{
		{"/prod/@connections/abc%3D", "abc=", true},
		{"/prod/%40connections/abc=", "abc=", true},
		{"/_aws/execute-api/chat/prod/%40connections/abc", "abc", true},
		{"/restapis/chat/prod/_user_request_/@connections/abc", "abc", true},
		{"/prod/@connections/", "", false},
		{"/prod/@connections/a/b", "", false},
		{"/dev/@connections/abc", "", false},
		{"/_aws/execute-api/other/prod/@connections/abc", "", false},
		{"/prod", "", false},
		{"/prod/@connections/%zz", "", false},
	} {
		id, ok := connectionsPath(tt.path, st, nil)
		if id != tt.want || ok != tt.ok {
			t.Errorf("connectionsPath(%q) = %q, %v; want %q, %v", tt.path, id, ok, tt.want, tt.ok)
		}
	}
	// On a custom domain, under the mapping's base path only.
	for _, tt := range []struct {
		base, path, want string
		ok               bool
	}{
		{"/chat", "/chat/@connections/abc", "abc", true},
		{"/chat", "/chat/%40connections/abc", "abc", true},
		{"", "/@connections/abc", "abc", true},
		{"/chat", "/prod/@connections/abc", "", false},
		{"/chat", "/chatx/@connections/abc", "", false},
		{"", "/prod/@connections/abc", "", false},
	} {
		id, ok := connectionsPath(tt.path, st, &domainMapping{basePath: tt.base, domainName: "ws.example.com"})
		if id != tt.want || ok != tt.ok {
			t.Errorf("connectionsPath(%q) under base path %q = %q, %v; want %q, %v", tt.path, tt.base, id, ok, tt.want, tt.ok)
		}
	}
}

func TestLambdaResult(t *testing.T) {
	for _, tt := range []struct {
		name, answer string
		status       int
		body         string // "<nil>" for none
		header       string // Sec-WebSocket-Protocol
		fails        bool
	}{
		{"proxy response", `{"statusCode": 200, "body": "hi", "headers": {"sec-websocket-protocol": "p"}}`, 200, "hi", "p", false},
		{"a refusal", `{"statusCode": 401}`, 401, "<nil>", "", false},
		{"base64 body", `{"statusCode": 200, "body": "aGk=", "isBase64Encoded": true}`, 200, "hi", "", false},
		{"bad base64 body", `{"statusCode": 200, "body": "!", "isBase64Encoded": true}`, 0, "", "", true},
		{"no HTTP status", `{"statusCode": 0}`, 0, "", "", true},
		{"nothing", ``, 200, "<nil>", "", false},
		{"null", `null`, 200, "<nil>", "", false},
		{"any other JSON is sent as it is", `{"hello": "world"}`, 200, `{"hello": "world"}`, "", false},
		{"a string", `"text"`, 200, `"text"`, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := lambdaResult([]byte(tt.answer))
			if (err != nil) != tt.fails {
				t.Fatalf("error %v, want failure %v", err, tt.fails)
			}
			if tt.fails {
				return
			}
			body := "<nil>"
			if res.body != nil {
				body = string(res.body)
			}
			if res.status != tt.status || body != tt.body || res.header("Sec-WebSocket-Protocol") != tt.header {
				t.Errorf("got %d %q %q, want %d %q %q", res.status, body, res.header("Sec-WebSocket-Protocol"), tt.status, tt.body, tt.header)
			}
		})
	}
}

// FuzzMessage: any message selects a route key, and any function answer is a result or an error, never a panic.
func FuzzMessage(f *testing.F) {
	f.Add([]byte(`{"action":"send"}`))
	f.Add([]byte(`{"statusCode": 200, "body": "aGk=", "isBase64Encoded": true}`))
	f.Add([]byte(`{"m":{"kind":[1,2]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = routeKey([]string{"m", "kind"}, websocket.MessageText, data)
		if res, err := lambdaResult(data); err == nil && res.status == 0 {
			t.Fatalf("a result without a status from %q", data)
		}
	})
}

// The in-process tests' stage: an HTTP backend decides connections (refusing ?deny) and answers messages; no
// $default route.
const allowManage = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:ManageConnections","Resource":"*"}]}`

type harness struct {
	t   *testing.T
	srv *Server
	url string // the service's, as Envoy reaches it
	// counted are the metrics the server counted, by name.
	mu      sync.Mutex
	counted map[string]int
	// snapshot is what the server serves.
	snapshot *ir.Snapshot
}

func (h *harness) counts() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.counted)
}

func newHarness(t *testing.T) *harness { return newNode(t, Memory{}) }

// newNode is a node of the stage's gateway with the registry given, its part in the registry running.
func newNode(t *testing.T, registry Registry) *harness {
	t.Helper()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/connect":
			w.WriteHeader(http.StatusOK)
		case "/echo":
			_, _ = w.Write(append([]byte("echo: "), body...))
		case "/json":
			_, _ = w.Write(body)
		case "/fail":
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(backend.Close)
	in := func(path string) ir.WebSocketIntegration {
		return ir.WebSocketIntegration{Type: "HTTP_PROXY", URL: backend.URL + path, Method: http.MethodPost, Timeout: ir.Duration(time.Second)}
	}
	h := &harness{t: t, counted: map[string]int{}}
	srv := New(Options{Domain: "execute-api.test", Region: "us-east-1", AccountID: "123456789012", IdleTimeout: time.Minute, MaxDuration: time.Hour,
		Registry: registry, Counted: func(apiID, stage, metric string) {
			if apiID == "chat" && stage == "prod" {
				h.mu.Lock()
				h.counted[metric]++
				h.mu.Unlock()
			}
		}})
	running, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Run(running); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	h.snapshot = &ir.Snapshot{
		IAM: []ir.IAMCredential{
			{AccessKeyID: "AKIAALLOWED", SecretAccessKey: "secret", ARN: "arn:aws:iam::123456789012:user/u", Policy: allowManage},
			{AccessKeyID: "AKIATOKEN", SecretAccessKey: "secret", SessionToken: "token", ARN: "arn:aws:sts::123456789012:assumed-role/r/s", Policy: allowManage},
		},
		WebSockets: []ir.WebSocketStage{{APIID: "chat", Stage: "prod", RouteSelection: []string{"action"}, StageVariables: map[string]string{"name": "production"}, Routes: map[string]*ir.WebSocketRoute{
			names.WebSocketConnect: {Key: names.WebSocketConnect, Integration: in("/connect")},
			"echo":                 {Key: "echo", Integration: in("/echo"), SendResponse: true},
			"fail":                 {Key: "fail", Integration: in("/fail"), SendResponse: true},
			"quiet":                {Key: "quiet", Integration: ir.WebSocketIntegration{Type: "MOCK", Timeout: ir.Duration(time.Second)}},
			"mock": {Key: "mock", SendResponse: true, Integration: ir.WebSocketIntegration{Type: "MOCK", Timeout: ir.Duration(time.Second),
				RequestTemplates: map[string]string{"$default": `{"statusCode": #if($input.path('$.ok'))200#{else}500#end}`},
				Responses: []ir.WebSocketIntegrationResponse{
					{Template: `{"ok": false}`},
					{Pattern: `2\d\d`, Template: `{"ok": true, "connection": "$context.connectionId", "route": "$context.routeKey", "stage": "$stageVariables.name"}`},
				}}},
			"templated": {Key: "templated", SendResponse: true, Integration: ir.WebSocketIntegration{Type: "HTTP", URL: backend.URL + "/json", Method: http.MethodPost,
				Timeout: ir.Duration(time.Second), TemplateSelection: []string{"kind"},
				RequestTemplates: map[string]string{"greet": `{"hello": "$input.path('$.name')"}`, "$default": `{"other": true}`},
				Responses:        []ir.WebSocketIntegrationResponse{{Template: `{"backend said": $input.json('$')}`}}}},
		}}},
	}
	srv.Update(h.snapshot)
	// Envoy's part: the route's headers.
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("deny") == "1" {
			r.Header.Set(names.WebSocketAPIHeader, "chat/gone")
		} else {
			r.Header.Set(names.WebSocketAPIHeader, "chat/prod")
		}
		r.Header.Set(names.WebSocketSourceIPHeader, "192.0.2.7")
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	h.srv, h.url = srv, front.URL
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return h
}

func (h *harness) connect() *websocket.Conn {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(h.url, "http")+"/prod", &websocket.DialOptions{HTTPHeader: http.Header{"User-Agent": {"tests"}}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func (h *harness) exchange(c *websocket.Conn, msg string) string {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		h.t.Fatal(err)
	}
	_, got, err := c.Read(ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return string(got)
}

// id is the connection's id: the only connection of the server's (which the server records right after the
// upgrade it answered).
func (h *harness) id() string {
	h.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		h.srv.mu.Lock()
		for id := range h.srv.conns {
			h.srv.mu.Unlock()
			return id
		}
		h.srv.mu.Unlock()
	}
	h.t.Fatal("no connection")
	return ""
}

// call calls @connections/{id}, signed by key unless key is "".
func (h *harness) call(method, id, key, token string, body []byte) (int, http.Header, string) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+"/prod/%40connections/"+id, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if key != "" {
		if token != "" {
			req.Header.Set("X-Amz-Security-Token", token)
		}
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: "secret"}, req,
			hex.EncodeToString(sum[:]), SigningName, "us-east-1", time.Now()); err != nil {
			h.t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestMessages(t *testing.T) {
	h := newHarness(t)
	c := h.connect()
	if got := h.exchange(c, `{"action":"echo","x":1}`); got != `echo: {"action":"echo","x":1}` {
		t.Errorf("a route with a route response: %q", got)
	}
	// No $default: API Gateway's error frame, with the connection's id and the message's request id.
	for msg, want := range map[string]string{`{"action":"nope"}`: "Forbidden", "not JSON": "Forbidden", `{"action":"fail"}`: "Internal server error"} {
		var frame struct{ Message, ConnectionID, RequestID string }
		if err := json.Unmarshal([]byte(h.exchange(c, msg)), &frame); err != nil {
			t.Fatal(err)
		}
		if frame.Message != want || frame.ConnectionID != h.id() || len(frame.RequestID) != 16 {
			t.Errorf("%s: error frame %+v, want message %q", msg, frame, want)
		}
	}
	// A MOCK answers nothing: the next frame is the answer to the message after it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"action":"quiet"}`)); err != nil {
		t.Fatal(err)
	}
	if got := h.exchange(c, `{"action":"echo"}`); got != `echo: {"action":"echo"}` {
		t.Errorf("after a MOCK's message: %q", got)
	}
	// Six messages in, five out; the two without a route refused before an integration, the backend's 500.
	want := map[string]int{names.WebSocketConnectCount: 1, names.WebSocketMessageCount: 11, names.WebSocketClientError: 2, names.WebSocketIntegrationError: 1}
	if got := h.counts(); !maps.Equal(got, want) {
		t.Errorf("metrics counted %v, want %v", got, want)
	}
}

// TestMappedIntegrations: a MOCK whose request template's status selects its integration response, and an HTTP
// integration whose request template is chosen by the message's kind, its answer rendered by the response's.
func TestMappedIntegrations(t *testing.T) {
	h := newHarness(t)
	c := h.connect()
	id := h.id()
	for _, tt := range []struct{ msg, want string }{
		{`{"action":"mock","ok":true}`, `{"ok": true, "connection": "` + id + `", "route": "mock", "stage": "production"}`},
		{`{"action":"mock"}`, `{"ok": false}`},
		{`{"action":"templated","kind":"greet","name":"Ann"}`, `{"backend said": {"hello":"Ann"}}`},
		{`{"action":"templated","kind":"other"}`, `{"backend said": {"other":true}}`},
	} {
		if got := h.exchange(c, tt.msg); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.msg, got, tt.want)
		}
	}
}

func TestNewID(t *testing.T) {
	for range 1000 {
		if id := newID(); !connectionID.MatchString(id) {
			t.Fatalf("id %q does not look like API Gateway's", id)
		}
	}
}

// connectionID is what API Gateway's connection ids look like: a letter or digit, then URL-safe base64.
var connectionID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{14}=$`)

func TestMockStatus(t *testing.T) {
	for rendered, want := range map[string]int{`{"statusCode": 401}`: 401, `{"statusCode": "404"}`: 404, `{}`: 200, `not JSON`: 200, `{"statusCode": 1000}`: 200} {
		if got := mockStatus([]byte(rendered)); got != want {
			t.Errorf("mockStatus(%s) = %d, want %d", rendered, got, want)
		}
	}
}

func TestConnectRefused(t *testing.T) {
	h := newHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// A stage the snapshot does not have: Forbidden, as API Gateway answers a stage it does not know.
	_, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(h.url, "http")+"/prod?deny=1", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("dial to an unknown stage: %v %+v", err, resp)
	}
	plain, err := http.Get(h.url + "/prod")
	if err != nil {
		t.Fatal(err)
	}
	plain.Body.Close()
	if plain.StatusCode != http.StatusUpgradeRequired {
		t.Errorf("a request that is no upgrade: %d, want 426", plain.StatusCode)
	}
}

func TestConnectionsAPI(t *testing.T) {
	h := newHarness(t)
	c := h.connect()
	id := h.id()
	for _, tt := range []struct {
		name, method, id, key, token string
		body                         []byte
		status                       int
		errorType                    string
	}{
		{"unsigned", http.MethodPost, id, "", "", []byte("x"), http.StatusForbidden, "MissingAuthenticationTokenException"},
		{"unknown key", http.MethodPost, id, "AKIAUNKNOWN", "", []byte("x"), http.StatusForbidden, "UnrecognizedClientException"},
		{"temporary credentials without their token", http.MethodPost, id, "AKIATOKEN", "", []byte("x"), http.StatusForbidden, "UnrecognizedClientException"},
		{"unknown connection", http.MethodPost, "bm9uZQ==", "AKIAALLOWED", "", []byte("x"), http.StatusGone, "GoneException"},
		{"too large", http.MethodPost, id, "AKIAALLOWED", "", bytes.Repeat([]byte("x"), maxMessage+1), http.StatusRequestEntityTooLarge, "PayloadTooLargeException"},
		{"temporary credentials", http.MethodGet, id, "AKIATOKEN", "token", nil, http.StatusOK, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, header, body := h.call(tt.method, tt.id, tt.key, tt.token, tt.body)
			if status != tt.status || header.Get("X-Amzn-Errortype") != tt.errorType {
				t.Errorf("%d %s %s, want %d %s", status, header.Get("X-Amzn-Errortype"), body, tt.status, tt.errorType)
			}
		})
	}
	if status, _, body := h.call(http.MethodPost, id, "AKIAALLOWED", "", []byte("pushed")); status != http.StatusOK {
		t.Fatalf("post: %d %s", status, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, msg, err := c.Read(ctx); err != nil || string(msg) != "pushed" {
		t.Fatalf("the connection read %q, %v", msg, err)
	}
	status, _, body := h.call(http.MethodGet, id, "AKIAALLOWED", "", nil)
	var described struct {
		ConnectedAt, LastActiveAt time.Time
		Identity                  struct{ SourceIP, UserAgent string }
	}
	if err := json.Unmarshal([]byte(body), &described); err != nil || status != http.StatusOK {
		t.Fatalf("get: %d %s %v", status, body, err)
	}
	if described.Identity.SourceIP != "192.0.2.7" || described.Identity.UserAgent != "tests" || described.LastActiveAt.Before(described.ConnectedAt) {
		t.Errorf("get: %s", body)
	}
	if status, _, body := h.call(http.MethodDelete, id, "AKIAALLOWED", "", nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", status, body)
	}
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("a deleted connection's read: %v, want a close with 1000", err)
	}
	if status, _, _ := h.call(http.MethodGet, id, "AKIAALLOWED", "", nil); status != http.StatusGone {
		t.Errorf("a deleted connection: %d, want 410", status)
	}
}

// A reload's routes serve the connections already open.
func TestReloadServesOpenConnections(t *testing.T) {
	h := newHarness(t)
	c := h.connect()
	h.id()
	reloaded := *h.snapshot
	stage := reloaded.WebSockets[0]
	stage.Routes = maps.Clone(stage.Routes)
	echo := *stage.Routes["echo"]
	echo.Integration.URL = strings.Replace(echo.Integration.URL, "/echo", "/json", 1)
	stage.Routes["echo"] = &echo
	reloaded.WebSockets = []ir.WebSocketStage{stage}
	h.srv.Update(&reloaded)
	if got := h.exchange(c, `{"action":"echo"}`); got != `{"action":"echo"}` {
		t.Errorf("after the reload: %q, want the new integration's answer", got)
	}
}

func TestStageRemovedClosesItsConnections(t *testing.T) {
	h := newHarness(t)
	c := h.connect()
	h.id()
	h.srv.Update(&ir.Snapshot{})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("read after the stage went: %v, want a close with 1001", err)
	}
}

// TestConnectionsReachEveryNode: an @connections call reaches the connection whichever node it reaches, in every
// registry (memory: the one node there is; Redis: a connection held by another node).
func TestConnectionsReachEveryNode(t *testing.T) {
	for _, registry := range []struct {
		name  string
		nodes func(t *testing.T) (holder, caller *harness)
	}{
		{"memory", func(t *testing.T) (*harness, *harness) { h := newHarness(t); return h, h }},
		{"redis", func(t *testing.T) (*harness, *harness) {
			r := redistest.Start(t)
			return newNode(t, NewRedis(redisClient(t, r), slog.Default())), newNode(t, NewRedis(redisClient(t, r), slog.Default()))
		}},
	} {
		t.Run(registry.name, func(t *testing.T) {
			holder, caller := registry.nodes(t)
			c := holder.connect()
			id := holder.id()
			waitCallable(t, caller, id)
			if status, _, body := caller.call(http.MethodPost, id, "AKIAALLOWED", "", []byte("across")); status != http.StatusOK {
				t.Fatalf("post: %d %s", status, body)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, msg, err := c.Read(ctx); err != nil || string(msg) != "across" {
				t.Fatalf("the connection read %q, %v", msg, err)
			}
			if status, _, body := caller.call(http.MethodGet, id, "AKIAALLOWED", "", nil); status != http.StatusOK || !strings.Contains(body, `"sourceIp":"192.0.2.7"`) {
				t.Errorf("get: %d %s", status, body)
			}
			if status, _, body := caller.call(http.MethodDelete, id, "AKIAALLOWED", "", nil); status != http.StatusNoContent {
				t.Fatalf("delete: %d %s", status, body)
			}
			if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Errorf("a deleted connection's read: %v, want a close with 1000", err)
			}
			if status, header, _ := caller.call(http.MethodPost, id, "AKIAALLOWED", "", []byte("late")); status != http.StatusGone || header.Get("X-Amzn-Errortype") != "GoneException" {
				t.Errorf("post to a closed connection: %d %s, want 410 GoneException", status, header.Get("X-Amzn-Errortype"))
			}
		})
	}
}

// A node that dies (here: its heartbeat gone, its entries left) holds no connection for the others: a call to one
// of its connections is Gone at once, and its entry expires.
func TestRedisDeadNodesConnectionsAreGone(t *testing.T) {
	r := redistest.Start(t)
	client := redisClient(t, r)
	caller := newNode(t, NewRedis(client, slog.Default()))
	dead := NewRedis(redisClient(t, r), slog.Default())
	dead.Register(context.Background(), "ZGVhZCBub2RlcyA=", "chat/prod")
	client.Del(context.Background(), nodeKey(dead.node)) // it stopped beating without saying so
	if status, header, _ := caller.call(http.MethodPost, "ZGVhZCBub2RlcyA=", "AKIAALLOWED", "", []byte("x")); status != http.StatusGone {
		t.Errorf("post to a dead node's connection: %d %s, want 410", status, header.Get("X-Amzn-Errortype"))
	}
	if ttl := client.TTL(context.Background(), connectionKey("ZGVhZCBub2RlcyA=")).Val(); ttl <= 0 || ttl > connectionTTL {
		t.Errorf("the dead node's entry lives %v: want it to expire within %v", ttl, connectionTTL)
	}
}

func redisClient(t *testing.T, r *redistest.Server) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: r.Addr()})
	t.Cleanup(func() { c.Close() })
	return c
}

// waitCallable waits until the caller's registry can carry calls (its subscription made) and the holder's entry
// is written: both happen right after a connection, not before it.
func waitCallable(t *testing.T, caller *harness, id string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if status, _, _ := caller.call(http.MethodGet, id, "AKIAALLOWED", "", nil); status == http.StatusOK {
			return
		}
	}
	t.Fatalf("connection %s never reachable from the caller", id)
}

// A client that does not read is closed once a send has waited sendTimeout for it, and its calls are Gone after:
// what is sent to it is never buffered without bound.
func TestClientThatDoesNotReadIsClosed(t *testing.T) {
	h := newHarness(t)
	c := h.connect()
	_ = c // never read
	id := h.id()
	big := bytes.Repeat([]byte("x"), maxMessage)
	deadline := time.Now().Add(sendTimeout + 10*time.Second)
	for time.Now().Before(deadline) {
		status, _, _ := h.call(http.MethodPost, id, "AKIAALLOWED", "", big)
		if status == http.StatusGone {
			return
		}
		if status != http.StatusOK {
			t.Fatalf("post: %d, want 200 until the connection is closed, then 410", status)
		}
	}
	t.Fatalf("a connection that never reads still takes messages after %v", sendTimeout+10*time.Second)
}

// A malformed frame (here: an unmasked one, which a client must mask) closes the connection with a protocol
// error, and the service goes on serving others.
func TestMalformedFrameClosesTheConnection(t *testing.T) {
	h := newHarness(t)
	conn, r := h.rawConnection()
	_, _ = conn.Write([]byte{0x81, 0x02, 'h', 'i'}) // a text frame, FIN, unmasked
	if status := closeFrame(t, conn, r); status != websocket.StatusProtocolError {
		t.Errorf("closed with %d, want 1002", status)
	}
	if got := h.exchange(h.connect(), `{"action":"echo"}`); got != `echo: {"action":"echo"}` {
		t.Errorf("another connection after a malformed frame: %q", got)
	}
}

// $connect's API key and limits: a key of no plan of the stage (or none, or a disabled one) is refused with 403
// without the limits asked; an admitted key's connections go through the limiter with its key and plan, whose
// refusal is answered with its status and message.
func TestConnectAPIKeyAndLimits(t *testing.T) {
	var asked [][3]string
	srv := New(Options{Domain: "execute-api.test", IdleTimeout: time.Minute, MaxDuration: time.Hour,
		Limit: func(_ context.Context, route, keyID, planID string) (bool, int, string) {
			asked = append(asked, [3]string{route, keyID, planID})
			if len(asked) > 1 {
				return true, http.StatusTooManyRequests, "Limit Exceeded"
			}
			return false, 0, ""
		}})
	srv.Update(&ir.Snapshot{
		APIKeys: []ir.APIKey{{ID: "k1", Value: "alice-0123456789abcdefgh", Enabled: true}, {ID: "k2", Value: "off-0123456789abcdefghij"},
			{ID: "k3", Value: "other-0123456789abcdefgh", Enabled: true}},
		Grants: []ir.Grant{{KeyID: "k1", APIID: "chat", Stage: "prod", PlanID: "p1"}, {KeyID: "k2", APIID: "chat", Stage: "prod", PlanID: "p1"},
			{KeyID: "k3", APIID: "chat", Stage: "dev", PlanID: "p2"}},
		WebSockets: []ir.WebSocketStage{{APIID: "chat", Stage: "prod", RouteSelection: []string{"action"}, Routes: map[string]*ir.WebSocketRoute{
			names.WebSocketConnect: {Key: names.WebSocketConnect, APIKeyRequired: true, Limits: &ir.Limits{},
				Integration: ir.WebSocketIntegration{Type: "MOCK", Timeout: ir.Duration(time.Second)}},
		}}},
	})
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set(names.WebSocketAPIHeader, "chat/prod")
		srv.ServeHTTP(w, r)
	}))
	defer front.Close()
	defer srv.Shutdown(context.Background())
	dial := func(key string) int {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		header := http.Header{}
		if key != "" {
			header.Set("X-Api-Key", key)
		}
		c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(front.URL, "http")+"/prod", &websocket.DialOptions{HTTPHeader: header})
		if err != nil {
			return resp.StatusCode
		}
		c.CloseNow()
		return http.StatusSwitchingProtocols
	}
	for key, want := range map[string]int{"": 403, "nobody-0123456789abcdefgh": 403, "off-0123456789abcdefghij": 403, "other-0123456789abcdefgh": 403} {
		if got := dial(key); got != want {
			t.Errorf("key %q: %d, want %d", key, got, want)
		}
	}
	if len(asked) != 0 {
		t.Errorf("the limiter was asked for refused keys: %v", asked)
	}
	if got := dial("alice-0123456789abcdefgh"); got != http.StatusSwitchingProtocols {
		t.Errorf("an admitted key: %d", got)
	}
	if got := dial("alice-0123456789abcdefgh"); got != http.StatusTooManyRequests {
		t.Errorf("a key the limiter refuses: %d, want 429", got)
	}
	if want := [3]string{"chat/prod/$connect", "k1", "p1"}; len(asked) != 2 || asked[0] != want {
		t.Errorf("the limiter was asked %v, want %v twice", asked, want)
	}
}

func TestFrameLimiter(t *testing.T) {
	frame := func(masked bool, n int) []byte {
		var h []byte
		b1 := byte(0)
		if masked {
			b1 = 0x80
		}
		switch {
		case n < 126:
			h = []byte{0x81, b1 | byte(n)}
		case n <= 0xffff:
			h = []byte{0x81, b1 | 126, byte(n >> 8), byte(n)}
		default:
			h = []byte{0x81, b1 | 127, 0, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
		}
		if masked {
			h = append(h, 1, 2, 3, 4)
		}
		return append(h, bytes.Repeat([]byte{'x'}, n)...)
	}
	for _, tt := range []struct {
		name   string
		stream []byte
		chunk  int // the size of each read from the client, to split headers across reads
		fails  bool
	}{
		{"small frames", append(frame(true, 10), frame(true, 125)...), 1 << 16, false},
		{"a 16-bit length at the limit", frame(true, maxFrame), 7, false},
		{"a 16-bit length over it", frame(true, maxFrame+1), 1 << 16, true},
		{"a 64-bit length over it", frame(true, 70000), 3, true},
		{"several frames of one message, each within it", append(append(frame(true, 30000), frame(true, 30000)...), frame(false, 30000)...), 4096, false},
		{"a header split byte by byte", append(frame(true, 200), frame(true, 40000)...), 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := &frameLimiter{r: iotest.OneByteReader(bytes.NewReader(tt.stream))}
			if tt.chunk > 1 {
				f.r = &chunked{r: bytes.NewReader(tt.stream), n: tt.chunk}
			}
			_, err := io.Copy(io.Discard, f)
			if failed := errors.Is(err, errFrameTooBig); failed != tt.fails || (err != nil && !failed) {
				t.Errorf("read: %v, want a frame too big %v", err, tt.fails)
			}
		})
	}
}

// chunked reads at most n bytes at a time.
type chunked struct {
	r io.Reader
	n int
}

func (c *chunked) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// A frame over 32 KB closes the connection with 1009; a larger message in smaller frames is taken.
func TestFrameOverTheLimitCloses(t *testing.T) {
	h := newHarness(t)
	c := h.connect()
	c.SetReadLimit(1 << 20)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg := `{"action":"echo","pad":"` + strings.Repeat("x", 60000) + `"}`
	w, err := c.Writer(ctx, websocket.MessageText)
	if err != nil {
		t.Fatal(err)
	}
	for rest := []byte(msg); len(rest) > 0; {
		n := min(len(rest), 2000)
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.Read(ctx); err != nil || string(got) != "echo: "+msg {
		t.Fatalf("a 60 KB message in frames: %.40q %v", got, err)
	}
	// The library sends large messages in frames of a few KB: a frame over 32 KB is written by hand.
	conn, r := h.rawConnection()
	payload := bytes.Repeat([]byte{'x'}, maxFrame+1)
	_, _ = conn.Write(append([]byte{0x81, 0x80 | 126, byte(len(payload) >> 8), byte(len(payload)), 0, 0, 0, 0}, payload...)) // masked by zeros
	if status := closeFrame(t, conn, r); status != websocket.StatusMessageTooBig {
		t.Errorf("after a frame over 32 KB: closed with %d, want 1009", status)
	}
}

// rawConnection is an upgraded connection to the harness's stage, spoken to byte by byte.
func (h *harness) rawConnection() (net.Conn, *bufio.Reader) {
	h.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.url, "http://"))
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /prod HTTP/1.1\r\nHost: chat.execute-api.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		h.t.Fatalf("upgrade: %v %v", resp, err)
	}
	return conn, r
}

// closeFrame reads the server's close frame (unmasked, with a status) and says its status.
func closeFrame(t *testing.T, conn net.Conn, r *bufio.Reader) websocket.StatusCode {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	frame := make([]byte, 4)
	if _, err := io.ReadFull(r, frame); err != nil {
		t.Fatalf("no close frame: %v", err)
	}
	if frame[0] != 0x88 {
		t.Fatalf("got frame % x, want a close frame", frame)
	}
	return websocket.StatusCode(int(frame[2])<<8 | int(frame[3]))
}

// FuzzFrameLimiter: any bytes, read in any chunks, pass whole or fail with errFrameTooBig, never a panic.
func FuzzFrameLimiter(f *testing.F) {
	f.Add([]byte{0x81, 0x82, 1, 2, 3, 4, 'h', 'i'}, 3)
	f.Add([]byte{0x81, 0xfe, 0x80, 0x01, 0, 0, 0, 0}, 1)
	f.Add([]byte{0x82, 0xff, 0, 0, 0, 0, 0, 0, 0x80, 0x01}, 7)
	f.Fuzz(func(t *testing.T, stream []byte, chunk int) {
		chunk = max(1, chunk%64)
		n, err := io.Copy(io.Discard, &frameLimiter{r: &chunked{r: bytes.NewReader(stream), n: chunk}})
		if err != nil && !errors.Is(err, errFrameTooBig) {
			t.Fatalf("read: %v", err)
		}
		if err == nil && n != int64(len(stream)) {
			t.Fatalf("passed %d of %d bytes", n, len(stream))
		}
	})
}

// @connections calls count against the account's throttle, as API Gateway's: a refusal is 429
// LimitExceededException, and sends nothing.
func TestConnectionsThrottled(t *testing.T) {
	h := newHarness(t)
	c := h.connect()
	id := h.id()
	var asked []string
	h.srv.opts.Limit = func(_ context.Context, route, _, _ string) (bool, int, string) {
		asked = append(asked, route)
		return true, http.StatusTooManyRequests, "Too Many Requests"
	}
	throttled := *h.snapshot
	stage := throttled.WebSockets[0]
	stage.ConnectionsLimits = &ir.Limits{Account: &ir.Throttle{RateLimit: 1, BurstLimit: 1}}
	throttled.WebSockets = []ir.WebSocketStage{stage}
	h.srv.Update(&throttled)
	status, header, _ := h.call(http.MethodPost, id, "AKIAALLOWED", "", []byte("x"))
	if status != http.StatusTooManyRequests || header.Get("X-Amzn-Errortype") != "LimitExceededException" || len(asked) != 1 || asked[0] != "chat/prod/@connections" {
		t.Errorf("a throttled post: %d %s, the limiter asked %v", status, header.Get("X-Amzn-Errortype"), asked)
	}
	if got := h.exchange(c, `{"action":"echo"}`); got != `echo: {"action":"echo"}` {
		t.Errorf("the next frame %q: the throttled post must send nothing", got)
	}
}
