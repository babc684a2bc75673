package check

import (
	"math"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// canaries checks the gateway's canary releases: each is of a REST API's stage that a model API of the same id
// serves, one per stage, and takes between 0 and 100 percent of its requests.
func (c *checker) canaries(gw *tollgatev1.Gateway) {
	type stageOf [2]string // API id, stage name
	bases, canaries := map[stageOf]bool{}, map[stageOf]bool{}
	for _, api := range gw.GetApis() {
		for _, st := range api.GetStages() {
			if st.GetCanary() == nil {
				bases[stageOf{api.GetId(), st.GetStageName()}] = true
			}
		}
	}
	for _, api := range gw.GetApis() {
		file := api.GetSourceFile()
		for _, st := range api.GetStages() {
			canary := st.GetCanary()
			if canary == nil {
				continue
			}
			at := diag.Pointer("stages", st.GetStageName(), "canarySettings")
			key := stageOf{api.GetId(), st.GetStageName()}
			switch pct := canary.GetPercentTraffic(); {
			case api.GetProtocolType() == tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP:
				c.probs.Addf(file, at, "an HTTP API has no canary releases (API Gateway's are a REST API's)")
			case !bases[key]:
				c.probs.Addf(file, at, "stage %q of API %s is not served: a canary release is of a stage that is", st.GetStageName(), api.GetId())
			case canaries[key]:
				c.probs.Addf(file, at, "stage %q of API %s has a canary release already", st.GetStageName(), api.GetId())
			case math.IsNaN(pct) || pct < 0 || pct > 100:
				c.probs.Addf(file, at+"/percentTraffic", "percentTraffic %v is not a percentage from 0 to 100", pct)
			}
			canaries[key] = true
		}
	}
}
