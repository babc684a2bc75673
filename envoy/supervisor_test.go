package envoy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestBackoffNext(t *testing.T) {
	b := backoff{min: 100 * time.Millisecond, max: 5 * time.Second, stable: 30 * time.Second}
	tests := []struct {
		name         string
		prev, uptime time.Duration
		want         time.Duration
	}{
		{"first crash", 0, time.Millisecond, 100 * time.Millisecond},
		{"doubles", 100 * time.Millisecond, time.Second, 200 * time.Millisecond},
		{"doubles again", 1600 * time.Millisecond, time.Second, 3200 * time.Millisecond},
		{"capped", 3200 * time.Millisecond, time.Second, 5 * time.Second},
		{"stays capped", 5 * time.Second, time.Second, 5 * time.Second},
		{"reset after a stable run", 5 * time.Second, 30 * time.Second, 100 * time.Millisecond},
		{"just short of stable", 5 * time.Second, 30*time.Second - time.Millisecond, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.next(tt.prev, tt.uptime); got != tt.want {
				t.Errorf("next(%v, %v) = %v, want %v", tt.prev, tt.uptime, got, tt.want)
			}
		})
	}
}

func TestEnvoyLevel(t *testing.T) {
	tests := []struct {
		line string
		want slog.Level
	}{
		{"[2026-01-02 03:04:05.678][42][warning][config] [source/x.cc:1] gRPC config stream closed", slog.LevelWarn},
		{"[2026-01-02 03:04:05.678][42][error][main] boom", slog.LevelError},
		{"[2026-01-02 03:04:05.678][42][critical][assert] assert failure", slog.LevelError},
		{"[2026-01-02 03:04:05.678][42][debug][upstream] x", slog.LevelDebug},
		{"[2026-01-02 03:04:05.678][42][trace][upstream] x", slog.LevelDebug},
		{"[2026-01-02 03:04:05.678][42][info][main] starting", slog.LevelInfo},
		{"configuration 'x.json' OK", slog.LevelInfo},
		{"[only][two]", slog.LevelInfo},
		{"[unterminated", slog.LevelInfo},
		{"", slog.LevelInfo},
	}
	for _, tt := range tests {
		if got := envoyLevel(tt.line); got != tt.want {
			t.Errorf("envoyLevel(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}

func TestLineWriter(t *testing.T) {
	long := strings.Repeat("x", maxLine+10)
	tests := []struct {
		name   string
		writes []string
		want   []string
	}{
		{"one line per write", []string{"a\n", "b\n"}, []string{"a", "b"}},
		{"line split across writes", []string{"hel", "lo\nwor", "ld\n"}, []string{"hello", "world"}},
		{"several lines in one write", []string{"a\nb\nc\n"}, []string{"a", "b", "c"}},
		{"CRLF", []string{"a\r\n"}, []string{"a"}},
		{"empty line kept", []string{"\n"}, []string{""}},
		{"last line without newline flushed", []string{"a\nb"}, []string{"a", "b"}},
		{"overlong line cut", []string{long}, []string{long}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			w := &lineWriter{emit: func(l string) { got = append(got, l) }}
			for _, s := range tt.writes {
				if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			w.flush()
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("lines = %q, want %q", got, tt.want)
			}
		})
	}
}

// recorder is a slog.Handler that keeps records for assertions.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	return nil
}

// find returns the first record whose message is msg.
func (r *recorder) find(msg string) (slog.Record, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range r.records {
		if rec.Message == msg {
			return rec, true
		}
	}
	return slog.Record{}, false
}

func (r *recorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, rec := range r.records {
		out = append(out, rec.Message)
	}
	return out
}

func attr(rec slog.Record, key string) string {
	var v string
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

// writeScript writes a shell script standing in for Envoy.
func writeScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fake-envoy")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// startSupervisor runs s in the background and returns a channel of started PIDs, a stop func that cancels
// Run and returns its result, and the log recorder.
func startSupervisor(t *testing.T, s *Supervisor) (pids <-chan int, stop func() error, rec *recorder) {
	t.Helper()
	rec = &recorder{}
	s.Log = slog.New(rec)
	ch := make(chan int, 100)
	s.OnStart = func(pid int) { ch <- pid }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stopped := false
	stop = func() error {
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return within 10s of cancel")
			return nil
		}
	}
	t.Cleanup(func() {
		if !stopped {
			_ = stop()
		}
	})
	return ch, stop, rec
}

func nextPID(t *testing.T, pids <-chan int) int {
	t.Helper()
	select {
	case pid := <-pids:
		return pid
	case <-time.After(5 * time.Second):
		t.Fatal("no process started within 5s")
		return 0
	}
}

// waitFor polls cond until it holds or 5s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// assertReaped checks that pid no longer exists at all: not running, not a zombie.
func assertReaped(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process %d still exists after Run returned (kill 0: %v)", pid, err)
	}
}

// dead reports whether pid is gone or a zombie. A killed grandchild is reparented to PID 1, which may be
// slow or (in containers) never reap it, so a zombie counts as dead.
func dead(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && fields[0] == "Z"
}

func TestSupervisorLogsEveryLinePrefixed(t *testing.T) {
	bin := writeScript(t, `for a in "$@"; do echo "arg $a"; done
echo "to stdout"
echo "[2026-01-02 03:04:05.678][7][error][main] to stderr" >&2
printf "no newline at exit"
`)
	s := &Supervisor{Binary: bin, ConfigPath: "/etc/bootstrap.json", Args: []string{"--concurrency", "1"}}
	pids, stop, rec := startSupervisor(t, s)
	nextPID(t, pids)
	waitFor(t, "the exit to be logged", func() bool { _, ok := rec.find("envoy exited unexpectedly; restarting"); return ok })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}

	want := []struct {
		msg   string
		level slog.Level
	}{
		{"envoy: arg -c", slog.LevelInfo},
		{"envoy: arg /etc/bootstrap.json", slog.LevelInfo},
		{"envoy: arg --log-level", slog.LevelInfo},
		{"envoy: arg warn", slog.LevelInfo},
		{"envoy: arg --disable-hot-restart", slog.LevelInfo},
		{"envoy: arg --file-flush-interval-msec", slog.LevelInfo},
		{"envoy: arg 1000", slog.LevelInfo},
		{"envoy: arg --concurrency", slog.LevelInfo},
		{"envoy: arg 1", slog.LevelInfo},
		{"envoy: to stdout", slog.LevelInfo},
		{"envoy: [2026-01-02 03:04:05.678][7][error][main] to stderr", slog.LevelError},
		{"envoy: no newline at exit", slog.LevelInfo},
	}
	for _, w := range want {
		r, ok := rec.find(w.msg)
		if !ok {
			t.Errorf("no log record %q; got %q", w.msg, rec.messages())
			continue
		}
		if r.Level != w.level {
			t.Errorf("%q logged at %v, want %v", w.msg, r.Level, w.level)
		}
	}
}

func TestSupervisorRestartsAfterCrash(t *testing.T) {
	bin := writeScript(t, "echo crashing; exit 3\n")
	s := &Supervisor{Binary: bin, ConfigPath: "x.json", backoff: backoff{min: 10 * time.Millisecond, max: 40 * time.Millisecond, stable: time.Minute}}
	pids, stop, rec := startSupervisor(t, s)
	seen := map[int]bool{}
	for len(seen) < 4 {
		seen[nextPID(t, pids)] = true
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	r, ok := rec.find("envoy exited unexpectedly; restarting")
	if !ok {
		t.Fatalf("crash not logged; got %q", rec.messages())
	}
	if got := attr(r, "exit"); got != "exit status 3" {
		t.Errorf("exit attr = %q, want %q", got, "exit status 3")
	}
	if r.Level != slog.LevelWarn {
		t.Errorf("crash logged at %v, want WARN", r.Level)
	}
	for pid := range seen {
		assertReaped(t, pid)
	}
}

func TestSupervisorStopsOnCancel(t *testing.T) {
	tests := []struct {
		name     string
		body     string // starts a child, writes its PID to $PIDFILE, then waits
		wantKill bool   // SIGKILL needed after the grace period
	}{
		{"exits on SIGTERM", `sleep 60 & echo $! > "$PIDFILE"; wait` + "\n", false},
		// Ignored signals are inherited, so the sleep ignores SIGTERM too: only SIGKILL after the grace period
		// stops either, and it must reach the child through the process group.
		{"ignores SIGTERM", `trap '' TERM; sleep 60 & echo $! > "$PIDFILE"; wait` + "\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pidFile := filepath.Join(t.TempDir(), "child.pid")
			bin := writeScript(t, "PIDFILE="+pidFile+"\n"+tt.body)
			s := &Supervisor{Binary: bin, ConfigPath: "x.json", GracePeriod: 300 * time.Millisecond}
			pids, stop, rec := startSupervisor(t, s)
			pid := nextPID(t, pids)
			var child int
			waitFor(t, "the script to start its child", func() bool {
				b, err := os.ReadFile(pidFile)
				child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
				return err == nil && child > 0
			})
			if err := stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			assertReaped(t, pid)
			waitFor(t, "the child to die with its group", func() bool { return dead(child) })
			if _, killed := rec.find("envoy did not exit after SIGTERM; killing it"); killed != tt.wantKill {
				t.Errorf("SIGKILL used = %v, want %v", killed, tt.wantKill)
			}
			select {
			case extra := <-pids:
				t.Errorf("process %d started after cancel", extra)
			default:
			}
		})
	}
}

func TestSupervisorCannotStart(t *testing.T) {
	tests := []struct {
		name    string
		s       Supervisor
		wantErr string
	}{
		{"no binary", Supervisor{ConfigPath: "x.json"}, "Binary and ConfigPath are required"},
		{"no config", Supervisor{Binary: "/bin/true"}, "Binary and ConfigPath are required"},
		{"missing binary", Supervisor{Binary: "/nonexistent/envoy", ConfigPath: "x.json"}, "/nonexistent/envoy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Run() = %v, want error containing %q", err, tt.wantErr)
			}
		})
	}
}

// helperEnv makes the test binary act as a Tollgate that supervises $helperEnv and prints Envoy's PID.
const helperEnv = "TOLLGATE_ENVOY_TEST_SUPERVISE"

func TestMain(m *testing.M) {
	if bin := os.Getenv(helperEnv); bin != "" {
		s := &Supervisor{Binary: bin, ConfigPath: "x.json", OnStart: func(pid int) { fmt.Println(pid) }}
		_ = s.Run(context.Background())
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// Envoy must not outlive a Tollgate that is killed outright and gets no chance to stop it.
func TestSupervisedProcessDiesWithSupervisor(t *testing.T) {
	helper := exec.Command(os.Args[0], "-test.run=^$")
	helper.Env = append(os.Environ(), helperEnv+"="+writeScript(t, "exec sleep 60\n"))
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = helper.Process.Kill()
		t.Fatalf("supervisor printed no PID: %v", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(line))
	_ = helper.Process.Kill()
	_ = helper.Wait()
	waitFor(t, fmt.Sprintf("supervised process %d to die with its supervisor", pid), func() bool { return dead(pid) })
}

// Lines that are not Envoy's log (a stage's access log to stdout) go to AccessLog as they are; Envoy's own to Log.
func TestAccessLogLines(t *testing.T) {
	var logged, out strings.Builder
	s := &Supervisor{Log: slog.New(slog.NewTextHandler(&logged, nil)), AccessLog: &out}
	for _, line := range []string{
		"[2026-12-02 16:15:37.271][30107][warning][main] caught ENVOY_SIGTERM",
		`203.0.113.9 - - [02/Dec/2026:16:15:37 +0000] "GET /pets HTTP/1.1" 200 12 abc abc`,
		"[02/Dec/2026:16:15:37 +0000] GET /pets",
	} {
		s.emitLine(line)
	}
	if want := "203.0.113.9 - - [02/Dec/2026:16:15:37 +0000] \"GET /pets HTTP/1.1\" 200 12 abc abc\n[02/Dec/2026:16:15:37 +0000] GET /pets\n"; out.String() != want {
		t.Errorf("access log output %q, want %q", out.String(), want)
	}
	if !strings.Contains(logged.String(), "caught ENVOY_SIGTERM") || strings.Contains(logged.String(), "GET /pets") {
		t.Errorf("log: %s; want Envoy's line only", logged.String())
	}
}
