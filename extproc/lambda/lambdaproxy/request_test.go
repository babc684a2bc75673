package lambdaproxy

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

// guideRequest is the request of the developer guide's 1.0 input example ("Input format of a Lambda function for
// proxy integration"): POST /testStage/hello/world?name=me to a {proxy+} resource with a stage variable.
func guideRequest() *Request {
	return &Request{
		Method:   "POST",
		RawPath:  "/hello/world",
		RawQuery: "name=me&multivalueName=you&multivalueName=me",
		Headers: [][2]string{
			{"Host", "gy415nuibc.execute-api.us-east-1.amazonaws.com"},
			{"Content-Type", "application/json"},
			{"headerName", "headerValue"},
			{"User-Agent", "PostmanRuntime/2.4.5"},
		},
		Body:              []byte("{\r\n\t\"a\": 1\r\n}"),
		SourceIP:          "192.168.196.186",
		Protocol:          "HTTP/1.1",
		Resource:          "/{proxy+}",
		PathParameters:    map[string]string{"proxy": "hello/world"},
		Stage:             "testStage",
		StageVariables:    map[string]string{"stageVariableName": "stageVariableValue"},
		APIID:             "gy415nuibc",
		AccountID:         "12345678912",
		ResourceID:        "roq9wj",
		DomainName:        "gy415nuibc.execute-api.us-east-1.amazonaws.com",
		DomainPrefix:      "gy415nuibc",
		RequestID:         "deef4878-7910-11e6-8f14-25afc3e9ae33",
		ExtendedRequestID: "ZJbN4FZ7oAMFZJg=",
		Time:              time.Date(2016, time.September, 12, 17, 50, 37, 135e6, time.UTC),
	}
}

const guideEventV1 = `{
  "resource": "/{proxy+}",
  "path": "/hello/world",
  "httpMethod": "POST",
  "headers": {
    "Host": "gy415nuibc.execute-api.us-east-1.amazonaws.com",
    "Content-Type": "application/json",
    "headerName": "headerValue",
    "User-Agent": "PostmanRuntime/2.4.5"
  },
  "multiValueHeaders": {
    "Host": ["gy415nuibc.execute-api.us-east-1.amazonaws.com"],
    "Content-Type": ["application/json"],
    "headerName": ["headerValue"],
    "User-Agent": ["PostmanRuntime/2.4.5"]
  },
  "queryStringParameters": {"name": "me", "multivalueName": "me"},
  "multiValueQueryStringParameters": {"name": ["me"], "multivalueName": ["you", "me"]},
  "pathParameters": {"proxy": "hello/world"},
  "stageVariables": {"stageVariableName": "stageVariableValue"},
  "requestContext": {
    "accountId": "12345678912",
    "apiId": "gy415nuibc",
    "domainName": "gy415nuibc.execute-api.us-east-1.amazonaws.com",
    "domainPrefix": "gy415nuibc",
    "extendedRequestId": "ZJbN4FZ7oAMFZJg=",
    "httpMethod": "POST",
    "identity": {
      "accessKey": null,
      "accountId": null,
      "caller": null,
      "cognitoAuthenticationProvider": null,
      "cognitoAuthenticationType": null,
      "cognitoIdentityId": null,
      "cognitoIdentityPoolId": null,
      "principalOrgId": null,
      "sourceIp": "192.168.196.186",
      "user": null,
      "userAgent": "PostmanRuntime/2.4.5",
      "userArn": null
    },
    "path": "/testStage/hello/world",
    "protocol": "HTTP/1.1",
    "requestId": "deef4878-7910-11e6-8f14-25afc3e9ae33",
    "requestTime": "12/Sep/2016:17:50:37 +0000",
    "requestTimeEpoch": 1473702637135,
    "resourceId": "roq9wj",
    "resourcePath": "/{proxy+}",
    "stage": "testStage"
  },
  "body": "{\r\n\t\"a\": 1\r\n}",
  "isBase64Encoded": false
}`

func TestBuildV1GuideExample(t *testing.T) {
	got, err := BuildV1(guideRequest())
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, got, guideEventV1)
}

// TestBuildV1 checks parts of the 1.0 event, each case changing the guide's request.
func TestBuildV1(t *testing.T) {
	cases := []struct {
		name   string
		change func(r *Request)
		want   map[string]string // dotted path in the event -> expected JSON value
	}{
		{
			name: "repeated headers: headers keeps the last value, multiValueHeaders all, names fold to the first spelling",
			change: func(r *Request) {
				r.Headers = [][2]string{{"Accept", "text/html"}, {"X-Trace", "1"}, {"accept", "*/*"}}
			},
			want: map[string]string{
				"headers":           `{"Accept": "*/*", "X-Trace": "1"}`,
				"multiValueHeaders": `{"Accept": ["text/html", "*/*"], "X-Trace": ["1"]}`,
			},
		},
		{
			name:   "an HTTP API's 1.0 event says its version",
			change: func(r *Request) { r.HTTPAPI = true },
			want:   map[string]string{"version": `"1.0"`},
		},
		{
			name:   "repeated query parameters: last value wins in queryStringParameters",
			change: func(r *Request) { r.RawQuery = "category=electronics&price=10&category=books&price=20&price=30" },
			want: map[string]string{
				"queryStringParameters":           `{"category": "books", "price": "30"}`,
				"multiValueQueryStringParameters": `{"category": ["electronics", "books"], "price": ["10", "20", "30"]}`,
			},
		},
		{
			name: "the path stays encoded, query names and values are form-decoded",
			change: func(r *Request) {
				r.RawPath = "/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"
				r.PathParameters = map[string]string{"proxy": "user/test%2Balias@gmail.com/plus/test+alias@gmail.com"}
				r.RawQuery = "email=test%2Balias%40gmail.com&plus=test+alias&na%6De=%E2%9C%93&bad=%zz&flag&&semi=a;b"
			},
			want: map[string]string{
				"path":                      `"/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"`,
				"requestContext.path":       `"/testStage/user/test%2Balias@gmail.com/plus/test+alias@gmail.com"`,
				"pathParameters":            `{"proxy": "user/test%2Balias@gmail.com/plus/test+alias@gmail.com"}`,
				"queryStringParameters":     `{"email": "test+alias@gmail.com", "plus": "test alias", "name": "✓", "bad": "%zz", "flag": "", "semi": "a;b"}`,
				"requestContext.stage":      `"testStage"`,
				"requestContext.httpMethod": `"POST"`,
			},
		},
		{
			name: "nothing to send: maps and body are null, unknown context values null",
			change: func(r *Request) {
				r.Method, r.Headers, r.RawQuery, r.Body = "GET", nil, "", nil
				r.PathParameters, r.StageVariables, r.ResourceID = nil, nil, ""
			},
			want: map[string]string{
				"headers":                           `null`,
				"multiValueHeaders":                 `null`,
				"queryStringParameters":             `null`,
				"multiValueQueryStringParameters":   `null`,
				"pathParameters":                    `null`,
				"stageVariables":                    `null`,
				"body":                              `null`,
				"isBase64Encoded":                   `false`,
				"requestContext.identity.userAgent": `null`,
				"requestContext.resourceId":         `null`,
			},
		},
		{
			name: "stage variables and path parameters",
			change: func(r *Request) {
				r.Resource = "/pets/{petId}/toys/{toyId}"
				r.PathParameters = map[string]string{"toyId": "7", "petId": "a%20b"}
				r.StageVariables = map[string]string{"backend": "10.0.0.1:9000", "alias": "live"}
			},
			want: map[string]string{
				"resource":                    `"/pets/{petId}/toys/{toyId}"`,
				"requestContext.resourcePath": `"/pets/{petId}/toys/{toyId}"`,
				"pathParameters":              `{"petId": "a%20b", "toyId": "7"}`,
				"stageVariables":              `{"alias": "live", "backend": "10.0.0.1:9000"}`,
			},
		},
		{
			name:   "an API key puts apiKey and apiKeyId in identity",
			change: func(r *Request) { r.APIKey, r.APIKeyID = "wJalrXUtnFEMI", "u7y4nbl9yb" },
			want: map[string]string{
				"requestContext.identity.apiKey":   `"wJalrXUtnFEMI"`,
				"requestContext.identity.apiKeyId": `"u7y4nbl9yb"`,
			},
		},
		{
			name: "a Lambda authorizer's output and the deployment id",
			change: func(r *Request) {
				r.Authorizer = map[string]any{"principalId": "user|a1b2", "integrationLatency": 12, "tier": "gold"}
				r.DeploymentID = "tx9f1c"
			},
			want: map[string]string{
				"requestContext.authorizer":   `{"principalId": "user|a1b2", "integrationLatency": 12, "tier": "gold"}`,
				"requestContext.deploymentId": `"tx9f1c"`,
			},
		},
		{
			name: "time is reported in UTC with English months and millisecond epoch",
			change: func(r *Request) {
				r.Time = time.Date(2020, time.March, 4, 20, 15, 17, 135999999, time.FixedZone("CET", 3600))
			},
			want: map[string]string{
				"requestContext.requestTime":      `"04/Mar/2020:19:15:17 +0000"`,
				"requestContext.requestTimeEpoch": `1583349317135`,
			},
		},
		{
			name: "control characters, quotes and invalid UTF-8 stay valid JSON",
			change: func(r *Request) {
				r.Headers = [][2]string{{"X-Odd", "a\"b\\c\x01\u2028\xff"}}
				r.Body = []byte("line1\nline2\t\xfe")
			},
			want: map[string]string{
				"headers": `{"X-Odd": "a\"b\\c\u0001\u2028\ufffd"}`,
				"body":    `"line1\nline2\t\ufffd"`,
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := guideRequest()
			c.change(r)
			got, err := BuildV1(r)
			if err != nil {
				t.Fatal(err)
			}
			assertFields(t, got, c.want)
		})
	}
}

func TestBuildV1BinaryMediaTypes(t *testing.T) {
	body := []byte{0x89, 'P', 'N', 'G'}
	cases := []struct {
		contentType string // "" sends no Content-Type
		types       []string
		binary      bool
	}{
		{"image/png", []string{"image/png"}, true},
		{"IMAGE/PNG; foo=bar", []string{"image/png"}, true},
		{"image/png", []string{"image/*"}, true},
		{"image/png", []string{"*/*"}, true},
		{"text/plain", []string{"*/*"}, true},
		{"application/octet-stream; charset=binary", []string{"application/json", "application/octet-stream"}, true},
		{"text/plain", []string{"image/*"}, false},
		{"image/png", nil, false},
		{"imagex/png", []string{"image/*"}, false},
		// A request without Content-Type is taken as application/json.
		{"", []string{"application/*"}, true},
		{"", []string{"image/*"}, false},
	}
	for _, c := range cases {
		r := guideRequest()
		r.Headers = nil
		if c.contentType != "" {
			r.Headers = [][2]string{{"Content-Type", c.contentType}}
		}
		r.Body, r.BinaryMediaTypes = body, c.types
		got, err := BuildV1(r)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"isBase64Encoded": `false`, "body": `"\ufffdPNG"`} // 0x89 alone is not UTF-8
		if c.binary {
			want = map[string]string{"isBase64Encoded": `true`, "body": `"iVBORw=="`}
		}
		t.Run(c.contentType+" "+strings.Join(c.types, ","), func(t *testing.T) { assertFields(t, got, want) })
	}
}

// guideRequestV2 is the request of the developer guide's 2.0 example ("Working with AWS Lambda proxy integrations
// for HTTP APIs").
func guideRequestV2() *Request {
	return &Request{
		Method:   "POST",
		RawPath:  "/my/path",
		RawQuery: "parameter1=value1&parameter1=value2&parameter2=value",
		Headers: [][2]string{
			{"Header1", "value1"},
			{"Header2", "value1"},
			{"Cookie", "cookie1; cookie2"},
			{"Header2", "value2"},
			{"User-Agent", "agent"},
			{"Content-Type", "text/plain"},
		},
		Body:           []byte("Hello from Lambda"),
		SourceIP:       "IP",
		Protocol:       "HTTP/1.1",
		PathParameters: map[string]string{"parameter1": "value1"},
		Stage:          "$default",
		StageVariables: map[string]string{"stageVariable1": "value1", "stageVariable2": "value2"},
		APIID:          "api-id",
		AccountID:      "123456789012",
		DomainName:     "id.execute-api.us-east-1.amazonaws.com",
		DomainPrefix:   "id",
		RequestID:      "id",
		Time:           time.Date(2020, time.March, 12, 19, 3, 58, 390e6, time.UTC),
		RouteKey:       "$default",
	}
}

// guideEventV2 is the guide's example, with header names lower-cased as HTTP APIs send them (the guide's example
// shows "Header1", but recorded events and the guide's own text say names are lower case) and without the
// mutual-TLS "authentication" block.
const guideEventV2 = `{
  "version": "2.0",
  "routeKey": "$default",
  "rawPath": "/my/path",
  "rawQueryString": "parameter1=value1&parameter1=value2&parameter2=value",
  "cookies": ["cookie1", "cookie2"],
  "headers": {
    "header1": "value1",
    "header2": "value1,value2",
    "user-agent": "agent",
    "content-type": "text/plain"
  },
  "queryStringParameters": {"parameter1": "value1,value2", "parameter2": "value"},
  "requestContext": {
    "accountId": "123456789012",
    "apiId": "api-id",
    "domainName": "id.execute-api.us-east-1.amazonaws.com",
    "domainPrefix": "id",
    "http": {
      "method": "POST",
      "path": "/my/path",
      "protocol": "HTTP/1.1",
      "sourceIp": "IP",
      "userAgent": "agent"
    },
    "requestId": "id",
    "routeKey": "$default",
    "stage": "$default",
    "time": "12/Mar/2020:19:03:58 +0000",
    "timeEpoch": 1584039838390
  },
  "body": "Hello from Lambda",
  "pathParameters": {"parameter1": "value1"},
  "isBase64Encoded": false,
  "stageVariables": {"stageVariable1": "value1", "stageVariable2": "value2"}
}`

func TestBuildV2GuideExample(t *testing.T) {
	got, err := BuildV2(guideRequestV2())
	if err != nil {
		t.Fatal(err)
	}
	assertSameJSON(t, got, guideEventV2)
}

func TestBuildV2(t *testing.T) {
	cases := []struct {
		name   string
		change func(r *Request)
		want   map[string]string // dotted path -> expected JSON value; "-" means the key must be absent
	}{
		{
			name: "HTTP/2 cookie headers, one per cookie, and odd spacing",
			change: func(r *Request) {
				r.Headers = [][2]string{{"cookie", "a=1"}, {"cookie", "b=2;c=3 ;  d=4"}, {"x-h", "v"}}
			},
			want: map[string]string{
				"cookies": `["a=1", "b=2", "c=3", "d=4"]`,
				"headers": `{"x-h": "v"}`,
			},
		},
		{
			name: "nothing to send: optional keys are left out",
			change: func(r *Request) {
				r.Method, r.RawQuery, r.Body = "GET", "", nil
				r.Headers = [][2]string{{"Host", "id.execute-api.us-east-1.amazonaws.com"}}
				r.PathParameters, r.StageVariables = nil, map[string]string{}
			},
			want: map[string]string{
				"cookies":                       "-",
				"queryStringParameters":         "-",
				"pathParameters":                "-",
				"stageVariables":                "-",
				"body":                          "-",
				"requestContext.authorizer":     "-",
				"isBase64Encoded":               `false`,
				"rawQueryString":                `""`,
				"headers":                       `{"host": "id.execute-api.us-east-1.amazonaws.com"}`,
				"requestContext.http.userAgent": `""`,
			},
		},
		{
			name:   "a named stage stays in rawPath and http.path",
			change: func(r *Request) { r.Stage, r.RawPath = "dev", "/pets/a%20b" },
			want: map[string]string{
				"rawPath":                  `"/dev/pets/a%20b"`,
				"requestContext.http.path": `"/dev/pets/a%20b"`,
				"requestContext.stage":     `"dev"`,
			},
		},
		{
			name:   "query values are decoded then joined",
			change: func(r *Request) { r.RawQuery = "q=a%2Cb&q=c+d&e" },
			want: map[string]string{
				"queryStringParameters": `{"q": "a,b,c d", "e": ""}`,
				"rawQueryString":        `"q=a%2Cb&q=c+d&e"`,
			},
		},
		{
			name: "JWT authorizer and route key",
			change: func(r *Request) {
				r.RouteKey = "GET /pets/{petId}"
				r.Authorizer = map[string]any{"jwt": map[string]any{"claims": map[string]any{"sub": "u1"}, "scopes": nil}}
			},
			want: map[string]string{
				"routeKey":                  `"GET /pets/{petId}"`,
				"requestContext.routeKey":   `"GET /pets/{petId}"`,
				"requestContext.authorizer": `{"jwt": {"claims": {"sub": "u1"}, "scopes": null}}`,
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := guideRequestV2()
			c.change(r)
			got, err := BuildV2(r)
			if err != nil {
				t.Fatal(err)
			}
			assertFields(t, got, c.want)
		})
	}
}

// TestBuildV2Binary checks which Content-Types HTTP APIs pass as text; the rest is base64.
func TestBuildV2Binary(t *testing.T) {
	cases := map[string]bool{ // Content-Type ("" for none) -> binary
		"text/plain":                        false,
		"text/html; charset=utf-8":          false,
		"application/json":                  false,
		"Application/JSON;charset=UTF-8":    false,
		"application/xml":                   false,
		"application/javascript":            false,
		"application/x-www-form-urlencoded": true,
		"application/octet-stream":          true,
		"application/vnd.api+json":          true,
		"image/png":                         true,
		"":                                  true,
	}
	for contentType, binary := range cases {
		r := guideRequestV2()
		r.Headers = nil
		if contentType != "" {
			r.Headers = [][2]string{{"Content-Type", contentType}}
		}
		r.Body, r.BinaryMediaTypes = []byte("hi"), []string{"*/*"} // ignored by HTTP APIs
		got, err := BuildV2(r)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"isBase64Encoded": `false`, "body": `"hi"`}
		if binary {
			want = map[string]string{"isBase64Encoded": `true`, "body": `"aGk="`}
		}
		t.Run(contentType, func(t *testing.T) { assertFields(t, got, want) })
	}
}

func TestBuildAuthorizerError(t *testing.T) {
	r := guideRequest()
	r.Authorizer = map[string]any{"bad": func() {}}
	if _, err := BuildV1(r); err == nil {
		t.Error("BuildV1: no error for an authorizer context JSON cannot encode")
	}
	if _, err := BuildV2(r); err == nil {
		t.Error("BuildV2: no error for an authorizer context JSON cannot encode")
	}
}

func assertSameJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	if !reflect.DeepEqual(parseJSON(t, got), parseJSON(t, []byte(want))) {
		t.Errorf("event differs\n got: %s\nwant: %s", got, compact(t, want))
	}
}

// assertFields compares the values at dotted paths of a JSON document; "-" expects the key to be absent.
func assertFields(t *testing.T, doc []byte, want map[string]string) {
	t.Helper()
	parsed := parseJSON(t, doc)
	for path, w := range want {
		got, ok := lookup(parsed, path)
		switch {
		case w == "-" && ok:
			t.Errorf("%s: present (%v), want absent", path, got)
		case w == "-":
		case !ok:
			t.Errorf("%s: absent, want %s\nevent: %s", path, w, doc)
		case !reflect.DeepEqual(got, parseJSON(t, []byte(w))):
			g, _ := json.Marshal(got)
			t.Errorf("%s = %s, want %s", path, g, compact(t, w))
		}
	}
}

func lookup(v any, path string) (any, bool) {
	for key := range strings.SplitSeq(path, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = obj[key]; !ok {
			return nil, false
		}
	}
	return v, true
}

func parseJSON(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	return v
}

func compact(t *testing.T, s string) string {
	t.Helper()
	b, err := json.Marshal(parseJSON(t, []byte(s)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
