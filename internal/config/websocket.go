package config

import (
	"net"
	"time"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

// ProtocolWebSocket is the protocolType of a WebSocket API entry, whose definition is apigatewayv2's fields.
const ProtocolWebSocket = "WEBSOCKET"

// IsWebSocket tells whether the entry is a WebSocket API.
func (a API) IsWebSocket() bool { return a.ProtocolType == ProtocolWebSocket }

// WebSocket is Tollgate's WebSocket service: where it listens for the connections Envoy upgrades (Envoy reaches
// it at that address), and API Gateway's limits on a connection, which tests shorten.
type WebSocket struct {
	Listen string `yaml:"listen"`
	// IdleTimeout closes a connection nothing was sent on for that long (API Gateway: 10 minutes);
	// MaxConnectionDuration closes any connection that old (API Gateway: 2 hours).
	IdleTimeout           time.Duration `yaml:"idleTimeout"`
	MaxConnectionDuration time.Duration `yaml:"maxConnectionDuration"`
}

// Defaults of the WebSocket service.
const (
	DefaultWebSocketListen       = "127.0.0.1:9082"
	DefaultWebSocketIdleTimeout  = 10 * time.Minute
	DefaultWebSocketMaxDuration  = 2 * time.Hour
	maxWebSocketConnectionLimits = 24 * time.Hour
)

func (c *Config) validateWebSocket(probs *diag.Problems) {
	ws := &c.WebSocket
	if ws.Listen == "" {
		ws.Listen = DefaultWebSocketListen
	}
	if err := checkHostPort(ws.Listen); err != nil {
		probs.Addf(c.File, "/webSocket/listen", "%v", err)
	} else if host, _, _ := net.SplitHostPort(ws.Listen); host == "0.0.0.0" || host == "::" {
		probs.Addf(c.File, "/webSocket/listen", "Envoy reaches the WebSocket service at this address: name the interface (%s), not every one", ws.Listen)
	}
	for _, limit := range []struct {
		at    string
		value *time.Duration
		def   time.Duration
	}{{"/webSocket/idleTimeout", &ws.IdleTimeout, DefaultWebSocketIdleTimeout}, {"/webSocket/maxConnectionDuration", &ws.MaxConnectionDuration, DefaultWebSocketMaxDuration}} {
		switch {
		case *limit.value == 0:
			*limit.value = limit.def
		case *limit.value < 0 || *limit.value > maxWebSocketConnectionLimits:
			probs.Addf(c.File, limit.at, "%v: want a duration up to 24h (API Gateway's is %v)", *limit.value, limit.def)
		}
	}
	for i, api := range c.APIs {
		if !api.IsWebSocket() {
			continue
		}
		for j, st := range api.Stages {
			at := func(key string) string { return diag.Pointer("apis", i, "stages", j, key) }
			// What a WebSocket API's stage may set beyond its name and variables is not served yet.
			for _, setting := range []struct {
				key string
				set bool
			}{
				{"methodSettings", st.MethodSettings != nil}, {"defaultRouteSettings", st.DefaultRouteSettings != nil},
				{"routeSettings", st.RouteSettings != nil}, {"autoDeploy", st.AutoDeploy}, {"cacheClusterEnabled", st.CacheClusterEnabled},
				{"cacheClusterSize", st.CacheClusterSize != ""}, {"cacheStatusHeader", st.CacheStatusHeader != ""},
				{"accessLogSettings", st.AccessLogSettings != nil}, {"tracingEnabled", st.TracingEnabled}, {"canarySettings", st.CanarySettings != nil},
			} {
				if setting.set {
					probs.Addf(c.File, at(setting.key), "%s on a WebSocket API's stage is not supported yet: Tollgate serves a WebSocket stage's name and variables", setting.key)
				}
			}
		}
	}
}
