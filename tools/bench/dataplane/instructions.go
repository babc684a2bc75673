package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/accesslog"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// The instructions phase counts what Envoy executes per request, under Valgrind's callgrind: the same requests
// take the same instructions run after run, where CPU time and throughput on a shared machine move by more than
// the differences it compares (the metrics' line, a stage's access log). Each Envoy runs under callgrind with
// its counting off; the phase sends the target warm-up requests, counts a window of requests one after the other
// on one connection and the second after them (the access loggers' batches leave within a second), and takes
// away a window of the same length with no request in it.

// countedRequests is how many requests a window counts: enough that the idle window's spread is a few
// instructions a request.
const countedRequests = 2000

// countEnvoyInstructions compares the gateway's Envoy with metrics, without, and with metrics and a stage access
// log, against the floor: a bare Envoy, one sending a one-field line per request as the metrics' line is sent,
// and one writing the same stage access log beside that line.
func countEnvoyInstructions(ctx context.Context, tollgateBin, envoyBin, dir, backendAddr string) error {
	for _, tool := range []string{"valgrind", "callgrind_control"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("the instructions phase needs %s (make valgrind installs it): %w", tool, err)
		}
	}
	dir = filepath.Join(dir, "instructions")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	wrapper := filepath.Join(dir, "envoy-under-callgrind")
	// -q: Valgrind says nothing on Envoy's stderr, which Tollgate reads as Envoy's log.
	script := fmt.Sprintf("#!/bin/sh\nexec valgrind -q --tool=callgrind --instr-atstart=no --callgrind-out-file=%s/callgrind.%%p %s \"$@\"\n", dir, envoyBin)
	if err := os.WriteFile(wrapper, []byte(script), 0o700); err != nil {
		return err
	}
	sink, _, err := startNoopService(ctx)
	if err != nil {
		return err
	}
	_, sinkPort, _ := net.SplitHostPort(sink)
	clf, err := accesslog.Parse(clfFormat)
	if err != nil {
		return err
	}
	// A stage's access log takes its stage's requests by the route's name (the cheapest test Envoy has: it has no
	// access log of a route's own), so the floor's log has the same filter, and its route the name.
	fileLog := fmt.Sprintf(`          - name: envoy.access_loggers.file
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
              path: %s
              log_format: {text_format_source: {inline_string: %q}}
            filter:
              extension_filter:
                name: envoy.access_loggers.extension_filters.cel
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.access_loggers.filters.cel.v3.ExpressionFilter
                  expression: 'xds.route_name.startsWith(%q)'
`, filepath.Join(dir, "bare-access.log"), accesslog.EnvoyFormat(clf, nil), names.StageRoutes("bench", "prod"))

	type counted struct {
		name, url, host string
		pid             int
	}
	var targets []counted
	for _, b := range []struct{ name, log, clusters string }{
		{"floor: bare Envoy", "", ""},
		{"floor: bare Envoy, a one-field line", bareOTLPLog, fmt.Sprintf(sinkCluster, sinkPort)},
		{"floor: bare Envoy, the line and the access log", bareOTLPLog + fileLog, fmt.Sprintf(sinkCluster, sinkPort)},
	} {
		addr, pid, err := startBareEnvoy(ctx, wrapper, dir, backendAddr, b.log, b.clusters)
		if err != nil {
			return fmt.Errorf("%s: %w", b.name, err)
		}
		targets = append(targets, counted{name: b.name, url: "http://" + addr + "/bench", pid: pid})
	}
	const host = "bench.execute-api.localhost"
	for _, g := range []struct {
		name string
		opts gatewayOptions
	}{
		{"Tollgate, metrics and no access log", gatewayOptions{}},
		{"Tollgate, no metrics", gatewayOptions{config: "metrics: {enabled: false}\n"}},
		{"Tollgate, metrics and a stage access log", gatewayOptions{prodStage: fmt.Sprintf("accessLogSettings: {format: %q, destination: %q}", clfFormat, filepath.Join(dir, "stage-access.log"))}},
	} {
		gw, err := startTollgate(ctx, tollgateBin, wrapper, filepath.Join(dir, strconv.Itoa(len(targets))), backendAddr, g.opts)
		if err != nil {
			return fmt.Errorf("%s: %w", g.name, err)
		}
		defer gw.stop()
		pids := gw.children()
		if len(pids) != 1 {
			return fmt.Errorf("%s: %d processes under Tollgate, want its Envoy", g.name, len(pids))
		}
		targets = append(targets, counted{name: g.name, url: "http://" + gw.listen + "/prod/bench", host: host, pid: pids[0]})
	}
	perRequest := make([]float64, len(targets))
	for i, t := range targets {
		if perRequest[i], err = countPerRequest(dir, t.url, t.host, t.pid); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
	}
	fmt.Printf("Envoy's instructions per request (callgrind, %d requests one after the other on one connection, the idle second taken away):\n", countedRequests)
	for i, t := range targets {
		fmt.Printf("  %-45s %8.0f\n", t.name+":", perRequest[i])
	}
	bare, line, lineAndLog := perRequest[0], perRequest[1], perRequest[2]
	metered, quiet, logged := perRequest[3], perRequest[4], perRequest[5]
	fmt.Printf("without/with: metrics %.3f (floor: a line %.3f), metrics and an access log %.3f (floor: the line and the log %.3f)\n",
		quiet/metered, bare/line, quiet/logged, bare/lineAndLog)
	fmt.Printf("against the floor: metrics %.3f, metrics and an access log %.3f\n", (quiet/metered)/(bare/line), (quiet/logged)/(bare/lineAndLog))
	return nil
}

// countPerRequest is the instructions Envoy (process pid, under callgrind) executes per request to url.
func countPerRequest(dir, url, host string, pid int) (float64, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	send := func(n int) error {
		for range n {
			req, _ := http.NewRequest(http.MethodGet, url, nil)
			if host != "" {
				req.Host = host
			}
			resp, err := client.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		return nil
	}
	if err := send(countedRequests / 4); err != nil { // warm: connections, caches, the first batches
		return 0, err
	}
	window := func(n int) (int64, error) {
		if err := callgrind(pid, "--instr=on"); err != nil {
			return 0, err
		}
		err := send(n)
		time.Sleep(1500 * time.Millisecond)
		if err2 := callgrind(pid, "--instr=off"); err == nil {
			err = err2
		}
		if err != nil {
			return 0, err
		}
		return dumpedInstructions(dir, pid)
	}
	loaded, err := window(countedRequests)
	if err != nil {
		return 0, err
	}
	idle, err := window(0)
	if err != nil {
		return 0, err
	}
	return float64(loaded-idle) / countedRequests, nil
}

func callgrind(pid int, args ...string) error {
	out, err := exec.Command("callgrind_control", append(args, strconv.Itoa(pid))...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("callgrind_control %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// dumpedInstructions asks callgrind for a dump of the counts since the last one (the window's) and reads its
// total. Dumps are numbered files beside the process's output file.
func dumpedInstructions(dir string, pid int) (int64, error) {
	before, _ := filepath.Glob(fmt.Sprintf("%s/callgrind.%d.*", dir, pid))
	if err := callgrind(pid, "--dump"); err != nil {
		return 0, err
	}
	file := fmt.Sprintf("%s/callgrind.%d.%d", dir, pid, len(before)+1)
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "totals: "); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s: no totals line", file)
}
