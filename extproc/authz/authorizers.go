package authz

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/extproc/authz/lambdaauth"
	"github.com/tollgate-gw/tollgate/extproc/lambda/lambdaproxy"
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
}

func newAuthorizedRoute(r *ir.Route, patterns map[string]*regexp.Regexp) (*authorizedRoute, error) {
	paths, err := ir.NewPathMatcher(r)
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", r.Name, err)
	}
	ar := &authorizedRoute{Route: r, paths: paths}
	if expr := r.Authorizer.TokenPattern; expr != "" {
		if ar.token = patterns[expr]; ar.token == nil {
			// The model check compiled it already; a failure here would be a different regexp package.
			if ar.token, err = regexp.Compile(expr); err != nil {
				return nil, fmt.Errorf("authorizer %s: %w", r.Authorizer.ID, err)
			}
			patterns[expr] = ar.token
		}
	}
	return ar, nil
}

// authorization is what an authorizer admitted a request with.
type authorization struct {
	output  *lambdaauth.Output
	latency time.Duration // the function call's, 0 from the cache
}

// authorize runs the route's authorizer for a request, from the cache when its identity's answer is there: the
// authorization, or the gateway response refusing the request.
func (a *Server) authorize(ctx context.Context, ar *authorizedRoute, hr *authv3.AttributeContext_HttpRequest, sourceIP string) (*authorization, *gatewayresponse.Response) {
	auth := ar.Authorizer
	req := a.authorizerRequest(ar, hr, sourceIP)
	identity, event, ok := identityAndEvent(ar, req, hr)
	if !ok {
		return nil, refusal(gatewayresponse.Unauthorized)
	}
	cacheKey := auth.ID + "/" + string(identity)
	var out *lambdaauth.Output
	var latency time.Duration
	if auth.TTL > 0 {
		out, _ = a.results.Get(ctx, cacheKey)
	}
	if out == nil {
		began := time.Now()
		payload, err := a.invokeAuthorizer(ctx, auth, event)
		if err == nil {
			out, err = lambdaauth.Parse(payload.status, payload.functionError, payload.body)
		}
		latency = time.Since(began)
		var refused *lambdaauth.Refusal
		switch {
		case errors.As(err, &refused) && refused.Unauthorized:
			return nil, refusal(gatewayresponse.Unauthorized)
		case err != nil:
			a.log.Warn("authorizer failed", "authorizer", auth.ID, "err", err)
			return nil, refusal(gatewayresponse.AuthorizerConfiguration)
		}
		if auth.TTL > 0 {
			a.results.Set(ctx, cacheKey, payload.body, out, time.Duration(auth.TTL))
		}
	}
	// A cached answer is evaluated again for each method, as API Gateway does: a policy that allows one method
	// denies another from the same cache entry.
	switch out.Policy.Evaluate(policy.Request{Action: "execute-api:Invoke", Resource: methodARN(ar, req)}) {
	case policy.Allow:
		return &authorization{output: out, latency: latency}, nil
	case policy.Deny:
		denied := gatewayresponse.Default(gatewayresponse.AccessDenied).WithMessage(gatewayresponse.ExplicitDenyMessage)
		return nil, &denied
	}
	return nil, refusal(gatewayresponse.AccessDenied)
}

func refusal(t gatewayresponse.Type) *gatewayresponse.Response {
	r := gatewayresponse.Default(t)
	return &r
}

// methodARN is the ARN of the method the request invokes: arn:aws:execute-api:{region}:{account}:{apiId}/
// {stage}/{VERB}/{path}, the path as the client sent it without its leading slash.
func methodARN(ar *authorizedRoute, req *lambdaproxy.Request) string {
	return ar.Authorizer.MethodARNPrefix + req.Method + "/" + strings.TrimPrefix(req.RawPath, "/")
}

// authorizerRequest describes the client's request as a REQUEST authorizer's event and the method ARN need it.
func (a *Server) authorizerRequest(ar *authorizedRoute, hr *authv3.AttributeContext_HttpRequest, sourceIP string) *lambdaproxy.Request {
	auth := ar.Authorizer
	req := &lambdaproxy.Request{
		Method: hr.GetMethod(), Protocol: hr.GetProtocol(), Resource: ar.Resource, Stage: ar.Stage,
		StageVariables: auth.StageVariables, APIID: ar.APIID, AccountID: auth.AccountID,
		ResourceID: lambdaproxy.ResourceID(ar.APIID, ar.Resource), SourceIP: sourceIP, Time: a.now(),
	}
	for _, h := range hr.GetHeaderMap().GetHeaders() {
		k, v := h.GetKey(), string(h.GetRawValue())
		switch {
		case k == ":authority":
			req.DomainName, _, _ = strings.Cut(v, ":")
			req.Headers = append(req.Headers, [2]string{"Host", v})
		case k == names.EnvoyRequestIDHeader:
			req.RequestID = v
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
	req.RawPath = strings.TrimPrefix(rawPath, "/"+ar.Stage)
	if req.RawPath == "" {
		req.RawPath = "/"
	}
	req.RawQuery = rawQuery
	return req
}

// identityAndEvent reads the request's identity (its cache key: a hash, so no token is kept in the clear) and
// builds the function's event; false when an identity source is missing or the token does not match the
// validation expression, which API Gateway answers with 401 without calling the function.
func identityAndEvent(ar *authorizedRoute, req *lambdaproxy.Request, hr *authv3.AttributeContext_HttpRequest) ([]byte, []byte, bool) {
	auth := ar.Authorizer
	h := sha256.New()
	if auth.Type == "TOKEN" {
		token := headerOf(hr, auth.TokenHeader)
		if token == "" || (ar.token != nil && !ar.token.MatchString(token)) {
			return nil, nil, false
		}
		h.Write([]byte(token))
		return h.Sum(nil), lambdaproxy.BuildTokenAuthorizer(token, methodARN(ar, req)), true
	}
	for _, src := range auth.IdentitySources {
		v := sourceValue(src, req, hr)
		if v == "" {
			return nil, nil, false
		}
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	return h.Sum(nil), lambdaproxy.BuildRequestAuthorizerV1(req, methodARN(ar, req)), true
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
	ctx, cancel := context.WithTimeout(ctx, AuthorizerTimeout)
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

// authorizerMetadata is what the filters after the check learn of the authorizer's answer (names.AuthorizerField):
// requestContext.authorizer of a Lambda proxy event, and context.authorizer.X of header mappings.
func authorizerMetadata(az *authorization) *structpb.Value {
	fields := map[string]*structpb.Value{
		"principalId":        structpb.NewStringValue(az.output.PrincipalID),
		"integrationLatency": structpb.NewNumberValue(float64(az.latency.Milliseconds())),
	}
	for k, v := range az.output.Context {
		fields[k] = structpb.NewStringValue(v)
	}
	return structpb.NewStructValue(&structpb.Struct{Fields: fields})
}

// sourceAddress is the client's IP address as Envoy saw it.
func sourceAddress(req *authv3.CheckRequest) string {
	addr := req.GetAttributes().GetSource().GetAddress().GetSocketAddress().GetAddress()
	if ip := net.ParseIP(addr); ip != nil {
		return ip.String()
	}
	return addr
}
