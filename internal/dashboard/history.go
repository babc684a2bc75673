package dashboard

import (
	"math"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Series names of a stage's history, as the page draws them.
const (
	seriesRequests      = "requests"
	seriesClientErrors  = "4xx"
	seriesServerErrors  = "5xx"
	seriesCacheHits     = "cacheHits"
	seriesCacheMisses   = "cacheMisses"
	seriesThrottled     = "throttled"
	seriesQuotaExceeded = "quotaExceeded"
)

// counted are the Prometheus counters the dashboard follows, by the series it draws them as.
var counted = map[string]string{
	"apigateway_requests_total":                seriesRequests,
	"apigateway_4xx_errors_total":              seriesClientErrors,
	"apigateway_5xx_errors_total":              seriesServerErrors,
	"apigateway_cache_hits_total":              seriesCacheHits,
	"apigateway_cache_misses_total":            seriesCacheMisses,
	"apigateway_throttled_requests_total":      seriesThrottled,
	"apigateway_quota_exceeded_requests_total": seriesQuotaExceeded,
}

// Histograms the dashboard draws as p50 and p99, by series name.
var measured = map[string]string{
	"apigateway_latency_seconds":             "latency",
	"apigateway_integration_latency_seconds": "integrationLatency",
}

// stageKey names an API stage; the dashboard sums each stage's series over nodes, resources and methods.
type stageKey struct{ apiID, stage string }

// totals are one stage's cumulative counts at one instant.
type totals struct {
	apiName, apiType string
	counts           map[string]float64
	buckets          map[string][]float64 // histogram -> cumulative count per bound of bounds[histogram]
}

// Sample is one interval of a stage: requests counted in it and latency quantiles (milliseconds) of the
// requests that ended in it; a quantile is null when no request ended.
type Sample struct {
	Time      time.Time           `json:"t"`
	Counts    map[string]float64  `json:"counts"`
	Quantiles map[string]*float64 `json:"quantiles"`
}

// gatherTotals reads every stage's totals from the registry, and the histograms' bucket bounds.
func gatherTotals(g prometheus.Gatherer) (map[stageKey]*totals, map[string][]float64, error) {
	families, err := g.Gather()
	if err != nil {
		return nil, nil, err
	}
	out := map[stageKey]*totals{}
	bounds := map[string][]float64{}
	stageOf := func(m *dto.Metric) *totals {
		var k stageKey
		var name, kind string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "api_id":
				k.apiID = l.GetValue()
			case "stage":
				k.stage = l.GetValue()
			case "api_name":
				name = l.GetValue()
			case "api_type":
				kind = l.GetValue()
			}
		}
		t, ok := out[k]
		if !ok {
			t = &totals{apiName: name, apiType: kind, counts: map[string]float64{}, buckets: map[string][]float64{}}
			out[k] = t
		}
		return t
	}
	for _, f := range families {
		if series, ok := counted[f.GetName()]; ok {
			for _, m := range f.GetMetric() {
				stageOf(m).counts[series] += m.GetCounter().GetValue()
			}
		}
		if series, ok := measured[f.GetName()]; ok {
			for _, m := range f.GetMetric() {
				h := m.GetHistogram()
				if _, ok := bounds[series]; !ok {
					for _, b := range h.GetBucket() {
						bounds[series] = append(bounds[series], b.GetUpperBound())
					}
				}
				t := stageOf(m)
				cum := t.buckets[series]
				if cum == nil {
					cum = make([]float64, len(h.GetBucket())+1) // the last: every observation (+Inf)
					t.buckets[series] = cum
				}
				for i, b := range h.GetBucket() {
					cum[i] += float64(b.GetCumulativeCount())
				}
				cum[len(cum)-1] += float64(h.GetSampleCount())
			}
		}
	}
	return out, bounds, nil
}

// sampleBetween is the interval from prev to cur; prev is nil for a stage whose first request the interval holds
// (its series exist from their first request, and the metrics from the process's start, as the dashboard's).
func sampleBetween(at time.Time, prev, cur *totals, bounds map[string][]float64) Sample {
	if prev == nil {
		prev = &totals{}
	}
	s := Sample{Time: at, Counts: map[string]float64{}, Quantiles: map[string]*float64{}}
	for _, series := range counted {
		s.Counts[series] = max(cur.counts[series]-prev.counts[series], 0)
	}
	for series, cum := range cur.buckets {
		before := prev.buckets[series]
		delta := make([]float64, len(cum))
		for i := range cum {
			if i < len(before) {
				delta[i] = max(cum[i]-before[i], 0)
			} else {
				delta[i] = cum[i]
			}
		}
		for _, q := range []struct {
			name string
			q    float64
		}{{"p50", 0.5}, {"p99", 0.99}} {
			var ms *float64
			if v, ok := quantile(q.q, bounds[series], delta); ok {
				rounded := math.Round(v*1e6) / 1e3 // microsecond precision, in milliseconds
				ms = &rounded
			}
			s.Quantiles[series+"."+q.name] = ms
		}
	}
	return s
}

// quantile estimates the q-quantile of observations counted in cumulative buckets (cum[i] observations at or
// under bounds[i]; the last entry counts all), interpolating linearly inside the bucket, as Prometheus's
// histogram_quantile does. An observation above the last bound is reported as the last bound.
func quantile(q float64, bounds, cum []float64) (float64, bool) {
	if len(cum) == 0 || len(cum) != len(bounds)+1 || cum[len(cum)-1] == 0 {
		return 0, false
	}
	rank := q * cum[len(cum)-1]
	i := sort.Search(len(bounds), func(i int) bool { return cum[i] >= rank })
	if i == len(bounds) {
		return bounds[len(bounds)-1], true
	}
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = bounds[i-1], cum[i-1]
	}
	inBucket := cum[i] - below
	if inBucket == 0 {
		return bounds[i], true
	}
	return lower + (bounds[i]-lower)*(rank-below)/inBucket, true
}
