package ratelimit

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Store keeps buckets and quota counts: Memory in one process, Redis shared by every Tollgate.
type Store interface {
	Decide(ctx context.Context, l Limits, now time.Time) (Decision, error)
	// Usage returns the admitted requests counted under a usage key on each day (2006-01-02).
	Usage(ctx context.Context, key string, days []string) ([]int64, error)
}

// usageTTL keeps daily usage counts long enough for reports over the last quarter.
const usageTTL = 100 * 24 * time.Hour

// Redis keeps the state in Redis, so every Tollgate node shares one limit and counts survive restarts. Each
// decision is one round trip: a Lua script that refills, checks and takes from every bucket and the quota
// atomically. All keys carry the hash tag {tollgate}, so a decision's keys share a Redis Cluster slot, and a TTL,
// so idle state expires.
type Redis struct {
	client *redis.Client
	log    *slog.Logger
	down   atomic.Bool // an outage is logged once, and its end once
}

// NewRedis connects to url (redis://host:port/db).
func NewRedis(url string, log *slog.Logger) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis %q: %w", url, err)
	}
	// Every Envoy worker can have many decisions in flight; go-redis's default pool (10 per CPU) would queue them.
	if opts.PoolSize == 0 {
		opts.PoolSize = 128
	}
	return &Redis{client: redis.NewClient(opts), log: log}, nil
}

// Close closes the connections.
func (r *Redis) Close() error { return r.client.Close() }

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
-- A bucket is kept, as "tokens:at", until it would be full again: a full bucket is the same as none.
local function save(take)
  for i = 1, n do
    local rate = tonumber(arg(2 * i - 1))
    local burst = tonumber(arg(2 * i))
    local ttl = 86400000
    if rate > 0 then ttl = math.ceil(burst / rate * 1000) + 1000 end
    redis.call('SET', KEYS[i], tostring(tokens[i] - take) .. ':' .. now, 'PX', ttl)
  end
end
if not admitted then
  save(0)
  return 1
end
local next = n + 1
if hasQuota then
  local used = tonumber(redis.call('GET', KEYS[next]) or '0')
  if used >= tonumber(arg(2 * n + 1)) then
    save(0)
    return 2
  end
  if redis.call('INCR', KEYS[next]) == 1 then
    redis.call('PEXPIREAT', KEYS[next], arg(2 * n + 2))
  end
  next = next + 1
end
if hasUsage then
  if redis.call('INCR', KEYS[next]) == 1 then
    redis.call('PEXPIRE', KEYS[next], arg(2 * n + 3))
  end
end
save(1)
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
		start := q.Quota.PeriodStart(now)
		keys = append(keys, redisKey(q.Key+"/"+strconv.FormatInt(start.Unix(), 10)))
		quotaLimit, quotaExpiry = q.Quota.Limit, q.Quota.PeriodEnd(start).UnixMilli()
	}
	if l.UsageKey != "" {
		keys = append(keys, redisKey(l.UsageKey+"/"+DayOf(now)))
	}
	args = append(args, quotaLimit, quotaExpiry, usageTTL.Milliseconds())
	res, err := decideScript.Run(ctx, r.client, keys, args...).Int()
	if err != nil {
		if !r.down.Swap(true) {
			r.log.Error("Redis is unavailable: rate limits follow rateLimit.failureMode until it is back", "err", err)
		}
		return Allow, err
	}
	if r.down.Swap(false) {
		r.log.Info("Redis is available again")
	}
	return Decision(res), nil
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
