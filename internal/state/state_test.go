package state

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// stores are the stores the behaviour suite runs against, each opened on a test's own directory: the same
// directory is the same store (for Redis, the same redis-server).
var stores = map[string]func(t *testing.T, dir string) Store{
	"file": func(t *testing.T, dir string) Store {
		f, err := OpenFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		return f
	},
	"redis": func(t *testing.T, dir string) Store {
		server, ok := redisServers[dir]
		if !ok {
			server = redistest.Start(t)
			redisServers[dir] = server
		}
		client := redis.NewClient(&redis.Options{Addr: server.Addr()})
		t.Cleanup(func() { client.Close() })
		return NewRedis(client)
	},
}

// redisServers are the redis-servers of the suite's stores, by directory.
var redisServers = map[string]*redistest.Server{}

func TestStoresBehaveAlike(t *testing.T) {
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Run("update", func(t *testing.T) { testUpdate(t, open(t, t.TempDir())) })
			t.Run("concurrent", func(t *testing.T) { testConcurrent(t, open(t, t.TempDir())) })
			t.Run("reopen", func(t *testing.T) {
				dir := t.TempDir()
				s := open(t, dir)
				put(t, s, "restapis/a", "one")
				if err := s.Close(); err != nil {
					t.Fatal(err)
				}
				s = open(t, dir)
				defer s.Close()
				if got := get(t, s, "restapis/a"); got != "one" {
					t.Errorf("after reopening, restapis/a = %q, want one", got)
				}
			})
		})
	}
}

func testUpdate(t *testing.T, s Store) {
	defer s.Close()
	ctx := context.Background()
	put(t, s, "restapis/a", "one")
	put(t, s, "restapis/b", "two")
	put(t, s, "usageplans/c", "three")
	failed := errors.New("refused")
	if err := s.Update(ctx, "restapis/a", func(old []byte) ([]byte, error) { return []byte("changed"), failed }); !errors.Is(err, failed) {
		t.Errorf("a failed change returned %v, want its error", err)
	}
	if got := get(t, s, "restapis/a"); got != "one" {
		t.Errorf("a failed change left %q, want the record as it was", got)
	}
	all, err := s.All(ctx, "restapis/")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || string(all["restapis/a"]) != "one" || string(all["restapis/b"]) != "two" {
		t.Errorf("All(restapis/) = %q, want a and b only", all)
	}
	if err := s.Update(ctx, "restapis/a", func(old []byte) ([]byte, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(ctx, "restapis/a"); err != nil || v != nil {
		t.Errorf("a deleted record is %q, %v; want none", v, err)
	}
}

// testConcurrent has many writers change one record at once: every change reads the one before it.
func testConcurrent(t *testing.T, s Store) {
	defer s.Close()
	const writers = 50
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			err := s.Update(context.Background(), "counter", func(old []byte) ([]byte, error) {
				n, _ := strconv.Atoi(string(old))
				return []byte(strconv.Itoa(n + 1)), nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := get(t, s, "counter"); got != strconv.Itoa(writers) {
		t.Errorf("%d writers counted to %s", writers, got)
	}
}

func put(t *testing.T, s Store, key, value string) {
	t.Helper()
	if err := s.Update(context.Background(), key, func([]byte) ([]byte, error) { return []byte(value), nil }); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s Store, key string) string {
	t.Helper()
	v, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// TestRedisTellsOtherStores: a change through one Redis store is heard by every other store on the same Redis, not
// by the one that made it.
func TestRedisTellsOtherStores(t *testing.T) {
	dir := t.TempDir()
	writer, other := stores["redis"](t, dir).(*Redis), stores["redis"](t, dir).(*Redis)
	heard := map[*Redis]chan struct{}{writer: make(chan struct{}, 8), other: make(chan struct{}, 8)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for s, ch := range heard {
		wg.Go(func() { s.Watch(ctx, func() { ch <- struct{}{} }) })
	}
	defer wg.Wait() // after cancel, which comes first
	defer cancel()
	// Each store hears its subscription made, then the other's changes.
	for s, ch := range heard {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("store %s did not hear its subscription made", s.writer)
		}
	}
	put(t, writer, "restapis/a", "one")
	select {
	case <-heard[other]:
	case <-time.After(5 * time.Second):
		t.Fatal("the other store did not hear of the change")
	}
	select {
	case <-heard[writer]:
		t.Error("the writing store heard of its own change")
	case <-time.After(200 * time.Millisecond):
	}
}

// TestFileSurvivesKill: a process killed (SIGKILL) while it writes leaves a store that opens, holding every change
// it had committed, each record whole. The writer is this test binary again, run as a child that writes until
// it is killed and prints each change once Update has returned.
func TestFileSurvivesKill(t *testing.T) {
	if dir := os.Getenv("TOLLGATE_STATE_WRITER"); dir != "" {
		writeUntilKilled(dir)
		return
	}
	dir := t.TempDir()
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestFileSurvivesKill$")
		cmd.Env = append(os.Environ(), "TOLLGATE_STATE_WRITER="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		committed := 0
		for lines.Scan() && committed < 200*(round+1) {
			committed, _ = strconv.Atoi(lines.Text())
		}
		cmd.Process.Kill() // mid-write, most likely: the child writes without pause
		cmd.Wait()
		f, err := OpenFile(dir)
		if err != nil {
			t.Fatalf("round %d: the store does not open after a kill: %v", round, err)
		}
		all, err := f.All(context.Background(), "n/")
		if err != nil {
			t.Fatal(err)
		}
		for n := 1; n <= committed; n++ {
			if got := string(all[fmt.Sprintf("n/%08d", n)]); got != strings.Repeat(strconv.Itoa(n), 100) {
				t.Fatalf("round %d: change %d, committed before the kill, reads %q", round, n, got)
			}
		}
		f.Close()
	}
}

// writeUntilKilled writes record after record, continuing from the store's last, printing each once stored.
func writeUntilKilled(dir string) {
	f, err := OpenFile(dir)
	if err != nil {
		panic(err)
	}
	all, _ := f.All(context.Background(), "n/")
	for n := len(all) + 1; ; n++ {
		value := []byte(strings.Repeat(strconv.Itoa(n), 100))
		if err := f.Update(context.Background(), fmt.Sprintf("n/%08d", n), func([]byte) ([]byte, error) { return value, nil }); err != nil {
			panic(err)
		}
		fmt.Println(n)
	}
}
