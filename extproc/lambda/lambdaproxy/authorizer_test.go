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
	event := BuildRequestAuthorizerV1(r, arn)
	var members map[string]json.RawMessage
	if err := json.Unmarshal(event, &members); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, event)
	}
	want := []string{"type", "methodArn", "resource", "path", "httpMethod", "headers", "multiValueHeaders",
		"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext"}
	var got []string
	dec := json.NewDecoder(bytes.NewReader(event))
	_, _ = dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		got = append(got, k.(string))
		var skip json.RawMessage
		_ = dec.Decode(&skip)
	}
	if !slices.Equal(got, want) {
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
