// Package websocket is Tollgate's WebSocket service: Envoy upgrades a client's connection to a WebSocket API's
// stage and hands it over, and the service holds it as API Gateway does. $connect's authorization and integration
// decide whether the upgrade completes; each message the client sends is routed by the API's
// routeSelectionExpression to a route's integration (AWS_PROXY, HTTP_PROXY, or AWS, HTTP and MOCK through mapping
// templates), whose answer is sent back when the route has a route response; $disconnect's integration hears of
// every close. The @connections API (connections.go) sends to,
// describes and closes connections, SigV4-signed by the IAM credentials of the snapshot.
//
// It is the one place where requests pass through Tollgate's own process: a WebSocket connection is a
// conversation Envoy has no filter for.
package websocket

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/jsonscan"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// maxMessage is API Gateway's limit on a message a client sends (its frames' is frames.go's).
const maxMessage = 128 << 10

// Options are the service's settings.
type Options struct {
	// Domain: invocation hosts are {apiId}.{domain}; events report it as domainName.
	Domain string
	// Region and AccountID are where the APIs are: @connections calls are signed for the region (service
	// execute-api) and authorized on the APIs' ARNs.
	Region, AccountID string
	// IdleTimeout closes a connection nothing was sent on for that long; MaxDuration any that old.
	IdleTimeout, MaxDuration time.Duration
	Logger                   *slog.Logger
	// Client calls the integrations; nil is a client of the service's own.
	Client *http.Client
	// Registry says which node holds each connection; nil is Memory, a gateway of one node.
	Registry Registry
	// Counted counts one of API Gateway's WebSocket metrics (names.WebSocketConnectCount, ...) for a stage; nil
	// counts nothing.
	Counted func(apiID, stage, metric string)
	// Limit takes a connection on a stage's $connect (route, the limiter's name of it) through its limits, with
	// the key and plan it was admitted with ("" for none); a refusal says API Gateway's status and message. Nil
	// refuses nothing.
	Limit func(ctx context.Context, route, keyID, planID string) (refused bool, status int, message string)
}

// Server holds the connections of every WebSocket API's stages of the current snapshot.
type Server struct {
	opts   Options
	stages atomic.Pointer[map[string]*ir.WebSocketStage] // by "{apiId}/{stage}"
	iam    atomic.Pointer[[]caller]
	keys   atomic.Pointer[apiKeys]
	// compiled are the snapshot's mapping templates and patterns (mapping.go).
	compiled atomic.Pointer[compiled]
	mu       sync.Mutex
	conns    map[string]*conn // by connection id
	// closing is set by Shutdown: no connection is accepted after.
	closing atomic.Bool
	wg      sync.WaitGroup
	now     func() time.Time
}

// New returns a server with no APIs until Update.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Client == nil {
		opts.Client = &http.Client{}
	}
	if opts.Registry == nil {
		opts.Registry = Memory{}
	}
	if opts.Counted == nil {
		opts.Counted = func(string, string, string) {}
	}
	if opts.Limit == nil {
		opts.Limit = func(context.Context, string, string, string) (bool, int, string) { return false, 0, "" }
	}
	s := &Server{opts: opts, conns: map[string]*conn{}, now: time.Now}
	empty := map[string]*ir.WebSocketStage{}
	s.stages.Store(&empty)
	s.iam.Store(&[]caller{})
	s.keys.Store(&apiKeys{})
	s.compiled.Store(compile(nil))
	return s
}

// Update serves a new snapshot's WebSocket stages. Connections to a stage the snapshot no longer has are closed
// (1001, going away), as a deleted API's are.
func (s *Server) Update(snap *ir.Snapshot) {
	stages := make(map[string]*ir.WebSocketStage, len(snap.WebSockets))
	for i := range snap.WebSockets {
		st := &snap.WebSockets[i]
		stages[st.APIID+"/"+st.Stage] = st
	}
	iam := callers(snap.IAM)
	s.iam.Store(&iam)
	s.keys.Store(keysOf(snap))
	s.compiled.Store(compile(snap.WebSockets)) // before the stages that render with them
	s.stages.Store(&stages)
	s.mu.Lock()
	var gone []*conn
	for _, c := range s.conns {
		if stages[c.stageKey] == nil {
			gone = append(gone, c)
		}
	}
	s.mu.Unlock()
	for _, c := range gone {
		c.close(websocket.StatusGoingAway, "the API's stage is no longer served")
	}
}

// Run takes the @connections calls other nodes carry to this one's connections, until ctx is done.
func (s *Server) Run(ctx context.Context) { s.opts.Registry.Run(ctx, s.answerLocal) }

// Shutdown closes every connection (1001, going away), their $disconnect integrations told, and waits for them
// to finish or ctx to end.
func (s *Server) Shutdown(ctx context.Context) {
	s.closing.Store(true)
	s.mu.Lock()
	all := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		all = append(all, c)
	}
	s.mu.Unlock()
	for _, c := range all {
		c.close(websocket.StatusGoingAway, "the gateway is shutting down")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (s *Server) count(st *ir.WebSocketStage, metric string) {
	s.opts.Counted(st.APIID, st.Stage, metric)
}

// stage is the stage a request from Envoy is for, by the header the translator sets.
func (s *Server) stage(r *http.Request) (string, *ir.WebSocketStage) {
	key := r.Header.Get(names.WebSocketAPIHeader)
	return key, (*s.stages.Load())[key]
}

// ServeHTTP takes the requests Envoy sends: a stage's upgrades, and its @connections calls.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key, st := s.stage(r)
	if st == nil {
		writeMessage(w, http.StatusForbidden, "", "Forbidden")
		return
	}
	mapping := mappingOf(r)
	if id, ok := connectionsPath(r.URL.EscapedPath(), st, mapping); ok {
		s.connections(w, r, st, id)
		return
	}
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		writeMessage(w, http.StatusUpgradeRequired, "", "Upgrade Required")
		return
	}
	s.connect(w, r, key, st, mapping)
}

// domainMapping is the custom domain a request came by: the mapping's base path ("" for the root) and the
// domain name the client called.
type domainMapping struct{ basePath, domainName string }

// mappingOf reads the custom domain from the header only the domains' routes set; nil for the API's own host.
func mappingOf(r *http.Request) *domainMapping {
	v := r.Header.Get(names.WebSocketMappingHeader)
	if v == "" {
		return nil
	}
	base, host, _ := strings.Cut(v, " ")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return &domainMapping{basePath: base, domainName: host}
}

// A conn is one client's connection.
type conn struct {
	s *Server
	// raw is the connection the library reads and writes.
	raw         *limitedConn
	id          string
	stageKey    string // {apiId}/{stage}
	apiID       string
	stage       string
	ws          *websocket.Conn
	connectedAt time.Time
	sourceIP    string
	userAgent   string
	// domainName is the host the client connected to, as events report it: the API's, or a custom domain.
	domainName string
	// caller is the IAM caller's identity values (accessKey, accountId, userArn), authorizer a Lambda
	// authorizer's principalId and context: what $connect admitted the connection with, which its events report.
	caller, authorizer map[string]any
	// lastActive is when a message last went either way, in Unix nanoseconds.
	lastActive atomic.Int64
	closeOnce  sync.Once
	// done ends when the connection is closed: the integrations' calls for it stop. status is the close status
	// it was closed with.
	done   context.Context
	cancel context.CancelFunc
	status websocket.StatusCode
	// idle and lifetime close the connection: timers rather than a goroutine each, which an idle connection
	// would pay for in stack; timers guards them.
	timers         sync.Mutex
	idle, lifetime *time.Timer
}

func (c *conn) touch() { c.lastActive.Store(c.s.now().UnixNano()) }

// close closes the connection with code and reason, once; the reader then runs $disconnect.
func (c *conn) close(code websocket.StatusCode, reason string) {
	c.closeOnce.Do(func() {
		c.status = code
		c.s.mu.Lock()
		delete(c.s.conns, c.id)
		c.s.mu.Unlock()
		c.cancel()
		c.timers.Lock()
		if c.idle != nil {
			c.idle.Stop()
			c.lifetime.Stop()
		}
		c.timers.Unlock()
		switch code {
		case websocket.StatusAbnormalClosure: // no close frame can say it: the client is gone
			_ = c.ws.CloseNow()
			return
		case websocket.StatusMessageTooBig, websocket.StatusProtocolError: // the client may still be sending
			c.raw.drain.Store(true)
		}
		go func() { _ = c.ws.Close(code, reason) }() // the close handshake waits for the client: not here
	})
}

// newID is an id as API Gateway's look: 16 characters of URL-safe base64 (11 random bytes, one '='), beginning
// with a letter or digit, as theirs do (an id beginning with '-' reads as an option to the aws CLI).
func newID() string {
	var b [11]byte
	for {
		_, _ = rand.Read(b[:])
		if id := base64.URLEncoding.EncodeToString(b[:]); id[0] != '-' && id[0] != '_' {
			return id
		}
	}
}

// connect runs $connect's integration and, when it succeeds, completes the upgrade and reads the connection's
// messages until it closes.
func (s *Server) connect(w http.ResponseWriter, r *http.Request, key string, st *ir.WebSocketStage, mapping *domainMapping) {
	if s.closing.Load() {
		writeMessage(w, http.StatusServiceUnavailable, "", "Service Unavailable")
		return
	}
	now := s.now()
	c := &conn{s: s, id: newID(), stageKey: key, apiID: st.APIID, stage: st.Stage, connectedAt: now, sourceIP: r.Header.Get(names.WebSocketSourceIPHeader),
		userAgent: r.UserAgent(), domainName: st.APIID + "." + s.opts.Domain}
	if mapping != nil {
		c.domainName = mapping.domainName
	}
	c.done, c.cancel = context.WithCancel(context.Background())
	c.touch()
	accept := &websocket.AcceptOptions{
		// API Gateway checks no Origin: a WebSocket API is called by any page, as an HTTP API is.
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	}
	if route := st.Routes[names.WebSocketConnect]; route != nil {
		if !s.authorize(w, r, st, route, c) {
			return
		}
		res, err := s.invoke(r.Context(), st, route, c, connectEvent(r), nil)
		switch {
		case err != nil:
			s.count(st, failureMetric(err))
			s.opts.Logger.Warn("websocket: $connect integration failed", "api", key, "connection", c.id, "error", err)
			writeMessage(w, http.StatusInternalServerError, "", "Internal server error")
			return
		case res.status < 200 || res.status > 299:
			// The integration refused the connection: the client gets its status.
			s.count(st, names.WebSocketIntegrationError)
			writeMessage(w, res.status, "", http.StatusText(res.status))
			return
		}
		// Sec-WebSocket-Protocol is the integration's to choose, as API Gateway leaves it.
		if p := res.header("Sec-WebSocket-Protocol"); p != "" {
			accept.Subprotocols = []string{p}
		}
	}
	ws, err := websocket.Accept(limitFrames{w, &c.raw}, r, accept)
	if err != nil {
		return // Accept answered the client
	}
	ws.SetReadLimit(maxMessage + 1) // read enforces API Gateway's limit
	s.count(st, names.WebSocketConnectCount)
	c.ws = ws
	c.watch(s.opts.IdleTimeout, s.opts.MaxDuration)
	s.mu.Lock()
	s.conns[c.id] = c
	s.mu.Unlock()
	// An Update that removed the stage, or a Shutdown, while the upgrade was answered did not see the connection.
	if (*s.stages.Load())[key] == nil || s.closing.Load() {
		c.close(websocket.StatusGoingAway, "the API's stage is no longer served")
	}
	registering, cancel := context.WithTimeout(context.Background(), time.Second)
	s.opts.Registry.Register(registering, c.id, key)
	cancel()
	// The connection is read by a goroutine of its own, and the handler returns: what net/http holds for a
	// request (the request, its response, the deep stack of the connection's goroutine) is not kept for hours.
	var upgrade event
	if st.Routes[names.WebSocketDisconnect] != nil {
		upgrade = connectEvent(r) // what $disconnect's event reports of the upgrade request
	}
	s.wg.Add(1)
	go s.serve(c, upgrade)
}

// serve reads the connection's messages until it closes, then tells $disconnect. Each message is routed by the
// stage as the newest snapshot has it, so that a reload's routes and integrations serve the connections open.
func (s *Server) serve(c *conn, upgrade event) {
	defer s.wg.Done()
	status := c.read()
	c.close(status, closeReason(status))
	status = c.status // the first close's, which may have stopped the read
	unregistering, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	s.opts.Registry.Unregister(unregistering, c.id)
	st := (*s.stages.Load())[c.stageKey]
	if st == nil {
		return // the stage is no longer served, nor is its $disconnect
	}
	if route := st.Routes[names.WebSocketDisconnect]; route != nil {
		// Best effort, as API Gateway's: the client is gone whatever the integration says.
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(route.Integration.Timeout))
		defer cancel()
		if _, err := s.invoke(ctx, st, route, c, disconnectEvent(upgrade, status), nil); err != nil {
			s.opts.Logger.Warn("websocket: $disconnect integration failed", "api", c.stageKey, "connection", c.id, "error", err)
		}
	}
}

// watch closes the connection when it has been idle for idle, or open for lifetime (1001, going away, as API
// Gateway closes them).
func (c *conn) watch(idle, lifetime time.Duration) {
	c.timers.Lock()
	defer c.timers.Unlock()
	c.lifetime = time.AfterFunc(lifetime, func() { c.close(websocket.StatusGoingAway, "Going away") })
	c.idle = time.AfterFunc(idle, func() {
		quiet := c.s.now().Sub(time.Unix(0, c.lastActive.Load()))
		if quiet >= idle {
			c.close(websocket.StatusGoingAway, "Going away")
			return
		}
		c.timers.Lock()
		defer c.timers.Unlock()
		c.idle.Reset(idle - quiet)
	})
}

// read routes the client's messages until the connection closes, and says how it closed.
func (c *conn) read() websocket.StatusCode {
	// Integrations are called within c.done, which the connection's close ends; the reads are not (the library
	// drops a connection whose read's context ends, where a close sends its close frame first: it ends them).
	for {
		typ, r, err := c.ws.Reader(context.Background())
		if err != nil {
			return closeStatus(err)
		}
		// Read here rather than by the library's limit, whose error does not say it was the limit.
		msg, err := io.ReadAll(io.LimitReader(r, maxMessage+1))
		switch {
		case err != nil:
			return closeStatus(err)
		case len(msg) > maxMessage:
			return websocket.StatusMessageTooBig
		}
		c.touch()
		st := (*c.s.stages.Load())[c.stageKey]
		if st == nil { // an Update closes the connections of a stage it removes: this one is closing
			return websocket.StatusGoingAway
		}
		c.s.message(c.done, st, c, typ, msg)
	}
}

// closeStatus is how a connection whose read failed with err closed: the client's close status; 1009 for a frame
// over 32 KB; 1006 when it went away without a close frame; else what it sent broke the protocol (a frame
// unmasked, a bad opcode), 1002. A connection the service closed has its own status already.
func closeStatus(err error) websocket.StatusCode {
	var netErr net.Error
	switch status := websocket.CloseStatus(err); {
	case status != -1:
		return status
	case errors.Is(err, errFrameTooBig):
		return websocket.StatusMessageTooBig
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.As(err, &netErr):
		return websocket.StatusAbnormalClosure
	}
	return websocket.StatusProtocolError
}

// message routes one message and answers it as its route says.
func (s *Server) message(ctx context.Context, st *ir.WebSocketStage, c *conn, typ websocket.MessageType, msg []byte) {
	key := routeKey(st.RouteSelection, typ, msg)
	route := st.Routes[key]
	if route == nil || key == names.WebSocketConnect || key == names.WebSocketDisconnect {
		key, route = names.WebSocketDefault, st.Routes[names.WebSocketDefault]
	}
	requestID := newID()
	s.count(st, names.WebSocketMessageCount)
	if route == nil {
		s.count(st, names.WebSocketClientError)
		c.send(ctx, errorFrame("Forbidden", c.id, requestID))
		return
	}
	res, err := s.invoke(ctx, st, route, c, messageEvent(typ, msg, requestID), msg)
	switch {
	case err != nil:
		s.count(st, failureMetric(err))
		s.opts.Logger.Warn("websocket: integration failed", "api", c.stageKey, "route", key, "connection", c.id, "error", err)
		c.send(ctx, errorFrame("Internal server error", c.id, requestID))
	case route.SendResponse && res.body != nil:
		c.send(ctx, res.body)
	}
}

// send sends a text message, bounded in time so that a client that does not read is closed rather than kept.
func (c *conn) send(ctx context.Context, msg []byte) error {
	c.s.opts.Counted(c.apiID, c.stage, names.WebSocketMessageCount)
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		c.close(websocket.StatusPolicyViolation, "the client does not read")
		return err
	}
	c.touch()
	return nil
}

// sendTimeout bounds how long a message waits for a client to read.
const sendTimeout = 5 * time.Second

// errorFrame is API Gateway's message for a message it could not deliver.
func errorFrame(message, connectionID, requestID string) []byte {
	b, _ := json.Marshal(map[string]string{"message": message, "connectionId": connectionID, "requestId": requestID})
	return b
}

// routeKey is the route key a message selects: the value at the selection's path of a JSON object, as text (a
// string's text, any other value's JSON); "" (which no route has, so $default) for a message that is not one or
// lacks it. It reads the members in place: a message is not decoded to find one.
func routeKey(path []string, typ websocket.MessageType, msg []byte) string {
	if typ != websocket.MessageText || !json.Valid(msg) {
		return ""
	}
	v := bytes.TrimSpace(msg)
	for _, member := range path {
		if v[0] != '{' {
			return ""
		}
		var found []byte
		_ = jsonscan.EachMember(v, func(key, value []byte) error {
			if jsonscan.Unquote(key) == member {
				found = value // the last of a repeated member, as a decoder keeps it
			}
			return nil
		})
		if found == nil {
			return ""
		}
		v = found
	}
	switch {
	case v[0] == '"':
		return jsonscan.Unquote(v)
	case string(v) == "null":
		return ""
	}
	return string(v)
}

// writeMessage answers an HTTP request with API Gateway's {"message": ...}, and its error type when it has one.
func writeMessage(w http.ResponseWriter, status int, errorType, message string) {
	w.Header().Set("Content-Type", "application/json")
	if errorType != "" {
		w.Header().Set("X-Amzn-Errortype", errorType)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}
