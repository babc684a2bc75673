package lambdaproxy

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"unicode/utf8"

	"github.com/tollgate-gw/tollgate/internal/jsonscan"
)

// checkOutcome holds for every decode: either a response with a real HTTP status, or an *Error with the status
// the gateway must answer.
func checkOutcome(t *testing.T, resp *Response, err error) {
	t.Helper()
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || resp != nil {
			t.Fatalf("error %v (%T) with response %v", err, err, resp)
		}
		if e.Status != 500 && e.Status != 502 {
			t.Fatalf("error status %d", e.Status)
		}
		return
	}
	if resp == nil || resp.Status < 100 || resp.Status > 599 {
		t.Fatalf("response %+v", resp)
	}
}

func FuzzDecodeV1(f *testing.F) {
	for _, seed := range []string{
		`{"statusCode": 200, "body": "hi"}`,
		`{"statusCode": "201", "headers": {"a": 1, "b": true, "c": null}, "multiValueHeaders": {"A": ["x", 2]}}`,
		`{"body": "aGk=", "isBase64Encoded": true}`,
		`{"errorMessage": "x", "errorType": "y"}`,
		`{"statusCode": 1e2}`,
		`"justAString"`,
		`[]`,
		`null`,
		``,
	} {
		f.Add([]byte(seed), "image/png", false)
	}
	f.Fuzz(func(t *testing.T, payload []byte, accept string, functionError bool) {
		inv := Invocation{Status: 200, Header: http.Header{}, Payload: payload}
		if functionError {
			inv.Header.Set("X-Amz-Function-Error", "Unhandled")
		}
		resp, err := DecodeV1(inv, accept, []string{"image/*"})
		checkOutcome(t, resp, err)
	})
}

func FuzzDecodeV2(f *testing.F) {
	for _, seed := range []string{
		`{"statusCode": 200, "cookies": ["a=b"], "headers": {"x": 1}}`,
		`{"statusCode": 200, "body": "aGk", "isBase64Encoded": true}`,
		`"hello"`,
		`{"message": "hi"}`,
		`nul`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		resp, err := DecodeV2(Invocation{Status: 200, Payload: payload})
		checkOutcome(t, resp, err)
	})
}

// FuzzBuild checks that whatever the client sends, both events are valid JSON.
func FuzzBuild(f *testing.F) {
	f.Add("/pets/a%20b", "a=1&a=2&b=%zz", "X-A", "v\x00\"\xff", []byte("body\xfe"))
	f.Fuzz(func(t *testing.T, path, query, name, value string, body []byte) {
		r := guideRequest()
		r.RawPath, r.RawQuery, r.Body = path, query, body
		r.Headers = append(r.Headers, [2]string{name, value}, [2]string{"Cookie", value})
		for _, build := range []func(*Request) ([]byte, error){BuildV1, BuildV2} {
			event, err := build(r)
			if err != nil {
				t.Fatal(err)
			}
			if !json.Valid(event) {
				t.Fatalf("invalid JSON: %q", event)
			}
		}
	})
}

// FuzzUnquote compares the in-place string decoder with encoding/json's on every valid JSON string token. Only
// valid UTF-8 is compared: encoding/json replaces invalid bytes with U+FFFD, the decoder keeps them.
func FuzzUnquote(f *testing.F) {
	for _, seed := range []string{`"plain"`, `"a\"b\\c\/d\b\f\n\r\t"`, `"\u00e9\u2028"`, `"\ud83d\ude00"`,
		`"\ud83d"`, `"\ud83dx"`, `"\ude00\ud83d"`, `"\ud83d\u0041"`, `"\uD83D\uDE00"`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		var want string
		// Only exact tokens, as the scanner hands them over: quotes at both ends, no surrounding space.
		if !utf8.ValidString(tok) || len(tok) < 2 || tok[0] != '"' || tok[len(tok)-1] != '"' ||
			json.Unmarshal([]byte(tok), &want) != nil {
			return
		}
		if got := jsonscan.Unquote([]byte(tok)); got != want {
			t.Fatalf("jsonscan.Unquote(%s) = %q, want %q", tok, got, want)
		}
	})
}
