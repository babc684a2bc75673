package ratelimit

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

func newRedisStore(t testing.TB, r *redistest.Server) *Redis {
	t.Helper()
	return newStoreAt(t, "redis://"+r.Addr()+"/0")
}

func newStoreAt(t testing.TB, url string) *Redis {
	t.Helper()
	s, err := NewRedis(url, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestRedisDecidesAsMemory replays the memory store's scenario against Redis: the same decisions.
func TestRedisDecidesAsMemory(t *testing.T) {
	srv := redistest.Start(t)
	store := newRedisStore(t, srv)
	// Redis expires a quota count at its period's real end, so the scenario runs today: 10:00 UTC, whose day has
	// not ended yet.
	start := time.Now().UTC().Truncate(24 * time.Hour).Add(10 * time.Hour)
	limits := Limits{
		Buckets: []BucketLimit{{Key: "plan", Throttle: Throttle{RateLimit: 1, BurstLimit: 2}}, {Key: "stage", Throttle: Throttle{RateLimit: 100, BurstLimit: 100}}},
		Quota:   &QuotaLimit{Key: "quota", Quota: Quota{Limit: 3, Period: Day}},
	}
	steps := []struct {
		after time.Duration
		want  Decision
	}{
		{0, Allow}, {0, Allow}, {0, Throttled}, {999 * time.Millisecond, Throttled},
		{time.Second, Allow}, {10 * time.Second, QuotaExceeded}, {14 * time.Hour, Allow},
	}
	for i, s := range steps {
		got, err := store.Decide(patient(t), limits, start.Add(s.after))
		if err != nil || got != s.want {
			t.Errorf("step %d (+%s): %v, %v; want %v", i, s.after, got, err, s.want)
		}
	}
	// Each period's count expires when its period ends.
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer c.Close()
	for _, day := range []time.Time{start, start.Add(14 * time.Hour)} {
		key := redisKey("quota/" + strconv.FormatInt(day.Truncate(24*time.Hour).Unix(), 10))
		wantExpiry := day.Truncate(24*time.Hour).AddDate(0, 0, 1)
		if at := c.PExpireTime(context.Background(), key).Val(); at != time.Duration(wantExpiry.UnixMilli())*time.Millisecond {
			t.Errorf("%s expires at %v, want %s", key, at, wantExpiry)
		}
	}
}

// TestUsageCounts: both stores count admitted requests by day under the usage key, and only admitted ones.
func TestUsageCounts(t *testing.T) {
	for name, store := range map[string]Store{"memory": NewMemory(), "redis": newRedisStore(t, redistest.Start(t))} {
		t.Run(name, func(t *testing.T) {
			limits := Limits{Buckets: []BucketLimit{{Key: "b", Throttle: Throttle{RateLimit: 0, BurstLimit: 3}}}, UsageKey: "usage/p1/k1"}
			day1, day2 := at("2026-11-24T23:00:00Z"), at("2026-11-25T01:00:00Z")
			for _, now := range []time.Time{day1, day1, day2, day2, day2} { // the fifth is throttled
				if _, err := store.Decide(patient(t), limits, now); err != nil {
					t.Fatal(err)
				}
			}
			got, err := store.Usage(context.Background(), "usage/p1/k1", []string{"2026-11-23", "2026-11-24", "2026-11-25"})
			if err != nil || len(got) != 3 || got[0] != 0 || got[1] != 2 || got[2] != 1 {
				t.Errorf("usage = %v, %v; want [0 2 1]", got, err)
			}
		})
	}
}

// TestRedisIsAtomicAndShared: concurrent callers on two stores (two Tollgate nodes) share one bucket, and the
// bucket admits exactly its burst.
func TestRedisIsAtomicAndShared(t *testing.T) {
	srv := redistest.Start(t)
	stores := []*Redis{newRedisStore(t, srv), newRedisStore(t, srv)}
	limits := Limits{Buckets: []BucketLimit{{Key: "shared", Throttle: Throttle{RateLimit: 0, BurstLimit: 50}}}}
	if admitted := decideConcurrently(t, stores, limits, 20, 10)[Allow]; admitted != 50 {
		t.Errorf("admitted %d of 200 concurrent requests, want exactly the burst, 50", admitted)
	}
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer c.Close()
	if ttl := c.PTTL(context.Background(), "{tollgate}:shared").Val(); ttl <= 0 {
		t.Errorf("bucket key TTL = %v, want one", ttl)
	}
}

// TestRedisOutage: with Redis down the failure mode decides, every call stays bounded by the timeout, and
// decisions resume when Redis is back.
func TestRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	store := newRedisStore(t, srv)
	routes := []*ir.Route{limitedRoute("r1", "GET", ir.Limits{Stage: throttleOf(10, 10)})}
	open, closed := NewLimiter(store), NewLimiter(store)
	open.SetSnapshot(&ir.Snapshot{APIs: []ir.API{{ID: "a1", Routes: routes}}, RateLimit: ir.RateLimitSettings{Timeout: ir.Duration(20 * time.Millisecond)}})
	closed.SetSnapshot(&ir.Snapshot{APIs: []ir.API{{ID: "a1", Routes: routes}}, RateLimit: ir.RateLimitSettings{FailClosed: true, Timeout: ir.Duration(20 * time.Millisecond)}})

	srv.Stop()
	for _, tt := range []struct {
		name string
		l    *Limiter
		want Decision
	}{{"open", open, Allow}, {"closed", closed, Throttled}} {
		start := time.Now()
		if got := tt.l.Decide(context.Background(), "r1", "", ""); got != tt.want {
			t.Errorf("%s while Redis is down: %v; want %v", tt.name, got, tt.want)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s while Redis is down took %s: the timeout does not bound the call", tt.name, took)
		}
	}
	srv.Start()
	var last error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, last = store.Decide(context.Background(), Limits{Buckets: []BucketLimit{{Key: "x", Throttle: Throttle{1, 1}}}}, time.Now()); last == nil {
			return
		}
	}
	t.Errorf("no recovery after Redis came back: %v", last)
}

// TestRedisReloadsItsScript: a Redis that lost its scripts (restarted, or SCRIPT FLUSH) still decides, for every
// decision of a batch in flight.
func TestRedisReloadsItsScript(t *testing.T) {
	srv := redistest.Start(t)
	store := newRedisStore(t, srv)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer c.Close()
	if err := c.ScriptFlush(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	limits := Limits{Buckets: []BucketLimit{{Key: "flushed", Throttle: Throttle{RateLimit: 0, BurstLimit: 5}}}}
	if admitted := decideConcurrently(t, []*Redis{store}, limits, 8, 1)[Allow]; admitted != 5 {
		t.Errorf("admitted %d of 8 after a script flush, want the burst, 5", admitted)
	}
}

// TestRedisCluster: against a Redis Cluster, stores seeded with different nodes (two Tollgate nodes) share one
// bucket and one quota, wherever the {tollgate} slot lives, and the usage report reads the counts back.
func TestRedisCluster(t *testing.T) {
	nodes := redistest.StartCluster(t)
	stores := []*Redis{
		newStoreAt(t, "redis+cluster://"+nodes[0].Addr()),
		newStoreAt(t, "redis+cluster://"+nodes[2].Addr()+"?addr="+nodes[1].Addr()),
	}
	limits := Limits{
		Buckets:  []BucketLimit{{Key: "cluster", Throttle: Throttle{RateLimit: 0, BurstLimit: 30}}},
		Quota:    &QuotaLimit{Key: "cluster-quota", Quota: Quota{Limit: 20, Period: Day}},
		UsageKey: "usage/p1/k1",
	}
	counts := decideConcurrently(t, stores, limits, 10, 5)
	if counts[Allow] != 20 || counts[QuotaExceeded] != 30 {
		t.Errorf("admitted %d, refused for the quota %d of 50; want the quota's 20 admitted and 30 refused", counts[Allow], counts[QuotaExceeded])
	}
	now := time.Now()
	used, err := stores[1].Usage(context.Background(), "usage/p1/k1", []string{DayOf(now)})
	if err != nil || len(used) != 1 || used[0] != 20 {
		t.Errorf("usage = %v, %v; want [20]", used, err)
	}
}

// patient is a context for decisions whose outcome a test checks: the production timeout (20 ms) is meant to
// fail decisions open when Redis is slow, and a loaded test machine, or a cluster client still learning the
// slots, can be that slow.
func patient(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// decideConcurrently has workers goroutines, spread over the stores, each make n decisions on limits at once, and
// counts the outcomes.
func decideConcurrently(t *testing.T, stores []*Redis, limits Limits, workers, n int) map[Decision]int {
	t.Helper()
	var mu sync.Mutex
	counts := map[Decision]int{}
	now := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(store *Redis) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				d, err := store.Decide(patient(t), limits, now)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				counts[d]++
				mu.Unlock()
			}
		}(stores[w%len(stores)])
	}
	wg.Wait()
	return counts
}

// TestQuotaUsedIsSet: both stores read a quota's count of the current period, and set it as UpdateUsage does:
// a key granted more than its limit is admitted for it, a key left none is refused.
func TestQuotaUsedIsSet(t *testing.T) {
	for name, store := range map[string]Store{"memory": NewMemory(), "redis": newRedisStore(t, redistest.Start(t))} {
		t.Run(name, func(t *testing.T) {
			now := time.Now().UTC() // Redis expires the count when its real period ends
			q := QuotaLimit{Key: "quota/p1/k1", Quota: Quota{Limit: 3, Period: Day}}
			limits := Limits{Quota: &q}
			decide := func(n int) (allowed int) {
				t.Helper()
				for range n {
					d, err := store.Decide(patient(t), limits, now)
					if err != nil {
						t.Fatal(err)
					}
					if d == Allow {
						allowed++
					}
				}
				return allowed
			}
			if got := decide(2); got != 2 {
				t.Fatalf("admitted %d of 2 under a limit of 3", got)
			}
			if used, err := store.QuotaUsed(context.Background(), q, now); err != nil || used != 2 {
				t.Errorf("used %d, %v; want 2", used, err)
			}
			for _, tt := range []struct {
				used      int64
				n, admits int
			}{
				{-2, 7, 5}, // 5 remaining: an extension beyond the limit
				{3, 1, 0},  // none remaining
				{0, 4, 3},
			} {
				if err := store.SetQuotaUsed(context.Background(), q, tt.used, now); err != nil {
					t.Fatal(err)
				}
				if got := decide(tt.n); got != tt.admits {
					t.Errorf("with %d used, admitted %d of %d, want %d", tt.used, got, tt.n, tt.admits)
				}
			}
		})
	}
}
