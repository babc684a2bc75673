package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// escapedSlash is a percent-encoded slash or backslash.
var escapedSlash = regexp.MustCompile(`(?i)%(2f|5c)`)

// rawCalls sends requests exactly as written (Go's client would clean their paths and refuse to send what is
// malformed) on one connection, and reads every answer until the connection closes.
func rawCalls(t *testing.T, addr, requests string) []reply {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, requests); err != nil {
		t.Fatal(err)
	}
	var replies []reply
	r := bufio.NewReader(conn)
	for {
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			return replies
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		replies = append(replies, reply{status: res.StatusCode, header: res.Header, body: string(body)})
	}
}

// reachedAsSecret tells whether an answer is the backend's to a request it took for /secret: what a backend that
// decodes the path before routing would take it for; escaped slashes stay (API Gateway passes them on in path
// parameters, and backends route on them as the segment's text).
func reachedAsSecret(r reply) (string, bool) {
	var e echo
	if r.status >= 300 || json.Unmarshal([]byte(r.body), &e) != nil || e.Backend != "guarded" {
		return "", false
	}
	p, _, _ := strings.Cut(e.RequestURI, "?")
	decoded, err := url.PathUnescape(escapedSlash.ReplaceAllString(p, "%25$1"))
	if err != nil {
		decoded = p
	}
	cleaned := path.Clean("/" + strings.ReplaceAll(decoded, "\\", "/"))
	return e.RequestURI, strings.TrimSuffix(cleaned, "/") == "/secret"
}

func startGuarded(t *testing.T) *tollgate {
	t.Helper()
	requireEnvoy(t)
	backend := startBackend(t, "guarded")
	cfg := newGatewayConfig(t)
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: "alice-key-0123456789abcdef", Enabled: true}}
	cfg.UsagePlans = []usagePlan{{ID: "p1", Name: "gold", APIStages: []planAPIStage{{APIID: "guarded", Stage: "prod"}}, Keys: []string{"k1"}}}
	cfg.APIs = []apiConfig{{ID: "guarded", Definition: "guarded.yaml", Stages: []stageConfig{{StageName: "prod", Variables: map[string]string{"backend": backend.addr}}}}}
	return startGateway(t, cfg, map[string]string{"guarded.yaml": "hostile/guarded.yaml"})
}

const guardedHost = "guarded." + domain

// TestNoBypassByPathSpelling: a path spelt another way (percent-encoded, dot segments, doubled or trailing
// slashes, matrix parameters) either meets the protected resource's check or reaches the backend as some other
// path; it never reaches the backend as the protected resource without the check.
func TestNoBypassByPathSpelling(t *testing.T) {
	tg := startGuarded(t)
	host := guardedHost
	get := func(target string) []reply {
		return rawCalls(t, tg.cfg.Listen, "GET "+target+" HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n")
	}
	// The test sees both outcomes: the check's refusal, and the open route reaching the backend.
	if r := get("/prod/secret"); len(r) != 1 || r[0].status != http.StatusForbidden {
		t.Fatalf("GET /prod/secret without a key: %v, want 403", r)
	}
	if r := get("/prod/open/secret"); len(r) != 1 || r[0].status != http.StatusOK || !strings.Contains(r[0].body, `"requestURI":"/open/secret"`) {
		t.Fatalf("GET /prod/open/secret: %v, want the open route's 200 from the backend", r)
	}
	for _, target := range []string{
		"/prod/secret", "/prod/secret/", "/prod//secret", "/prod/secret//", "/prod/%73ecret", "/prod/secre%74", "/prod/%2573ecret",
		"/prod/./secret", "/prod/x/../secret", "/prod/%2e/secret", "/prod/x/%2e%2e/secret", "/prod/secret%2f", "/prod/secret%2F.",
		"/prod/x%2f..%2fsecret", "/prod/secret;x=1", "/prod/secret?x=1", "/prod/secret#x", "/prod/secret%00", "/prod/secret%20",
		"/prod\\secret", "/prod/secret\\", "//prod/secret", "/prod/Secret/../secret", "/./prod/secret", "/x/../prod/secret",
		"http://" + host + "/prod/secret", "/prod/secret/.", "/prod/secret/..%2fsecret",
	} {
		for _, r := range get(target) {
			if uri, ok := reachedAsSecret(r); ok {
				t.Errorf("GET %s without a key reached the backend as %s (%d): the key check was bypassed", target, uri, r.status)
			}
		}
	}
}

// TestNoBypassBySmuggling: requests hidden in another's body (conflicting Content-Length and Transfer-Encoding),
// pipelined, HTTP/1.0, with a doubled Host or oversized headers never reach the protected resource's backend
// without its check: Envoy refuses them (400, 431) or routes each request it reads on its own.
func TestNoBypassBySmuggling(t *testing.T) {
	tg := startGuarded(t)
	h := guardedHost
	hidden := "GET /prod/secret HTTP/1.1\r\nHost: " + h + "\r\n\r\n"
	for _, tt := range []struct {
		name, requests string
		want           []int // the answers' statuses, in order
	}{
		{"Content-Length and Transfer-Encoding", "POST /prod/open HTTP/1.1\r\nHost: " + h + "\r\nContent-Length: " + strconv.Itoa(len(hidden)+5) +
			"\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + hidden, []int{400}},
		{"Transfer-Encoding obfuscated", "POST /prod/open HTTP/1.1\r\nHost: " + h + "\r\nTransfer-Encoding: xchunked\r\nContent-Length: " + strconv.Itoa(len(hidden)) + "\r\n\r\n" + hidden, []int{400}},
		{"two Content-Lengths", "POST /prod/open HTTP/1.1\r\nHost: " + h + "\r\nContent-Length: 0\r\nContent-Length: " + strconv.Itoa(len(hidden)) + "\r\n\r\n" + hidden, []int{400}},
		{"pipelined", "GET /prod/open HTTP/1.1\r\nHost: " + h + "\r\n\r\n" + hidden + "GET /prod/open HTTP/1.1\r\nHost: " + h + "\r\nConnection: close\r\n\r\n", []int{200, 403, 200}},
		{"HTTP/1.0", "GET /prod/secret HTTP/1.0\r\nHost: " + h + "\r\n\r\n", []int{426}},
		{"two Hosts", "GET /prod/secret HTTP/1.1\r\nHost: " + h + "\r\nHost: other.example\r\nConnection: close\r\n\r\n", []int{403}},
		{"oversized headers", "GET /prod/secret HTTP/1.1\r\nHost: " + h + "\r\nX-Big: " + strings.Repeat("a", 100<<10) + "\r\nConnection: close\r\n\r\n", []int{431}},
		{"a key in the query string", "GET /prod/secret?x-api-key=alice-key-0123456789abcdef HTTP/1.1\r\nHost: " + h + "\r\nConnection: close\r\n\r\n", []int{403}},
	} {
		replies := rawCalls(t, tg.cfg.Listen, tt.requests)
		for _, r := range replies {
			if uri, ok := reachedAsSecret(r); ok {
				t.Errorf("%s: a request reached the backend as %s (%d) without the key check", tt.name, uri, r.status)
			}
		}
		var got []int
		for _, r := range replies {
			got = append(got, r.status)
		}
		// Envoy's documented answers: 400 for a malformed or ambiguous request, 426 for HTTP/1.0 (which it does
		// not take), 431 for headers over its limit.
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: answered %v, want %v", tt.name, got, tt.want)
		}
	}
	// The check itself answers: the key, and nothing else, lets the request through.
	if r := rawCalls(t, tg.cfg.Listen, "GET /prod/secret HTTP/1.1\r\nHost: "+h+"\r\nx-api-key: alice-key-0123456789abcdef\r\nConnection: close\r\n\r\n"); len(r) != 1 || r[0].status != http.StatusOK {
		t.Errorf("with the key: %v, want 200", r)
	}
}
