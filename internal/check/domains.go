package check

import (
	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// domainNames checks that each base path mapping serves a stage of a REST or HTTP API the gateway has, or, without
// a stage, a REST API.
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
	}
	for _, d := range gw.GetDomainNames() {
		for j, m := range d.GetBasePathMappings() {
			at := func(key string) string {
				return d.GetSourcePointer() + diag.Pointer("basePathMappings", j, key)
			}
			switch {
			case webSocketAPIs[m.GetApiId()]:
				c.probs.Addf(d.GetSourceFile(), at("apiId"), "WebSocket API %q on a custom domain name is not supported yet", m.GetApiId())
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
