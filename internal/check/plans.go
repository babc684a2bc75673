package check

import (
	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/usageplan"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// plans checks the gateway's API keys and usage plans against each other and the APIs: tollgate.yaml's are checked
// where the file is read, with its pointers, so these rules find what the management API wrote. Each problem
// names its key or plan as its file.
func (c *checker) plans(gw *tollgatev1.Gateway) {
	keys := map[string]bool{}
	values := map[string]string{}
	for _, k := range gw.GetApiKeys() {
		file := "apikeys/" + k.GetId()
		switch n := len(k.GetValue()); {
		case keys[k.GetId()]:
			c.probs.Addf(file, "", "API key id %q is used twice", k.GetId())
		case n < usageplan.MinKeyValue || n > usageplan.MaxKeyValue:
			c.probs.Addf(file, "/value", "the value must be %d to %d characters long, it has %d", usageplan.MinKeyValue, usageplan.MaxKeyValue, n)
		case values[k.GetValue()] != "":
			c.probs.Addf(file, "/value", "API key %s has the same value", values[k.GetValue()])
		}
		keys[k.GetId()], values[k.GetValue()] = true, k.GetId()
	}
	stages := map[[2]string]bool{}
	httpAPIs := map[string]bool{}
	for _, api := range gw.GetApis() {
		httpAPIs[api.GetId()] = api.GetProtocolType() == tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP
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
	plans := map[string]bool{}
	for _, p := range gw.GetUsagePlans() {
		file := "usageplans/" + p.GetId()
		if plans[p.GetId()] {
			c.probs.Addf(file, "", "usage plan id %q is used twice", p.GetId())
		}
		plans[p.GetId()] = true
		if q := p.GetQuota(); q != nil {
			if err := usageplan.CheckQuota(q.GetLimit(), q.GetPeriod(), int(q.GetOffset())); err != nil {
				c.probs.Addf(file, "/quota", "%v", err)
			}
		}
		if t := p.GetThrottle(); t != nil {
			if err := usageplan.CheckThrottle(t.GetRateLimit(), int(t.GetBurstLimit())); err != nil {
				c.probs.Addf(file, "/throttle", "%v", err)
			}
		}
		for i, as := range p.GetApiStages() {
			switch {
			case httpAPIs[as.GetApiId()]:
				c.probs.Addf(file, diag.Pointer("apiStages", i), "HTTP API %s has no usage plans or API keys", as.GetApiId())
			case webSocketAPIs[as.GetApiId()] && len(as.GetThrottle()) > 0:
				c.probs.Addf(file, diag.Pointer("apiStages", i, "throttle"), "per-route throttles of a WebSocket API's stage are not supported yet")
			case !stages[[2]string{as.GetApiId(), as.GetStage()}]:
				c.probs.Addf(file, diag.Pointer("apiStages", i), "API %s has no stage %s deployed", as.GetApiId(), as.GetStage())
			}
			for key, t := range as.GetThrottle() {
				if err := usageplan.CheckThrottle(t.GetRateLimit(), int(t.GetBurstLimit())); err != nil {
					c.probs.Addf(file, diag.Pointer("apiStages", i, "throttle", key), "%v", err)
				}
			}
		}
		for _, id := range p.GetKeyIds() {
			if !keys[id] {
				c.probs.Addf(file, "/keys", "API key %s is none the gateway has", id)
			}
		}
	}
}
