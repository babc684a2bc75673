package ratelimit

import (
	"context"
	"net"
	"strconv"
	"testing"

	commonrl "github.com/envoyproxy/go-control-plane/envoy/extensions/common/ratelimit/v3"
	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// benchLimiter knows a keyed route with every kind of limit (plan throttle and quota, stage default, account)
// and an open route with the stage default and the account throttle, all too high to refuse anything.
func benchLimiter(store Store) *Limiter {
	huge := throttleOf(1e9, 1<<30)
	plan := ir.PlanLimits{Throttle: huge, Quota: &ir.Quota{Limit: 1 << 40, Period: "MONTH"}}
	l := NewLimiter(store)
	l.SetSnapshot(snapshotOf(
		limitedRoute("keyed", "GET", ir.Limits{Plans: map[string]ir.PlanLimits{"p1": plan}, Stage: huge, Account: huge}),
		limitedRoute("open", "POST", ir.Limits{Stage: huge, Account: huge}),
	))
	return l
}

// runKeyedDecisions decides the keyed route for 100 keys, as the API key check does for as many clients.
func runKeyedDecisions(b *testing.B, l *Limiter) {
	keys := make([]string, 100)
	for k := range keys {
		keys[k] = "k" + strconv.Itoa(k)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if d := l.Decide(context.Background(), "keyed", keys[i%len(keys)], "p1"); d != Allow {
				b.Errorf("decision: %v", d)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkDecisionMemory: decisions per second in memory (3 buckets and a quota each).
func BenchmarkDecisionMemory(b *testing.B) {
	runKeyedDecisions(b, benchLimiter(NewMemory()))
}

// BenchmarkDecisionRedis: the same against a real redis-server on loopback (one script call a decision), with
// as many decisions in flight as Envoys would send: Redis's throughput comes from concurrency.
func BenchmarkDecisionRedis(b *testing.B) {
	l := benchLimiter(newRedisStore(b, redistest.Start(b)))
	b.SetParallelism(32)
	runKeyedDecisions(b, l)
}

// BenchmarkRateLimitServiceGRPC is a gRPC load run: ShouldRateLimit calls over loopback gRPC to the service, as
// Envoy's rate-limit filter makes them, 64 in flight, in memory. Client and server share the machine's cores.
func BenchmarkRateLimitServiceGRPC(b *testing.B) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	g := grpc.NewServer()
	NewServer(benchLimiter(NewMemory())).Register(g)
	go func() { _ = g.Serve(lis) }()
	defer g.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	client := rlsv3.NewRateLimitServiceClient(conn)
	req := &rlsv3.RateLimitRequest{Domain: names.RateLimitDomain, Descriptors: []*commonrl.RateLimitDescriptor{{
		Entries: []*commonrl.RateLimitDescriptor_Entry{{Key: names.RouteDescriptor, Value: "open"}},
	}}}
	b.SetParallelism(32)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.ShouldRateLimit(context.Background(), req)
			if err != nil || resp.GetOverallCode() != rlsv3.RateLimitResponse_OK {
				b.Errorf("decision: %v, %v", resp.GetOverallCode(), err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
