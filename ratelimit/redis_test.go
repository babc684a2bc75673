package ratelimit

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

// redisServer is a real redis-server on a free loopback port, for the test's lifetime.
type redisServer struct {
	t    testing.TB
	port int
	args []string // more redis-server options
	cmd  *exec.Cmd
}

func startRedis(t testing.TB, args ...string) *redisServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	r := &redisServer{t: t, port: port, args: args}
	r.start()
	t.Cleanup(r.stop)
	return r
}

func (r *redisServer) start() {
	bin := os.Getenv("TOLLGATE_REDIS_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			r.t.Fatalf("these tests need Debian's redis-server (make tools installs it, or set TOLLGATE_REDIS_SERVER): %v", err)
		}
	}
	r.cmd = exec.Command(bin, append([]string{"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}, r.args...)...)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: r.addr()})
	defer c.Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatal("redis-server did not start")
		}
	}
}

func (r *redisServer) stop() {
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Kill()
		_ = r.cmd.Wait()
		r.cmd = nil
	}
}

func (r *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// startRedisCluster runs a Redis Cluster of three masters, each serving a third of the slots.
func startRedisCluster(t testing.TB) []*redisServer {
	t.Helper()
	dir := t.TempDir()
	var nodes []*redisServer
	for i := 0; i < 3; i++ {
		nodes = append(nodes, startRedis(t, "--cluster-enabled", "yes", "--cluster-node-timeout", "2000",
			"--cluster-config-file", filepath.Join(dir, "nodes-"+strconv.Itoa(i)+".conf")))
	}
	ctx := context.Background()
	for i, n := range nodes {
		c := redis.NewClient(&redis.Options{Addr: n.addr()})
		first, last := i*16384/3, (i+1)*16384/3-1
		if err := c.ClusterAddSlotsRange(ctx, first, last).Err(); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			if err := c.ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(nodes[0].port)).Err(); err != nil {
				t.Fatal(err)
			}
		}
		c.Close()
	}
	for _, n := range nodes {
		c := redis.NewClient(&redis.Options{Addr: n.addr()})
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if info, _ := c.ClusterInfo(ctx).Result(); strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the Redis Cluster did not form on %s", n.addr())
			}
		}
		c.Close()
	}
	return nodes
}

func newRedisStore(t testing.TB, r *redisServer) *Redis {
	t.Helper()
	return newStoreAt(t, "redis://"+r.addr()+"/0")
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
	srv := startRedis(t)
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
	c := redis.NewClient(&redis.Options{Addr: srv.addr()})
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
	for name, store := range map[string]Store{"memory": NewMemory(), "redis": newRedisStore(t, startRedis(t))} {
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
	srv := startRedis(t)
	stores := []*Redis{newRedisStore(t, srv), newRedisStore(t, srv)}
	limits := Limits{Buckets: []BucketLimit{{Key: "shared", Throttle: Throttle{RateLimit: 0, BurstLimit: 50}}}}
	if admitted := decideConcurrently(t, stores, limits, 20, 10)[Allow]; admitted != 50 {
		t.Errorf("admitted %d of 200 concurrent requests, want exactly the burst, 50", admitted)
	}
	c := redis.NewClient(&redis.Options{Addr: srv.addr()})
	defer c.Close()
	if ttl := c.PTTL(context.Background(), "{tollgate}:shared").Val(); ttl <= 0 {
		t.Errorf("bucket key TTL = %v, want one", ttl)
	}
}

// TestRedisOutage: with Redis down the failure mode decides, every call stays bounded by the timeout, and
// decisions resume when Redis is back.
func TestRedisOutage(t *testing.T) {
	srv := startRedis(t)
	store := newRedisStore(t, srv)
	routes := []*ir.Route{limitedRoute("r1", "GET", ir.Limits{Stage: throttleOf(10, 10)})}
	open, closed := NewLimiter(store), NewLimiter(store)
	open.SetSnapshot(&ir.Snapshot{APIs: []ir.API{{ID: "a1", Routes: routes}}, RateLimit: ir.RateLimitSettings{Timeout: ir.Duration(20 * time.Millisecond)}})
	closed.SetSnapshot(&ir.Snapshot{APIs: []ir.API{{ID: "a1", Routes: routes}}, RateLimit: ir.RateLimitSettings{FailClosed: true, Timeout: ir.Duration(20 * time.Millisecond)}})

	srv.stop()
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
	srv.start()
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
	srv := startRedis(t)
	store := newRedisStore(t, srv)
	c := redis.NewClient(&redis.Options{Addr: srv.addr()})
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
	nodes := startRedisCluster(t)
	stores := []*Redis{
		newStoreAt(t, "redis+cluster://"+nodes[0].addr()),
		newStoreAt(t, "redis+cluster://"+nodes[2].addr()+"?addr="+nodes[1].addr()),
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
