// Package management is API Gateway's management API on Tollgate's admin address, what the aws CLI's and
// boto3's apigateway clients call with --endpoint-url: who may call it (this file), and the operations it serves.
package management

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/tollgate-gw/tollgate/extproc/authz/sigv4"
)

// SigningName is the service a management request is signed for.
const SigningName = "apigateway"

// maxBody bounds the body a request may have to be verified (an imported OpenAPI document is the largest).
const maxBody = 10 << 20

// Auth decides who may call the management API: with credentials, a request signed with SigV4 by one of them for
// the apigateway service in the region; with none, a request from a loopback address, signed or not.
type Auth struct {
	keys atomic.Pointer[Keys]
	// now is the clock signatures are checked against.
	now func() time.Time
}

// Keys are the management API's credentials: each access key id's secret, and the region they sign for.
type Keys struct {
	Secrets map[string]string
	Region  string
}

// NewAuth decides with keys until Set gives others.
func NewAuth(keys Keys) *Auth {
	a := &Auth{now: time.Now}
	a.keys.Store(&keys)
	return a
}

// Set decides with keys from now on (a reload's).
func (a *Auth) Set(keys Keys) { a.keys.Store(&keys) }

// LogMode says which requests the management API accepts.
func (a *Auth) LogMode(log *slog.Logger) {
	k := a.keys.Load()
	if len(k.Secrets) == 0 {
		log.Warn("the management API accepts loopback clients only, signed or not: set management.credentials to accept others, by SigV4")
		return
	}
	log.Info("the management API accepts requests signed by SigV4", "service", SigningName, "region", k.Region, "keys", len(k.Secrets))
}

// Wrap lets through to next the requests a may call with, and answers the others with API Gateway's 403s.
func (a *Auth) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.check(r); err != nil {
			writeError(w, http.StatusForbidden, err.Type, err.Message)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *Auth) check(r *http.Request) *sigv4.Error {
	keys := a.keys.Load()
	if len(keys.Secrets) == 0 {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return &sigv4.Error{Type: "AccessDeniedException", Message: "The management API accepts loopback clients only: no management.credentials are configured"}
		}
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return &sigv4.Error{Type: "AccessDeniedException", Message: "The request body cannot be read to verify its signature"}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	req := &sigv4.Request{Method: r.Method, RawPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Body: body,
		Headers: sigv4.Headers(r.Host, r.Header, r.ContentLength)}
	sig, err := sigv4.Parse(req, SigningName)
	if err != nil {
		return sigv4.ErrorOf(err, "IncompleteSignatureException")
	}
	secret, ok := keys.Secrets[sig.AccessKeyID]
	if !ok {
		return &sigv4.Error{Type: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}
	}
	if err := sig.Verify(req, secret, keys.Region, a.now()); err != nil {
		return sigv4.ErrorOf(err, "IncompleteSignatureException")
	}
	return nil
}

// writeError answers with API Gateway's error shape: the exception's name in x-amzn-ErrorType (which botocore
// reads the error code from) and {"message": ...}.
func writeError(w http.ResponseWriter, status int, exception, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", exception)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}
