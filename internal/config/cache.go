package config

import (
	"encoding/base64"
	"regexp"
	"slices"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

// Cache holds what the stage caches need of the operator rather than of a stage.
type Cache struct {
	// EncryptionKey (base64 of 16, 24 or 32 bytes: AES-128, -192 or -256) seals the entries of the methods with
	// cacheDataEncrypted. Every node sharing a Redis needs the same key; without Redis a key is made at start
	// when none is given.
	EncryptionKey string `yaml:"encryptionKey"`
}

// CacheClusterSizes are API Gateway's cache sizes in GB, as cacheClusterSize spells them.
var CacheClusterSizes = []string{"0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"}

// DefaultCacheClusterSize is the size of a cache enabled without one, as the console's default.
const DefaultCacheClusterSize = "0.5"

// Cache strategies for an invalidation the caller may not make (unauthorizedCacheControlHeaderStrategy).
const (
	FailWith403                  = "FAIL_WITH_403"
	SucceedWithResponseHeader    = "SUCCEED_WITH_RESPONSE_HEADER"
	SucceedWithoutResponseHeader = "SUCCEED_WITHOUT_RESPONSE_HEADER"
)

// MaxCacheTTL is the longest cacheTtlInSeconds API Gateway accepts.
const MaxCacheTTL = 3600

// headerName is an HTTP header name (a token).
var headerName = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

// EncryptionKeyBytes is the decoded cache.encryptionKey; nil for none or an invalid one (Parse refused that).
func (c Cache) EncryptionKeyBytes() []byte {
	key, err := base64.StdEncoding.DecodeString(c.EncryptionKey)
	if err != nil || !slices.Contains([]int{16, 24, 32}, len(key)) {
		return nil
	}
	return key
}

// caches reports whether a method setting sets any of the caching fields.
func (ms MethodSetting) caches() bool {
	return ms.CachingEnabled != nil || ms.CacheTTLInSeconds != nil || ms.CacheDataEncrypted != nil ||
		ms.RequireAuthorizationForCacheControl != nil || ms.UnauthorizedCacheControlHeaderStrategy != ""
}

// validateCaches checks the stages' cache settings, and gives an enabled cache without a size the default one.
func (c *Config) validateCaches(probs *diag.Problems) {
	if c.Cache.EncryptionKey != "" && c.Cache.EncryptionKeyBytes() == nil {
		probs.Addf(c.File, "/cache/encryptionKey", "the encryption key must be the base64 of 16, 24 or 32 bytes (AES-128, -192 or -256)")
	}
	for i := range c.APIs {
		api := &c.APIs[i]
		for j := range api.Stages {
			st := &api.Stages[j]
			at := func(tokens ...any) string {
				return diag.Pointer(append([]any{"apis", i, "stages", j}, tokens...)...)
			}
			if api.IsHTTP() {
				c.refuseHTTPAPICache(probs, st, at)
				continue
			}
			switch {
			case st.CacheClusterSize == "" && st.CacheClusterEnabled:
				st.CacheClusterSize = DefaultCacheClusterSize
			case st.CacheClusterSize != "" && !slices.Contains(CacheClusterSizes, st.CacheClusterSize):
				probs.Addf(c.File, at("cacheClusterSize"), "invalid cacheClusterSize %q: want one of API Gateway's sizes in GB, %q", st.CacheClusterSize, CacheClusterSizes)
			}
			if h := st.CacheStatusHeader; h != "" && !headerName.MatchString(h) {
				probs.Addf(c.File, at("cacheStatusHeader"), "invalid cacheStatusHeader %q: want a header name", h)
			}
			if !st.CacheClusterEnabled {
				for _, f := range []struct {
					key string
					set bool
				}{{"cacheClusterSize", st.CacheClusterSize != ""}, {"cacheStatusHeader", st.CacheStatusHeader != ""}} {
					if f.set {
						c.Warnings.Addf(c.File, at(f.key), "the stage has no cache (cacheClusterEnabled is not true): %s does nothing", f.key)
					}
				}
			}
			for key, ms := range st.MethodSettings {
				if ms.caches() {
					c.validateMethodCaching(probs, st, ms, at("methodSettings", key))
				}
			}
		}
	}
}

func (c *Config) validateMethodCaching(probs *diag.Problems, st *Stage, ms MethodSetting, at string) {
	if ttl := ms.CacheTTLInSeconds; ttl != nil && (*ttl < 0 || *ttl > MaxCacheTTL) {
		probs.Addf(c.File, at+"/cacheTtlInSeconds", "cacheTtlInSeconds %d: want 0 (no caching) to %d", *ttl, MaxCacheTTL)
	}
	switch s := ms.UnauthorizedCacheControlHeaderStrategy; s {
	case "", FailWith403, SucceedWithResponseHeader, SucceedWithoutResponseHeader:
	default:
		probs.Addf(c.File, at+"/unauthorizedCacheControlHeaderStrategy", "invalid unauthorizedCacheControlHeaderStrategy %q: want %s, %s or %s", s, FailWith403, SucceedWithResponseHeader, SucceedWithoutResponseHeader)
	}
	if ms.CacheDataEncrypted != nil && *ms.CacheDataEncrypted && c.Redis != "" && c.Cache.EncryptionKey == "" {
		probs.Addf(c.File, at+"/cacheDataEncrypted", "cacheDataEncrypted with Redis needs cache.encryptionKey (the same on every node) to seal the entries with")
	}
	if !st.CacheClusterEnabled {
		c.Warnings.Addf(c.File, at, "the stage has no cache (cacheClusterEnabled is not true): the method's caching settings do nothing")
	}
}

// refuseHTTPAPICache refuses the cache settings on an HTTP API's stage: API Gateway's stage cache is a REST API's.
func (c *Config) refuseHTTPAPICache(probs *diag.Problems, st *Stage, at func(...any) string) {
	const reason = "HTTP APIs have no response cache: API Gateway's stage cache is a REST API's"
	for _, f := range []struct {
		key string
		set bool
	}{{"cacheClusterEnabled", st.CacheClusterEnabled}, {"cacheClusterSize", st.CacheClusterSize != ""}, {"cacheStatusHeader", st.CacheStatusHeader != ""}} {
		if f.set {
			probs.Addf(c.File, at(f.key), "%s", reason)
		}
	}
	if st.DefaultRouteSettings != nil && st.DefaultRouteSettings.caches() {
		probs.Addf(c.File, at("defaultRouteSettings"), "%s", reason)
	}
	for key, rs := range st.RouteSettings {
		if rs.caches() {
			probs.Addf(c.File, at("routeSettings", key), "%s", reason)
		}
	}
}
