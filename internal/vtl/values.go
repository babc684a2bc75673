package vtl

import (
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
type Map struct {
	keys   []string
	values map[string]any
}

// NewMap returns an empty map.
func NewMap() *Map { return &Map{values: map[string]any{}} }

// Get is the value of key, and whether the map has it.
func (m *Map) Get(key string) (any, bool) {
	v, ok := m.values[key]
	return v, ok
}

// Put sets key, keeping its place if the map had it, and returns the previous value.
func (m *Map) Put(key string, v any) any {
	old, had := m.values[key]
	if !had {
		m.keys = append(m.keys, key)
	}
	m.values[key] = v
	return old
}

// Remove deletes key and returns its value.
func (m *Map) Remove(key string) any {
	old, had := m.values[key]
	if had {
		delete(m.values, key)
		for i, k := range m.keys {
			if k == key {
				m.keys = append(m.keys[:i:i], m.keys[i+1:]...)
				break
			}
		}
	}
	return old
}

// Keys are the map's keys in insertion order.
func (m *Map) Keys() []string { return m.keys }

// Len is how many entries the map has.
func (m *Map) Len() int { return len(m.keys) }

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
		b.WriteString(javaDouble(v))
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
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k)
			b.WriteByte('=')
			writeValue(b, v.values[k])
		}
		b.WriteByte('}')
	case interface{ String() string }:
		b.WriteString(v.String())
	}
}

// javaDouble writes a float64 as Java's Double.toString does for the values templates meet: 1.0, 0.5, 1.0E10.
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); a != 0 && (a < 1e-3 || a >= 1e7) {
		s := strconv.FormatFloat(f, 'E', -1, 64)
		mant, exp, _ := strings.Cut(s, "E")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		exp = strings.TrimPrefix(exp, "+")
		return mant + "E" + exp
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
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
