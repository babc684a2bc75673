package websocket

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/redisstore"
)

// A Registry says which node holds a connection and carries @connections calls to it, so that a call reaching
// any node reaches the connection. Memory serves one node; Redis a fleet.
type Registry interface {
	// Register records that this node holds connection id of the stage; Unregister that it no longer does.
	Register(ctx context.Context, id, stageKey string)
	Unregister(ctx context.Context, id string)
	// Call makes call on the node that holds its connection, when another live node does (held false when none
	// does: the connection is gone).
	Call(ctx context.Context, call Call) (answer Answer, held bool, err error)
	// Run serves the calls of other nodes with answer until ctx is done.
	Run(ctx context.Context, answer func(context.Context, Call) (Answer, bool))
}

// A Call is an @connections call, verified by the node it reached.
type Call struct {
	Method   string `json:"method"`
	ID       string `json:"id"`
	StageKey string `json:"stage"`
	Body     []byte `json:"body,omitempty"`
}

// An Answer is what the caller is answered: a status, and an error's type and message or a body.
type Answer struct {
	Status    int    `json:"status"`
	ErrorType string `json:"errorType,omitempty"`
	Message   string `json:"message,omitempty"`
	Body      []byte `json:"body,omitempty"`
}

// Memory is the registry of a gateway of one node: its connections are all there are.
type Memory struct{}

func (Memory) Register(context.Context, string, string) {}
func (Memory) Unregister(context.Context, string)       {}
func (Memory) Call(context.Context, Call) (Answer, bool, error) {
	return Answer{}, false, nil
}
func (Memory) Run(ctx context.Context, _ func(context.Context, Call) (Answer, bool)) { <-ctx.Done() }

// The Redis registry's timings: a node says it is alive every heartbeat and is taken for dead when it has not for
// nodeTTL; it writes its connections' entries again every renewal, which expire after connectionTTL, so that a
// dead node's are reported gone at once (its heartbeat is missing) and cleaned up soon after.
const (
	heartbeat     = 2 * time.Second
	nodeTTL       = 6 * time.Second
	renewal       = 20 * time.Second
	connectionTTL = 60 * time.Second
	// callTimeout bounds a call carried to another node.
	callTimeout = 5 * time.Second
	redisPrefix = "tollgate:ws:"
)

// Redis is the registry of a fleet sharing a Redis: each connection's entry names its node, and each node takes
// the calls for its connections on a pub/sub channel of its own, answering on the caller's.
type Redis struct {
	client redis.UniversalClient
	node   string
	log    *slog.Logger

	mu      sync.Mutex
	held    map[string]string      // the connections this node registered: their stages, by id
	pending map[string]chan Answer // the calls this node carried, by request id
	ready   chan struct{}          // closed once the node takes calls
	// alive and holders remember, for a heartbeat, the nodes found alive and the node each connection called
	// is on: a stream of calls to a connection costs no read of Redis each.
	alive   map[string]time.Time
	holders map[string]holder
	started sync.Once
	// outage logs Redis's failures once, and their end.
	outage *redisstore.Outage
}

// request and reply are what the nodes publish to each other.
type request struct {
	Call
	RequestID string `json:"requestId"`
	From      string `json:"from"`
}

type reply struct {
	Answer
	RequestID string `json:"requestId"`
	Held      bool   `json:"held"`
}

// NewRedis returns the registry of a node of the fleet on client, under a node id of its own.
func NewRedis(client redis.UniversalClient, log *slog.Logger) *Redis {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Redis{client: client, node: hex.EncodeToString(b[:]), log: log, held: map[string]string{},
		outage: &redisstore.Outage{Log: log,
			Failing: "websocket: Redis fails: @connections calls reach only the connections of the node they reach, and other nodes take this one's for gone, until it is back",
			Back:    "websocket: Redis is back: the connections' entries are written"},
		pending: map[string]chan Answer{}, ready: make(chan struct{}), alive: map[string]time.Time{}, holders: map[string]holder{}}
}

func connectionKey(id string) string { return redisPrefix + "conn:" + id }
func nodeKey(node string) string     { return redisPrefix + "node:" + node }
func callsChannel(node string) string {
	return redisPrefix + "calls:" + node
}
func repliesChannel(node string) string { return redisPrefix + "replies:" + node }

// Register writes the connection's entry, this node and the stage, and the node's heartbeat with it, so that
// no caller sees the entry of a node not yet alive.
func (r *Redis) Register(ctx context.Context, id, stageKey string) {
	r.mu.Lock()
	r.held[id] = stageKey
	r.mu.Unlock()
	pipe := r.client.Pipeline()
	pipe.Set(ctx, nodeKey(r.node), "1", nodeTTL)
	pipe.Set(ctx, connectionKey(id), r.node+" "+stageKey, connectionTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		r.outage.Failed(err)
		return
	}
	r.outage.Succeeded()
}

// Unregister deletes the connection's entry, if it is still this node's.
func (r *Redis) Unregister(ctx context.Context, id string) {
	r.mu.Lock()
	delete(r.held, id)
	r.mu.Unlock()
	if err := r.client.Del(ctx, connectionKey(id)).Err(); err != nil {
		r.outage.Failed(err) // its entry expires, and the call it names is Gone
	}
}

// Call carries the call to the node the connection's entry names, if that node is alive.
func (r *Redis) Call(ctx context.Context, call Call) (Answer, bool, error) {
	node, err := r.nodeOf(ctx, call.ID)
	switch {
	case err != nil:
		return Answer{}, false, err
	case node == "":
		return Answer{}, false, nil
	case node == r.node:
		return Answer{}, false, nil // this node's, and it has no such connection any more
	}
	if alive, err := r.isAlive(ctx, node); err != nil || !alive {
		// A dead node's connections are gone, and their entries expire.
		return Answer{}, false, err
	}
	select {
	case <-r.ready:
	case <-ctx.Done():
		return Answer{}, false, ctx.Err()
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	req := request{Call: call, RequestID: hex.EncodeToString(b[:]), From: r.node}
	answers := make(chan Answer, 1)
	r.mu.Lock()
	r.pending[req.RequestID] = answers
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.pending, req.RequestID)
		r.mu.Unlock()
	}()
	payload, _ := json.Marshal(req)
	receivers, err := r.client.Publish(ctx, callsChannel(node), payload).Result()
	if err != nil {
		return Answer{}, false, err
	}
	if _, cluster := r.client.(*redis.ClusterClient); receivers == 0 && !cluster {
		// Nobody took it: the node died within its last heartbeat. (A cluster counts only the receivers on the
		// shard that took the message, so there the call waits for its answer.)
		r.mu.Lock()
		delete(r.alive, node)
		r.mu.Unlock()
		return Answer{}, false, nil
	}
	timer := time.NewTimer(callTimeout)
	defer timer.Stop()
	select {
	case a := <-answers:
		if a.Status == 0 { // the node no longer holds it: its entry says nothing more
			r.mu.Lock()
			delete(r.holders, call.ID)
			r.mu.Unlock()
		}
		return a, a.Status != 0, nil
	case <-timer.C:
		return Answer{}, false, fmt.Errorf("node %s did not answer within %v", node, callTimeout)
	case <-ctx.Done():
		return Answer{}, false, ctx.Err()
	}
}

// nodeOf is the node a connection's entry names, "" for none; what a read found is remembered for a heartbeat, as
// a connection stays on its node (a call to one that is gone is answered Gone by that node, or found dead).
func (r *Redis) nodeOf(ctx context.Context, id string) (string, error) {
	r.mu.Lock()
	h, ok := r.holders[id]
	r.mu.Unlock()
	if ok && time.Since(h.seen) < heartbeat {
		return h.node, nil
	}
	entry, err := r.client.Get(ctx, connectionKey(id)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return "", nil
	case err != nil:
		return "", err
	}
	node, _, _ := strings.Cut(entry, " ")
	r.mu.Lock()
	if len(r.holders) > maxRemembered {
		clear(r.holders)
	}
	r.holders[id] = holder{node: node, seen: time.Now()}
	r.mu.Unlock()
	return node, nil
}

// maxRemembered bounds the nodes and holders a registry remembers: the maps are cleared rather than kept exact.
const maxRemembered = 1 << 14

// A holder is the node an entry named, and when it was read.
type holder struct {
	node string
	seen time.Time
}

// isAlive tells whether the node's heartbeat is there, or was within the last heartbeat.
func (r *Redis) isAlive(ctx context.Context, node string) (bool, error) {
	r.mu.Lock()
	seen, ok := r.alive[node]
	r.mu.Unlock()
	if ok && time.Since(seen) < heartbeat {
		return true, nil
	}
	n, err := r.client.Exists(ctx, nodeKey(node)).Result()
	if err != nil || n == 0 {
		return false, err
	}
	r.mu.Lock()
	if len(r.alive) > maxRemembered {
		clear(r.alive)
	}
	r.alive[node] = time.Now()
	r.mu.Unlock()
	return true, nil
}

// Run says the node is alive, renews its connections' entries, and takes the calls for them and the replies to
// its own, until ctx is done; then it says the node is gone.
func (r *Redis) Run(ctx context.Context, answer func(context.Context, Call) (Answer, bool)) {
	sub := r.client.Subscribe(ctx, callsChannel(r.node), repliesChannel(r.node))
	stop := context.AfterFunc(ctx, func() { sub.Close() })
	defer stop()
	go r.keepAlive(ctx)
	for {
		msg, err := sub.Receive(ctx)
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Channel == repliesChannel(r.node) {
				r.started.Do(func() { close(r.ready) })
			}
		case *redis.Message:
			r.receive(ctx, m, answer)
		}
		if err != nil {
			if ctx.Err() != nil {
				r.client.Del(context.Background(), nodeKey(r.node))
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

func (r *Redis) receive(ctx context.Context, m *redis.Message, answer func(context.Context, Call) (Answer, bool)) {
	if m.Channel == repliesChannel(r.node) {
		var rep reply
		if json.Unmarshal([]byte(m.Payload), &rep) != nil {
			return
		}
		if !rep.Held {
			rep.Answer = Answer{}
		}
		r.mu.Lock()
		answers := r.pending[rep.RequestID]
		r.mu.Unlock()
		if answers != nil {
			answers <- rep.Answer
		}
		return
	}
	var req request
	if json.Unmarshal([]byte(m.Payload), &req) != nil {
		return
	}
	go func() { // a send may wait for a slow client: the other calls do not
		ctx, cancel := context.WithTimeout(ctx, callTimeout)
		defer cancel()
		a, held := answer(ctx, req.Call)
		payload, _ := json.Marshal(reply{Answer: a, RequestID: req.RequestID, Held: held})
		if err := r.client.Publish(ctx, repliesChannel(req.From), payload).Err(); err != nil {
			r.log.Warn("websocket: an @connections answer to another node is lost", "node", req.From, "error", err)
		}
	}()
}

// keepAlive writes the node's heartbeat and renews its connections' entries.
func (r *Redis) keepAlive(ctx context.Context) {
	beat := time.NewTicker(heartbeat)
	defer beat.Stop()
	renew := time.NewTicker(renewal)
	defer renew.Stop()
	r.client.Set(ctx, nodeKey(r.node), "1", nodeTTL)
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			// Unwritten, other nodes take this one's connections for gone until it is again.
			if err := r.client.Set(ctx, nodeKey(r.node), "1", nodeTTL).Err(); err != nil && ctx.Err() == nil {
				r.outage.Failed(err)
			} else if err == nil {
				r.outage.Succeeded()
			}
		case <-renew.C:
			// Written again, not only given time: an entry lost (Redis restarted, say) comes back.
			r.mu.Lock()
			pipe := r.client.Pipeline()
			for id, stageKey := range r.held {
				pipe.Set(ctx, connectionKey(id), r.node+" "+stageKey, connectionTTL)
			}
			r.mu.Unlock()
			if _, err := pipe.Exec(ctx); err != nil && ctx.Err() == nil {
				r.outage.Failed(err)
			}
		}
	}
}
