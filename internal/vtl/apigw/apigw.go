// Package apigw gives VTL templates API Gateway's variables: $input (the request's body and parameters, with
// JSONPath) and $util (escaping, JSON, URL and base64 functions), as the mapping template reference defines
// them.
package apigw

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/tollgate-gw/tollgate/internal/vtl"
)

// Params are a request's parameters by kind, each in the order given.
type Params struct {
	Path, QueryString, Header *vtl.Map
}

// Input is $input for one request.
type Input struct {
	body   string
	params Params
	// doc is the body read as JSON, once (read tells it was tried, err why it failed); whole is the body
	// decoded whole, once a path needs it (decoded tells it was).
	doc     *jsonDoc
	err     error
	read    bool
	whole   any
	decoded bool
}

// NewInput is $input of a request with body and params (nil maps are empty).
func NewInput(body string, params Params) *Input {
	for _, m := range []**vtl.Map{&params.Path, &params.QueryString, &params.Header} {
		if *m == nil {
			*m = vtl.NewMap()
		}
	}
	return &Input{body: body, params: params}
}

// Release says the rendering with in is done: the memory it read the body and its values into is reused by
// later ones. Neither in nor the values its methods and $util.parseJson gave may be used after: their memory
// holds another request's. What must outlive it (what a template set in a caller's map) is copied out with
// vtl.Detach first.
func (in *Input) Release() {
	if in.doc != nil {
		in.doc.release()
		in.doc = nil
	}
}

// json is the body read as JSON; nil, with no error, for an empty body, which reads as {}.
func (in *Input) json() (*jsonDoc, error) {
	if !in.read {
		in.read = true
		if strings.TrimSpace(in.body) != "" {
			in.doc, in.err = readJSON(in.body)
		}
	}
	return in.doc, in.err
}

// document is the body decoded whole, once.
func (in *Input) document() (any, error) {
	if !in.decoded {
		doc, err := in.json()
		switch {
		case err != nil:
			return nil, err
		case doc == nil:
			in.whole = vtl.NewMap()
		default:
			in.whole = doc.decode(0)
		}
		in.decoded = true
	}
	return in.whole, nil
}

// Property is $input.body.
func (in *Input) Property(name string) any {
	if name == "body" {
		return in.body
	}
	return nil
}

// Call is $input.json(path), $input.path(path) and $input.params().
func (in *Input) Call(name string, args []any) (any, error) {
	switch {
	case name == "json" && len(args) == 1, name == "path" && len(args) == 1:
		steps, err := cachedPath(vtl.String(args[0]))
		if err != nil {
			return nil, err
		}
		doc, err := in.json()
		if err != nil {
			return nil, err
		}
		if doc != nil {
			if node, found, simple := doc.find(steps); simple {
				switch {
				case !found && name == "json":
					return "null", nil
				case !found:
					return nil, nil
				case name == "json":
					return doc.box(doc.compact(node)), nil
				}
				return doc.decode(node), nil
			}
		}
		whole, err := in.document()
		if err != nil {
			return nil, err
		}
		v, _ := selectPath(whole, steps)
		if name == "json" {
			return toJSON(v), nil
		}
		return v, nil
	case name == "params" && len(args) == 0:
		m := vtl.NewMap()
		m.Put("path", in.params.Path)
		m.Put("querystring", in.params.QueryString)
		m.Put("header", in.params.Header)
		return m, nil
	case name == "params" && len(args) == 1:
		// A parameter by name: the path's, else the query string's, else the header's.
		key := vtl.String(args[0])
		for _, m := range []*vtl.Map{in.params.Path, in.params.QueryString, in.params.Header} {
			if v, ok := m.Get(key); ok {
				return v, nil
			}
		}
		// Header names are case-insensitive, and Envoy hands them over in lower case.
		for _, name := range in.params.Header.Keys() {
			if strings.EqualFold(name, key) {
				v, _ := in.params.Header.Get(name)
				return v, nil
			}
		}
		return "", nil
	case name == "body" && len(args) == 0:
		return in.body, nil
	}
	return nil, fmt.Errorf("no method %s(%d arguments) on $input", name, len(args))
}

// Util is $util. Input, if set, is the rendering's $input: $util.parseJson($input.body) then decodes the body
// as $input has read it, rather than reading it again.
type Util struct{ Input *Input }

// Property: $util has none.
func (Util) Property(string) any { return nil }

// Call is $util's functions.
func (u Util) Call(name string, args []any) (any, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("$util.%s takes one argument", name)
	}
	s := vtl.String(args[0])
	switch name {
	case "escapeJavaScript":
		escaped := escapeJavaScript(s)
		if _, isString := args[0].(string); isString && len(escaped) == len(s) {
			return args[0], nil // nothing escaped: the argument as it is, without boxing its copy again
		}
		return escaped, nil
	case "parseJson":
		if u.Input != nil && s == u.Input.body && strings.TrimSpace(s) != "" {
			doc, err := u.Input.json()
			if err != nil {
				return nil, err
			}
			return doc.decode(0), nil // fresh values: the template may change them
		}
		return parseJSON(s)
	case "toJson":
		return toJSON(args[0]), nil
	case "urlEncode":
		return url.QueryEscape(s), nil
	case "urlDecode":
		return url.QueryUnescape(s)
	case "base64Encode":
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	case "base64Decode":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("$util.base64Decode: %v", err)
		}
		return string(b), nil
	}
	return nil, fmt.Errorf("no function $util.%s", name)
}

// escapeJavaScript escapes as Java's StringEscapeUtils.escapeJavaScript (commons-lang 2), which API Gateway's
// $util.escapeJavaScript is: quotes both single and double, backslash, slash, the control characters, and
// everything outside ASCII as \uXXXX.
func escapeJavaScript(s string) string {
	// Most values need no escape: they are their own answer.
	i := 0
	for i < len(s) && javaScriptPlain[s[i]] {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		switch {
		case javaScriptPlain[c]:
			j := i + 1
			for j < len(s) && javaScriptPlain[s[j]] {
				j++
			}
			b.WriteString(s[i:j])
			i = j
			continue
		case c < utf8.RuneSelf:
			if short := javaScriptShort[c]; short != 0 {
				b.WriteByte('\\')
				b.WriteByte(short)
			} else {
				writeUnicodeEscape(&b, rune(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:]) // U+FFFD for an invalid byte, as ranging over s reads it
		i += size
		if r >= 0x10000 {
			// Java strings are UTF-16: a character outside the BMP is two escapes.
			r1, r2 := utf16Pair(r)
			writeUnicodeEscape(&b, r1)
			r = r2
		}
		writeUnicodeEscape(&b, r)
	}
	return b.String()
}

// javaScriptPlain marks the bytes escapeJavaScript writes as they are: printable ASCII but quotes, backslash and
// slash.
var javaScriptPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '\'' && c != '"' && c != '\\' && c != '/'
	}
	return t
}()

// javaScriptShort is the letter of the ASCII characters escaped with one (\n, \'), 0 for those written \uXXXX.
var javaScriptShort = [utf8.RuneSelf]byte{'\'': '\'', '"': '"', '\\': '\\', '/': '/', '\b': 'b', '\f': 'f', '\n': 'n',
	'\r': 'r', '\t': 't'}

// writeUnicodeEscape writes \uXXXX, with upper-case hex digits as commons-lang does.
func writeUnicodeEscape(b *strings.Builder, r rune) {
	const hex = "0123456789ABCDEF"
	b.WriteString(`\u`)
	b.WriteByte(hex[r>>12&0xF])
	b.WriteByte(hex[r>>8&0xF])
	b.WriteByte(hex[r>>4&0xF])
	b.WriteByte(hex[r&0xF])
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xD800 + (r>>10)&0x3FF, 0xDC00 + r&0x3FF
}

// BodyValue is what a parameter mapping reads at path (a JSONPath) of a JSON body: a string's text, anything
// else's JSON; "" for nothing there, or a body that is not JSON. The text is the caller's: a copy of what the
// Input's memory held, which its Release gives to the next.
func BodyValue(body []byte, path string) string {
	in := NewInput(string(body), Params{})
	defer in.Release()
	if v, err := in.Call("path", []any{path}); err == nil {
		if s, isString := v.(string); isString {
			return strings.Clone(s)
		}
		if text, err := in.Call("json", []any{path}); err == nil && text != "null" {
			return strings.Clone(vtl.String(text))
		}
	}
	return ""
}
