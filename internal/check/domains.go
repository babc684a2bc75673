package check

import (
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// domainNames checks that each base path mapping serves a stage of an API the gateway has (or, without a stage,
// a REST API's), and a WebSocket API's as API Gateway's rules for them say.
func (c *checker) domainNames(gw *tollgatev1.Gateway) {
	stages := map[[2]string]bool{}
	apis := map[string]*tollgatev1.RestApi{}
	for _, api := range gw.GetApis() {
		apis[api.GetId()] = api
		for _, st := range api.GetStages() {
			stages[[2]string{api.GetId(), st.GetStageName()}] = true
		}
	}
	webSocketAPIs := map[string]bool{}
	for _, api := range gw.GetWebsocketApis() {
		webSocketAPIs[api.GetId()] = true
		for _, st := range api.GetStages() {
			stages[[2]string{api.GetId(), st.GetStageName()}] = true
		}
	}
	for _, d := range gw.GetDomainNames() {
		kinds := map[bool]bool{} // whether the domain maps WebSocket APIs, REST and HTTP APIs
		for j, m := range d.GetBasePathMappings() {
			at := func(key string) string {
				return d.GetSourcePointer() + diag.Pointer("basePathMappings", j, key)
			}
			webSocket := webSocketAPIs[m.GetApiId()]
			if webSocket || apis[m.GetApiId()] != nil {
				kinds[webSocket] = true
			}
			// API Gateway's rules for WebSocket APIs on a domain: a regional domain with TLS 1.2 of its own
			// (no REST or HTTP API beside them), single-level base paths, a stage named.
			switch {
			case webSocket && kinds[false]:
				c.probs.Addf(d.GetSourceFile(), at("apiId"), "WebSocket API %q cannot share domain name %q with REST or HTTP APIs, as on API Gateway", m.GetApiId(), d.GetDomainName())
			case !webSocket && kinds[true]:
				c.probs.Addf(d.GetSourceFile(), at("apiId"), "API %q cannot share domain name %q with WebSocket APIs, as on API Gateway", m.GetApiId(), d.GetDomainName())
			case webSocket && (d.GetEndpointType() == "EDGE" || d.GetSecurityPolicy() != "TLS_1_2"):
				c.probs.Addf(d.GetSourceFile(), at("apiId"), "WebSocket API %q needs a REGIONAL domain name with securityPolicy TLS_1_2, as on API Gateway", m.GetApiId())
			case webSocket && d.GetTruststore() != "":
				// AWS's mutual TLS is REST and HTTP APIs'; a WebSocket event would not carry the certificate.
				c.probs.Addf(d.GetSourceFile(), at("apiId"), "WebSocket API %q on a mutual TLS domain name is not supported yet", m.GetApiId())
			case webSocket && strings.Contains(m.GetBasePath(), "/"):
				c.probs.Addf(d.GetSourceFile(), at("basePath"), "a WebSocket API's base path is a single segment, as on API Gateway: %q is multi-level", m.GetBasePath())
			case webSocket && m.GetStage() == "":
				c.probs.Addf(d.GetSourceFile(), at("stage"), "a mapping of the WebSocket API %q needs the stage it serves", m.GetApiId())
			case webSocket && !stages[[2]string{m.GetApiId(), m.GetStage()}]:
				c.probs.Addf(d.GetSourceFile(), at("stage"), "API %q has no stage %q", m.GetApiId(), m.GetStage())
			case webSocket:
				// Served: its connections and @connections calls under the base path.
			case apis[m.GetApiId()] == nil:
				c.probs.Addf(d.GetSourceFile(), at("apiId"), "no API %q to map", m.GetApiId())
			case m.GetStage() == "" && apis[m.GetApiId()].GetProtocolType() == tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP:
				c.probs.Addf(d.GetSourceFile(), at("stage"), "a mapping of the HTTP API %q needs the stage it serves", m.GetApiId())
			case m.GetStage() == "":
				// A REST API's mapping without a stage serves each of its stages.
			case !stages[[2]string{m.GetApiId(), m.GetStage()}]:
				c.probs.Addf(d.GetSourceFile(), at("stage"), "API %q has no stage %q", m.GetApiId(), m.GetStage())
			}
		}
	}
}
