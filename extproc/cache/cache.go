// Package cache is API Gateway's stage cache: a method's responses kept for its TTL and served without calling
// the integration, in memory (each stage bounded by its cacheClusterSize) or in Redis, shared by every node. It
// is a processor.Wrapper: on a cached route it sees the request after the checks (authorization, keys and
// throttles ran in ext_authz before; validation in the processor) and answers a hit itself, and on a miss it sees
// the response after the feature mapped it, and keeps it.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/extproc/processor"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/tracing"
)

// Service is the stage caches of every snapshot it is given.
type Service struct {
	log    *slog.Logger
	store  Store
	sealer *sealer
	now    func() time.Time
	// flights are the misses whose integration call is under way, by key: a request for the same key waits for
	// its answer rather than calling the integration too.
	flights flights
	// Tracer, when set, adds the lookup's span to a traced request's trace.
	Tracer *tracing.Tracer
}

// New serves caches from store; key seals the entries of methods with cacheDataEncrypted (nil: a key made now,
// which only this process can open).
func New(store Store, key []byte, log *slog.Logger) (*Service, error) {
	s, err := newSealer(key)
	if err != nil {
		return nil, err
	}
	return &Service{log: log, store: store, sealer: s, now: time.Now}, nil
}

// cachedRoute is what the cache needs of one route.
type cachedRoute struct {
	*ir.Route
	stage      string // apiId/stage
	paths      *ir.PathMatcher
	keyHeaders map[string]bool // the headers the key reads, in lower case
	timeout    time.Duration   // how long a request may wait for another's integration call
}

func newCachedRoute(r *ir.Route) (*cachedRoute, error) {
	paths, err := ir.NewPathMatcher(r)
	if err != nil {
		return nil, err
	}
	c := &cachedRoute{Route: r, stage: r.APIID + "/" + r.Stage, paths: paths, keyHeaders: map[string]bool{}, timeout: integrationTimeout(r)}
	for _, p := range r.Cache.KeyParameters {
		if p.Kind == ir.RequestHeader {
			c.keyHeaders[strings.ToLower(p.Value)] = true
		}
	}
	return c, nil
}

// Wraps serves the snapshot's cached routes, and hands the stores the snapshot's stage caches.
func (s *Service) Wraps(snap *ir.Snapshot) (map[string]processor.Wrap, error) {
	s.store.SetStages(snap.Caches)
	out := map[string]processor.Wrap{}
	for _, r := range snap.Routes() {
		if r.Cache == nil {
			continue
		}
		route, err := newCachedRoute(r)
		if err != nil {
			return nil, err
		}
		out[r.Name] = func(ctx context.Context, _ time.Time, inner processor.Exchange) processor.Exchange {
			return &exchange{ctx: ctx, svc: s, route: route, inner: inner}
		}
	}
	return out, nil
}

// integrationTimeout is the route's integration's timeout: the longest a miss can take.
func integrationTimeout(r *ir.Route) time.Duration {
	switch {
	case r.HTTPProxy != nil:
		return time.Duration(r.HTTPProxy.Timeout)
	case r.Lambda != nil:
		return time.Duration(r.Lambda.Timeout)
	case r.Mapping != nil && r.Mapping.HTTP != nil:
		return time.Duration(r.Mapping.HTTP.Timeout)
	case r.Mapping != nil && r.Mapping.Lambda != nil:
		return time.Duration(r.Mapping.Lambda.Timeout)
	}
	return 29 * time.Second
}

// Flush forgets every entry of an API stage (FlushStageCache).
func (s *Service) Flush(ctx context.Context, apiID, stage string) error {
	return s.store.Flush(ctx, apiID+"/"+stage)
}

// key is a request's entry: the route's cache version, the request's method, the namespace, the path
// parameters' values and the key parameters' values, digested (a Redis key of bounded length, and no request
// data in it). headers are the request's key headers, names (lower case) and values in turn, in order.
func (r *cachedRoute) key(method, path string, headers []string) string {
	rawPath, rawQuery, _ := strings.Cut(path, "?")
	params, _ := r.paths.PathParameters(rawPath)
	var query url.Values
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	field(r.Cache.Version)
	field(method)
	field(r.Cache.Namespace)
	for _, name := range r.PathParams {
		field(name)
		field(params[name])
	}
	for _, p := range r.Cache.KeyParameters {
		var values []string
		switch p.Kind {
		case ir.RequestHeader:
			for i := 0; i+1 < len(headers); i += 2 {
				if headers[i] == p.Value {
					values = append(values, headers[i+1])
				}
			}
		case ir.QueryParameter:
			if query == nil {
				query, _ = url.ParseQuery(rawQuery)
			}
			values = query[p.Value]
		case ir.PathParameter:
			values = []string{params[p.Value]}
		}
		field(string(p.Kind) + ":" + p.Value)
		for _, v := range values {
			field(v)
		}
		h.Write([]byte{1}) // the end of a parameter's values
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// cachesVerb tells whether the route caches requests of this method.
func (r *cachedRoute) cachesVerb(method string) bool {
	return r.Cache.Verbs == nil || slices.Contains(r.Cache.Verbs, method)
}
