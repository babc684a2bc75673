package envoy

// Tests against the real Envoy binary. They fail, never skip, when it is missing: CI installs Envoy first,
// and a skipped test would hide a bootstrap Envoy rejects.

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func envoyBinary(t *testing.T) string {
	t.Helper()
	bin, err := Find("")
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// writeBootstrap writes o's bootstrap, trusting this machine's CA bundle as `tollgate run` does.
func writeBootstrap(t *testing.T, o BootstrapOptions) string {
	t.Helper()
	var err error
	if o.TrustedCA, err = SystemCABundle(); err != nil {
		t.Fatal(err)
	}
	raw, err := Bootstrap(o)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "bootstrap.json")
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// freePort returns a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func TestEnvoyAcceptsBootstrap(t *testing.T) {
	bin := envoyBinary(t)
	tests := []struct {
		name string
		opts BootstrapOptions
	}{
		{"delta, admin, listen", BootstrapOptions{NodeID: "n1", XDSAddress: "127.0.0.1:18000", AdminAddress: "127.0.0.1:9901", Delta: true, Listen: "0.0.0.0:8080"}},
		{"state of the world, no admin", BootstrapOptions{NodeID: "n2", Cluster: "edge", XDSAddress: "127.0.0.1:18000"}},
		{"xDS by host name", BootstrapOptions{NodeID: "n3", XDSAddress: "localhost:18000", Delta: true}},
		{"IPv6", BootstrapOptions{NodeID: "n4", XDSAddress: "[::1]:18000", AdminAddress: "[::1]:9901"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := writeBootstrap(t, tt.opts)
			out, err := exec.Command(bin, "--mode", "validate", "--disable-hot-restart", "-c", cfg).CombinedOutput()
			if err != nil {
				raw, _ := os.ReadFile(cfg)
				t.Fatalf("envoy --mode validate rejected the bootstrap: %v\n%s\nbootstrap:\n%s", err, out, raw)
			}
		})
	}
}

func TestSupervisorRunsRealEnvoy(t *testing.T) {
	bin := envoyBinary(t)
	admin := "127.0.0.1:" + strconv.Itoa(freePort(t))
	// Nothing serves xDS there: Envoy must still come up, wait for config and answer on its admin port.
	cfg := writeBootstrap(t, BootstrapOptions{
		NodeID:       "real-envoy-test",
		XDSAddress:   "127.0.0.1:" + strconv.Itoa(freePort(t)),
		AdminAddress: admin,
		Delta:        true,
	})
	s := &Supervisor{Binary: bin, ConfigPath: cfg}
	pids, stop, rec := startSupervisor(t, s)
	pid := nextPID(t, pids)

	var info struct {
		State string `json:"state"`
		Node  struct {
			ID string `json:"id"`
		} `json:"node"`
	}
	client := &http.Client{Timeout: time.Second}
	waitFor(t, "Envoy's admin /server_info", func() bool {
		resp, err := client.Get("http://" + admin + "/server_info")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&info) == nil
	})
	if info.Node.ID != "real-envoy-test" || info.State == "" {
		t.Errorf("server_info = %+v, want node real-envoy-test and a state", info)
	}

	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	assertReaped(t, pid)
	if _, crashed := rec.find("envoy exited unexpectedly; restarting"); crashed {
		t.Errorf("Envoy exited on its own; log: %q", rec.messages())
	}
	if _, err := client.Get("http://" + admin + "/ready"); err == nil {
		t.Errorf("admin port %s still answers after Run returned", admin)
	}
}

// Run must also stop an Envoy that is cancelled before it finished starting.
func TestSupervisorStopsRealEnvoyWhileStarting(t *testing.T) {
	bin := envoyBinary(t)
	cfg := writeBootstrap(t, BootstrapOptions{NodeID: "n", XDSAddress: "127.0.0.1:" + strconv.Itoa(freePort(t))})
	s := &Supervisor{Binary: bin, ConfigPath: cfg}
	pids, stop, _ := startSupervisor(t, s)
	pid := nextPID(t, pids)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	assertReaped(t, pid)
}

// Envoy must reach the xDS server with HTTP/2 (gRPC), whether the bootstrap names it by IP or by host name.
func TestRealEnvoyDialsXDSOverHTTP2(t *testing.T) {
	bin := envoyBinary(t)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		t.Run(host, func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			preface := make(chan string, 1)
			go func() {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, len(http2Preface))
				n, _ := io.ReadFull(c, buf)
				preface <- string(buf[:n])
			}()
			port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
			cfg := writeBootstrap(t, BootstrapOptions{NodeID: "n", XDSAddress: net.JoinHostPort(host, port), Delta: true})
			pids, stop, _ := startSupervisor(t, &Supervisor{Binary: bin, ConfigPath: cfg})
			pid := nextPID(t, pids)
			select {
			case got := <-preface:
				if got != http2Preface {
					t.Errorf("Envoy opened the xDS connection with %q, want the HTTP/2 preface", got)
				}
			case <-time.After(5 * time.Second):
				t.Error("Envoy did not connect to the xDS address within 5s")
			}
			if err := stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			assertReaped(t, pid)
		})
	}
}

const http2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
