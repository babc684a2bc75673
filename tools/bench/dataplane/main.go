// Command dataplane measures what Tollgate costs on the data plane: it drives the same load through a bare Envoy
// with a hand-written static config and through Tollgate's Envoy route to the same backend, in one run, and
// reports requests/s, p50 and p99 of each and their ratio. It also measures how long a definition change takes to
// be served. `make bench` runs it.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tollgate-gw/tollgate/envoy"
)

func main() {
	if addr := os.Getenv(noopServiceEnv); addr != "" {
		if err := serveNoop(addr); err != nil {
			fmt.Fprintln(os.Stderr, "no-op service:", err)
			os.Exit(1)
		}
		return
	}
	duration := flag.Duration("duration", 10*time.Second, "load per target per round")
	rounds := flag.Int("rounds", 3, "rounds, alternating targets so drift hits both alike")
	conns := flag.Int("connections", 32, "concurrent keep-alive connections")
	tollgateBin := flag.String("tollgate", "bin/tollgate", "the tollgate binary")
	reloads := flag.Int("reloads", 20, "definition changes timed for the reload-latency figure")
	flag.IntVar(&extraAPIs, "apis", 0, "extra APIs of 10 methods each deployed beside the measured one, to time reloads at scale")
	generator := flag.String("generator", os.Getenv("LOAD_GENERATOR"), "an external load generator printing fortio-format JSON "+
		"(e.g. Nighthawk with --output-format fortio); run as `sh -c \"GENERATOR [-H 'Host: H'] URL\"`; default: the built-in one")
	flag.StringVar(&profileFile, "cpuprofile", "", "write a CPU profile of Tollgate, taken during the first run of the phase's second target (keyed+throttled, a cache hit), to this file")
	phases := flag.String("phases", "dataplane,instructions,floor,lambda,keyed,authorized,jwt,templated,cached,https,compression,reload,deploy,websocket", "the measurements to make, comma-separated")
	flag.IntVar(&idleWebSockets, "idle", 10000, "idle WebSocket connections held open for the WebSocket phase's memory figure")
	deployments := flag.Int("deployments", 20, "create-deployments timed for the deployment-latency figure, with 1 and with 1,000 APIs deployed")
	flag.Parse()
	for _, p := range strings.Split(*phases, ",") {
		enabled[strings.TrimSpace(p)] = true
	}
	if *generator != "" {
		loadFunc = external(*generator)
	}
	if err := run(*duration, *rounds, *conns, *tollgateBin, *reloads, *deployments); err != nil {
		fmt.Fprintln(os.Stderr, "dataplane:", err)
		os.Exit(1)
	}
}

// profileFile, when set, receives Tollgate's CPU profile during the keyed phase (from its admin /debug/pprof).
var profileFile string

// idleWebSockets is how many idle connections the WebSocket phase opens.
var idleWebSockets int

// enabled holds the phases to run: dataplane, instructions, floor, lambda, keyed, authorized, jwt, templated, cached, https, compression, reload, deploy, websocket.
var enabled = map[string]bool{}

func run(duration time.Duration, rounds, conns int, tollgateBin string, reloads, deployments int) error {
	envoyBin, err := envoy.Find("")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "tollgate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	backendAddr, err := startBackend(ctx)
	if err != nil {
		return err
	}
	bare, barePid, err := startBareEnvoy(ctx, envoyBin, dir, backendAddr, "", "")
	if err != nil {
		return err
	}
	gw, err := startTollgate(ctx, tollgateBin, envoyBin, filepath.Join(dir, "gateway"), backendAddr, gatewayOptions{})
	if err != nil {
		return err
	}
	defer gw.stop()
	if enabled["dataplane"] {
		// The same gateway without the metrics' access log, and with a stage access log beside it; and the floor of
		// the metrics' design, a bare Envoy sending a one-field line per request as the metrics' log is sent.
		quiet, err := startTollgate(ctx, tollgateBin, envoyBin, filepath.Join(dir, "quiet"), backendAddr, gatewayOptions{config: "metrics: {enabled: false}\n"})
		if err != nil {
			return err
		}
		logged, err := startTollgate(ctx, tollgateBin, envoyBin, filepath.Join(dir, "logged"), backendAddr, gatewayOptions{
			prodStage: fmt.Sprintf("accessLogSettings: {format: %q, destination: %q}", clfFormat, filepath.Join(dir, "logged", "access.log"))})
		if err != nil {
			quiet.stop()
			return err
		}
		sink, sinkPid, err := startNoopService(ctx)
		if err != nil {
			return err
		}
		_, sinkPort, _ := net.SplitHostPort(sink)
		bareLogged, bareLoggedPid, err := startBareEnvoy(ctx, envoyBin, dir, backendAddr, bareOTLPLog, fmt.Sprintf(sinkCluster, sinkPort))
		if err != nil {
			return err
		}
		err = compareDataPlane(duration, rounds, conns, dataPlaneTargets{
			bare: bare, bareLogged: bareLogged, gw: gw, quiet: quiet, logged: logged,
			bareCPU:       func() (time.Duration, time.Duration) { return 0, processCPU(barePid) },
			bareLoggedCPU: func() (time.Duration, time.Duration) { return processCPU(sinkPid), processCPU(bareLoggedPid) },
		})
		quiet.stop()
		logged.stop()
		if err != nil {
			return err
		}
	}
	if enabled["instructions"] {
		if err := countEnvoyInstructions(ctx, tollgateBin, envoyBin, dir, backendAddr); err != nil {
			return err
		}
	}
	var fl *floor
	if enabled["floor"] {
		f, err := measureFloor(ctx, envoyBin, dir, backendAddr)
		if err != nil {
			return err
		}
		fl = &f
	}
	if enabled["lambda"] || enabled["keyed"] || enabled["authorized"] || enabled["jwt"] || enabled["templated"] || enabled["cached"] {
		if err := measureExtensions(ctx, tollgateBin, envoyBin, dir, backendAddr, fl); err != nil {
			return err
		}
	}
	if enabled["compression"] {
		if err := compareCompression(ctx, tollgateBin, envoyBin, dir, backendAddr, duration); err != nil {
			return fmt.Errorf("compression: %w", err)
		}
	}
	if enabled["https"] {
		if err := compareHTTPS(ctx, tollgateBin, envoyBin, dir, backendAddr, duration, rounds, conns); err != nil {
			return fmt.Errorf("https: %w", err)
		}
	}
	if enabled["reload"] {
		lat, err := gw.reloadLatencies(reloads)
		if err != nil {
			return err
		}
		fmt.Printf("Reload with %d APIs: definition change to served, %d changes: p50 %s, p99 %s, max %s\n", 1+extraAPIs, len(lat), pct(lat, 50), pct(lat, 99), pct(lat, 100))
	}
	if enabled["websocket"] {
		if err := measureWebSockets(ctx, tollgateBin, envoyBin, dir, backendAddr, idleWebSockets, duration); err != nil {
			return fmt.Errorf("websocket: %w", err)
		}
	}
	if enabled["deploy"] {
		for _, others := range []int{0, 999} {
			lat, err := deployLatencies(ctx, tollgateBin, envoyBin, dir, backendAddr, deployments, others)
			if err != nil {
				return err
			}
			fmt.Printf("create-deployment to Envoy serving it, %d deployed APIs, %d deployments: p50 %s, p99 %s, max %s\n", 1+others, len(lat), pct(lat, 50), pct(lat, 99), pct(lat, 100))
		}
	}
	return nil
}

// dataPlaneTargets are the data plane phase's Envoys: bare, bare sending a one-field log line, Tollgate's (with its
// metrics), quiet's (without) and logged's (with its metrics and a stage access log); and the CPU the bare ones
// and the receiver of their lines have spent.
type dataPlaneTargets struct {
	bare, bareLogged       string
	gw, quiet, logged      *tollgate
	bareCPU, bareLoggedCPU func() (service, envoy time.Duration)
}

// compareDataPlane loads the targets in alternation and prints each and their ratios.
func compareDataPlane(duration time.Duration, rounds, conns int, dp dataPlaneTargets) error {
	const host = "bench.execute-api.localhost"
	targets := []target{
		{name: "bare Envoy", url: "http://" + dp.bare + "/bench"},
		// API Gateway's own URL form: Host {apiId}.{domain}, path /{stage}/{path}.
		{name: "Tollgate", url: "http://" + dp.gw.listen + "/prod/bench", host: host, gw: dp.gw},
		// The emulator form, rewritten to the one above by Envoy's Lua filter before routing.
		{name: "Tollgate /restapis", url: "http://" + dp.gw.listen + "/restapis/bench/prod/_user_request_/bench"},
		// An HTTP API's HTTP_PROXY route on its $default stage.
		{name: "Tollgate HTTP API", url: "http://" + dp.gw.listen + "/bench", host: "benchv2.execute-api.localhost"},
		{name: "Tollgate, no metrics", url: "http://" + dp.quiet.listen + "/prod/bench", host: host, gw: dp.quiet},
		{name: "Tollgate, access log", url: "http://" + dp.logged.listen + "/prod/bench", host: host, gw: dp.logged},
		{name: "bare Envoy, OTLP log", url: "http://" + dp.bareLogged + "/bench", cpu: dp.bareLoggedCPU},
	}
	targets[0].cpu = dp.bareCPU
	results, err := inTurns(loadFunc, targets, rounds, conns, duration)
	if err != nil {
		return err
	}
	fmt.Printf("Data plane: %d connections, %d rounds of %s per target, GET through Envoy to a Go backend on loopback\n", conns, rounds, duration)
	printResults(targets, results)
	compare := func(what string, a, b result) float64 {
		fmt.Printf("ratio %s: throughput %.3f, p50 %.3f, p99 %.3f\n", what, a.rps()/b.rps(),
			float64(a.percentile(50))/float64(b.percentile(50)), float64(a.percentile(99))/float64(b.percentile(99)))
		return a.rps() / b.rps()
	}
	for i, t := range targets[1:4] {
		compare(t.name+"/bare", results[i+1], results[0])
	}
	without := results[4]
	metered := compare("Tollgate with metrics/without", results[1], without)
	logged := compare("Tollgate with metrics and an access log/without", results[5], without)
	floor := compare("floor: bare Envoy sending a one-field line per request/without", results[6], results[0])
	fmt.Printf("against the floor (a line per request sent as the metrics' is): metrics %.3f, metrics and an access log %.3f\n", metered/floor, logged/floor)
	// CPU per request at a fixed rate is steadier than throughput at saturation on a shared machine; the floor's
	// is measured the same way, in the same turns.
	m, err := loadInTurn(dp.gw, targets[1], targets[4], targets[5], targets[0], targets[6])
	if err != nil {
		return err
	}
	total := func(i int) time.Duration { return (m.cpu[i][0] + m.cpu[i][1]) / time.Duration(len(m.lat[i])) }
	ratioTo := func(i, base int) float64 { return float64(total(base)) / float64(total(i)) }
	fmt.Println("The same routes at 1,000 requests/s, 2 rounds of 4 s each (the service's CPU is Tollgate's, or the floor's receiver's):")
	for i, name := range []string{"with metrics", "without", "with metrics and an access log"} {
		fmt.Printf("  %-32s %s; together %s (without/this: %.3f)\n", name+":", m.perRequest(i), total(i), ratioTo(i, 1))
	}
	for i, name := range []string{"floor: bare Envoy", "floor: bare Envoy, OTLP log line"} {
		fmt.Printf("  %-32s %s; together %s (bare/this: %.3f)\n", name+":", m.perRequest(i+3), total(i+3), ratioTo(i+3, 3))
	}
	floorCPU := ratioTo(4, 3)
	fmt.Printf("CPU per request against the floor (a line per request, sent as the metrics' is): metrics %.3f, metrics and an access log %.3f\n",
		ratioTo(0, 1)/floorCPU, ratioTo(2, 1)/floorCPU)
	fmt.Println(dp.gw.envoyTimeSplit())
	fmt.Println(dp.gw.metricsAccounting())
	return nil
}

// inTurns warms each target up for a second, then loads them in turn for the rounds, so that the machine's
// drift hits all alike, and gives each target's results together.
func inTurns(loadWith func(target, int, time.Duration) (result, error), targets []target, rounds, conns int, duration time.Duration) ([]result, error) {
	for _, t := range targets {
		if _, err := loadWith(t, conns, time.Second); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
	}
	results := make([]result, len(targets))
	for r := 0; r < rounds; r++ {
		for i, t := range targets {
			res, err := loadWith(t, conns, duration)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t.name, err)
			}
			results[i].merge(res)
		}
	}
	return results, nil
}

// printResults prints a table of the targets' throughput and latencies.
func printResults(targets []target, results []result) {
	fmt.Printf("%-24s %12s %10s %10s %8s\n", "target", "requests/s", "p50", "p99", "errors")
	for i, t := range targets {
		r := results[i]
		fmt.Printf("%-24s %12.0f %10s %10s %8d\n", t.name, r.rps(), r.percentile(50), r.percentile(99), r.errors)
	}
}

// metricsAccounting compares what the metrics counted with what the Envoy served, once its last batch of log
// entries has had time to arrive: every request of the load was an API's, so none may be missing.
func (t *tollgate) metricsAccounting() string {
	time.Sleep(2 * time.Second) // Envoy flushes its access log entries every second
	stats := func(url, name string) (float64, error) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var sum float64
		for _, l := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(l, name); ok && (strings.HasPrefix(rest, "{") || strings.HasPrefix(rest, ":")) {
				_, value, _ := strings.Cut(rest, " ")
				if strings.HasPrefix(rest, ":") {
					value = strings.TrimPrefix(rest, ": ")
				}
				v, _ := strconv.ParseFloat(strings.TrimSpace(value), 64)
				sum += v
			}
		}
		return sum, nil
	}
	served, err1 := stats("http://"+t.eadm+"/stats?filter=^http.tollgate.downstream_rq_completed$", "http.tollgate.downstream_rq_completed")
	written, err2 := stats("http://"+t.eadm+"/stats?filter=access_log", "access_logs.open_telemetry_access_log.logs_written")
	dropped, err3 := stats("http://"+t.eadm+"/stats?filter=access_log", "access_logs.open_telemetry_access_log.logs_dropped")
	counted, err4 := stats("http://"+t.admin+"/metrics", "apigateway_requests_total")
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return "Metrics accounting unavailable: " + err.Error()
	}
	return fmt.Sprintf("Metrics accounting: Envoy served %.0f requests, wrote %.0f log entries and dropped %.0f; the metrics counted %.0f (missing: %.0f)",
		served, written, dropped, counted, served-counted)
}

// measureExtensions times what Tollgate's own services add: the Lambda proxy against invoking the function
// directly, and an API key check with a rate-limit decision against a passthrough route; fl, when measured, is
// what calls to a service that does nothing add.
func measureExtensions(ctx context.Context, tollgateBin, envoyBin, dir, backendAddr string, fl *floor) error {
	// A second gateway for the Lambda phase: a gateway with Lambda routes runs ext_proc in its filter chain,
	// which the data-plane comparison above must not include.
	fn, err := startLambda(ctx, dir, "echo")
	if err != nil {
		return err
	}
	authorizer, err := startLambda(ctx, dir, "authorizer")
	if err != nil {
		return err
	}
	jwksURL, idToken, err := startUserPool(ctx)
	if err != nil {
		return err
	}
	lgw, err := startTollgate(ctx, tollgateBin, envoyBin, filepath.Join(dir, "lambda"), backendAddr,
		gatewayOptions{lambdaURL: fn.invokeURL, authorizerURL: authorizer.invokeURL, jwksURL: jwksURL})
	if err != nil {
		return err
	}
	defer lgw.stop()
	if enabled["lambda"] {
		direct, get, post, err := lambdaOverhead(fn, "http://"+lgw.listen+"/prod/lambda", "bench.execute-api.localhost", 2000)
		if err != nil {
			return err
		}
		fmt.Printf("Lambda proxy, echo function under the RIE, %d sequential calls each:\n", len(direct))
		fmt.Printf("  direct Invoke:          p50 %s, p99 %s\n", pct(direct, 50), pct(direct, 99))
		fmt.Printf("  through Tollgate, GET:  p50 %s, p99 %s (added at p50: %s)\n", pct(get, 50), pct(get, 99), pct(get, 50)-pct(direct, 50))
		fmt.Printf("  through Tollgate, POST: p50 %s, p99 %s (1 KB JSON body; added at p50: %s)\n", pct(post, 50), pct(post, 99), pct(post, 50)-pct(direct, 50))
		if fl != nil {
			fmt.Printf("  of which no-op ext_proc exchanges would add %s (floor); the rest is Envoy's hop and Tollgate's work\n", fl.procP50)
		}
	}
	host := "bench.execute-api.localhost"
	plain := target{name: "passthrough", url: "http://" + lgw.listen + "/prod/bench", host: host}
	if enabled["keyed"] {
		// A keyed and throttled route against a passthrough route, at a fixed 1,000 requests/s.
		keyed := target{name: "keyed+throttled", url: "http://" + lgw.listen + "/prod/keyed", host: host, apiKey: benchKey}
		if err := compareChecks(lgw, authzFloor(fl), "API key check + rate-limit decision", plain, keyed); err != nil {
			return err
		}
	}
	if enabled["authorized"] {
		// A Lambda authorizer whose answer is cached (every request carries the same token), alone and with an
		// API key: still one call from Envoy to Tollgate.
		authorized := target{name: "cached authorizer", url: "http://" + lgw.listen + "/prod/authorized", host: host, token: "allow:bench"}
		both := target{name: "authorizer + key", url: "http://" + lgw.listen + "/prod/authorized-keyed", host: host, token: "allow:bench", apiKey: benchKey}
		if err := compareChecks(lgw, authzFloor(fl), "Lambda authorizer (cached answer)", plain, authorized, both); err != nil {
			return err
		}
	}
	if enabled["jwt"] {
		// A Cognito user pool authorizer: the token verified (RS256) in Tollgate's check on every request.
		pooled := target{name: "Cognito ID token", url: "http://" + lgw.listen + "/prod/pooled", host: host, token: idToken}
		if err := compareChecks(lgw, authzFloor(fl), "Cognito user pool authorizer", plain, pooled); err != nil {
			return err
		}
		// An HTTP API's JWT authorizer: the same token verified by Envoy's jwt_authn, no call to Tollgate.
		v2 := "benchv2.execute-api.localhost"
		open := target{name: "HTTP API", url: "http://" + lgw.listen + "/bench", host: v2}
		verified := target{name: "HTTP API + JWT", url: "http://" + lgw.listen + "/jwt", host: v2, token: idToken}
		if err := compareChecks(lgw, nil, "HTTP API JWT authorizer (Envoy's jwt_authn)", open, verified); err != nil {
			return err
		}
	}
	if enabled["templated"] {
		// An HTTP integration with a request and a response template: both ext_proc phases, bodies included.
		templated := target{name: "templated", url: "http://" + lgw.listen + "/prod/templated?q=bench", host: host}
		if err := compareChecks(lgw, mappedFloors(fl), "HTTP integration with request and response templates", plain, templated); err != nil {
			return err
		}
	}
	if enabled["cached"] {
		if err := compareCached(lgw, fl); err != nil {
			return err
		}
	}
	return nil
}

// compareCached loads a GET to a backend that takes 20 ms on a stage without a cache and on one whose cache holds
// its response, in alternation at a fixed 1,000 requests/s, 2 rounds of 4 s each; a hit is read against the
// uncached GET and against the floor's request a no-op service answers itself.
func compareCached(lgw *tollgate, fl *floor) error {
	host := "bench.execute-api.localhost"
	uncached := target{name: "uncached", url: "http://" + lgw.listen + "/prod/slow", host: host}
	hit := target{name: "cache hit", url: "http://" + lgw.listen + "/cached/slow", host: host}
	if _, err := fixedRate(hit, 10, time.Second); err != nil { // the entry, kept by the first request
		return err
	}
	m, err := loadInTurn(lgw, uncached, hit)
	if err != nil {
		return err
	}
	fmt.Printf("Stage cache, a GET to a backend that takes 20 ms, 1,000 requests/s, 2 rounds of 4 s each:\n")
	fmt.Printf("  uncached:  p50 %s, p99 %s; %s\n", pct(m.lat[0], 50), pct(m.lat[0], 99), m.perRequest(0))
	fmt.Printf("  cache hit: p50 %s, p99 %s; %s (vs uncached: p50 %.3f×, p99 %.3f×)\n", pct(m.lat[1], 50), pct(m.lat[1], 99), m.perRequest(1),
		float64(pct(m.lat[1], 50))/float64(pct(m.lat[0], 50)), float64(pct(m.lat[1], 99))/float64(pct(m.lat[0], 99)))
	if fl != nil {
		fmt.Printf("  cache hit vs the floor's request a no-op service answers itself (p50 %s, p99 %s): p50 %s, p99 %s\n",
			fl.answeredP50, fl.answeredP99, ratio(pct(m.lat[1], 50), fl.answeredP50), ratio(pct(m.lat[1], 99), fl.answeredP99))
	}
	return nil
}

// measured is what loadInTurn measured of each target: every latency, and the CPU Tollgate and its Envoy spent.
type measured struct {
	lat [][]time.Duration
	cpu [][2]time.Duration // Tollgate's, Envoy's
}

func (m measured) perRequest(i int) string {
	n := time.Duration(len(m.lat[i]))
	return fmt.Sprintf("CPU per request: Tollgate %s, Envoy %s", m.cpu[i][0]/n, m.cpu[i][1]/n)
}

// loadInTurn loads the targets in turn at a fixed 1,000 requests/s, 2 rounds of 4 s each, profiling Tollgate
// during the first round of the second target when -cpuprofile asks.
func loadInTurn(lgw *tollgate, targets ...target) (measured, error) {
	m := measured{lat: make([][]time.Duration, len(targets)), cpu: make([][2]time.Duration, len(targets))}
	for round := 0; round < 2; round++ {
		for i, t := range targets {
			cpu := lgw.cpuSplit
			switch {
			case t.cpu != nil:
				cpu = t.cpu
			case t.gw != nil:
				cpu = t.gw.cpuSplit
			}
			beforeT, beforeE := cpu()
			profiled := make(chan error, 1)
			if profileFile != "" && round == 0 && i == 1 {
				go func() { profiled <- lgw.cpuProfile(3*time.Second, profileFile) }()
			} else {
				profiled <- nil
			}
			l, err := fixedRate(t, 1000, 4*time.Second)
			if perr := <-profiled; perr != nil {
				return m, fmt.Errorf("profiling: %w", perr)
			}
			if err != nil {
				return m, fmt.Errorf("%s: %w", t.name, err)
			}
			afterT, afterE := cpu()
			m.cpu[i][0] += afterT - beforeT
			m.cpu[i][1] += afterE - beforeE
			m.lat[i] = append(m.lat[i], l...)
		}
	}
	return m, nil
}

// floorCall is what the floor measured for the kind of call a comparison adds.
type floorCall struct {
	name     string
	p50, p99 time.Duration
}

func authzFloor(fl *floor) []*floorCall {
	if fl == nil {
		return nil
	}
	return []*floorCall{{"a no-op ext_authz call", fl.authzP50, fl.authzP99}}
}

// mappedFloors are the floors of a mapped integration's exchanges: the same messages answered with nothing, and
// answered with fixed mutations of the same kind and size as a mapping's (what Envoy does with any mapping's
// answers, whoever makes them).
func mappedFloors(fl *floor) []*floorCall {
	if fl == nil {
		return nil
	}
	return []*floorCall{
		{"no-op ext_proc exchanges with the response body", fl.procBodyP50, fl.procBodyP99},
		{"the same exchanges answered with fixed mappings", fl.procMappedP50, fl.procMappedP99},
	}
}

// compareChecks loads a passthrough route and routes with checks in alternation at a fixed 1,000 requests/s, 2
// rounds of 4 s each, and prints each check's latency and CPU, and what it adds against the passthrough and
// against the floor's calls of the same kind.
func compareChecks(lgw *tollgate, floors []*floorCall, title string, plain target, checked ...target) error {
	m, err := loadInTurn(lgw, append([]target{plain}, checked...)...)
	if err != nil {
		return err
	}
	fmt.Printf("%s, 1,000 requests/s, 2 rounds of 4 s each:\n", title)
	fmt.Printf("  %-18s p50 %s, p99 %s; %s\n", plain.name+":", pct(m.lat[0], 50), pct(m.lat[0], 99), m.perRequest(0))
	for i, t := range checked {
		l := m.lat[i+1]
		added50, added99 := pct(l, 50)-pct(m.lat[0], 50), pct(l, 99)-pct(m.lat[0], 99)
		fmt.Printf("  %-18s p50 %s, p99 %s; %s (added: p50 %s, p99 %s)\n", t.name+":", pct(l, 50), pct(l, 99), m.perRequest(i+1), added50, added99)
		for _, fl := range floors {
			fmt.Printf("  %-18s added vs %s (floor): p50 %s, p99 %s\n", "", fl.name, ratio(added50, fl.p50), ratio(added99, fl.p99))
		}
	}
	return nil
}

// target is a route to load: its URL and host, and what each request carries; gw, when set, is the gateway whose
// CPU loadInTurn reads for it.
type target struct {
	name, url, host, apiKey, token string
	// dial and tls, for an HTTPS target, are where its connections go and their TLS (see httpsTransport).
	dial string
	tls  *tls.Config
	gw   *tollgate
	// cpu reads the CPU spent serving the target, when it is no Tollgate's: its service's and its Envoy's.
	cpu func() (service, envoy time.Duration)
}

// result accumulates what a load run measured: every latency with the built-in generator, or the percentiles an
// external generator reported.
type result struct {
	latencies []time.Duration
	elapsed   time.Duration
	errors    int64
	requests  int64
	reported  map[float64][]time.Duration // percentile -> one value per external run
}

func (r *result) merge(o result) {
	r.latencies = append(r.latencies, o.latencies...)
	r.elapsed += o.elapsed
	r.errors += o.errors
	r.requests += o.requests
	for p, v := range o.reported {
		if r.reported == nil {
			r.reported = map[float64][]time.Duration{}
		}
		r.reported[p] = append(r.reported[p], v...)
	}
}

func (r *result) rps() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// percentile is exact for the built-in generator; for an external one it is the mean of the runs' reports.
func (r *result) percentile(p float64) time.Duration {
	if vals, ok := r.reported[p]; ok {
		var sum time.Duration
		for _, v := range vals {
			sum += v
		}
		return (sum / time.Duration(len(vals))).Round(time.Microsecond)
	}
	return pct(r.latencies, p)
}

// loadFunc is the generator in use.
var loadFunc = load

// external runs a generator that prints fortio's JSON result format, which Nighthawk can produce too.
func external(command string) func(target, int, time.Duration) (result, error) {
	return func(t target, _ int, _ time.Duration) (result, error) {
		args := command + " " + t.url
		if t.host != "" {
			args = command + " -H 'Host: " + t.host + "' " + t.url
		}
		out, err := exec.Command("sh", "-c", args).Output()
		if err != nil {
			return result{}, fmt.Errorf("%s: %w", command, err)
		}
		var f struct {
			ActualQPS         float64
			ActualDuration    int64 // nanoseconds
			DurationHistogram struct {
				Count       int64
				Percentiles []struct{ Percentile, Value float64 }
			}
			RetCodes map[string]int64
		}
		if err := json.Unmarshal(out, &f); err != nil {
			return result{}, fmt.Errorf("%s: output is not fortio JSON: %w", command, err)
		}
		r := result{elapsed: time.Duration(f.ActualDuration), requests: f.RetCodes["200"], reported: map[float64][]time.Duration{}}
		r.errors = f.DurationHistogram.Count - r.requests
		for _, p := range f.DurationHistogram.Percentiles {
			r.reported[p.Percentile] = []time.Duration{time.Duration(p.Value * float64(time.Second))}
		}
		return r, nil
	}
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p / 100)
	return s[i].Round(time.Microsecond)
}

// load is a closed-loop generator: conns workers, each on its own keep-alive connection, send requests back to
// back for d.
func load(t target, conns int, d time.Duration) (result, error) {
	transport := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	if t.tls != nil {
		transport = httpsTransport(t, conns)
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 5 * time.Second}
	var (
		mu     sync.Mutex
		all    []time.Duration
		errs   atomic.Int64
		wg     sync.WaitGroup
		status atomic.Int64
	)
	start := time.Now()
	deadline := start.Add(d)
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1<<14)
			for time.Now().Before(deadline) {
				t0 := time.Now()
				req, err := http.NewRequest(http.MethodGet, t.url, nil)
				if err != nil {
					errs.Add(1)
					continue
				}
				req.Host = t.host
				if t.apiKey != "" {
					req.Header.Set("x-api-key", t.apiKey)
				}
				resp, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs.Add(1)
					status.Store(int64(resp.StatusCode))
					continue
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	r := result{latencies: all, elapsed: time.Since(start), errors: errs.Load(), requests: int64(len(all))}
	if len(all) == 0 {
		return r, fmt.Errorf("no successful request (last status %d)", status.Load())
	}
	return r, nil
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func startBackend(ctx context.Context) (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	body := []byte(`{"ok":true}`)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(20 * time.Millisecond) // a backend worth caching
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/large" {
			_, _ = w.Write(largeJSON) // the compression phase's
			return
		}
		_, _ = w.Write(body)
	})}
	go func() { _ = srv.Serve(l) }()
	go func() { <-ctx.Done(); srv.Close() }()
	return l.Addr().String(), nil
}

const bareEnvoyConfig = `static_resources:
  listeners:
  - name: bare
    address: {socket_address: {address: 127.0.0.1, port_value: %s}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bare
%s          route_config:
            virtual_hosts:
            - name: all
              domains: ["*"]
              routes:
              - match: {prefix: "/"}
                route: {cluster: backend}
                name: bench/prod/GET/bench
          http_filters:
          - name: envoy.filters.http.router
            typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}
  clusters:
  - name: backend
    type: STATIC
    connect_timeout: 5s
    load_assignment:
      cluster_name: backend
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: %s, port_value: %s}}}}]}]
`

// bareOTLPLog is the floor of the metrics' design: Envoy's OpenTelemetry access logger sending one field per
// request, in the metrics' batches, to the no-op service's logs service (floor.go), over a cluster of its own.
const bareOTLPLog = `          access_log:
          - name: envoy.access_loggers.open_telemetry
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.access_loggers.open_telemetry.v3.OpenTelemetryAccessLogConfig
              log_name: floor
              grpc_service: {envoy_grpc: {cluster_name: sink}}
              buffer_flush_interval: 1s
              buffer_size_bytes: 262144
              body: {string_value: "%RESPONSE_CODE%"}
`

// sinkCluster is the log receiver's cluster, HTTP/2 for gRPC, at a port.
const sinkCluster = `  - name: sink
    type: STATIC
    typed_extension_protocol_options:
      envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
        "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
        explicit_http_config: {http2_protocol_options: {}}
    load_assignment:
      cluster_name: sink
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %s}}}}]}]
`

// clfFormat is AWS's CLF example of an access log format.
const clfFormat = `$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] "$context.httpMethod $context.resourcePath $context.protocol" $context.status $context.responseLength $context.requestId`

// startBareEnvoy runs the baseline: the same Envoy binary with a static config and only the router filter, and
// accessLog (the HTTP connection manager's access_log setting, or "") with the clusters it names.
func startBareEnvoy(ctx context.Context, envoyBin, dir, backend, accessLog, clusters string) (listen string, pid int, err error) {
	if listen, err = freeAddr(); err != nil {
		return "", 0, err
	}
	_, lport, _ := net.SplitHostPort(listen)
	bhost, bport, _ := net.SplitHostPort(backend)
	pid, err = startStaticEnvoy(ctx, envoyBin, filepath.Join(dir, "bare-"+lport+".yaml"), fmt.Sprintf(bareEnvoyConfig, lport, accessLog, bhost, bport)+clusters, listen, "/bench")
	return listen, pid, err
}

// startStaticEnvoy runs Envoy on a static config written to file, and waits until each path answers 200 on
// listen. It returns Envoy's process id.
func startStaticEnvoy(ctx context.Context, envoyBin, file, config, listen string, paths ...string) (int, error) {
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		return 0, err
	}
	cmd := exec.CommandContext(ctx, envoyBin, "-c", file, "--disable-hot-restart", "--log-level", "error")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() { _ = cmd.Wait() }()
	return cmd.Process.Pid, waitFor(func() bool {
		for _, path := range paths {
			resp, err := http.Get("http://" + listen + path)
			if err != nil {
				return false
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return false
			}
		}
		return true
	})
}

func waitFor(ok func() bool) error {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return nil
		}
	}
	return fmt.Errorf("timed out waiting for readiness")
}

// extraAPIs is how many more APIs the config deploys, all from one 10-method definition.
var extraAPIs int

const scaleDefinition = `openapi: 3.0.3
info: {title: scale, version: "1"}
paths:
%s`

// httpAPIDefinition is an HTTP API with one HTTP_PROXY route, as an export writes it; its $default stage is served
// at the root.
const httpAPIDefinition = `openapi: "3.0.1"
info: {title: benchv2, version: "1"}
paths:
  /bench:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, payloadFormatVersion: "1.0", httpMethod: GET, uri: "http://${stageVariables.backend}/bench"}
`

// jwtRoute is the HTTP API's route behind a JWT authorizer of the bench user pool's issuer, which Envoy's
// jwt_authn verifies.
const jwtRoute = `  /jwt:
    get:
      security: [{users: []}]
      x-amazon-apigateway-integration: {type: http_proxy, payloadFormatVersion: "1.0", httpMethod: GET, uri: "http://${stageVariables.backend}/bench"}
components:
  securitySchemes:
    users:
      type: oauth2
      flows: {}
      x-amazon-apigateway-authorizer:
        type: jwt
        identitySource: $request.header.Authorization
        jwtConfiguration: {issuer: "` + benchIssuer + `", audience: ["` + benchAudience + `"]}
`

func writeScaleDefinition(dir, backend string) error {
	var paths strings.Builder
	for i := 0; i < 5; i++ {
		fmt.Fprintf(&paths, "  /things%d/{id}:\n", i)
		for _, m := range []string{"get", "put"} {
			fmt.Fprintf(&paths, "    %s:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: %s, uri: \"http://%s/things/{id}\", requestParameters: {integration.request.path.id: method.request.path.id}}\n", m, strings.ToUpper(m), backend)
		}
	}
	return os.WriteFile(filepath.Join(dir, "scale.yaml"), []byte(fmt.Sprintf(scaleDefinition, paths.String())), 0o600)
}

// tollgate is a `tollgate run` under measurement.
type tollgate struct {
	cmd                      *exec.Cmd
	dir, listen, admin, eadm string
	backend                  string
	paths                    string // more paths every version of the definition has
}

const benchDefinition = `openapi: 3.0.3
info: {title: bench, version: "1"}
components:
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
    tokenAuth:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:authorizer/invocations
        authorizerResultTtlInSeconds: 3600
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Bench]
paths:
  /bench:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.backend}/bench"}
%s`

// templatedPath is an HTTP integration whose request and response are both rendered from VTL templates.
const templatedPath = `  /templated:
    get:
      x-amazon-apigateway-integration:
        type: http
        httpMethod: GET
        uri: "http://${stageVariables.backend}/bench"
        requestParameters: {integration.request.querystring.q: method.request.querystring.q}
        requestTemplates:
          application/json: '{"caller": "$context.identity.sourceIp", "request": "$context.requestId", "q": "$util.escapeJavaScript($input.params(''q''))"}'
        responses:
          default:
            statusCode: "200"
            responseTemplates:
              application/json: '{"ok": $input.path(''$.ok''), "stage": "$context.stage", "path": "$context.resourcePath"}'
`

// slowPath is a backend that takes 20 ms, which the cached stage caches.
const slowPath = `  /slow:
    get:
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.backend}/slow"}
`

// keyedPath requires an API key of a plan with a throttle and a quota, all too high to refuse anything: what is
// measured is the cost of the key check and the rate-limit decision.
const keyedPath = `  /keyed:
    get:
      security: [{api_key: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.backend}/bench"}
`

// authorizedPaths are behind the e2e authorizer function, alone and with an API key, and behind a user pool.
const authorizedPaths = `  /authorized:
    get:
      security: [{tokenAuth: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.backend}/bench"}
  /authorized-keyed:
    get:
      security: [{tokenAuth: [], api_key: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.backend}/bench"}
  /pooled:
    get:
      security: [{pool: []}]
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.backend}/bench"}
`

// benchKey is the API key of the keyed routes.
const benchKey = "bench-0123456789abcdefgh"

const keyedConfig = `apiKeys: [{id: k1, name: bench, value: "` + benchKey + `", enabled: true}]
usagePlans:
  - {id: p1, name: bench, throttle: {rateLimit: 100000, burstLimit: 100000}, quota: {limit: 1000000000, period: MONTH}, apiStages: [{apiId: bench, stage: prod}], keys: [k1]}
`

const lambdaPath = `  /lambda:
    get:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations"}
    post:
      x-amazon-apigateway-integration: {type: aws_proxy, httpMethod: POST, uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:echo/invocations"}
`

// gatewayOptions are what a gateway of the bench serves beyond the passthrough routes: Lambda functions and a
// JWKS (all the checks' routes with them), settings added to the config, and settings of the prod stage.
type gatewayOptions struct {
	lambdaURL, authorizerURL, jwksURL string
	config, prodStage                 string
	// apis are more entries of the config's apis, and files the definitions they name, by file name.
	apis  string
	files map[string]string
}

func startTollgate(ctx context.Context, bin, envoyBin, dir, backend string, opts gatewayOptions) (*tollgate, error) {
	lambdaURL, authorizerURL, jwksURL := opts.lambdaURL, opts.authorizerURL, opts.jwksURL
	var addrs [4]string
	for i := range addrs {
		a, err := freeAddr()
		if err != nil {
			return nil, err
		}
		addrs[i] = a
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	t := &tollgate{dir: dir, listen: addrs[0], admin: addrs[1], eadm: addrs[3], backend: backend}
	config := fmt.Sprintf("listen: %s\nadmin: %s\nxds: %s\nenvoyAdmin: %s\n", addrs[0], addrs[1], addrs[2], addrs[3]) + opts.config
	if lambdaURL != "" {
		config += fmt.Sprintf("lambda: {functions: {echo: %q, authorizer: %q}}\n", lambdaURL, authorizerURL) + keyedConfig
		config += fmt.Sprintf("cognito: {userPools: {%q: {issuer: %q, jwksUrl: %q}}}\n", benchPoolARN, benchIssuer, jwksURL)
		t.paths = lambdaPath + keyedPath + authorizedPaths + templatedPath + slowPath
	}
	config += fmt.Sprintf("apis:\n  - id: bench\n    definition: bench.yaml\n    stages:\n      - stageName: prod\n        variables: {backend: %q}\n", backend)
	if opts.prodStage != "" {
		config += "        " + opts.prodStage + "\n"
	}
	if lambdaURL != "" {
		config += fmt.Sprintf("      - {stageName: cached, variables: {backend: %q}, cacheClusterEnabled: true}\n", backend)
	}
	config += fmt.Sprintf("  - id: benchv2\n    protocolType: HTTP\n    definition: benchv2.yaml\n    stages:\n      - stageName: $default\n        variables: {backend: %q}\n", backend)
	v2 := httpAPIDefinition
	if lambdaURL != "" { // the user pool's issuer is configured: a JWT authorizer's route too
		v2 += jwtRoute
	}
	if err := os.WriteFile(filepath.Join(dir, "benchv2.yaml"), []byte(v2), 0o600); err != nil {
		return nil, err
	}
	for i := 0; i < extraAPIs; i++ {
		config += fmt.Sprintf("  - id: scale%06d\n    definition: scale.yaml\n    stages: [{stageName: prod}]\n", i)
	}
	config += opts.apis
	for name, content := range opts.files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return nil, err
		}
	}
	if err := writeScaleDefinition(dir, backend); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tollgate.yaml"), []byte(config), 0o600); err != nil {
		return nil, err
	}
	if err := t.writeDefinition(""); err != nil {
		return nil, err
	}
	t.cmd = exec.CommandContext(ctx, bin, "run", "-c", filepath.Join(dir, "tollgate.yaml"), "--envoy", envoyBin, "--log-level", "warn")
	t.cmd.Stderr = os.Stderr
	t.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := t.cmd.Start(); err != nil {
		return nil, err
	}
	return t, waitFor(func() bool {
		resp, err := http.Get("http://" + t.admin + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func (t *tollgate) writeDefinition(extra string) error {
	// Write then rename, as editors do, so the watcher never reads half a file.
	tmp := filepath.Join(t.dir, ".bench.yaml.tmp")
	if err := os.WriteFile(tmp, []byte(fmt.Sprintf(benchDefinition, t.paths+extra)), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(t.dir, "bench.yaml"))
}

func (t *tollgate) stop() {
	_ = t.cmd.Process.Signal(syscall.SIGTERM)
	_ = t.cmd.Wait()
}

// reloadLatencies adds a new path n times and times each from the file's rename to Envoy answering 200 on it.
func (t *tollgate) reloadLatencies(n int) ([]time.Duration, error) {
	var out []time.Duration
	client := &http.Client{Timeout: time.Second}
	for i := 0; i < n; i++ {
		path := fmt.Sprintf("/new%d", i)
		extra := fmt.Sprintf("  %s:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: \"http://${stageVariables.backend}/bench\"}\n", path)
		start := time.Now()
		if err := t.writeDefinition(extra); err != nil {
			return nil, err
		}
		url := "http://" + t.listen + "/restapis/bench/prod/_user_request_" + path
		err := waitFor(func() bool {
			resp, err := client.Get(url)
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
		if err != nil {
			return nil, fmt.Errorf("change %d was not served: %w", i, err)
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

// ratio is what a gateway added over what the floor added, when both stand above the noise.
func ratio(added, floor time.Duration) string {
	if added <= 0 || floor <= 0 {
		return "n/a (within the noise)"
	}
	return fmt.Sprintf("%.2f×", float64(added)/float64(floor))
}

// cpuProfile saves a CPU profile of Tollgate over d, from its admin server.
func (t *tollgate) cpuProfile(d time.Duration, file string) error {
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", t.admin, int(d.Seconds())))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile: status %d", resp.StatusCode)
	}
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, resp.Body); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// cpuSplit is the CPU time Tollgate and its Envoy have used so far, read from /proc (Linux only; 0 elsewhere).
func (t *tollgate) cpuSplit() (tollgate, envoy time.Duration) {
	for _, child := range t.children() {
		envoy += processCPU(child)
	}
	return processCPU(t.cmd.Process.Pid), envoy
}

// children are the processes Tollgate started: its Envoy.
func (t *tollgate) children() []int {
	var pids []int
	// Any of Tollgate's threads may have started Envoy, and each thread lists its own children.
	files, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", t.cmd.Process.Pid))
	for _, file := range files {
		list, _ := os.ReadFile(file)
		for _, c := range strings.Fields(string(list)) {
			if child, err := strconv.Atoi(c); err == nil {
				pids = append(pids, child)
			}
		}
	}
	return pids
}

// processCPU reads a process's user and system time from /proc/PID/stat, in clock ticks of 10 ms (Linux's
// USER_HZ is 100 on every architecture Envoy ships for).
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, field 2, may hold spaces; the fields after its closing parenthesis are space-separated.
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// envoyTimeSplit reads Tollgate's Envoy's histograms: time from request to response at the listener vs time the
// backend took, so a user can tell the gateway's share from the upstream's.
func (t *tollgate) envoyTimeSplit() string {
	resp, err := http.Get("http://" + t.eadm + "/stats?filter=(downstream_rq_time|upstream_rq_time)$&histogram_buckets=none")
	if err != nil {
		return "Envoy stats unavailable: " + err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "http.tollgate.downstream_rq_time") || upstreamTotal(l) {
			lines = append(lines, "  "+l)
		}
	}
	return "Tollgate's Envoy, ms (downstream = whole request, upstream = backend):\n" + strings.Join(lines, "\n")
}

// upstreamTotal picks a backend cluster's overall upstream_rq_time, not its internal/external split.
func upstreamTotal(line string) bool {
	name, _, _ := strings.Cut(line, ":")
	return strings.HasPrefix(name, "cluster.http") && strings.HasSuffix(name, ".upstream_rq_time") &&
		!strings.HasSuffix(name, ".external.upstream_rq_time") && !strings.HasSuffix(name, ".internal.upstream_rq_time")
}

// fixedRate sends rate requests a second for d (open loop: a slow answer does not slow the sending) and returns
// the latency of each; any answer but 200 is an error.
func fixedRate(t target, rate int, d time.Duration) ([]time.Duration, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	defer client.CloseIdleConnections()
	interval := time.Second / time.Duration(rate)
	n := int(d / interval)
	lat := make([]time.Duration, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, t.url, nil)
			req.Host = t.host
			if t.apiKey != "" {
				req.Header.Set("x-api-key", t.apiKey)
			}
			if t.token != "" {
				req.Header.Set("Authorization", t.token)
			}
			t0 := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				errs <- err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("status %d", resp.StatusCode)
				return
			}
			lat[i] = time.Since(t0)
		}(i)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return lat, nil
}
