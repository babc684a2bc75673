// Package admin is Tollgate's admin HTTP server: health and readiness now, the management API later.
package admin

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// ReadyFunc reports whether the gateway serves its newest configuration, and why not.
type ReadyFunc func() (bool, string)

// Handler serves /healthz (the process is up), /readyz (every Envoy has accepted the newest configuration), and
// the services' own endpoints by pattern: usage plan reports at AWS's GetUsage path, cache flushes at AWS's.
func Handler(ready ReadyFunc, endpoints map[string]http.Handler) http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range endpoints {
		mux.Handle(pattern, h)
	}
	// Go's profiles of the control plane and its ext services, for an operator asking where Tollgate's CPU goes
	// (the admin server listens on loopback unless configured otherwise).
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		ok, reason := ready()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !ok {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = w.Write([]byte(reason + "\n"))
	})
	return mux
}

// StageFlush answers one of AWS's flushes of an API stage's cache, DELETE /restapis/{apiId}/stages/{stage}/cache/...:
// 202 with no body, as AWS; a flush that fails is logged with what it flushes and answered 500.
func StageFlush(log *slog.Logger, what string, flush func(ctx context.Context, apiID, stage string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiID, stage := r.PathValue("restapi_id"), r.PathValue("stage_name")
		if err := flush(r.Context(), apiID, stage); err != nil {
			log.Error("cannot flush "+what, "apiId", apiID, "stage", stage, "err", err)
			http.Error(w, `{"message":"Internal server error"}`, http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
}

// Serve runs the admin server on lis until ctx is done.
func Serve(ctx context.Context, lis net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
