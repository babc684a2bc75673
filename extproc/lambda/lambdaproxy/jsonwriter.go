package lambdaproxy

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// jsonWriter appends compact JSON to a byte slice. The events are written with it rather than with encoding/json
// because their header and query maps must keep arrival order and because marshalling Go maps sorts and allocates
// on every key; a hand-written writer builds a whole event in a handful of allocations.
//
// Members and array elements are separated automatically: every value and every key is preceded by a comma
// unless it is the first inside its object or array.
type jsonWriter struct {
	buf   []byte
	comma bool // the next key or value needs a leading comma
}

func (w *jsonWriter) sep() {
	if w.comma {
		w.buf = append(w.buf, ',')
	}
}

// open starts an object ('{') or an array ('[').
func (w *jsonWriter) open(c byte) {
	w.sep()
	w.buf = append(w.buf, c)
	w.comma = false
}

// close ends what open started.
func (w *jsonWriter) close(c byte) {
	w.buf = append(w.buf, c)
	w.comma = true
}

func (w *jsonWriter) key(k string) {
	w.sep()
	w.buf = appendQuoted(w.buf, k)
	w.buf = append(w.buf, ':')
	w.comma = false
}

// str writes the concatenation of parts as one string, which saves building it first.
func (w *jsonWriter) str(parts ...string) {
	w.sep()
	w.buf = append(w.buf, '"')
	for _, p := range parts {
		w.buf = appendEscaped(w.buf, p)
	}
	w.buf = append(w.buf, '"')
	w.comma = true
}

// bytes writes b as a string without copying it into one first.
func (w *jsonWriter) bytes(b []byte) {
	w.sep()
	w.buf = append(w.buf, '"')
	w.buf = appendEscaped(w.buf, b)
	w.buf = append(w.buf, '"')
	w.comma = true
}

func (w *jsonWriter) null() {
	w.sep()
	w.buf = append(w.buf, "null"...)
	w.comma = true
}

// strOrNull writes s, or null when s is empty: API Gateway sends null for context values it does not have.
func (w *jsonWriter) strOrNull(s string) {
	if s == "" {
		w.null()
		return
	}
	w.str(s)
}

func (w *jsonWriter) boolean(v bool) {
	w.sep()
	w.buf = strconv.AppendBool(w.buf, v)
	w.comma = true
}

func (w *jsonWriter) int(v int64) {
	w.sep()
	w.buf = strconv.AppendInt(w.buf, v, 10)
	w.comma = true
}

// raw writes an already encoded JSON value.
func (w *jsonWriter) raw(v []byte) {
	w.sep()
	w.buf = append(w.buf, v...)
	w.comma = true
}

// joined writes the values as one string separated by commas, as format 2.0 does with repeated headers and
// query parameters.
func (w *jsonWriter) joined(values []string) {
	w.sep()
	w.buf = append(w.buf, '"')
	for i, v := range values {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendEscaped(w.buf, v)
	}
	w.buf = append(w.buf, '"')
	w.comma = true
}

// lowerKey writes an ASCII-lower-cased key without allocating a lower-cased copy first.
func (w *jsonWriter) lowerKey(k string) {
	w.sep()
	w.buf = append(w.buf, '"')
	start := len(w.buf)
	w.buf = appendEscaped(w.buf, k)
	for i := start; i < len(w.buf); i++ {
		if c := w.buf[i]; 'A' <= c && c <= 'Z' {
			w.buf[i] = c + 'a' - 'A'
		}
	}
	w.buf = append(w.buf, '"', ':')
	w.comma = false
}

// clfTime writes t as API Gateway's requestTime / time: dd/MMM/yyyy:HH:mm:ss +0000, always in UTC.
func (w *jsonWriter) clfTime(t time.Time) {
	w.sep()
	w.buf = append(w.buf, '"')
	w.buf = t.UTC().AppendFormat(w.buf, "02/Jan/2006:15:04:05 -0700")
	w.buf = append(w.buf, '"')
	w.comma = true
}

func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendEscaped(b, s)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

// plainASCII marks the ASCII bytes a JSON string holds as they are; a table keeps the common path to one load.
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendEscaped appends s (a string or a byte slice) as the inside of a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does, so the event is always valid JSON whatever bytes the client sent. U+2028 and
// U+2029 are escaped because JavaScript runtimes before ES2019 reject them in string literals.
func appendEscaped[S string | []byte](b []byte, s S) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if plainASCII[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		// At most four bytes are converted, which the compiler does on the stack.
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(b, s[start:]...)
}
