package ir

import (
	"errors"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/policy"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// DefaultAuthorizerTTL is how long API Gateway caches an authorizer's result when authorizerResultTtlInSeconds is
// not set.
const DefaultAuthorizerTTL = 300 * time.Second

// Authorizer is a Lambda authorizer of one stage, resolved: Tollgate's ext_authz service invokes it before the
// API key check, and caches what it answers.
type Authorizer struct {
	// ID names the authorizer's cached results: apiId/stage/name. API Gateway caches per stage, and a result is
	// reused by every method of the stage that names the authorizer; a canary release's are its own, under
	// apiId/{names.CanaryStage(stage)}/name.
	ID   string `json:"id"`
	Type string `json:"type"` // TOKEN or REQUEST
	// InvokeURL is the function's Invoke API URL; SigningRegion is set when it is AWS's, to sign the call.
	InvokeURL     string `json:"invokeUrl"`
	SigningRegion string `json:"signingRegion,omitempty"`
	// TokenHeader is a TOKEN authorizer's header, and TokenPattern the identityValidationExpression a token must
	// match before the function is called.
	TokenHeader  string `json:"tokenHeader,omitempty"`
	TokenPattern string `json:"tokenPattern,omitempty"`
	// IdentitySources are a REQUEST authorizer's, stage variables and the stage's context resolved: any empty one
	// refuses the request without a call.
	IdentitySources []ValueSource `json:"identitySources,omitempty"`
	// TTL is how long a result is reused for the same identity; 0 calls the function for every request.
	TTL Duration `json:"ttl"`
	// MethodARNPrefix is the method ARN up to the stage: arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/;
	// the request's method and path follow.
	MethodARNPrefix string `json:"methodArnPrefix"`
	// AccountID is the API's account, for the REQUEST event's requestContext.
	AccountID      string            `json:"accountId"`
	StageVariables map[string]string `json:"stageVariables,omitempty"`
	// UserPools are a COGNITO_USER_POOLS authorizer's: a token of any of them is verified by its issuer's keys.
	UserPools []UserPool `json:"userPools,omitempty"`
	// PayloadVersion is an HTTP API authorizer's event format, "1.0" or "2.0"; empty for a REST API's.
	PayloadVersion string `json:"payloadVersion,omitempty"`
	// SimpleResponses: the function answers {"isAuthorized", "context"} (HTTP APIs, 2.0), not a policy.
	SimpleResponses bool `json:"simpleResponses,omitempty"`
}

// authorizerType is the type of the API's authorizer called name; unspecified when it has none of that name.
func authorizerType(api *tollgatev1.RestApi, name string) tollgatev1.AuthorizerType {
	for _, def := range api.GetAuthorizers() {
		if def.GetName() == name {
			return def.GetType()
		}
	}
	return tollgatev1.AuthorizerType_AUTHORIZER_TYPE_UNSPECIFIED
}

// UserPool is where a Cognito user pool (or an OpenID Connect issuer standing for one) is: the iss of its tokens,
// and the URL of the keys they are signed with.
type UserPool struct {
	Issuer  string `json:"issuer"`
	JWKSURL string `json:"jwksUrl"`
}

type authorizerKey struct{ api, release, name string }

// authorizer resolves the API's authorizer called name for the stage, once for all the stage's methods; false
// when it cannot be, which the first method reports.
func (b *builder) authorizer(s stageContext, name string) (*Authorizer, bool) {
	key := authorizerKey{s.api.GetId(), s.release(), name}
	if a, done := b.authorizers[key]; done {
		return a, a != nil
	}
	var a *Authorizer
	for _, def := range s.api.GetAuthorizers() {
		if def.GetName() == name {
			a = b.resolveAuthorizer(s, def)
		}
	}
	b.authorizers[key] = a
	return a, a != nil
}

func (b *builder) resolveAuthorizer(s stageContext, def *tollgatev1.Authorizer) *Authorizer {
	at := def.GetSourcePointer()
	a := &Authorizer{
		ID:              s.api.GetId() + "/" + s.release() + "/" + def.GetName(),
		Type:            strings.TrimPrefix(def.GetType().String(), "AUTHORIZER_TYPE_"),
		TTL:             Duration(DefaultAuthorizerTTL),
		MethodARNPrefix: "arn:aws:execute-api:" + b.settings.Region + ":" + b.settings.AccountID + ":" + s.api.GetId() + "/" + s.stage.GetStageName() + "/",
		AccountID:       b.settings.AccountID,
		StageVariables:  s.stage.GetVariables(),
		TokenPattern:    def.GetIdentityValidationExpression(),
	}
	if isHTTPAPI(s.api) {
		// An HTTP API's authorizer caches nothing unless it is told how long to (AWS's default is 0 there).
		a.TTL = 0
		a.PayloadVersion, a.SimpleResponses = def.GetPayloadFormatVersion(), def.GetEnableSimpleResponses()
	}
	if def.ResultTtlInSeconds != nil {
		a.TTL = Duration(time.Duration(def.GetResultTtlInSeconds()) * time.Second)
	}
	switch def.GetType() {
	case tollgatev1.AuthorizerType_AUTHORIZER_TYPE_COGNITO_USER_POOLS:
		return b.userPools(s, at, def, a)
	case tollgatev1.AuthorizerType_AUTHORIZER_TYPE_AWS_IAM:
		return a // the signature and the snapshot's IAM identities decide
	}
	_, invoke, ok := b.function(s, at+"/authorizerUri", "authorizerUri", def.GetAuthorizerUri())
	if !ok {
		return nil
	}
	a.InvokeURL = invoke
	if be, _, err := parseBackendURI(invoke); err != nil {
		b.probs.Addf(s.file(), at+"/authorizerUri", "%v", err)
		return nil
	} else if isAWSEndpoint(be.Host) {
		a.SigningRegion = b.settings.Lambda.Region
	}
	for src := range strings.SplitSeq(def.GetIdentitySource(), ",") {
		if src = strings.TrimSpace(src); src == "" {
			continue
		}
		if a.Type == "TOKEN" {
			a.TokenHeader = strings.TrimPrefix(src, "method.request.header.")
			continue
		}
		if isHTTPAPI(s.api) && src == "$context.routeKey" {
			// What AWS suggests to cache a result per route: the cache is the stage's.
			a.IdentitySources = append(a.IdentitySources, ValueSource{Kind: RouteKeyValue})
			continue
		}
		v, err := mappingSource(httpAPIExpression(src), s)
		if err != nil || v.Kind == AuthorizerValue {
			b.probs.Addf(s.file(), at+diag.Pointer("identitySource"), "identity source %q is not supported yet (supported: method.request.header.X, method.request.querystring.X, stageVariables.X, context.requestId|stage|apiId|httpMethod|identity.sourceIp, and for an HTTP API the same with $request.header.X, $request.querystring.X, $stageVariables.X, $context.X, and $context.routeKey)", src)
			return nil
		}
		a.IdentitySources = append(a.IdentitySources, v)
	}
	return a
}

// userPools resolves a Cognito authorizer's user pools through the config's cognito.userPools: Tollgate cannot
// reach Cognito, so the config says where each pool's issuer and keys are.
func (b *builder) userPools(s stageContext, at string, def *tollgatev1.Authorizer, a *Authorizer) *Authorizer {
	a.TokenHeader = strings.TrimPrefix(strings.TrimSpace(def.GetIdentitySource()), "method.request.header.")
	for i, arn := range def.GetProviderArns() {
		pool, ok := b.settings.UserPools[arn]
		if !ok {
			b.probs.Addf(s.file(), at+diag.Pointer("providerARNs", i), "user pool %q is not in the config's cognito.userPools: add its issuer and jwksUrl there", arn)
			return nil
		}
		a.UserPools = append(a.UserPools, pool)
	}
	return a
}

// resourcePolicy checks an API's resource policy as IAM reads it, under the API's ARN; nil for none, or for one
// that is not valid, which is reported.
func (b *builder) resourcePolicy(api *tollgatev1.RestApi) *ResourcePolicy {
	doc := api.GetResourcePolicy()
	if doc == "" {
		return nil
	}
	arn := "arn:aws:execute-api:" + b.settings.Region + ":" + b.settings.AccountID + ":" + api.GetId()
	if _, err := policy.ParseResourcePolicy([]byte(doc), arn); err != nil {
		at, reason := "/x-amazon-apigateway-policy", err.Error()
		var perr *policy.ParseError
		if errors.As(err, &perr) && perr.Path != "" {
			// The pointer says where: the reason need not.
			at, reason = at+policyPointer(perr.Path), perr.Message
		}
		b.probs.Addf(api.GetSourceFile(), at, "resource policy: %s", reason)
		return nil
	}
	return &ResourcePolicy{Document: doc, APIARN: arn}
}

// policyPointer turns a policy element's path (Statement[1].Condition) into a JSON pointer (/Statement/1/Condition).
func policyPointer(path string) string {
	path = strings.NewReplacer("[", ".", "]", "").Replace(path)
	var tokens []any
	for t := range strings.SplitSeq(path, ".") {
		if t != "" {
			tokens = append(tokens, t)
		}
	}
	return diag.Pointer(tokens...)
}
