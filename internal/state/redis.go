package state

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the store several control planes share: the records are one hash (one slot, so that a change is one
// WATCH/MULTI on a Redis Cluster too), and every change is published, so that the other control planes serve it.
type Redis struct {
	client redis.UniversalClient
	// writer names this store's changes on the channel: its own need no second reload.
	writer string
}

// The records' hash and the channel their changes are published on. The braces are a hash tag: on a Cluster,
// both live with one slot's master.
const (
	redisRecords = "tollgate:{state}:records"
	redisChanges = "tollgate:{state}:changes"
)

// maxAttempts bounds the retries of a change that concurrent changes keep beating: each retry means another
// writer's change was stored, so the store makes progress.
const maxAttempts = 100

// NewRedis keeps the records in client's Redis, which the caller closes.
func NewRedis(client redis.UniversalClient) *Redis {
	return &Redis{client: client, writer: rand.Text()}
}

func (r *Redis) All(ctx context.Context, prefix string) (map[string][]byte, error) {
	all, err := r.client.HGetAll(ctx, redisRecords).Result()
	if err != nil {
		return nil, fmt.Errorf("state in redis: %w", err)
	}
	out := map[string][]byte{}
	for k, v := range all {
		if strings.HasPrefix(k, prefix) {
			out[k] = []byte(v)
		}
	}
	return out, nil
}

func (r *Redis) Get(ctx context.Context, key string) ([]byte, error) {
	v, err := r.client.HGet(ctx, redisRecords, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state in redis: %w", err)
	}
	return v, nil
}

// Update reads the record and writes the change in one transaction, watching the hash: when another change is
// stored in between, the transaction fails and the change runs again on the newer record.
func (r *Redis) Update(ctx context.Context, key string, change func(old []byte) ([]byte, error)) error {
	for range maxAttempts {
		err := r.client.Watch(ctx, func(tx *redis.Tx) error {
			old, err := tx.HGet(ctx, redisRecords, key).Bytes()
			if errors.Is(err, redis.Nil) {
				old, err = nil, nil
			}
			if err != nil {
				return fmt.Errorf("state in redis: %w", err)
			}
			next, err := change(old)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				if next == nil {
					p.HDel(ctx, redisRecords, key)
				} else {
					p.HSet(ctx, redisRecords, key, next)
				}
				p.Publish(ctx, redisChanges, r.writer)
				return nil
			})
			return err
		}, redisRecords)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return fmt.Errorf("state in redis: record %s: %d attempts beaten by concurrent changes", key, maxAttempts)
}

// Watch calls changed for every change another store stores, and whenever its subscription is made (changes may
// have been missed before it, or while the connection was lost), until ctx is done.
func (r *Redis) Watch(ctx context.Context, changed func()) {
	sub := r.client.Subscribe(ctx, redisChanges)
	// A Receive waiting for a message does not see ctx end; closing the subscription ends it.
	stop := context.AfterFunc(ctx, func() { sub.Close() })
	defer stop()
	for {
		msg, err := sub.Receive(ctx)
		switch m := msg.(type) {
		case *redis.Subscription:
			changed() // the first time too: Redis may have been unreachable when the caller last read
		case *redis.Message:
			if m.Payload != r.writer {
				changed()
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			// A lost connection: the next Receive subscribes again, which says so with a *redis.Subscription.
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// Close leaves the client open: it is the caller's.
func (r *Redis) Close() error { return nil }
