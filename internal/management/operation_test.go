package management

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

// Every operation of the models is named by a request made as its URI says (each label a segment of its own):
// no other operation's template takes it over.
func TestEveryOperationIsTold(t *testing.T) {
	for _, op := range operations {
		var segments []string
		for _, s := range strings.Split(strings.Trim(op.path, "/"), "/") {
			switch {
			case strings.HasSuffix(s, "+}"):
				segments = append(segments, "a", "b")
			case strings.HasPrefix(s, "{"):
				segments = append(segments, "x1")
			default:
				segments = append(segments, s)
			}
		}
		target := "/" + strings.Join(segments, "/")
		if op.query != "" {
			target += "?" + op.query
		}
		got, ok := operationOf(httptest.NewRequest(op.method, target, nil))
		if !ok || got != op {
			t.Errorf("%s %s is %v (%v), want %s's %s", op.method, target, got, ok, op.service, op.name)
		}
	}
}

func TestNotServed(t *testing.T) {
	for _, tt := range []struct {
		method, target     string
		status             int
		exception, message string
	}{
		{"GET", "/restapis", 501, "NotImplementedException", "GetRestApis (apigateway) is not served by Tollgate yet"},
		{"POST", "/restapis?mode=import&failonwarnings=true", 501, "NotImplementedException", "ImportRestApi (apigateway)"},
		{"POST", "/restapis", 501, "NotImplementedException", "CreateRestApi (apigateway)"},
		{"PATCH", "/restapis/a1b2c3d4e5/stages/prod", 501, "NotImplementedException", "UpdateStage (apigateway)"},
		{"GET", "/v2/apis/h1/routes", 501, "NotImplementedException", "GetRoutes (apigatewayv2)"},
		{"GET", "/favicon.ico", 404, "NotFoundException", "No management operation of API Gateway is GET /favicon.ico"},
	} {
		w := httptest.NewRecorder()
		NotServed().ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, nil))
		var body struct{ Message string }
		if w.Code != tt.status || w.Header().Get("X-Amzn-Errortype") != tt.exception || json.Unmarshal(w.Body.Bytes(), &body) != nil ||
			!strings.HasPrefix(body.Message, tt.message) {
			t.Errorf("%s %s: %d %s %s, want %d %s %q", tt.method, tt.target, w.Code, w.Header().Get("X-Amzn-Errortype"), w.Body, tt.status, tt.exception, tt.message)
		}
	}
}
