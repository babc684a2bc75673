package apigw

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tollgate-gw/tollgate/internal/vtl"
)

// step is one step of a JSONPath: a member, an index, every element (*), or a recursive descent to a member.
type step struct {
	member    string
	index     int
	kind      int // stepMember, stepIndex, stepAll
	recursive bool
}

const (
	stepMember = iota
	stepIndex
	stepAll
)

// paths caches parsed JSONPaths: a template's are a few constant strings, parsed once rather than per call.
var (
	paths     sync.Map // string -> []step
	pathCount atomic.Int32
)

// maxCachedPaths bounds the cache against paths built from request data.
const maxCachedPaths = 4096

func cachedPath(path string) ([]step, error) {
	if steps, ok := paths.Load(path); ok {
		return steps.([]step), nil
	}
	steps, err := parsePath(path)
	if err == nil && pathCount.Load() < maxCachedPaths {
		if _, loaded := paths.LoadOrStore(path, steps); !loaded {
			pathCount.Add(1)
		}
	}
	return steps, err
}

// parsePath reads the JSONPath subset mapping templates use: $, .name, ['name'], [n], [*], .* and ..name.
func parsePath(path string) ([]step, error) {
	path = strings.TrimSpace(path)
	if !strings.HasPrefix(path, "$") {
		return nil, fmt.Errorf("JSONPath %q must start with $", path)
	}
	var steps []step
	for i := 1; i < len(path); {
		switch {
		case strings.HasPrefix(path[i:], ".."):
			i += 2
			name, n := readName(path[i:])
			if name == "" {
				return nil, fmt.Errorf("JSONPath %q: a name must follow a double dot", path)
			}
			steps = append(steps, step{member: name, recursive: true})
			i += n
		case path[i] == '.':
			i++
			if i < len(path) && path[i] == '*' {
				steps = append(steps, step{kind: stepAll})
				i++
				continue
			}
			name, n := readName(path[i:])
			if name == "" {
				return nil, fmt.Errorf("JSONPath %q: a name must follow a dot", path)
			}
			steps = append(steps, step{member: name})
			i += n
		case path[i] == '[':
			end := strings.IndexByte(path[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("JSONPath %q: [ without its ]", path)
			}
			inner := strings.TrimSpace(path[i+1 : i+end])
			i += end + 1
			switch {
			case inner == "*":
				steps = append(steps, step{kind: stepAll})
			case len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0]:
				steps = append(steps, step{member: inner[1 : len(inner)-1]})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil {
					return nil, fmt.Errorf("JSONPath %q: [%s] is neither an index, a quoted name nor *", path, inner)
				}
				steps = append(steps, step{kind: stepIndex, index: n})
			}
		default:
			return nil, fmt.Errorf("JSONPath %q: unexpected %q", path, path[i:i+1])
		}
	}
	return steps, nil
}

func readName(s string) (string, int) {
	n := 0
	for n < len(s) && s[n] != '.' && s[n] != '[' {
		n++
	}
	return s[:n], n
}

// selectPath evaluates steps over v; many is true when a step can select several values (*, ..), whose results
// are then a list.
func selectPath(v any, steps []step) (result any, many bool) {
	current := []any{v}
	for _, s := range steps {
		var next []any
		for _, c := range current {
			next = append(next, apply(c, s)...)
		}
		current = next
		many = many || s.kind == stepAll || s.recursive
	}
	if many {
		return &vtl.List{Items: current}, true
	}
	if len(current) == 0 {
		return nil, false
	}
	return current[0], false
}

func apply(v any, s step) []any {
	if s.recursive {
		var out []any
		var walk func(any)
		walk = func(x any) {
			switch x := x.(type) {
			case *vtl.Map:
				if m, ok := x.Get(s.member); ok {
					out = append(out, m)
				}
				for _, k := range x.Keys() {
					c, _ := x.Get(k)
					walk(c)
				}
			case *vtl.List:
				for _, c := range x.Items {
					walk(c)
				}
			}
		}
		walk(v)
		return out
	}
	switch s.kind {
	case stepMember:
		if m, ok := v.(*vtl.Map); ok {
			if x, ok := m.Get(s.member); ok {
				return []any{x}
			}
		}
	case stepIndex:
		if l, ok := v.(*vtl.List); ok {
			i := s.index
			if i < 0 {
				i += len(l.Items)
			}
			if i >= 0 && i < len(l.Items) {
				return []any{l.Items[i]}
			}
		}
	case stepAll:
		switch x := v.(type) {
		case *vtl.List:
			return x.Items
		case *vtl.Map:
			out := make([]any, 0, x.Len())
			for _, k := range x.Keys() {
				c, _ := x.Get(k)
				out = append(out, c)
			}
			return out
		}
	}
	return nil
}
