package e2e

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/coder/websocket"

	"github.com/tollgate-gw/tollgate/internal/certtest"
)

// The IAM credential @connections callers sign with (the wschat function's, and the aws CLI's here).
const (
	connectionsKey    = "AKIACONNECTIONS"
	connectionsSecret = "connections-secret"
)

// webSocket is tollgate.yaml's webSocket block.
type webSocket struct {
	Listen      string `yaml:"listen"`
	IdleTimeout string `yaml:"idleTimeout,omitempty"`
}

// emptySHA256 is the SHA-256 of an empty body, which a presigned upgrade's signature covers.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// connectionIDPattern is what API Gateway's connection ids look like.
var connectionIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{14}=$`)

// chatGateway runs the chat API (testdata/websocket/chat.yaml) with the wschat function and an HTTP backend,
// its connections registered in Redis when redisURL is set.
func chatGateway(t *testing.T, fns map[string]*lambdaFunction, backendURL, redisURL string, configure ...func(*gatewayConfig)) *tollgate {
	t.Helper()
	cfg := newGatewayConfig(t)
	cfg.WebSocket = &webSocket{Listen: freeAddrs(t, 1)[0], IdleTimeout: "3s"}
	cfg.Redis = redisURL
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"wschat": fns["wschat"].invokeURL(), "echo": fns["echo"].invokeURL()}}
	cfg.AWS = &awsConfig{Region: "eu-west-1"}
	cfg.IAM = &iamConfig{Credentials: []iamCredential{
		{AccessKeyID: connectionsKey, SecretAccessKey: connectionsSecret, ARN: "arn:aws:iam::123456789012:user/chat",
			Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:ManageConnections","Resource":"arn:aws:execute-api:eu-west-1:*:chat/*"}]}`},
		{AccessKeyID: "AKIANOPOLICY", SecretAccessKey: "no-policy-secret", ARN: "arn:aws:iam::123456789012:user/nobody"},
	}}
	cfg.APIs = []apiConfig{{ID: "chat", Definition: "chat.yaml", ProtocolType: "WEBSOCKET", Stages: []stageConfig{
		{StageName: "prod", Variables: map[string]string{"function": "wschat", "backend": strings.TrimPrefix(backendURL, "http://")}},
	}}}
	for _, c := range configure {
		c(&cfg)
	}
	return startGateway(t, cfg, map[string]string{"chat.yaml": "websocket/chat.yaml"})
}

// connectionsEndpoint is the host-independent URL of a gateway's chat stage, which needs no name resolution: what
// @connections callers use here.
func connectionsEndpoint(gw *tollgate) string {
	return "http://" + gw.cfg.Listen + "/_aws/execute-api/chat/prod"
}

// dialChat opens a connection to the chat stage of gw (at url's path), as a client of the API's host.
func dialChat(t *testing.T, url string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	if opts == nil {
		opts = &websocket.DialOptions{}
	}
	opts.Host = "chat." + domain
	opts.HTTPHeader = http.Header{"User-Agent": {userAgent}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return websocket.Dial(ctx, url, opts)
}

// connectChat opens a connection to gw's chat stage, closed when the test ends.
func connectChat(t *testing.T, gw *tollgate) *websocket.Conn {
	t.Helper()
	c, _, err := dialChat(t, "ws://"+gw.cfg.Listen+"/prod", nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	c.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

func sendText(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("send %s: %v", msg, err)
	}
}

func receiveText(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, msg, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	return string(msg)
}

// closedWith reads until the connection closes, within a time, and says with which status.
func closedWith(t *testing.T, c *websocket.Conn, within time.Duration) websocket.StatusCode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("the connection is still open after %v", within)
			}
			return websocket.CloseStatus(err)
		}
	}
}

// chatConnectionID is the connection's id, as the function was told it.
func chatConnectionID(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	sendText(t, c, `{"action":"sendmessage"}`)
	var told struct{ ConnectionID string }
	if err := json.Unmarshal([]byte(receiveText(t, c)), &told); err != nil {
		t.Fatal(err)
	}
	return told.ConnectionID
}

// startChatBackend is the HTTP backend of the chat API: /echo echoes, /disconnect counts.
func startChatBackend(t *testing.T) (url string, disconnects *atomic.Int32) {
	t.Helper()
	disconnects = &atomic.Int32{}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			_, _ = w.Write(append([]byte("echo: "), body...))
		case "/disconnect":
			disconnects.Add(1)
		}
	}))
	t.Cleanup(backend.Close)
	return backend.URL, disconnects
}

// TestWebSocketAPI runs a WebSocket API through a real Envoy with a real WebSocket client: $connect's Lambda
// function refusing and accepting connections (choosing a subprotocol), route selection to a Lambda function with
// a route response, to a MOCK, and to $default's HTTP backend for messages no route selects or that are no JSON;
// the function calling @connections back; the aws CLI's apigatewaymanagementapi sending to, describing and
// closing a connection through the host-independent URL; unsigned calls refused, a closed connection Gone; the
// message size limit, the idle timeout, and $disconnect on each close.
func TestWebSocketAPI(t *testing.T) {
	fns := startFunctions(t, "wschat", "echo")
	backendURL, disconnects := startChatBackend(t)
	aws := requireAWSCLI(t)
	gw := chatGateway(t, fns, backendURL, "")
	stageURL := "ws://" + gw.cfg.Listen + "/prod"
	endpoint := connectionsEndpoint(gw)
	dial, send, receive, connectionID := dialChat, sendText, receiveText, chatConnectionID
	connect := func(t *testing.T) *websocket.Conn { t.Helper(); return connectChat(t, gw) }
	cli := func(args ...string) (string, string, error) {
		return awsCLIAt(aws, endpoint, connectionsKey, connectionsSecret, append([]string{"apigatewaymanagementapi"}, args...)...)
	}

	t.Run("$connect's function refuses", func(t *testing.T) {
		_, resp, err := dial(t, stageURL+"?deny=1", nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a refused connection: %v, %+v; want the function's 403", err, resp)
		}
	})

	t.Run("$connect's function chooses the subprotocol", func(t *testing.T) {
		c, _, err := dial(t, stageURL, &websocket.DialOptions{Subprotocols: []string{"chat.v0", "chat.v1"}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if c.Subprotocol() != "chat.v1" {
			t.Errorf("subprotocol %q, want the function's chat.v1", c.Subprotocol())
		}
	})

	t.Run("a route's function, with its route response", func(t *testing.T) {
		c := connect(t)
		before := time.Now()
		msg := `{"action":"sendmessage","text":"hi"}`
		send(t, c, msg)
		var told struct {
			RouteKey, EventType, ConnectionID, MessageID, Stage, APIID, DomainName, SourceIP, Body string
			IsBase64Encoded                                                                        bool
			ConnectedAt, RequestTimeEpoch                                                          int64
		}
		if err := json.Unmarshal([]byte(receive(t, c)), &told); err != nil {
			t.Fatal(err)
		}
		if told.RouteKey != "sendmessage" || told.EventType != "MESSAGE" || told.Stage != "prod" || told.APIID != "chat" ||
			told.DomainName != "chat."+domain || told.SourceIP != "127.0.0.1" || told.Body != msg || told.IsBase64Encoded || told.MessageID == "" {
			t.Errorf("the function was told %+v", told)
		}
		if !connectionIDPattern.MatchString(told.ConnectionID) {
			t.Errorf("connection id %q does not look like API Gateway's", told.ConnectionID)
		}
		if at := time.UnixMilli(told.RequestTimeEpoch); at.Before(before.Add(-time.Second)) || told.ConnectedAt > told.RequestTimeEpoch {
			t.Errorf("connectedAt %d, requestTimeEpoch %d (sent at %d)", told.ConnectedAt, told.RequestTimeEpoch, before.UnixMilli())
		}
	})

	t.Run("$default takes what no route selects, and what is no JSON", func(t *testing.T) {
		c := connect(t)
		for _, msg := range []string{`{"action":"unknown"}`, "plain text", `{"text":"no action"}`} {
			send(t, c, msg)
			if got := receive(t, c); got != "echo: "+msg {
				t.Errorf("%s: got %q, want $default's backend's echo", msg, got)
			}
		}
	})

	t.Run("a MOCK answers nothing", func(t *testing.T) {
		c := connect(t)
		send(t, c, `{"action":"silent"}`)
		send(t, c, "after")
		if got := receive(t, c); got != "echo: after" {
			t.Errorf("got %q: want nothing for the MOCK's message, then $default's echo", got)
		}
	})

	t.Run("mapping templates and integration responses", func(t *testing.T) {
		c := connect(t)
		id := connectionID(t, c)
		for msg, want := range map[string]string{
			`{"action":"mapped"}`:               `{"connection": "` + id + `", "route": "mapped"}`,
			`{"action":"mapped","kind":"fail"}`: `{"failed": true}`,
			`{"action":"custom","text":"hi"}`:   `{"text": "hi", "connection": "` + id + `"}`,
			`{"action":"custom","text":"a\"b"}`: `{"text": "a\"b", "connection": "` + id + `"}`,
		} {
			send(t, c, msg)
			if got := receive(t, c); got != want {
				t.Errorf("%s: got %s, want %s", msg, got, want)
			}
		}
	})

	t.Run("the function calls @connections back", func(t *testing.T) {
		c := connect(t)
		send(t, c, `{"action":"callback","endpoint":"`+endpoint+`"}`)
		if got := receive(t, c); got != "from the function" {
			t.Errorf("got %q, want what the function posted", got)
		}
		// The connection's messages are routed one after the other: this one's answer says the function is done
		// with the last (the emulator takes one invocation at a time).
		connectionID(t, c)
	})

	t.Run("the aws CLI's apigatewaymanagementapi", func(t *testing.T) {
		c := connect(t)
		id := connectionID(t, c)
		if _, stderr, err := cli("post-to-connection", "--connection-id", id, "--data", "from the CLI"); err != nil {
			t.Fatalf("post-to-connection: %v\n%s", err, stderr)
		}
		if got := receive(t, c); got != "from the CLI" {
			t.Errorf("got %q, want what the CLI posted", got)
		}
		out, stderr, err := cli("get-connection", "--connection-id", id)
		if err != nil {
			t.Fatalf("get-connection: %v\n%s", err, stderr)
		}
		var described struct {
			ConnectedAt, LastActiveAt time.Time
			Identity                  struct{ SourceIP, UserAgent string }
		}
		if err := json.Unmarshal([]byte(out), &described); err != nil {
			t.Fatalf("get-connection printed %s: %v", out, err)
		}
		if described.Identity.SourceIP != "127.0.0.1" || described.Identity.UserAgent != userAgent ||
			described.ConnectedAt.IsZero() || described.LastActiveAt.Before(described.ConnectedAt) {
			t.Errorf("get-connection: %s", out)
		}
		if _, stderr, err := cli("delete-connection", "--connection-id", id); err != nil {
			t.Fatalf("delete-connection: %v\n%s", err, stderr)
		}
		if status := closedWith(t, c, 5*time.Second); status != websocket.StatusNormalClosure {
			t.Errorf("deleted connection closed with %d, want 1000", status)
		}
		_, stderr, err = cli("post-to-connection", "--connection-id", id, "--data", "late")
		if err == nil || !strings.Contains(stderr, "(GoneException)") {
			t.Errorf("post-to-connection to a closed connection: %v\n%s\nwant GoneException", err, stderr)
		}
	})

	t.Run("@connections refuses callers IAM does not allow", func(t *testing.T) {
		c := connect(t)
		id := connectionID(t, c)
		resp, err := http.Post(endpoint+"/@connections/"+id, "text/plain", strings.NewReader("unsigned"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("unsigned post: %d, want 403", resp.StatusCode)
		}
		_, stderr, err := awsCLIAt(aws, endpoint, "AKIANOPOLICY", "no-policy-secret", "apigatewaymanagementapi", "post-to-connection",
			"--connection-id", id, "--data", "x")
		if err == nil || !strings.Contains(stderr, "(AccessDeniedException)") {
			t.Errorf("a caller whose policy allows nothing: %v\n%s\nwant AccessDeniedException", err, stderr)
		}
		send(t, c, "still here")
		if got := receive(t, c); got != "echo: still here" {
			t.Errorf("got %q: the refused calls must send nothing", got)
		}
	})

	t.Run("a frame over 32 KB, or a message over 128 KB, closes with 1009", func(t *testing.T) {
		// The library sends a message written at once as one frame, and one written in parts as a frame a part.
		inFrames := func(c *websocket.Conn, size, frame int) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			w, err := c.Writer(ctx, websocket.MessageText)
			if err != nil {
				t.Fatal(err)
			}
			msg := []byte(`{"action":"x","pad":"` + strings.Repeat("x", size) + `"}`)
			for len(msg) > 0 {
				n := min(len(msg), frame)
				if _, err := w.Write(msg[:n]); err != nil {
					return // closed already
				}
				msg = msg[n:]
			}
			_ = w.Close()
		}
		c := connect(t)
		inFrames(c, 100<<10, 16<<10)
		if got := receive(t, c); !strings.HasPrefix(got, `echo: {"action":"x"`) || len(got) < 100<<10 {
			t.Errorf("a 100 KB message in 16 KB frames: %.40q (%d bytes)", got, len(got))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 32<<10+1)))
		if status := closedWith(t, c, 5*time.Second); status != websocket.StatusMessageTooBig {
			t.Errorf("a frame over 32 KB: closed with %d, want 1009", status)
		}
		c = connect(t)
		inFrames(c, 128<<10, 16<<10)
		if status := closedWith(t, c, 5*time.Second); status != websocket.StatusMessageTooBig {
			t.Errorf("a message over 128 KB in 16 KB frames: closed with %d, want 1009", status)
		}
	})

	t.Run("an idle connection is closed", func(t *testing.T) {
		c := connect(t)
		if status := closedWith(t, c, 10*time.Second); status != websocket.StatusGoingAway {
			t.Errorf("idle connection closed with %d, want 1001", status)
		}
	})

	t.Run("$disconnect hears of every close", func(t *testing.T) {
		// Connections the subtests before opened: the refused one never was; every other is closed by now or
		// when its subtest ended.
		deadline := time.Now().Add(10 * time.Second)
		for disconnects.Load() < 11 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := disconnects.Load(); n != 11 {
			t.Errorf("$disconnect was told of %d closes, want 11", n)
		}
	})
}

// TestWebSocketConnectionsAcrossGateways: two gateways share one Redis, a client connected to each; the aws CLI's
// post-to-connection through either gateway reaches the connection the other holds, and once a gateway stops,
// its connection is Gone through the other.
// TestWebSocketOnCustomDomain serves the chat stage under a custom domain's base path, over the HTTPS listener:
// connections are upgraded there, their events report the domain, and @connections calls under the base path
// reach the service (which wants them signed).
func TestWebSocketOnCustomDomain(t *testing.T) {
	fns := startFunctions(t, "wschat", "echo")
	backendURL, _ := startChatBackend(t)
	ca := certtest.NewCA(t)
	certFile, keyFile := certtest.WriteFiles(t, t.TempDir(), "ws", ca.Issue(t, "ws.example.com"))
	var tlsAddr string
	chatGateway(t, fns, backendURL, "", func(cfg *gatewayConfig) {
		tlsAddr = freeAddrs(t, 1)[0]
		cfg.TLS = &tlsConfig{Listen: tlsAddr}
		cfg.DomainNames = []domainName{{DomainName: "ws.example.com", Certificate: certificateFiles{certFile, keyFile},
			BasePathMappings: []basePathMapping{{BasePath: "chat", APIID: "chat", Stage: "prod"}}}}
	})
	waitPresented(t, tlsAddr, "ws.example.com", ca.Pool(), func(*x509.Certificate) bool { return true })
	client := httpsClient(tlsAddr, ca.Pool(), 0, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "wss://ws.example.com/chat", &websocket.DialOptions{HTTPClient: client, HTTPHeader: http.Header{"User-Agent": {userAgent}}})
	if err != nil {
		t.Fatalf("connecting through the custom domain: %v", err)
	}
	defer c.CloseNow()
	sendText(t, c, `{"action":"sendmessage","text":"hi"}`)
	var told struct{ DomainName, Stage, APIID, ConnectionID string }
	if err := json.Unmarshal([]byte(receiveText(t, c)), &told); err != nil {
		t.Fatal(err)
	}
	if told.DomainName != "ws.example.com" || told.Stage != "prod" || told.APIID != "chat" {
		t.Errorf("the function was told %+v, want domain ws.example.com, stage prod of chat", told)
	}
	// A signed @connections call through the domain, signed for its path there, reaches the connection.
	url := "https://ws.example.com/chat/@connections/" + told.ConnectionID
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader("pushed"))
	payload := sha256.Sum256([]byte("pushed"))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: connectionsKey, SecretAccessKey: connectionsSecret}, req,
		hex.EncodeToString(payload[:]), "execute-api", "eu-west-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("POST %s, signed: %d", url, res.StatusCode)
	} else if got := receiveText(t, c); got != "pushed" {
		t.Errorf("the connection received %q, want pushed", got)
	}
	for _, tt := range []struct{ path, errorType string }{
		{"/chat/@connections/" + told.ConnectionID, "MissingAuthenticationTokenException"}, // the service's: unsigned
		{"/other", "ForbiddenException"}, // under no mapping: the domain's Forbidden
	} {
		res, err := client.Get("https://ws.example.com" + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden || res.Header.Get("X-Amzn-Errortype") != tt.errorType {
			t.Errorf("GET %s: %d, error type %q; want 403 %q", tt.path, res.StatusCode, res.Header.Get("X-Amzn-Errortype"), tt.errorType)
		}
	}
}

func TestWebSocketConnectionsAcrossGateways(t *testing.T) {
	fns := startFunctions(t, "wschat", "echo")
	backendURL, _ := startChatBackend(t)
	aws := requireAWSCLI(t)
	addr := freeAddrs(t, 1)[0]
	runRedisServer(t, addr)
	gws := []*tollgate{chatGateway(t, fns, backendURL, "redis://"+addr+"/0"), chatGateway(t, fns, backendURL, "redis://"+addr+"/0")}
	var clients []*websocket.Conn
	var ids []string
	for _, gw := range gws {
		c := connectChat(t, gw)
		clients, ids = append(clients, c), append(ids, chatConnectionID(t, c))
	}
	post := func(through *tollgate, id, data string) (string, error) {
		_, stderr, err := awsCLIAt(aws, connectionsEndpoint(through), connectionsKey, connectionsSecret,
			"apigatewaymanagementapi", "post-to-connection", "--connection-id", id, "--data", data)
		return stderr, err
	}
	for i, through := range []*tollgate{gws[1], gws[0]} {
		if stderr, err := post(through, ids[i], "through the other gateway"); err != nil {
			t.Fatalf("post-to-connection to gateway %d's connection through the other: %v\n%s", i, err, stderr)
		}
		if got := receiveText(t, clients[i]); got != "through the other gateway" {
			t.Errorf("gateway %d's client got %q", i, got)
		}
	}
	gws[0].stop(t)
	if status := closedWith(t, clients[0], 10*time.Second); status != websocket.StatusGoingAway {
		t.Errorf("the stopped gateway's connection closed with %d, want 1001", status)
	}
	if stderr, err := post(gws[1], ids[0], "late"); err == nil || !strings.Contains(stderr, "(GoneException)") {
		t.Errorf("post-to-connection to the stopped gateway's connection: %v\n%s\nwant GoneException", err, stderr)
	}
}

// TestWebSocketAuthorization: $connect decided by a REQUEST Lambda authorizer (its identity header missing: 401
// without a call; the function's Allow, Deny or Unauthorized: connected, 403, 401; its values in the
// connection's events) and by IAM (a presigned upgrade by a credential whose policy allows $connect; unsigned,
// or by one whose policy does not: 403; the caller in the events).
func TestWebSocketAuthorization(t *testing.T) {
	fns := startFunctions(t, "wschat", "authorizer")
	cfg := newGatewayConfig(t)
	cfg.WebSocket = &webSocket{Listen: freeAddrs(t, 1)[0]}
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"wschat": fns["wschat"].invokeURL(), "authorizer": fns["authorizer"].invokeURL()}}
	cfg.AWS = &awsConfig{Region: "eu-west-1"}
	cfg.IAM = &iamConfig{Credentials: []iamCredential{
		{AccessKeyID: "AKIACONNECT", SecretAccessKey: "connect-secret", ARN: "arn:aws:iam::123456789012:user/caller",
			Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:eu-west-1:*:signed/prod/$connect"}]}`},
		{AccessKeyID: "AKIAOTHER", SecretAccessKey: "other-secret", ARN: "arn:aws:iam::123456789012:user/other",
			Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:eu-west-1:*:chat/*"}]}`},
	}}
	cfg.APIs = []apiConfig{
		{ID: "secure", Definition: "secure.yaml", ProtocolType: "WEBSOCKET", Stages: []stageConfig{{StageName: "prod"}}},
		{ID: "signed", Definition: "signed.yaml", ProtocolType: "WEBSOCKET", Stages: []stageConfig{{StageName: "prod"}}},
		{ID: "keyed", Definition: "keyed.yaml", ProtocolType: "WEBSOCKET", Stages: []stageConfig{{StageName: "prod"}}},
	}
	cfg.APIKeys = []apiKey{{ID: "k1", Name: "alice", Value: aliceKey, Enabled: true}, {ID: "k2", Name: "off", Value: "off-0123456789abcdefghij", Enabled: false}}
	cfg.UsagePlans = []usagePlan{{ID: "p1", Name: "two a day", APIStages: []planAPIStage{{APIID: "keyed", Stage: "prod"}}, Keys: []string{"k1", "k2"},
		Quota: &quota{Limit: 2, Period: "DAY"}}}
	gw := startGateway(t, cfg, map[string]string{"secure.yaml": "websocket/secure.yaml", "signed.yaml": "websocket/signed.yaml", "keyed.yaml": "websocket/keyed.yaml"})
	dial := func(t *testing.T, api, url string, header http.Header) (*websocket.Conn, int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, resp, err := websocket.Dial(ctx, url, &websocket.DialOptions{Host: api + "." + domain, HTTPHeader: header})
		if err != nil {
			if resp == nil {
				t.Fatalf("dial: %v", err)
			}
			return nil, resp.StatusCode
		}
		t.Cleanup(func() { _ = c.CloseNow() })
		return c, http.StatusSwitchingProtocols
	}
	told := func(t *testing.T, c *websocket.Conn) map[string]any {
		t.Helper()
		sendText(t, c, `{"action":"sendmessage"}`)
		var m map[string]any
		if err := json.Unmarshal([]byte(receiveText(t, c)), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	secureURL := "ws://" + gw.cfg.Listen + "/prod"

	t.Run("Lambda authorizer", func(t *testing.T) {
		calls := fns["authorizer"].invocations()
		if _, status := dial(t, "secure", secureURL, nil); status != http.StatusUnauthorized {
			t.Errorf("without X-User: %d, want 401", status)
		}
		if n := fns["authorizer"].invocations(); n != calls {
			t.Errorf("the authorizer was called %d times for a connection without its identity", n-calls)
		}
		for user, want := range map[string]int{"deny:eve": http.StatusForbidden, "unauthorized": http.StatusUnauthorized, "fail": http.StatusInternalServerError} {
			if _, status := dial(t, "secure", secureURL, http.Header{"X-User": {user}}); status != want {
				t.Errorf("X-User %s: %d, want %d", user, status, want)
			}
		}
		c, status := dial(t, "secure", secureURL, http.Header{"X-User": {"allow:alice"}})
		if status != http.StatusSwitchingProtocols {
			t.Fatalf("X-User allow:alice: %d, want the connection", status)
		}
		authorizer, _ := told(t, c)["authorizer"].(map[string]any)
		if authorizer["principalId"] != "alice" || authorizer["tier"] != "gold" || authorizer["count"] != "3" {
			t.Errorf("a message's event tells the authorizer's values %v", authorizer)
		}
	})

	t.Run("API key and usage plan", func(t *testing.T) {
		keyedURL := "ws://" + gw.cfg.Listen + "/prod"
		for name, header := range map[string]http.Header{"no key": nil, "an unknown key": {"X-Api-Key": {"nobody-0123456789abcdefgh"}}, "a disabled key": {"X-Api-Key": {"off-0123456789abcdefghij"}}} {
			if _, status := dial(t, "keyed", keyedURL, header); status != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", name, status)
			}
		}
		alice := http.Header{"X-Api-Key": {aliceKey}}
		for i := range 2 {
			c, status := dial(t, "keyed", keyedURL, alice)
			if status != http.StatusSwitchingProtocols {
				t.Fatalf("connection %d of the plan's two a day: %d", i+1, status)
			}
			if i == 0 {
				if m := told(t, c); m["apiKeyId"] != "k1" {
					t.Errorf("a message's event tells the key %v", m["apiKeyId"])
				}
			}
		}
		if _, status := dial(t, "keyed", keyedURL, alice); status != http.StatusTooManyRequests {
			t.Errorf("a third connection of two a day: %d, want 429", status)
		}
	})

	t.Run("IAM", func(t *testing.T) {
		signedURL := func(key, secret string) string {
			req, err := http.NewRequest(http.MethodGet, "http://"+gw.cfg.Listen+"/prod", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "signed." + domain
			presigned, _, err := v4.NewSigner().PresignHTTP(context.Background(), aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, req,
				emptySHA256, "execute-api", "eu-west-1", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return "ws" + strings.TrimPrefix(presigned, "http")
		}
		if _, status := dial(t, "signed", "ws://"+gw.cfg.Listen+"/prod", nil); status != http.StatusForbidden {
			t.Errorf("unsigned: %d, want 403", status)
		}
		if _, status := dial(t, "signed", signedURL("AKIAOTHER", "other-secret"), nil); status != http.StatusForbidden {
			t.Errorf("by a caller whose policy does not allow $connect: %d, want 403", status)
		}
		c, status := dial(t, "signed", signedURL("AKIACONNECT", "connect-secret"), nil)
		if status != http.StatusSwitchingProtocols {
			t.Fatalf("signed by the allowed caller: %d, want the connection", status)
		}
		if m := told(t, c); m["userArn"] != "arn:aws:iam::123456789012:user/caller" || m["accessKey"] != "AKIACONNECT" {
			t.Errorf("a message's event tells the caller %v %v", m["userArn"], m["accessKey"])
		}
	})
}

// TestManagementAPIWebSocketByTheAWSCLI: the aws CLI builds a WebSocket API through apigatewayv2 (a MOCK
// $connect through its request template, a $default route to an HTTP backend with its route response, a stage
// that deploys every change), and Envoy and the WebSocket service serve it; a change is served too, to the
// connection open.
func TestManagementAPIWebSocketByTheAWSCLI(t *testing.T) {
	backendURL, _ := startChatBackend(t)
	cfg := newGatewayConfig(t)
	cfg.WebSocket = &webSocket{Listen: freeAddrs(t, 1)[0]}
	configure, cli := managementCLI(t, &cfg, "apigatewayv2")
	gw := startGateway(t, cfg, nil)
	configure(gw)
	var api struct{ APIID, APIEndpoint, ProtocolType string }
	cli(&api, "create-api", "--name", "chat", "--protocol-type", "WEBSOCKET", "--route-selection-expression", "$request.body.action")
	if api.ProtocolType != "WEBSOCKET" || !strings.HasPrefix(api.APIEndpoint, "ws://"+api.APIID+".") {
		t.Errorf("create-api answered %+v", api)
	}
	var accept, echo struct{ IntegrationID string }
	cli(&accept, "create-integration", "--api-id", api.APIID, "--integration-type", "MOCK",
		"--request-templates", `{"$default": "{\"statusCode\": 200}"}`, "--template-selection-expression", `\$default`)
	cli(&echo, "create-integration", "--api-id", api.APIID, "--integration-type", "HTTP_PROXY", "--integration-method", "POST",
		"--integration-uri", backendURL+"/echo")
	cli(nil, "create-route", "--api-id", api.APIID, "--route-key", "$connect", "--target", "integrations/"+accept.IntegrationID)
	var route struct{ RouteID string }
	cli(&route, "create-route", "--api-id", api.APIID, "--route-key", "$default", "--target", "integrations/"+echo.IntegrationID,
		"--route-response-selection-expression", "$default")
	// Two-way, as API Gateway's: the route's selection and a $default route response.
	cli(nil, "create-route-response", "--api-id", api.APIID, "--route-id", route.RouteID, "--route-response-key", "$default")
	cli(nil, "create-stage", "--api-id", api.APIID, "--stage-name", "prod", "--auto-deploy")
	url := "ws://" + gw.cfg.Listen + "/prod"
	connect := func() *websocket.Conn {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Host: api.APIID + "." + domain})
			cancel()
			if err == nil {
				t.Cleanup(func() { _ = c.CloseNow() })
				return c
			}
			if time.Now().After(deadline) {
				t.Fatalf("the stage is not served 10 s after create-stage: %v", err)
			}
		}
	}
	c := connect()
	sendText(t, c, "hello")
	if got := receiveText(t, c); got != "echo: hello" {
		t.Errorf("$default answered %q", got)
	}
	// A change is served without a deployment: the stage deploys it, to the connections open too. A route to the
	// MOCK, which answers nothing: once it is served, its message gets no echo.
	cli(nil, "create-route", "--api-id", api.APIID, "--route-key", "ping", "--target", "integrations/"+accept.IntegrationID)
	for deadline := time.Now().Add(10 * time.Second); ; {
		sendText(t, c, `{"action":"ping"}`)
		sendText(t, c, "after")
		got := receiveText(t, c)
		if got == "echo: after" {
			break
		}
		if got != `echo: {"action":"ping"}` || time.Now().After(deadline) {
			t.Fatalf("after create-route: %q", got)
		}
		_ = receiveText(t, c) // "echo: after", before the route was served
		time.Sleep(50 * time.Millisecond)
	}
	var routes struct {
		Items []struct{ RouteKey, RouteResponseSelectionExpression string }
	}
	cli(&routes, "get-routes", "--api-id", api.APIID)
	if len(routes.Items) != 3 || !slices.ContainsFunc(routes.Items, func(r struct{ RouteKey, RouteResponseSelectionExpression string }) bool {
		return r.RouteKey == "$default" && r.RouteResponseSelectionExpression == "$default"
	}) {
		t.Errorf("get-routes: %+v", routes)
	}
}
