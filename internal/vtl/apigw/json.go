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
	// Not released: the values live on the tape, and go with it once the template is done with them.
	return doc.decode(0), nil
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
	// slabs hold the values decoded from the document.
	slabs slabs
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
	d.slabs.reset()
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

// number checks a JSON number, and that it is in a Double's range; whole tells it has neither fraction nor
// exponent.
func (r *jsonReader) number() (whole bool, err error) {
	start := r.i
	if whole, err = r.numberSyntax(); err != nil {
		return false, err
	}
	// Only an exponent, or more digits than the largest Double has, can take a number out of range.
	if text := r.text[start:r.i]; len(text) > 308 || !whole && strings.ContainsAny(text, "eE") {
		if f, _ := strconv.ParseFloat(text, 64); math.IsInf(f, 0) {
			r.i = start
			return false, r.errorf("number out of range")
		}
	}
	return whole, nil
}

func (r *jsonReader) numberSyntax() (whole bool, err error) {
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

// decode is the template value of node i. A container's own members or elements are decoded, and so are the
// lists it holds; a map it holds is deferred, decoding its members the first time a template looks at it (see
// vtl.Map.Defer), so that a template that reads a few members of a large body decodes only those. The values
// live in the document's slabs: they are valid until the document is released.
func (d *jsonDoc) decode(i int) any {
	if d.nodes[i].kind == '{' {
		m := &carve(&d.slabs.maps, 1)[0]
		d.fill(m, i)
		return m
	}
	var b decoder
	d.carve(i, &b)
	return b.value(i)
}

// fill decodes the members of the object at node i into m.
func (d *jsonDoc) fill(m *vtl.Map, i int) {
	var b decoder
	d.carve(i, &b)
	b.members(m, i)
}

// carve sets b up to decode the container at node i, with what that takes carved from the slabs: its slots,
// its lists' and theirs, one map for each map they hold (deferred, so not what those hold), its strings and
// numbers.
func (d *jsonDoc) carve(i int, b *decoder) {
	n := &d.nodes[i]
	var maps, lists, vals, strs, nums int
	if n.kind == '{' {
		strs += int(n.count) // the names
	}
	for j, end := i, i+int(n.size); j < end; {
		c := &d.nodes[j]
		switch c.kind {
		case '{':
			if j > i {
				maps++
				j += int(c.size)
				continue
			}
			vals += int(c.count)
		case '[':
			lists++
			vals += int(c.count)
		case '"':
			strs++
		case '0':
			nums++
		}
		j++
	}
	s := &d.slabs
	*b = decoder{jsonDoc: d, maps: carve(&s.maps, maps), lists: carve(&s.lists, lists), vals: carve(&s.vals, vals),
		strs: carve(&s.strs, strs), nums: carve(&s.nums, nums)}
}

// slabs hold the values decoded from a document. They stay with the tape from one document to the next (see
// tapes), so that decoding a body allocates nothing once the pool is warm.
type slabs struct {
	maps  []vtl.Map
	lists []vtl.List
	vals  []any
	strs  []string // member names and string values
	nums  []number
	// decoded holds the text of the strings with escapes, one after the other: each is a string of it.
	decoded []byte
}

// carve is the next n slots of a slab, which grows into a new array once the one it has is full: the values
// carved before keep theirs. The slots have no room beyond them: a map or list that grows copies itself out of
// the slab instead of writing over its neighbour.
func carve[T any](slab *[]T, n int) []T {
	if n == 0 {
		return nil
	}
	if cap(*slab)-len(*slab) < n {
		*slab = make([]T, 0, max(n, 2*cap(*slab)))
	}
	start := len(*slab)
	*slab = (*slab)[:start+n]
	return (*slab)[start : start+n : start+n]
}

// reset empties the slabs for the next document, letting go of what the values held; a slab grown larger than
// maxPooledTape is dropped, so that one huge body does not stay in memory.
func (s *slabs) reset() {
	clear(s.maps)
	clear(s.lists)
	clear(s.vals)
	clear(s.strs)
	s.maps, s.lists, s.vals, s.strs, s.nums = s.maps[:0], s.lists[:0], s.vals[:0], s.strs[:0], s.nums[:0]
	s.decoded = s.decoded[:0]
	if cap(s.vals) > maxPooledTape || cap(s.strs) > maxPooledTape || cap(s.maps) > maxPooledTape ||
		cap(s.lists) > maxPooledTape || cap(s.nums) > maxPooledTape || cap(s.decoded) > 16*maxPooledTape {
		*s = slabs{}
	}
}

// Fill decodes the members of a map the document deferred.
func (d *jsonDoc) Fill(m *vtl.Map, at int) { d.fill(m, at) }

// A decoder decodes a container and what it holds from the slots carved for it.
type decoder struct {
	*jsonDoc
	maps  []vtl.Map
	lists []vtl.List
	vals  []any
	// strs and nums hold the names, strings and numbers decoded, which vals box in place (see boxed).
	strs []string
	nums []number
}

// decodeString is a string token's text: a slice of the document's, or decoded into the slab of decoded text.
func (d *jsonDoc) decodeString(tok string, escaped bool) string {
	if !escaped {
		return tok[1 : len(tok)-1]
	}
	// Decoded text is never longer than the token, but an invalid byte grows into U+FFFD's three.
	return d.slabs.write(3*len(tok), func(dst []byte) []byte { return unquote(dst, tok) })
}

// write is the text that add appends, at most most bytes, written to the slab of decoded text.
func (s *slabs) write(most int, add func([]byte) []byte) string {
	if room := cap(s.decoded) - len(s.decoded); room < most {
		s.decoded = make([]byte, 0, max(most, 2*cap(s.decoded), 512))
	}
	start := len(s.decoded)
	s.decoded = add(s.decoded)
	if len(s.decoded) == start {
		return ""
	}
	return unsafe.String(&s.decoded[start], len(s.decoded)-start) // never written again until reset
}

// box is s as a template value, boxed in a slot of the document's slab of strings.
func (d *jsonDoc) box(s string) any {
	p := &carve(&d.slabs.strs, 1)[0]
	*p = s
	return boxed(p)
}

// value decodes node i, a member or element of the container being decoded.
func (b *decoder) value(i int) any {
	n := &b.nodes[i]
	switch n.kind {
	case '"':
		s := b.str()
		*s = b.decodeString(b.jsonDoc.text[n.start:n.end], n.flags&escapedValue != 0)
		return boxed(s)
	case '0':
		v := &b.nums[0]
		b.nums = b.nums[1:]
		if *v = b.number(n); v.integral {
			return boxed(&v.int)
		}
		return boxed(&v.float)
	case 't':
		return true
	case 'f':
		return false
	case 'n':
		return nil
	case '{':
		m := &b.maps[0]
		b.maps = b.maps[1:]
		m.Defer(b.jsonDoc, i)
		return m
	}
	count := int(n.count)
	l := &b.lists[0]
	b.lists = b.lists[1:]
	l.Items = b.vals[:count:count]
	b.vals = b.vals[count:]
	for k, child := 0, i+1; k < count; k++ {
		l.Items[k] = b.value(child)
		child += int(b.nodes[child].size)
	}
	return l
}

// members decodes the members of the object at node i into m.
func (b *decoder) members(m *vtl.Map, i int) {
	count := int(b.nodes[i].count)
	vals := b.vals[:count:count]
	b.vals = b.vals[count:]
	keys := b.strs[:count:count]
	b.strs = b.strs[count:]
	for k, child := 0, i+1; k < count; k++ {
		vals[k] = b.value(child)
		c := &b.nodes[child]
		keys[k] = b.decodeString(b.jsonDoc.text[c.name:c.nameEnd], c.flags&escapedName != 0)
		child += int(c.size)
	}
	m.Init(keys, vals)
}

// str is the next string slot.
func (b *decoder) str() *string {
	s := &b.strs[0]
	b.strs = b.strs[1:]
	return s
}

// number is a JSON number read as a template reads it: an integer (Java's Long) when it is one and fits, else
// a Double.
type number struct {
	int      int64
	float    float64
	integral bool
}

// number decodes a number the reader has checked, in range too.
func (d *jsonDoc) number(n *jsonNode) number {
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
			return number{int: v, integral: true}
		}
		if v, err := strconv.ParseInt(text, 10, 64); err == nil {
			return number{int: v, integral: true}
		}
	}
	f, _ := strconv.ParseFloat(text, 64) // an underflow reads as 0, or the closest subnormal
	return number{float: f}
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

// str is the text of a string token, as text gives it but in memory of its own: for a name looked up.
func (d *jsonDoc) str(tok string, escaped bool) string {
	if !escaped {
		return tok[1 : len(tok)-1]
	}
	return string(unquote(nil, tok))
}

// unquote appends a string token's text to dst, each invalid UTF-8 byte replaced by U+FFFD, as encoding/json
// reads it.
func unquote(dst []byte, tok string) []byte {
	start := len(dst)
	dst = jsonscan.AppendUnquoted(dst, tok)
	if utf8.Valid(dst[start:]) {
		return dst
	}
	raw := string(dst[start:])
	dst = dst[:start]
	for _, r := range raw { // an invalid byte ranges as RuneError
		dst = utf8.AppendRune(dst, r)
	}
	return dst
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
