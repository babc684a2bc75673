package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"net"
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

// freeAddrs returns n distinct loopback addresses nothing listens on. All n listeners are held open until every
// port is chosen, so the kernel cannot hand out one port twice.
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	addrs := make([]string, n)
	for i := range addrs {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("choosing a free port: %v", err)
		}
		defer l.Close()
		addrs[i] = l.Addr().String()
	}
	return addrs
}

// closedAddr is a loopback address with nothing listening: a backend that is down.
func closedAddr(t *testing.T) string { return freeAddrs(t, 1)[0] }

// syncBuffer collects a child process's output; the test reads it while the process writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Len is an offset to look for output written after it, with Since.
func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *syncBuffer) Since(offset int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf.Bytes()[offset:])
}

// childEnv is the test's environment without TOLLGATE_* variables (a developer's TOLLGATE_LISTEN must not move a
// test's ports), with TMPDIR pointing into the test's directory: `tollgate run` writes Envoy's bootstrap there,
// which lets the tests find that Envoy by its command line and check the file is cleaned up.
func childEnv(tmpDir string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TOLLGATE_") && !strings.HasPrefix(kv, "TMPDIR=") {
			env = append(env, kv)
		}
	}
	return append(append(env, "TMPDIR="+tmpDir), extra...)
}

// process is a child process the test started: tollgate, or an Envoy of its own.
type process struct {
	name   string
	cmd    *exec.Cmd
	out    *syncBuffer
	done   chan struct{} // closed once the process has been reaped
	err    error         // Wait's result, valid after done
	start  uint64        // start time in /proc, to tell this process from a later one reusing its pid
	exited time.Time
}

// startProcess runs bin with args, output captured, and makes sure it does not outlive the test even when the
// test fails half-way: the cleanup kills it if the test did not stop it.
func startProcess(t *testing.T, name string, env []string, bin string, args ...string) *process {
	t.Helper()
	p := &process{name: name, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = env
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	if info, err := readProc(p.cmd.Process.Pid); err == nil {
		p.start = info.start
	}
	go func() {
		p.err = p.cmd.Wait()
		p.exited = time.Now()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.hasExited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *process) pid() int { return p.cmd.Process.Pid }

func (p *process) hasExited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// terminate sends SIGTERM and waits up to limit for the exit; a process still running then is killed and
// reported. It returns how long the exit took.
func (p *process) terminate(t *testing.T, limit time.Duration) time.Duration {
	t.Helper()
	if p.hasExited() {
		t.Errorf("%s had already exited (%v) before it was asked to stop", p.name, p.err)
		return 0
	}
	began := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("SIGTERM to %s: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(limit):
		t.Errorf("%s (pid %d) still running %v after SIGTERM; killing it", p.name, p.pid(), limit)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.exited.Sub(began)
}

// procInfo is what /proc says about a process.
type procInfo struct {
	pid, ppid int
	state     string // R, S, Z...
	start     uint64 // clock ticks since boot
	cmdline   []string
}

var errNoProcess = errors.New("no such process")

func readProc(pid int) (procInfo, error) {
	info := procInfo{pid: pid}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return info, errNoProcess
		}
		return info, err
	}
	// The command name is in parentheses and may itself contain spaces and parentheses: split after the last ')'.
	s := string(stat)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return info, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := strings.Fields(s[end+1:])
	if len(fields) < 20 {
		return info, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	info.state = fields[0]
	info.ppid, _ = strconv.Atoi(fields[1])
	info.start, _ = strconv.ParseUint(fields[19], 10, 64) // field 22 of proc(5)
	if raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
		info.cmdline = strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	}
	return info, nil
}

// allProcs lists every process visible in /proc.
func allProcs() []procInfo {
	entries, _ := os.ReadDir("/proc")
	var out []procInfo
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if info, err := readProc(pid); err == nil {
			out = append(out, info)
		}
	}
	return out
}

// alive tells whether the process that had pid and start time start still exists and has not finished. A zombie
// has finished; a pid now used by another process (another start time) means ours is gone.
func alive(pid int, start uint64) bool {
	info, err := readProc(pid)
	if err != nil {
		return false
	}
	return info.start == start && info.state != "Z"
}

// waitGone waits up to limit for a process to disappear and reports it if it does not.
func waitGone(t *testing.T, what string, pid int, start uint64, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for alive(pid, start) {
		if time.Now().After(deadline) {
			info, _ := readProc(pid)
			t.Errorf("%s (pid %d) is still running %v later: state %s, command %q", what, pid, limit, info.state, info.cmdline)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// envoyProcesses lists the running Envoys whose command line mentions dir: every Envoy a test starts has its
// bootstrap under the test's directory, so this finds them however they were started, and no one else's.
func envoyProcesses(dir string) []procInfo {
	var out []procInfo
	for _, p := range allProcs() {
		if p.state == "Z" || len(p.cmdline) == 0 || filepath.Base(p.cmdline[0]) != filepath.Base(envoyBin) {
			continue
		}
		for _, arg := range p.cmdline[1:] {
			if strings.HasPrefix(arg, dir+string(filepath.Separator)) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// findEnvoyChild waits for the Envoy that `tollgate run` (pid parent) supervises: its child running the Envoy
// binary with a bootstrap under dir.
func findEnvoyChild(t *testing.T, parent int, dir string) procInfo {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var found []procInfo
		for _, p := range envoyProcesses(dir) {
			if p.ppid == parent {
				found = append(found, p)
			}
		}
		switch {
		case len(found) == 1:
			return found[0]
		case len(found) > 1:
			t.Fatalf("tollgate (pid %d) runs %d Envoys, want one: %+v", parent, len(found), found)
		case time.Now().After(deadline):
			t.Fatalf("no Envoy child of tollgate (pid %d) with a bootstrap under %s found in /proc", parent, dir)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkPortsReleased binds every address again: an Envoy or tollgate left holding one would make that fail.
func checkPortsReleased(t *testing.T, addrs ...string) {
	t.Helper()
	for _, addr := range addrs {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("port %s is still taken after shutdown: %v", addr, err)
			continue
		}
		l.Close()
	}
}
