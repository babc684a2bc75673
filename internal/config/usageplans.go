package config

import (
	"regexp"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/usageplan"
)

// APIKey is one entry of apiKeys, in API Gateway's own shape.
type APIKey struct {
	ID    string `yaml:"id"`
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
	// Enabled defaults to false, as API Gateway's CreateApiKey does.
	Enabled bool `yaml:"enabled"`
}

// UsagePlan is one entry of usagePlans: which keys may call which API stages, how fast and how much.
type UsagePlan struct {
	ID        string     `yaml:"id"`
	Name      string     `yaml:"name"`
	APIStages []APIStage `yaml:"apiStages"`
	Keys      []string   `yaml:"keys"`
	Throttle  *Throttle  `yaml:"throttle"`
	Quota     *Quota     `yaml:"quota"`
}

// APIStage is one API stage a usage plan covers, with per-method throttles keyed "/pets/GET".
type APIStage struct {
	APIID    string              `yaml:"apiId"`
	Stage    string              `yaml:"stage"`
	Throttle map[string]Throttle `yaml:"throttle"`
}

// Throttle is a token bucket: rateLimit requests a second (a float), burstLimit at once.
type Throttle struct {
	RateLimit  float64 `yaml:"rateLimit"`
	BurstLimit int     `yaml:"burstLimit"`
}

// Quota is a usage plan quota.
type Quota struct {
	Limit  int64  `yaml:"limit"`
	Period string `yaml:"period"`
	Offset int    `yaml:"offset"`
}

// MethodSetting is a stage's methodSettings entry. The throttle fields are pointers because unset is not 0: an
// entry that sets neither sets no limit of the stage's level, as in API Gateway. The caching fields are pointers
// for the same reason: unset takes API Gateway's default.
type MethodSetting struct {
	ThrottlingRateLimit  *float64 `yaml:"throttlingRateLimit"`
	ThrottlingBurstLimit *int32   `yaml:"throttlingBurstLimit"`
	// The method's caching, when its stage has a cache (cache.go).
	CachingEnabled                         *bool  `yaml:"cachingEnabled"`
	CacheTTLInSeconds                      *int32 `yaml:"cacheTtlInSeconds"`
	CacheDataEncrypted                     *bool  `yaml:"cacheDataEncrypted"`
	RequireAuthorizationForCacheControl    *bool  `yaml:"requireAuthorizationForCacheControl"`
	UnauthorizedCacheControlHeaderStrategy string `yaml:"unauthorizedCacheControlHeaderStrategy"`
	// The method's detailed metrics (labelled by resource and method): a REST API's metricsEnabled, an HTTP API
	// route's detailedMetricsEnabled.
	MetricsEnabled         *bool `yaml:"metricsEnabled"`
	DetailedMetricsEnabled *bool `yaml:"detailedMetricsEnabled"`
}

// checkID reports a missing or repeated id of a kind of item, and records it as seen.
func (c *Config) checkID(probs *diag.Problems, at, kind, id string, seen map[string]bool) {
	switch {
	case id == "":
		probs.Addf(c.File, at, "missing %s id", kind)
	case seen[id]:
		probs.Addf(c.File, at, "%s id %q is used twice", kind, id)
	}
	seen[id] = true
}

func checkThrottle(probs *diag.Problems, file, at string, t Throttle) {
	if err := usageplan.CheckThrottle(t.RateLimit, t.BurstLimit); err != nil {
		probs.Addf(file, at, "%v", err)
	}
}

// methodKeyPattern is API Gateway's method setting key: a resource path and a method, or */* for all.
var methodKeyPattern = regexp.MustCompile(`^(\*/\*|/.*/(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|ANY|\*))$`)

func checkMethodKey(probs *diag.Problems, file, at, key string) {
	if !methodKeyPattern.MatchString(key) {
		probs.Addf(file, at, "invalid method key %q: want a resource path and method such as /pets/GET, or */*", key)
	}
}

// checkStageThrottle checks a stage's throttle for its methods or routes: both fields, or neither.
func checkStageThrottle(probs *diag.Problems, file, at string, ms MethodSetting) {
	switch rate, burst := ms.ThrottlingRateLimit, ms.ThrottlingBurstLimit; {
	case rate != nil && burst != nil:
		checkThrottle(probs, file, at, Throttle{RateLimit: *rate, BurstLimit: int(*burst)})
	case rate != nil:
		probs.Addf(file, at+"/throttlingBurstLimit", "throttlingRateLimit is set without throttlingBurstLimit: a throttle needs both")
	case burst != nil:
		probs.Addf(file, at+"/throttlingRateLimit", "throttlingBurstLimit is set without throttlingRateLimit: a throttle needs both")
	}
}

// validateUsagePlans checks keys and plans and every reference between them and the APIs. Key values are never
// quoted in problems: they are secrets; the key's pointer says which one is wrong.
func (c *Config) validateUsagePlans(probs *diag.Problems) {
	keyIDs := map[string]bool{}
	values := map[string]int{}
	for i, k := range c.APIKeys {
		at := func(field string) string { return diag.Pointer("apiKeys", i, field) }
		c.checkID(probs, at("id"), "API key", k.ID, keyIDs)
		if n := len(k.Value); n < usageplan.MinKeyValue || n > usageplan.MaxKeyValue {
			probs.Addf(c.File, at("value"), "API key %q: the value must be %d to %d characters long, it has %d", k.ID, usageplan.MinKeyValue, usageplan.MaxKeyValue, n)
		} else if j, dup := values[k.Value]; dup {
			probs.Addf(c.File, at("value"), "API key %q has the same value as /apiKeys/%d", k.ID, j)
		} else {
			values[k.Value] = i
		}
	}
	stages := map[[2]string]bool{}
	httpAPIs, webSocketAPIs := map[string]bool{}, map[string]bool{}
	for _, api := range c.APIs {
		httpAPIs[api.ID], webSocketAPIs[api.ID] = api.IsHTTP(), api.IsWebSocket()
		for _, st := range api.Stages {
			stages[[2]string{api.ID, st.StageName}] = true
		}
	}
	if c.AccountThrottle != nil {
		checkThrottle(probs, c.File, "/accountThrottle", *c.AccountThrottle)
	}
	for i, api := range c.APIs {
		for j, st := range api.Stages {
			for key, ms := range st.MethodSettings {
				at := diag.Pointer("apis", i, "stages", j, "methodSettings", key)
				checkMethodKey(probs, c.File, at, key)
				checkStageThrottle(probs, c.File, at, ms)
			}
		}
	}
	planIDs := map[string]bool{}
	for i, p := range c.UsagePlans {
		at := func(tokens ...any) string { return diag.Pointer(append([]any{"usagePlans", i}, tokens...)...) }
		c.checkID(probs, at("id"), "usage plan", p.ID, planIDs)
		if p.Throttle != nil {
			checkThrottle(probs, c.File, at("throttle"), *p.Throttle)
		}
		if p.Quota != nil {
			if err := usageplan.CheckQuota(p.Quota.Limit, p.Quota.Period, p.Quota.Offset); err != nil {
				probs.Addf(c.File, at("quota"), "usage plan %q: %v", p.ID, err)
			}
		}
		for j, as := range p.APIStages {
			switch {
			case httpAPIs[as.APIID]:
				probs.Addf(c.File, at("apiStages", j), "usage plan %q names HTTP API %q: HTTP APIs have no usage plans or API keys", p.ID, as.APIID)
			case webSocketAPIs[as.APIID] && len(as.Throttle) > 0:
				probs.Addf(c.File, at("apiStages", j, "throttle"), "per-route throttles of a WebSocket API's stage are not supported yet: the plan's throttle and quota apply to $connect")
			case !stages[[2]string{as.APIID, as.Stage}]:
				probs.Addf(c.File, at("apiStages", j), "usage plan %q names API %q stage %q, which is not deployed (see apis)", p.ID, as.APIID, as.Stage)
			}
			for key, th := range as.Throttle {
				checkMethodKey(probs, c.File, at("apiStages", j, "throttle", key), key)
				checkThrottle(probs, c.File, at("apiStages", j, "throttle", key), th)
			}
		}
		for j, id := range p.Keys {
			if !keyIDs[id] {
				probs.Addf(c.File, at("keys", j), "usage plan %q names API key %q, which apiKeys does not define", p.ID, id)
			}
		}
	}
}
