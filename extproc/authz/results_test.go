package authz

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/extproc/authz/lambdaauth"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

const cachedAnswer = `{"principalId": "alice", "policyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}, "context": {"tier": "gold"}}`

// cachedSimpleAnswer is an HTTP API authorizer's simple response.
const cachedSimpleAnswer = `{"isAuthorized": true, "context": {"tier": "gold"}}`

// TestResultsKeepAsMemory runs one scenario against every store of authorizer answers: what is kept is read
// back (a simple response as one), expires with its TTL, and a stage's flush forgets that stage's answers only.
func TestResultsKeepAsMemory(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { client.Close() })
	cluster := redistest.StartCluster(t)
	clusterClient := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{cluster[0].Addr()}})
	t.Cleanup(func() { clusterClient.Close() })
	log := slog.New(slog.DiscardHandler)
	stores := map[string]Results{
		"memory":        NewMemoryResults(),
		"redis":         NewRedisResults(client, log),
		"redis cluster": NewRedisResults(clusterClient, log),
	}
	out, err := lambdaauth.Parse(200, "", []byte(cachedAnswer))
	if err != nil {
		t.Fatal(err)
	}
	for name, store := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			keys := []string{"api1/prod/auth/k1", "api1/prod/auth/k2", "api1/beta/auth/k1", "api10/prod/auth/k1"}
			for _, k := range keys {
				store.Set(ctx, k, []byte(cachedAnswer), out, time.Minute)
			}
			got, ok := store.Get(ctx, "api1/prod/auth/k1")
			if !ok || got.PrincipalID != "alice" || got.Context["tier"] != "gold" {
				t.Fatalf("Get = %+v, %t; want alice's answer", got, ok)
			}
			if _, ok := store.Get(ctx, "api1/prod/auth/other"); ok {
				t.Error("an identity never kept was found")
			}
			if err := store.Flush(ctx, "api1/prod/"); err != nil {
				t.Fatal(err)
			}
			for _, k := range keys {
				_, ok := store.Get(ctx, k)
				if want := k == "api1/beta/auth/k1" || k == "api10/prod/auth/k1"; ok != want {
					t.Errorf("after flushing api1/prod: %s kept %t, want %t", k, ok, want)
				}
			}
			simple, err := lambdaauth.ParseSimple(200, "", []byte(cachedSimpleAnswer))
			if err != nil {
				t.Fatal(err)
			}
			store.Set(ctx, "api1/prod/gate/k1", []byte(cachedSimpleAnswer), simple, time.Minute)
			if got, ok := store.Get(ctx, "api1/prod/gate/k1"); !ok || !got.Simple || !got.Authorized || got.Context["tier"] != "gold" {
				t.Errorf("a simple answer read back as %+v, %t", got, ok)
			}
			store.Set(ctx, "api1/prod/auth/short", []byte(cachedAnswer), out, 100*time.Millisecond)
			time.Sleep(150 * time.Millisecond)
			if _, ok := store.Get(ctx, "api1/prod/auth/short"); ok {
				t.Error("an answer outlived its TTL")
			}
		})
	}
}

// TestRedisResultsOutage: with Redis gone the cache misses (the authorizer is called), it never fails a request.
func TestRedisResultsOutage(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr(), MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	store := NewRedisResults(client, slog.New(slog.DiscardHandler))
	out, _ := lambdaauth.Parse(200, "", []byte(cachedAnswer))
	ctx := context.Background()
	store.Set(ctx, "a/p/auth/k", []byte(cachedAnswer), out, time.Minute)
	srv.Stop()
	store.Set(ctx, "a/p/auth/k2", []byte(cachedAnswer), out, time.Minute)
	if _, ok := store.Get(ctx, "a/p/auth/k"); ok || !store.outage.Down() {
		t.Errorf("with Redis down: found %t, down %t; want a miss, noticed", ok, store.outage.Down())
	}
	srv.Start()
	if _, ok := store.Get(ctx, "a/p/auth/k"); ok {
		t.Error("a restarted Redis (no persistence) still had the answer")
	}
	store.Set(ctx, "a/p/auth/k", []byte(cachedAnswer), out, time.Minute)
	if _, ok := store.Get(ctx, "a/p/auth/k"); !ok || store.outage.Down() {
		t.Error("the cache did not recover with Redis")
	}
}
