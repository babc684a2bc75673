package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
)

// The WebSocket phase's API: $connect answered by a MOCK, an echo route whose MOCK answers through its integration
// response's template, and no $default (so a message no route selects is answered with the error frame, which
// names the connection: how the phase learns a connection's id).
const wsDefinition = `name: benchws
routeSelectionExpression: $request.body.action
routes:
  - {routeKey: $connect, target: integrations/accept}
  - {routeKey: echo, target: integrations/echo, routeResponseSelectionExpression: $default}
integrations:
  - {integrationId: accept, integrationType: MOCK}
  - integrationId: echo
    integrationType: MOCK
    requestTemplates: {$default: '{"statusCode": 200}'}
    integrationResponses:
      - {integrationResponseKey: $default, responseTemplates: {$default: '{"echo": true, "connectionId": "$context.connectionId"}'}}
`

const (
	wsHost   = "benchws.execute-api.localhost"
	wsKey    = "AKIABENCHWS"
	wsSecret = "bench-secret"
)

// wsConfig is what a node of the phase's gateway adds to its config: the WebSocket service, an IAM credential that
// may manage connections, and Redis when the nodes share one.
func wsConfig(listen, redisAddr string) string {
	c := fmt.Sprintf("webSocket: {listen: %s}\naws: {region: us-east-1}\n", listen) +
		fmt.Sprintf("iam: {credentials: [{accessKeyId: %s, secretAccessKey: %s, arn: 'arn:aws:iam::123456789012:user/bench', ", wsKey, wsSecret) +
		`policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:ManageConnections","Resource":"*"}]}'}]}` + "\n"
	if redisAddr != "" {
		c += "redis: redis://" + redisAddr + "/0\n"
	}
	return c
}

// measureWebSockets measures the WebSocket service through Envoy: the memory of idle connections, @connections
// POSTs to a connected client at a fixed rate on one node and across two nodes sharing a Redis, and a message's
// round trip through a route with a route response against an echo WebSocket server behind a bare Envoy.
func measureWebSockets(ctx context.Context, tollgateBin, envoyBin, dir, backend string, idle int, duration time.Duration) error {
	idle = withinFileLimit(idle)
	redisAddr, stopRedis, err := startRedis(ctx)
	if err != nil {
		return err
	}
	defer stopRedis()
	var nodes []*tollgate
	for i := range 2 {
		listen, err := freeAddr()
		if err != nil {
			return err
		}
		n, err := startTollgate(ctx, tollgateBin, envoyBin, filepath.Join(dir, fmt.Sprintf("ws%d", i)), backend, gatewayOptions{
			config: wsConfig(listen, redisAddr),
			apis:   "  - {id: benchws, protocolType: WEBSOCKET, definition: benchws.yaml, stages: [{stageName: prod}]}\n",
			files:  map[string]string{"benchws.yaml": wsDefinition},
		})
		if err != nil {
			return err
		}
		defer n.stop()
		nodes = append(nodes, n)
	}
	if err := idleConnections(nodes[0], idle); err != nil {
		return err
	}
	time.Sleep(6 * time.Second) // the idle connections' closes are done with before the timed phases
	conn, id, err := dialWS(ctx, "ws://"+nodes[0].listen+"/prod", wsHost)
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	received := make(chan struct{}, 1024)
	go func() {
		for {
			if _, _, err := conn.Read(ctx); err != nil {
				return
			}
			received <- struct{}{}
		}
	}()
	echo, err := startEchoWebSocket(ctx, redisAddr)
	if err != nil {
		return err
	}
	bare, err := startBareWebSocketEnvoy(ctx, envoyBin, dir, echo)
	if err != nil {
		return err
	}
	// The floor: the same signed POSTs, at the same rate, through a bare Envoy to the echo server, which writes
	// each to a WebSocket connection a client holds through that Envoy, and answers 200: the exchange any
	// @connections service makes, less what is the service's.
	floorConn, _, err := websocket.Dial(ctx, "ws://"+bare+"/", nil)
	if err != nil {
		return err
	}
	defer floorConn.CloseNow()
	floorReceived := make(chan struct{}, 1024)
	go func() {
		for {
			if _, _, err := floorConn.Read(ctx); err != nil {
				return
			}
			floorReceived <- struct{}{}
		}
	}()
	// Each of Tollgate's follows its floor, and is told as a ratio to it.
	var floor []time.Duration
	for _, via := range []struct {
		name, url string
		received  <-chan struct{}
		isFloor   bool
	}{
		{"the floor: a bare Envoy to a server writing each to a connection through it", "http://" + bare + "/post", floorReceived, true},
		{"one node", "http://" + nodes[0].listen + "/prod/%40connections/" + id, received, false},
		{"the floor across nodes: the same server carrying each write there and back through Redis's pub/sub", "http://" + bare + "/relay", floorReceived, true},
		{"across two nodes (Redis)", "http://" + nodes[1].listen + "/prod/%40connections/" + id, received, false},
	} {
		lat, errs, err := postAtRate(ctx, via.url, 1000, duration, via.received)
		if err != nil {
			return err
		}
		ratio := ""
		if via.isFloor {
			floor = lat
		} else {
			ratio = fmt.Sprintf(" (%.2f× and %.2f× the floor's)", float64(pct(lat, 50))/float64(pct(floor, 50)), float64(pct(lat, 99))/float64(pct(floor, 99)))
		}
		fmt.Printf("@connections POST to a connected client, %s, 1,000/s for %s: p50 %s, p99 %s%s, max %s, %d errors (goal: p99 < 5 ms)\n",
			via.name, duration, pct(lat, 50), pct(lat, 99), ratio, pct(lat, 100), errs)
	}
	for _, target := range []struct {
		name, url, host string
		message         []byte
	}{
		{"bare Envoy to an echo WebSocket server", "ws://" + bare + "/", "", []byte(`{"action":"echo","n":1}`)},
		{"Tollgate, a MOCK route answering through its integration response's template", "ws://" + nodes[0].listen + "/prod", wsHost, []byte(`{"action":"echo","n":1}`)},
	} {
		lat, err := roundTrips(ctx, target.url, target.host, target.message, duration)
		if err != nil {
			return fmt.Errorf("%s: %w", target.name, err)
		}
		fmt.Printf("message round trip, %s, %d messages one after the other: p50 %s, p99 %s\n", target.name, len(lat), pct(lat, 50), pct(lat, 99))
	}
	return nil
}

// withinFileLimit raises the file limit as far as the machine allows (Envoy holds two descriptors per upgraded
// connection, the client here one, Tollgate one) and says how many idle connections fit.
func withinFileLimit(n int) int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return n
	}
	want := uint64(2*n + 1000)
	if lim.Cur < want {
		lim.Cur = max(lim.Cur, min(want, lim.Max))
		if lim.Max < want {
			raised := syscall.Rlimit{Cur: want, Max: want} // root may raise the hard limit
			if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
				return n
			}
		}
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if fit := int(lim.Cur-1000) / 2; fit < n {
		fmt.Printf("(the file limit, %d, fits %d idle connections through Envoy, not %d)\n", lim.Cur, fit, n)
		return fit
	}
	return n
}

// idleConnections opens n connections through node's Envoy and reports what they cost Tollgate's and Envoy's
// resident memory, then closes them.
func idleConnections(node *tollgate, n int) error {
	runtimeRSS := func() (tollgate, envoy int64) {
		for _, child := range node.children() {
			envoy += processRSS(child)
		}
		return processRSS(node.cmd.Process.Pid), envoy
	}
	beforeT, beforeE := runtimeRSS()
	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 32)
	start := time.Now()
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, _, err := websocket.Dial(ctx, "ws://"+node.listen+"/prod", &websocket.DialOptions{Host: wsHost})
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				_ = c.CloseNow()
			}
		}
	}()
	if firstErr != nil {
		return fmt.Errorf("opening %d idle connections: %w", n, firstErr)
	}
	opened := time.Since(start)
	time.Sleep(2 * time.Second) // what the connections allocated settles
	afterT, afterE := runtimeRSS()
	perT, perE := float64(afterT-beforeT)/float64(n), float64(afterE-beforeE)/float64(n)
	fmt.Printf("%d idle WebSocket connections through Envoy (opened in %s): Tollgate's RSS %d → %d MiB, %.1f KiB per connection, %.0f connections per GiB (goal ≥ 50,000); Envoy's %.1f KiB per connection\n",
		n, opened.Round(time.Millisecond), beforeT>>20, afterT>>20, perT/1024, float64(1<<30)/perT, perE/1024)
	return nil
}

// processRSS is a process's resident set size in bytes, from /proc/PID/status.
func processRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// dialWS connects and learns the connection's id from the error frame of a message no route selects.
func dialWS(ctx context.Context, url, host string) (*websocket.Conn, string, error) {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Host: host})
	if err != nil {
		return nil, "", err
	}
	if err := c.Write(ctx, websocket.MessageText, []byte(`{"action":"whoami"}`)); err != nil {
		return nil, "", err
	}
	_, msg, err := c.Read(ctx)
	if err != nil {
		return nil, "", err
	}
	var frame struct{ ConnectionID string }
	if err := json.Unmarshal(msg, &frame); err != nil || frame.ConnectionID == "" {
		return nil, "", fmt.Errorf("the error frame %q names no connection", msg)
	}
	return c, frame.ConnectionID, nil
}

// postAtRate POSTs to url (a connection's @connections URL) at rate a second for d, each signed as boto3 signs,
// and times each call from its start to its answer (after the service wrote the message); when received is set,
// the client must have seen every message.
func postAtRate(ctx context.Context, url string, rate int, d time.Duration, received <-chan struct{}) ([]time.Duration, int, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 5 * time.Second}
	signer := v4.NewSigner()
	body := []byte(`{"n":1}`)
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	var (
		mu   sync.Mutex
		lat  []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for end := time.Now().Add(d); time.Now().Before(end); <-tick.C {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return nil, 0, err
		}
		req.Host = wsHost
		if err := signer.SignHTTP(ctx, aws.Credentials{AccessKeyID: wsKey, SecretAccessKey: wsSecret}, req, hash, "execute-api", "us-east-1", time.Now()); err != nil {
			return nil, 0, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			resp, err := client.Do(req)
			took := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs++
				return
			}
			lat = append(lat, took)
		}()
	}
	wg.Wait()
	for range len(lat) {
		if received == nil {
			break
		}
		select {
		case <-received:
		case <-time.After(5 * time.Second):
			return nil, 0, errors.New("the client did not receive every message posted")
		}
	}
	return lat, errs, nil
}

// roundTrips sends message and waits for its answer, one after the other, for d.
func roundTrips(ctx context.Context, url, host string, message []byte, d time.Duration) ([]time.Duration, error) {
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Host: host})
	if err != nil {
		return nil, err
	}
	defer c.CloseNow()
	var lat []time.Duration
	for end := time.Now().Add(d); time.Now().Before(end); {
		start := time.Now()
		if err := c.Write(ctx, websocket.MessageText, message); err != nil {
			return nil, err
		}
		if _, _, err := c.Read(ctx); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(start))
	}
	return lat, nil
}

// startEchoWebSocket is a WebSocket server answering each message with itself; a POST to /post it writes to the
// last connection made, answering 200 once written, and a POST to /relay it carries to that write and back
// through Redis's pub/sub, as one node carries a call to the node holding the connection; any other request it
// answers 200.
func startEchoWebSocket(ctx context.Context, redisAddr string) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	var last atomic.Pointer[websocket.Conn]
	write := func(ctx context.Context, body []byte) bool {
		c := last.Load()
		return c != nil && c.Write(ctx, websocket.MessageText, body) == nil
	}
	relay, err := startRelay(ctx, redisAddr, write)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			body, _ := io.ReadAll(r.Body)
			written := true
			switch r.URL.Path {
			case "/post":
				written = write(r.Context(), body)
			case "/relay":
				written = relay(r.Context(), body)
			}
			if !written {
				w.WriteHeader(http.StatusGone)
			}
			return
		}
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		last.Store(c)
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil || c.Write(r.Context(), typ, msg) != nil {
				return
			}
		}
	})}
	go func() { _ = srv.Serve(l) }()
	context.AfterFunc(ctx, func() { srv.Close() })
	return l.Addr().String(), nil
}

// startRelay starts the two ends of a call carried through Redis: the holder's, subscribed to the calls, which
// writes each and publishes that it did, and the caller's, subscribed to those replies. Each end has a client of
// its own, as two nodes do. The call is the message's id and its body; relay waits for its reply.
func startRelay(ctx context.Context, redisAddr string, write func(context.Context, []byte) bool) (relay func(context.Context, []byte) bool, err error) {
	holder, caller := redis.NewClient(&redis.Options{Addr: redisAddr}), redis.NewClient(&redis.Options{Addr: redisAddr})
	context.AfterFunc(ctx, func() { holder.Close(); caller.Close() })
	calls, replies := holder.Subscribe(ctx, "bench:calls"), caller.Subscribe(ctx, "bench:replies")
	for _, sub := range []*redis.PubSub{calls, replies} {
		if _, err := sub.Receive(ctx); err != nil { // the subscription's confirmation
			return nil, err
		}
	}
	go func() {
		for m := range calls.Channel() {
			id, body, _ := strings.Cut(m.Payload, " ")
			go func() {
				answer := "gone"
				if write(ctx, []byte(body)) {
					answer = "ok"
				}
				holder.Publish(ctx, "bench:replies", id+" "+answer)
			}()
		}
	}()
	var (
		mu      sync.Mutex
		pending = map[string]chan bool{}
		next    atomic.Uint64
	)
	go func() {
		for m := range replies.Channel() {
			id, answer, _ := strings.Cut(m.Payload, " ")
			mu.Lock()
			if ch := pending[id]; ch != nil {
				ch <- answer == "ok"
			}
			mu.Unlock()
		}
	}()
	return func(ctx context.Context, body []byte) bool {
		id := strconv.FormatUint(next.Add(1), 10)
		answered := make(chan bool, 1)
		mu.Lock()
		pending[id] = answered
		mu.Unlock()
		defer func() {
			mu.Lock()
			delete(pending, id)
			mu.Unlock()
		}()
		if caller.Publish(ctx, "bench:calls", id+" "+string(body)).Err() != nil {
			return false
		}
		select {
		case ok := <-answered:
			return ok
		case <-ctx.Done():
			return false
		}
	}, nil
}

// bareWebSocketEnvoy is a bare Envoy upgrading every connection to one WebSocket server.
const bareWebSocketEnvoy = `static_resources:
  listeners:
  - name: bare
    address: {socket_address: {address: 127.0.0.1, port_value: %s}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bare
          upgrade_configs: [{upgrade_type: websocket}]
          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: echo, timeout: 0s, idle_timeout: 0s}
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: echo
    type: STATIC
    connect_timeout: 5s
    load_assignment:
      cluster_name: echo
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %s, port_value: %s}}}}]}]
`

func startBareWebSocketEnvoy(ctx context.Context, envoyBin, dir, echo string) (string, error) {
	listen, err := freeAddr()
	if err != nil {
		return "", err
	}
	_, lport, _ := net.SplitHostPort(listen)
	ehost, eport, _ := net.SplitHostPort(echo)
	// The echo server answers a plain GET with 200: what startStaticEnvoy waits for.
	_, err = startStaticEnvoy(ctx, envoyBin, filepath.Join(dir, "bare-ws.yaml"), fmt.Sprintf(bareWebSocketEnvoy, lport, ehost, eport), listen, "/")
	return listen, err
}

// startRedis runs redis-server (from PATH, as make tools provides it) on a free port.
func startRedis(ctx context.Context) (string, func(), error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, fmt.Errorf("the WebSocket phase's two nodes share a Redis: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return "", nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.CommandContext(ctx, bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	return addr, stop, waitFor(func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}
