package config

import (
	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/routekey"
)

// DefaultStage is an HTTP API's stage served at the root, without a stage segment in the path.
const DefaultStage = "$default"

// DefaultRoute is the route key of an HTTP API's route for the requests no other route matches.
const DefaultRoute = routekey.Default

// validateProtocol checks an API entry's protocolType, and that its stages use the settings of its kind: a
// REST API's methodSettings, an HTTP API's defaultRouteSettings and routeSettings.
func (c *Config) validateProtocol(probs *diag.Problems, i int) {
	api := &c.APIs[i]
	at := func(tokens ...any) string { return diag.Pointer(append([]any{"apis", i}, tokens...)...) }
	switch api.ProtocolType {
	case "", ProtocolREST, ProtocolHTTP:
	case ProtocolWebSocket:
		return // its stages are checked in websocket.go
	default:
		probs.Addf(c.File, at("protocolType"), "invalid protocolType %q: want REST, HTTP or WEBSOCKET", api.ProtocolType)
	}
	for j, st := range api.Stages {
		if !api.IsHTTP() {
			if st.DefaultRouteSettings != nil {
				probs.Addf(c.File, at("stages", j, "defaultRouteSettings"), "defaultRouteSettings are an HTTP API's: a REST API's stage sets methodSettings \"*/*\"")
			}
			if st.RouteSettings != nil {
				probs.Addf(c.File, at("stages", j, "routeSettings"), "routeSettings are an HTTP API's: a REST API's stage sets methodSettings")
			}
			if st.AutoDeploy {
				probs.Addf(c.File, at("stages", j, "autoDeploy"), "autoDeploy is an HTTP API's stage setting (a REST API's stage serves its definition as it is read anyway)")
			}
			for key, ms := range st.MethodSettings {
				if ms.DetailedMetricsEnabled != nil {
					probs.Addf(c.File, at("stages", j, "methodSettings", key, "detailedMetricsEnabled"), "detailedMetricsEnabled is an HTTP API's route setting: a REST API's method setting is metricsEnabled")
				}
			}
			continue
		}
		for key, rs := range st.RouteSettings {
			if rs.MetricsEnabled != nil {
				probs.Addf(c.File, at("stages", j, "routeSettings", key, "metricsEnabled"), "metricsEnabled is a REST API's method setting: an HTTP API's route setting is detailedMetricsEnabled")
			}
		}
		if rs := st.DefaultRouteSettings; rs != nil && rs.MetricsEnabled != nil {
			probs.Addf(c.File, at("stages", j, "defaultRouteSettings", "metricsEnabled"), "metricsEnabled is a REST API's method setting: an HTTP API's route setting is detailedMetricsEnabled")
		}
		if st.MethodSettings != nil {
			probs.Addf(c.File, at("stages", j, "methodSettings"), "methodSettings are a REST API's: an HTTP API's stage sets defaultRouteSettings and routeSettings")
		}
		if st.DefaultRouteSettings != nil {
			checkStageThrottle(probs, c.File, at("stages", j, "defaultRouteSettings"), *st.DefaultRouteSettings)
		}
		for key, rs := range st.RouteSettings {
			if _, ok := routekey.MethodKey(key); !ok {
				probs.Addf(c.File, at("stages", j, "routeSettings", key), "invalid route key %q: want a method and a path such as \"GET /pets\" or \"ANY /{proxy+}\", or $default", key)
				continue
			}
			checkStageThrottle(probs, c.File, at("stages", j, "routeSettings", key), rs)
		}
	}
}
