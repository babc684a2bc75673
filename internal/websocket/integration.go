package websocket

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// maxAnswer bounds what an integration's answer may be: a message's size, and some room for its envelope.
const maxAnswer = 2 * maxMessage

// A result is an integration's answer: its status, headers, and the body a route response sends (nil for
// none).
type result struct {
	status  int
	headers map[string]string
	body    []byte
}

func (r result) header(name string) string {
	for k, v := range r.headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// An integrationError is an integration's answer that is an error (a function's failure, a backend's error
// status), as opposed to a call that failed: API Gateway counts them apart (IntegrationError, ExecutionError).
type integrationError struct{ reason string }

func (e *integrationError) Error() string { return e.reason }

// failureMetric is the metric an integration's failure counts under.
func failureMetric(err error) string {
	var ie *integrationError
	if errors.As(err, &ie) {
		return names.WebSocketIntegrationError
	}
	return names.WebSocketExecutionError
}

// An event is what an integration is told of: the event type with its own fields (a CONNECT's request headers
// and query, a MESSAGE's body and id, a DISCONNECT's close status).
type event struct {
	eventType string
	messageID string
	requestID string
	// headers and query are the upgrade request's (CONNECT and DISCONNECT).
	headers http.Header
	query   map[string][]string
	body    []byte
	binary  bool
	// closeStatus and closeReason are a DISCONNECT's.
	closeStatus int
	closeReason string
}

func connectEvent(r *http.Request) event {
	return event{eventType: "CONNECT", requestID: newID(), headers: clientHeaders(r), query: r.URL.Query()}
}

// disconnectEvent is the DISCONNECT event of a connection that closed with status, its upgrade request's
// headers and query those of upgrade, its CONNECT event.
func disconnectEvent(upgrade event, status websocket.StatusCode) event {
	return event{eventType: "DISCONNECT", requestID: newID(), headers: upgrade.headers, query: upgrade.query,
		closeStatus: int(status), closeReason: closeReason(status)}
}

func messageEvent(typ websocket.MessageType, msg []byte, requestID string) event {
	return event{eventType: "MESSAGE", messageID: newID(), requestID: requestID, body: msg, binary: typ == websocket.MessageBinary}
}

// closeReason is the disconnectReason API Gateway reports for a close status.
func closeReason(status websocket.StatusCode) string {
	switch status {
	case websocket.StatusNormalClosure:
		return "Client-side close frame status not set"
	case websocket.StatusGoingAway:
		return "Going away"
	case websocket.StatusMessageTooBig:
		return "Message too big"
	}
	return fmt.Sprintf("Connection closed with status %d", status)
}

// clientHeaders are the upgrade request's headers as the client sent them: those of Envoy's and Tollgate's own
// left out. Envoy passes names in lower case and Go reads them canonical (Sec-Websocket-Key); the WebSocket
// headers are written as the RFC and API Gateway's events write them.
func clientHeaders(r *http.Request) http.Header {
	h := http.Header{"Host": {r.Host}}
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		if strings.HasPrefix(lower, "x-envoy-") || strings.HasPrefix(lower, "x-tollgate-") || lower == "x-request-id" {
			continue
		}
		if rest, ok := strings.CutPrefix(name, "Sec-Websocket-"); ok {
			name = "Sec-WebSocket-" + rest
		}
		h[name] = values
	}
	return h
}

// invoke sends an event to the route's integration, within its timeout.
func (s *Server) invoke(ctx context.Context, st *ir.WebSocketStage, route *ir.WebSocketRoute, c *conn, ev event, msg []byte) (result, error) {
	in := route.Integration
	ctx, cancel := context.WithTimeout(ctx, time.Duration(in.Timeout))
	defer cancel()
	switch in.Type {
	case "AWS_PROXY":
		payload, err := json.Marshal(s.lambdaEvent(st, route, c, ev))
		if err != nil {
			return result{}, err
		}
		body, err := s.lambdaInvoke(ctx, in.URL, payload)
		if err != nil {
			return result{}, err
		}
		return lambdaResult(body)
	case "HTTP_PROXY":
		status, header, body, err := s.call(ctx, in.Method, in.URL, "application/json", msg)
		if err != nil {
			return result{}, err
		}
		res := result{status: status, body: body, headers: map[string]string{}}
		for name := range header {
			res.headers[name] = header.Get(name)
		}
		if status < 200 || status > 299 {
			if ev.eventType == "MESSAGE" {
				return result{}, &integrationError{fmt.Sprintf("the backend answered %d", status)}
			}
		}
		return res, nil
	}
	return s.invokeMapped(ctx, st, route, c, ev, msg) // AWS, HTTP and MOCK
}

// lambdaInvoke calls a function over the Invoke API with payload, and says what it answered; a function's
// failure is an integrationError.
func (s *Server) lambdaInvoke(ctx context.Context, url string, payload []byte) ([]byte, error) {
	status, header, body, err := s.call(ctx, http.MethodPost, url, "application/json", payload)
	switch {
	case err != nil:
		return nil, err
	case status != http.StatusOK:
		return nil, fmt.Errorf("the Invoke API answered %d: %.200s", status, body)
	case header.Get("X-Amz-Function-Error") != "":
		return nil, &integrationError{fmt.Sprintf("the function failed: %.200s", body)}
	}
	return body, nil
}

func (s *Server) call(ctx context.Context, method, url, contentType string, body []byte) (int, http.Header, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := s.opts.Client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return 0, nil, nil, err
	}
	if len(answer) > maxAnswer {
		return 0, nil, nil, fmt.Errorf("the answer is larger than %d bytes", maxAnswer)
	}
	return resp.StatusCode, resp.Header, answer, nil
}

// lambdaEvent is API Gateway's event for a WebSocket route's Lambda proxy integration.
func (s *Server) lambdaEvent(st *ir.WebSocketStage, route *ir.WebSocketRoute, c *conn, ev event) map[string]any {
	out := map[string]any{"requestContext": s.requestContext(st, route, c, ev), "isBase64Encoded": false}
	if len(st.StageVariables) > 0 {
		out["stageVariables"] = st.StageVariables
	}
	if ev.eventType == "MESSAGE" {
		if ev.binary || !utf8.Valid(ev.body) {
			out["body"], out["isBase64Encoded"] = base64.StdEncoding.EncodeToString(ev.body), true
		} else {
			out["body"] = string(ev.body)
		}
		return out
	}
	addRequest(out, ev)
	return out
}

// requestContext is an event's requestContext: the connection's, the route's and the event's own values, and
// what the connection was admitted with (the authorizer's values, the IAM caller).
func (s *Server) requestContext(st *ir.WebSocketStage, route *ir.WebSocketRoute, c *conn, ev event) map[string]any {
	now := s.now()
	identity := map[string]any{"sourceIp": c.sourceIP, "userAgent": c.userAgent}
	for k, v := range c.caller {
		identity[k] = v
	}
	rc := map[string]any{
		"routeKey": route.Key, "eventType": ev.eventType, "extendedRequestId": ev.requestID,
		"requestTime": now.UTC().Format("02/Jan/2006:15:04:05 -0700"), "messageDirection": "IN",
		"stage": st.Stage, "connectedAt": c.connectedAt.UnixMilli(), "requestTimeEpoch": now.UnixMilli(),
		"identity": identity, "requestId": ev.requestID,
		"domainName": c.domainName, "connectionId": c.id, "apiId": st.APIID,
	}
	if c.authorizer != nil {
		rc["authorizer"] = c.authorizer
	}
	switch ev.eventType {
	case "MESSAGE":
		rc["messageId"] = ev.messageID
	case "DISCONNECT":
		rc["disconnectStatusCode"], rc["disconnectReason"] = int64(ev.closeStatus), ev.closeReason
	}
	return rc
}

// addRequest adds the upgrade request's headers and query to a CONNECT's or DISCONNECT's event.
func addRequest(out map[string]any, ev event) {
	headers, multi := map[string]string{}, map[string][]string{}
	for name, values := range ev.headers {
		headers[name], multi[name] = values[len(values)-1], values
	}
	out["headers"], out["multiValueHeaders"] = headers, multi
	if len(ev.query) > 0 {
		query, multi := map[string]string{}, map[string][]string{}
		for name, values := range ev.query {
			query[name], multi[name] = values[len(values)-1], values
		}
		out["queryStringParameters"], out["multiValueQueryStringParameters"] = query, multi
	}
}

// lambdaResult reads a function's answer: {statusCode, headers, body, isBase64Encoded}, or any other JSON
// value, which succeeds and is sent as it is.
func lambdaResult(answer []byte) (result, error) {
	var out struct {
		StatusCode      *int              `json:"statusCode"`
		Headers         map[string]string `json:"headers"`
		Body            *string           `json:"body"`
		IsBase64Encoded bool              `json:"isBase64Encoded"`
	}
	trimmed := bytes.TrimSpace(answer)
	if len(trimmed) == 0 || bytes.Equal(trimmed, []byte("null")) {
		return result{status: http.StatusOK}, nil
	}
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &out) != nil || (out.StatusCode == nil && out.Body == nil) {
		return result{status: http.StatusOK, body: answer}, nil
	}
	res := result{status: http.StatusOK, headers: out.Headers}
	if out.StatusCode != nil {
		if res.status = *out.StatusCode; res.status < 100 || res.status > 599 {
			return result{}, fmt.Errorf("the function's statusCode %d is not an HTTP status", res.status)
		}
	}
	if out.Body != nil {
		res.body = []byte(*out.Body)
		if out.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(*out.Body)
			if err != nil {
				return result{}, fmt.Errorf("the function's body is not base64: %v", err)
			}
			res.body = b
		}
	}
	return res, nil
}
