package management

import (
	"strconv"
	"strings"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// A stage's method settings and access log, as UpdateStage's patch paths set them: /{resource path, ~1 for
// /}/{method}/{group}/{setting} (/*/* for every method), and /accessLogSettings/{format,destinationArn}.

// methodSetting is API Gateway's MethodSetting.
type methodSetting struct {
	MetricsEnabled                         bool     `json:"metricsEnabled"`
	LoggingLevel                           string   `json:"loggingLevel,omitempty"`
	DataTraceEnabled                       bool     `json:"dataTraceEnabled"`
	ThrottlingBurstLimit                   *int32   `json:"throttlingBurstLimit,omitempty"`
	ThrottlingRateLimit                    *float64 `json:"throttlingRateLimit,omitempty"`
	CachingEnabled                         bool     `json:"cachingEnabled"`
	CacheTTLInSeconds                      int      `json:"cacheTtlInSeconds"`
	CacheDataEncrypted                     bool     `json:"cacheDataEncrypted"`
	RequireAuthorizationForCacheControl    bool     `json:"requireAuthorizationForCacheControl"`
	UnauthorizedCacheControlHeaderStrategy string   `json:"unauthorizedCacheControlHeaderStrategy,omitempty"`
}

// accessLogSettings is API Gateway's AccessLogSettings. Tollgate writes the log where Envoy can: destinationArn
// is a file's path or stdout.
type accessLogSettings struct {
	Format         string `json:"format,omitempty"`
	DestinationARN string `json:"destinationArn,omitempty"`
}

// The account's throttle, which a method setting that names one limit has for the other, as API Gateway's.
const (
	accountRateLimit  = 10000
	accountBurstLimit = 5000
)

// defaultMethodSetting is a method's settings before any patch sets one, as API Gateway's: a GET's cache entries
// live 300 s, cache control needs authorization and is refused without it; no throttle of the stage's (the
// account's applies).
func defaultMethodSetting() *methodSetting {
	return &methodSetting{LoggingLevel: "OFF", CacheTTLInSeconds: 300,
		RequireAuthorizationForCacheControl: true, UnauthorizedCacheControlHeaderStrategy: "SUCCEED_WITH_RESPONSE_HEADER"}
}

// patchSettings applies a patch path of the method settings; false when op is none of theirs.
func (st *stage) patchSettings(op patchOperation) (bool, error) {
	parts := strings.Split(strings.TrimPrefix(op.Path, "/"), "/")
	if len(parts) != 4 || op.Op != "replace" {
		return false, nil
	}
	key := "*/*"
	if parts[0] != "*" || parts[1] != "*" {
		key = unescapePointer(parts[0]) + "/" + parts[1]
		if !strings.HasPrefix(key, "/") {
			return true, badRequest("Invalid method setting path %s: want /{resource path}/{method}/... with the path's / as ~1, or /*/*/...", op.Path)
		}
	}
	if st.MethodSettings == nil {
		st.MethodSettings = map[string]*methodSetting{}
	}
	ms := st.MethodSettings[key]
	if ms == nil {
		ms = defaultMethodSetting()
	}
	flag := func(to *bool) error {
		v, err := strconv.ParseBool(op.Value)
		if err != nil {
			return badRequest("Invalid value %q for %s: want true or false", op.Value, op.Path)
		}
		*to = v
		return nil
	}
	number := func() (float64, error) {
		v, err := strconv.ParseFloat(op.Value, 64)
		if err != nil || v < 0 {
			return 0, badRequest("Invalid value %q for %s: want a number, not negative", op.Value, op.Path)
		}
		return v, nil
	}
	var err error
	switch setting := parts[2] + "/" + parts[3]; setting {
	case "metrics/enabled":
		err = flag(&ms.MetricsEnabled)
	case "logging/loglevel":
		if op.Value != "OFF" {
			return true, badRequest("logging level %s (execution logs) is not supported by Tollgate yet: use the stage's access log", op.Value)
		}
		ms.LoggingLevel = op.Value
	case "logging/dataTrace":
		if op.Value != "false" {
			return true, badRequest("dataTrace (execution logs) is not supported by Tollgate yet: use the stage's access log")
		}
	case "throttling/rateLimit", "throttling/burstLimit":
		var v float64
		if v, err = number(); err != nil {
			return true, err
		}
		rate, burst := float64(accountRateLimit), int32(accountBurstLimit)
		if ms.ThrottlingRateLimit != nil {
			rate, burst = *ms.ThrottlingRateLimit, *ms.ThrottlingBurstLimit
		}
		if setting == "throttling/rateLimit" {
			rate = v
		} else {
			burst = int32(v)
		}
		ms.ThrottlingRateLimit, ms.ThrottlingBurstLimit = &rate, &burst
	case "caching/enabled":
		err = flag(&ms.CachingEnabled)
	case "caching/ttlInSeconds":
		var v float64
		v, err = number()
		ms.CacheTTLInSeconds = int(v)
	case "caching/dataEncrypted":
		err = flag(&ms.CacheDataEncrypted)
	case "caching/requireAuthorizationForCacheControl":
		err = flag(&ms.RequireAuthorizationForCacheControl)
	case "caching/unauthorizedCacheControlHeaderStrategy":
		ms.UnauthorizedCacheControlHeaderStrategy = op.Value
	default:
		return false, nil
	}
	st.MethodSettings[key] = ms
	return true, err
}

// patchAccessLog applies a patch path of the access log settings; false when op is none of theirs.
func (st *stage) patchAccessLog(op patchOperation) (bool, error) {
	switch {
	case op.Op == "remove" && op.Path == "/accessLogSettings":
		st.AccessLogSettings = nil
	case op.Op == "replace" && (op.Path == "/accessLogSettings/format" || op.Path == "/accessLogSettings/destinationArn"):
		if st.AccessLogSettings == nil {
			st.AccessLogSettings = &accessLogSettings{}
		}
		if op.Path == "/accessLogSettings/format" {
			st.AccessLogSettings.Format = op.Value
			return true, nil
		}
		if strings.HasPrefix(op.Value, "arn:") {
			return true, badRequest("access log destination %s: CloudWatch Logs and Firehose are not supported by Tollgate; give a file's path or stdout", op.Value)
		}
		st.AccessLogSettings.DestinationARN = op.Value
	default:
		return false, nil
	}
	return true, nil
}

// modelSettings are the stage's method settings as the model holds them.
func (st *stage) modelSettings() map[string]*tollgatev1.MethodSetting {
	if len(st.MethodSettings) == 0 {
		return nil
	}
	out := map[string]*tollgatev1.MethodSetting{}
	for key, ms := range st.MethodSettings {
		m := &tollgatev1.MethodSetting{CachingEnabled: &ms.CachingEnabled, CacheDataEncrypted: &ms.CacheDataEncrypted,
			RequireAuthorizationForCacheControl: &ms.RequireAuthorizationForCacheControl, MetricsEnabled: &ms.MetricsEnabled,
			UnauthorizedCacheControlHeaderStrategy: ms.UnauthorizedCacheControlHeaderStrategy}
		ttl := int32(ms.CacheTTLInSeconds)
		m.CacheTtlInSeconds = &ttl
		m.ThrottlingRateLimit, m.ThrottlingBurstLimit = ms.ThrottlingRateLimit, ms.ThrottlingBurstLimit
		out[key] = m
	}
	return out
}

// stageOfModel is a file's stage as API Gateway's, serving the deployment named deploymentID.
func stageOfModel(st *tollgatev1.Stage, deploymentID string) *stage {
	out := &stage{StageName: st.GetStageName(), DeploymentID: deploymentID, Variables: st.GetVariables(),
		CacheClusterEnabled: st.GetCacheClusterEnabled(), CacheClusterSize: st.GetCacheClusterSize(), TracingEnabled: st.GetTracingEnabled()}
	if l := st.GetAccessLogSettings(); l != nil {
		out.AccessLogSettings = &accessLogSettings{Format: l.GetFormat(), DestinationARN: l.GetDestination()}
	}
	for key, m := range st.GetMethodSettings() {
		ms := defaultMethodSetting()
		ms.ThrottlingRateLimit, ms.ThrottlingBurstLimit = m.ThrottlingRateLimit, m.ThrottlingBurstLimit
		for to, from := range map[*bool]*bool{&ms.CachingEnabled: m.CachingEnabled, &ms.CacheDataEncrypted: m.CacheDataEncrypted,
			&ms.RequireAuthorizationForCacheControl: m.RequireAuthorizationForCacheControl, &ms.MetricsEnabled: m.MetricsEnabled} {
			if from != nil {
				*to = *from
			}
		}
		if m.CacheTtlInSeconds != nil {
			ms.CacheTTLInSeconds = int(m.GetCacheTtlInSeconds())
		}
		if m.GetUnauthorizedCacheControlHeaderStrategy() != "" {
			ms.UnauthorizedCacheControlHeaderStrategy = m.GetUnauthorizedCacheControlHeaderStrategy()
		}
		if out.MethodSettings == nil {
			out.MethodSettings = map[string]*methodSetting{}
		}
		out.MethodSettings[key] = ms
	}
	return out
}
