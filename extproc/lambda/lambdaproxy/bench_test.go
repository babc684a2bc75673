package lambdaproxy

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// jsonBody is a 1 KB JSON document, the size of a typical API payload.
var jsonBody = func() string {
	item := `{"id":"a1b2c3","name":"Fluffy","tags":["cat","indoor"],"age":3},`
	s := `{"items":[` + strings.Repeat(item, 1024/len(item)) + `{}]}`
	return s
}()

// benchRequest is a realistic request: 10 headers, 3 query parameters and a 1 KB JSON body.
func benchRequest() *Request {
	return &Request{
		Method:   "POST",
		RawPath:  "/pets/42/toys",
		RawQuery: "limit=10&sort=name&tag=indoor",
		Headers: [][2]string{
			{"Host", "a1b2c3d4e5.execute-api.localhost:8080"},
			{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"},
			{"Accept", "application/json"},
			{"Accept-Encoding", "gzip, deflate, br"},
			{"Accept-Language", "en-GB,en;q=0.9"},
			{"Content-Type", "application/json"},
			{"Content-Length", "1024"},
			{"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"},
			{"X-Forwarded-For", "203.0.113.7"},
			{"X-Request-Id", "8f14e45f-ceea-467a-9f0b-6e7b5a7e8f14"},
		},
		Body:              []byte(jsonBody),
		SourceIP:          "203.0.113.7",
		Protocol:          "HTTP/1.1",
		Resource:          "/pets/{petId}/toys",
		PathParameters:    map[string]string{"petId": "42"},
		Stage:             "prod",
		StageVariables:    map[string]string{"backend": "pets-v2"},
		APIID:             "a1b2c3d4e5",
		AccountID:         "123456789012",
		ResourceID:        "x1y2z3",
		DomainName:        "a1b2c3d4e5.execute-api.localhost",
		DomainPrefix:      "a1b2c3d4e5",
		RequestID:         "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
		ExtendedRequestID: "ZJbN4FZ7oAMFZJg=",
		Time:              time.Date(2026, time.May, 1, 12, 0, 0, 0, time.UTC),
		RouteKey:          "POST /pets/{petId}/toys",
	}
}

// benchOutput is a realistic function output: a status, three headers and the 1 KB JSON body.
var benchOutput = func() []byte {
	b, _ := json.Marshal(map[string]any{
		"statusCode": 200,
		"headers": map[string]string{
			"Content-Type": "application/json", "Cache-Control": "no-store", "X-Request-Id": "8f14e45f",
		},
		"body":            jsonBody,
		"isBase64Encoded": false,
	})
	return b
}()

func BenchmarkBuildV1(b *testing.B) {
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BuildV1(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildV2(b *testing.B) {
	r := benchRequest()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := BuildV2(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeV1(b *testing.B) {
	inv := Invocation{Status: 200, Header: http.Header{}, Payload: benchOutput}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeV1(inv, "application/json", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeV2(b *testing.B) {
	inv := Invocation{Status: 200, Header: http.Header{}, Payload: benchOutput}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeV2(inv); err != nil {
			b.Fatal(err)
		}
	}
}
