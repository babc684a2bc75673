package authz

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/extproc/authz/lambdaauth"
	"github.com/tollgate-gw/tollgate/extproc/lambda/lambdaproxy"
	"github.com/tollgate-gw/tollgate/internal/clientip"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/policy"
)

// AuthorizerTimeout is how long API Gateway waits for an authorizer function before answering with the
// configuration error.
const AuthorizerTimeout = 10 * time.Second

// maxAuthorizerAnswer bounds what Tollgate reads of a function's answer: Lambda's own response limit.
const maxAuthorizerAnswer = 6 << 20

// authorizedRoute is a route behind a Lambda authorizer, with what checking its requests needs at hand.
type authorizedRoute struct {
	*ir.Route
	paths *ir.PathMatcher
	token *regexp.Regexp // TOKEN's identityValidationExpression, nil for none
	// policy is the API's resource policy, nil for none.
	policy *policy.Document
	// arnPrefix is the method ARN up to the stage: arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/.
	arnPrefix string
}

// compiled is what routes share of one snapshot once parsed: token patterns by expression, resource policies by
// API.
type compiled struct {
	patterns map[string]*regexp.Regexp
	policies map[*ir.ResourcePolicy]*policy.Document
}

func newAuthorizedRoute(r *ir.Route, c compiled) (*authorizedRoute, error) {
	paths, err := ir.NewPathMatcher(r)
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", r.Name, err)
	}
	ar := &authorizedRoute{Route: r, paths: paths}
	if rp := r.ResourcePolicy; rp != nil {
		ar.arnPrefix = rp.APIARN + "/" + r.Stage + "/"
		if ar.policy = c.policies[rp]; ar.policy == nil {
			// The IR checked it; a failure here would be a different policy package.
			if ar.policy, err = policy.ParseResourcePolicy([]byte(rp.Document), rp.APIARN); err != nil {
				return nil, fmt.Errorf("API %s: resource policy: %w", r.APIID, err)
			}
			c.policies[rp] = ar.policy
		}
	}
	if auth := r.Authorizer; auth != nil {
		ar.arnPrefix = auth.MethodARNPrefix
		if expr := auth.TokenPattern; expr != "" {
			if ar.token = c.patterns[expr]; ar.token == nil {
				// The model check compiled it already; a failure here would be a different regexp package.
				if ar.token, err = regexp.Compile(expr); err != nil {
					return nil, fmt.Errorf("authorizer %s: %w", auth.ID, err)
				}
				c.patterns[expr] = ar.token
			}
		}
	}
	return ar, nil
}

// authorization is what an authorizer admitted a request with.
type authorization struct {
	// context is requestContext.authorizer, as the filters after the check read it (names.AuthorizerField);
	// identity is requestContext.identity's IAM fields (names.IdentityField). Either may be nil.
	context, identity *structpb.Value
	// usageIdentifierKey is a Lambda authorizer's answer's: the API key when the API's key source is AUTHORIZER.
	usageIdentifierKey string
	// mayInvalidateCache: the IAM caller may execute-api:InvalidateCache the method (names.InvalidateCacheField).
	mayInvalidateCache bool
}

// invoke is the action every method ARN is authorized for.
const invoke = "execute-api:Invoke"

// authorize decides whether the caller may invoke the route's method, in API Gateway's authorization flow: an
// explicit deny of the resource policy first, before any authorizer runs; then the authorizer, whose policy and
// the resource policy decide together (the developer guide's "Policy evaluation outcome tables", Table A: the
// same account). Without an authorizer the resource policy must allow. It returns what an authorizer admitted
// the request with (nil when none ran), or the gateway response refusing the request.
func (a *Server) authorize(ctx context.Context, ix *index, ar *authorizedRoute, hr *authv3.AttributeContext_HttpRequest, sourceIP string) (*authorization, *gatewayresponse.Response) {
	arn := methodARN(ar, hr)
	if ar.Authorizer != nil && ar.Authorizer.Type == awsIAM {
		// The resource policy names the signed caller: decided with the signature.
		return a.authorizeIAM(ctx, ix, ar, hr, sourceIP, arn)
	}
	resource := policy.NotApplicable
	if ar.policy != nil {
		addr, _ := netip.ParseAddr(sourceIP)
		// Callers are anonymous to a resource policy here: only IAM authorization names them.
		resource = ar.policy.Evaluate(policy.Request{Action: invoke, Resource: arn, SourceIP: addr})
		if resource == policy.Deny {
			return nil, resourcePolicyRefusal(arn, true)
		}
	}
	switch {
	case ar.Authorizer == nil && resource == policy.Allow:
		return nil, nil
	case ar.Authorizer == nil:
		return nil, resourcePolicyRefusal(arn, false)
	case ar.Authorizer.Type == cognitoUserPools:
		return a.verifyToken(ctx, ar, hr, resource, arn)
	}
	out, latency, refused := a.runAuthorizer(ctx, ar, hr, sourceIP, arn)
	if refused != nil {
		return nil, refused
	}
	if out.Simple {
		if !out.Authorized {
			return nil, refusal(gatewayresponse.AccessDenied)
		}
		return &authorization{context: lambdaContext(ar, out, latency)}, nil
	}
	// A cached answer is evaluated again for each method, as API Gateway does: a policy that allows one method
	// denies another from the same cache entry.
	switch policy.Combine(out.Policy.Evaluate(policy.Request{Action: invoke, Resource: arn}), resource) {
	case policy.Allow:
		return &authorization{context: lambdaContext(ar, out, latency), usageIdentifierKey: out.UsageIdentifierKey}, nil
	case policy.Deny:
		denied := gatewayresponse.Default(gatewayresponse.AccessDenied).WithMessage(gatewayresponse.ExplicitDenyMessage)
		return nil, &denied
	}
	return nil, refusal(gatewayresponse.AccessDenied)
}

// runAuthorizer answers the route's authorizer for the request's identity, from the cache when the identity's
// answer is there, else by invoking the function; or the gateway response refusing the request.
func (a *Server) runAuthorizer(ctx context.Context, ar *authorizedRoute, hr *authv3.AttributeContext_HttpRequest, sourceIP, arn string) (*lambdaauth.Output, time.Duration, *gatewayresponse.Response) {
	auth := ar.Authorizer
	var req *lambdaproxy.Request
	if auth.Type != "TOKEN" {
		req = a.authorizerRequest(ar, hr, sourceIP) // the identity sources read it, and the event is it
		onCustomDomain(ctx, req)
	}
	identity, values, ok := identityOf(ar, req, hr)
	if !ok {
		return nil, 0, refusal(gatewayresponse.Unauthorized)
	}
	event := func() []byte { return authorizerEvent(auth, req, hr, arn, values) }
	ctx, span := a.Tracer.Start(ctx, "authorizer", auth.ID[strings.LastIndex(auth.ID, "/")+1:])
	defer span.End()
	span.SetString("apigateway.authorizer.id", auth.ID)
	span.SetString("apigateway.authorizer.type", auth.Type)
	cacheKey := auth.ID + "/" + string(identity)
	if auth.TTL > 0 {
		if out, ok := a.results.Get(ctx, cacheKey); ok {
			span.SetBool("apigateway.authorizer.cached", true)
			return out, 0, nil
		}
	}
	span.SetBool("apigateway.authorizer.cached", false)
	var answer answered
	if auth.TTL > 0 {
		// Requests of one identity that miss the cache together wait for one call: a burst of a new caller's
		// requests costs the function one invocation, as the cache means it to.
		// The call outlives a waiter that gives up: the others still want its answer.
		answer = a.calls.do(cacheKey, func() answered { return a.answer(context.WithoutCancel(ctx), auth, event()) })
	} else {
		answer = a.answer(ctx, auth, event())
	}
	out, payload, latency, err := answer.out, answer.payload, answer.latency, answer.err
	var refused *lambdaauth.Refusal
	switch {
	case errors.As(err, &refused) && refused.Unauthorized:
		return nil, 0, refusal(gatewayresponse.Unauthorized)
	case err != nil:
		span.Fail(err)
		a.log.Warn("authorizer failed", "authorizer", auth.ID, "err", err)
		return nil, 0, refusal(gatewayresponse.AuthorizerConfiguration)
	}
	if auth.TTL > 0 && answer.first {
		a.results.Set(ctx, cacheKey, payload.body, out, time.Duration(auth.TTL))
	}
	return out, latency, nil
}

// authorizerEvent is the event the authorizer is invoked with: a TOKEN authorizer's (req nil), or a REQUEST
// authorizer's of its payload version.
func authorizerEvent(auth *ir.Authorizer, req *lambdaproxy.Request, hr *authv3.AttributeContext_HttpRequest, arn string, values []string) []byte {
	switch {
	case req == nil:
		return lambdaproxy.BuildTokenAuthorizer(headerOf(hr, auth.TokenHeader), arn)
	case auth.PayloadVersion == "2.0":
		return lambdaproxy.BuildRequestAuthorizerV2(req, arn, values)
	}
	return lambdaproxy.BuildRequestAuthorizerV1(req, arn, values)
}

// AuthorizerTest is what a test invocation of a Lambda authorizer finds (TestInvokeAuthorizer).
type AuthorizerTest struct {
	// Status is what the client would have been answered: 200 when the authorizer answered, 401 when the request
	// lacks the identity or the function said Unauthorized, 500 when the function failed.
	Status      int
	PrincipalID string
	// Policy is the policy document as the function wrote it; Context its context, as the integration gets it.
	Policy  string
	Context map[string]string
	Latency time.Duration
	// Failure says why the function failed, for the test's log.
	Failure string
}

// TestAuthorizer runs the Lambda authorizer of route r on a request as TestInvokeAuthorizer does: its cache
// neither read nor written, and no method's ARN judged by the policy it answers.
func (a *Server) TestAuthorizer(ctx context.Context, r *ir.Route, hr *authv3.AttributeContext_HttpRequest, sourceIP string) (AuthorizerTest, error) {
	auth := r.Authorizer
	if auth == nil || (auth.Type != "TOKEN" && auth.Type != "REQUEST") {
		return AuthorizerTest{}, errors.New("only a Lambda authorizer (TOKEN or REQUEST) can be test-invoked")
	}
	ar, err := newAuthorizedRoute(r, compiled{patterns: map[string]*regexp.Regexp{}, policies: map[*ir.ResourcePolicy]*policy.Document{}})
	if err != nil {
		return AuthorizerTest{}, err
	}
	var req *lambdaproxy.Request
	if auth.Type != "TOKEN" {
		req = a.authorizerRequest(ar, hr, sourceIP)
	}
	_, values, ok := identityOf(ar, req, hr)
	if !ok {
		return AuthorizerTest{Status: http.StatusUnauthorized, Failure: "the request lacks the identity source"}, nil
	}
	answer := a.answer(ctx, auth, authorizerEvent(auth, req, hr, methodARN(ar, hr), values))
	out := AuthorizerTest{Status: http.StatusOK, Latency: answer.latency}
	var refused *lambdaauth.Refusal
	switch {
	case errors.As(answer.err, &refused) && refused.Unauthorized:
		out.Status, out.Failure = http.StatusUnauthorized, "the function answered Unauthorized"
	case answer.err != nil:
		out.Status, out.Failure = http.StatusInternalServerError, answer.err.Error()
	default:
		out.PrincipalID, out.Context = answer.out.PrincipalID, answer.out.Context
		var raw struct {
			PolicyDocument json.RawMessage `json:"policyDocument"`
		}
		if json.Unmarshal(answer.payload.body, &raw) == nil {
			out.Policy = string(raw.PolicyDocument)
		}
	}
	return out, nil
}

// answered is one invocation of an authorizer and what its answer means.
type answered struct {
	out     *lambdaauth.Output
	payload invocation
	latency time.Duration
	err     error
	// first: this caller made the call (the others waited for it), and keeps the answer.
	first bool
}

// answer invokes the authorizer with event and reads its answer.
func (a *Server) answer(ctx context.Context, auth *ir.Authorizer, event []byte) answered {
	began := time.Now()
	if a.Invoked != nil {
		a.Invoked(auth.ID)
	}
	payload, err := a.invokeAuthorizer(ctx, auth, event)
	var out *lambdaauth.Output
	if err == nil {
		out, err = lambdaauth.ParseAs(auth.SimpleResponses, payload.status, payload.functionError, payload.body)
	}
	return answered{out: out, payload: payload, latency: time.Since(began), err: err, first: true}
}

// inflight lets concurrent callers of the same key share one call.
type inflight struct {
	mu    sync.Mutex
	calls map[string]*sharedCall
}

type sharedCall struct {
	done   chan struct{}
	result answered
}

// do runs call for key, or waits for the call already running for it and shares its result.
func (f *inflight) do(key string, call func() answered) answered {
	f.mu.Lock()
	if c, ok := f.calls[key]; ok {
		f.mu.Unlock()
		<-c.done
		shared := c.result
		shared.first = false
		return shared
	}
	if f.calls == nil {
		f.calls = map[string]*sharedCall{}
	}
	c := &sharedCall{done: make(chan struct{})}
	f.calls[key] = c
	f.mu.Unlock()
	defer func() {
		// Even should call panic: no waiter may wait for ever.
		f.mu.Lock()
		delete(f.calls, key)
		f.mu.Unlock()
		close(c.done)
	}()
	c.result = call()
	return c.result
}

// resourcePolicyRefusal is API Gateway's answer when the resource policy refuses an anonymous caller: ACCESS_DENIED
// naming the method ARN with the account masked but its last four digits.
func resourcePolicyRefusal(arn string, explicit bool) *gatewayresponse.Response {
	message := "User: anonymous is not authorized to perform: " + invoke + " on resource: " + maskAccount(arn)
	if explicit {
		message += " with an explicit deny"
	}
	r := gatewayresponse.Default(gatewayresponse.AccessDenied).WithMessage(message)
	return &r
}

// maskAccount hides an ARN's account id as AWS's error messages do: ********1234.
func maskAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && len(parts[4]) > 4 {
		parts[4] = strings.Repeat("*", len(parts[4])-4) + parts[4][len(parts[4])-4:]
	}
	return strings.Join(parts, ":")
}

func refusal(t gatewayresponse.Type) *gatewayresponse.Response {
	r := gatewayresponse.Default(t)
	return &r
}

// customDomainKey keys a check's context with what the client called on a custom domain (see onCustomDomain).
type customDomainKey struct{}

// calledOnDomain is what the client called on a custom domain: the host without its port, and the path as sent,
// its query string included.
type calledOnDomain struct{ domainName, path string }

// onDomain reads a check of a custom domain's route as the same check on the API's own host: hr's path, in place
// (the request is the check's own), under the stage instead of the base path, and ctx with what the client
// called, which the authorizer's event reports (onCustomDomain) and a signature covers (signedPath: no signature
// covers the :path pseudo-header, only the path it is given). A check of another route is as it was.
func onDomain(ctx context.Context, ext map[string]string, hr *authv3.AttributeContext_HttpRequest) (context.Context, *authv3.AttributeContext_HttpRequest) {
	mapping, ok := ext[names.BasePathHeader]
	if !ok {
		return ctx, hr
	}
	called := calledOnDomain{path: hr.GetPath()}
	called.domainName, _, _ = strings.Cut(headerOf(hr, ":authority"), ":")
	basePath, stagePath, _ := strings.Cut(mapping, " ")
	hr.Path = lambdaproxy.StageFormPath(hr.GetPath(), basePath, stagePath)
	for _, h := range hr.GetHeaderMap().GetHeaders() {
		if h.GetKey() == ":path" {
			h.RawValue, h.Value = []byte(hr.Path), ""
		}
	}
	return context.WithValue(ctx, customDomainKey{}, called), hr
}

// onCustomDomain reports the domain and the path the client called in the authorizer's event, as AWS does for a
// request through a base path mapping.
func onCustomDomain(ctx context.Context, req *lambdaproxy.Request) {
	if called, ok := ctx.Value(customDomainKey{}).(calledOnDomain); ok {
		req.DomainName = called.domainName
		req.CalledPath, _, _ = strings.Cut(called.path, "?")
		req.DomainPrefix, _, _ = strings.Cut(req.DomainName, ".")
	}
}

// signedPath is the path a client's signature covers: the one it called.
func signedPath(ctx context.Context, hr *authv3.AttributeContext_HttpRequest) string {
	if called, ok := ctx.Value(customDomainKey{}).(calledOnDomain); ok {
		return called.path
	}
	return hr.GetPath()
}

// authorizerRequest describes the client's request as the method ARN and a REQUEST authorizer's event need it.
func (a *Server) authorizerRequest(ar *authorizedRoute, hr *authv3.AttributeContext_HttpRequest, sourceIP string) *lambdaproxy.Request {
	req := &lambdaproxy.Request{
		Method: hr.GetMethod(), Protocol: hr.GetProtocol(), Resource: ar.Resource, Stage: ar.Stage, APIID: ar.APIID,
		ResourceID: lambdaproxy.ResourceID(ar.APIID, ar.Resource), SourceIP: sourceIP, Time: a.now(),
		HTTPAPI: ar.HTTPAPI, RouteKey: ar.RouteKey(),
	}
	for _, h := range hr.GetHeaderMap().GetHeaders() {
		k, v := h.GetKey(), string(h.GetRawValue())
		switch {
		case k == ":authority":
			req.DomainName, _, _ = strings.Cut(v, ":")
			req.Headers = append(req.Headers, [2]string{"Host", v})
		case k == names.EnvoyRequestIDHeader:
			req.RequestID = v
		case k == names.ClientCertHeader:
			req.ClientCert = lambdaproxy.ForwardedClientCert(v)
		default:
			if name, ok := lambdaproxy.ClientHeader(k); ok {
				req.Headers = append(req.Headers, [2]string{name, v})
			}
		}
	}
	req.DomainPrefix, _, _ = strings.Cut(req.DomainName, ".")
	req.ExtendedRequestID = gatewayresponse.ExtendedRequestID(req.RequestID)
	rawPath, rawQuery, _ := strings.Cut(hr.GetPath(), "?")
	req.PathParameters, _ = ar.paths.PathParameters(rawPath)
	req.RawPath, req.RawQuery = stagePath(rawPath, ar.Stage), rawQuery
	return req
}

// identityOf reads the request's identity: its cache key (a hash, so no token is kept in the clear) and a
// REQUEST authorizer's identity source values; false when an identity source is missing or the token does not
// match the validation expression, which API Gateway answers with 401 without calling the function. req is the
// request described for a REQUEST authorizer.
func identityOf(ar *authorizedRoute, req *lambdaproxy.Request, hr *authv3.AttributeContext_HttpRequest) ([]byte, []string, bool) {
	auth := ar.Authorizer
	h := sha256.New()
	if auth.Type == "TOKEN" {
		token := headerOf(hr, auth.TokenHeader)
		if token == "" || (ar.token != nil && !ar.token.MatchString(token)) {
			return nil, nil, false
		}
		h.Write([]byte(token))
		return h.Sum(nil), nil, true
	}
	req.StageVariables, req.AccountID = auth.StageVariables, auth.AccountID
	values := make([]string, 0, len(auth.IdentitySources))
	for _, src := range auth.IdentitySources {
		v := sourceValue(src, req, hr)
		if v == "" {
			return nil, nil, false
		}
		values = append(values, v)
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	return h.Sum(nil), values, true
}

// methodARN is the ARN of the method the request invokes, as an authorizer's policy names it:
// {arnPrefix}{METHOD}/{path}, and {arnPrefix}$default for an HTTP API's $default route.
func methodARN(ar *authorizedRoute, hr *authv3.AttributeContext_HttpRequest) string {
	if ar.Resource == ir.DefaultRoute {
		return ar.arnPrefix + ir.DefaultRoute
	}
	return ar.arnPrefix + hr.GetMethod() + "/" + strings.TrimPrefix(stagePath(hr.GetPath(), ar.Stage), "/")
}

// stagePath is a request path without its query and its /{stage} prefix, "/" at least.
func stagePath(path, stage string) string {
	path, _, _ = strings.Cut(path, "?")
	if path = strings.TrimPrefix(path, "/"+stage); path == "" {
		return "/"
	}
	return path
}

// sourceValue reads one REQUEST identity source; "" when the request lacks it.
func sourceValue(src ir.ValueSource, req *lambdaproxy.Request, hr *authv3.AttributeContext_HttpRequest) string {
	switch src.Kind {
	case ir.Static:
		return src.Value
	case ir.RequestHeader:
		return headerOf(hr, src.Value)
	case ir.QueryParameter:
		return lambdaproxy.QueryValue(req.RawQuery, src.Value)
	case ir.RequestID:
		return req.RequestID
	case ir.HTTPMethod:
		return req.Method
	case ir.SourceIP:
		return req.SourceIP
	case ir.RouteKeyValue:
		return req.RouteKey
	}
	return ""
}

// headerOf is a request header's value, from the headers the key check's filter sends, or the raw headers the
// authorizer's filter sends: there the last one given, as API Gateway reads a single-valued header.
func headerOf(hr *authv3.AttributeContext_HttpRequest, name string) string {
	name = strings.ToLower(name)
	if v, ok := hr.GetHeaders()[name]; ok {
		return v
	}
	value := ""
	for _, h := range hr.GetHeaderMap().GetHeaders() {
		if h.GetKey() == name {
			value = string(h.GetRawValue())
		}
	}
	return value
}

// invocation is the Invoke API's answer.
type invocation struct {
	status        int
	functionError string // X-Amz-Function-Error
	body          []byte
}

// invokeAuthorizer calls the function with the event over Lambda's Invoke API, as API Gateway does.
func (a *Server) invokeAuthorizer(ctx context.Context, auth *ir.Authorizer, event []byte) (invocation, error) {
	ctx, cancel := context.WithTimeout(ctx, a.authorizerTimeout)
	defer cancel()
	call, err := http.NewRequestWithContext(ctx, http.MethodPost, auth.InvokeURL, bytes.NewReader(event))
	if err != nil {
		return invocation{}, err
	}
	call.Header.Set("Content-Type", "application/json")
	if auth.SigningRegion != "" {
		if err := a.signer.sign(ctx, call, event, auth.SigningRegion); err != nil {
			return invocation{}, err
		}
	}
	resp, err := a.invoker.Do(call)
	if err != nil {
		return invocation{}, fmt.Errorf("invoking the function: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAuthorizerAnswer))
	if err != nil {
		return invocation{}, fmt.Errorf("reading the function's answer: %w", err)
	}
	return invocation{status: resp.StatusCode, functionError: resp.Header.Get("X-Amz-Function-Error"), body: body}, nil
}

// lambdaContext is requestContext.authorizer for a Lambda authorizer's answer: principalId, the function call's
// latency (0 from the cache) and the context's values; an HTTP API's is {"lambda": {the context's values}}.
func lambdaContext(ar *authorizedRoute, out *lambdaauth.Output, latency time.Duration) *structpb.Value {
	if ar.HTTPAPI {
		values := make(map[string]*structpb.Value, len(out.Context))
		for k, v := range out.Context {
			values[k] = structpb.NewStringValue(v)
		}
		return structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
			"lambda": structpb.NewStructValue(&structpb.Struct{Fields: values})}})
	}
	fields := map[string]*structpb.Value{
		"principalId":        structpb.NewStringValue(out.PrincipalID),
		"integrationLatency": structpb.NewNumberValue(float64(latency.Milliseconds())),
	}
	for k, v := range out.Context {
		fields[k] = structpb.NewStringValue(v)
	}
	return structpb.NewStructValue(&structpb.Struct{Fields: fields})
}

// sourceAddress is the client's IP address, behind trustedHops proxies as Envoy reads it.
func sourceAddress(req *authv3.CheckRequest, trustedHops int) string {
	return clientip.Of(req.GetAttributes().GetSource().GetAddress().GetSocketAddress().GetAddress(),
		headerOf(req.GetAttributes().GetRequest().GetHttp(), "x-forwarded-for"), trustedHops)
}
