package cache

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

func newRedisStore(t testing.TB, srv *redistest.Server) *Redis {
	t.Helper()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	return NewRedis(client, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

var testStages = []ir.StageCache{{APIID: "a1", Stage: "prod", Size: "0.5", Bytes: 1 << 29}, {APIID: "a1", Stage: "dev", Size: "0.5", Bytes: 1 << 29}}

// TestRedisStoresAsMemory runs one scenario against both stores: what is set is got until its TTL, a delete and
// a stage's flush forget only what they name.
func TestRedisStoresAsMemory(t *testing.T) {
	for name, store := range map[string]Store{"memory": NewMemory(), "redis": newRedisStore(t, redistest.Start(t))} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			store.SetStages(testStages)
			get := func(stage, key string) []byte {
				t.Helper()
				b, err := store.Get(ctx, stage, key)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			set := func(stage, key, value string, ttl time.Duration) {
				t.Helper()
				if err := store.Set(ctx, stage, key, []byte(value), ttl); err != nil {
					t.Fatal(err)
				}
			}
			if b := get("a1/prod", "k"); b != nil {
				t.Fatalf("an empty store has %q", b)
			}
			set("a1/prod", "k", "one", time.Minute)
			set("a1/prod", "k2", "two", time.Minute)
			set("a1/dev", "k", "dev's", time.Minute)
			set("a1/prod", "short", "brief", 200*time.Millisecond)
			if b := get("a1/prod", "k"); string(b) != "one" {
				t.Errorf("got %q, want one", b)
			}
			if b := get("a1/dev", "k"); string(b) != "dev's" {
				t.Errorf("the same key in another stage: %q, want dev's", b)
			}
			time.Sleep(300 * time.Millisecond)
			if b := get("a1/prod", "short"); b != nil {
				t.Errorf("an entry outlived its TTL: %q", b)
			}
			if err := store.Delete(ctx, "a1/prod", "k2"); err != nil {
				t.Fatal(err)
			}
			if b := get("a1/prod", "k2"); b != nil {
				t.Errorf("a deleted entry: %q", b)
			}
			if err := store.Flush(ctx, "a1/prod"); err != nil {
				t.Fatal(err)
			}
			if b := get("a1/prod", "k"); b != nil {
				t.Errorf("a flushed stage kept %q", b)
			}
			if b := get("a1/dev", "k"); string(b) != "dev's" {
				t.Errorf("another stage's flush took dev's entry: %q", b)
			}
		})
	}
}

// TestMemoryBoundedBySize: a stage's entries never weigh more than its cacheClusterSize; a resize starts the
// stage empty, as API Gateway recreates a resized cache, and an unchanged one keeps its entries.
func TestMemoryBoundedBySize(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	const bound = 256 << 10
	m.SetStages([]ir.StageCache{{APIID: "a", Stage: "s", Bytes: bound}})
	value := bytes.Repeat([]byte("x"), 10<<10)
	for i := range 200 {
		_ = m.Set(ctx, "a/s", fmt.Sprint("k", i), value, time.Minute)
	}
	st := m.stage("a/s")
	st.entries.CleanUp()
	if w := st.entries.WeightedSize(); w > bound || w == 0 {
		t.Errorf("the stage holds %d bytes, want at most %d (and some)", w, bound)
	}
	_ = m.Set(ctx, "a/s", "kept", []byte("v"), time.Minute)
	m.SetStages([]ir.StageCache{{APIID: "a", Stage: "s", Bytes: bound}})
	if b, _ := m.Get(ctx, "a/s", "kept"); string(b) != "v" {
		t.Errorf("a reload with the same size lost an entry: %q", b)
	}
	m.SetStages([]ir.StageCache{{APIID: "a", Stage: "s", Bytes: 2 * bound}})
	if b, _ := m.Get(ctx, "a/s", "kept"); b != nil {
		t.Errorf("a resized stage kept %q", b)
	}
	m.SetStages(nil)
	if err := m.Set(ctx, "a/s", "k", value, time.Minute); err != nil {
		t.Fatal(err)
	}
	if b, _ := m.Get(ctx, "a/s", "k"); b != nil {
		t.Error("a stage without a cache kept an entry")
	}
}

// TestRedisOutage: a Redis that is gone is an error (the cache then calls the integration), noticed once, and the
// store works again when Redis is back.
func TestRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	store := newRedisStore(t, srv)
	ctx := context.Background()
	srv.Stop()
	start := time.Now()
	if _, err := store.Get(ctx, "a/s", "k"); err == nil || !store.outage.Down() {
		t.Errorf("with Redis down: %v, down %t; want an error, noticed", err, store.outage.Down())
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("a call to a Redis that is down took %s", took)
	}
	srv.Start()
	if err := store.Set(ctx, "a/s", "k", []byte("v"), time.Minute); err != nil || store.outage.Down() {
		t.Errorf("with Redis back: %v, down %t", err, store.outage.Down())
	}
}

// A request whose client went away is no Redis outage.
func TestRedisCanceledIsNoOutage(t *testing.T) {
	store := newRedisStore(t, redistest.Start(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := store.Get(ctx, "a/s", "k"); err == nil || store.outage.Down() {
		t.Errorf("a canceled call: %v, down %t; want an error, no outage", err, store.outage.Down())
	}
}
