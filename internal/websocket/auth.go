package websocket

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/extproc/authz/lambdaauth"
	"github.com/tollgate-gw/tollgate/extproc/authz/sigv4"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/policy"
)

// authorizerTimeout bounds a Lambda authorizer's invocation, as API Gateway's.
const authorizerTimeout = 10 * time.Second

// arn is the execute-api ARN of a stage's route: arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{route}.
func (s *Server) arn(st *ir.WebSocketStage, route string) string {
	return "arn:aws:execute-api:" + s.opts.Region + ":" + s.opts.AccountID + ":" + st.APIID + "/" + st.Stage + "/" + route
}

// verify checks a request's SigV4 signature (service execute-api; the Authorization header or a presigned query)
// against the snapshot's IAM credentials, and that the caller's identity policy allows action on resource: an
// unsigned request, or one by a key of none of them, is refused as API Gateway refuses it.
func (s *Server) verify(r *http.Request, body []byte, action, resource string) (*caller, *sigv4.Error) {
	req := &sigv4.Request{Method: r.Method, RawPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Body: body,
		Headers: sigv4.Headers(r.Host, r.Header, r.ContentLength)}
	sig, err := sigv4.Parse(req, SigningName)
	if err != nil {
		return nil, sigv4.ErrorOf(err, "IncompleteSignatureException")
	}
	for _, cred := range *s.iam.Load() {
		if cred.AccessKeyID != sig.AccessKeyID {
			continue
		}
		token := r.Header.Get("X-Amz-Security-Token")
		if token == "" {
			token = r.URL.Query().Get("X-Amz-Security-Token")
		}
		if cred.SessionToken != "" && token != cred.SessionToken {
			return nil, &sigv4.Error{Type: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}
		}
		if err := sig.Verify(req, cred.SecretAccessKey, s.opts.Region, s.now()); err != nil {
			return nil, sigv4.ErrorOf(err, "InvalidSignatureException")
		}
		if cred.policy == nil || cred.policy.Evaluate(policy.Request{Action: action, Resource: resource, Principal: cred.ARN}) != policy.Allow {
			return nil, &sigv4.Error{Type: "AccessDeniedException", Message: "User: " + cred.ARN + " is not authorized to perform: " + action + " on resource: " + resource}
		}
		return &cred, nil
	}
	return nil, &sigv4.Error{Type: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}
}

// authorize decides a connection at $connect as API Gateway does, by IAM or the route's Lambda authorizer,
// answering the client itself when it refuses. What it admitted the connection with goes into c: the caller's
// identity, or the authorizer's principalId and context, which every event of the connection reports.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, st *ir.WebSocketStage, route *ir.WebSocketRoute, c *conn) bool {
	switch { // the caller's identity first, then its key and limits, in API Gateway's order
	case route.IAM:
		caller, e := s.verify(r, nil, "execute-api:Invoke", s.arn(st, names.WebSocketConnect))
		if e != nil {
			s.opts.Logger.Info("websocket: $connect refused by IAM", "api", c.stageKey, "reason", e.Type+": "+e.Message)
			s.count(st, names.WebSocketClientError)
			writeMessage(w, http.StatusForbidden, "", "Forbidden")
			return false
		}
		account, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(caller.ARN, "arn:aws:iam::"), "arn:aws:sts::"), ":")
		c.caller = mergeIdentity(c.caller, map[string]any{"accessKey": caller.AccessKeyID, "accountId": account, "userArn": caller.ARN})
	case route.Authorizer != nil:
		if !s.runAuthorizer(w, r, st, route, c) {
			return false
		}
	}
	return s.admit(w, r, st, route, c)
}

// apiKeys are the snapshot's enabled API keys by value, and the plan that grants each on each stage.
type apiKeys struct {
	byValue map[string]string    // value -> key id
	plans   map[[3]string]string // key id, API id, stage -> usage plan id
}

func keysOf(snap *ir.Snapshot) *apiKeys {
	k := &apiKeys{byValue: map[string]string{}, plans: map[[3]string]string{}}
	for _, key := range snap.APIKeys {
		if key.Enabled {
			k.byValue[key.Value] = key.ID
		}
	}
	for _, g := range snap.Grants {
		k.plans[[3]string{g.KeyID, g.APIID, g.Stage}] = g.PlanID
	}
	return k
}

// admit checks $connect's API key, when it requires one, and takes the connection through its limits: API
// Gateway's 403 for a key that is missing, unknown, disabled or of no plan of the stage; 429 when a throttle or the
// plan's quota refuses it.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, st *ir.WebSocketStage, route *ir.WebSocketRoute, c *conn) bool {
	var keyID, planID string
	if route.APIKeyRequired {
		keys := s.keys.Load()
		var known bool
		if keyID, known = keys.byValue[r.Header.Get("X-Api-Key")]; known {
			planID, known = keys.plans[[3]string{keyID, st.APIID, st.Stage}]
		}
		if !known {
			s.count(st, names.WebSocketClientError)
			writeMessage(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
			return false
		}
		c.caller = mergeIdentity(c.caller, map[string]any{"apiKey": r.Header.Get("X-Api-Key"), "apiKeyId": keyID})
	}
	if route.Limits == nil {
		return true
	}
	if refused, status, message := s.opts.Limit(r.Context(), st.ConnectRouteName(), keyID, planID); refused {
		s.count(st, names.WebSocketClientError)
		writeMessage(w, status, "", message)
		return false
	}
	return true
}

// mergeIdentity adds values to an event's identity values.
func mergeIdentity(identity, values map[string]any) map[string]any {
	if identity == nil {
		identity = map[string]any{}
	}
	for k, v := range values {
		identity[k] = v
	}
	return identity
}

// runAuthorizer runs a REQUEST Lambda authorizer: every identity source present, else 401 without a call; the
// function's policy must allow the $connect route's ARN.
func (s *Server) runAuthorizer(w http.ResponseWriter, r *http.Request, st *ir.WebSocketStage, route *ir.WebSocketRoute, c *conn) bool {
	auth := route.Authorizer
	for _, src := range auth.IdentitySources {
		if identityValue(r, st, src) == "" {
			s.count(st, names.WebSocketClientError)
			writeMessage(w, http.StatusUnauthorized, "", "Unauthorized")
			return false
		}
	}
	methodARN := s.arn(st, names.WebSocketConnect)
	ev := connectEvent(r)
	event := map[string]any{"type": "REQUEST", "methodArn": methodARN, "requestContext": s.requestContext(st, route, c, ev),
		"stageVariables": st.StageVariables}
	addRequest(event, ev)
	payload, _ := json.Marshal(event)
	ctx, cancel := context.WithTimeout(r.Context(), authorizerTimeout)
	defer cancel()
	start := s.now()
	status, header, body, err := s.call(ctx, http.MethodPost, auth.URL, "application/json", payload)
	if err != nil {
		s.opts.Logger.Warn("websocket: the authorizer's invocation failed", "api", c.stageKey, "authorizer", auth.ID, "error", err)
		s.count(st, names.WebSocketExecutionError)
		writeMessage(w, http.StatusInternalServerError, "", "Internal server error")
		return false
	}
	out, err := lambdaauth.Parse(status, header.Get("X-Amz-Function-Error"), body)
	if err != nil {
		if refusal, ok := err.(*lambdaauth.Refusal); ok && refusal.Unauthorized {
			s.count(st, names.WebSocketClientError)
			writeMessage(w, http.StatusUnauthorized, "", "Unauthorized")
			return false
		}
		s.count(st, names.WebSocketExecutionError)
		s.opts.Logger.Warn("websocket: the authorizer's answer is not one", "api", c.stageKey, "authorizer", auth.ID, "reason", err)
		writeMessage(w, http.StatusInternalServerError, "", "Internal server error")
		return false
	}
	if out.Policy.Evaluate(policy.Request{Action: "execute-api:Invoke", Resource: methodARN}) != policy.Allow {
		s.count(st, names.WebSocketClientError)
		writeMessage(w, http.StatusForbidden, "", "Forbidden")
		return false
	}
	c.authorizer = map[string]any{"principalId": out.PrincipalID, "integrationLatency": s.now().Sub(start).Milliseconds()}
	for k, v := range out.Context {
		c.authorizer[k] = v
	}
	return true
}

// identityValue is an authorizer's identity source's value for the upgrade request.
func identityValue(r *http.Request, st *ir.WebSocketStage, src string) string {
	switch {
	case strings.HasPrefix(src, "route.request.header."):
		return r.Header.Get(strings.TrimPrefix(src, "route.request.header."))
	case strings.HasPrefix(src, "route.request.querystring."):
		return r.URL.Query().Get(strings.TrimPrefix(src, "route.request.querystring."))
	case strings.HasPrefix(src, "stageVariables."):
		return st.StageVariables[strings.TrimPrefix(src, "stageVariables.")]
	}
	return ""
}

// A caller is an IAM credential with its identity policy parsed.
type caller struct {
	ir.IAMCredential
	policy *policy.Document // nil for none, which allows nothing
}

// callers parses the snapshot's credentials' policies (the config checked them).
func callers(creds []ir.IAMCredential) []caller {
	out := make([]caller, len(creds))
	for i, c := range creds {
		out[i].IAMCredential = c
		if c.Policy != "" {
			out[i].policy, _ = policy.Parse([]byte(c.Policy))
		}
	}
	return out
}
