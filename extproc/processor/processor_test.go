package processor

import (
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
)

// claims is a Service that serves the routes it names, each exchange answering nothing.
type claims []string

func (c claims) Routes(*ir.Snapshot) (map[string]Start, error) {
	out := map[string]Start{}
	for _, name := range c {
		out[name] = func(time.Time) Exchange { return PassThrough{} }
	}
	return out, nil
}

func TestTwoServicesClaimingARoute(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler), []Service{claims{"a", "b"}, claims{"b"}}, nil, nil)
	if err := s.SetSnapshot(&ir.Snapshot{}); err == nil || !strings.Contains(err.Error(), "route b") {
		t.Errorf("SetSnapshot = %v, want the route two services claim", err)
	}
}

// apiRoutes is a Service with one route per API of the snapshot, named by its id.
type apiRoutes struct{}

func (apiRoutes) Routes(snap *ir.Snapshot) (map[string]Start, error) {
	out := map[string]Start{}
	for _, api := range snap.APIs {
		out[api.ID] = func(time.Time) Exchange { return PassThrough{} }
	}
	return out, nil
}

// TestRemovedRouteServedOnce: a route a reload removes is still served, as the connections Envoy drains send their
// last requests on the previous configuration; one removed two reloads ago is not.
func TestRemovedRouteServedOnce(t *testing.T) {
	s := New(slog.New(slog.DiscardHandler), []Service{apiRoutes{}}, nil, nil)
	for _, ids := range [][]string{{"a", "b"}, {"b", "c"}} {
		snap := &ir.Snapshot{}
		for _, id := range ids {
			snap.APIs = append(snap.APIs, ir.API{ID: id})
		}
		if err := s.SetSnapshot(snap); err != nil {
			t.Fatal(err)
		}
	}
	for route, served := range map[string]bool{"a": true, "b": true, "c": true, "d": false} {
		if got := s.routes.Load().find(route) != nil; got != served {
			t.Errorf("route %s served: %v, want %v", route, got, served)
		}
	}
	if err := s.SetSnapshot(&ir.Snapshot{}); err != nil {
		t.Fatal(err)
	}
	if s.routes.Load().find("a") != nil {
		t.Error("a route removed two reloads ago is still served")
	}
}

// refuseHeaders refuses every request at its headers.
type refuseHeaders struct{}

func (refuseHeaders) ReadsBody() bool { return false }

// refuseBody reads the body and refuses one that says "no".
type refuseBody struct{ body []byte }

func (c *refuseBody) ReadsBody() bool { return true }

func (c *refuseBody) Request(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
	if b := req.GetRequestBody(); b != nil {
		c.body = append(c.body, b.GetBody()...)
		if b.GetEndOfStream() && string(c.body) == "no" {
			return GatewayError(gatewayresponse.Default(gatewayresponse.BadRequestBody), "r1")
		}
	}
	return nil
}

// TestGuardedHoldsForTheBody: while a check reads the body, nothing of the request goes on; once it passes, the
// exchange's answers come in order; refused, none does.
func TestGuardedHoldsForTheBody(t *testing.T) {
	headers := &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{}}}
	chunk := func(s string, end bool) *extprocv3.ProcessingRequest {
		return &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{Body: []byte(s), EndOfStream: end}}}
	}
	for _, tt := range []struct {
		name    string
		chunks  []string
		refused bool
	}{{"passed", []string{"y", "es"}, false}, {"refused", []string{"n", "o"}, true}} {
		t.Run(tt.name, func(t *testing.T) {
			g := &guarded{check: &refuseBody{}, inner: PassThrough{}}
			if resps, _ := g.Handle(headers); len(resps) != 0 {
				t.Fatalf("the headers went on before the body was checked: %v", resps)
			}
			if resps, _ := g.Handle(chunk(tt.chunks[0], false)); len(resps) != 0 {
				t.Fatalf("a chunk went on before the body was checked: %v", resps)
			}
			resps, _ := g.Handle(chunk(tt.chunks[1], true))
			if tt.refused {
				if len(resps) != 1 || resps[0].GetImmediateResponse() == nil {
					t.Fatalf("refusal: %v", resps)
				}
				return
			}
			if len(resps) != 3 || resps[0].GetRequestHeaders() == nil || resps[1].GetRequestBody() == nil || resps[2].GetRequestBody() == nil {
				t.Fatalf("the held answers, in order: %v", resps)
			}
		})
	}
}

func (refuseHeaders) Request(req *extprocv3.ProcessingRequest) *extprocv3.ProcessingResponse {
	if req.GetRequestHeaders() != nil {
		return GatewayError(gatewayresponse.Default(gatewayresponse.BadRequestBody), "r1")
	}
	return nil
}

// TestGuarded: a check's refusal ends the exchange; on a route no feature serves, every message goes on as it is.
func TestGuarded(t *testing.T) {
	headers := &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestHeaders{RequestHeaders: &extprocv3.HttpHeaders{}}}
	body := &extprocv3.ProcessingRequest{Request: &extprocv3.ProcessingRequest_RequestBody{RequestBody: &extprocv3.HttpBody{EndOfStream: true}}}
	g := &guarded{check: refuseHeaders{}, inner: PassThrough{}}
	resps, _ := g.Handle(headers)
	if len(resps) != 1 || resps[0].GetImmediateResponse().GetStatus().GetCode() != 400 {
		t.Fatalf("refusal: %v", resps)
	}
	if md := resps[0].GetDynamicMetadata().GetFields(); md == nil {
		t.Error("the refusal does not name its gateway response for Envoy's local replies")
	}
	if resps, _ := g.Handle(body); len(resps) != 0 {
		t.Errorf("answered a body sent before the refusal arrived: %v", resps)
	}
	for _, req := range []*extprocv3.ProcessingRequest{headers, body,
		{Request: &extprocv3.ProcessingRequest_ResponseHeaders{ResponseHeaders: &extprocv3.HttpHeaders{}}},
		{Request: &extprocv3.ProcessingRequest_ResponseBody{ResponseBody: &extprocv3.HttpBody{}}},
	} {
		resps, err := PassThrough{}.Handle(req)
		if err != nil || len(resps) != 1 || resps[0].GetImmediateResponse() != nil {
			t.Errorf("PassThrough answered %T with %v, %v", req.GetRequest(), resps, err)
		}
	}
}

// TestJWTAuthorizer: a verified token's payload as a Lambda proxy event gives it, each claim as text.
func TestJWTAuthorizer(t *testing.T) {
	tests := []struct {
		name    string
		payload map[string]any
		claims  map[string]any
		scopes  any
	}{
		{"claims of every JSON type, scopes from the scope claim",
			map[string]any{"sub": "u-1", "exp": float64(1600000000), "ratio": 0.5, "verified": true, "groups": []any{"a", "b"}, "scope": "read write"},
			map[string]any{"sub": "u-1", "exp": "1600000000", "ratio": "0.5", "verified": "true", "groups": "[a b]", "scope": "read write"},
			[]string{"read", "write"}},
		{"no scope claim: scopes null", map[string]any{"sub": "u-2"}, map[string]any{"sub": "u-2"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := jwtAuthorizer(tt.payload)
			if !reflect.DeepEqual(got["claims"], tt.claims) || !reflect.DeepEqual(got["scopes"], tt.scopes) {
				t.Errorf("jwtAuthorizer(%v) = %v, want claims %v and scopes %v", tt.payload, got, tt.claims, tt.scopes)
			}
		})
	}
}
