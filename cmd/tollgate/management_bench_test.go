package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
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
			copyAPI(b, h, api.ID, apis-1)
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

// copyAPI stores n copies of a managed API's record, each under an id of its own, as n more APIs deployed alike.
func copyAPI(b *testing.B, h *harness, id string, n int) {
	b.Helper()
	ctx := context.Background()
	raw, err := h.cp.state.Get(ctx, "restapis/"+id)
	if err != nil || raw == nil {
		b.Fatalf("record of %s: %v", id, err)
	}
	for i := range n {
		var rec map[string]any
		if err := json.Unmarshal(raw, &rec); err != nil {
			b.Fatal(err)
		}
		copied := fmt.Sprintf("copy%06d", i)
		rec["api"].(map[string]any)["id"] = copied
		out, _ := json.Marshal(rec)
		if err := h.cp.state.Update(ctx, "restapis/"+copied, func([]byte) ([]byte, error) { return out, nil }); err != nil {
			b.Fatal(err)
		}
	}
}
