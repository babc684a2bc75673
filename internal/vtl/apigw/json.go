package apigw

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tollgate-gw/tollgate/internal/jsonscan"
	"github.com/tollgate-gw/tollgate/internal/vtl"
)

// maxJSONDepth bounds the nesting parseJSON accepts.
const maxJSONDepth = 200

// parseJSON reads a JSON document (RFC 8259) into template values, objects keeping their members' order (as API
// Gateway's $input.json and $input.path do; a repeated member keeps its first place and its last value), integral
// numbers as integers. Invalid UTF-8 in a string reads as U+FFFD, as encoding/json reads it. It is a parser of
// its own because a request body is parsed once per rendering: encoding/json's token stream cost most of a
// #foreach over a body's items.
func parseJSON(data []byte) (any, error) {
	p := &jsonParser{data: data}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if p.space(); p.i < len(p.data) {
		return nil, p.errorf("more after the value")
	}
	return v, nil
}

type jsonParser struct {
	data []byte
	i    int
	buf  []byte // scratch for strings with escapes
	// keys and vals are stacks of the members and elements of the objects and arrays being read: each gets
	// slices of its exact size once it is complete.
	keys []string
	vals []any
	// names interns member names: a body's objects mostly repeat the same few.
	names map[string]string
}

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", p.i, fmt.Sprintf(format, args...))
}

func (p *jsonParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, p.errorf("nested deeper than %d", maxJSONDepth)
	}
	if p.i >= len(p.data) {
		return nil, p.errorf("unexpected end")
	}
	switch c := p.data[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == '-' || '0' <= c && c <= '9':
		return p.number()
	case p.literal("true"):
		return true, nil
	case p.literal("false"):
		return false, nil
	case p.literal("null"):
		return nil, nil
	}
	return nil, p.errorf("unexpected %q", p.data[p.i])
}

func (p *jsonParser) literal(word string) bool {
	if bytes.HasPrefix(p.data[p.i:], []byte(word)) {
		p.i += len(word)
		return true
	}
	return false
}

func (p *jsonParser) object(depth int) (any, error) {
	p.i++ // {
	p.space()
	if p.i < len(p.data) && p.data[p.i] == '}' {
		p.i++
		return vtl.NewMap(), nil
	}
	base := len(p.keys)
	for {
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != '"' {
			return nil, p.errorf("want a member name")
		}
		k, err := p.name()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.data) || p.data[p.i] != ':' {
			return nil, p.errorf("want ':' after a member name")
		}
		p.i++
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.keys, p.vals = append(p.keys, k), append(p.vals, v)
		done, err := p.next('}')
		if err != nil {
			return nil, err
		}
		if done {
			m := vtl.MapOf(slices.Clone(p.keys[base:]), slices.Clone(p.vals[len(p.vals)-(len(p.keys)-base):]))
			p.vals = p.vals[:len(p.vals)-(len(p.keys)-base)]
			p.keys = p.keys[:base]
			return m, nil
		}
	}
}

// name reads a member name, interned.
func (p *jsonParser) name() (string, error) {
	start := p.i + 1
	end := start
	for end < len(p.data) && p.data[end] != '"' && p.data[end] != '\\' && p.data[end] >= 0x20 && p.data[end] < 0x80 {
		end++
	}
	if end < len(p.data) && p.data[end] == '"' {
		// A plain ASCII name: looked up without allocating.
		if k, ok := p.names[string(p.data[start:end])]; ok {
			p.i = end + 1
			return k, nil
		}
	}
	k, err := p.str()
	if err == nil && len(k) <= 64 {
		if p.names == nil {
			p.names = map[string]string{}
		}
		p.names[k] = k
	}
	return k, err
}

func (p *jsonParser) array(depth int) (any, error) {
	p.i++ // [
	p.space()
	if p.i < len(p.data) && p.data[p.i] == ']' {
		p.i++
		return &vtl.List{}, nil
	}
	base := len(p.vals)
	for {
		p.space()
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.vals = append(p.vals, v)
		done, err := p.next(']')
		if err != nil {
			return nil, err
		}
		if done {
			l := &vtl.List{Items: slices.Clone(p.vals[base:])}
			p.vals = p.vals[:base]
			return l, nil
		}
	}
}

// next reads the ',' before another member or element, or the closing bracket.
func (p *jsonParser) next(closing byte) (done bool, err error) {
	p.space()
	switch {
	case p.i >= len(p.data):
		return false, p.errorf("unexpected end")
	case p.data[p.i] == ',':
		p.i++
		return false, nil
	case p.data[p.i] == closing:
		p.i++
		return true, nil
	}
	return false, p.errorf("want ',' or %q", closing)
}

func (p *jsonParser) str() (string, error) {
	p.i++ // "
	start := p.i
	for p.i < len(p.data) {
		c := p.data[p.i]
		switch {
		case c == '"':
			s := p.data[start:p.i]
			p.i++
			if utf8.Valid(s) {
				return string(s), nil
			}
			return validUTF8(s), nil
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", p.errorf("control character in a string")
		}
		p.i++
	}
	return "", p.errorf("unterminated string")
}

// escaped reads the rest of a string that has escapes, from its first backslash: checked here, resolved by
// jsonscan as encoding/json resolves them.
func (p *jsonParser) escaped(start int) (string, error) {
	for p.i < len(p.data) {
		switch c := p.data[p.i]; {
		case c == '"':
			p.i++
			p.buf = jsonscan.AppendUnquoted(p.buf[:0], p.data[start-1:p.i])
			if utf8.Valid(p.buf) {
				return string(p.buf), nil
			}
			return validUTF8(p.buf), nil
		case c < 0x20:
			return "", p.errorf("control character in a string")
		case c == '\\':
			if p.i+1 >= len(p.data) {
				return "", p.errorf("unterminated string")
			}
			switch p.data[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i += 2
			case 'u':
				if !isHex4(p.data[p.i+2:]) {
					return "", p.errorf("invalid \\u escape")
				}
				p.i += 6
			default:
				return "", p.errorf("invalid escape \\%c", p.data[p.i+1])
			}
		default:
			p.i++
		}
	}
	return "", p.errorf("unterminated string")
}

func isHex4(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	for _, c := range b[:4] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// validUTF8 replaces each invalid byte by U+FFFD, as encoding/json does.
func validUTF8(b []byte) string {
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		sb.WriteRune(r) // RuneError for an invalid byte, of size 1
		b = b[size:]
	}
	return sb.String()
}

// number reads a JSON number: an integer that fits as int64, else float64.
func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.data[p.i] == '-' {
		p.i++
	}
	integral := true
	switch {
	case p.i < len(p.data) && p.data[p.i] == '0':
		p.i++
	case p.digits() == 0:
		return nil, p.errorf("invalid number")
	}
	if p.i < len(p.data) && p.data[p.i] == '.' {
		p.i++
		integral = false
		if p.digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	if p.i < len(p.data) && (p.data[p.i] == 'e' || p.data[p.i] == 'E') {
		p.i++
		integral = false
		if p.i < len(p.data) && (p.data[p.i] == '+' || p.data[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, p.errorf("invalid number")
		}
	}
	text := string(p.data[start:p.i])
	if integral {
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, p.errorf("invalid number %s", text)
	}
	if math.IsInf(f, 0) {
		return nil, p.errorf("number %s out of range", text)
	}
	return f, nil
}

func (p *jsonParser) digits() int {
	n := 0
	for p.i < len(p.data) && '0' <= p.data[p.i] && p.data[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}

// toJSON writes a template value as JSON: maps as objects in their order, lists as arrays.
func toJSON(v any) string {
	var b strings.Builder
	writeJSON(&b, v)
	return b.String()
}

func writeJSON(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		enc, _ := json.Marshal(v)
		b.Write(enc)
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		}
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case *vtl.List:
		b.WriteByte('[')
		for i, item := range v.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSON(b, item)
		}
		b.WriteByte(']')
	case *vtl.Map:
		b.WriteByte('{')
		for i, k := range v.Keys() {
			if i > 0 {
				b.WriteByte(',')
			}
			enc, _ := json.Marshal(k)
			b.Write(enc)
			b.WriteByte(':')
			x, _ := v.Get(k)
			writeJSON(b, x)
		}
		b.WriteByte('}')
	default:
		enc, _ := json.Marshal(vtl.String(v))
		b.Write(enc)
	}
}
