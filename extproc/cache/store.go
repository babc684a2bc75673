package cache

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/redisstore"
)

// Store keeps entries' bytes by stage ("apiId/stage") and key, each for its TTL. A miss is nil; an error is a
// store that failed, which the cache treats as a miss.
type Store interface {
	Get(ctx context.Context, stage, key string) ([]byte, error)
	Set(ctx context.Context, stage, key string, value []byte, ttl time.Duration) error
	Delete(ctx context.Context, stage, key string) error
	// Flush forgets every entry of a stage (FlushStageCache).
	Flush(ctx context.Context, stage string) error
	// SetStages gives the stores the stages' caches: a memory store bounds each by its size.
	SetStages([]ir.StageCache)
}

// Memory keeps each stage's entries in a cache of its own, bounded by the stage's cacheClusterSize in bytes
// (otter's W-TinyLFU evicts what is least likely to be asked for again).
type Memory struct {
	mu     sync.RWMutex
	stages map[string]*memoryStage
}

type memoryStage struct {
	bytes   int64
	entries *otter.Cache[string, memoryEntry]
}

type memoryEntry struct {
	value []byte
	ttl   time.Duration
}

// entryOverhead is what an entry costs beyond its key and value: otter's node and the map's slot, roughly.
const entryOverhead = 96

// NewMemory is an empty memory store.
func NewMemory() *Memory { return &Memory{stages: map[string]*memoryStage{}} }

func (m *Memory) stage(name string) *memoryStage {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.stages[name]
}

func (m *Memory) Get(_ context.Context, stage, key string) ([]byte, error) {
	if s := m.stage(stage); s != nil {
		if e, ok := s.entries.GetIfPresent(key); ok {
			return e.value, nil
		}
	}
	return nil, nil
}

func (m *Memory) Set(_ context.Context, stage, key string, value []byte, ttl time.Duration) error {
	if s := m.stage(stage); s != nil {
		s.entries.Set(key, memoryEntry{value: value, ttl: ttl})
	}
	return nil
}

func (m *Memory) Delete(_ context.Context, stage, key string) error {
	if s := m.stage(stage); s != nil {
		s.entries.Invalidate(key)
	}
	return nil
}

func (m *Memory) Flush(_ context.Context, stage string) error {
	if s := m.stage(stage); s != nil {
		s.entries.InvalidateAll()
	}
	return nil
}

// SetStages keeps the entries of a stage whose size is unchanged; a stage resized starts empty, as API Gateway
// recreates a resized cache.
func (m *Memory) SetStages(caches []ir.StageCache) {
	stages := make(map[string]*memoryStage, len(caches))
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range caches {
		name := c.APIID + "/" + c.Stage
		if old := m.stages[name]; old != nil && old.bytes == c.Bytes {
			stages[name] = old
			continue
		}
		stages[name] = &memoryStage{bytes: c.Bytes, entries: otter.Must(&otter.Options[string, memoryEntry]{
			MaximumWeight: uint64(c.Bytes),
			Weigher: func(key string, e memoryEntry) uint32 {
				return uint32(len(key) + len(e.value) + entryOverhead)
			},
			ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, memoryEntry]) time.Duration { return e.Value.ttl }),
		})}
	}
	for name, old := range m.stages {
		if stages[name] != old {
			old.entries.StopAllGoroutines()
		}
	}
	m.stages = stages
}

// redisPrefix starts every key; a stage's keys share a hash tag, so that its flush and its reads stay on one
// node of a Redis Cluster while stages spread over it.
const redisPrefix = "tollgate:cache:"

// redisTimeout bounds each call: a slow Redis costs the integration call the cache would have saved, never more.
const redisTimeout = 100 * time.Millisecond

// Redis shares entries between every node that uses the same Redis, each with its TTL set in Redis.
type Redis struct {
	client redis.UniversalClient
	outage *redisstore.Outage
}

// NewRedis keeps entries in client's Redis.
func NewRedis(client redis.UniversalClient, log *slog.Logger) *Redis {
	return &Redis{client: client, outage: &redisstore.Outage{Log: log,
		Failing: "Redis is failing: the stage caches serve nothing, every request goes to its integration",
		Back:    "Redis is back: the stage caches serve again"}}
}

func redisKey(stage, key string) string { return redisPrefix + "{" + stage + "}" + key }

func (r *Redis) Get(ctx context.Context, stage, key string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	b, err := r.client.Get(ctx, redisKey(stage, key)).Bytes()
	return b, r.result(err)
}

func (r *Redis) Set(ctx context.Context, stage, key string, value []byte, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	return r.result(r.client.Set(ctx, redisKey(stage, key), value, ttl).Err())
}

func (r *Redis) Delete(ctx context.Context, stage, key string) error {
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	return r.result(r.client.Del(ctx, redisKey(stage, key)).Err())
}

// Flush deletes a stage's entries on every node; its name is matched literally.
func (r *Redis) Flush(ctx context.Context, stage string) error {
	return redisstore.DeleteMatching(ctx, r.client, redisPrefix+"{"+redisstore.QuoteGlob(stage)+"}*")
}

// SetStages: Redis bounds its memory itself (maxmemory and its eviction policy).
func (r *Redis) SetStages([]ir.StageCache) {}

// result is err, a miss being none; a failure is logged once per outage. A request whose client went away is
// no outage.
func (r *Redis) result(err error) error {
	switch {
	case err == nil, errors.Is(err, redis.Nil):
		r.outage.Succeeded()
		return nil
	case errors.Is(err, context.Canceled):
		return err
	}
	r.outage.Failed(err)
	return err
}
