// Package source turns a config file into what the control plane serves: it reads the config, imports every API
// definition it names and attaches the stages (the model), runs the model check, and builds the IR snapshot every
// consumer is fed. Any problem in any file fails the whole load, so a running gateway only ever moves from one
// valid configuration to another.
package source

import (
	"crypto/sha256"
	"os"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/check"
	"github.com/tollgate-gw/tollgate/internal/config"
	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/openapi"
	"github.com/tollgate-gw/tollgate/internal/stagevars"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Loaded is one valid configuration.
type Loaded struct {
	Config *config.Config
	// Gateway is the model, as the user defined it.
	Gateway *tollgatev1.Gateway
	// Snapshot is the model built for serving with the config's settings: what every consumer reads.
	Snapshot *ir.Snapshot
	// Files are the config file and every definition it names: a change to any of them is a reload.
	Files []string
	// Warnings are what loaded but deserves a look (a setting that does nothing here, say), with file and pointer.
	Warnings diag.Problems
}

// Loader loads configurations, remembering each definition it imported so that a reload re-imports only the
// files that changed, and a definition deployed as many APIs is imported once.
type Loader struct {
	imported map[string]importedDefinition // by path
}

type importedDefinition struct {
	sum      [sha256.Size]byte
	api      *tollgatev1.RestApi // as imported: no id, no stages
	warnings diag.Problems
}

// New returns a loader with nothing imported yet.
func New() *Loader { return &Loader{imported: map[string]importedDefinition{}} }

// Load reads, checks and builds everything the config file names, without remembering anything.
func Load(configFile string) (*Loaded, error) { return New().Load(configFile) }

// Load reads, checks and builds everything the config file names.
func (ld *Loader) Load(configFile string) (*Loaded, error) {
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
	for i, a := range cfg.APIs {
		path := a.DefinitionPath(configFile)
		l.Files = append(l.Files, path)
		data, err := os.ReadFile(path)
		if err != nil {
			probs.Addf(configFile, diag.Pointer("apis", i, "definition"), "cannot read definition: %v", err)
			continue
		}
		api, warnings, err := ld.importDefinition(path, data)
		if err != nil {
			probs = append(probs, asProblems(path, err)...)
			continue
		}
		l.Warnings = append(l.Warnings, warnings...)
		api.Id = a.ID
		for _, st := range a.Stages {
			stage := &tollgatev1.Stage{StageName: st.StageName, Variables: st.Variables}
			for key, ms := range st.MethodSettings {
				if stage.MethodSettings == nil {
					stage.MethodSettings = map[string]*tollgatev1.MethodSetting{}
				}
				stage.MethodSettings[key] = &tollgatev1.MethodSetting{ThrottlingRateLimit: ms.ThrottlingRateLimit, ThrottlingBurstLimit: ms.ThrottlingBurstLimit}
			}
			api.Stages = append(api.Stages, stage)
		}
		l.Gateway.Apis = append(l.Gateway.Apis, api)
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	l.Warnings = l.Warnings.Sorted() // a definition deployed as several APIs warns once
	if l.Snapshot, err = build(l.Gateway, Settings(cfg)); err != nil {
		return nil, err
	}
	return l, nil
}

// Settings are the config's runtime settings, as the IR takes them.
func Settings(cfg *config.Config) ir.Settings {
	return ir.Settings{
		Domain: cfg.Domain,
		Lambda: ir.LambdaSettings{Endpoint: cfg.Lambda.Endpoint, Region: cfg.Lambda.Region, Functions: cfg.Lambda.Functions},
		RateLimit: ir.RateLimitSettings{
			FailClosed: cfg.RateLimit.FailureMode == "closed",
			Timeout:    ir.Duration(cfg.RateLimit.Timeout),
		},
	}
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

// importDefinition returns a fresh copy of the definition's model and its warnings, importing it only if its
// bytes changed.
func (ld *Loader) importDefinition(path string, data []byte) (*tollgatev1.RestApi, diag.Problems, error) {
	sum := sha256.Sum256(data)
	if prev, ok := ld.imported[path]; ok && prev.sum == sum {
		return proto.Clone(prev.api).(*tollgatev1.RestApi), prev.warnings, nil
	}
	api, warnings, err := openapi.Import(path, data)
	if err != nil {
		delete(ld.imported, path)
		return nil, nil, err
	}
	ld.imported[path] = importedDefinition{sum: sum, api: api, warnings: warnings}
	return proto.Clone(api).(*tollgatev1.RestApi), warnings, nil
}

// ValidateDefinition checks one definition file on its own, deployed to a stage defining its stage variables, as
// `tollgate validate` does for files that are not a config. A valid definition may still have warnings.
func ValidateDefinition(path string) (diag.Problems, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, diag.Problems{{File: path, Reason: err.Error()}}
	}
	api, warnings, err := openapi.Import(path, data)
	if err != nil {
		return nil, err
	}
	api.Id = "validate"
	api.Stages = []*tollgatev1.Stage{{StageName: "validate", Variables: placeholderVariables(api)}}
	// Without a config there is no lambda section: any function resolves against AWS's regional endpoint.
	settings := ir.Settings{Domain: config.DefaultDomain, Lambda: ir.LambdaSettings{
		Region: config.DefaultLambdaRegion, Endpoint: "https://lambda." + config.DefaultLambdaRegion + ".amazonaws.com",
	}}
	if _, err := build(&tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{api}}, settings); err != nil {
		return nil, err
	}
	return warnings, nil
}

// placeholderVariables defines every stage variable the definition references, so that checking a definition
// without its config does not report variables that only a stage can supply. "1" is a valid host, port, path
// segment and Lambda function name alike.
func placeholderVariables(api *tollgatev1.RestApi) map[string]string {
	vars := map[string]string{}
	for _, res := range api.GetResources() {
		for _, m := range res.GetMethods() {
			_, missing := stagevars.Expand(m.GetIntegration().GetUri(), nil)
			for _, name := range missing {
				vars[name] = "1"
			}
		}
	}
	return vars
}

func asProblems(file string, err error) diag.Problems {
	if ps, ok := err.(diag.Problems); ok {
		return ps
	}
	return diag.Problems{{File: file, Reason: err.Error()}}
}
