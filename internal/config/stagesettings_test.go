package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseStageSettings(t *testing.T) {
	const ms = "/apis/0/stages/0/methodSettings/*~1*/"
	key := "cache: {encryptionKey: " + strings.Repeat("A", 43) + "=}\n" // 32 bytes
	tests := []struct {
		name, doc string
		problems  []string // none: the file loads
		warnings  []string
	}{
		{"a cache with its settings", stageWith(`cacheClusterEnabled: true, cacheClusterSize: "6.1", cacheStatusHeader: X-Cache, methodSettings: {"*/*": {cachingEnabled: true, cacheTtlInSeconds: 3600, cacheDataEncrypted: true, requireAuthorizationForCacheControl: false, unauthorizedCacheControlHeaderStrategy: FAIL_WITH_403}}`), nil, nil},
		{"a size AWS does not have", stageWith(`cacheClusterEnabled: true, cacheClusterSize: "1"`), []string{`/apis/0/stages/0/cacheClusterSize: invalid cacheClusterSize "1"`}, nil},
		{"a TTL over an hour", stageWith(`cacheClusterEnabled: true, methodSettings: {"*/*": {cacheTtlInSeconds: 3601}}`), []string{ms + "cacheTtlInSeconds: cacheTtlInSeconds 3601: want 0 (no caching) to 3600"}, nil},
		{"a negative TTL", stageWith(`cacheClusterEnabled: true, methodSettings: {"*/*": {cacheTtlInSeconds: -1}}`), []string{ms + "cacheTtlInSeconds:"}, nil},
		{"a strategy AWS does not have", stageWith(`cacheClusterEnabled: true, methodSettings: {"*/*": {unauthorizedCacheControlHeaderStrategy: IGNORE}}`), []string{ms + `unauthorizedCacheControlHeaderStrategy: invalid unauthorizedCacheControlHeaderStrategy "IGNORE"`}, nil},
		{"a status header that is no header name", stageWith(`cacheClusterEnabled: true, cacheStatusHeader: "X Cache"`), []string{`/apis/0/stages/0/cacheStatusHeader: invalid cacheStatusHeader "X Cache"`}, nil},
		{"encrypted entries in Redis without a key", "redis: redis://127.0.0.1:6379/0\n" + stageWith(`cacheClusterEnabled: true, methodSettings: {"*/*": {cacheDataEncrypted: true}}`), []string{ms + "cacheDataEncrypted: cacheDataEncrypted with Redis needs cache.encryptionKey"}, nil},
		{"encrypted entries in Redis with a key", key + "redis: redis://127.0.0.1:6379/0\n" + stageWith(`cacheClusterEnabled: true, methodSettings: {"*/*": {cacheDataEncrypted: true}}`), nil, nil},
		{"a key that is not AES's", "cache: {encryptionKey: c2hvcnQ=}\n", []string{"/cache/encryptionKey: the encryption key must be the base64 of 16, 24 or 32 bytes"}, nil},
		{"caching settings on a stage without a cache", stageWith(`methodSettings: {"/pets/GET": {cachingEnabled: true}}`), nil, []string{"/apis/0/stages/0/methodSettings/~1pets~1GET: the stage has no cache (cacheClusterEnabled is not true)"}},
		{"detailed metrics", stageWith(`methodSettings: {"*/*": {metricsEnabled: true}}`), nil, nil},
		{"detailed metrics of an HTTP API", `apis: [{id: h, definition: a.yaml, protocolType: HTTP, stages: [{stageName: p, routeSettings: {"GET /pets": {detailedMetricsEnabled: true}}}]}]`, nil, nil},
		{"detailed metrics named as the other kind of API names them", `apis: [{id: h, definition: a.yaml, protocolType: HTTP, stages: [{stageName: p, routeSettings: {"GET /pets": {metricsEnabled: true}}}]}, {id: r, definition: a.yaml, stages: [{stageName: p, methodSettings: {"*/*": {detailedMetricsEnabled: true}}}]}]`,
			[]string{"/apis/0/stages/0/routeSettings/GET ~1pets/metricsEnabled: metricsEnabled is a REST API's method setting", "/apis/1/stages/0/methodSettings/*~1*/detailedMetricsEnabled: detailedMetricsEnabled is an HTTP API's route setting"}, nil},
		{"an access log", stageWith(`accessLogSettings: {format: "$context.requestId $context.status", destination: stdout}`), nil, nil},
		{"an access log of unknown variables, without a destination", stageWith(`accessLogSettings: {format: "$context.requestId $context.wafResponseCode $context.identity.apiKey"}`),
			[]string{"/apis/0/stages/0/accessLogSettings/format: $context.identity.apiKey cannot be logged", "/apis/0/stages/0/accessLogSettings/destination: an access log needs its destination"}, nil},
		{"an access log without a format", stageWith(`accessLogSettings: {destination: stdout}`), []string{"/apis/0/stages/0/accessLogSettings/format: an access log needs its format"}, nil},
		{"cache settings of a stage without a cache", stageWith(`cacheClusterSize: "1.6", cacheStatusHeader: X-Cache`), nil,
			[]string{"/apis/0/stages/0/cacheClusterSize: the stage has no cache", "/apis/0/stages/0/cacheStatusHeader: the stage has no cache"}},
		{"detailed metrics with metrics off", "metrics: {enabled: false}\n" + stageWith(`methodSettings: {"*/*": {metricsEnabled: true}}`), nil,
			[]string{"/apis/0/stages/0/methodSettings/*~1*: metrics.enabled is false"}},
		{"an access log in a directory that does not exist", stageWith(`accessLogSettings: {format: "$context.status", destination: /nonexistent/dir/a.log}`),
			[]string{"/apis/0/stages/0/accessLogSettings/destination: the access log's directory /nonexistent/dir does not exist"}, nil},
		{"traces", "tracing: {otlp: 127.0.0.1:4317}\n" + stageWith(`tracingEnabled: true`), nil, nil},
		{"traces with no collector", stageWith(`tracingEnabled: true`), []string{"/apis/0/stages/0/tracingEnabled: tracingEnabled needs a collector to send the traces to: set tracing.otlp"}, nil},
		{"a collector that is no address", "tracing: {otlp: collector}\n" + stageWith(`tracingEnabled: true`), []string{"/tracing/otlp: the OTLP collector's address:"}, nil},
		{"traces of an HTTP API", "tracing: {otlp: 127.0.0.1:4317}\n" + `apis: [{id: h, definition: a.yaml, protocolType: HTTP, stages: [{stageName: p, tracingEnabled: true}]}]`,
			[]string{"/apis/0/stages/0/tracingEnabled: HTTP APIs have no tracingEnabled: API Gateway traces REST APIs only"}, nil},
		{"a cache on an HTTP API's stage", `apis: [{id: h, definition: a.yaml, protocolType: HTTP, stages: [{stageName: p, cacheClusterEnabled: true, cacheStatusHeader: X-Cache, routeSettings: {"GET /pets": {cachingEnabled: true}}}]}]`,
			[]string{"/apis/0/stages/0/cacheClusterEnabled: HTTP APIs have no response cache", "/apis/0/stages/0/cacheStatusHeader: HTTP APIs have no response cache", "/apis/0/stages/0/routeSettings/GET ~1pets: HTTP APIs have no response cache"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("t.yaml", []byte(tt.doc))
			if tt.problems == nil {
				if err != nil {
					t.Fatal(err)
				}
				if len(c.Warnings) != len(tt.warnings) {
					t.Errorf("warnings:\n%v\nwant %d", c.Warnings, len(tt.warnings))
				}
				for _, w := range tt.warnings {
					if !strings.Contains(c.Warnings.Error(), w) {
						t.Errorf("warnings:\n%v\nwant them to contain %q", c.Warnings, w)
					}
				}
				return
			}
			if err == nil {
				t.Fatal("Parse succeeded, want problems")
			}
			for _, p := range tt.problems {
				if !strings.Contains(err.Error(), p) {
					t.Errorf("problems:\n%v\nwant them to contain %q", err, p)
				}
			}
		})
	}
}

func TestCacheDefaults(t *testing.T) {
	c, err := Parse("t.yaml", []byte(stageWith("cacheClusterEnabled: true")))
	if err != nil {
		t.Fatal(err)
	}
	if size := c.APIs[0].Stages[0].CacheClusterSize; size != DefaultCacheClusterSize {
		t.Errorf("an enabled cache without a size is %q, want %q", size, DefaultCacheClusterSize)
	}
	t.Setenv("TOLLGATE_CACHE_ENCRYPTION_KEY", strings.Repeat("A", 22)+"==")
	if c, err = Parse("t.yaml", []byte("{}")); err != nil || len(c.Cache.EncryptionKeyBytes()) != 16 {
		t.Errorf("the key from the environment: %v, %d bytes; want 16", err, len(c.Cache.EncryptionKeyBytes()))
	}
}

// A file destination is relative to the config file.
func TestAccessLogDestination(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "logs"), 0o700); err != nil {
		t.Fatal(err)
	}
	c, err := Parse(filepath.Join(dir, "tollgate.yaml"), []byte(stageWith(`accessLogSettings: {format: "$context.status", destination: logs/prod.log}`)))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.APIs[0].Stages[0].AccessLogSettings.Destination; got != filepath.Join(dir, "logs", "prod.log") {
		t.Errorf("destination %q, want it beside the config", got)
	}
}
