package ir

import (
	"cmp"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/accesslog"
	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/pathtemplate"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Settings are the runtime settings a snapshot is built with: they come from tollgate.yaml, not from the APIs'
// definitions.
type Settings struct {
	Domain    string
	Lambda    LambdaSettings
	RateLimit RateLimitSettings
	// VPCLinks maps a VPC link id to the host:port of the private backend behind it.
	VPCLinks map[string]string
	// Region and AccountID are where the APIs are deployed, as their method ARNs name it.
	Region, AccountID string
	// UserPools are where the user pools of Cognito authorizers are, by ARN.
	UserPools map[string]UserPool
	// IAM are the identities that may sign requests to methods with IAM authorization.
	IAM []IAMCredential
	// TrustedProxyHops is how many proxies before Envoy append to X-Forwarded-For.
	TrustedProxyHops uint32
	// Metrics: every Envoy reports each request for API Gateway's metrics.
	Metrics bool
	// TracingCollector is where traced stages' traces go (the config's tracing.otlp).
	TracingCollector string
	// WebSocketService is where Envoy reaches Tollgate's WebSocket service (the config's webSocket.listen).
	WebSocketService string
	// TLSListen is the HTTPS listener of the custom domain names (the config's tls.listen).
	TLSListen string
}

// LambdaSettings say where AWS_PROXY integrations invoke their functions.
type LambdaSettings struct {
	// Endpoint is the default Invoke API endpoint (AWS's regional one, or an emulator's).
	Endpoint string
	// Region signs calls to AWS endpoints.
	Region string
	// Functions maps a function name to its full invoke URL, overriding Endpoint for it.
	Functions map[string]string
}

// Build resolves a checked gateway for serving. The model check (internal/check) has already enforced API
// Gateway's rules on the model alone; Build reports what only a stage or the settings decide (a stage variable a
// stage does not define, a URI that is not one once expanded, a Lambda function Tollgate cannot reach) and the
// integration settings it cannot turn into a route, each against the definition file, all at once.
func Build(gw *tollgatev1.Gateway, settings Settings) (*Snapshot, error) {
	b := &builder{gw: gw, settings: settings, parsed: map[string]pathtemplate.Template{}, authorizers: map[authorizerKey]*Authorizer{}}
	snap := &Snapshot{Domain: settings.Domain, Grants: grants(gw), RateLimit: settings.RateLimit, IAM: settings.IAM,
		TrustedProxyHops: settings.TrustedProxyHops, Metrics: settings.Metrics}
	for _, k := range gw.GetApiKeys() {
		snap.APIKeys = append(snap.APIKeys, APIKey{ID: k.GetId(), Value: k.GetValue(), Enabled: k.GetEnabled()})
	}
	for _, p := range gw.GetUsagePlans() {
		snap.UsagePlans = append(snap.UsagePlans, UsagePlan{ID: p.GetId(), KeyIDs: p.GetKeyIds(), Quota: quota(p.GetQuota())})
	}
	canaries := canaryReleases(gw)
	files := map[string]string{} // an API's first definition, by id
	apis := slices.Clone(gw.GetApis())
	// Stable: the deployments of one API, each a model API of its own with the stages that serve it, stay in order.
	sort.SliceStable(apis, func(i, j int) bool { return apis[i].GetId() < apis[j].GetId() })
	for _, api := range apis {
		out := API{ID: api.GetId(), Name: api.GetName(), HTTPAPI: isHTTPAPI(api), CORS: corsOf(api), Models: b.apiModels(api), GatewayResponses: b.gatewayResponses(api),
			ExecuteAPIEndpointDisabled: api.GetDisableExecuteApiEndpoint()}
		resources := b.sortedResources(api)
		policy := b.resourcePolicy(api)
		for _, stage := range servedStages(api) {
			s := stageContext{api: api, stage: stage, policy: policy, canary: canaries[[2]string{api.GetId(), stage.GetStageName()}]}
			if c := stageCache(api, stage); c != nil && !s.isCanary() { // a canary uses its stage's cache, or none
				snap.Caches = append(snap.Caches, *c)
			}
			if l := b.accessLog(s); l != nil {
				snap.AccessLogs = append(snap.AccessLogs, *l)
			}
			if stage.GetTracingEnabled() {
				snap.TracingCollector = b.settings.TracingCollector
			}
			var routes []*Route
			if out.HTTPAPI {
				routes = b.httpAPIRoutes(s, resources)
			} else {
				routes = b.stageRoutes(s, resources)
			}
			for _, r := range routes {
				r.MinimumCompressionSize = api.MinimumCompressionSize
			}
			out.Routes = append(out.Routes, s.releaseRoutes(routes)...)
		}
		versionCaches(out.Routes)
		files[api.GetId()] = cmp.Or(files[api.GetId()], api.GetSourceFile())
		if n := len(snap.APIs); n > 0 && snap.APIs[n-1].ID == out.ID {
			b.mergeDeployment(&snap.APIs[n-1], out, api)
		} else {
			snap.APIs = append(snap.APIs, out)
		}
	}
	for i := range snap.APIs {
		api := &snap.APIs[i]
		b.canaryGatewayResponses(api, files[api.ID])
		// Stages' routes never match each other's paths, so putting every canary's first puts each stage's first.
		// A test invocation's match only requests with its token.
		slices.SortStableFunc(api.Routes, func(x, y *Route) int { return cmp.Compare(canaryOrder(x), canaryOrder(y)) })
	}
	if snap.WebSockets = b.webSockets(gw); len(snap.WebSockets) > 0 {
		snap.WebSocketService = b.settings.WebSocketService
	}
	if snap.DomainNames = b.domainNames(gw); len(snap.DomainNames) > 0 {
		snap.TLSListen = b.settings.TLSListen
	}
	if err := b.probs.Err(); err != nil {
		return nil, err
	}
	snap.Warnings = b.warnings
	return snap, nil
}

// mergeDeployment adds to an API the routes of another of its deployments (the management API's stages may each
// serve their own). The stages of each are their own, and so are their gateway responses; an API's models are
// shared by name, so a model that differs between deployments is refused until routes name their deployment's.
func (b *builder) mergeDeployment(into *API, other API, api *tollgatev1.RestApi) {
	into.Routes = append(into.Routes, other.Routes...)
	if !reflect.DeepEqual(into.CORS, other.CORS) {
		// Envoy's CORS policy is the API's virtual host's, for every stage.
		b.probs.Addf(api.GetSourceFile(), diag.Pointer("x-amazon-apigateway-cors"),
			"the CORS configuration differs from the one another stage of API %s serves: stages serving deployments with different CORS configurations are not supported yet", api.GetId())
	}
	for name, schema := range other.Models {
		if prev, ok := into.Models[name]; ok && prev != schema {
			b.probs.Addf(api.GetSourceFile(), diag.Pointer("components", "schemas", name),
				"model %s differs from the one another stage of API %s serves: stages serving deployments with different models are not supported yet", name, api.GetId())
			continue
		}
		if into.Models == nil {
			into.Models = map[string]string{}
		}
		into.Models[name] = schema
	}
	for stage, set := range other.GatewayResponses {
		if _, ok := into.GatewayResponses[stage]; ok {
			continue // "", a path under no stage: the first deployment's
		}
		if into.GatewayResponses == nil {
			into.GatewayResponses = map[string]gatewayresponse.Set{}
		}
		into.GatewayResponses[stage] = set
	}
}

// grants lists which plan admits each key on each API stage. API Gateway allows a key in one plan per stage; the
// first plan listed wins should a configuration say otherwise.
func grants(gw *tollgatev1.Gateway) []Grant {
	var out []Grant
	seen := map[[3]string]bool{}
	for _, p := range gw.GetUsagePlans() {
		for _, keyID := range p.GetKeyIds() {
			for _, as := range p.GetApiStages() {
				k := [3]string{keyID, as.GetApiId(), as.GetStage()}
				if !seen[k] {
					seen[k] = true
					out = append(out, Grant{KeyID: keyID, APIID: as.GetApiId(), Stage: as.GetStage(), PlanID: p.GetId()})
				}
			}
		}
	}
	return out
}

type builder struct {
	gw       *tollgatev1.Gateway
	settings Settings
	probs    diag.Problems
	warnings diag.Problems
	// parsed caches path templates by path: a definition deployed as many APIs repeats every path.
	parsed map[string]pathtemplate.Template
	// authorizers holds each stage's authorizers once resolved, shared by the routes that use them; nil for one
	// that could not be.
	authorizers map[authorizerKey]*Authorizer
}

type stageContext struct {
	api    *tollgatev1.RestApi
	stage  *tollgatev1.Stage
	policy *ResourcePolicy // the API's, nil for none
	// canary is the canary release of the stage, on the base release's entry and on the canary's; nil for none.
	canary *tollgatev1.CanaryRelease
}

func (s stageContext) file() string { return s.api.GetSourceFile() }

// isCanary tells that the stage entry is a canary release, not the stage's base release.
func (s stageContext) isCanary() bool { return s.stage.GetCanary() != nil }

// release is what names the stage entry's release in metrics, logs and caches of results: the stage's name, or
// names.CanaryStage of it for the canary.
func (s stageContext) release() string {
	if s.isCanary() {
		return names.CanaryStage(s.stage.GetStageName())
	}
	return s.stage.GetStageName()
}

// canaryReleases are the canary releases of the gateway's stages, by API id and stage name.
func canaryReleases(gw *tollgatev1.Gateway) map[[2]string]*tollgatev1.CanaryRelease {
	out := map[[2]string]*tollgatev1.CanaryRelease{}
	for _, api := range gw.GetApis() {
		for _, st := range api.GetStages() {
			if c := st.GetCanary(); c != nil {
				out[[2]string{api.GetId(), st.GetStageName()}] = c
			}
		}
	}
	return out
}

// releaseRoutes marks the routes of a stage with a canary release as the base release's or the canary's. The
// canary's are renamed under its release's name, and without the stage cache use no cache. A test invocation's are
// named under their token, which they answer only.
func (s stageContext) releaseRoutes(routes []*Route) []*Route {
	if token := s.stage.GetTestInvokeToken(); token != "" {
		for _, r := range routes {
			r.TestInvokeToken = token
			r.Name = names.StageRoutes(r.APIID, r.Stage) + "~" + token + "/" + strings.TrimPrefix(r.Name, names.StageRoutes(r.APIID, r.Stage))
		}
		return routes
	}
	if s.canary == nil {
		return routes
	}
	for _, r := range routes {
		r.Canary = &Canary{PercentTraffic: s.canary.GetPercentTraffic(), Release: s.isCanary()}
		if !s.isCanary() {
			continue
		}
		r.Name = names.StageRoutes(r.APIID, s.release()) + strings.TrimPrefix(r.Name, names.StageRoutes(r.APIID, r.Stage))
		if !s.canary.GetUseStageCache() {
			r.Cache = nil
		}
	}
	return routes
}

// canaryOrder puts a test invocation's routes first (they match only its requests), then a canary's, before the
// others.
func canaryOrder(r *Route) int {
	switch {
	case r.TestInvokeToken != "":
		return 0
	case r.isCanary():
		return 1
	}
	return 2
}

// isCanary tells that the route is a canary release's.
func (r *Route) isCanary() bool { return r.Canary != nil && r.Canary.Release }

type parsedResource struct {
	res    *tollgatev1.Resource
	tpl    pathtemplate.Template
	params []string // tpl.Params(), shared by the resource's routes
	// shadows is true when a resource later in match order could match this one's paths; then a method this
	// resource lacks must answer 403 here instead of falling through to the later resource.
	shadows bool
}

// sortedResources puts an API's resources in API Gateway's match order: static segments before {param} before
// {param+}. Paths the model check rejected are skipped.
func (b *builder) sortedResources(api *tollgatev1.RestApi) []parsedResource {
	var out []parsedResource
	for _, res := range api.GetResources() {
		tpl, ok := b.parsed[res.GetPath()]
		if !ok {
			var err error
			if tpl, err = pathtemplate.Parse(res.GetPath()); err != nil {
				b.probs.Addf(api.GetSourceFile(), diag.Pointer("paths", res.GetPath()), "%v", err)
				continue
			}
			b.parsed[res.GetPath()] = tpl
		}
		out = append(out, parsedResource{res: res, tpl: tpl, params: tpl.Params()})
	}
	sort.SliceStable(out, func(i, j int) bool { return pathtemplate.Less(out[i].tpl, out[j].tpl) })
	for i := range out {
		for _, later := range out[i+1:] {
			if pathtemplate.Overlaps(out[i].tpl, later.tpl) {
				out[i].shadows = true
				break
			}
		}
	}
	return out
}

// stageRoutes lists one stage's routes in match order.
func (b *builder) stageRoutes(s stageContext, resources []parsedResource) []*Route {
	prefix := regexp.QuoteMeta("/" + s.stage.GetStageName())
	var routes []*Route
	for _, pr := range resources {
		regex := pr.tpl.RegexUnder(prefix)
		hasAny := false
		for _, m := range orderedMethods(pr.res.GetMethods()) {
			hasAny = hasAny || m.GetHttpMethod() == "ANY"
			if r := b.methodRoute(s, pr, m, regex); r != nil {
				routes = append(routes, r)
			}
		}
		if !hasAny && pr.shadows {
			method := Method{APIID: s.api.GetId(), Stage: s.stage.GetStageName(), Resource: pr.res.GetPath(), HTTPMethod: "*"}
			routes = append(routes, &Route{Name: routeName(method), Method: method, PathRegex: regex, PathParams: pr.params,
				GatewayResponse: gatewayresponse.MissingAuthenticationToken})
		}
	}
	// A path under the stage that no resource takes is the API's 403 Missing Authentication Token, as a path under
	// no stage is, but it is the stage's request: its metrics and its access log count it.
	method := Method{APIID: s.api.GetId(), Stage: s.stage.GetStageName(), HTTPMethod: "*"}
	return append(routes, &Route{Name: routeName(method), Method: method, PathRegex: "^" + prefix + "(/.*)?$",
		GatewayResponse: gatewayresponse.MissingAuthenticationToken})
}

// orderedMethods puts ANY last: it matches only the methods the resource does not define explicitly.
func orderedMethods(methods []*tollgatev1.Method) []*tollgatev1.Method {
	out := slices.Clone(methods)
	sort.SliceStable(out, func(i, j int) bool {
		ai, aj := out[i].GetHttpMethod() == "ANY", out[j].GetHttpMethod() == "ANY"
		if ai != aj {
			return aj
		}
		return out[i].GetHttpMethod() < out[j].GetHttpMethod()
	})
	return out
}

func routeName(m Method) string {
	if m.Resource == DefaultRoute { // an HTTP API's $default route: a route key, not a path
		return names.StageRoutes(m.APIID, m.Stage) + m.HTTPMethod + "/" + m.Resource
	}
	return names.StageRoutes(m.APIID, m.Stage) + m.HTTPMethod + m.Resource
}

func (b *builder) methodRoute(s stageContext, pr parsedResource, m *tollgatev1.Method, regex string) *Route {
	method := Method{APIID: s.api.GetId(), Stage: s.stage.GetStageName(), Resource: pr.res.GetPath(), HTTPMethod: m.GetHttpMethod()}
	r := &Route{Name: routeName(method), Method: method, OperationID: m.GetOperationId(), PathRegex: regex, PathParams: pr.params,
		APIKeyRequired: m.GetApiKeyRequired(), ResourcePolicy: s.policy,
		APIKeyFromAuthorizer: m.GetApiKeyRequired() && s.api.GetApiKeySource() == tollgatev1.ApiKeySource_API_KEY_SOURCE_AUTHORIZER,
		AuthorizationScopes:  m.GetAuthorizationScopes(), Validation: validation(s.api, m)}
	integ := m.GetIntegration()
	n := len(b.probs)
	if name := m.GetAuthorizer(); name != "" && isHTTPAPI(s.api) && authorizerType(s.api, name) == tollgatev1.AuthorizerType_AUTHORIZER_TYPE_JWT {
		if r.JWT = b.jwtAuthorizer(s, name); r.JWT == nil {
			return nil
		}
	} else if name != "" {
		var ok bool
		if r.Authorizer, ok = b.authorizer(s, name); !ok {
			return nil
		}
	}
	switch integ.GetType() {
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY:
		if proxyNeedsMapping(integ, m, s) {
			r.Mapping = b.mapping(s, pr, m, integ)
		} else {
			r.HTTPProxy = b.httpProxy(s, pr, integ)
		}
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_MOCK:
		if mockNeedsMapping(integ) {
			r.Mapping = b.mapping(s, pr, m, integ)
		} else {
			r.Mock, r.GatewayResponse = b.mock(s, integ)
		}
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP, tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS:
		r.Mapping = b.mapping(s, pr, m, integ)
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS_PROXY:
		r.Lambda = b.lambda(s, integ)
	default:
		// The model check refuses these; a route Envoy cannot serve must never come out of a build.
		b.probs.Addf(s.file(), m.GetSourcePointer(), "method has no integration Tollgate serves (run the model check first)")
	}
	if p := r.HTTPProxy; p != nil && r.Authorizer == nil {
		for _, h := range p.Headers {
			if h.Source.Kind == AuthorizerValue {
				b.probs.Addf(s.file(), integ.GetSourcePointer()+diag.Pointer("requestParameters", "integration.request.header."+h.Name),
					"context.authorizer.%s: the method has no authorizer to take it from", h.Source.Value)
			}
		}
	}
	if r.Mapping == nil && usesContentHandling(integ) {
		b.probs.Addf(s.file(), integ.GetSourcePointer(), "contentHandling is not supported yet for %s integrations: Tollgate converts the payloads of HTTP, AWS and MOCK integrations", strings.TrimPrefix(integ.GetType().String(), "INTEGRATION_TYPE_"))
	}
	if mp := r.Mapping; mp != nil && r.Authorizer == nil {
		for _, p := range mp.Parameters {
			if p.Source.Kind == AuthorizerValue {
				b.probs.Addf(s.file(), integ.GetSourcePointer()+diag.Pointer("requestParameters", "integration.request."+string(p.Target)+"."+p.Name),
					"context.authorizer.%s: the method has no authorizer to take it from", p.Source.Value)
			}
		}
	}
	if len(b.probs) > n {
		return nil
	}
	r.Limits = b.limits(s, method, m.GetApiKeyRequired())
	r.Cache = b.cache(s, m, r)
	r.DetailedMetrics = detailedMetrics(s.stage, r.MethodKey())
	r.Traced = s.stage.GetTracingEnabled()
	return r
}

// limits gathers what can throttle or count the method's requests; nil when nothing can.
func (b *builder) limits(s stageContext, m Method, keyRequired bool) *Limits {
	var l Limits
	l.Account = throttle(b.gw.GetAccountThrottle())
	if settings := s.stage.GetMethodSettings(); len(settings) > 0 {
		if l.Stage = stageThrottle(settings[m.MethodKey()]); l.Stage == nil {
			// The stage default applies to each method on its own, as API Gateway's default method throttling
			// does.
			l.Stage = stageThrottle(settings["*/*"])
		}
	}
	if keyRequired {
		for _, p := range b.gw.GetUsagePlans() {
			for _, as := range p.GetApiStages() {
				if as.GetApiId() != m.APIID || as.GetStage() != m.Stage {
					continue
				}
				// A key's requests under a plan are counted for the usage report even when the plan sets no limits.
				pl := PlanLimits{Throttle: throttle(p.GetThrottle())}
				if th := as.GetThrottle()[m.MethodKey()]; th != nil {
					pl.Throttle, pl.PerMethod = throttle(th), true
				}
				pl.Quota = quota(p.GetQuota())
				if l.Plans == nil {
					l.Plans = map[string]PlanLimits{}
				}
				l.Plans[p.GetId()] = pl
			}
		}
	}
	if l.Account == nil && l.Stage == nil && l.Plans == nil {
		return nil
	}
	return &l
}

// detailedMetrics tells whether the stage's method settings (the method's own entry, else "*/*") enable the
// method's detailed metrics.
func detailedMetrics(stage *tollgatev1.Stage, methodKey string) bool {
	if v := firstSet([]*tollgatev1.MethodSetting{stage.GetMethodSettings()[methodKey], stage.GetMethodSettings()["*/*"]},
		func(ms *tollgatev1.MethodSetting) *bool { return ms.MetricsEnabled }); v != nil {
		return *v
	}
	return false
}

// stageThrottle is a methodSettings entry's throttle. An entry without throttle fields (metricsEnabled only, say)
// sets no limit of the stage's level: unset is not a limit of 0.
func stageThrottle(ms *tollgatev1.MethodSetting) *Throttle {
	if ms == nil || ms.ThrottlingRateLimit == nil || ms.ThrottlingBurstLimit == nil {
		return nil
	}
	return &Throttle{RateLimit: ms.GetThrottlingRateLimit(), BurstLimit: int(ms.GetThrottlingBurstLimit())}
}

func throttle(t *tollgatev1.ThrottleSettings) *Throttle {
	if t == nil {
		return nil
	}
	return &Throttle{RateLimit: t.GetRateLimit(), BurstLimit: int(t.GetBurstLimit())}
}

func quota(q *tollgatev1.QuotaSettings) *Quota {
	if q == nil {
		return nil
	}
	return &Quota{Limit: q.GetLimit(), Period: q.GetPeriod(), Offset: int(q.GetOffset())}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// stageVariableProblem reports stage variables a stage does not define but a value uses.
func (b *builder) stageVariableProblem(s stageContext, at, what string, missing []string) {
	b.probs.Addf(s.file(), at, "stage %q does not define stage variable(s) %s used in the %s", s.stage.GetStageName(), strings.Join(missing, ", "), what)
}

// accessLog is the stage's access log, nil for none. Its format was checked with the config; a model from
// elsewhere is checked here.
//
// A canary's log is the stage's, of its requests only, in a file of its own beside the stage's (as AWS gives it a
// log group of its own, {group}/Canary): the stage's log has its requests too. Written to stdout, the stage's
// log is the canary's.
func (b *builder) accessLog(s stageContext) *AccessLog {
	settings := s.stage.GetAccessLogSettings()
	if settings == nil || (s.isCanary() && settings.GetDestination() == StdoutDestination) {
		return nil
	}
	parts, err := accesslog.Parse(settings.GetFormat())
	if err != nil {
		b.probs.Addf(s.file(), "", "stage %s: access log: %v", s.stage.GetStageName(), err)
		return nil
	}
	destination := settings.GetDestination()
	if s.isCanary() {
		destination = CanaryLogFile(destination)
	}
	return &AccessLog{APIID: s.api.GetId(), Stage: s.release(), Destination: destination, Format: parts}
}

// StdoutDestination is the access log destination that is the output of the Envoy serving the stage.
const StdoutDestination = "stdout"

// CanaryLogFile is where a canary's access log goes when its stage's goes to the file at path: beside it, with
// -Canary before the extension (access.log, access-Canary.log).
func CanaryLogFile(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + "-Canary" + ext
}
