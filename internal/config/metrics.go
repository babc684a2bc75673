package config

import "github.com/tollgate-gw/tollgate/internal/diag"

// warnUnmeasured warns of the detailed metrics a stage asks for when metrics.enabled is false: none are made.
func (c *Config) warnUnmeasured() {
	if c.Metrics {
		return
	}
	for i, api := range c.APIs {
		for j, st := range api.Stages {
			at := func(tokens ...any) string { return diag.Pointer(append([]any{"apis", i, "stages", j}, tokens...)...) }
			warn := func(at string, ms MethodSetting) {
				if (ms.MetricsEnabled != nil && *ms.MetricsEnabled) || (ms.DetailedMetricsEnabled != nil && *ms.DetailedMetricsEnabled) {
					c.Warnings.Addf(c.File, at, "metrics.enabled is false: the method's detailed metrics are not made")
				}
			}
			for key, ms := range st.MethodSettings {
				warn(at("methodSettings", key), ms)
			}
			for key, rs := range st.RouteSettings {
				warn(at("routeSettings", key), rs)
			}
			if st.DefaultRouteSettings != nil {
				warn(at("defaultRouteSettings"), *st.DefaultRouteSettings)
			}
		}
	}
}
