package lambdaproxy

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// TestBuildRequestAuthorizerV1 checks the REQUEST authorizer's event against the members, in their order, of the
// developer guide's "Input to an API Gateway Lambda authorizer" REQUEST example: the proxy event's request fields
// without the body, after type and methodArn.
func TestBuildRequestAuthorizerV1(t *testing.T) {
	r := &Request{Method: "GET", RawPath: "/request", RawQuery: "QueryString1=queryValue1", Resource: "/request",
		Headers: [][2]string{{"HeaderAuth1", "headerValue1"}, {"Host", "abcdef123.execute-api.us-east-1.amazonaws.com"}},
		Stage:   "test", StageVariables: map[string]string{"StageVar1": "stageValue1"}, APIID: "abcdef123", AccountID: "123456789012",
		SourceIP: "192.0.2.1", RequestID: "req-1", Time: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Body: []byte("ignored")}
	const arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request"
	event := BuildRequestAuthorizerV1(r, arn, nil)
	var members map[string]json.RawMessage
	if err := json.Unmarshal(event, &members); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, event)
	}
	want := []string{"type", "methodArn", "resource", "path", "httpMethod", "headers", "multiValueHeaders",
		"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext"}
	if got := memberNames(event); !slices.Equal(got, want) {
		t.Errorf("members %v, want %v", got, want)
	}
	var e struct {
		Type, MethodArn       string
		QueryStringParameters map[string]string
		Headers               map[string]string
		RequestContext        struct{ AccountID, APIID, Stage, ResourcePath string }
	}
	if err := json.Unmarshal(event, &e); err != nil {
		t.Fatal(err)
	}
	if e.Type != "REQUEST" || e.MethodArn != arn || e.QueryStringParameters["QueryString1"] != "queryValue1" ||
		e.Headers["HeaderAuth1"] != "headerValue1" || e.RequestContext.Stage != "test" || e.RequestContext.ResourcePath != "/request" {
		t.Errorf("event %s", event)
	}
	if token := BuildTokenAuthorizer("allow", arn); string(token) != `{"type":"TOKEN","authorizationToken":"allow","methodArn":"`+arn+`"}` {
		t.Errorf("TOKEN event %s", token)
	}
}

// memberNames are the names of a JSON object's members, in their order.
func memberNames(event []byte) []string {
	var got []string
	dec := json.NewDecoder(bytes.NewReader(event))
	_, _ = dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		got = append(got, k.(string))
		var skip json.RawMessage
		_ = dec.Decode(&skip)
	}
	return got
}

// TestBuildHTTPAPIAuthorizerEvents checks an HTTP API Lambda authorizer's events against the HTTP API guide's
// examples ("Payload format version"): the 2.0 event's members in their order, the identity sources' values as a
// list; the 1.0 event's version, and the values comma-joined as identitySource and authorizationToken.
func TestBuildHTTPAPIAuthorizerEvents(t *testing.T) {
	r := &Request{HTTPAPI: true, Method: "GET", RawPath: "/my/path", RawQuery: "parameter1=value1&parameter1=value2&parameter2=value",
		Resource: "/my/path", RouteKey: "GET /my/path", Stage: "test", StageVariables: map[string]string{"stageVariable1": "value1"},
		Headers:        [][2]string{{"Header1", "value1"}, {"Cookie", "cookie1; cookie2"}, {"User-Agent", "agent"}},
		PathParameters: map[string]string{"parameter1": "value1"}, APIID: "abcdef123", AccountID: "123456789012",
		SourceIP: "192.0.2.1", RequestID: "id", Time: time.Date(2020, 3, 12, 19, 3, 58, 0, time.UTC), Body: []byte("ignored")}
	const arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/my/path"
	identity := []string{"user1", "123"}

	v2 := BuildRequestAuthorizerV2(r, arn, identity)
	want := []string{"version", "type", "routeArn", "identitySource", "routeKey", "rawPath", "rawQueryString", "cookies", "headers",
		"queryStringParameters", "pathParameters", "stageVariables", "requestContext"}
	if got := memberNames(v2); !slices.Equal(got, want) {
		t.Errorf("2.0 members %v, want %v", got, want)
	}
	var e2 struct {
		Version, Type, RouteArn, RouteKey, RawPath string
		IdentitySource, Cookies                    []string
		QueryStringParameters                      map[string]string
		RequestContext                             struct {
			RouteKey, Stage string
			HTTP            struct{ Method, Path, UserAgent string }
		}
	}
	if err := json.Unmarshal(v2, &e2); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, v2)
	}
	if e2.Version != "2.0" || e2.Type != "REQUEST" || e2.RouteArn != arn || !slices.Equal(e2.IdentitySource, identity) ||
		e2.RouteKey != "GET /my/path" || e2.RawPath != "/test/my/path" || !slices.Equal(e2.Cookies, []string{"cookie1", "cookie2"}) ||
		e2.QueryStringParameters["parameter1"] != "value1,value2" || e2.RequestContext.HTTP.Path != "/test/my/path" ||
		e2.RequestContext.HTTP.UserAgent != "agent" || e2.RequestContext.RouteKey != "GET /my/path" {
		t.Errorf("2.0 event %s", v2)
	}

	v1 := BuildRequestAuthorizerV1(r, arn, identity)
	if got := memberNames(v1)[:5]; !slices.Equal(got, []string{"version", "type", "methodArn", "identitySource", "authorizationToken"}) {
		t.Errorf("1.0 members begin %v", got)
	}
	var e1 struct{ Version, IdentitySource, AuthorizationToken string }
	if err := json.Unmarshal(v1, &e1); err != nil {
		t.Fatal(err)
	}
	if e1.Version != "1.0" || e1.IdentitySource != "user1,123" || e1.AuthorizationToken != "user1,123" {
		t.Errorf("1.0 event %s", v1)
	}
}
