package envoy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Supervisor keeps one Envoy process running. Fields are read when Run starts; don't change them while it runs.
type Supervisor struct {
	Binary     string   // the Envoy binary, e.g. from Find
	ConfigPath string   // bootstrap file passed with -c
	LogLevel   string   // Envoy's --log-level; default "warn"
	Args       []string // extra arguments, appended after the ones Supervisor always passes
	// Log receives every line Envoy prints, as a record whose message is the line prefixed with "envoy: "
	// and whose level follows Envoy's own, plus the supervisor's notes on starts and exits.
	// Default slog.Default().
	Log *slog.Logger
	// GracePeriod is how long Envoy gets to exit after SIGTERM before it is killed; default 5s.
	GracePeriod time.Duration
	// OnStart, if set, is called with the PID of every Envoy process started, restarts included.
	OnStart func(pid int)
	// AccessLog, when set, receives as they are the lines Envoy prints that are not its own log's: the access
	// logs of stages whose destination is stdout. Unset, they go to Log as any other line.
	AccessLog io.Writer

	backoff backoff // restart delays; zero value means the defaults
}

// backoff spaces out restarts of an Envoy that keeps crashing, so a bad setup doesn't spin a core.
type backoff struct {
	min, max time.Duration // first delay, and the cap it doubles up to
	stable   time.Duration // a process that stayed up this long is healthy: the next delay starts at min again
}

var defaultBackoff = backoff{min: 100 * time.Millisecond, max: 5 * time.Second, stable: 30 * time.Second}

// next returns the delay before the next start, given the previous delay (0 = none yet) and how long the
// process that just exited had been running.
func (b backoff) next(prev, uptime time.Duration) time.Duration {
	if prev == 0 || uptime >= b.stable {
		return b.min
	}
	return min(2*prev, b.max)
}

// Run starts Envoy and keeps it running until ctx is done. An unexpected exit is logged and Envoy is started
// again after a backoff delay. When ctx is done, Envoy's process group gets SIGTERM, then SIGKILL once
// GracePeriod has passed; Run returns only after the process has been reaped, with nil. It returns an error
// only when the supervisor is misconfigured or Envoy cannot be started at all (missing binary, no permission):
// retrying those would not help.
func (s *Supervisor) Run(ctx context.Context) error {
	if s.Binary == "" || s.ConfigPath == "" {
		return errors.New("envoy supervisor: Binary and ConfigPath are required")
	}
	b := s.backoff
	if b == (backoff{}) {
		b = defaultBackoff
	}
	var delay time.Duration
	for ctx.Err() == nil {
		started := time.Now()
		pid, state, err := s.runOnce(ctx)
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			s.logger().Info("envoy stopped", "pid", pid, "exit", state)
			return nil
		}
		uptime := time.Since(started)
		delay = b.next(delay, uptime)
		s.logger().Warn("envoy exited unexpectedly; restarting",
			"pid", pid, "exit", state, "uptime", uptime.Round(time.Millisecond), "restart_in", delay)
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
	}
	return nil
}

// runOnce starts one Envoy process and waits for it to exit, or stops it when ctx is done. It returns the
// process's PID and how it ended; err is set only if the process could not be started.
func (s *Supervisor) runOnce(ctx context.Context) (pid int, state string, err error) {
	// Linux sends Pdeathsig when the thread that started the child ends, not the process. Go ends a thread
	// when a goroutine exits while locked to it; holding this goroutine locked until the child is reaped
	// keeps every other goroutine off the thread, so only Tollgate's own death can end it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	lines := &lineWriter{emit: s.emitLine}
	cmd := exec.Command(s.Binary, s.args()...)
	cmd.Stdout = lines // one writer for both streams: exec then shares a single pipe and keeps lines whole
	cmd.Stderr = lines
	// Don't let a child that inherited the pipe keep Wait hanging after Envoy itself is gone.
	cmd.WaitDelay = time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own process group: a terminal's Ctrl-C reaches only Tollgate, which then stops Envoy in order,
		// and stopping signals the whole group.
		Setpgid: true,
		// Envoy must not outlive Tollgate, even when Tollgate is killed without the chance to clean up.
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		return 0, "", fmt.Errorf("envoy supervisor: start %s: %w", s.Binary, err)
	}
	pid = cmd.Process.Pid
	s.logger().Info("envoy started", "pid", pid, "args", cmd.Args)
	if s.OnStart != nil {
		s.OnStart(pid)
	}

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-ctx.Done():
		err = s.stop(pid, exited)
	}
	lines.flush()
	return pid, describeExit(cmd, err), nil
}

// stop asks Envoy's process group to terminate, kills it after the grace period, and waits for the reap.
func (s *Supervisor) stop(pid int, exited <-chan error) error {
	// Signalling -pid reaches everything in Envoy's group; errors only mean it is already gone.
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	grace := s.GracePeriod
	if grace <= 0 {
		grace = 5 * time.Second
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case err := <-exited:
		return err
	case <-timer.C:
		s.logger().Warn("envoy did not exit after SIGTERM; killing it", "pid", pid, "grace", grace)
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		return <-exited
	}
}

func (s *Supervisor) args() []string {
	level := s.LogLevel
	if level == "" {
		level = "warn"
	}
	// --disable-hot-restart: hot restart coordinates through shared memory named by --base-id, so two
	// Envoys on one machine would clash; Tollgate restarts Envoy itself and has no use for it.
	// --file-flush-interval-msec: stages' access logs reach their files within a second, not Envoy's ten.
	// --drain-strategy immediate: a reload that changes the listener (its filters, local replies or access
	// logs) leaves the old listener's connections on the old configuration until they close; immediate closes
	// each after its next answer (HTTP/1.1 Connection: close, HTTP/2 GOAWAY) instead of over ten minutes, and
	// --drain-time-s closes what is still open after 5 s.
	args := []string{"-c", s.ConfigPath, "--log-level", level, "--disable-hot-restart", "--file-flush-interval-msec", "1000",
		"--drain-strategy", "immediate", "--drain-time-s", "5"}
	return append(args, s.Args...)
}

func (s *Supervisor) logger() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

func (s *Supervisor) emitLine(line string) {
	level, ok := envoyLogLevel(line)
	if !ok && s.AccessLog != nil {
		// A stage's access log to stdout: its lines are the operator's, as Envoy wrote them.
		fmt.Fprintln(s.AccessLog, line)
		return
	}
	s.logger().Log(context.Background(), level, "envoy: "+line)
}

// describeExit says how the process ended, in the words an operator wants in a log line.
func describeExit(cmd *exec.Cmd, waitErr error) string {
	ps := cmd.ProcessState
	if ps == nil {
		return fmt.Sprintf("unknown (%v)", waitErr)
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "killed by " + ws.Signal().String()
	}
	return fmt.Sprintf("exit status %d", ps.ExitCode())
}

// envoyLevel maps a line in Envoy's default log format, "[time][thread][level][logger] message", to a slog
// level so Envoy's errors stay errors in Tollgate's log. Lines in any other shape are Info.
func envoyLevel(line string) slog.Level {
	level, _ := envoyLogLevel(line)
	return level
}

// envoyLogLevel is envoyLevel, and whether the line is one of Envoy's log at all (not an access log's).
func envoyLogLevel(line string) (slog.Level, bool) {
	var fields [3]string
	rest := line
	for i := range fields {
		end := strings.IndexByte(rest, ']')
		if !strings.HasPrefix(rest, "[") || end < 0 {
			return slog.LevelInfo, false
		}
		fields[i], rest = rest[1:end], rest[end+1:]
	}
	switch fields[2] {
	case "trace", "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warning":
		return slog.LevelWarn, true
	case "error", "critical":
		return slog.LevelError, true
	}
	return slog.LevelInfo, false
}

// lineWriter cuts what a process writes into lines. exec calls Write from one goroutine at a time when
// Stdout and Stderr are the same writer, so it needs no lock.
type lineWriter struct {
	emit func(line string)
	buf  []byte
}

// maxLine bounds the memory a process that never prints a newline can make us hold.
const maxLine = 64 << 10

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.emit(strings.TrimSuffix(string(w.buf[:i]), "\r"))
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) >= maxLine {
		w.flush()
	}
	return len(p), nil
}

// flush emits a final line that had no newline.
func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}
