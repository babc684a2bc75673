package apigw

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/tollgate-gw/tollgate/internal/jsonscan"
	"github.com/tollgate-gw/tollgate/internal/vtl"
)

// maxJSONDepth bounds the nesting a JSON document may have.
const maxJSONDepth = 200

// parseJSON reads a JSON document (RFC 8259) into template values, objects keeping their members' order (as API
// Gateway's $input.json and $input.path do; a repeated member keeps its first place and its last value), integral
// numbers as integers. Invalid UTF-8 in a string reads as U+FFFD, as encoding/json reads it.
func parseJSON(text string) (any, error) {
	doc, err := readJSON(text)
	if err != nil {
		return nil, err
	}
	defer doc.release()
	return doc.decode(0)
}

// A jsonDoc is a JSON document read into a tape of its values in document order, each container followed by
// its members or elements. It is a parser of its own, in two passes, because a template mostly picks a few
// values out of a request's body: the first pass checks the whole text and records where each value is, and
// $input.path and $input.json then walk the tape to what a path selects and decode only that, its maps, lists
// and slots allocated together from the tape's counts. Plain strings are slices of the text.
type jsonDoc struct {
	text  string
	nodes []jsonNode
	// trail is the steps of the last path found, and trailNodes the node each of them reached.
	trail      []step
	trailNodes []int
}

// A jsonNode is one value of the document.
type jsonNode struct {
	start, end int32 // the value's text; a string's includes its quotes
	// name and nameEnd are a member's name, quotes included; nameEnd is 0 for a value that is no member.
	name, nameEnd int32
	size          int32 // the nodes of the value, its own and its members' or elements'
	count         int32 // a container's members or elements
	kind          byte  // '{', '[', '"', '0' (a number), 't', 'f', 'n'
	flags         byte
}

const (
	escapedValue = 1 << iota // a string value with escapes or invalid UTF-8: decoded, not sliced
	escapedName              // the same for a member's name
	integral                 // a number without fraction or exponent
	spaced                   // a container with space between its tokens
)

// tapes recycles tapes: one is scratch for a rendering (the values decoded from it hold none of it), and memory
// just used is much faster to write than new memory.
var tapes = sync.Pool{New: func() any { return new(jsonDoc) }}

// maxPooledTape bounds the tapes kept for reuse, so that one huge body does not stay in memory.
const maxPooledTape = 1 << 14

// readJSON checks a JSON document and records its values, on a tape that release gives back.
func readJSON(text string) (*jsonDoc, error) {
	if len(text) > math.MaxInt32 {
		return nil, errors.New("invalid JSON: larger than 2 GiB")
	}
	doc := tapes.Get().(*jsonDoc)
	if estimate := len(text)/8 + 1; cap(doc.nodes) < estimate {
		doc.nodes = make([]jsonNode, 0, estimate)
	}
	r := &jsonReader{text: text, nodes: doc.nodes[:0]}
	r.space()
	err := r.value(0)
	if r.space(); err == nil && r.i < len(r.text) {
		err = r.errorf("more after the value")
	}
	doc.text, doc.nodes = text, r.nodes
	if err != nil {
		doc.release()
		return nil, err
	}
	return doc, nil
}

// release gives the tape back for another document; d must not be used after.
func (d *jsonDoc) release() {
	d.text, d.trail, d.trailNodes = "", nil, d.trailNodes[:0]
	if cap(d.nodes) > maxPooledTape {
		d.nodes = nil
	}
	tapes.Put(d)
}

type jsonReader struct {
	text  string
	i     int
	nodes []jsonNode
	// spaced tells that space was skipped since the container being read began.
	spaced bool
}

func (r *jsonReader) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: %s", r.i, fmt.Sprintf(format, args...))
}

func (r *jsonReader) space() {
	if r.i >= len(r.text) || !isSpace[r.text[r.i]] {
		return // mostly: there is none
	}
	i := r.i + 1
	for i < len(r.text) && isSpace[r.text[i]] {
		i++
	}
	r.spaced = true
	r.i = i
}

var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// container reads an object or an array, marking it spaced if it has space between its tokens.
func (r *jsonReader) container(at, depth int) error {
	outer := r.spaced
	r.spaced = false
	var err error
	if r.nodes[at].kind == '{' {
		err = r.object(at, depth)
	} else {
		err = r.array(at, depth)
	}
	if r.spaced {
		r.nodes[at].flags |= spaced
	}
	r.spaced = outer || r.spaced
	return err
}

// value reads one value into the tape.
func (r *jsonReader) value(depth int) error {
	if depth > maxJSONDepth {
		return r.errorf("nested deeper than %d", maxJSONDepth)
	}
	if r.i >= len(r.text) {
		return r.errorf("unexpected end")
	}
	start, c := r.i, r.text[r.i]
	if c == '{' || c == '[' {
		at := len(r.nodes)
		r.nodes = append(r.nodes, jsonNode{start: int32(start), size: 1, kind: c})
		err := r.container(at, depth)
		r.nodes[at].end = int32(r.i)
		return err
	}
	// A scalar is read first and written to the tape whole.
	var flags byte
	switch {
	case c == '"':
		escaped, err := r.str()
		if err != nil {
			return err
		}
		if escaped {
			flags = escapedValue
		}
	case c == '-' || '0' <= c && c <= '9':
		c = '0'
		whole, err := r.number()
		if err != nil {
			return err
		}
		if whole {
			flags = integral
		}
	case r.literal("true"), r.literal("false"), r.literal("null"):
	default:
		return r.errorf("unexpected %q", c)
	}
	r.nodes = append(r.nodes, jsonNode{start: int32(start), end: int32(r.i), size: 1, kind: c, flags: flags})
	return nil
}

func (r *jsonReader) literal(word string) bool {
	if strings.HasPrefix(r.text[r.i:], word) {
		r.i += len(word)
		return true
	}
	return false
}

func (r *jsonReader) object(at, depth int) error {
	r.i++ // {
	r.space()
	if r.i < len(r.text) && r.text[r.i] == '}' {
		r.i++
		return nil
	}
	for {
		r.space()
		if r.i >= len(r.text) || r.text[r.i] != '"' {
			return r.errorf("want a member name")
		}
		name := r.i
		escaped, err := r.str()
		if err != nil {
			return err
		}
		nameEnd := r.i
		r.space()
		if r.i >= len(r.text) || r.text[r.i] != ':' {
			return r.errorf("want ':' after a member name")
		}
		r.i++
		r.space()
		member := len(r.nodes)
		if err := r.value(depth + 1); err != nil {
			return err
		}
		n := &r.nodes[member]
		n.name, n.nameEnd = int32(name), int32(nameEnd)
		if escaped {
			n.flags |= escapedName
		}
		r.nodes[at].count++
		if done, err := r.next('}'); done || err != nil {
			r.nodes[at].size = int32(len(r.nodes) - at)
			return err
		}
	}
}

func (r *jsonReader) array(at, depth int) error {
	r.i++ // [
	r.space()
	if r.i < len(r.text) && r.text[r.i] == ']' {
		r.i++
		return nil
	}
	for {
		r.space()
		if err := r.value(depth + 1); err != nil {
			return err
		}
		r.nodes[at].count++
		if done, err := r.next(']'); done || err != nil {
			r.nodes[at].size = int32(len(r.nodes) - at)
			return err
		}
	}
}

// next reads the ',' before another member or element, or the closing bracket.
func (r *jsonReader) next(closing byte) (done bool, err error) {
	r.space()
	switch {
	case r.i >= len(r.text):
		return false, r.errorf("unexpected end")
	case r.text[r.i] == ',':
		r.i++
		return false, nil
	case r.text[r.i] == closing:
		r.i++
		return true, nil
	}
	return false, r.errorf("want ',' or %q", closing)
}

// plain marks the bytes a string holds as they are: not '"', '\\', control characters or non-ASCII.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str checks a string; escaped tells that its text needs decoding (it has escapes or invalid UTF-8).
func (r *jsonReader) str() (escaped bool, err error) {
	start := r.i + 1 // after the "
	ascii := true
	i := start
	text := r.text // a local: the loop below reads it from a register, not through r
	for {
		for i < len(text) && plain[text[i]] {
			i++
		}
		if i >= len(r.text) {
			r.i = i
			return false, r.errorf("unterminated string")
		}
		switch c := r.text[i]; {
		case c == '"':
			r.i = i + 1
			return escaped || !ascii && !utf8.ValidString(r.text[start:i]), nil
		case c == '\\':
			escaped = true
			if i+1 >= len(r.text) {
				r.i = i
				return false, r.errorf("unterminated string")
			}
			switch r.text[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if !isHex4(r.text[i+2:]) {
					r.i = i
					return false, r.errorf("invalid \\u escape")
				}
				i += 6
			default:
				r.i = i
				return false, r.errorf("invalid escape \\%c", r.text[i+1])
			}
		case c < 0x20:
			r.i = i
			return false, r.errorf("control character in a string")
		default: // non-ASCII: checked once the string is read
			ascii = false
			i++
		}
	}
}

func isHex4(s string) bool {
	if len(s) < 4 {
		return false
	}
	for _, c := range []byte(s[:4]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// number checks a JSON number; whole tells it has neither fraction nor exponent.
func (r *jsonReader) number() (whole bool, err error) {
	if r.text[r.i] == '-' {
		r.i++
	}
	whole = true
	switch {
	case r.i < len(r.text) && r.text[r.i] == '0':
		r.i++
	case r.digits() == 0:
		return false, r.errorf("invalid number")
	}
	if r.i < len(r.text) && r.text[r.i] == '.' {
		r.i++
		whole = false
		if r.digits() == 0 {
			return false, r.errorf("invalid number")
		}
	}
	if r.i < len(r.text) && (r.text[r.i] == 'e' || r.text[r.i] == 'E') {
		r.i++
		whole = false
		if r.i < len(r.text) && (r.text[r.i] == '+' || r.text[r.i] == '-') {
			r.i++
		}
		if r.digits() == 0 {
			return false, r.errorf("invalid number")
		}
	}
	return whole, nil
}

func (r *jsonReader) digits() int {
	i := r.i
	for i < len(r.text) && '0' <= r.text[i] && r.text[i] <= '9' {
		i++
	}
	n := i - r.i
	r.i = i
	return n
}

// decode is the template value of node i.
func (d *jsonDoc) decode(i int) (any, error) {
	n := &d.nodes[i]
	if n.kind != '{' && n.kind != '[' {
		return d.scalar(n)
	}
	var maps, lists, members, elements, escaped, strs, nums int
	for _, c := range d.nodes[i : i+int(n.size)] {
		switch c.kind {
		case '{':
			maps++
			members += int(c.count)
		case '[':
			lists++
			elements += int(c.count)
		case '"':
			strs++
			if c.flags&escapedValue != 0 {
				escaped += int(c.end - c.start)
			}
		case '0':
			nums++
		}
		if c.flags&escapedName != 0 {
			escaped += int(c.nameEnd - c.name)
		}
	}
	b := &decoder{jsonDoc: d, maps: make([]vtl.Map, maps), lists: make([]vtl.List, lists),
		keys: make([]string, members), vals: make([]any, members+elements), strs: make([]string, strs),
		nums: make([]number, nums)}
	b.decoded.Grow(escaped)
	return b.value(i)
}

// A decoder decodes a container and what it holds, taking its maps, lists and their slots from slabs.
type decoder struct {
	*jsonDoc
	maps  []vtl.Map
	lists []vtl.List
	keys  []string
	vals  []any
	// strs and nums hold the strings and numbers decoded, which vals box in place (see boxed).
	strs []string
	nums []number
	// scratch is where a string is unquoted before it is checked.
	scratch []byte
	// decoded holds the text of the strings with escapes, one after the other: each is a slice of it (a
	// Builder never changes what it has written, so a slice taken stays valid as it grows).
	decoded strings.Builder
}

// text is a string token's text: a slice of the document's, or decoded into the decoder's buffer.
func (b *decoder) text(tok string, escaped bool) string {
	if !escaped {
		return tok[1 : len(tok)-1]
	}
	start := b.decoded.Len()
	b.scratch = jsonscan.AppendUnquoted(b.scratch[:0], tok)
	if utf8.Valid(b.scratch) {
		b.decoded.Write(b.scratch)
	} else {
		writeValidUTF8(&b.decoded, b.scratch)
	}
	return b.decoded.String()[start:]
}

func (b *decoder) value(i int) (any, error) {
	n := &b.nodes[i]
	switch n.kind {
	case '"':
		s := &b.strs[0]
		b.strs = b.strs[1:]
		*s = b.text(b.jsonDoc.text[n.start:n.end], n.flags&escapedValue != 0)
		return boxed(s), nil
	case '0':
		v := &b.nums[0]
		b.nums = b.nums[1:]
		var err error
		if *v, err = b.number(n); err != nil {
			return nil, err
		}
		if v.integral {
			return boxed(&v.int), nil
		}
		return boxed(&v.float), nil
	case 't', 'f', 'n':
		return b.scalar(n)
	}
	// Each container's slices have no room beyond their length: a map or list that grows copies itself out of
	// the slab instead of writing over its neighbour.
	count := int(n.count)
	vals := b.vals[:count:count]
	b.vals = b.vals[count:]
	var keys []string
	if n.kind == '{' {
		keys = b.keys[:count:count]
		b.keys = b.keys[count:]
	}
	child := i + 1
	for k := range count {
		v, err := b.value(child)
		if err != nil {
			return nil, err
		}
		vals[k] = v
		if c := &b.nodes[child]; keys != nil {
			keys[k] = b.text(b.jsonDoc.text[c.name:c.nameEnd], c.flags&escapedName != 0)
		}
		child += int(b.nodes[child].size)
	}
	if n.kind == '[' {
		l := &b.lists[0]
		b.lists = b.lists[1:]
		l.Items = vals
		return l, nil
	}
	m := &b.maps[0]
	b.maps = b.maps[1:]
	m.Init(keys, vals)
	return m, nil
}

// scalar decodes a string, number or literal.
func (d *jsonDoc) scalar(n *jsonNode) (any, error) {
	text := d.text[n.start:n.end]
	switch n.kind {
	case '"':
		return d.str(text, n.flags&escapedValue != 0), nil
	case 't':
		return true, nil
	case 'f':
		return false, nil
	case 'n':
		return nil, nil
	}
	v, err := d.number(n)
	switch {
	case err != nil:
		return nil, err
	case v.integral:
		return v.int, nil
	}
	return v.float, nil
}

// number is a JSON number read as a template reads it: an integer (Java's Long) when it is one and fits, else
// a Double.
type number struct {
	int      int64
	float    float64
	integral bool
}

func (d *jsonDoc) number(n *jsonNode) (number, error) {
	text := d.text[n.start:n.end]
	if n.flags&integral != 0 {
		if len(text) <= 18 { // no overflow: read here, faster than strconv
			var v int64
			for _, c := range []byte(strings.TrimPrefix(text, "-")) {
				v = v*10 + int64(c-'0')
			}
			if text[0] == '-' {
				v = -v
			}
			return number{int: v, integral: true}, nil
		}
		if v, err := strconv.ParseInt(text, 10, 64); err == nil {
			return number{int: v, integral: true}, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return number{}, fmt.Errorf("invalid JSON at offset %d: invalid number %s", n.start, text)
	}
	if math.IsInf(f, 0) {
		return number{}, fmt.Errorf("invalid JSON at offset %d: number %s out of range", n.start, text)
	}
	return number{float: f}, nil
}

// boxed is *p as an interface value that points at *p instead of at a copy of its own. Converting a string or
// a number to an interface allocates the copy, and a decoded body has hundreds of them: the decoder keeps them in
// one slab and boxes each where it lies. *p must never change after.
func boxed[T string | int64 | float64](p *T) any {
	var zero T
	v := any(zero) // the zero value boxes without an allocation, with T's type
	(*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1] = unsafe.Pointer(p)
	return v
}

// name is a member's name.
func (d *jsonDoc) name(n *jsonNode) string {
	return d.str(d.text[n.name:n.nameEnd], n.flags&escapedName != 0)
}

// str is the text of a string token: a slice of the document's text unless it must be decoded.
func (d *jsonDoc) str(tok string, escaped bool) string {
	if !escaped {
		return tok[1 : len(tok)-1]
	}
	text := jsonscan.AppendUnquoted(nil, tok)
	if utf8.Valid(text) {
		return string(text)
	}
	var sb strings.Builder
	writeValidUTF8(&sb, text)
	return sb.String()
}

// writeValidUTF8 writes b with each invalid byte replaced by U+FFFD, as encoding/json reads it.
func writeValidUTF8(sb *strings.Builder, b []byte) {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		sb.WriteRune(r) // RuneError for an invalid byte, of size 1
		b = b[size:]
	}
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
