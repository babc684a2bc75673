package ratelimit

import (
	"context"
	"strconv"
	"testing"

	commonrl "github.com/envoyproxy/go-control-plane/envoy/extensions/common/ratelimit/v3"
	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
	"github.com/tollgate-gw/tollgate/routetable"
)

// benchServer serves one keyed route with every kind of limit: plan throttle and quota, stage default, account.
func benchServer(b *testing.B, store Store) (*Server, []*rlsv3.RateLimitRequest) {
	gw := &tollgatev1.Gateway{
		AccountThrottle: &tollgatev1.ThrottleSettings{RateLimit: 1e9, BurstLimit: 1 << 30},
		Apis: []*tollgatev1.RestApi{{Id: "a1", Stages: []*tollgatev1.Stage{{StageName: "prod",
			MethodThrottles: map[string]*tollgatev1.ThrottleSettings{"*/*": {RateLimit: 1e9, BurstLimit: 1 << 30}}}}}},
		UsagePlans: []*tollgatev1.UsagePlan{{Id: "p1", Throttle: &tollgatev1.ThrottleSettings{RateLimit: 1e9, BurstLimit: 1 << 30},
			Quota: &tollgatev1.QuotaSettings{Limit: 1 << 40, Period: "MONTH"}, ApiStages: []*tollgatev1.ApiStage{{ApiId: "a1", Stage: "prod"}}}},
	}
	s := NewServer(store, false, 0)
	s.SetTable(NewTable(gw, map[string]routetable.Method{"r1": {APIID: "a1", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"}}))
	// 100 keys, as many clients would send.
	var reqs []*rlsv3.RateLimitRequest
	for k := 0; k < 100; k++ {
		reqs = append(reqs, &rlsv3.RateLimitRequest{Domain: Domain, Descriptors: []*commonrl.RateLimitDescriptor{{Entries: []*commonrl.RateLimitDescriptor_Entry{
			{Key: RouteEntry, Value: "r1"}, {Key: APIKeyEntry, Value: "k" + strconv.Itoa(k)}, {Key: UsagePlanEntry, Value: "p1"},
		}}}})
	}
	return s, reqs
}

func runDecisions(b *testing.B, s *Server, reqs []*rlsv3.RateLimitRequest) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			resp, err := s.ShouldRateLimit(context.Background(), reqs[i%len(reqs)])
			if err != nil || resp.GetOverallCode() != rlsv3.RateLimitResponse_OK {
				b.Errorf("decision: %v, %v", resp.GetOverallCode(), err)
				return
			}
			i++
		}
	})
}

// BenchmarkDecisionMemory: decisions per second of the in-memory service (3 buckets and a quota each).
func BenchmarkDecisionMemory(b *testing.B) {
	s, reqs := benchServer(b, NewMemory())
	runDecisions(b, s, reqs)
}

// BenchmarkDecisionRedis: the same against a real redis-server on loopback (one script call a decision), with
// as many decisions in flight as Envoys would send: Redis's throughput comes from concurrency.
func BenchmarkDecisionRedis(b *testing.B) {
	s, reqs := benchServer(b, newRedisStore(b, startRedis(b)))
	b.SetParallelism(32)
	runDecisions(b, s, reqs)
}
