package e2e

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// domain is the tests' invocation domain: not the default, so that the config's domain is seen to be used.
const domain = "execute-api.e2e.test"

// gatewayConfig is tollgate.yaml as the tests write it.
type gatewayConfig struct {
	Listen     string            `yaml:"listen"`
	Admin      string            `yaml:"admin"`
	XDS        string            `yaml:"xds"`
	EnvoyAdmin string            `yaml:"envoyAdmin"`
	Domain     string            `yaml:"domain"`
	Lambda     *lambdaConfig     `yaml:"lambda,omitempty"`     // see lambda_helpers_test.go
	APIKeys    []apiKey          `yaml:"apiKeys,omitempty"`    // see apikeys_test.go
	UsagePlans []usagePlan       `yaml:"usagePlans,omitempty"` // see apikeys_test.go
	Redis      string            `yaml:"redis,omitempty"`      // see throttling_test.go
	RateLimit  *rateLimit        `yaml:"rateLimit,omitempty"`
	AWS        *awsConfig        `yaml:"aws,omitempty"`      // see templates_test.go
	VPCLinks   map[string]string `yaml:"vpcLinks,omitempty"` // see templates_test.go
	Cognito    *cognitoConfig    `yaml:"cognito,omitempty"`  // see authorizers_test.go
	IAM        *iamConfig        `yaml:"iam,omitempty"`      // see authorizers_test.go
	// TrustedProxyHops: see resource_policy_test.go.
	TrustedProxyHops int          `yaml:"trustedProxyHops,omitempty"`
	Tracing          *tracing     `yaml:"tracing,omitempty"`     // see tracing_test.go
	Management       *management  `yaml:"management,omitempty"`  // see management_test.go
	WebSocket        *webSocket   `yaml:"webSocket,omitempty"`   // see websocket_test.go
	TLS              *tlsConfig   `yaml:"tls,omitempty"`         // see domains_test.go
	DomainNames      []domainName `yaml:"domainNames,omitempty"` // see domains_test.go
	APIs             []apiConfig  `yaml:"apis"`
	// env is extra environment for the tollgate process, such as SSL_CERT_FILE.
	env []string
}

type rateLimit struct {
	FailureMode string `yaml:"failureMode"`
}

type apiConfig struct {
	ID         string            `yaml:"id"`
	Definition string            `yaml:"definition"`         // relative to the config file
	Resource   string            `yaml:"resource,omitempty"` // the API's logical id in a template
	Parameters map[string]string `yaml:"parameters,omitempty"`
	Stages     []stageConfig     `yaml:"stages"`
	// ProtocolType HTTP makes the API an HTTP API (see httpapi_test.go), WEBSOCKET a WebSocket API (see
	// websocket_test.go).
	ProtocolType string `yaml:"protocolType,omitempty"`
	// DisableExecuteAPIEndpoint serves the API on custom domains only (see domains_test.go).
	DisableExecuteAPIEndpoint bool `yaml:"disableExecuteApiEndpoint,omitempty"`
}

type stageConfig struct {
	StageName      string                   `yaml:"stageName"`
	Variables      map[string]string        `yaml:"variables,omitempty"`
	MethodSettings map[string]methodSetting `yaml:"methodSettings,omitempty"` // see throttling_test.go
	RouteSettings  map[string]methodSetting `yaml:"routeSettings,omitempty"`  // an HTTP API's, by route key
	// The stage's cache (see cache_test.go).
	CacheClusterEnabled bool   `yaml:"cacheClusterEnabled,omitempty"`
	CacheStatusHeader   string `yaml:"cacheStatusHeader,omitempty"`
	// AccessLogSettings: see accesslog_test.go.
	AccessLogSettings *accessLogSettings `yaml:"accessLogSettings,omitempty"`
	TracingEnabled    bool               `yaml:"tracingEnabled,omitempty"` // see tracing_test.go
}

// newGatewayConfig gives a config fresh ports; the caller adds the APIs.
func newGatewayConfig(t *testing.T) gatewayConfig {
	a := freeAddrs(t, 4)
	return gatewayConfig{Listen: a[0], Admin: a[1], XDS: a[2], EnvoyAdmin: a[3], Domain: domain}
}

// addrs are the addresses tollgate (and its Envoy) must release on shutdown.
func (c gatewayConfig) addrs() []string {
	addrs := []string{c.Listen, c.Admin, c.XDS, c.EnvoyAdmin}
	if c.TLS != nil {
		addrs = append(addrs, c.TLS.Listen)
	}
	return addrs
}

// tollgate is one running `tollgate run` or `tollgate serve`, with its files in dir.
type tollgate struct {
	*process
	dir        string
	configFile string
	cfg        gatewayConfig
	envoy      procInfo // the supervised Envoy (run only)
	stopped    bool
}

// writeConfig writes cfg to dir/tollgate.yaml atomically (write, then rename), as config management tools do.
func writeConfig(t *testing.T, dir string, cfg gatewayConfig) string {
	t.Helper()
	data, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "tollgate.yaml")
	tmp := filepath.Join(dir, ".tollgate.yaml.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
	return file
}

// copyTestdata copies testdata/src to dir/dst, in place (truncate and write), as an editor saving the file does.
func copyTestdata(t *testing.T, src, dir, dst string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", src))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, dst)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// startTollgate runs `tollgate MODE -c dir/tollgate.yaml`, having copied each definition (file name in dir ->
// testdata path) into dir. The test's cleanup stops it with SIGTERM and checks that nothing is left behind;
// tollgate's output is printed if the test failed.
func startTollgate(t *testing.T, mode string, cfg gatewayConfig, defs map[string]string) *tollgate {
	t.Helper()
	dir := t.TempDir()
	for dst, src := range defs {
		copyTestdata(t, src, dir, dst)
	}
	tg := &tollgate{dir: dir, cfg: cfg, configFile: writeConfig(t, dir, cfg)}
	args := []string{mode, "-c", tg.configFile}
	if mode == "run" {
		args = append(args, "--envoy", envoyBin)
	}
	// Registered before startProcess's cleanup, so it runs after it: the log printed includes the shutdown.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("tollgate %s output:\n%s", strings.Join(args, " "), tg.out.String())
		}
	})
	tg.process = startProcess(t, "tollgate "+mode, childEnv(dir, cfg.env...), tollgateBin, args...)
	t.Cleanup(func() { tg.stop(t) })
	return tg
}

// startGateway is `tollgate run` serving the given definitions, ready to take requests.
func startGateway(t *testing.T, cfg gatewayConfig, defs map[string]string) *tollgate {
	t.Helper()
	requireEnvoy(t)
	tg := startTollgate(t, "run", cfg, defs)
	tg.waitReady(t, 20*time.Second)
	tg.envoy = findEnvoyChild(t, tg.pid(), tg.dir)
	waitListening(t, tg.cfg.Listen, 5*time.Second)
	return tg
}

// waitReady polls /readyz until it answers 200.
func (tg *tollgate) waitReady(t *testing.T, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	last := "no answer yet"
	for {
		if tg.hasExited() {
			t.Fatalf("tollgate exited (%v) before /readyz answered 200", tg.err)
		}
		status, body, err := getAdmin(tg.cfg.Admin, "/readyz")
		if err == nil && status == http.StatusOK {
			return body
		}
		if err != nil {
			last = err.Error()
		} else {
			last = body
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz did not answer 200 within %v; last: %s", limit, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and checks the promise of a clean shutdown: tollgate exits with status 0 within a few
// seconds, its Envoy is gone, no Envoy with a bootstrap in the test's directory is left, the bootstrap's
// temporary directory is removed and every port is free again. It runs once, from the test or its cleanup.
func (tg *tollgate) stop(t *testing.T) time.Duration {
	t.Helper()
	if tg.stopped {
		return 0
	}
	tg.stopped = true
	took := tg.terminate(t, 15*time.Second)
	if took > 5*time.Second {
		t.Errorf("tollgate took %v to exit after SIGTERM, want a few seconds at most", took)
	}
	if tg.err != nil {
		t.Errorf("tollgate exited with %v after SIGTERM, want exit status 0", tg.err)
	}
	waitGone(t, "tollgate", tg.pid(), tg.start, 2*time.Second)
	if tg.envoy.pid != 0 {
		// tollgate reaps its Envoy before it exits, so there is no reason to wait long.
		waitGone(t, "tollgate's Envoy", tg.envoy.pid, tg.envoy.start, 2*time.Second)
	}
	for _, p := range envoyProcesses(tg.dir) {
		t.Errorf("an Envoy with a bootstrap under the test's directory is still running after tollgate exited: pid %d %q", p.pid, p.cmdline)
	}
	if left, _ := filepath.Glob(filepath.Join(tg.dir, "tollgate-envoy-*")); len(left) > 0 {
		t.Errorf("tollgate left its Envoy bootstrap directory behind: %v", left)
	}
	checkPortsReleased(t, tg.cfg.addrs()...)
	return took
}

// portOf is the port of a host:port address.
func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// url is the gateway's listener with path.
func (tg *tollgate) url(path string) string { return "http://" + tg.cfg.Listen + path }
