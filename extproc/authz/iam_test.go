package authz

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/ratelimit"
)

// TestIAMAuthorization signs requests with aws-sdk-go-v2 as clients do and decides them as API Gateway does for
// AWS_IAM methods: the signature, then the identity and resource policies (Table A within the API's account,
// Table B across accounts).
func TestIAMAuthorization(t *testing.T) {
	const (
		same  = "arn:aws:iam::123456789012:user/alice"
		other = "arn:aws:iam::999999999999:user/mallory"
	)
	allowAll := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}`
	denyPets := `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "` + apiARN + `/*/GET/pets"}]}`
	creds := []ir.IAMCredential{
		{AccessKeyID: "AKIAALLOW", SecretAccessKey: "secret-allow", ARN: same, Policy: allowAll},
		{AccessKeyID: "AKIANOPOLICY", SecretAccessKey: "secret-none", ARN: "arn:aws:iam::123456789012:user/bob"},
		{AccessKeyID: "AKIADENY", SecretAccessKey: "secret-deny", ARN: "arn:aws:iam::123456789012:user/carol", Policy: denyPets},
		{AccessKeyID: "AKIAOTHER", SecretAccessKey: "secret-other", ARN: other, Policy: allowAll},
		{AccessKeyID: "ASIATEMP", SecretAccessKey: "secret-temp", SessionToken: "token-1", ARN: "arn:aws:sts::123456789012:assumed-role/dev/s1", Policy: allowAll},
	}
	rpAllowsOther := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "` + other + `"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}`
	rpAllowsBob := `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:user/bob"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}`
	rpDeniesAlice := `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": {"AWS": "` + same + `"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}`
	type signing struct{ key, secret, token string }
	tests := []struct {
		name       string
		policy     string // resource policy; "" for none
		sign       *signing
		tamper     bool
		domain     bool // signed and sent to a custom domain's copy of the route, under base path /orders
		wantStatus int
		wantType   string
		wantBody   string // fragment
	}{
		{name: "allowed by the identity policy", sign: &signing{"AKIAALLOW", "secret-allow", ""}},
		{name: "unsigned", wantStatus: 403, wantType: "MissingAuthenticationTokenException", wantBody: `{"message":"Missing Authentication Token"}`},
		{name: "unknown key", sign: &signing{"AKIANOBODY", "x", ""}, wantStatus: 403, wantType: "UnrecognizedClientException", wantBody: "The security token included in the request is invalid."},
		{name: "wrong secret", sign: &signing{"AKIAALLOW", "guess", ""}, wantStatus: 403, wantType: "InvalidSignatureException", wantBody: "The request signature we calculated does not match"},
		{name: "changed after signing", sign: &signing{"AKIAALLOW", "secret-allow", ""}, tamper: true, wantStatus: 403, wantType: "InvalidSignatureException"},
		{name: "no policy allows", sign: &signing{"AKIANOPOLICY", "secret-none", ""}, wantStatus: 403, wantType: "AccessDeniedException",
			wantBody: `{"Message":"User: arn:aws:iam::123456789012:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:api1/prod/GET/pets"}`},
		{name: "identity policy denies", sign: &signing{"AKIADENY", "secret-deny", ""}, wantStatus: 403, wantType: "AccessDeniedException", wantBody: "user/carol is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:api1/prod/GET/pets with an explicit deny"},
		{name: "same account: a resource policy for another caller", policy: rpAllowsOther, sign: &signing{"AKIANOPOLICY", "secret-none", ""}, wantStatus: 403, wantType: "AccessDeniedException"},
		{name: "same account: the resource policy alone allows", policy: rpAllowsBob, sign: &signing{"AKIANOPOLICY", "secret-none", ""}},
		{name: "same account: the resource policy denies what the identity allows", policy: rpDeniesAlice, sign: &signing{"AKIAALLOW", "secret-allow", ""}, wantStatus: 403, wantType: "AccessDeniedException", wantBody: "with an explicit deny"},
		{name: "another account: identity policy alone is not enough", sign: &signing{"AKIAOTHER", "secret-other", ""}, wantStatus: 403, wantType: "AccessDeniedException"},
		{name: "another account: both allow", policy: rpAllowsOther, sign: &signing{"AKIAOTHER", "secret-other", ""}},
		{name: "temporary credentials", sign: &signing{"ASIATEMP", "secret-temp", "token-1"}},
		{name: "temporary credentials without their token", sign: &signing{"ASIATEMP", "secret-temp", ""}, wantStatus: 403, wantType: "UnrecognizedClientException"},
		{name: "signed for a custom domain, its host and path", sign: &signing{"AKIAALLOW", "secret-allow", ""}, domain: true},
		{name: "a custom domain's: the method's ARN is the stage's", sign: &signing{"AKIANOPOLICY", "secret-none", ""}, domain: true, wantStatus: 403, wantType: "AccessDeniedException",
			wantBody: "on resource: arn:aws:execute-api:us-east-1:********9012:api1/prod/GET/pets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &ir.Route{Name: "api1/prod/GET/pets", Method: ir.Method{APIID: "api1", Stage: "prod", Resource: "/pets", HTTPMethod: "GET"},
				PathRegex: `^/prod/pets/?$`, Authorizer: &ir.Authorizer{ID: "api1/prod/sigv4", Type: awsIAM, MethodARNPrefix: apiARN + "/prod/"}}
			if tt.policy != "" {
				r.ResourcePolicy = &ir.ResourcePolicy{Document: tt.policy, APIARN: apiARN}
			}
			snap := &ir.Snapshot{APIs: []ir.API{{ID: "api1", Routes: []*ir.Route{r}}}, IAM: creds}
			limiter := ratelimit.NewLimiter(ratelimit.NewMemory())
			limiter.SetSnapshot(snap)
			a := New(limiter, NewMemoryResults(), slog.New(slog.DiscardHandler))
			if err := a.SetSnapshot(snap); err != nil {
				t.Fatal(err)
			}
			host, path, ext := "api1.execute-api.localhost", "/prod/pets", map[string]string{names.RouteExtension: r.Name}
			if tt.domain {
				host, path, ext[names.BasePathHeader] = "api.example.com", "/orders/pets", "/orders /prod"
			}
			req, _ := http.NewRequest("GET", "http://"+host+path, nil)
			if tt.sign != nil {
				sum := sha256.Sum256(nil)
				if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: tt.sign.key, SecretAccessKey: tt.sign.secret, SessionToken: tt.sign.token},
					req, hex.EncodeToString(sum[:]), "execute-api", "us-east-1", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			if tt.tamper {
				path += "?admin=1"
			}
			headers := []*core.HeaderValue{{Key: ":authority", RawValue: []byte(host)}, {Key: ":path", RawValue: []byte(path)}}
			for k, vs := range req.Header {
				headers = append(headers, &core.HeaderValue{Key: strings.ToLower(k), RawValue: []byte(vs[0])})
			}
			resp, err := a.Check(context.Background(), &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
				Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{Method: "GET", Path: path,
					HeaderMap: &core.HeaderMap{Headers: headers}}},
				ContextExtensions: ext,
			}})
			if err != nil {
				t.Fatal(err)
			}
			denied := resp.GetDeniedResponse()
			errorType := ""
			for _, h := range denied.GetHeaders() {
				if h.GetHeader().GetKey() == "x-amzn-ErrorType" {
					errorType = h.GetHeader().GetValue()
				}
			}
			if int(denied.GetStatus().GetCode()) != tt.wantStatus || errorType != tt.wantType || !strings.Contains(denied.GetBody(), tt.wantBody) {
				t.Errorf("got %d %s (%s), want %d %q (%s)", denied.GetStatus().GetCode(), denied.GetBody(), errorType, tt.wantStatus, tt.wantBody, tt.wantType)
			}
			if tt.wantStatus == 0 {
				identity := resp.GetDynamicMetadata().GetFields()[names.IdentityField].GetStructValue().AsMap()
				if identity["accessKey"] != tt.sign.key || identity["userArn"] == nil {
					t.Errorf("identity = %v", identity)
				}
			}
		})
	}
}
