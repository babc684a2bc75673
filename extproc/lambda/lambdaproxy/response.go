package lambdaproxy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/jsonscan"
)

// Invocation is the answer of Lambda's Invoke API (POST /2015-03-31/functions/{name}/invocations).
type Invocation struct {
	// Status is the HTTP status of the Invoke call itself: 200 when the function ran, even if it failed.
	Status int
	// Header holds the Invoke response headers; X-Amz-Function-Error is the one that matters.
	Header http.Header
	// Payload is the Invoke response body: the function's output, or Lambda's error document.
	Payload []byte
}

// Response is the HTTP response the client gets.
type Response struct {
	Status int
	// Headers are in a stable order; a name may repeat (multi-value headers, one Set-Cookie per cookie). Names and
	// values are the function's own, unvalidated: the caller must drop or reject what its HTTP stack refuses.
	Headers [][2]string
	Body    []byte
}

// Kind says why an invocation did not give the client the function's response.
type Kind int

const (
	// InvokeFailed: the Invoke API answered with a non-2xx status (throttling, a missing function, missing
	// permissions...): the function did not run.
	InvokeFailed Kind = iota + 1
	// FunctionError: the function ran and failed. Lambda says so with X-Amz-Function-Error; the Runtime
	// Interface Emulator does not send that header, so an output that is nothing but Lambda's error document
	// ({"errorMessage", "errorType", ...}) counts too.
	FunctionError
	// MalformedResponse: the function's output is not a proxy response of the integration's payload format
	// (what AWS logs as "Malformed Lambda proxy response").
	MalformedResponse
	// BinaryConversion: a REST response had to be turned into binary (isBase64Encoded with a binary Accept) and
	// its body is not base64. AWS documents a 500 for a failed text-to-binary conversion.
	BinaryConversion
)

func (k Kind) String() string {
	switch k {
	case InvokeFailed:
		return "invoke failed"
	case FunctionError:
		return "function error"
	case MalformedResponse:
		return "malformed Lambda proxy response"
	case BinaryConversion:
		return "binary conversion failed"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Error is a failed invocation. The client gets Status with API Gateway's generic body (see the package doc);
// Detail is for logs only, never for the client.
type Error struct {
	Kind   Kind
	Status int
	Detail string
}

func (e *Error) Error() string {
	return "lambdaproxy: " + e.Kind.String() + ": " + e.Detail
}

// statusFor maps a failure to the status API Gateway answers with. REST APIs follow AWS's "Handling Lambda errors
// with an API Gateway API": 500 when the Invoke API rejected the call, 502 when the function failed or answered
// nonsense. HTTP APIs answer every Lambda integration failure, function errors included, with 500
// {"message":"Internal Server Error"}: AWS's HTTP API troubleshooting page and HTTP API users' reports show no
// 502 (AWS does not state it outright).
func statusFor(k Kind, httpAPI bool) int {
	if httpAPI || k == InvokeFailed || k == BinaryConversion {
		return http.StatusInternalServerError
	}
	return http.StatusBadGateway
}

func fail(k Kind, httpAPI bool, format string, args ...any) *Error {
	return &Error{Kind: k, Status: statusFor(k, httpAPI), Detail: fmt.Sprintf(format, args...)}
}

// detailLimit bounds how much of a function's output goes into an Error's Detail, so logs stay readable.
const detailLimit = 256

func excerpt(b []byte) string {
	if len(b) > detailLimit {
		return string(b[:detailLimit]) + "..."
	}
	return string(b)
}

// checkInvocation returns the error for an invocation that did not produce a function result: a failed Invoke
// call or a function error.
func checkInvocation(inv Invocation, httpAPI bool) *Error {
	if inv.Status < 200 || inv.Status > 299 {
		return fail(InvokeFailed, httpAPI, "Invoke API status %d: %s", inv.Status, excerpt(inv.Payload))
	}
	if fe := inv.Header.Get("X-Amz-Function-Error"); fe != "" {
		return fail(FunctionError, httpAPI, "%s: %s", fe, excerpt(inv.Payload))
	}
	return nil
}

// output is a function output object, each member kept as its raw JSON (nil when absent).
type output struct {
	statusCode, headers, multiValueHeaders, body, isBase64Encoded, cookies []byte
	// other is the first key that is none of the above.
	other string
	// hasMessage, hasType and onlyErrorKeys recognise Lambda's error document: errorMessage and errorType, then
	// only a stack trace (stackTrace in most runtimes, trace in Node.js), the request id (Python) or a cause
	// (Java).
	hasMessage, hasType, onlyErrorKeys bool
}

// parseOutput splits a valid JSON object into its members. A key spelled with escapes counts as the key it
// spells; matching is exact, so "StatusCode" is not statusCode.
func parseOutput(obj []byte) output {
	o := output{onlyErrorKeys: true}
	_ = jsonscan.EachMember(obj, func(key, value []byte) error {
		name := key[1 : len(key)-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			name = jsonscan.AppendUnquoted(nil, key)
		}
		o.set(name, value)
		return nil
	})
	return o
}

func (o *output) set(name, value []byte) {
	switch string(name) {
	case "errorMessage":
		o.hasMessage = true
	case "errorType":
		o.hasType = true
	case "stackTrace", "trace", "requestId", "cause":
	default:
		o.onlyErrorKeys = false
	}
	switch string(name) {
	case "statusCode":
		o.statusCode = value
	case "headers":
		o.headers = value
	case "multiValueHeaders":
		o.multiValueHeaders = value
	case "body":
		o.body = value
	case "isBase64Encoded":
		o.isBase64Encoded = value
	case "cookies":
		o.cookies = value
	default:
		if o.other == "" {
			o.other = string(name)
		}
	}
}

func (o *output) isErrorDocument() bool { return o.hasMessage && o.hasType && o.onlyErrorKeys }

// DecodeV1 turns a payload format 1.0 invocation (REST APIs) into the client's response. accept is the client's
// Accept header and binaryMediaTypes the API's list: they decide, as on AWS, whether a body the function marked
// isBase64Encoded is decoded to binary (the first Accept media type matches the list) or passed on as the base64
// text it is.
//
// The output must be a JSON object whose keys are among statusCode, headers, multiValueHeaders, body and
// isBase64Encoded, all optional: real REST APIs answer 200 to an output without statusCode, and 502 to any other
// key, to a non-object, to a statusCode that is not an integer or a string of one, to a body that is not a
// string, and to a multiValueHeaders value that is not an array. Header values may be strings, numbers or
// booleans; a null value sends no header. A name in multiValueHeaders replaces the same name (compared
// case-insensitively) in headers. When the function sets no Content-Type, API Gateway's default
// application/json is added; a Content-Type of null prevents that, as on AWS.
//
// Any error is an *Error.
func DecodeV1(inv Invocation, accept string, binaryMediaTypes []string) (*Response, error) {
	if err := checkInvocation(inv, false); err != nil {
		return nil, err
	}
	payload := bytes.TrimSpace(inv.Payload)
	if !json.Valid(payload) || kind(payload) != '{' {
		return nil, fail(MalformedResponse, false, "output is not a JSON object: %s", excerpt(payload))
	}
	o := parseOutput(payload)
	if o.isErrorDocument() {
		return nil, fail(FunctionError, false, "error document: %s", excerpt(payload))
	}
	if o.cookies != nil {
		o.other = "cookies"
	}
	if o.other != "" {
		return nil, fail(MalformedResponse, false, "unexpected key %q", o.other)
	}
	resp, isBase64, err := decodeCommon(&o, false)
	if err != nil {
		return nil, err
	}
	headers, err := decodeHeaders(o.headers, false)
	if err != nil {
		return nil, fail(MalformedResponse, false, "headers: %v", err)
	}
	multi, err := decodeHeaders(o.multiValueHeaders, true)
	if err != nil {
		return nil, fail(MalformedResponse, false, "multiValueHeaders: %v", err)
	}
	resp.Headers = mergeHeaders(headers, multi)
	if isBase64 && MatchesBinaryMediaType(firstEntry(accept), binaryMediaTypes) {
		if resp.Body, err = decodeBase64(resp.Body); err != nil {
			return nil, fail(BinaryConversion, false, "body is not base64: %v", err)
		}
	}
	return resp, nil
}

// DecodeV2 turns a payload format 2.0 invocation (HTTP APIs) into the client's response.
//
// An output object with a statusCode is a structured response: statusCode, headers (values joined with commas
// for repeats), cookies (each becomes a Set-Cookie header), body and isBase64Encoded, which HTTP APIs always
// honour. Other keys are ignored (AWS documents no validation for 2.0). Any other valid JSON output, a string
// or an object without statusCode, is a body for AWS to infer a response from: status 200, Content-Type
// application/json, and the output as the body, a JSON string being unquoted ("Hello" gives Hello) as in the
// guide's table. Invalid JSON is malformed. Any error is an *Error.
func DecodeV2(inv Invocation) (*Response, error) {
	if err := checkInvocation(inv, true); err != nil {
		return nil, err
	}
	payload := bytes.TrimSpace(inv.Payload)
	if !json.Valid(payload) {
		return nil, fail(MalformedResponse, true, "output is not JSON: %s", excerpt(payload))
	}
	var o output
	if kind(payload) == '{' {
		if o = parseOutput(payload); o.isErrorDocument() {
			return nil, fail(FunctionError, true, "error document: %s", excerpt(payload))
		}
	}
	if isNull(o.statusCode) {
		return inferV2(payload), nil
	}
	resp, isBase64, err := decodeCommon(&o, true)
	if err != nil {
		return nil, err
	}
	headers, err := decodeHeaders(o.headers, false)
	if err != nil {
		return nil, fail(MalformedResponse, true, "headers: %v", err)
	}
	resp.Headers = make([][2]string, 0, len(headers)+2)
	for _, h := range headers {
		resp.Headers = appendHeader(resp.Headers, h)
	}
	if resp.Headers, err = appendCookies(resp.Headers, o.cookies); err != nil {
		return nil, fail(MalformedResponse, true, "cookies: %v", err)
	}
	if isBase64 {
		if resp.Body, err = decodeBase64(resp.Body); err != nil {
			return nil, fail(MalformedResponse, true, "body is not base64: %v", err)
		}
	}
	return resp, nil
}

// inferV2 builds the response AWS infers from a 2.0 output without statusCode.
func inferV2(payload []byte) *Response {
	body := bytes.Clone(payload)
	if kind(payload) == '"' {
		body = jsonscan.AppendUnquoted(nil, payload)
	}
	return &Response{
		Status:  http.StatusOK,
		Headers: [][2]string{{"Content-Type", "application/json"}},
		Body:    body,
	}
}

// decodeCommon reads statusCode, body and isBase64Encoded, which both formats share. The body is returned as
// sent; isBase64 says whether the function marked it base64.
func decodeCommon(o *output, httpAPI bool) (resp *Response, isBase64 bool, err error) {
	status, err := decodeStatus(o.statusCode)
	if err != nil {
		return nil, false, fail(MalformedResponse, httpAPI, "statusCode: %v", err)
	}
	resp = &Response{Status: status}
	if raw := o.body; !isNull(raw) {
		if kind(raw) != '"' {
			return nil, false, fail(MalformedResponse, httpAPI, "body is not a string: %s", excerpt(raw))
		}
		resp.Body = jsonscan.AppendUnquoted(make([]byte, 0, len(raw)-2), raw)
	}
	switch raw := o.isBase64Encoded; {
	case string(raw) == "true":
		isBase64 = true
	case string(raw) != "false" && !isNull(raw):
		return nil, false, fail(MalformedResponse, httpAPI, "isBase64Encoded is not a boolean: %s", excerpt(raw))
	}
	return resp, isBase64, nil
}

// decodeStatus reads a statusCode: absent or null means 200, a number must be an integer, a string must hold
// one ("201"); anything outside 100-599 is not an HTTP status.
func decodeStatus(raw []byte) (int, error) {
	if isNull(raw) {
		return http.StatusOK, nil
	}
	var text string
	switch kind(raw) {
	case '"':
		text = jsonscan.Unquote(raw)
	case '{', '[', 't', 'f':
		return 0, fmt.Errorf("%s is not a number", excerpt(raw))
	default:
		text = string(raw)
	}
	status, err := strconv.Atoi(text)
	if err != nil {
		// JSON numbers such as 200.0 or 2e2 are integers too.
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil || kind(raw) == '"' || f != float64(int(f)) {
			return 0, fmt.Errorf("%s is not an integer", excerpt(raw))
		}
		status = int(f)
	}
	if status < 100 || status > 599 {
		return 0, fmt.Errorf("%d is not an HTTP status", status)
	}
	return status, nil
}

// header is one decoded response header; null marks a JSON null, which names the header without sending it.
type header struct {
	name, value string
	null        bool
}

// decodeHeaders reads a headers object (multi false: name to scalar) or a multiValueHeaders object (multi true:
// name to array of scalars), keeping the function's order. Scalars are strings, numbers (sent as written) or
// booleans.
func decodeHeaders(raw []byte, multi bool) ([]header, error) {
	if isNull(raw) {
		return nil, nil
	}
	if kind(raw) != '{' {
		return nil, fmt.Errorf("not an object")
	}
	var out []header
	err := jsonscan.EachMember(raw, func(key, value []byte) error {
		name := jsonscan.Unquote(key)
		var err error
		if multi {
			out, err = appendMultiValue(out, name, value)
		} else {
			out, err = appendValue(out, name, value)
		}
		if err != nil {
			return fmt.Errorf("%q: %w", name, err)
		}
		return nil
	})
	return out, err
}

func appendValue(out []header, name string, raw []byte) ([]header, error) {
	v, null, err := scalar(raw)
	return append(out, header{name, v, null}), err
}

// appendMultiValue appends one header per non-null element of a multiValueHeaders array. An empty or all-null
// list (and a null instead of a list) still claims the name over the same name in headers.
func appendMultiValue(out []header, name string, raw []byte) ([]header, error) {
	if isNull(raw) {
		return append(out, header{name: name, null: true}), nil
	}
	if kind(raw) != '[' {
		return nil, fmt.Errorf("not an array")
	}
	start := len(out)
	err := jsonscan.EachElement(raw, func(el []byte) error {
		v, null, err := scalar(el)
		if err == nil && !null {
			out = append(out, header{name: name, value: v})
		}
		return err
	})
	if len(out) == start {
		out = append(out, header{name: name, null: true})
	}
	return out, err
}

// scalar turns a header value into its text.
func scalar(raw []byte) (value string, null bool, err error) {
	switch kind(raw) {
	case 'n':
		return "", true, nil
	case '"':
		return jsonscan.Unquote(raw), false, nil
	case 't':
		return "true", false, nil
	case 'f':
		return "false", false, nil
	case '{', '[':
		return "", false, fmt.Errorf("value is not a string, number or boolean")
	}
	return string(raw), false, nil
}

// mergeHeaders combines 1.0's headers and multiValueHeaders: a name present in multiValueHeaders drops the same
// name from headers, as the guide says ("only the values from multiValueHeaders"). API Gateway's default
// Content-Type is added unless the function named one, even with a null value.
func mergeHeaders(single, multi []header) [][2]string {
	out := make([][2]string, 0, len(single)+len(multi)+1)
	contentType := false
	for _, h := range single {
		if hasHeader(multi, h.name) {
			continue
		}
		out = appendHeader(out, h)
		contentType = contentType || strings.EqualFold(h.name, "Content-Type")
	}
	for _, h := range multi {
		out = appendHeader(out, h)
		contentType = contentType || strings.EqualFold(h.name, "Content-Type")
	}
	if !contentType {
		out = append(out, [2]string{"Content-Type", "application/json"})
	}
	return out
}

func hasHeader(hs []header, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.name, name) {
			return true
		}
	}
	return false
}

func appendHeader(out [][2]string, h header) [][2]string {
	if h.null {
		return out
	}
	return append(out, [2]string{h.name, h.value})
}

// appendCookies adds one Set-Cookie header per entry of a 2.0 cookies array.
func appendCookies(out [][2]string, raw []byte) ([][2]string, error) {
	if isNull(raw) {
		return out, nil
	}
	if kind(raw) != '[' {
		return nil, fmt.Errorf("not an array")
	}
	err := jsonscan.EachElement(raw, func(el []byte) error {
		if kind(el) != '"' {
			return fmt.Errorf("%s is not a string", excerpt(el))
		}
		out = append(out, [2]string{"Set-Cookie", jsonscan.Unquote(el)})
		return nil
	})
	return out, err
}

// firstEntry returns the first media range of an Accept header: API Gateway honours only that one.
func firstEntry(accept string) string {
	first, _, _ := strings.Cut(accept, ",")
	return first
}

// decodeBase64 accepts standard base64 with or without padding, as Java's decoder (API Gateway's) does.
func decodeBase64(b []byte) ([]byte, error) {
	b = bytes.TrimRight(b, "=")
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(b)))
	n, err := base64.RawStdEncoding.Decode(out, b)
	return out[:n], err
}
