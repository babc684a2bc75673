package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"

	"github.com/tollgate-gw/tollgate/extproc/authz"
	"github.com/tollgate-gw/tollgate/extproc/cache"
	"github.com/tollgate-gw/tollgate/extproc/lambda"
	"github.com/tollgate-gw/tollgate/extproc/mapping"
	"github.com/tollgate-gw/tollgate/extproc/parametermapping"
	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/extproc/validation"
	"github.com/tollgate-gw/tollgate/internal/admin"
	"github.com/tollgate-gw/tollgate/internal/check"
	"github.com/tollgate-gw/tollgate/internal/config"
	"github.com/tollgate-gw/tollgate/internal/dashboard"
	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/management"
	"github.com/tollgate-gw/tollgate/internal/metrics"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/openapi"
	"github.com/tollgate-gw/tollgate/internal/source"
	"github.com/tollgate-gw/tollgate/internal/state"
	"github.com/tollgate-gw/tollgate/internal/tracing"
	"github.com/tollgate-gw/tollgate/internal/websocket"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
	"github.com/tollgate-gw/tollgate/ratelimit"
	"github.com/tollgate-gw/tollgate/xds/server"
	"github.com/tollgate-gw/tollgate/xds/translate"
)

// ControlPlane is a running control plane: it loads the configuration, serves it over xDS, answers the admin
// endpoints and reloads when a file changes. `tollgate serve` is this alone; `tollgate run` adds a supervised Envoy.
type ControlPlane struct {
	log        *slog.Logger
	configFile string
	loader     *source.Loader
	xds        *server.Server
	extProc    *processor.Server
	cache      *cache.Service
	authz      *authz.Server
	metrics    *metrics.Server
	dashboard  *dashboard.Dashboard
	management *management.Auth
	restAPIs   *management.Service
	state      state.Store
	tracer     *tracing.Tracer
	limiter    *ratelimit.Limiter
	watcher    *source.Watcher
	webSocket  *websocket.Server
	// webSocketListening tells the WebSocket service listens: from the first load with a WebSocket API on.
	webSocketListening bool
	ctx                context.Context

	// reloading serializes loads and their publishing, so that a load never publishes over a newer one; managed
	// is what the last load read of the management API's state, generation counts the loads published.
	reloading  sync.Mutex
	managed    management.State
	generation int
	// testInvocations are the management API's test invocations in flight, by token: every load serves them
	// until each is done.
	testInvocations map[string]management.Deployed
	mu              sync.Mutex
	current         *source.Loaded

	wg   sync.WaitGroup
	errs chan error
}

// Start loads configFile and starts serving it; it fails if the configuration is invalid or an address is taken.
// Everything stops when ctx is done; Wait returns then.
func Start(ctx context.Context, configFile string, log *slog.Logger) (*ControlPlane, error) {
	cfg, err := config.Load(configFile)
	if err != nil {
		return nil, err
	}
	store, err := rateLimitStore(cfg, log)
	if err != nil {
		return nil, err
	}
	// The state comes first: the APIs the management API deployed are served with the file's from the start.
	st, err := stateStore(cfg, store, log)
	if err != nil {
		return nil, err
	}
	started := false
	defer func() {
		if !started {
			st.Close() // a file store's lock, which another Start in this process would wait for
		}
	}()
	c := &ControlPlane{log: log, configFile: configFile, loader: source.New(), xds: server.New(log), state: st, errs: make(chan error, 4), ctx: ctx}
	c.restAPIs = management.New(st, c, nil, cfg.AWS.AccountID)
	loaded, err := c.load()
	if err != nil {
		return nil, err
	}
	c.current = loaded
	c.restAPIs.Set(loaded.Gateway, cfg.AWS.AccountID, cfg.Domain)
	c.logWarnings(loaded)
	cfg = loaded.Config
	if c.cache, err = cache.New(cacheStore(store, log), cfg.Cache.EncryptionKeyBytes(), log); err != nil {
		return nil, err
	}
	c.extProc = processor.New(log, []processor.Service{lambda.Service{}, mapping.Service{Log: log}, parametermapping.Service{}},
		[]processor.Wrapper{c.cache}, []processor.Check{validation.Check{Log: log}})
	// One limiter behind both enforcement points: the key check decides the methods that require a key, the
	// rate-limit service the others.
	c.limiter = ratelimit.NewLimiter(store)
	c.authz = authz.New(c.limiter, authorizerResults(store, log), log)
	c.metrics = metrics.New()
	c.authz.Invoked = c.metrics.AuthorizerCalled
	c.tracer = tracing.New(log)
	c.authz.Tracer, c.cache.Tracer = c.tracer, c.tracer
	c.dashboard = dashboard.New(dashboard.Sources{Metrics: c.metrics.Gatherer(), Quotas: c.limiter.QuotaUse, Envoys: c.xds.Envoys, Ready: c.xds.Ready}, log)
	c.management = management.NewAuth(managementKeys(cfg))
	c.management.LogMode(log)
	c.webSocket = websocket.New(websocket.Options{Domain: cfg.Domain, Region: cfg.AWS.Region, AccountID: cfg.AWS.AccountID,
		IdleTimeout: cfg.WebSocket.IdleTimeout, MaxDuration: cfg.WebSocket.MaxConnectionDuration, Logger: log,
		Registry: connectionRegistry(store, log), Counted: c.metrics.WebSocketCounted,
		Limit: func(ctx context.Context, route, keyID, planID string) (bool, int, string) {
			d := c.limiter.Decide(ctx, route, keyID, planID)
			if d == ratelimit.Allow {
				return false, 0, ""
			}
			resp := d.Response()
			return true, int(resp.Status), resp.Message
		}})
	if err := c.setServices(loaded.Snapshot); err != nil {
		return nil, err
	}
	if err := c.xds.Update(ctx, translate.Translate(loaded.Snapshot), cfg.Listen); err != nil {
		return nil, err
	}
	xdsLis, err := net.Listen("tcp", cfg.XDS)
	if err != nil {
		return nil, fmt.Errorf("xDS server: %w", err)
	}
	adminLis, err := net.Listen("tcp", cfg.Admin)
	if err != nil {
		xdsLis.Close()
		return nil, fmt.Errorf("admin server: %w", err)
	}
	if c.watcher, err = source.NewWatcher(log, c.Reload); err != nil {
		xdsLis.Close()
		adminLis.Close()
		return nil, err
	}
	c.watcher.Watch(loaded.Files)
	c.goRun(func() error {
		return c.xds.Serve(ctx, xdsLis, c.extProc.Register, c.authz.Register, ratelimit.NewServer(c.limiter).Register, c.metrics.Register)
	})
	c.goRun(func() error {
		handlers := map[string]http.Handler{
			"GET /usageplans/{planId}/usage":                                      c.limiter.UsageHandler(),
			"PATCH /usageplans/{planId}/keys/{keyId}/usage":                       c.limiter.UpdateUsageHandler(),
			"DELETE /restapis/{restapi_id}/stages/{stage_name}/cache/authorizers": admin.StageFlush(log, "the authorizer cache", c.authz.FlushAuthorizers),
			"DELETE /restapis/{restapi_id}/stages/{stage_name}/cache/data":        admin.StageFlush(log, "the stage cache", c.cache.Flush),
			// Every other path: API Gateway's operations not served yet, named.
			"/": management.NotServed(),
		}
		maps.Copy(handlers, c.restAPIs.Handlers())
		// AWS's paths are the management API's, which only its callers may call.
		for pattern, h := range handlers {
			handlers[pattern] = c.management.Wrap(h)
		}
		handlers["GET /metrics"] = c.metrics.Handler()
		handlers["GET /dashboard"] = c.dashboard.Page()
		handlers["GET /dashboard/data"] = c.dashboard.Data()
		return admin.Serve(ctx, adminLis, admin.Handler(c.xds.Ready, handlers))
	})
	if err := c.listenWebSocket(cfg, loaded.Snapshot); err != nil {
		xdsLis.Close()
		adminLis.Close()
		return nil, err
	}
	c.goRun(func() error { c.watcher.Run(ctx); return nil })
	if w, ok := st.(state.Watcher); ok {
		// Another control plane's write through the management API: served here too.
		c.goRun(func() error { w.Watch(ctx, c.Reload); return nil })
	}
	c.goRun(func() error { c.dashboard.Run(ctx); return nil })
	c.goRun(func() error { <-ctx.Done(); c.tracer.Close(); return nil })
	c.goRun(func() error { return c.authz.RefreshKeys(ctx) })
	log.Info("control plane started", "xds", cfg.XDS, "admin", cfg.Admin, "apis", len(cfg.APIs))
	started = true
	return c, nil
}

// listenWebSocket starts the WebSocket service's listener once a configuration has a WebSocket API (so that a
// gateway without any takes no port for it), and its part in the connection registry.
func (c *ControlPlane) listenWebSocket(cfg *config.Config, snap *ir.Snapshot) error {
	if c.webSocketListening || len(snap.WebSockets) == 0 {
		return nil
	}
	lis, err := net.Listen("tcp", cfg.WebSocket.Listen)
	if err != nil {
		return fmt.Errorf("WebSocket service: %w", err)
	}
	c.webSocketListening = true
	c.goRun(func() error { c.webSocket.Run(c.ctx); return nil })
	srv := &http.Server{Handler: c.webSocket, ReadHeaderTimeout: 10 * time.Second}
	c.goRun(func() error {
		if err := srv.Serve(lis); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("WebSocket service: %w", err)
		}
		return nil
	})
	c.goRun(func() error {
		<-c.ctx.Done()
		// Hijacked connections are the service's to close, each with its $disconnect.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.webSocket.Shutdown(ctx)
		return srv.Shutdown(ctx)
	})
	c.log.Info("WebSocket service listening", "address", cfg.WebSocket.Listen)
	return nil
}

// CloseWebSockets closes the WebSocket service's connections (1001, going away), each with its $disconnect, within
// ctx: `tollgate run` does it before it stops its Envoy, which their close frames pass through.
func (c *ControlPlane) CloseWebSockets(ctx context.Context) { c.webSocket.Shutdown(ctx) }

func (c *ControlPlane) goRun(f func() error) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		if err := f(); err != nil {
			c.errs <- err
		}
	}()
}

// Config is the configuration being served.
func (c *ControlPlane) Config() *config.Config {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.current.Config
}

// Ready reports whether every Envoy serves the newest configuration.
func (c *ControlPlane) Ready() (bool, string) { return c.xds.Ready() }

// Wait blocks until every server has stopped and returns the first failure.
func (c *ControlPlane) Wait() error {
	c.wg.Wait()
	close(c.errs)
	errs := []error{c.state.Close()}
	for err := range c.errs {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// rateLimitStore is Redis when the config names one (every node then shares the limits), else memory.
func rateLimitStore(cfg *config.Config, log *slog.Logger) (ratelimit.Store, error) {
	if cfg.Redis == "" {
		return ratelimit.NewMemory(), nil
	}
	if u, err := url.Parse(cfg.Redis); err == nil {
		log.Info("throttles, quotas, authorizer answers and stage caches are kept in Redis", "redis", u.Redacted())
	}
	return ratelimit.NewRedis(cfg.Redis, log)
}

// stateStore keeps what the management API writes where the limiter keeps its state: in Redis every control plane
// of the fleet serves one state; else in a file in stateDir.
func stateStore(cfg *config.Config, store ratelimit.Store, log *slog.Logger) (state.Store, error) {
	if r, ok := store.(*ratelimit.Redis); ok {
		log.Info("what the management API writes is kept in Redis, shared by every control plane using it")
		return state.NewRedis(r.Client()), nil
	}
	return state.OpenFile(cfg.StateDir)
}

// cacheStore keeps the stage caches where the limiter keeps its state: in Redis every node shares them.
func cacheStore(store ratelimit.Store, log *slog.Logger) cache.Store {
	if r, ok := store.(*ratelimit.Redis); ok {
		return cache.NewRedis(r.Client(), log)
	}
	return cache.NewMemory()
}

// connectionRegistry keeps which node holds each WebSocket connection where the limiter keeps its state: in Redis
// an @connections call reaching any node reaches the connection.
func connectionRegistry(store ratelimit.Store, log *slog.Logger) websocket.Registry {
	if r, ok := store.(*ratelimit.Redis); ok {
		return websocket.NewRedis(r.Client(), log)
	}
	return websocket.Memory{}
}

// authorizerResults keeps authorizer answers where the limiter keeps its state: in Redis every node shares them.
func authorizerResults(store ratelimit.Store, log *slog.Logger) authz.Results {
	if r, ok := store.(*ratelimit.Redis); ok {
		return authz.NewRedisResults(r.Client(), log)
	}
	return authz.NewMemoryResults()
}

// stateTimeout bounds a load's read of the management API's state: a store that does not answer (Redis down)
// must not hold the file's APIs back.
const stateTimeout = 2 * time.Second

// load loads the config file and the management API's state as stored. When the store cannot be read, the state
// is that of the last read (none at start), and the failure is logged: a Redis outage neither stops the file's
// APIs nor takes the management API's away; the store's watcher reloads once it answers again.
func (c *ControlPlane) load() (*source.Loaded, error) {
	ctx, cancel := context.WithTimeout(context.Background(), stateTimeout)
	defer cancel()
	st, err := c.restAPIs.State(ctx)
	if err != nil {
		c.log.Error("cannot read the management API's state; serving it as last read", "err", err)
		st = c.managed
	}
	loaded, err := c.loader.LoadWith(c.configFile, c.managedOf(st))
	if err == nil {
		c.managed = st
	}
	return loaded, err
}

// Check is management.Serving's: whether the configuration with the management API's state as given loads, and
// how to serve what it loaded once the state is stored; should another load be published first, serving loads
// afresh, with the store's state.
func (c *ControlPlane) Check(st management.State) (func(), error) {
	c.reloading.Lock()
	defer c.reloading.Unlock()
	start := time.Now()
	loaded, err := c.loader.LoadWith(c.configFile, c.managedOf(st))
	if err != nil {
		return nil, err
	}
	loadTime, generation := time.Since(start), c.generation
	return func() {
		c.reloading.Lock()
		if c.generation != generation {
			c.reloading.Unlock()
			c.Reload()
			return
		}
		defer c.reloading.Unlock()
		c.managed = st
		c.publish(loaded, time.Now().Add(-loadTime), loadTime)
	}, nil
}

// Import is management.Serving's: a definition the management API imports goes through the importer and the
// model check a file's definition does.
func (c *ControlPlane) Import(definition []byte) (*tollgatev1.RestApi, []string, error) {
	api, warnings, err := openapi.Import("definition", definition)
	if err == nil {
		err = check.Gateway(&tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{api}})
	}
	if err != nil {
		return nil, nil, err
	}
	var out []string
	for _, w := range warnings {
		out = append(out, w.Pointer+": "+w.Reason)
	}
	return api, out, nil
}

// managedOf is what the source loads of the management API's state, with the test invocations in flight; the
// caller holds c.reloading.
func (c *ControlPlane) managedOf(st management.State) source.Managed {
	out := source.Managed{APIKeys: st.APIKeys, UsagePlans: st.UsagePlans}
	deployments := st.Deployments
	for _, token := range slices.Sorted(maps.Keys(c.testInvocations)) {
		deployments = append(deployments, c.testInvocations[token])
	}
	for _, d := range deployments {
		out.Deployments = append(out.Deployments, source.Deployment{APIID: d.APIID, File: d.File(), Definition: d.Definition, Stages: d.Stages, HTTP: d.HTTP, WebSocket: d.WebSocket})
	}
	return out
}

// TestInvoke is management.Serving's: d is served beside the rest until invoke, given an Envoy's listener, is
// done. Its load's problems are the answer, and nothing changes then.
func (c *ControlPlane) TestInvoke(d management.Deployed, invoke func(listen string) error) error {
	token := d.Stages[0].GetTestInvokeToken()
	c.reloading.Lock()
	if c.testInvocations == nil {
		c.testInvocations = map[string]management.Deployed{}
	}
	c.testInvocations[token] = d
	start := time.Now()
	loaded, err := c.load()
	if err != nil {
		delete(c.testInvocations, token)
		c.reloading.Unlock()
		return err
	}
	c.publish(loaded, start, time.Since(start))
	c.reloading.Unlock()
	defer func() {
		c.reloading.Lock()
		delete(c.testInvocations, token)
		c.reloading.Unlock()
		c.Reload()
	}()
	listen, err := c.servingEnvoy(testInvokeWait)
	if err != nil {
		return err
	}
	return invoke(listen)
}

// TestInvokeAuthorizer is management.Serving's: d is loaded beside what is served, serving nothing, and its
// method's authorizer judges the request, with the authorizer service's own code.
func (c *ControlPlane) TestInvokeAuthorizer(d management.Deployed, in management.AuthorizerInvocation) (management.AuthorizerResult, error) {
	c.reloading.Lock()
	managed := c.managedOf(c.managed)
	managed.Deployments = append(managed.Deployments, source.Deployment{APIID: d.APIID, File: d.File(), Definition: d.Definition, Stages: d.Stages})
	loaded, err := c.loader.LoadWith(c.configFile, managed)
	c.reloading.Unlock()
	if err != nil {
		return management.AuthorizerResult{}, err
	}
	token := d.Stages[0].GetTestInvokeToken()
	i := slices.IndexFunc(loaded.Snapshot.Routes(), func(r *ir.Route) bool { return r.TestInvokeToken == token && r.Authorizer != nil })
	if i < 0 {
		return management.AuthorizerResult{}, errors.New("the test invocation's method has no authorizer")
	}
	route := loaded.Snapshot.Routes()[i]
	headers := &corev3.HeaderMap{Headers: []*corev3.HeaderValue{{Key: ":authority", RawValue: []byte(d.APIID + "." + loaded.Config.Domain)}}}
	for _, name := range slices.Sorted(maps.Keys(in.Headers)) {
		for _, v := range in.Headers[name] {
			headers.Headers = append(headers.Headers, &corev3.HeaderValue{Key: strings.ToLower(name), RawValue: []byte(v)})
		}
	}
	hr := &authv3.AttributeContext_HttpRequest{Method: http.MethodGet, Path: "/" + names.TestInvokeStage + in.Path, Protocol: "HTTP/1.1",
		HeaderMap: headers, Body: in.Body}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := c.authz.TestAuthorizer(ctx, route, hr, testInvokeSourceIP)
	return management.AuthorizerResult{Status: res.Status, PrincipalID: res.PrincipalID, Policy: res.Policy, Context: res.Context,
		Latency: res.Latency, Failure: res.Failure}, err
}

// testInvokeSourceIP is a test invocation's $context.identity.sourceIp, as AWS's.
const testInvokeSourceIP = "test-invoke-source-ip"

// testInvokeWait bounds how long a test invocation waits for an Envoy to accept the configuration serving it.
const testInvokeWait = 5 * time.Second

// servingEnvoy is the listener address of an Envoy that has accepted the configuration last published, once one
// has: an Envoy of the configured listener if there is one.
func (c *ControlPlane) servingEnvoy(limit time.Duration) (string, error) {
	for deadline := time.Now().Add(limit); ; time.Sleep(5 * time.Millisecond) {
		listen := ""
		for _, e := range c.xds.Envoys() {
			if e.Current && (listen == "" || e.Listen == "") {
				listen = cmp.Or(e.Listen, c.Config().Listen)
			}
		}
		if listen != "" {
			return listen, nil
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no Envoy accepted the configuration within %v", limit)
		}
	}
}

// managementKeys are the management API's credentials in cfg.
func managementKeys(cfg *config.Config) management.Keys {
	keys := management.Keys{Secrets: map[string]string{}, Region: cfg.AWS.Region}
	for _, c := range cfg.Management.Credentials {
		keys.Secrets[c.AccessKeyID] = c.SecretAccessKey
	}
	return keys
}

// logWarnings logs what a load accepted without serving, once per load.
func (c *ControlPlane) logWarnings(l *source.Loaded) {
	for _, w := range l.Warnings {
		c.log.Warn("loaded with a warning", "file", w.File, "pointer", w.Pointer, "reason", w.Reason)
	}
}

// setServices hands a snapshot to the ext services and the limiter behind them: every consumer of a
// configuration gets the same snapshot, the translator too.
func (c *ControlPlane) setServices(snap *ir.Snapshot) error {
	if err := c.extProc.SetSnapshot(snap); err != nil {
		return err
	}
	if err := c.authz.SetSnapshot(snap); err != nil {
		return err
	}
	c.limiter.SetSnapshot(snap)
	c.webSocket.Update(snap)
	c.metrics.SetSnapshot(snap)
	c.dashboard.SetSnapshot(snap)
	c.tracer.SetCollector(snap.TracingCollector)
	return nil
}

// restoreServices hands the ext services the snapshot being served again, after a new one failed to publish.
func (c *ControlPlane) restoreServices() {
	if err := c.setServices(c.current.Snapshot); err != nil {
		c.log.Error("cannot restore the previous configuration in the ext services", "err", err)
	}
}

// Reload loads the files again. An invalid change is logged, problem by problem, and the running configuration
// stays exactly as it was.
func (c *ControlPlane) Reload() {
	c.reloading.Lock()
	defer c.reloading.Unlock()
	start := time.Now()
	loaded, err := c.load()
	loadTime := time.Since(start)
	if err != nil {
		var probs diag.Problems
		if errors.As(err, &probs) {
			for _, p := range probs {
				c.log.Error("invalid change rejected; still serving the previous configuration", "file", p.File, "pointer", p.Pointer, "reason", p.Reason)
			}
		} else {
			c.log.Error("invalid change rejected; still serving the previous configuration", "err", err)
		}
		return
	}
	c.publish(loaded, start, loadTime)
}

// publish serves a loaded configuration; the caller holds c.reloading.
func (c *ControlPlane) publish(loaded *source.Loaded, start time.Time, loadTime time.Duration) {
	c.generation++
	c.logWarnings(loaded)
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.current.Config
	if loaded.Config.Redis != old.Redis {
		c.log.Warn("a redis change takes effect after a restart; everything else is reloaded now")
	}
	if loaded.Config.WebSocket.Listen != old.WebSocket.Listen && c.webSocketListening {
		c.log.Warn("a webSocket.listen change takes effect after a restart")
		loaded.Config.WebSocket.Listen = old.WebSocket.Listen
	}
	if loaded.Config.Listen != old.Listen || loaded.Config.XDS != old.XDS || loaded.Config.Admin != old.Admin || loaded.Config.EnvoyAdmin != old.EnvoyAdmin {
		c.log.Warn("listen, xds, admin and envoyAdmin changes take effect after a restart; APIs are reloaded now")
		loaded.Config.Listen, loaded.Config.XDS, loaded.Config.Admin, loaded.Config.EnvoyAdmin = old.Listen, old.XDS, old.Admin, old.EnvoyAdmin
	}
	// The ext services learn new routes and keys before Envoy can send requests on them; the routes a reload
	// removes stay known to ext_proc until the next, for the last requests of the connections Envoy drains.
	if err := c.setServices(loaded.Snapshot); err != nil {
		c.log.Error("cannot serve the new configuration; still serving the previous one", "err", err)
		c.restoreServices()
		return
	}
	if err := c.xds.Update(context.Background(), translate.Translate(loaded.Snapshot), loaded.Config.Listen); err != nil {
		c.restoreServices()
		c.log.Error("cannot publish the new configuration; still serving the previous one", "err", err)
		return
	}
	if err := c.listenWebSocket(loaded.Config, loaded.Snapshot); err != nil {
		c.log.Error("the WebSocket service cannot listen: its APIs' connections fail until a restart", "err", err)
	}
	c.current = loaded
	c.management.Set(managementKeys(loaded.Config))
	c.restAPIs.Set(loaded.Gateway, loaded.Config.AWS.AccountID, loaded.Config.Domain)
	c.watcher.Watch(loaded.Files)
	c.log.Info("configuration reloaded", "apis", len(loaded.Config.APIs), "load", loadTime.Round(time.Millisecond), "publish", (time.Since(start) - loadTime).Round(time.Millisecond))
}
