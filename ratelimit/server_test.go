package ratelimit

import (
	"context"
	"testing"
	"time"

	commonrl "github.com/envoyproxy/go-control-plane/envoy/extensions/common/ratelimit/v3"
	rlsv3 "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// limitedLimiter has a stage allowing 2 requests at once on every method and a plan whose quota is 1 request.
func limitedLimiter() *Limiter {
	limits := ir.Limits{Stage: throttleOf(0.001, 2), Plans: map[string]ir.PlanLimits{"p1": {Quota: &ir.Quota{Limit: 1, Period: "DAY"}}}}
	l := NewLimiter(NewMemory())
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	l.SetSnapshot(snapshotOf(limitedRoute("get", "GET", limits), limitedRoute("post", "POST", limits)))
	return l
}

func TestLimiterDecide(t *testing.T) {
	l := limitedLimiter()
	steps := []struct {
		route, key, plan string
		want             Decision
	}{
		{"get", "k1", "p1", Allow},
		{"get", "k1", "p1", QuotaExceeded}, // the quota's one request is used; the stage bucket has one token left
		{"get", "", "", Allow},             // the same bucket, without a key: no quota
		{"get", "", "", Throttled},         // the stage's bucket for GET is empty
		{"post", "", "", Allow},            // POST has a bucket of its own
		{"unknown", "", "", Allow},         // a route without limits
	}
	for i, s := range steps {
		if got := l.Decide(context.Background(), s.route, s.key, s.plan); got != s.want {
			t.Errorf("step %d (%s %q): %v, want %v", i, s.route, s.key, got, s.want)
		}
	}
}

func TestShouldRateLimit(t *testing.T) {
	s := NewServer(limitedLimiter())
	request := func(route string) *rlsv3.RateLimitRequest {
		return &rlsv3.RateLimitRequest{Domain: names.RateLimitDomain, Descriptors: []*commonrl.RateLimitDescriptor{{
			Entries: []*commonrl.RateLimitDescriptor_Entry{{Key: names.RouteDescriptor, Value: route}},
		}}}
	}
	steps := []struct {
		route    string
		want     rlsv3.RateLimitResponse_Code
		wantBody string
	}{
		{"get", rlsv3.RateLimitResponse_OK, ""},
		{"get", rlsv3.RateLimitResponse_OK, ""},
		{"get", rlsv3.RateLimitResponse_OVER_LIMIT, `{"message":"Too Many Requests"}`},
		{"post", rlsv3.RateLimitResponse_OK, ""},
	}
	for i, st := range steps {
		resp, err := s.ShouldRateLimit(context.Background(), request(st.route))
		if err != nil || resp.GetOverallCode() != st.want || string(resp.GetRawBody()) != st.wantBody {
			t.Fatalf("step %d: %v %s, %v; want %v %s", i, resp.GetOverallCode(), resp.GetRawBody(), err, st.want, st.wantBody)
		}
		if st.want == rlsv3.RateLimitResponse_OVER_LIMIT {
			headers := map[string]string{}
			for _, h := range resp.GetResponseHeadersToAdd() {
				headers[h.GetKey()] = h.GetValue()
			}
			if headers["x-amzn-ErrorType"] != "TooManyRequestsException" || headers["content-type"] != "application/json" {
				t.Errorf("step %d: headers %v, want API Gateway's error type and JSON content type", i, headers)
			}
		}
	}
}
