package authz

import (
	"context"
	"errors"
	"net/netip"
	"strings"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/extproc/authz/sigv4"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/policy"
)

// awsIAM is ir.Authorizer.Type of a method with IAM authorization.
const awsIAM = "AWS_IAM"

// identity is one IAM identity of the snapshot, its policy parsed.
type identity struct {
	ir.IAMCredential
	policy  *policy.Document // nil for none
	account string           // the caller's account, from its ARN
}

// newIdentities indexes the snapshot's IAM identities by access key.
func newIdentities(creds []ir.IAMCredential) (map[string]*identity, error) {
	out := make(map[string]*identity, len(creds))
	for _, c := range creds {
		id := &identity{IAMCredential: c, account: arnAccount(c.ARN)}
		if c.Policy != "" {
			var err error
			if id.policy, err = policy.Parse([]byte(c.Policy)); err != nil {
				return nil, err
			}
		}
		out[c.AccessKeyID] = id
	}
	return out, nil
}

// arnAccount is an ARN's account field.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

// authorizeIAM decides a request to a method with IAM authorization, as API Gateway does: a SigV4 signature
// (service execute-api, the API's region) by an access key of the config's iam.credentials, then the caller's
// identity policy and the resource policy, the caller named in both: within the API's account either may allow
// (the developer guide's Table A), from another account both must (Table B), and an explicit deny in either
// refuses.
func (a *Server) authorizeIAM(ctx context.Context, ix *index, ar *authorizedRoute, hr *authv3.AttributeContext_HttpRequest, sourceIP, arn string) (*authorization, *gatewayresponse.Response) {
	rawPath, rawQuery, _ := strings.Cut(signedPath(ctx, hr), "?")
	req := &sigv4.Request{Method: hr.GetMethod(), RawPath: rawPath, RawQuery: rawQuery, Body: hr.GetRawBody()}
	for _, h := range hr.GetHeaderMap().GetHeaders() {
		name := h.GetKey()
		if name == ":authority" {
			name = "host"
		}
		req.Headers = append(req.Headers, [2]string{name, string(h.GetRawValue())})
	}
	sig, err := sigv4.Parse(req, sigv4.Service)
	if err != nil {
		return nil, signatureRefusal(err)
	}
	id := ix.identities[sig.AccessKeyID]
	if id == nil || sig.SessionToken != id.SessionToken {
		r := gatewayresponse.Default(gatewayresponse.AccessDenied)
		r.Message, r.ErrorType, r.MessageKey = "The security token included in the request is invalid.", "UnrecognizedClientException", ""
		return nil, &r
	}
	if err := sig.Verify(req, id.SecretAccessKey, arnRegion(arn), a.now()); err != nil {
		return nil, signatureRefusal(err)
	}
	addr, _ := netip.ParseAddr(sourceIP)
	switch ask := (policy.Request{Action: invoke, Resource: arn, Principal: id.ARN, SourceIP: addr}); decideIAM(id, ar, ask, arn) {
	case policy.Allow:
		az := &authorization{identity: iamIdentity(id, sig.AccessKeyID)}
		if ar.Cache != nil && ar.Cache.RequireAuthorization && headerOf(hr, "cache-control") != "" {
			// Whether the caller's Cache-Control: max-age=0 may refresh the stage cache's entry, for the cache (which
			// reads the directive; a request without the header asks for nothing).
			ask.Action = invalidateCache
			az.mayInvalidateCache = decideIAM(id, ar, ask, arn) == policy.Allow
		}
		return az, nil
	case policy.Deny:
		return nil, callerRefusal(id.ARN, arn, true)
	}
	return nil, callerRefusal(id.ARN, arn, false)
}

// invalidateCache is the action a caller needs to refresh a cached method's entry.
const invalidateCache = "execute-api:InvalidateCache"

// decideIAM is what the caller's identity policy and the API's resource policy decide together for ask.
func decideIAM(id *identity, ar *authorizedRoute, ask policy.Request, arn string) policy.Decision {
	identityDecision := policy.NotApplicable
	if id.policy != nil {
		identityDecision = id.policy.Evaluate(ask)
	}
	resource := policy.NotApplicable
	if ar.policy != nil {
		resource = ar.policy.Evaluate(ask)
	}
	decision := policy.Combine(identityDecision, resource)
	if id.account != arnAccount(arn) && decision == policy.Allow && (identityDecision != policy.Allow || resource != policy.Allow) {
		decision = policy.NotApplicable // cross-account access needs both to allow
	}
	return decision
}

// arnRegion is the region field of a method ARN.
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 4 {
		return ""
	}
	return parts[3]
}

// signatureRefusal is API Gateway's answer to a signature it cannot accept: 403 with the exception's name.
func signatureRefusal(err error) *gatewayresponse.Response {
	var e *sigv4.Error
	if !errors.As(err, &e) || e.Type == "MissingAuthenticationTokenException" {
		return refusal(gatewayresponse.MissingAuthenticationToken)
	}
	// API Gateway's INVALID_SIGNATURE, for every signature it refuses (an expired one, an unknown key's) *(verify:
	// AWS documents the type, not which refusals it covers)*.
	return &gatewayresponse.Response{Type: gatewayresponse.InvalidSignature, Status: 403, Message: e.Message, ErrorType: e.Type}
}

// callerRefusal is ACCESS_DENIED for a signed caller the policies do not allow.
func callerRefusal(caller, arn string, explicit bool) *gatewayresponse.Response {
	message := "User: " + caller + " is not authorized to perform: " + invoke + " on resource: " + maskAccount(arn)
	if explicit {
		message += " with an explicit deny"
	}
	r := gatewayresponse.Default(gatewayresponse.AccessDenied).WithMessage(message)
	return &r
}

// iamIdentity is requestContext.identity's IAM part for a verified caller: its access key and account, and, as
// it stands for IAM's principal id (which Tollgate does not have), its ARN's name as caller and user.
func iamIdentity(id *identity, accessKey string) *structpb.Value {
	name := id.ARN[strings.LastIndex(id.ARN, ":")+1:]
	return structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
		"accessKey": structpb.NewStringValue(accessKey),
		"accountId": structpb.NewStringValue(id.account),
		"caller":    structpb.NewStringValue(name),
		"user":      structpb.NewStringValue(name),
		"userArn":   structpb.NewStringValue(id.ARN),
	}})
}
