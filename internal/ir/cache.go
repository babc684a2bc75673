package ir

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// StageCache is a stage's response cache (cacheClusterEnabled): one store per stage, as API Gateway has a cache
// cluster per stage.
type StageCache struct {
	APIID string `json:"apiId"`
	Stage string `json:"stage"`
	// Size is cacheClusterSize as AWS spells it ("0.5"), and Bytes the bound it sets on the memory store.
	Size  string `json:"size"`
	Bytes int64  `json:"bytes"`
}

// Cache is how a method's responses are kept in its stage's cache.
type Cache struct {
	TTL Duration `json:"ttl"`
	// Verbs are the request methods cached, for a route that matches several (ANY); nil caches the route's own.
	Verbs []string `json:"verbs,omitempty"`
	// Namespace groups the methods whose requests share entries: the integration's cacheNamespace, else the
	// resource path. A request's key is the stage, its method, the namespace, its path parameters and the values
	// of KeyParameters.
	Namespace     string        `json:"namespace"`
	KeyParameters []ValueSource `json:"keyParameters,omitempty"`
	// Version changes with the configuration of every method of the namespace (integrations, templates, stage
	// variables): an entry of another version is never served.
	Version string `json:"version"`
	// Encrypted seals entries with the configured key (cacheDataEncrypted).
	Encrypted bool `json:"encrypted,omitempty"`
	// RequireAuthorization: a client's Cache-Control: max-age=0 invalidates only when its caller may
	// execute-api:InvalidateCache the method; else Unauthorized says what it gets.
	RequireAuthorization bool   `json:"requireAuthorization,omitempty"`
	Unauthorized         string `json:"unauthorized"`
	// StatusHeader names a response header saying Hit, Miss or Bypass; "" for none.
	StatusHeader string `json:"statusHeader,omitempty"`
}

// API Gateway's defaults of a cached method.
const (
	defaultCacheTTL         = 300 * time.Second
	defaultUnauthorizedMode = "SUCCEED_WITH_RESPONSE_HEADER"
)

// cacheSizes are the bytes of API Gateway's cache sizes, by cacheClusterSize.
var cacheSizes = map[string]float64{"0.5": 0.5, "1.6": 1.6, "6.1": 6.1, "13.5": 13.5, "28.4": 28.4, "58.2": 58.2, "118": 118, "237": 237}

// stageCache is the stage's cache, nil when it has none.
func stageCache(api *tollgatev1.RestApi, stage *tollgatev1.Stage) *StageCache {
	if !stage.GetCacheClusterEnabled() || isHTTPAPI(api) {
		return nil
	}
	size := stage.GetCacheClusterSize()
	if _, ok := cacheSizes[size]; !ok {
		size = "0.5" // a stage enabled without a size (the config gives it this default; the model may not)
	}
	return &StageCache{APIID: api.GetId(), Stage: stage.GetStageName(), Size: size, Bytes: int64(cacheSizes[size] * (1 << 30))}
}

// cache is how the stage caches the route's method; nil when it does not. Each setting is the method's own
// methodSettings entry's, else "*/*"'s, else API Gateway's default; caching itself is on by default for GET only
// (for an ANY method, its GET requests), and on for another verb only by its method's own entry.
func (b *builder) cache(s stageContext, m *tollgatev1.Method, r *Route) *Cache {
	if stageCache(s.api, s.stage) == nil || (r.HTTPProxy == nil && r.Mapping == nil && r.Lambda == nil) {
		return nil
	}
	own, all := s.stage.GetMethodSettings()[r.MethodKey()], s.stage.GetMethodSettings()["*/*"]
	entries := []*tollgatev1.MethodSetting{own, all}
	c := &Cache{TTL: Duration(defaultCacheTTL), Unauthorized: defaultUnauthorizedMode, RequireAuthorization: true,
		StatusHeader: s.stage.GetCacheStatusHeader()}
	switch {
	case own != nil && own.CachingEnabled != nil:
		if !own.GetCachingEnabled() {
			return nil
		}
	case r.HTTPMethod == "GET" || r.HTTPMethod == "ANY":
		if all != nil && all.CachingEnabled != nil && !all.GetCachingEnabled() {
			return nil
		}
		if r.HTTPMethod == "ANY" {
			c.Verbs = []string{"GET"}
		}
	default:
		return nil
	}
	if ttl := firstSet(entries, func(ms *tollgatev1.MethodSetting) *int32 { return ms.CacheTtlInSeconds }); ttl != nil {
		c.TTL = Duration(time.Duration(*ttl) * time.Second)
	}
	if c.TTL == 0 {
		return nil // a TTL of 0 turns caching off
	}
	if v := firstSet(entries, func(ms *tollgatev1.MethodSetting) *bool { return ms.CacheDataEncrypted }); v != nil {
		c.Encrypted = *v
	}
	if v := firstSet(entries, func(ms *tollgatev1.MethodSetting) *bool { return ms.RequireAuthorizationForCacheControl }); v != nil {
		c.RequireAuthorization = *v
	}
	for _, ms := range entries {
		if v := ms.GetUnauthorizedCacheControlHeaderStrategy(); v != "" {
			c.Unauthorized = v
			break
		}
	}
	integ := m.GetIntegration()
	c.Namespace = integ.GetCacheNamespace()
	if c.Namespace == "" {
		c.Namespace = r.Resource
	}
	for _, p := range integ.GetCacheKeyParameters() {
		source, name, _ := strings.Cut(strings.TrimPrefix(p, "method.request."), ".")
		switch strings.TrimPrefix(source, "multivalue") {
		case "header":
			c.KeyParameters = append(c.KeyParameters, ValueSource{Kind: RequestHeader, Value: strings.ToLower(name)})
		case "querystring":
			c.KeyParameters = append(c.KeyParameters, ValueSource{Kind: QueryParameter, Value: name})
		case "path":
			c.KeyParameters = append(c.KeyParameters, ValueSource{Kind: PathParameter, Value: name})
		}
	}
	if name := identityHeader(r); name != "" && !keyedBy(c.KeyParameters, r) {
		b.warnings.Addf(s.file(), m.GetSourcePointer(), "stage %s caches the method, which %s, without a cache key parameter naming the caller (%s): one caller's cached response is served to every other", s.stage.GetStageName(), name, strings.Join(identityNames(r), ", "))
	}
	return c
}

// identityHeader says what identifies the method's caller ("requires an API key", "has an authorizer"), "" for
// nothing.
func identityHeader(r *Route) string {
	switch {
	case r.Authorizer != nil:
		return "has an authorizer"
	case r.APIKeyRequired:
		return "requires an API key"
	}
	return ""
}

// identityNames are the request parameters a method's caller is identified by: the API key's header, the
// authorizer's token or identity sources.
func identityNames(r *Route) []string {
	var out []string
	if r.APIKeyRequired {
		out = append(out, "method.request.header.x-api-key")
	}
	if a := r.Authorizer; a != nil {
		switch {
		case a.TokenHeader != "":
			out = append(out, "method.request.header."+a.TokenHeader)
		case len(a.IdentitySources) > 0:
			for _, src := range a.IdentitySources {
				switch src.Kind {
				case RequestHeader:
					out = append(out, "method.request.header."+src.Value)
				case QueryParameter:
					out = append(out, "method.request.querystring."+src.Value)
				}
			}
		default: // Cognito and IAM: the Authorization header
			out = append(out, "method.request.header.Authorization")
		}
	}
	return out
}

// keyedBy tells whether a key parameter names one of the parameters the caller is identified by.
func keyedBy(params []ValueSource, r *Route) bool {
	for _, name := range identityNames(r) {
		source, param, _ := strings.Cut(strings.TrimPrefix(name, "method.request."), ".")
		for _, p := range params {
			if source == "header" && p.Kind == RequestHeader && strings.EqualFold(p.Value, param) ||
				source == "querystring" && p.Kind == QueryParameter && p.Value == param {
				return true
			}
		}
	}
	return false
}

// versionCaches gives each cached route of an API the version of its namespace: a digest of what every method
// sharing the namespace answers with, so that a reload changing any of them serves none of the entries made
// before.
//
// A canary release that uses the stage cache is versioned apart from its stage's base release: the two share
// entries exactly when they answer alike.
func versionCaches(routes []*Route) {
	type group struct {
		stage, namespace string
		canary           bool
	}
	groupOf := func(r *Route) group { return group{r.Stage, r.Cache.Namespace, r.isCanary()} }
	digests := map[group][]string{}
	for _, r := range routes {
		if r.Cache != nil {
			g := groupOf(r)
			digests[g] = append(digests[g], routeDigest(r))
		}
	}
	for _, r := range routes {
		if r.Cache != nil {
			d := digests[groupOf(r)]
			slices.Sort(d)
			sum := sha256.Sum256([]byte(strings.Join(d, ",")))
			r.Cache.Version = hex.EncodeToString(sum[:8])
		}
	}
}

// routeDigest is a digest of how a route answers: its integration as resolved (backend, templates, mappings,
// stage variables in them) and its cache settings.
func routeDigest(r *Route) string {
	b, _ := json.Marshal(struct {
		HTTPProxy *HTTPProxy
		Mapping   *Mapping
		Lambda    *Lambda
		Cache     *Cache
		Method    string
	}{r.HTTPProxy, r.Mapping, r.Lambda, r.Cache, routeName(r.Method)})
	sum := sha256.Sum256(b)
	return strconv.Itoa(len(b)) + ":" + hex.EncodeToString(sum[:8])
}

// firstSet is the field of the first entry that sets it; nil when none does. A nil entry sets nothing.
func firstSet[T any](entries []*tollgatev1.MethodSetting, field func(*tollgatev1.MethodSetting) *T) *T {
	for _, ms := range entries {
		if ms != nil {
			if v := field(ms); v != nil {
				return v
			}
		}
	}
	return nil
}
