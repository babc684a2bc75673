package websocket

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/tollgate-gw/tollgate/extproc/authz/sigv4"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/policy"
)

// SigningName is the service @connections calls are signed for.
const SigningName = "execute-api"

// connectionsPath is the connection id of a stage's @connections path: /{stage}/@connections/{id}, or the same
// under the host-independent forms of the stage's URL, the @ as it is or percent-encoded, as botocore sends it.
func connectionsPath(escaped string, st *ir.WebSocketStage) (string, bool) {
	rest, ok := cutAny(escaped, "/"+st.Stage+"/", "/_aws/execute-api/"+st.APIID+"/"+st.Stage+"/", "/restapis/"+st.APIID+"/"+st.Stage+"/_user_request_/")
	if !ok {
		return "", false
	}
	if rest, ok = cutAny(rest, "@connections/", "%40connections/"); !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	id, err := url.PathUnescape(rest)
	return id, err == nil
}

func cutAny(s string, prefixes ...string) (string, bool) {
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return rest, true
		}
	}
	return s, false
}

// connections is the @connections API: POST sends the body to the connection, GET describes it, DELETE closes it.
// The call is verified here, and made where the connection is: on this node, or on the one the registry names.
func (s *Server) connections(w http.ResponseWriter, r *http.Request, st *ir.WebSocketStage, id string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxMessage+1))
	if err != nil {
		writeMessage(w, http.StatusBadRequest, "BadRequestException", "The request body cannot be read")
		return
	}
	if e := s.verify(r, body, st, id); e != nil {
		writeMessage(w, http.StatusForbidden, e.Type, e.Message)
		return
	}
	switch {
	case r.Method != http.MethodPost && r.Method != http.MethodGet && r.Method != http.MethodDelete:
		writeMessage(w, http.StatusMethodNotAllowed, "", "Method Not Allowed")
		return
	case r.Method == http.MethodPost && len(body) > maxMessage:
		writeMessage(w, http.StatusRequestEntityTooLarge, "PayloadTooLargeException", "Message too long")
		return
	}
	call := Call{Method: r.Method, ID: id, StageKey: st.APIID + "/" + st.Stage, Body: body}
	answer, held := s.answerLocal(r.Context(), call)
	if !held {
		var err error
		answer, held, err = s.opts.Registry.Call(r.Context(), call)
		switch {
		case err != nil:
			s.opts.Logger.Warn("websocket: an @connections call to another node failed", "connection", id, "error", err)
			writeMessage(w, http.StatusInternalServerError, "InternalServerErrorException", "Internal server error")
			return
		case !held:
			answer = gone
		}
	}
	if answer.ErrorType != "" {
		writeMessage(w, answer.Status, answer.ErrorType, answer.Message)
		return
	}
	if answer.Body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(answer.Status)
	_, _ = w.Write(answer.Body)
}

// gone is the answer for a connection no node holds.
var gone = Answer{Status: http.StatusGone, ErrorType: "GoneException"}

// answerLocal makes a call to a connection this node holds; held is false when it holds none of that id.
func (s *Server) answerLocal(ctx context.Context, call Call) (answer Answer, held bool) {
	s.mu.Lock()
	c := s.conns[call.ID]
	s.mu.Unlock()
	if c == nil {
		return Answer{}, false
	}
	if c.stageKey != call.StageKey {
		return gone, true
	}
	switch call.Method {
	case http.MethodPost:
		if c.send(ctx, call.Body) != nil {
			return gone, true
		}
		return Answer{Status: http.StatusOK}, true
	case http.MethodGet:
		b, _ := json.Marshal(map[string]any{
			"connectedAt":  c.connectedAt.UTC().Format(time.RFC3339Nano),
			"identity":     map[string]string{"sourceIp": c.sourceIP, "userAgent": c.userAgent},
			"lastActiveAt": time.Unix(0, c.lastActive.Load()).UTC().Format(time.RFC3339Nano),
		})
		return Answer{Status: http.StatusOK, Body: b}, true
	}
	c.close(websocket.StatusNormalClosure, "")
	return Answer{Status: http.StatusNoContent}, true
}

// verify checks the call's SigV4 signature (service execute-api) against the snapshot's IAM credentials, and
// that the caller's policy allows it: an unsigned call, or one by a key of none of them, is refused as API
// Gateway refuses it.
func (s *Server) verify(r *http.Request, body []byte, st *ir.WebSocketStage, id string) *sigv4.Error {
	req := &sigv4.Request{Method: r.Method, RawPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Body: body,
		Headers: [][2]string{{"host", r.Host}}}
	for name, values := range r.Header {
		for _, v := range values {
			req.Headers = append(req.Headers, [2]string{strings.ToLower(name), v})
		}
	}
	if r.Header.Get("Content-Length") == "" && r.ContentLength > 0 {
		req.Headers = append(req.Headers, [2]string{"content-length", strconv.FormatInt(r.ContentLength, 10)})
	}
	sig, err := sigv4.Parse(req, SigningName)
	if err != nil {
		if e, ok := err.(*sigv4.Error); ok {
			return e
		}
		return &sigv4.Error{Type: "IncompleteSignatureException", Message: err.Error()}
	}
	for _, cred := range *s.iam.Load() {
		if cred.AccessKeyID != sig.AccessKeyID {
			continue
		}
		if cred.SessionToken != "" && r.Header.Get("X-Amz-Security-Token") != cred.SessionToken {
			return &sigv4.Error{Type: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}
		}
		if err := sig.Verify(req, cred.SecretAccessKey, s.opts.Region, s.now()); err != nil {
			if e, ok := err.(*sigv4.Error); ok {
				return e
			}
			return &sigv4.Error{Type: "InvalidSignatureException", Message: err.Error()}
		}
		// The caller's identity policy must allow execute-api:ManageConnections on the connection, as IAM's.
		resource := "arn:aws:execute-api:" + s.opts.Region + ":" + s.opts.AccountID + ":" + st.APIID + "/" + st.Stage + "/" + r.Method + "/@connections/" + id
		if cred.policy == nil || cred.policy.Evaluate(policy.Request{Action: "execute-api:ManageConnections", Resource: resource, Principal: cred.ARN}) != policy.Allow {
			return &sigv4.Error{Type: "AccessDeniedException", Message: "User: " + cred.ARN + " is not authorized to perform: execute-api:ManageConnections on resource: " + resource}
		}
		return nil
	}
	return &sigv4.Error{Type: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}
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
