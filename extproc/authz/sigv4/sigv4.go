// Package sigv4 verifies AWS Signature Version 4 as API Gateway does for methods with IAM authorization: the
// Authorization header form and the presigned query form, against a secret the caller's access key names. Like
// lambdaproxy it knows no transport: the ext_authz service hands it the request as Envoy saw it.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the one signing algorithm API Gateway accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// Service is the service a request to an API is signed for (the management API's is apigateway).
const Service = "execute-api"

// MaxSkew is how far a signature's time may be from the gateway's clock.
const MaxSkew = 5 * time.Minute

// amzDate is SigV4's time format.
const amzDate = "20060102T150405Z"

// Request is what a signature covers of a request, as the gateway received it.
type Request struct {
	Method string
	// RawPath is the path as sent, still escaped; RawQuery the query string as sent, without '?'.
	RawPath, RawQuery string
	// Headers are every header (names lower case, as Envoy hands them on), the host as "host".
	Headers [][2]string
	Body    []byte
}

// Headers are a request's headers as Request takes them, from the host and the header map a Go HTTP server
// hands over: it keeps the host out of the map, and the content length too when it read it.
func Headers(host string, header map[string][]string, contentLength int64) [][2]string {
	out := [][2]string{{"host", host}}
	for name, values := range header {
		for _, v := range values {
			out = append(out, [2]string{strings.ToLower(name), v})
		}
	}
	if _, given := header["Content-Length"]; !given && contentLength > 0 {
		out = append(out, [2]string{"content-length", strconv.FormatInt(contentLength, 10)})
	}
	return out
}

// header is the values of a header joined with commas, and whether the request has it.
func (r *Request) header(name string) (string, bool) {
	var values []string
	for _, h := range r.Headers {
		if h[0] == name {
			values = append(values, h[1])
		}
	}
	return strings.Join(values, ","), len(values) > 0
}

// Signature is a request's signature as the client wrote it.
type Signature struct {
	AccessKeyID string
	// Scope is date/region/service/aws4_request.
	Date, Region, Service string
	SignedHeaders         []string
	Signature             string
	// Time is when it was signed (X-Amz-Date, or Date); Expires is a presigned URL's lifetime (X-Amz-Expires,
	// else MaxSkew).
	Time    time.Time
	Expires time.Duration
	// Presigned: the query string carries the signature.
	Presigned bool
	// SessionToken is X-Amz-Security-Token, for temporary credentials.
	SessionToken string
	amzDate      string
}

// Error is a refusal with the exception API Gateway names it by and its message.
type Error struct {
	// Type is the x-amzn-ErrorType: MissingAuthenticationTokenException, IncompleteSignatureException,
	// InvalidSignatureException.
	Type, Message string
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// ErrorOf is err as the refusal API Gateway answers: the *Error it is, else one of type otherwise.
func ErrorOf(err error, otherwise string) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Type: otherwise, Message: err.Error()}
}

// Parse reads the signature, for service, from the Authorization header or the query string. A request with
// neither is a MissingAuthenticationTokenException, as API Gateway answers an unsigned request to an IAM method.
func Parse(r *Request, service string) (*Signature, error) {
	if auth, ok := r.header("authorization"); ok {
		return parseHeader(r, auth, service)
	}
	q, err := url.ParseQuery(r.RawQuery)
	if err == nil && q.Has("X-Amz-Signature") {
		return parseQuery(q, service)
	}
	return nil, &Error{Type: "MissingAuthenticationTokenException", Message: "Missing Authentication Token"}
}

func parseHeader(r *Request, auth, service string) (*Signature, error) {
	s := &Signature{}
	algorithm, params, _ := strings.Cut(auth, " ")
	fields := map[string]string{}
	for p := range strings.SplitSeq(params, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok {
			fields[k] = v
		}
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if fields[k] == "" {
			missing = append(missing, "Authorization header requires '"+k+"' parameter.")
		}
	}
	date, hasDate := r.header("x-amz-date")
	if !hasDate {
		date, hasDate = r.header("date")
	}
	if !hasDate {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if algorithm != Algorithm || len(missing) > 0 {
		if algorithm != Algorithm {
			missing = append([]string{"Authorization header requires the " + Algorithm + " algorithm."}, missing...)
		}
		return nil, &Error{Type: "IncompleteSignatureException", Message: strings.Join(missing, " ") + " Authorization=" + auth}
	}
	if err := s.credential(fields["Credential"], service); err != nil {
		return nil, err
	}
	s.SignedHeaders = strings.Split(fields["SignedHeaders"], ";")
	s.Signature = fields["Signature"]
	s.SessionToken, _ = r.header("x-amz-security-token")
	return s, s.parseTime(date)
}

func parseQuery(q url.Values, service string) (*Signature, error) {
	s := &Signature{Presigned: true}
	var missing []string
	for _, k := range []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders"} {
		if q.Get(k) == "" {
			missing = append(missing, "AWS query-string parameters must include '"+k+"'.")
		}
	}
	if len(missing) > 0 || q.Get("X-Amz-Algorithm") != Algorithm {
		if q.Get("X-Amz-Algorithm") != Algorithm && q.Get("X-Amz-Algorithm") != "" {
			missing = append(missing, "X-Amz-Algorithm only supports "+Algorithm+".")
		}
		return nil, &Error{Type: "IncompleteSignatureException", Message: strings.Join(missing, " ") + " Re-examine the query-string parameters."}
	}
	if err := s.credential(q.Get("X-Amz-Credential"), service); err != nil {
		return nil, err
	}
	// Without X-Amz-Expires a presigned URL is as good as a signed header: within MaxSkew of its time.
	s.Expires = MaxSkew
	if v := q.Get("X-Amz-Expires"); v != "" {
		seconds, err := strconv.Atoi(v)
		if err != nil || seconds < 0 || seconds > 7*24*3600 {
			return nil, &Error{Type: "IncompleteSignatureException", Message: "X-Amz-Expires must be a number of seconds from 0 to 604800."}
		}
		s.Expires = time.Duration(seconds) * time.Second
	}
	s.SignedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	s.Signature = q.Get("X-Amz-Signature")
	s.SessionToken = q.Get("X-Amz-Security-Token")
	return s, s.parseTime(q.Get("X-Amz-Date"))
}

// credential reads AKID/date/region/service/aws4_request.
func (s *Signature) credential(c, service string) error {
	parts := strings.Split(c, "/")
	if len(parts) != 5 || parts[0] == "" || parts[4] != "aws4_request" {
		return &Error{Type: "IncompleteSignatureException", Message: fmt.Sprintf("Credential should be scoped to a valid region, service and date: %q is not ACCESS_KEY/date/region/service/aws4_request.", c)}
	}
	s.AccessKeyID, s.Date, s.Region, s.Service = parts[0], parts[1], parts[2], parts[3]
	if s.Service != service {
		return &Error{Type: "InvalidSignatureException", Message: "Credential should be scoped to correct service: '" + service + "'. "}
	}
	return nil
}

func (s *Signature) parseTime(v string) error {
	t, err := time.Parse(amzDate, v)
	if err != nil {
		if t, err = time.Parse(time.RFC1123, v); err != nil {
			return &Error{Type: "IncompleteSignatureException", Message: fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", v)}
		}
	}
	s.Time, s.amzDate = t.UTC(), t.UTC().Format(amzDate)
	if s.Date != s.Time.Format("20060102") {
		return &Error{Type: "InvalidSignatureException", Message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" + s.Date + "' != '" + s.Time.Format("20060102") + "', from '" + v + "'."}
	}
	return nil
}

// Verify checks the signature with the secret of its access key, at now, for an API in region: its scope, its
// time (within MaxSkew, or a presigned URL's lifetime) and its value, recomputed over the request.
func (s *Signature) Verify(r *Request, secret, region string, now time.Time) error {
	if s.Region != region {
		return &Error{Type: "InvalidSignatureException", Message: "Credential should be scoped to a valid region. "}
	}
	now = now.UTC()
	switch {
	case s.Presigned && now.After(s.Time.Add(s.Expires)):
		return &Error{Type: "InvalidSignatureException", Message: "Signature expired: " + s.amzDate + " is now earlier than " + now.Add(-s.Expires).Format(amzDate) + " (" + now.Format(amzDate) + " - " + s.Expires.String() + ".)"}
	case !s.Presigned && s.Time.Before(now.Add(-MaxSkew)):
		return &Error{Type: "InvalidSignatureException", Message: "Signature expired: " + s.amzDate + " is now earlier than " + now.Add(-MaxSkew).Format(amzDate) + " (" + now.Format(amzDate) + " - 5 min.)"}
	case s.Time.After(now.Add(MaxSkew)):
		return &Error{Type: "InvalidSignatureException", Message: "Signature not yet current: " + s.amzDate + " is still later than " + now.Add(MaxSkew).Format(amzDate) + " (" + now.Format(amzDate) + " + 5 min.)"}
	}
	if !slices.Contains(s.SignedHeaders, "host") {
		return &Error{Type: "IncompleteSignatureException", Message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."}
	}
	if _, dated := r.header("x-amz-date"); dated && !s.Presigned && !slices.Contains(s.SignedHeaders, "x-amz-date") {
		return &Error{Type: "IncompleteSignatureException", Message: "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."}
	}
	if claimed, ok := r.header("x-amz-content-sha256"); ok {
		sum := sha256.Sum256(r.Body)
		if !hmac.Equal([]byte(claimed), []byte(hex.EncodeToString(sum[:]))) {
			return &Error{Type: "InvalidSignatureException", Message: "The provided 'x-amz-content-sha256' header does not match what was computed."}
		}
	}
	canonical := s.canonicalRequest(r)
	sum := sha256.Sum256([]byte(canonical))
	scope := s.Date + "/" + s.Region + "/" + s.Service + "/aws4_request"
	toSign := Algorithm + "\n" + s.amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	key := hmacSHA256([]byte("AWS4"+secret), s.Date)
	for _, part := range []string{s.Region, s.Service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(s.Signature)) {
		return &Error{Type: "InvalidSignatureException", Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'" + canonical + "'\n\nThe String-to-Sign should have been\n'" + toSign + "'\n"}
	}
	return nil
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalRequest is SigV4's canonical form of r for the signature's signed headers.
func (s *Signature) canonicalRequest(r *Request) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.RawPath))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(r.RawQuery, s.Presigned))
	b.WriteByte('\n')
	for _, name := range s.SignedHeaders {
		v, _ := r.header(name)
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(strings.Join(strings.Fields(v), " "))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(s.SignedHeaders, ";"))
	b.WriteByte('\n')
	// The body's own hash, always: a client's x-amz-content-sha256 is checked against it (Verify), never
	// trusted in its place, or a signature would cover any body sent with a copied header.
	sum := sha256.Sum256(r.Body)
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.String()
}

// canonicalURI encodes each segment of the path as sent once more, as SigV4 does for every service but S3.
func canonicalURI(raw string) string {
	if raw == "" {
		return "/"
	}
	segments := strings.Split(raw, "/")
	for i, seg := range segments {
		segments[i] = escape(seg)
	}
	return strings.Join(segments, "/")
}

// canonicalQuery sorts the query's parameters by name, then value, each decoded and encoded again, leaving a
// presigned URL's signature out.
func canonicalQuery(raw string, presigned bool) string {
	type pair struct{ k, v string }
	var pairs []pair
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, v = unescape(k), unescape(v)
		if presigned && k == "X-Amz-Signature" {
			continue
		}
		pairs = append(pairs, pair{escape(k), escape(v)})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := strings.Compare(a.k, b.k); c != 0 {
			return c
		}
		return strings.Compare(a.v, b.v)
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// escape is RFC 3986's percent-encoding of everything but the unreserved characters, as SigV4 requires.
func escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}
