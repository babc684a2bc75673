package authz

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/extproc/authz/lambdaauth"
	"github.com/tollgate-gw/tollgate/internal/redisstore"
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
	outage *redisstore.Outage
}

// NewRedisResults keeps answers in client's Redis.
func NewRedisResults(client redis.UniversalClient, log *slog.Logger) *RedisResults {
	return &RedisResults{client: client, outage: &redisstore.Outage{Log: log,
		Failing: "Redis is failing: authorizer answers are not cached, every request calls its authorizer",
		Back:    "Redis is back: authorizer answers are cached again"}}
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
			r.outage.Failed(err)
		}
		return nil, false
	}
	r.outage.Succeeded()
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
		r.outage.Failed(err)
		return
	}
	r.outage.Succeeded()
}

// Flush deletes a stage's answers on every node of a cluster.
func (r *RedisResults) Flush(ctx context.Context, prefix string) error {
	// The stage's part is matched literally: an apiId of "*" flushes that stage, not every one.
	return redisstore.DeleteMatching(ctx, r.client, redisResultsPrefix+"{"+redisstore.QuoteGlob(prefix)+"}*")
}
