// Command templates times Tollgate's VTL engine against LocalStack's (airspeed-ext, in .tools/airspeed) on the
// same mapping templates and inputs, in one run: the template AWS's console generates for passing a request
// through, a #foreach over 100 items, nested $input.path, and $util.parseJson with the object rebuilt. Both
// render from the body's text, as a request does. It prints each engine's time per rendering, Tollgate's
// allocations, the ratio, and whether both rendered the same output (whitespace aside).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/vtl"
	"github.com/tollgate-gw/tollgate/internal/vtl/apigw"
)

// benchCase is one template and the request it renders for. Pairs keep their order, as a request's do.
type benchCase struct {
	Name           string                 `json:"name"`
	Template       string                 `json:"template"`
	Body           string                 `json:"body"`
	Params         map[string][][2]string `json:"params"`
	StageVariables [][2]string            `json:"stageVariables"`
	Context        map[string]any         `json:"context"`
}

type airspeedResult struct {
	NsPerOp float64 `json:"nsPerOp"`
	Output  string  `json:"output"`
}

func main() {
	dir := flag.String("cases", "tools/bench/templates/cases", "the directory of the cases' templates")
	airspeedDir := flag.String("airspeed", ".tools/airspeed", "where airspeed-ext is installed (make bench installs it)")
	budget := flag.Duration("time", 300*time.Millisecond, "how long to time each case on each engine in each round")
	rounds := flag.Int("rounds", 5, "how many times to time each case on each engine, keeping the best")
	profile := flag.String("cpuprofile", "", "write a CPU profile of Tollgate's renderings to this file")
	only := flag.String("case", "", "time only the case of this name (to profile one)")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "templates:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(*dir, *airspeedDir, *only, *rounds, *budget); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "templates:", err)
		os.Exit(1)
	}
}

func run(dir, airspeedDir, only string, rounds int, budget time.Duration) error {
	cases, err := loadCases(dir)
	if err != nil {
		return err
	}
	if only != "" {
		cases = slices.DeleteFunc(cases, func(c benchCase) bool { return c.Name != only })
		if len(cases) == 0 {
			return fmt.Errorf("no case %q", only)
		}
	}
	// The machine's other work only ever adds time: each engine's figure is its best of the rounds, which take
	// turns so that a slow spell falls on both.
	theirs := map[string]airspeedResult{}
	ours := map[string]testing.BenchmarkResult{}
	outputs := map[string]string{}
	for range rounds {
		round, err := timeAirspeed(cases, dir, airspeedDir, budget)
		if err != nil {
			return err
		}
		for name, a := range round {
			if best, ok := theirs[name]; !ok || a.NsPerOp < best.NsPerOp {
				theirs[name] = a
			}
		}
		for _, c := range cases {
			result, output, err := timeTollgate(c, budget)
			if err != nil {
				return fmt.Errorf("%s: %w", c.Name, err)
			}
			if best, ok := ours[c.Name]; !ok || result.NsPerOp() < best.NsPerOp() {
				ours[c.Name] = result
			}
			outputs[c.Name] = output
		}
	}
	fmt.Printf("VTL rendering, Tollgate (Go %s, GOMAXPROCS %d) vs LocalStack's airspeed-ext (CPython), same templates and inputs, best of %d rounds\n\n",
		runtime.Version(), runtime.GOMAXPROCS(0), rounds)
	fmt.Printf("| case | Tollgate | allocs | bytes | airspeed | Tollgate faster by | same output |\n|---|---|---|---|---|---|---|\n")
	for _, c := range cases {
		a, o := theirs[c.Name], ours[c.Name]
		same := "yes"
		if squash(outputs[c.Name]) != squash(a.Output) {
			same = "NO"
			fmt.Fprintf(os.Stderr, "%s renders differently:\nTollgate: %s\nairspeed: %s\n", c.Name, outputs[c.Name], a.Output)
		}
		fmt.Printf("| %s | %s | %d | %d | %s | %.0f× | %s |\n", c.Name, duration(float64(o.NsPerOp())), o.AllocsPerOp(), o.AllocedBytesPerOp(),
			duration(a.NsPerOp), a.NsPerOp/float64(o.NsPerOp()), same)
	}
	return nil
}

// timeTollgate renders the case with a fresh $input each time, as each request has its own.
func timeTollgate(c benchCase, budget time.Duration) (testing.BenchmarkResult, string, error) {
	tpl, err := vtl.Parse(c.Template)
	if err != nil {
		return testing.BenchmarkResult{}, "", err
	}
	params := apigw.Params{Path: pairs(c.Params["path"]), QueryString: pairs(c.Params["querystring"]), Header: pairs(c.Params["header"])}
	context, _ := vtl.FromJSON(c.Context).(*vtl.Map)
	stageVariables := pairs(c.StageVariables)
	render := func() (string, error) {
		input := apigw.NewInput(c.Body, params)
		defer input.Release()
		return tpl.Render(map[string]any{
			"input": input, "util": apigw.Util{Input: input}, "context": context, "stageVariables": stageVariables,
		}, vtl.DefaultLimits)
	}
	output, err := render()
	if err != nil {
		return testing.BenchmarkResult{}, "", err
	}
	testing.Init()
	if err := flag.Set("test.benchtime", budget.String()); err != nil {
		return testing.BenchmarkResult{}, "", err
	}
	result := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := render(); err != nil {
				b.Fatal(err)
			}
		}
	})
	return result, output, nil
}

func timeAirspeed(cases []benchCase, dir, airspeedDir string, budget time.Duration) (map[string]airspeedResult, error) {
	if _, err := os.Stat(filepath.Join(airspeedDir, "airspeed")); err != nil {
		return nil, fmt.Errorf("airspeed-ext is not installed at %s: run make bench, which installs it", airspeedDir)
	}
	file, err := os.CreateTemp("", "tollgate-vtl-cases-*.json")
	if err != nil {
		return nil, err
	}
	defer os.Remove(file.Name())
	if err := json.NewEncoder(file).Encode(cases); err != nil {
		return nil, err
	}
	file.Close()
	script := filepath.Join(filepath.Dir(dir), "airspeed_bench.py")
	cmd := exec.Command("python3", script, file.Name(), fmt.Sprint(budget.Seconds()))
	cmd.Env = append(os.Environ(), "PYTHONPATH="+airspeedDir)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("airspeed: %w", err)
	}
	results := map[string]airspeedResult{}
	return results, json.Unmarshal(out, &results)
}

func pairs(kv [][2]string) *vtl.Map {
	m := vtl.NewMap()
	for _, p := range kv {
		m.Put(p[0], p[1])
	}
	return m
}

// squash drops whitespace: the engines' whitespace around directives may differ, their content must not.
func squash(s string) string {
	return strings.Join(strings.Fields(s), "")
}

func duration(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}
