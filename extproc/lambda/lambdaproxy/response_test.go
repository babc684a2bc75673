package lambdaproxy

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
)

// ok is a successful Invoke call returning payload.
func ok(payload string) Invocation {
	return Invocation{Status: 200, Header: http.Header{}, Payload: []byte(payload)}
}

// functionError is a failed function as Lambda reports it: 200 with X-Amz-Function-Error.
func functionError(payload string) Invocation {
	inv := ok(payload)
	inv.Header.Set("X-Amz-Function-Error", "Unhandled")
	return inv
}

var jsonType = [2]string{"Content-Type", "application/json"}

type decodeCase struct {
	name     string
	inv      Invocation
	accept   string   // V1 only
	types    []string // V1 only
	want     *Response
	wantKind Kind
	status   int // the gateway's status when wantKind is set
}

func TestDecodeV1(t *testing.T) {
	cases := []decodeCase{
		{
			name: "the guide's minimal response",
			inv:  ok(`{"statusCode": 200, "body": "results"}`),
			want: &Response{Status: 200, Headers: [][2]string{jsonType}, Body: []byte("results")},
		},
		{
			name: "statusCode as a numeric string",
			inv:  ok(`{"statusCode": "201"}`),
			want: &Response{Status: 201, Headers: [][2]string{jsonType}},
		},
		{
			name: "statusCode as an integral JSON number",
			inv:  ok(`{"statusCode": 2.04e2}`),
			want: &Response{Status: 204, Headers: [][2]string{jsonType}},
		},
		{
			name: "no statusCode is 200, as real REST APIs answer",
			inv:  ok(`{"headers": {"test-header": "value"}}`),
			want: &Response{Status: 200, Headers: [][2]string{{"test-header", "value"}, jsonType}},
		},
		{
			name: "header values of other JSON types become strings; null sends nothing",
			inv:  ok(`{"statusCode": 200, "headers": {"X-Count": 3, "X-Ratio": 1.50, "X-Ok": true, "X-Gone": null, "Content-Type": "text/plain"}}`),
			want: &Response{Status: 200, Headers: [][2]string{{"X-Count", "3"}, {"X-Ratio", "1.50"}, {"X-Ok", "true"}, {"Content-Type", "text/plain"}}},
		},
		{
			name: "multiValueHeaders replaces the same name in headers, whatever its case",
			inv: ok(`{"statusCode": 200,
				"headers": {"test-multi": "value-solo", "X-Single": "s"},
				"multiValueHeaders": {"tesT-Multi": ["value-multi", "second"], "Set-Cookie": ["a=1", "b=2"]}}`),
			want: &Response{Status: 200, Headers: [][2]string{
				{"X-Single", "s"}, {"tesT-Multi", "value-multi"}, {"tesT-Multi", "second"},
				{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}, jsonType,
			}},
		},
		{
			name: "an empty multiValueHeaders list still replaces the header",
			inv:  ok(`{"headers": {"X-A": "1"}, "multiValueHeaders": {"x-a": []}}`),
			want: &Response{Status: 200, Headers: [][2]string{jsonType}},
		},
		{
			name: "a null Content-Type suppresses the default one",
			inv:  ok(`{"statusCode": 204, "headers": {"Content-Type": null}}`),
			want: &Response{Status: 204, Headers: [][2]string{}},
		},
		{
			name: "null members are absent ones",
			inv:  ok(`{"statusCode": null, "headers": null, "multiValueHeaders": null, "body": null, "isBase64Encoded": null}`),
			want: &Response{Status: 200, Headers: [][2]string{jsonType}},
		},
		{
			name:   "a base64 body is decoded when the first Accept type is binary",
			inv:    ok(`{"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true}`),
			accept: "image/png, text/html",
			types:  []string{"image/*"},
			want:   &Response{Status: 200, Headers: [][2]string{jsonType}, Body: []byte("test-data")},
		},
		{
			name:   "unpadded base64 is accepted",
			inv:    ok(`{"body": "dGVzdA", "isBase64Encoded": true}`),
			accept: "application/octet-stream",
			types:  []string{"*/*"},
			want:   &Response{Status: 200, Headers: [][2]string{jsonType}, Body: []byte("test")},
		},
		{
			name:   "a base64 body stays text when only a later Accept type is binary",
			inv:    ok(`{"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true}`),
			accept: "text/html, image/png",
			types:  []string{"image/png"},
			want:   &Response{Status: 200, Headers: [][2]string{jsonType}, Body: []byte("dGVzdC1kYXRh")},
		},
		{
			name: "a base64 body stays text without binaryMediaTypes",
			inv:  ok(`{"statusCode": 200, "body": "dGVzdC1kYXRh", "isBase64Encoded": true}`),
			want: &Response{Status: 200, Headers: [][2]string{jsonType}, Body: []byte("dGVzdC1kYXRh")},
		},
		{
			name:     "invalid base64 to convert is a 500",
			inv:      ok(`{"statusCode": 200, "body": "not base64!", "isBase64Encoded": true}`),
			accept:   "image/png",
			types:    []string{"image/png"},
			wantKind: BinaryConversion, status: 500,
		},
		{
			name: "keys and values spelled with escapes",
			inv:  ok(`{"status\u0043ode": 201, "body": "caf\u00e9 \ud83d\ude00 \"q\"", "headers": {"X-\u0041": "\t"}}`),
			want: &Response{Status: 201, Headers: [][2]string{{"X-A", "\t"}, jsonType}, Body: []byte("café 😀 \"q\"")},
		},
		{name: "another key", inv: ok(`{"statusCode": 200, "wrongValue": "value"}`), wantKind: MalformedResponse, status: 502},
		{name: "cookies is a 2.0 key", inv: ok(`{"statusCode": 200, "cookies": ["a=b"]}`), wantKind: MalformedResponse, status: 502},
		{name: "a key in another case", inv: ok(`{"StatusCode": 200}`), wantKind: MalformedResponse, status: 502},
		{name: "statusCode not a number", inv: ok(`{"statusCode": "test"}`), wantKind: MalformedResponse, status: 502},
		{name: "fractional statusCode", inv: ok(`{"statusCode": 200.5}`), wantKind: MalformedResponse, status: 502},
		{name: "statusCode out of range", inv: ok(`{"statusCode": 99}`), wantKind: MalformedResponse, status: 502},
		{name: "statusCode a boolean", inv: ok(`{"statusCode": true}`), wantKind: MalformedResponse, status: 502},
		{name: "body an object", inv: ok(`{"statusCode": 200, "body": {"a": 1}}`), wantKind: MalformedResponse, status: 502},
		{name: "isBase64Encoded a string", inv: ok(`{"isBase64Encoded": "true"}`), wantKind: MalformedResponse, status: 502},
		{name: "headers an array", inv: ok(`{"headers": ["a"]}`), wantKind: MalformedResponse, status: 502},
		{name: "header value an object", inv: ok(`{"headers": {"a": {"b": 1}}}`), wantKind: MalformedResponse, status: 502},
		{name: "multiValueHeaders value not an array", inv: ok(`{"multiValueHeaders": {"test-multi-invalid": "value1"}}`), wantKind: MalformedResponse, status: 502},
		{name: "multiValueHeaders element an array", inv: ok(`{"multiValueHeaders": {"a": [["x"]]}}`), wantKind: MalformedResponse, status: 502},
		{name: "just a string", inv: ok(`"justAString"`), wantKind: MalformedResponse, status: 502},
		{name: "an array", inv: ok(`[{"statusCode": 200}]`), wantKind: MalformedResponse, status: 502},
		{name: "null", inv: ok(`null`), wantKind: MalformedResponse, status: 502},
		{name: "no output", inv: ok(``), wantKind: MalformedResponse, status: 502},
		{name: "not JSON", inv: ok(`<html>oops</html>`), wantKind: MalformedResponse, status: 502},
		{name: "truncated JSON", inv: ok(`{"statusCode": 200, "body": "x`), wantKind: MalformedResponse, status: 502},
		{
			name:     "function error reported by Lambda",
			inv:      functionError(`{"errorMessage": "boom", "errorType": "Error", "trace": ["at handler"]}`),
			wantKind: FunctionError, status: 502,
		},
		{
			name:     "function error even if the output looks like a response",
			inv:      functionError(`{"statusCode": 200, "body": "fine"}`),
			wantKind: FunctionError, status: 502,
		},
		{
			name:     "function error document without the header (Runtime Interface Emulator)",
			inv:      ok(`{"errorMessage": "boom", "errorType": "Exception", "stackTrace": [], "requestId": "r1"}`),
			wantKind: FunctionError, status: 502,
		},
		{
			name:     "an object with errorMessage and other keys is a malformed response, not an error document",
			inv:      ok(`{"errorMessage": "boom", "errorType": "Exception", "statusCode": 400}`),
			wantKind: MalformedResponse, status: 502,
		},
		{
			name:     "Lambda throttles: the Invoke API's 429 becomes a 500",
			inv:      Invocation{Status: 429, Header: http.Header{}, Payload: []byte(`{"Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}`)},
			wantKind: InvokeFailed, status: 500,
		},
		{
			name:     "the function does not exist",
			inv:      Invocation{Status: 404, Payload: []byte(`{"Type":"User","message":"Function not found"}`)},
			wantKind: InvokeFailed, status: 500,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeV1(c.inv, c.accept, c.types)
			checkDecode(t, c, got, err)
		})
	}
}

func TestDecodeV2(t *testing.T) {
	cases := []decodeCase{
		{
			name: "structured response with cookies",
			inv: ok(`{"statusCode": 201, "headers": {"x-a": "1,2", "X-N": 5}, "body": "made",
				"cookies": ["c1=v1; Secure", "c2=v2"], "isBase64Encoded": false}`),
			want: &Response{Status: 201, Headers: [][2]string{
				{"x-a", "1,2"}, {"X-N", "5"}, {"Set-Cookie", "c1=v1; Secure"}, {"Set-Cookie", "c2=v2"},
			}, Body: []byte("made")},
		},
		{
			name: "statusCode as a numeric string",
			inv:  ok(`{"statusCode": "404", "body": "nope"}`),
			want: &Response{Status: 404, Headers: [][2]string{}, Body: []byte("nope")},
		},
		{
			name: "base64 bodies are always decoded",
			inv:  ok(`{"statusCode": 200, "body": "aGk=", "isBase64Encoded": true}`),
			want: &Response{Status: 200, Headers: [][2]string{}, Body: []byte("hi")},
		},
		{
			name: "keys 2.0 does not define are ignored",
			inv:  ok(`{"statusCode": 200, "multiValueHeaders": {"a": ["b"]}, "extra": 1}`),
			want: &Response{Status: 200, Headers: [][2]string{}},
		},
		{
			name: "a string is inferred as the body, unquoted",
			inv:  ok(`"Hello from Lambda!"`),
			want: &Response{Status: 200, Headers: [][2]string{jsonType}, Body: []byte("Hello from Lambda!")},
		},
		{
			name: "an object without statusCode is inferred as the body, as sent",
			inv:  ok(` { "message": "Hello from Lambda!" } ` + "\n"),
			want: &Response{Status: 200, Headers: [][2]string{jsonType}, Body: []byte(`{ "message": "Hello from Lambda!" }`)},
		},
		{
			name: "a null statusCode is no statusCode",
			inv:  ok(`{"statusCode": null, "body": "x"}`),
			want: &Response{Status: 200, Headers: [][2]string{jsonType}, Body: []byte(`{"statusCode": null, "body": "x"}`)},
		},
		{
			name: "an array, a number and null are bodies too",
			inv:  ok(`[1, 2]`),
			want: &Response{Status: 200, Headers: [][2]string{jsonType}, Body: []byte(`[1, 2]`)},
		},
		{
			name: "null",
			inv:  ok(`null`),
			want: &Response{Status: 200, Headers: [][2]string{jsonType}, Body: []byte(`null`)},
		},
		{name: "not JSON", inv: ok(`Hello`), wantKind: MalformedResponse, status: 500},
		{name: "no output", inv: ok(``), wantKind: MalformedResponse, status: 500},
		{name: "statusCode not a number", inv: ok(`{"statusCode": "abc"}`), wantKind: MalformedResponse, status: 500},
		{name: "body an object", inv: ok(`{"statusCode": 200, "body": {}}`), wantKind: MalformedResponse, status: 500},
		{name: "cookies not strings", inv: ok(`{"statusCode": 200, "cookies": [1]}`), wantKind: MalformedResponse, status: 500},
		{name: "headers with an array value", inv: ok(`{"statusCode": 200, "headers": {"a": ["b"]}}`), wantKind: MalformedResponse, status: 500},
		{name: "invalid base64", inv: ok(`{"statusCode": 200, "body": "%%", "isBase64Encoded": true}`), wantKind: MalformedResponse, status: 500},
		{name: "function error header", inv: functionError(`"boom"`), wantKind: FunctionError, status: 500},
		{
			name:     "function error document without the header",
			inv:      ok(`{"errorMessage": "boom", "errorType": "Runtime.ExitError"}`),
			wantKind: FunctionError, status: 500,
		},
		{
			name:     "Invoke API failure",
			inv:      Invocation{Status: 502, Payload: []byte(`{"Type":"Service","message":"Lambda was unable to decrypt the environment variables"}`)},
			wantKind: InvokeFailed, status: 500,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeV2(c.inv)
			checkDecode(t, c, got, err)
		})
	}
}

func checkDecode(t *testing.T, c decodeCase, got *Response, err error) {
	t.Helper()
	if c.wantKind != 0 {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("got %+v, %v; want an *Error of kind %v", got, err, c.wantKind)
		}
		if e.Kind != c.wantKind || e.Status != c.status {
			t.Fatalf("got %v (status %d), want kind %v status %d", e, e.Status, c.wantKind, c.status)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != c.want.Status || !reflect.DeepEqual(got.Headers, c.want.Headers) || string(got.Body) != string(c.want.Body) {
		t.Errorf("got  %d %q %q\nwant %d %q %q", got.Status, got.Headers, got.Body, c.want.Status, c.want.Headers, c.want.Body)
	}
}

func TestMatchesBinaryMediaType(t *testing.T) {
	cases := []struct {
		value string
		types []string
		want  bool
	}{
		{"image/png", []string{"image/png"}, true},
		{"image/png;q=0.8", []string{"IMAGE/*"}, true},
		{" image/png ", []string{"image/jpeg", "image/png; x=y"}, true},
		{"", []string{"*/*"}, true},
		{"", []string{"image/*"}, false},
		{"*/*", []string{"image/png"}, false},
		{"image/png", nil, false},
	}
	for _, c := range cases {
		if got := MatchesBinaryMediaType(c.value, c.types); got != c.want {
			t.Errorf("MatchesBinaryMediaType(%q, %q) = %v, want %v", c.value, c.types, got, c.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	_, err := DecodeV1(functionError(`{"errorMessage": "boom", "errorType": "Error"}`), "", nil)
	want := `lambdaproxy: function error: Unhandled: {"errorMessage": "boom", "errorType": "Error"}`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestCustomError(t *testing.T) {
	tests := []struct {
		name, header, payload string
		wantMessage           string
		wantFailed            bool
	}{
		{"a result", "", `{"id": 1}`, "", false},
		{"a result that is not an object", "", `"done"`, "", false},
		{"the error document, as the RIE answers it", "", `{"errorMessage": "boom", "errorType": "errorString"}`, "boom", true},
		{"the error document with a stack trace", "", `{"errorMessage": "Not found: 7", "errorType": "Error", "stackTrace": ["a"]}`, "Not found: 7", true},
		{"X-Amz-Function-Error, as Lambda answers", "Unhandled", `{"errorMessage": "Task timed out", "errorType": "Timeout"}`, "Task timed out", true},
		{"X-Amz-Function-Error with an output that is no document", "Unhandled", `oops`, "", true},
		{"an object with more than the error keys is a result", "", `{"errorMessage": "x", "errorType": "y", "id": 1}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := Invocation{Status: 200, Header: http.Header{}, Payload: []byte(tt.payload)}
			if tt.header != "" {
				inv.Header.Set("X-Amz-Function-Error", tt.header)
			}
			msg, failed := CustomError(inv)
			if msg != tt.wantMessage || failed != tt.wantFailed {
				t.Errorf("CustomError = %q, %v; want %q, %v", msg, failed, tt.wantMessage, tt.wantFailed)
			}
		})
	}
}
