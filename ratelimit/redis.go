package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store keeps buckets and quota counts: Memory in one process, Redis shared by every Tollgate.
type Store interface {
	Decide(ctx context.Context, l Limits, now time.Time) (Decision, error)
	// Usage returns the admitted requests counted under a usage key on each day (2006-01-02).
	Usage(ctx context.Context, key string, days []string) ([]int64, error)
	// QuotaUsed is what the quota's period at now has used; SetQuotaUsed sets it, as UpdateUsage grants a key
	// more of its quota (or less).
	QuotaUsed(ctx context.Context, q QuotaLimit, now time.Time) (int64, error)
	SetQuotaUsed(ctx context.Context, q QuotaLimit, used int64, now time.Time) error
}

// usageTTL keeps daily usage counts long enough for reports over the last quarter.
const usageTTL = 100 * 24 * time.Hour

// Redis keeps the state in Redis, so every Tollgate node shares one limit and counts survive restarts. Each
// decision is one Lua script that refills, checks and takes from every bucket and the quota atomically. All keys
// carry the hash tag {tollgate}, so a decision's keys share a Redis Cluster slot, and a TTL, so idle state
// expires.
//
// Decisions in flight together share round trips: a few pipelines each send whatever decisions are waiting as
// one batch. Redis then reads and answers many scripts per system call, which is where its time goes under load;
// a lone decision still goes out at once.
type Redis struct {
	client redis.UniversalClient // one server, or a Redis Cluster
	log    *slog.Logger
	down   atomic.Bool // an outage is logged once, and its end once
	queue  chan *pendingDecision
	stop   chan struct{}
	wg     sync.WaitGroup // the pipelines
}

// pendingDecision is one decision waiting for a pipeline.
type pendingDecision struct {
	keys     []string
	args     []any
	deadline time.Time
	done     chan decided // buffered: a pipeline never waits for a caller that gave up
}

type decided struct {
	decision Decision
	err      error
}

// Pipelines and batches: enough pipelines that one slow batch does not hold the others up, batches large enough
// to take what Envoys send at once.
const (
	redisPipelines = 4
	maxBatch       = 64
)

// clusterScheme marks a Redis Cluster URL: redis+cluster://host:port (or rediss+cluster://) names one or more
// seed nodes (more as ?addr=host:port), and the client finds the rest and follows the slots as they move.
const clusterScheme = "+cluster"

// poolSize: every Envoy worker can have many decisions in flight; go-redis's default pool (10 per CPU) would
// queue them.
const poolSize = 128

// NewRedis connects to url: redis://host:port/db for one server, redis+cluster://host:port for a Redis Cluster.
func NewRedis(url string, log *slog.Logger) (*Redis, error) {
	client, err := newRedisClient(url)
	if err != nil {
		return nil, fmt.Errorf("redis %q: %w", url, err)
	}
	r := &Redis{client: client, log: log, queue: make(chan *pendingDecision, maxBatch*redisPipelines), stop: make(chan struct{})}
	r.wg.Add(redisPipelines)
	for i := 0; i < redisPipelines; i++ {
		go r.pipeline()
	}
	// Load the script (on every master of a cluster, which also teaches the client the slots) before the first
	// decision needs it, so that decision does not spend its 20 ms on it. A failure here is retried by use.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = decideScript.Load(ctx, client).Err()
	}()
	return r, nil
}

func newRedisClient(url string) (redis.UniversalClient, error) {
	scheme, rest, _ := strings.Cut(url, "://")
	if base, ok := strings.CutSuffix(scheme, clusterScheme); ok {
		opts, err := redis.ParseClusterURL(base + "://" + rest)
		if err != nil {
			return nil, err
		}
		if opts.PoolSize == 0 {
			opts.PoolSize = poolSize
		}
		return redis.NewClusterClient(opts), nil
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	if opts.PoolSize == 0 {
		opts.PoolSize = poolSize
	}
	return redis.NewClient(opts), nil
}

// Close stops the pipelines, once their batches are answered, and closes the connections.
// Client is the store's connection, for the other state Tollgate shares through the same Redis.
func (r *Redis) Client() redis.UniversalClient { return r.client }

func (r *Redis) Close() error {
	close(r.stop)
	r.wg.Wait()
	return r.client.Close()
}

// pipeline sends the waiting decisions, up to maxBatch at a time, until Close.
func (r *Redis) pipeline() {
	defer r.wg.Done()
	batch := make([]*pendingDecision, 0, maxBatch)
	for {
		select {
		case <-r.stop:
			return
		case first := <-r.queue:
			batch = append(batch[:0], first)
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case p := <-r.queue:
				batch = append(batch, p)
			default:
				break drain
			}
		}
		r.send(batch)
	}
}

// send runs a batch of decisions in one round trip, bounded by the latest deadline among them.
func (r *Redis) send(batch []*pendingDecision) {
	deadline := batch[0].deadline
	for _, p := range batch[1:] {
		if p.deadline.After(deadline) {
			deadline = p.deadline
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	pipe := r.client.Pipeline()
	cmds := make([]*redis.Cmd, len(batch))
	for i, p := range batch {
		cmds[i] = decideScript.EvalSha(ctx, pipe, p.keys, p.args...)
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	for i, p := range batch {
		cmd := cmds[i]
		if redis.HasErrorPrefix(cmd.Err(), "NOSCRIPT") {
			// Redis lost its scripts (a restart, SCRIPT FLUSH): Run loads it again.
			cmd = decideScript.Run(ctx, r.client, p.keys, p.args...)
		}
		res, err := cmd.Int()
		p.done <- decided{Decision(res), err}
	}
}

// decideScript: KEYS are the buckets' keys, then the quota's key if there is a quota, then the day's usage key if
// a key admitted the request. ARGV: now (ms), the number of buckets, whether there is a quota (0/1), whether to
// count usage (0/1), rate and burst of each bucket, then the quota's limit and expiry (ms since the epoch), then
// the usage count's TTL (ms). Returns 0 (allow), 1 (throttled) or 2 (quota exceeded).
var decideScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local hasQuota = ARGV[3] == '1'
local hasUsage = ARGV[4] == '1'
local function arg(i) return ARGV[4 + i] end
local tokens = {}
local admitted = true
local states = {}
if n > 0 then states = redis.call('MGET', unpack(KEYS, 1, n)) end
for i = 1, n do
  local rate = tonumber(arg(2 * i - 1))
  local burst = tonumber(arg(2 * i))
  local t = burst
  if states[i] then
    local sep = string.find(states[i], ':', 1, true)
    local at = tonumber(string.sub(states[i], sep + 1))
    t = tonumber(string.sub(states[i], 1, sep - 1))
    if now > at then t = math.min(burst, t + (now - at) / 1000 * rate) end
  end
  tokens[i] = t
  if t < 1 then admitted = false end
end
if not admitted then
  -- Nothing is taken: the stored states still refill to the same tokens next time.
  return 1
end
local next = n + 1
if hasQuota then
  -- Counting first and giving back on refusal costs an admitted request one call where reading first costs two.
  local used = redis.call('INCR', KEYS[next])
  if used == 1 then redis.call('PEXPIREAT', KEYS[next], arg(2 * n + 2)) end
  if used > tonumber(arg(2 * n + 1)) then
    redis.call('DECR', KEYS[next])
    return 2
  end
  next = next + 1
end
if hasUsage then
  if redis.call('INCR', KEYS[next]) == 1 then
    redis.call('PEXPIRE', KEYS[next], arg(2 * n + 3))
  end
end
-- A bucket is kept, as "tokens:at", until it would be full again: a full bucket is the same as none.
for i = 1, n do
  local rate = tonumber(arg(2 * i - 1))
  local burst = tonumber(arg(2 * i))
  local ttl = 86400000
  if rate > 0 then ttl = math.ceil(burst / rate * 1000) + 1000 end
  redis.call('SET', KEYS[i], tostring(tokens[i] - 1) .. ':' .. now, 'PX', ttl)
end
return 0
`)

// Decide runs the decision script.
func (r *Redis) Decide(ctx context.Context, l Limits, now time.Time) (Decision, error) {
	keys := make([]string, 0, len(l.Buckets)+2)
	args := []any{now.UnixMilli(), len(l.Buckets), flag(l.Quota != nil), flag(l.UsageKey != "")}
	for _, b := range l.Buckets {
		keys = append(keys, redisKey(b.Key))
		args = append(args, strconv.FormatFloat(b.Throttle.RateLimit, 'f', -1, 64), b.Throttle.BurstLimit)
	}
	quotaLimit, quotaExpiry := int64(0), int64(0)
	if q := l.Quota; q != nil {
		key, expiry := redisQuotaKey(*q, now)
		keys = append(keys, key)
		quotaLimit, quotaExpiry = q.Quota.Limit, expiry.UnixMilli()
	}
	if l.UsageKey != "" {
		keys = append(keys, redisKey(l.UsageKey+"/"+DayOf(now)))
	}
	args = append(args, quotaLimit, quotaExpiry, usageTTL.Milliseconds())
	res, err := r.pipelined(ctx, keys, args)
	if err != nil {
		if !r.down.Swap(true) {
			r.log.Error("Redis is unavailable: rate limits follow rateLimit.failureMode until it is back", "err", err)
		}
		return Allow, err
	}
	if r.down.Swap(false) {
		r.log.Info("Redis is available again")
	}
	return res, nil
}

// pipelined hands a decision to the pipelines and waits for it, or for ctx.
func (r *Redis) pipelined(ctx context.Context, keys []string, args []any) (Decision, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(DefaultTimeout)
	}
	p := &pendingDecision{keys: keys, args: args, deadline: deadline, done: make(chan decided, 1)}
	select {
	case r.queue <- p:
	case <-ctx.Done():
		return Allow, ctx.Err()
	}
	select {
	case d := <-p.done:
		return d.decision, d.err
	case <-ctx.Done():
		return Allow, ctx.Err()
	}
}

// redisQuotaKey is where the quota's period at now is counted, and when that count expires: when the period ends.
func redisQuotaKey(q QuotaLimit, now time.Time) (string, time.Time) {
	start := q.Quota.PeriodStart(now)
	return redisKey(q.Key + "/" + strconv.FormatInt(start.Unix(), 10)), q.Quota.PeriodEnd(start)
}

// QuotaUsed reads the period's count.
func (r *Redis) QuotaUsed(ctx context.Context, q QuotaLimit, now time.Time) (int64, error) {
	key, _ := redisQuotaKey(q, now)
	used, err := r.client.Get(ctx, key).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return used, err
}

// SetQuotaUsed sets the period's count, to expire when the period ends.
func (r *Redis) SetQuotaUsed(ctx context.Context, q QuotaLimit, used int64, now time.Time) error {
	key, expiry := redisQuotaKey(q, now)
	return r.client.SetArgs(ctx, key, used, redis.SetArgs{ExpireAt: expiry}).Err()
}

// Usage reads the daily usage counts with one MGET.
func (r *Redis) Usage(ctx context.Context, key string, days []string) ([]int64, error) {
	keys := make([]string, len(days))
	for i, d := range days {
		keys[i] = redisKey(key + "/" + d)
	}
	vals, err := r.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(days))
	for i, v := range vals {
		if s, ok := v.(string); ok {
			out[i], _ = strconv.ParseInt(s, 10, 64)
		}
	}
	return out, nil
}

// redisKey puts every key under one hash tag: a decision's keys must share a Redis Cluster slot for its script.
func redisKey(k string) string { return "{tollgate}:" + k }

func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}
