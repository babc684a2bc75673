package vtl

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Values in templates are Go values of these types: nil (Velocity's null), string, int64 (Java's Integer and
// Long), float64 (Double), bool, *List, *Map; a caller's other types are its own business (Map and List wrap
// JSON-like data: see FromJSON).

// List is a mutable list ($list.add(x) changes it), as Java's ArrayList.
type List struct{ Items []any }

// Map is a mutable map that keeps its keys in insertion order, as the LinkedHashMap Velocity creates for {}.
// Most maps in templates are small JSON objects: they are searched in order, and indexed only once they grow.
type Map struct {
	keys  []string
	vals  []any
	index map[string]int // nil until the map has more than indexFrom keys
	// filler, until the map is first used, is what fills it (see Defer), with the map's place in it.
	filler Filler
	at     int
}

// A Filler fills maps whose entries are read only once a template uses them: a map of a JSON document whose
// members are decoded on first use, so that a template that reads a few members of a large body decodes only
// those.
type Filler interface {
	// Fill gives m its entries (with Init); at is what Defer was given.
	Fill(m *Map, at int)
}

// Defer makes m a map whose entries f.Fill(m, at) gives the first time anything looks at it.
func (m *Map) Defer(f Filler, at int) { *m = Map{filler: f, at: at} }

// load fills a deferred map.
func (m *Map) load() {
	if f := m.filler; f != nil {
		m.filler = nil
		f.Fill(m, m.at)
	}
}

// indexFrom is the size from which a map is indexed: below it, a search of the keys is faster than a lookup.
const indexFrom = 8

// NewMap returns an empty map.
func NewMap() *Map { return &Map{} }

// MapOf returns a map of keys and values in that order (a repeated key keeps its first place and its last
// value). The map takes both slices.
func MapOf(keys []string, vals []any) *Map {
	m := &Map{}
	m.Init(keys, vals)
	return m
}

// Init makes m the map MapOf(keys, vals) returns, in place: for maps allocated together. m takes both slices,
// and appends to them once it grows, so they must have no room beyond their length that other maps share.
func (m *Map) Init(keys []string, vals []any) {
	*m = Map{keys: keys, vals: vals}
	if len(keys) > indexFrom {
		m.reindex()
		if len(m.index) == len(keys) {
			return
		}
	} else if !repeats(keys) {
		return
	}
	*m = Map{}
	for i, k := range keys {
		m.Put(k, vals[i])
	}
}

func repeats(keys []string) bool {
	for i := range keys {
		for j := range i {
			if keys[i] == keys[j] {
				return true
			}
		}
	}
	return false
}

func (m *Map) find(key string) int {
	m.load()
	if m.index != nil {
		if i, ok := m.index[key]; ok {
			return i
		}
		return -1
	}
	for i, k := range m.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// Get is the value of key, and whether the map has it.
func (m *Map) Get(key string) (any, bool) {
	if i := m.find(key); i >= 0 {
		return m.vals[i], true
	}
	return nil, false
}

// Put sets key, keeping its place if the map had it, and returns the previous value.
func (m *Map) Put(key string, v any) any {
	if i := m.find(key); i >= 0 {
		old := m.vals[i]
		m.vals[i] = v
		return old
	}
	m.keys, m.vals = append(m.keys, key), append(m.vals, v)
	switch {
	case m.index != nil:
		m.index[key] = len(m.keys) - 1
	case len(m.keys) > indexFrom:
		m.reindex()
	}
	return nil
}

func (m *Map) reindex() {
	m.index = make(map[string]int, len(m.keys))
	for i, k := range m.keys {
		m.index[k] = i
	}
}

// Remove deletes key and returns its value.
func (m *Map) Remove(key string) any {
	i := m.find(key)
	if i < 0 {
		return nil
	}
	old := m.vals[i]
	m.keys = append(m.keys[:i:i], m.keys[i+1:]...)
	m.vals = append(m.vals[:i:i], m.vals[i+1:]...)
	if m.index != nil {
		m.reindex()
	}
	return old
}

// Values are the map's values in the order of its keys.
func (m *Map) Values() []any {
	m.load()
	return m.vals
}

// Keys are the map's keys in insertion order.
func (m *Map) Keys() []string {
	m.load()
	return m.keys
}

// Len is how many entries the map has.
func (m *Map) Len() int {
	m.load()
	return len(m.keys)
}

// FromJSON turns what encoding/json decodes into any (map[string]any, []any, float64, string, bool, nil) into
// template values: maps and lists become *Map and *List (keys sorted, as a JSON object has no order once
// decoded), integral numbers int64.
func FromJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := NewMap()
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			m.Put(k, FromJSON(v[k]))
		}
		return m
	case []any:
		l := &List{Items: make([]any, len(v))}
		for i, item := range v {
			l.Items[i] = FromJSON(item)
		}
		return l
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v)
		}
		return v
	}
	return v
}

// Detach is v in memory of its own: strings, numbers, lists and maps copied, deep, so that nothing of it is in
// what a caller lends a rendering (see apigw's Input, whose values live in memory its Release reuses). A caller
// that keeps what a template set beyond the rendering detaches it first. Other values are as they are.
func Detach(v any) any {
	switch v := v.(type) {
	case string:
		return strings.Clone(v)
	case int64:
		return v // boxed anew by the conversion to any
	case float64:
		return v
	case *List:
		l := &List{Items: make([]any, len(v.Items))}
		for i, item := range v.Items {
			l.Items[i] = Detach(item)
		}
		return l
	case *Map:
		keys, vals := v.Keys(), v.Values()
		m := &Map{}
		for i, k := range keys {
			m.Put(strings.Clone(k), Detach(vals[i]))
		}
		return m
	}
	return v
}

// String renders a value as Velocity does, with Java's toString: null as "", numbers as Java writes them
// (1.0 for a whole Double), a list as [a, b], a map as {k=v, k2=v2}.
func String(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case nil:
		return ""
	}
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

func writeValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case nil:
	case string:
		b.WriteString(v)
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		var room [32]byte
		b.Write(appendJavaDouble(room[:0], v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case *List:
		b.WriteByte('[')
		for i, item := range v.Items {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, item)
		}
		b.WriteByte(']')
	case *Map:
		b.WriteByte('{')
		keys, vals := v.Keys(), v.Values()
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			writeValue(b, vals[i])
		}
		b.WriteByte('}')
	case interface{ String() string }:
		b.WriteString(v.String())
	}
}

// appendJavaDouble appends a float64 as Java's Double.toString writes it for the values templates meet: 1.0,
// 0.5, 1.0E10.
func appendJavaDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	start := len(dst)
	if a := math.Abs(f); a != 0 && (a < 1e-3 || a >= 1e7) {
		dst = strconv.AppendFloat(dst, f, 'E', -1, 64)
		e := start + bytes.IndexByte(dst[start:], 'E')
		// Go writes the exponent as E+07, Java as E7: no plus, no leading zero.
		exp := strings.TrimLeft(strings.TrimPrefix(string(dst[e+1:]), "+"), "0")
		negative := strings.HasPrefix(exp, "-")
		if negative {
			exp = strings.TrimLeft(exp[1:], "0")
		}
		dst = dst[:e]
		if bytes.IndexByte(dst[start:], '.') < 0 {
			dst = append(dst, ".0"...)
		}
		dst = append(dst, 'E')
		if negative {
			dst = append(dst, '-')
		}
		return append(dst, exp...)
	}
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	if bytes.IndexByte(dst[start:], '.') < 0 {
		dst = append(dst, ".0"...)
	}
	return dst
}

// truthy is Velocity's condition: false and null are false, everything else is true.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	}
	return true
}
