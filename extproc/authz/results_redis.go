package authz

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/extproc/authz/lambdaauth"
)

// redisResultsPrefix starts every key: the answers of one stage share a hash tag, so a stage's flush and its
// reads stay on one Redis Cluster node while stages spread over the cluster.
const redisResultsPrefix = "tollgate:authorizer:"

// redisResultsTimeout bounds each cache call: a slow Redis costs a function call, never a request's wait.
const redisResultsTimeout = 100 * time.Millisecond

// RedisResults shares authorizer answers between every node that uses the same Redis: one caller's first request
// on any node fills it for all. An answer is kept as the function wrote it and read again on use; a Redis that
// fails is a cache miss, never a refusal.
type RedisResults struct {
	client redis.UniversalClient
	log    *slog.Logger
	down   atomic.Bool // an outage is logged once, and its end once
}

// NewRedisResults keeps answers in client's Redis.
func NewRedisResults(client redis.UniversalClient, log *slog.Logger) *RedisResults {
	return &RedisResults{client: client, log: log}
}

// redisKey tags the key by its stage (the key's first two segments: apiId/stage/).
func redisKey(key string) string {
	stage, rest := key, ""
	for i, n := 0, 0; i < len(key); i++ {
		if key[i] == '/' {
			if n++; n == 2 {
				stage, rest = key[:i+1], key[i+1:]
				break
			}
		}
	}
	return redisResultsPrefix + "{" + stage + "}" + rest
}

func (r *RedisResults) Get(ctx context.Context, key string) (*lambdaauth.Output, bool) {
	ctx, cancel := context.WithTimeout(ctx, redisResultsTimeout)
	defer cancel()
	payload, err := r.client.Get(ctx, redisKey(key)).Bytes()
	if err != nil {
		if err != redis.Nil {
			r.failed(err)
		}
		return nil, false
	}
	r.recovered()
	// A simple response is kept behind a marker no JSON answer starts with.
	simplePayload, simple := bytes.CutPrefix(payload, simpleMarker)
	if simple {
		payload = simplePayload
	}
	out, err := lambdaauth.ParseAs(simple, 200, "", payload)
	if err != nil {
		return nil, false
	}
	return out, true
}

// simpleMarker starts a kept simple response (an HTTP API authorizer's), to be read in its format.
var simpleMarker = []byte("simple:")

func (r *RedisResults) Set(ctx context.Context, key string, payload []byte, out *lambdaauth.Output, ttl time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, redisResultsTimeout)
	defer cancel()
	if out.Simple {
		payload = append(slices.Clip(simpleMarker), payload...)
	}
	if err := r.client.Set(ctx, redisKey(key), payload, ttl).Err(); err != nil {
		r.failed(err)
		return
	}
	r.recovered()
}

// Flush deletes a stage's answers on every node of a cluster.
func (r *RedisResults) Flush(ctx context.Context, prefix string) error {
	// The stage's part is matched literally: an apiId of "*" flushes that stage, not every one.
	pattern := redisResultsPrefix + "{" + globEscaper.Replace(prefix) + "}*"
	flush := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			if err := c.Del(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	if cluster, ok := r.client.(*redis.ClusterClient); ok {
		return cluster.ForEachMaster(ctx, flush)
	}
	if c, ok := r.client.(*redis.Client); ok {
		return flush(ctx, c)
	}
	return fmt.Errorf("cannot flush the authorizer cache through a %T", r.client)
}

// globEscaper quotes what Redis's SCAN MATCH reads as a pattern.
var globEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`)

func (r *RedisResults) failed(err error) {
	if !r.down.Swap(true) {
		r.log.Warn("Redis is failing: authorizer answers are not cached, every request calls its authorizer", "err", err)
	}
}

func (r *RedisResults) recovered() {
	if r.down.Swap(false) {
		r.log.Info("Redis is back: authorizer answers are cached again")
	}
}
