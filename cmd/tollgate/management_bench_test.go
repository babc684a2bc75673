package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/internal/management"
)

// BenchmarkDeploymentPublished is create-deployment until its answer, which comes once the whole configuration
// with the new deployment is checked, stored and published to the xDS server (Envoy applies it in milliseconds
// after), with 1 and with 1,000 deployed APIs. p50 and p99 are over the iterations (make bench runs 20).
func BenchmarkDeploymentPublished(b *testing.B) {
	for _, apis := range []int{1, 1000} {
		b.Run(fmt.Sprintf("apis=%d", apis), func(b *testing.B) {
			h := startHarness(b, map[string]string{"tollgate.yaml": ""})
			var api struct{ ID, RootResourceID string }
			h.manage("POST", "/restapis", `{"name":"bench"}`, 201, &api)
			base := "/restapis/" + api.ID
			get := base + "/resources/" + api.RootResourceID + "/methods/GET"
			h.manage("PUT", get, `{"authorizationType":"NONE"}`, 201, nil)
			h.manage("PUT", get+"/integration", `{"type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}`, 201, nil)
			h.manage("PUT", get+"/responses/200", `{}`, 201, nil)
			respond := func(i int) {
				body, _ := json.Marshal(map[string]any{"responseTemplates": map[string]string{"application/json": fmt.Sprintf(`{"deployment": %d}`, i)}})
				h.manage("PUT", get+"/integration/responses/200", string(body), 201, nil)
			}
			respond(0)
			h.manage("POST", base+"/deployments", `{"stageName":"prod"}`, 201, nil)
			if err := management.CopyAPI(context.Background(), h.cp.state, api.ID, apis-1); err != nil {
				b.Fatal(err)
			}
			h.cp.Reload()

			var took []time.Duration
			for i := 1; b.Loop(); i++ {
				respond(i)
				start := time.Now()
				h.manage("POST", base+"/deployments", `{"stageName":"prod"}`, 201, nil)
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Milliseconds()), "p50-ms")
			b.ReportMetric(float64(took[len(took)*99/100].Milliseconds()), "p99-ms")
		})
	}
}
