// Package redisstore holds what Tollgate's caches in Redis (authorizer answers, stage caches) share: deleting a
// stage's keys on every node of a cluster, and telling an outage once.
package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// DeleteMatching deletes the keys matching pattern (SCAN MATCH's syntax) on every master of a cluster, or on the
// one server.
func DeleteMatching(ctx context.Context, client redis.UniversalClient, pattern string) error {
	del := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			if err := c.Unlink(ctx, iter.Val()).Err(); err != nil {
				return err
			}
		}
		return iter.Err()
	}
	switch c := client.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, del)
	case *redis.Client:
		return del(ctx, c)
	}
	return fmt.Errorf("cannot scan the keys of a %T", client)
}

// QuoteGlob quotes what SCAN MATCH reads as a pattern, so that an id of "*" matches itself.
func QuoteGlob(s string) string { return globQuoter.Replace(s) }

var globQuoter = strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`)

// Outage logs that Redis fails once, when it starts, and once when it is back, however many calls see it.
type Outage struct {
	Log *slog.Logger
	// Failing says what a failing Redis costs, Back that it is over.
	Failing, Back string
	down          atomic.Bool
}

// Failed records a failed call.
func (o *Outage) Failed(err error) {
	if !o.down.Swap(true) {
		o.Log.Warn(o.Failing, "err", err)
	}
}

// Succeeded records a call that worked.
func (o *Outage) Succeeded() {
	if o.down.Swap(false) {
		o.Log.Info(o.Back)
	}
}

// Down tells whether the last call failed.
func (o *Outage) Down() bool { return o.down.Load() }
