// Package source turns a config file into what the control plane serves: it reads the config, imports every API
// definition it names and attaches the stages (the model), runs the model check, and builds the IR snapshot every
// consumer is fed. Any problem in any file fails the whole load, so a running gateway only ever moves from one
// valid configuration to another.
package source

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/check"
	"github.com/tollgate-gw/tollgate/internal/config"
	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/openapi"
	"github.com/tollgate-gw/tollgate/internal/routekey"
	"github.com/tollgate-gw/tollgate/internal/stagevars"
	"github.com/tollgate-gw/tollgate/internal/template"
	"github.com/tollgate-gw/tollgate/internal/websocketapi"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Loaded is one valid configuration.
type Loaded struct {
	Config *config.Config
	// Gateway is the model, as the user defined it.
	Gateway *tollgatev1.Gateway
	// Snapshot is the model built for serving with the config's settings: what every consumer reads.
	Snapshot *ir.Snapshot
	// Files are the config file, every definition it names and the files those include: a change to any of them is
	// a reload.
	Files []string
	// Warnings are what loaded but deserves a look (a setting that does nothing here, say), with file and pointer.
	Warnings diag.Problems
}

// Loader loads configurations, remembering each definition it imported so that a reload re-imports only the
// definitions that changed, and a definition deployed as many APIs is imported once.
type Loader struct {
	// imported holds the definitions of the last load, by importKey: everything that changes the result.
	imported map[importKey]importedDefinition
	// jwks holds the key set URLs that JWT authorizers' issuers' discovery documents gave, by issuer.
	jwks map[string]string
}

// importKey names one import: the definition's path, and a sum of its bytes, the template parameters and the
// resource, plus the pseudo parameters when the definition reads them (else a definition deployed as many APIs,
// each its own AWS::StackName, would be imported once per API).
type importKey struct {
	path   string
	sum    [sha256.Size]byte
	pseudo template.Pseudo
}

type importedDefinition struct {
	usesPseudo bool // the entry under the key without pseudo parameters only says to look under the key with them
	includes   []includedFile
	api        *tollgatev1.RestApi // as imported: no id, no stages
	warnings   diag.Problems       // where the user wrote them
	unused     []string            // parameters nothing read
	// located says where the user wrote each value of a template, or of a definition whose placeholders were
	// filled: the model check's and the IR's problems are relocated with it. Nil when the definition was imported
	// as written.
	located *template.Result
}

type includedFile struct {
	path string
	sum  [sha256.Size]byte
}

// New returns a loader with nothing imported yet.
func New() *Loader { return &Loader{imported: map[importKey]importedDefinition{}} }

// Load reads, checks and builds everything the config file names, without remembering anything.
func Load(configFile string) (*Loaded, error) { return New().Load(configFile) }

// Load reads, checks and builds everything the config file names.
func (ld *Loader) Load(configFile string) (*Loaded, error) { return ld.LoadWith(configFile, Managed{}) }

// Managed is what the management API serves beside what the config file names: its REST APIs' deployments, its
// API keys and its usage plans.
type Managed struct {
	Deployments []Deployment
	APIKeys     []*tollgatev1.ApiKey
	UsagePlans  []*tollgatev1.UsagePlan
}

// Deployment is a REST API's definition that the management API deployed, with the stages serving it: served as a
// definition the config file names is, beside them.
type Deployment struct {
	APIID string
	// File names the deployment in problems, as a path names a file's definition.
	File       string
	Definition []byte
	Stages     []*tollgatev1.Stage
	// HTTP: the API is an HTTP API (apigatewayv2's), its definition one as export-api writes it. WebSocket: it is
	// a WebSocket API, its definition in the fields of a file's.
	HTTP, WebSocket bool
}

// LoadWith reads, checks and builds everything the config file names, and what the management API serves.
func (ld *Loader) LoadWith(configFile string, managed Managed) (*Loaded, error) {
	cfg, err := config.Load(configFile)
	if err != nil {
		return nil, err
	}
	l := &Loaded{Config: cfg, Files: []string{configFile}, Warnings: cfg.Warnings, Gateway: &tollgatev1.Gateway{}}
	for _, k := range cfg.APIKeys {
		l.Gateway.ApiKeys = append(l.Gateway.ApiKeys, &tollgatev1.ApiKey{Id: k.ID, Name: k.Name, Value: k.Value, Enabled: k.Enabled})
	}
	for _, p := range cfg.UsagePlans {
		plan := &tollgatev1.UsagePlan{Id: p.ID, Name: p.Name, KeyIds: p.Keys, Throttle: throttle(p.Throttle)}
		if p.Quota != nil {
			plan.Quota = &tollgatev1.QuotaSettings{Limit: p.Quota.Limit, Period: strings.ToUpper(p.Quota.Period), Offset: int32(p.Quota.Offset)}
		}
		for _, as := range p.APIStages {
			stage := &tollgatev1.ApiStage{ApiId: as.APIID, Stage: as.Stage}
			for key, th := range as.Throttle {
				if stage.Throttle == nil {
					stage.Throttle = map[string]*tollgatev1.ThrottleSettings{}
				}
				stage.Throttle[key] = throttle(&th)
			}
			plan.ApiStages = append(plan.ApiStages, stage)
		}
		l.Gateway.UsagePlans = append(l.Gateway.UsagePlans, plan)
	}
	l.Gateway.AccountThrottle = throttle(cfg.AccountThrottle)
	var probs diag.Problems
	imported := map[importKey]importedDefinition{}
	defer func() { ld.imported = imported }() // what this load did not use is dropped
	// located holds, by the source file a rendered API's model names until it is built, where the user wrote its
	// values: the model check and the IR report against the definition the importer read.
	located := map[string]*template.Result{}
	// load imports the definition at path, for API i; at points at where the config names it, and name
	// distinguishes its model among the API's when templating moved its values.
	load := func(i int, a config.API, path, at, name string) *tollgatev1.RestApi {
		l.Files = append(l.Files, path)
		data, err := os.ReadFile(path)
		if err != nil {
			probs.Addf(configFile, at, "cannot read definition: %v", err)
			return nil
		}
		in := template.Input{File: path, Data: data, Parameters: a.Parameters, Resource: a.Resource, Pseudo: template.Pseudo{
			Region: cfg.AWS.Region, AccountID: cfg.AWS.AccountID, Partition: cfg.AWS.Partition, StackName: cfg.AWS.StackNameFor(a.ID),
		}}
		def, err := ld.importDefinition(in, imported)
		for _, inc := range def.includes {
			if !slices.Contains(l.Files, inc.path) {
				l.Files = append(l.Files, inc.path)
			}
		}
		if err != nil {
			probs = append(probs, asProblems(path, err)...)
			return nil
		}
		api := def.api
		if def.located != nil {
			api.SourceFile = fmt.Sprintf("%s#%s", path, name)
			located[api.SourceFile] = def.located
		}
		l.Warnings = append(l.Warnings, def.warnings...)
		for _, name := range def.unused {
			l.Warnings.Addf(configFile, diag.Pointer("apis", i, "parameters", name), "parameter %s has no effect: nothing Tollgate serves of the definition reads it", name)
		}
		api.Id = a.ID
		if a.IsHTTP() {
			api.ProtocolType = tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP
		}
		api.DisableExecuteApiEndpoint = api.DisableExecuteApiEndpoint || a.DisableExecuteAPIEndpoint
		return api
	}
	for i, a := range cfg.APIs {
		if a.IsWebSocket() {
			if api := loadWebSocket(configFile, i, a, &probs, &l.Warnings); api != nil {
				l.Files = append(l.Files, a.DefinitionPath(configFile))
				l.Gateway.WebsocketApis = append(l.Gateway.WebsocketApis, api)
			}
			continue
		}
		api := load(i, a, a.DefinitionPath(configFile), diag.Pointer("apis", i, "definition"), strconv.Itoa(i))
		if api == nil {
			continue
		}
		for _, st := range a.Stages {
			api.Stages = append(api.Stages, stageModel(st))
		}
		l.Gateway.Apis = append(l.Gateway.Apis, api)
		// Each canary release is a model API of the same id, serving the canary's version to its stage only.
		for j, st := range a.Stages {
			canary := st.CanarySettings
			if canary == nil {
				continue
			}
			at := diag.Pointer("apis", i, "stages", j, "canarySettings", "definition")
			if api := load(i, a, canary.DefinitionPath(configFile), at, fmt.Sprintf("%d/stages/%d/canary", i, j)); api != nil {
				stage := stageModel(st)
				stage.Variables = canary.Variables(st.Variables)
				stage.Canary = &tollgatev1.CanaryRelease{PercentTraffic: canary.PercentTraffic, UseStageCache: canary.UseStageCache}
				api.Stages = []*tollgatev1.Stage{stage}
				l.Gateway.Apis = append(l.Gateway.Apis, api)
			}
		}
	}
	for i, d := range cfg.DomainNames {
		if domain := loadDomainName(configFile, i, d, &probs); domain != nil {
			l.Gateway.DomainNames = append(l.Gateway.DomainNames, domain)
		}
		files := []string{d.Certificate.CertFile, d.Certificate.KeyFile}
		if d.MutualTLSAuthentication != nil {
			files = append(files, d.MutualTLSAuthentication.TruststoreFile)
		}
		for _, file := range files {
			l.Files = append(l.Files, d.Certificate.Path(configFile, file))
		}
	}
	l.Gateway.ApiKeys = append(l.Gateway.ApiKeys, managed.APIKeys...)
	l.Gateway.UsagePlans = append(l.Gateway.UsagePlans, managed.UsagePlans...)
	for _, d := range managed.Deployments {
		if i := slices.IndexFunc(cfg.APIs, func(a config.API) bool { return a.ID == d.APIID }); i >= 0 {
			probs.Addf(configFile, diag.Pointer("apis", i, "id"), "API id %q is the management API's (%s): choose another", d.APIID, d.File)
			continue
		}
		if d.WebSocket {
			api, warnings, err := websocketapi.Read(d.File, d.Definition)
			l.Warnings = append(l.Warnings, warnings...)
			if err != nil {
				probs = append(probs, asProblems(d.File, err)...)
				continue
			}
			api.Id, api.Stages = d.APIID, d.Stages
			l.Gateway.WebsocketApis = append(l.Gateway.WebsocketApis, api)
			continue
		}
		def, err := ld.importDeployment(d, imported)
		if err != nil {
			probs = append(probs, asProblems(d.File, err)...)
			continue
		}
		l.Warnings = append(l.Warnings, def.warnings...)
		def.api.Id, def.api.Stages = d.APIID, d.Stages
		if d.HTTP {
			def.api.ProtocolType = tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP
		}
		l.Gateway.Apis = append(l.Gateway.Apis, def.api)
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	l.Warnings = l.Warnings.Sorted() // a definition deployed as several APIs warns once
	settings := Settings(cfg)
	if err = ld.discoverIssuers(l.Gateway, settings.UserPools).Err(); err == nil {
		l.Snapshot, err = build(l.Gateway, settings)
	}
	if err == nil {
		err = unknownRouteSettings(cfg, l.Snapshot).Err()
	}
	if err != nil {
		ps := asProblems(configFile, err)
		for name, res := range located {
			ps = res.Relocate(name, ps)
		}
		return nil, ps.Err()
	}
	warnings := l.Snapshot.Warnings
	for name, res := range located {
		warnings = res.Relocate(name, warnings)
	}
	l.Warnings = append(l.Warnings, warnings...).Sorted()
	for _, api := range l.Gateway.Apis {
		if res, ok := located[api.SourceFile]; ok {
			api.SourceFile = res.File
		}
	}
	return l, nil
}

// loadWebSocket reads the definition of a WebSocket API entry, i of the config's apis, with its stages; its
// problems and warnings go with the load's.
func loadWebSocket(configFile string, i int, a config.API, probs, warnings *diag.Problems) *tollgatev1.WebSocketApi {
	path := a.DefinitionPath(configFile)
	data, err := os.ReadFile(path)
	if err != nil {
		probs.Addf(configFile, diag.Pointer("apis", i, "definition"), "cannot read definition: %v", err)
		return nil
	}
	api, read, err := websocketapi.Read(path, data)
	*warnings = append(*warnings, read...)
	if err != nil {
		*probs = append(*probs, asProblems(path, err)...)
		return nil
	}
	api.Id = a.ID
	for _, st := range a.Stages {
		api.Stages = append(api.Stages, stageModel(st))
	}
	return api
}

// stageModel is a stage as the model holds it. An HTTP API's route settings are keyed by method key there, as a
// REST API's method settings are: "GET /pets" is "/pets/GET", defaultRouteSettings "*/*".
func stageModel(st config.Stage) *tollgatev1.Stage {
	stage := &tollgatev1.Stage{StageName: st.StageName, Variables: st.Variables, CacheClusterEnabled: st.CacheClusterEnabled,
		CacheClusterSize: st.CacheClusterSize, CacheStatusHeader: st.CacheStatusHeader, TracingEnabled: st.TracingEnabled}
	if l := st.AccessLogSettings; l != nil {
		stage.AccessLogSettings = &tollgatev1.AccessLogSettings{Format: l.Format, Destination: l.Destination}
	}
	set := func(key string, ms config.MethodSetting) {
		if stage.MethodSettings == nil {
			stage.MethodSettings = map[string]*tollgatev1.MethodSetting{}
		}
		stage.MethodSettings[key] = &tollgatev1.MethodSetting{ThrottlingRateLimit: ms.ThrottlingRateLimit, ThrottlingBurstLimit: ms.ThrottlingBurstLimit,
			CachingEnabled: ms.CachingEnabled, CacheTtlInSeconds: ms.CacheTTLInSeconds, CacheDataEncrypted: ms.CacheDataEncrypted,
			RequireAuthorizationForCacheControl:    ms.RequireAuthorizationForCacheControl,
			UnauthorizedCacheControlHeaderStrategy: ms.UnauthorizedCacheControlHeaderStrategy,
			MetricsEnabled:                         cmp.Or(ms.MetricsEnabled, ms.DetailedMetricsEnabled)}
	}
	for key, ms := range st.MethodSettings {
		set(key, ms)
	}
	if st.DefaultRouteSettings != nil {
		set("*/*", *st.DefaultRouteSettings)
	}
	for key, rs := range st.RouteSettings {
		if methodKey, ok := routekey.MethodKey(key); ok { // config.Load refused the others
			set(methodKey, rs)
		}
	}
	return stage
}

// unknownRouteSettings reports an HTTP API stage's routeSettings that name no route of the API: they would
// throttle nothing.
func unknownRouteSettings(cfg *config.Config, snap *ir.Snapshot) diag.Problems {
	served := map[[3]string]bool{}
	for _, r := range snap.Routes() {
		if r.HTTPAPI && r.GatewayResponse == "" {
			served[[3]string{r.APIID, r.Stage, r.RouteKey()}] = true
		}
	}
	var probs diag.Problems
	for i, a := range cfg.APIs {
		for j, st := range a.Stages {
			for _, key := range slices.Sorted(maps.Keys(st.RouteSettings)) {
				if a.IsHTTP() && !served[[3]string{a.ID, st.StageName, key}] {
					probs.Addf(cfg.File, diag.Pointer("apis", i, "stages", j, "routeSettings", key), "route %q is not one of API %q's routes: its settings would apply to nothing", key, a.ID)
				}
			}
		}
	}
	return probs
}

// Settings are the config's runtime settings, as the IR takes them.
func Settings(cfg *config.Config) ir.Settings {
	return ir.Settings{
		Domain:   cfg.Domain,
		Lambda:   ir.LambdaSettings{Endpoint: cfg.Lambda.Endpoint, Region: cfg.Lambda.Region, Functions: cfg.Lambda.Functions},
		VPCLinks: cfg.VPCLinks,
		Region:   cfg.AWS.Region, AccountID: cfg.AWS.AccountID,
		UserPools: userPools(cfg.Cognito.UserPools),
		IAM:       iamCredentials(cfg.IAM.Credentials),
		// Parse kept it within 0 to 10.
		TrustedProxyHops: uint32(cfg.TrustedProxyHops),
		Metrics:          cfg.Metrics,
		TracingCollector: cfg.Tracing.OTLP,
		WebSocketService: cfg.WebSocket.Listen,
		TLSListen:        cfg.TLS.Listen,
		RateLimit: ir.RateLimitSettings{
			FailClosed: cfg.RateLimit.FailureMode == "closed",
			Timeout:    ir.Duration(cfg.RateLimit.Timeout),
		},
	}
}

func iamCredentials(creds []config.IAMCredential) []ir.IAMCredential {
	out := make([]ir.IAMCredential, 0, len(creds))
	for _, c := range creds {
		out = append(out, ir.IAMCredential{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, ARN: c.ARN, Policy: c.PolicyJSON})
	}
	return out
}

func userPools(pools map[string]config.UserPool) map[string]ir.UserPool {
	out := make(map[string]ir.UserPool, len(pools))
	for arn, p := range pools {
		out[arn] = ir.UserPool{Issuer: p.Issuer, JWKSURL: p.JWKSURL}
	}
	return out
}

// build runs the model check, then builds the snapshot: what a reload and `tollgate validate` both run.
func build(gw *tollgatev1.Gateway, settings ir.Settings) (*ir.Snapshot, error) {
	if err := check.Gateway(gw); err != nil {
		return nil, err
	}
	return ir.Build(gw, settings)
}

func throttle(t *config.Throttle) *tollgatev1.ThrottleSettings {
	if t == nil {
		return nil
	}
	return &tollgatev1.ThrottleSettings{RateLimit: t.RateLimit, BurstLimit: int32(t.BurstLimit)}
}

// importDefinition returns the definition with a fresh copy of its model, importing it only if anything that
// changes the result changed: its bytes, its parameters, its resource, the files it includes, and the pseudo
// parameters if it reads them. What it imports or finds is remembered in imported. Its includes are set on error
// too, so that fixing an included file is a reload.
func (ld *Loader) importDefinition(in template.Input, imported map[importKey]importedDefinition) (importedDefinition, error) {
	key := importKey{path: in.File, sum: inputSum(in)}
	withPseudo := key
	withPseudo.pseudo = in.Pseudo
	for _, k := range []importKey{key, withPseudo} {
		prev, ok := imported[k]
		if !ok {
			prev, ok = ld.imported[k]
		}
		if !ok || !unchanged(prev.includes) {
			break
		}
		if prev.usesPseudo && k == key {
			continue
		}
		imported[key] = importedDefinition{usesPseudo: prev.usesPseudo, includes: prev.includes}
		imported[k] = prev
		def := prev
		def.api = proto.Clone(prev.api).(*tollgatev1.RestApi)
		return def, nil
	}
	res, err := template.Render(in)
	def := importedDefinition{usesPseudo: res.UsesPseudo, unused: res.Unused}
	if res.Template || !bytes.Equal(res.Data, in.Data) {
		def.located = res
	}
	for _, inc := range res.Includes {
		data, _ := os.ReadFile(inc) // read again: what the template read a moment ago
		def.includes = append(def.includes, includedFile{path: inc, sum: sha256.Sum256(data)})
	}
	if err != nil {
		return importedDefinition{includes: def.includes}, err
	}
	api, warnings, err := openapi.Import(in.File, res.Data)
	if err != nil {
		return importedDefinition{includes: def.includes}, res.Relocate(in.File, asProblems(in.File, err))
	}
	def.api = api
	def.warnings = append(res.Relocate(in.File, warnings), res.Warnings...)
	if def.located != nil {
		res.Data = nil // what is kept is the map of where values were written
	}
	if def.usesPseudo {
		imported[key] = importedDefinition{usesPseudo: true, includes: def.includes}
		key = withPseudo
	}
	imported[key] = def
	out := def
	out.api = proto.Clone(api).(*tollgatev1.RestApi)
	return out, nil
}

// importDeployment imports a deployment's definition, unless the last load imported the same bytes. It is no
// template: a deployment's text is the API's, placeholders included.
func (ld *Loader) importDeployment(d Deployment, imported map[importKey]importedDefinition) (importedDefinition, error) {
	key := importKey{path: d.File, sum: sha256.Sum256(d.Definition)}
	def, ok := ld.imported[key]
	if !ok {
		api, warnings, err := openapi.Import(d.File, d.Definition)
		if err != nil {
			return importedDefinition{}, err
		}
		def = importedDefinition{api: api, warnings: warnings}
	}
	imported[key] = def
	def.api = proto.Clone(def.api).(*tollgatev1.RestApi)
	return def, nil
}

// inputSum sums what, besides the pseudo parameters, changes a definition: its bytes, parameters and resource.
func inputSum(in template.Input) [sha256.Size]byte {
	h := sha256.New()
	field := func(s string) {
		h.Write(binary.AppendUvarint(nil, uint64(len(s))))
		h.Write([]byte(s))
	}
	field(string(in.Data))
	field(in.Resource)
	names := make([]string, 0, len(in.Parameters))
	for name := range in.Parameters {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		field(name)
		field(in.Parameters[name])
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// unchanged says whether every included file still has the bytes it was imported with.
func unchanged(includes []includedFile) bool {
	for _, inc := range includes {
		data, err := os.ReadFile(inc.path)
		if err != nil || sha256.Sum256(data) != inc.sum {
			return false
		}
	}
	return true
}

// ValidateDefinition checks one definition file on its own, deployed to a stage defining its stage variables, as
// `tollgate validate` does for files that are not a config. A valid definition may still have warnings. A
// template or a definition with placeholders is rendered with no parameters but its own defaults, and the pseudo
// parameters' defaults: each value missing is a problem naming it.
func ValidateDefinition(path string) (diag.Problems, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, diag.Problems{{File: path, Reason: err.Error()}}
	}
	res, err := template.Render(template.Input{File: path, Data: data, Pseudo: template.Pseudo{
		Region: config.DefaultLambdaRegion, AccountID: config.DefaultAccountID, Partition: config.DefaultPartition, StackName: "validate",
	}})
	if err != nil {
		return nil, err
	}
	api, warnings, err := openapi.Import(path, res.Data)
	if err != nil {
		return nil, res.Relocate(path, asProblems(path, err))
	}
	warnings = append(res.Relocate(path, warnings), res.Warnings...)
	api.Id = "validate"
	vars := placeholderVariables(api)
	api.Stages = []*tollgatev1.Stage{{StageName: "validate", Variables: vars}}
	// Without a config there is no lambda section: any function resolves against AWS's regional endpoint.
	settings := ir.Settings{Domain: config.DefaultDomain, VPCLinks: placeholderVPCLinks(api, vars), UserPools: placeholderUserPools(api),
		Region: config.DefaultLambdaRegion, AccountID: config.DefaultAccountID, Lambda: ir.LambdaSettings{
			Region: config.DefaultLambdaRegion, Endpoint: "https://lambda." + config.DefaultLambdaRegion + ".amazonaws.com",
		}}
	if _, err := build(&tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{api}}, settings); err != nil {
		return nil, res.Relocate(path, asProblems(path, err)).Err()
	}
	return warnings, nil
}

// placeholderVariables defines every stage variable the definition references, so that checking a definition
// without its config does not report variables that only a stage can supply. "1" is a valid host, port, path
// segment, Lambda function name and VPC link id alike.
func placeholderVariables(api *tollgatev1.RestApi) map[string]string {
	vars := map[string]string{}
	for _, integ := range integrations(api) {
		for _, text := range []string{integ.GetUri(), integ.GetConnectionId()} {
			_, missing := stagevars.Expand(text, nil)
			for _, name := range missing {
				vars[name] = "1"
			}
		}
	}
	return vars
}

// placeholderVPCLinks gives every VPC link the definition names an address, so that checking a definition
// without its config does not report links that only the config can supply.
func placeholderVPCLinks(api *tollgatev1.RestApi, vars map[string]string) map[string]string {
	links := map[string]string{}
	for _, integ := range integrations(api) {
		if id, _ := stagevars.Expand(integ.GetConnectionId(), vars); id != "" {
			links[id] = "vpc-link.invalid:443"
		}
	}
	return links
}

// placeholderUserPools gives every user pool the definition names the issuer Cognito would give it, so that
// checking a definition without its config does not report pools that only the config can place.
func placeholderUserPools(api *tollgatev1.RestApi) map[string]ir.UserPool {
	pools := map[string]ir.UserPool{}
	for _, a := range api.GetAuthorizers() {
		for _, arn := range a.GetProviderArns() {
			pools[arn] = ir.UserPool{Issuer: "https://cognito-idp.invalid/" + arn, JWKSURL: "https://cognito-idp.invalid/jwks.json"}
		}
	}
	return pools
}

func integrations(api *tollgatev1.RestApi) []*tollgatev1.Integration {
	var out []*tollgatev1.Integration
	for _, res := range api.GetResources() {
		for _, m := range res.GetMethods() {
			out = append(out, m.GetIntegration())
		}
	}
	return out
}

// IsDefinition tells an API definition (OpenAPI, Swagger, or a CloudFormation or SAM template) from a Tollgate
// config by its top-level keys.
func IsDefinition(data []byte) bool {
	if template.IsTemplate(data) {
		return true
	}
	var top map[string]any
	if yaml.Unmarshal(data, &top) != nil {
		return false
	}
	_, oas3 := top["openapi"]
	_, swagger2 := top["swagger"]
	return oas3 || swagger2
}

func asProblems(file string, err error) diag.Problems {
	if ps, ok := err.(diag.Problems); ok {
		return ps
	}
	return diag.Problems{{File: file, Reason: err.Error()}}
}
