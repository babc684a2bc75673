// Package dashboard is the admin server's /dashboard: one self-contained page (no build step, nothing fetched from
// outside) that charts each API stage's traffic from the same metrics /metrics serves, with the quotas' use per
// key, the routes served and each Envoy's configuration state. The control plane samples the metrics every
// interval and keeps a window of samples, so the page shows the recent past as soon as it opens.
package dashboard

import (
	"context"
	_ "embed"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/ratelimit"
	"github.com/tollgate-gw/tollgate/xds/server"
)

// Interval is how often the metrics are sampled, and Window how much of the past a stage's charts show.
const (
	Interval = 2 * time.Second
	Window   = 5 * time.Minute
)

// Sources are what the dashboard reads: the metrics, the quotas, and the Envoys' state.
type Sources struct {
	Metrics prometheus.Gatherer
	Quotas  func(context.Context) ([]ratelimit.QuotaUse, error)
	Envoys  func() []server.EnvoyStatus
	Ready   func() (bool, string)
}

// Dashboard samples the metrics and serves the page and its data.
type Dashboard struct {
	src Sources
	log *slog.Logger

	mu      sync.Mutex
	metered bool // the snapshot has Envoys report requests (metrics.enabled)
	routes  map[stageKey][]Route
	last    map[stageKey]*totals
	history map[stageKey][]Sample
}

// Route is one method a stage serves, as the page lists it.
type Route struct {
	Method      string `json:"method"`
	Resource    string `json:"resource"`
	Integration string `json:"integration"`
}

// New returns a dashboard with no samples yet.
func New(src Sources, log *slog.Logger) *Dashboard {
	return &Dashboard{src: src, log: log, routes: map[stageKey][]Route{}, last: map[stageKey]*totals{}, history: map[stageKey][]Sample{}}
}

// SetSnapshot gives the APIs and routes being served.
func (d *Dashboard) SetSnapshot(snap *ir.Snapshot) {
	routes := map[stageKey][]Route{}
	for _, r := range snap.Routes() {
		if r.GatewayResponse != "" {
			continue // the 403s standing for methods a resource lacks
		}
		k := stageKey{r.APIID, r.Stage}
		routes[k] = append(routes[k], Route{Method: r.HTTPMethod, Resource: r.Resource, Integration: integrationOf(r)})
	}
	for _, rs := range routes {
		sort.Slice(rs, func(i, j int) bool {
			return rs[i].Resource < rs[j].Resource || rs[i].Resource == rs[j].Resource && rs[i].Method < rs[j].Method
		})
	}
	d.mu.Lock()
	d.routes, d.metered = routes, snap.Metrics
	d.mu.Unlock()
}

func integrationOf(r *ir.Route) string {
	switch {
	case r.HTTPProxy != nil:
		return "HTTP_PROXY"
	case r.Mock != nil:
		return "MOCK"
	case r.Lambda != nil:
		return "AWS_PROXY"
	case r.Mapping != nil:
		return "mapped"
	}
	return ""
}

// Run samples the metrics every Interval until ctx is done.
func (d *Dashboard) Run(ctx context.Context) {
	t := time.NewTicker(Interval)
	defer t.Stop()
	d.Sample(time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d.Sample(now)
		}
	}
}

// Sample adds the interval since the previous sample to every stage's history.
func (d *Dashboard) Sample(now time.Time) {
	cur, bounds, err := gatherTotals(d.src.Metrics)
	if err != nil {
		d.log.Warn("dashboard: cannot read the metrics", "err", err)
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	keep := int(Window / Interval)
	for k, t := range cur {
		h := append(d.history[k], sampleBetween(now, d.last[k], t, bounds))
		if len(h) > keep {
			h = h[len(h)-keep:]
		}
		d.history[k] = h
	}
	d.last = cur
}

// Data is what the page draws.
type Data struct {
	Interval float64 `json:"intervalSeconds"`
	Window   float64 `json:"windowSeconds"`
	// Metered: Envoys report requests; with metrics.enabled false the charts stay empty, and the page says why.
	Metered bool                 `json:"metered"`
	Ready   bool                 `json:"ready"`
	Reason  string               `json:"reason"`
	Stages  []Stage              `json:"stages"`
	Quotas  []ratelimit.QuotaUse `json:"quotas"`
	// QuotaError says why the quotas could not be read (the store failing); the rest is shown still.
	QuotaError string               `json:"quotaError,omitempty"`
	Envoys     []server.EnvoyStatus `json:"envoys"`
}

// Stage is one API stage: what it serves and its samples, oldest first.
type Stage struct {
	APIID   string   `json:"apiId"`
	APIName string   `json:"apiName"`
	APIType string   `json:"apiType"`
	Stage   string   `json:"stage"`
	Routes  []Route  `json:"routes"`
	Samples []Sample `json:"samples"`
}

// data is the page's data now.
func (d *Dashboard) data(ctx context.Context) Data {
	out := Data{Interval: Interval.Seconds(), Window: Window.Seconds(), Envoys: d.src.Envoys()}
	out.Ready, out.Reason = d.src.Ready()
	quotas, err := d.src.Quotas(ctx)
	if err != nil {
		out.QuotaError = err.Error()
	}
	out.Quotas = quotas
	d.mu.Lock()
	out.Metered = d.metered
	keys := map[stageKey]bool{}
	for k := range d.routes {
		keys[k] = true
	}
	for k := range d.history {
		if k.apiID != "" {
			keys[k] = true
		}
	}
	for k := range keys {
		st := Stage{APIID: k.apiID, Stage: k.stage, Routes: d.routes[k], Samples: d.history[k]}
		if t := d.last[k]; t != nil {
			st.APIName, st.APIType = t.apiName, t.apiType
		}
		out.Stages = append(out.Stages, st)
	}
	d.mu.Unlock()
	sort.Slice(out.Stages, func(i, j int) bool {
		a, b := out.Stages[i], out.Stages[j]
		if a.APIID != b.APIID {
			return a.APIID < b.APIID
		}
		// An API's paths of no stage after its stages.
		return a.Stage != "" && (b.Stage == "" || a.Stage < b.Stage)
	})
	return out
}

//go:embed page.html
var page []byte

// Page serves the page: GET /dashboard.
func (d *Dashboard) Page() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The page loads nothing from elsewhere; the browser is told so too.
		w.Header().Set("Content-Security-Policy", strings.Join([]string{
			"default-src 'none'", "script-src 'unsafe-inline'", "style-src 'unsafe-inline'", "connect-src 'self'",
		}, "; "))
		_, _ = w.Write(page)
	})
}

// Data serves what the page draws, as JSON: GET /dashboard/data.
func (d *Dashboard) Data() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(d.data(r.Context()))
	})
}
