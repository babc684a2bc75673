package management

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func TestAuth(t *testing.T) {
	keys := Keys{Secrets: map[string]string{"AKIAMANAGE": "s3cret"}, Region: "eu-west-1"}
	type signing struct{ key, secret, service, region string }
	good := &signing{"AKIAMANAGE", "s3cret", "apigateway", "eu-west-1"}
	for _, tt := range []struct {
		name      string
		keys      Keys
		remote    string
		sign      *signing
		tamper    bool   // the body changes after it was signed
		exception string // "" for admitted
	}{
		{"no credentials: a loopback client, unsigned", Keys{Region: "eu-west-1"}, "127.0.0.1:5000", nil, false, ""},
		{"no credentials: an IPv6 loopback client, signed with anything", Keys{Region: "eu-west-1"}, "[::1]:5000", &signing{"AKIAOTHER", "x", "apigateway", "us-east-1"}, false, ""},
		{"no credentials: a remote client", Keys{Region: "eu-west-1"}, "203.0.113.9:5000", good, false, "AccessDeniedException"},
		{"signed by a management key", keys, "203.0.113.9:5000", good, false, ""},
		{"unsigned", keys, "127.0.0.1:5000", nil, false, "MissingAuthenticationTokenException"},
		{"an unknown key", keys, "127.0.0.1:5000", &signing{"AKIAOTHER", "s3cret", "apigateway", "eu-west-1"}, false, "UnrecognizedClientException"},
		{"the wrong secret", keys, "127.0.0.1:5000", &signing{"AKIAMANAGE", "guess", "apigateway", "eu-west-1"}, false, "InvalidSignatureException"},
		{"signed for another service", keys, "127.0.0.1:5000", &signing{"AKIAMANAGE", "s3cret", "execute-api", "eu-west-1"}, false, "InvalidSignatureException"},
		{"signed for another region", keys, "127.0.0.1:5000", &signing{"AKIAMANAGE", "s3cret", "apigateway", "us-east-1"}, false, "InvalidSignatureException"},
		{"a body changed after signing", keys, "127.0.0.1:5000", good, true, "InvalidSignatureException"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"patchOperations":[]}`
			var got string
			h := NewAuth(tt.keys).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				got = string(b)
			}))
			req := httptest.NewRequest(http.MethodPatch, "http://127.0.0.1:9080/restapis/a1b2c3d4e5/stages/prod?x=1", strings.NewReader(body))
			req.RemoteAddr = tt.remote
			if tt.sign != nil {
				sum := sha256.Sum256([]byte(body))
				if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: tt.sign.key, SecretAccessKey: tt.sign.secret},
					req, hex.EncodeToString(sum[:]), tt.sign.service, tt.sign.region, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			if tt.tamper {
				req.Body = io.NopCloser(strings.NewReader(`{"patchOperations":[{"op":"remove"}]}`))
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if tt.exception == "" {
				if w.Code != http.StatusOK || got != body {
					t.Errorf("%d %s, the handler read %q; want it admitted with its body", w.Code, w.Body, got)
				}
				return
			}
			var msg struct{ Message string }
			if w.Code != http.StatusForbidden || w.Header().Get("X-Amzn-Errortype") != tt.exception || json.Unmarshal(w.Body.Bytes(), &msg) != nil || msg.Message == "" {
				t.Errorf("%d %s %s; want 403 %s with a message", w.Code, w.Header().Get("X-Amzn-Errortype"), w.Body, tt.exception)
			}
			if got != "" {
				t.Errorf("the handler ran on a refused request")
			}
		})
	}
}
