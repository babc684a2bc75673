package authz

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/ratelimit"
)

// TestAuthorizerCallsToAWSAreSigned: an authorizer on AWS's Lambda endpoint is invoked with SigV4 for service
// lambda and the function's region, credentials from the standard chain (here the environment). The endpoint
// checks the signature by signing the same request again with the same key and time.
func TestAuthorizerCallsToAWSAreSigned(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}

	checked := make(chan string, 1)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		signedAt, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		if err != nil {
			checked <- "no X-Amz-Date: " + err.Error()
			return
		}
		again, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), strings.NewReader(string(body)))
		again.Header.Set("Content-Type", r.Header.Get("Content-Type"))
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hex.EncodeToString(sum[:]), "lambda", "eu-west-1", signedAt); err != nil {
			checked <- err.Error()
			return
		}
		if got, want := r.Header.Get("Authorization"), again.Header.Get("Authorization"); got != want {
			checked <- "Authorization " + got + ", want " + want
		} else {
			checked <- ""
		}
		_, _ = w.Write([]byte(cachedAnswer))
	}))
	t.Cleanup(endpoint.Close)

	a := New(ratelimit.NewLimiter(ratelimit.NewMemory()), NewMemoryResults(), slog.New(slog.DiscardHandler))
	auth := &ir.Authorizer{ID: "a/p/auth", Type: "TOKEN", InvokeURL: endpoint.URL + "/2015-03-31/functions/auth/invocations", SigningRegion: "eu-west-1"}
	inv, err := a.invokeAuthorizer(context.Background(), auth, []byte(`{"type":"TOKEN"}`))
	if err != nil {
		t.Fatal(err)
	}
	if problem := <-checked; problem != "" {
		t.Fatal(problem)
	}
	if inv.status != 200 || string(inv.body) != cachedAnswer {
		t.Errorf("invocation = %d %s", inv.status, inv.body)
	}
}
