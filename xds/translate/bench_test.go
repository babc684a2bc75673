package translate

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/check"
	"github.com/tollgate-gw/tollgate/internal/ir"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// largeGateway builds n APIs of m methods each, over the resource shapes real APIs have: static paths, a path
// parameter with a placeholder in the URI, and stage variables.
func largeGateway(n, m int) *tollgatev1.Gateway {
	gw := &tollgatev1.Gateway{}
	for i := 0; i < n; i++ {
		api := &tollgatev1.RestApi{Id: fmt.Sprintf("api%06d", i), SourceFile: "bench.yaml", Stages: []*tollgatev1.Stage{
			{StageName: "prod", Variables: map[string]string{"backend": fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250)}},
		}}
		for j := 0; j < m/2; j++ {
			path := fmt.Sprintf("/things%d/{id}", j)
			api.Resources = append(api.Resources, &tollgatev1.Resource{Path: path, Methods: []*tollgatev1.Method{
				{HttpMethod: "GET", SourcePointer: "/paths/x/get", Integration: &tollgatev1.Integration{
					Type: tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY, HttpMethod: "GET",
					Uri:               "http://${stageVariables.backend}/things/{id}",
					RequestParameters: map[string]string{"integration.request.path.id": "method.request.path.id"},
				}},
				{HttpMethod: "PUT", SourcePointer: "/paths/x/put", Integration: &tollgatev1.Integration{
					Type: tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY, HttpMethod: "PUT",
					Uri:               "http://${stageVariables.backend}/things/{id}",
					RequestParameters: map[string]string{"integration.request.path.id": "method.request.path.id"},
				}},
			}})
		}
		gw.Apis = append(gw.Apis, api)
	}
	return gw
}

// BenchmarkTranslate1000x10 is the control-plane target: 1,000 APIs of 10 methods checked, built and translated
// in under a second and under 150 MiB of resident memory (reported as peak-RSS-MiB, the process's high-water
// mark).
func BenchmarkTranslate1000x10(b *testing.B) {
	gw := largeGateway(1000, 10)
	settings := ir.Settings{Domain: "execute-api.localhost"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := check.Gateway(gw); err != nil {
			b.Fatal(err)
		}
		snap, err := ir.Build(gw, settings)
		if err != nil {
			b.Fatal(err)
		}
		Translate(snap)
	}
	b.StopTimer()
	if mib, ok := peakRSSMiB(); ok {
		b.ReportMetric(mib, "peak-RSS-MiB")
	}
}

// peakRSSMiB reads VmHWM, the peak resident set size, from /proc (Linux only).
func peakRSSMiB() (float64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err == nil
		}
	}
	return 0, false
}
