package websocket

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

// SigningName is the service @connections calls are signed for.
const SigningName = "execute-api"

// connectionsPath is the connection id of a stage's @connections path: /{stage}/@connections/{id}, or the same
// under the host-independent forms of the stage's URL, the @ as it is or percent-encoded, as botocore sends it;
// on a custom domain (m not nil), {basePath}/@connections/{id}.
func connectionsPath(escaped string, st *ir.WebSocketStage, m *domainMapping) (string, bool) {
	prefixes := []string{"/" + st.Stage + "/", "/_aws/execute-api/" + st.APIID + "/" + st.Stage + "/", "/restapis/" + st.APIID + "/" + st.Stage + "/_user_request_/"}
	if m != nil {
		prefixes = []string{m.basePath + "/"}
	}
	rest, ok := cutAny(escaped, prefixes...)
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
	// The caller's identity policy must allow execute-api:ManageConnections on the connection, as IAM's.
	resource := s.arn(st, r.Method+"/@connections/"+id)
	if _, e := s.verify(r, body, "execute-api:ManageConnections", resource); e != nil {
		writeMessage(w, http.StatusForbidden, e.Type, e.Message)
		return
	}
	if st.ConnectionsLimits != nil {
		if refused, status, message := s.opts.Limit(r.Context(), st.ConnectionsRouteName(), "", ""); refused {
			writeMessage(w, status, "LimitExceededException", message)
			return
		}
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
