package cache

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/redistest"
)

// BenchmarkHit is a cache hit as the service answers it: the request's headers read and keyed, the entry got and
// decoded, the answer made. The store is memory or a real Redis on loopback.
func BenchmarkHit(b *testing.B) {
	for _, store := range []struct {
		name string
		new  func(b *testing.B) Store
	}{
		{"memory", func(*testing.B) Store { return NewMemory() }},
		{"redis", func(b *testing.B) Store { return newRedisStore(b, redistest.Start(b)) }},
	} {
		b.Run(store.name, func(b *testing.B) {
			svc, err := New(store.new(b), nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			route := testRoute(ir.Cache{})
			wraps, err := svc.Wraps(&ir.Snapshot{APIs: []ir.API{{ID: "a1", Routes: []*ir.Route{route}}},
				Caches: []ir.StageCache{{APIID: "a1", Stage: "prod", Bytes: 1 << 29}}})
			if err != nil {
				b.Fatal(err)
			}
			wrap := wraps[route.Name]
			req := request("GET", "/prod/pets/1?kind=cat", "accept", "application/json", "user-agent", "bench/1.0", "x-forwarded-proto", "http")
			ex := wrap(context.Background(), time.Now(), processor.PassThrough{})
			ex.Handle(req)
			for _, m := range ok(`{"id": 1, "name": "Rex", "kind": "cat", "tags": ["good", "dog"]}`) {
				ex.Handle(m)
			}
			b.ReportAllocs()
			for b.Loop() {
				resps, _ := wrap(context.Background(), time.Now(), processor.PassThrough{}).Handle(req)
				if resps[0].GetImmediateResponse() == nil {
					b.Fatal("a miss")
				}
			}
		})
	}
}
