package e2e

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// client talks to the gateway exactly as asked: no proxy from the environment, and no Accept-Encoding added
// behind the test's back (the pass-through tests compare headers).
var client = &http.Client{
	Transport: &http.Transport{Proxy: nil, DisableCompression: true, MaxIdleConnsPerHost: 8},
	Timeout:   15 * time.Second,
	// A redirect is an answer to check, not to follow.
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// call is one request to the gateway.
type call struct {
	method string
	url    string
	host   string      // Host header; "" means the URL's
	header http.Header // extra request headers
	body   string
}

// reply is the gateway's answer, read in full.
type reply struct {
	status  int
	header  http.Header
	body    string
	elapsed time.Duration
}

func (c call) String() string {
	s := c.method + " " + c.url
	if c.host != "" {
		s += " (Host: " + c.host + ")"
	}
	return s
}

// send makes the call and checks what every answer must have, the gateway's own and a backend's alike: a
// non-empty x-amzn-RequestId, and x-amz-apigw-id naming the same request (its first 16 characters).
func send(t *testing.T, c call) reply {
	t.Helper()
	r, err := trySend(c)
	if err != nil {
		t.Fatalf("%s: %v", c, err)
	}
	id := r.header.Get("x-amzn-RequestId")
	if id == "" {
		t.Errorf("%s: answer %d has no x-amzn-RequestId header; headers: %v", c, r.status, r.header)
	}
	if ext := r.header.Get("x-amz-apigw-id"); len(id) < 16 || ext != id[:16] {
		t.Errorf("%s: answer %d has x-amz-apigw-id %q for request id %q", c, r.status, ext, id)
	}
	return r
}

func trySend(c call) (reply, error) {
	method := c.method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(method, c.url, body)
	if err != nil {
		return reply{}, err
	}
	for name, values := range c.header {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	if c.host != "" {
		req.Host = c.host
	}
	began := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: res.StatusCode, header: res.Header, body: string(data), elapsed: time.Since(began)}, nil
}

// getAdmin fetches a path of tollgate's admin server.
func getAdmin(addr, path string) (int, string, error) {
	r, err := trySend(call{url: "http://" + addr + path})
	return r.status, r.body, err
}

// waitListening waits until addr accepts HTTP: Envoy acknowledges a listener a moment before its workers accept.
func waitListening(t *testing.T, addr string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		_, err := trySend(call{url: "http://" + addr + "/"})
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing answers HTTP on %s within %v: %v", addr, limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pollUntil repeats the call until it answers status, and returns that answer and how long it took; on timeout
// the test fails with the last answer.
func pollUntil(t *testing.T, c call, status int, limit time.Duration) (reply, time.Duration) {
	t.Helper()
	began := time.Now()
	var last string
	for {
		r, err := trySend(c)
		if err == nil && r.status == status {
			return r, time.Since(began)
		}
		if err != nil {
			last = err.Error()
		} else {
			last = strconv.Itoa(r.status) + " " + r.body
		}
		if time.Since(began) > limit {
			t.Fatalf("%s: no %d within %v; last answer: %s", c, status, limit, last)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const (
	missingTokenBody = `{"message":"Missing Authentication Token"}`
	timeoutBody      = `{"message":"Endpoint request timed out"}`
)

// expectMissingToken checks API Gateway's answer for a route it does not have, to the byte.
func expectMissingToken(t *testing.T, c call, r reply) {
	t.Helper()
	if r.status != http.StatusForbidden || r.body != missingTokenBody {
		t.Errorf("%s: got %d %s, want 403 %s", c, r.status, r.body, missingTokenBody)
	}
	if got := r.header.Get("x-amzn-ErrorType"); got != "MissingAuthenticationTokenException" {
		t.Errorf("%s: x-amzn-ErrorType = %q, want MissingAuthenticationTokenException", c, got)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("%s: Content-Type = %q, want application/json", c, got)
	}
}

// expectJSONMessage checks a gateway error: the status, a JSON content type and a {"message": "..."} body. An
// empty message accepts any.
func expectJSONMessage(t *testing.T, c call, r reply, status int, message string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d; body %s", c, r.status, status, r.body)
	}
	if got := r.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("%s: Content-Type = %q, want application/json", c, got)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Errorf("%s: body %q is not JSON: %v", c, r.body, err)
		return
	}
	msg, ok := m["message"].(string)
	if !ok || len(m) != 1 {
		t.Errorf("%s: body %s, want exactly {\"message\": \"...\"}", c, r.body)
	}
	if message != "" && msg != message {
		t.Errorf("%s: message %q, want %q", c, msg, message)
	}
}

// backend is a real HTTP server behind the gateway that echoes what reached it. Request headers steer it:
// X-Echo-Status sets the status it answers, X-Echo-Sleep (a Go duration) delays the answer, and X-Echo-Tag is
// reported on arrivals as soon as the request arrives.
type backend struct {
	name     string
	addr     string // host:port
	arrivals chan string
}

// echo is what a backend saw.
type echo struct {
	Backend    string              `json:"backend"`
	Method     string              `json:"method"`
	RequestURI string              `json:"requestURI"` // path and query as sent, undecoded
	Query      map[string][]string `json:"query"`
	Host       string              `json:"host"`
	Header     http.Header         `json:"header"`
	Body       string              `json:"body"`
}

func startBackend(t *testing.T, name string) *backend {
	t.Helper()
	b := &backend{name: name, arrivals: make(chan string, 16)}
	srv := httptest.NewServer(b.handler())
	t.Cleanup(srv.Close)
	b.addr = srv.Listener.Addr().String()
	return b
}

// startTLSBackend is startBackend over HTTPS, presenting cert.
func startTLSBackend(t *testing.T, name string, cert tls.Certificate) *backend {
	t.Helper()
	b := &backend{name: name, arrivals: make(chan string, 16)}
	srv := httptest.NewUnstartedServer(b.handler())
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	b.addr = srv.Listener.Addr().String()
	return b
}

func (b *backend) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if tag := r.Header.Get("X-Echo-Tag"); tag != "" {
			select {
			case b.arrivals <- tag:
			default:
			}
		}
		if d, err := time.ParseDuration(r.Header.Get("X-Echo-Sleep")); err == nil {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return // the gateway gave up (timeout): nobody reads the answer
			}
		}
		status := http.StatusOK
		if s, err := strconv.Atoi(r.Header.Get("X-Echo-Status")); err == nil {
			status = s
		}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Server", "e2e-backend")
		h.Set("X-Backend", b.name)
		h.Add("Set-Cookie", "a=1")
		h.Add("Set-Cookie", "b=2")
		if r.Header.Get("X-Echo-Cors") != "" { // CORS headers of the backend's own
			h.Set("Access-Control-Allow-Origin", "https://backend.example")
			h.Set("Access-Control-Allow-Methods", "DELETE")
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(echo{
			Backend: b.name, Method: r.Method, RequestURI: r.RequestURI, Query: r.URL.Query(),
			Host: r.Host, Header: r.Header, Body: string(body),
		})
	})
}

// decodeEcho reads a backend's echo from a reply, failing the test if the reply is not one.
func decodeEcho(t *testing.T, c call, r reply) echo {
	t.Helper()
	var e echo
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Backend == "" {
		t.Fatalf("%s: want a backend's echo, got %d %s (err %v)", c, r.status, r.body, err)
	}
	return e
}

// expectBackend checks that the call reached the named backend with the method and request URI given.
func expectBackend(t *testing.T, c call, r reply, name, method, requestURI string) echo {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("%s: status %d, want 200 from backend %s; body %s", c, r.status, name, r.body)
	}
	e := decodeEcho(t, c, r)
	if e.Backend != name || e.Method != method || e.RequestURI != requestURI {
		t.Errorf("%s: reached backend %s with %s %s, want backend %s with %s %s", c, e.Backend, e.Method, e.RequestURI, name, method, requestURI)
	}
	return e
}

var errTimeout = errors.New("timed out")

// waitFor polls cond every 20ms until it holds or limit passes.
func waitFor(limit time.Duration, cond func() bool) error {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return errTimeout
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
