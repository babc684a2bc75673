package vtl

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Limits bound one rendering, so that no template and no input can make it run away.
type Limits struct {
	// Steps bounds the nodes and expressions evaluated; Output the bytes written.
	Steps, Output int
	// Iterations bounds each #foreach, as API Gateway does (1,000).
	Iterations int
}

// DefaultLimits are API Gateway's #foreach limit, its 10 MB payload for the output, and a step budget no
// mapping template within the 300 KB limit needs to come near.
var DefaultLimits = Limits{Steps: 10_000_000, Output: 10 << 20, Iterations: 1000}

// RenderError is a rendering that failed: a limit reached, or a method misused; it says where.
type RenderError struct {
	Pos
	Msg string
}

func (e *RenderError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// Render renders the template against vars (which it never changes: #set writes to the rendering's own scope)
// within limits.
func (t *Template) Render(vars map[string]any, limits Limits) (string, error) {
	r := renderers.Get().(*renderer)
	defer func() {
		*r = renderer{} // nothing of this rendering stays reachable from the pool
		renderers.Put(r)
	}()
	r.globals, r.limits, r.macros, r.template = vars, limits, t.macros, t
	r.out, r.args = &r.output, r.argsRoom[:0]
	if len(t.names) <= len(r.scopeRoom) {
		r.scope = r.scopeRoom[:len(t.names)]
	} else {
		r.scope = make([]variable, len(t.names))
	}
	// The output starts as large as the last one was, rather than growing to it a doubling at a time.
	r.out.Grow(int(t.lastOutput.Load()))
	err := r.nodes(t.nodes)
	if errors.Is(err, errStop) {
		err = nil
	}
	if err != nil {
		return "", err
	}
	t.lastOutput.Store(int64(min(r.out.Len(), 1<<20)))
	return r.out.String(), nil
}

// renderers recycles renderers: one is scratch for a rendering (the output is a string of its own), and memory
// just used is faster to write than new memory.
var renderers = sync.Pool{New: func() any { return new(renderer) }}

// errStop and errBreak unwind #stop and #break.
var (
	errStop  = errors.New("#stop")
	errBreak = errors.New("#break")
)

type renderer struct {
	globals  map[string]any
	template *Template
	// scope holds the template's variables by slot: the rendering's own, and the caller's once read.
	scope  []variable
	macros map[string]*macroNode
	loop   *loopState       // the innermost #foreach running, nil outside any
	calls  int              // macro calls in progress
	out    *strings.Builder // output, or an interpolated string's while one is evaluated
	output strings.Builder
	limits Limits
	steps  int
	// args is a stack of the method calls' arguments being evaluated: each call's are a slice of it.
	args []any
	// scopeRoom and argsRoom are where scope and args start: most templates need no more.
	scopeRoom [8]variable
	argsRoom  [8]any
}

// step counts one step at, which says where only if the step is one too many.
func (r *renderer) step(at interface{ pos() Pos }) error {
	r.steps++
	if r.steps > r.limits.Steps {
		return r.tooManySteps(at)
	}
	return nil
}

// tooManySteps is kept out of step, which is then small enough to be inlined where it is called, everywhere.
func (r *renderer) tooManySteps(at interface{ pos() Pos }) error {
	return &RenderError{at.pos(), fmt.Sprintf("the template takes more than %d steps", r.limits.Steps)}
}

func (r *renderer) write(p Pos, s string) error {
	if r.out.Len()+len(s) > r.limits.Output {
		return r.tooLong(p)
	}
	r.out.WriteString(s)
	return nil
}

func (r *renderer) tooLong(p Pos) error {
	return &RenderError{p, fmt.Sprintf("the output exceeds %d bytes", r.limits.Output)}
}

// writeValue writes v as String renders it, without making the string first.
func (r *renderer) writeValue(p Pos, v any) error {
	if s, ok := v.(string); ok {
		return r.write(p, s)
	}
	writeValue(r.out, v)
	if r.out.Len() > r.limits.Output {
		return r.tooLong(p)
	}
	return nil
}

// A variable is one slot of a rendering's scope.
type variable struct {
	v     any
	state uint8
}

const (
	unread = iota // neither set by the template nor read from the caller's variables yet
	set           // set by the template: #set, #foreach, #define, a macro's parameter
	read          // the caller's value (nil if the caller has none)
)

// setLocal sets a variable in the rendering's own scope.
func (r *renderer) setLocal(slot int, v any) { r.scope[slot] = variable{v, set} }

// local is the value the template set a variable to, if it did.
func (r *renderer) local(slot int) (any, bool) {
	return r.scope[slot].v, r.scope[slot].state == set
}

// restore gives a variable back the value the template had set, or the caller's if it had set none.
func (r *renderer) restore(slot int, v any, had bool) {
	if had {
		r.scope[slot] = variable{v, set}
	} else {
		r.scope[slot] = variable{}
	}
}

func (r *renderer) lookup(slot int) any {
	if r.loop != nil {
		switch slot {
		case r.template.foreachSlot:
			return r.loop
		case r.template.countSlot: // Velocity 1.x's name for $foreach.count
			return int64(r.loop.i + 1)
		}
	}
	if x := &r.scope[slot]; x.state != unread {
		return x.v
	}
	v := r.globals[r.template.names[slot]]
	r.scope[slot] = variable{v, read}
	return v
}

func (r *renderer) nodes(nodes []node) error {
	for _, n := range nodes {
		if err := r.node(n); err != nil {
			return err
		}
	}
	return nil
}

func (r *renderer) node(n node) error {
	if err := r.step(n); err != nil {
		return err
	}
	switch n := n.(type) {
	case *text:
		return r.write(n.Pos, n.s)
	case *ref:
		v, err := r.ref(n)
		if err != nil {
			return err
		}
		if b, ok := v.(*block); ok {
			return r.renderBlock(n.Pos, b.nodes)
		}
		// API Gateway renders an undefined reference as nothing, quiet or not.
		return r.writeValue(n.Pos, v)
	case *escapedRef:
		v, err := r.ref(n.ref)
		if err != nil {
			return err
		}
		half := strings.Repeat(`\`, n.backslashes/2)
		switch {
		case v == nil:
			return r.write(n.Pos, strings.Repeat(`\`, n.backslashes)+n.ref.raw)
		case n.backslashes%2 == 1:
			return r.write(n.Pos, half+n.ref.raw)
		}
		if err := r.write(n.Pos, half); err != nil {
			return err
		}
		if b, ok := v.(*block); ok {
			return r.renderBlock(n.Pos, b.nodes)
		}
		return r.writeValue(n.Pos, v)
	case *defineNode:
		r.setLocal(n.slot, &block{n.body})
		return nil
	case *macroNode:
		return nil
	case *macroCall:
		return r.callMacro(n)
	case *setNode:
		return r.set(n)
	case *ifNode:
		for i, cond := range n.conds {
			ok := true
			if cond != nil {
				v, err := r.expr(cond)
				if err != nil {
					return err
				}
				ok = truthy(v)
			}
			if ok {
				return r.nodes(n.bodies[i])
			}
		}
		return nil
	case *foreachNode:
		return r.foreach(n)
	case *breakNode:
		return errBreak
	case *stopNode:
		return errStop
	}
	return nil
}

func (r *renderer) set(n *setNode) error {
	v, err := r.expr(n.value)
	if err != nil {
		return err
	}
	if v == nil {
		// Velocity leaves the reference as it was when the value is null.
		return nil
	}
	if len(n.target.chain) == 0 {
		r.setLocal(n.target.slot, v)
		return nil
	}
	// #set($map.key = v) and #set($map['key'] = v) put into the map the chain before the last accessor names.
	owner, err := r.walk(n.target, n.target.chain[:len(n.target.chain)-1])
	if err != nil {
		return err
	}
	last := n.target.chain[len(n.target.chain)-1]
	key := last.name
	if last.isItem {
		k, err := r.expr(last.index)
		if err != nil {
			return err
		}
		if l, ok := owner.(*List); ok {
			if i, ok := k.(int64); ok && i >= 0 && int(i) < len(l.Items) {
				l.Items[i] = v
			}
			return nil
		}
		key = String(k)
	}
	if m, ok := owner.(*Map); ok && !last.call {
		m.Put(key, v)
	}
	return nil
}

func (r *renderer) foreach(n *foreachNode) error {
	over, err := r.expr(n.over)
	if err != nil {
		return err
	}
	var items []any
	switch v := over.(type) {
	case *List:
		items = v.Items
	case *Map:
		items = v.Values()
	case nil:
		return nil
	default:
		items = []any{v}
	}
	saved, had := r.local(n.slot)
	// One $foreach for the whole loop, updated each time round, as Velocity's own foreach scope is.
	loop := &loopState{n: len(items), outer: r.loop}
	r.loop = loop
	defer func() {
		r.restore(n.slot, saved, had)
		r.loop = loop.outer
	}()
	for i, item := range items {
		if i >= r.limits.Iterations {
			return &RenderError{n.Pos, fmt.Sprintf("#foreach runs more than %d times", r.limits.Iterations)}
		}
		loop.i = i
		r.setLocal(n.slot, item)
		if err := r.nodes(n.body); err != nil {
			if errors.Is(err, errBreak) {
				return nil
			}
			return err
		}
	}
	return nil
}

// loopState is $foreach: where the loop is, read as Velocity's foreach scope is, by property ($foreach.hasNext)
// or getter ($foreach.hasNext()).
type loopState struct {
	i, n  int
	outer *loopState // the loop this one runs in
}

func (l *loopState) Property(name string) any {
	switch name {
	case "index":
		return int64(l.i)
	case "count":
		return int64(l.i + 1)
	case "hasNext":
		return l.i+1 < l.n
	case "first":
		return l.i == 0
	case "last":
		return l.i+1 == l.n
	}
	return nil
}

func (l *loopState) Call(name string, args []any) (any, error) {
	if v := l.Property(name); v != nil && len(args) == 0 {
		return v, nil
	}
	return nil, fmt.Errorf("no method %s(%d arguments) on $foreach", name, len(args))
}

// block is what #define gives a variable: a body rendered where the variable is referenced.
type block struct{ nodes []node }

func (b *block) String() string { return "" }

func collectMacros(nodes []node, into map[string]*macroNode) {
	for _, n := range nodes {
		switch n := n.(type) {
		case *macroNode:
			into[n.name] = n
		case *ifNode:
			for _, body := range n.bodies {
				collectMacros(body, into)
			}
		case *foreachNode:
			collectMacros(n.body, into)
		}
	}
}

// renderBlock renders a #define's body, bounded like a macro call.
func (r *renderer) renderBlock(p Pos, nodes []node) error {
	if r.calls >= maxDepth {
		return &RenderError{p, fmt.Sprintf("macros and blocks call each other deeper than %d", maxDepth)}
	}
	r.calls++
	defer func() { r.calls-- }()
	return r.nodes(nodes)
}

// callMacro renders a macro with its parameters bound to the arguments' values for the call; a name no macro
// has is text.
func (r *renderer) callMacro(n *macroCall) error {
	m, ok := r.macros[n.name]
	if !ok {
		return r.write(n.Pos, n.raw)
	}
	type saved struct {
		v   any
		had bool
	}
	// Every argument first, in the caller's scope, then the parameters bound.
	args := make([]any, len(m.params))
	for i := range m.params {
		if i < len(n.args) {
			var err error
			if args[i], err = r.expr(n.args[i]); err != nil {
				return err
			}
		}
	}
	previous := make([]saved, len(m.params))
	for i, slot := range m.params {
		v, had := r.local(slot)
		previous[i] = saved{v, had}
		r.setLocal(slot, args[i])
	}
	defer func() {
		for i, slot := range m.params {
			r.restore(slot, previous[i].v, previous[i].had)
		}
	}()
	return r.renderBlock(n.Pos, m.body)
}

func (r *renderer) ref(n *ref) (any, error) { return r.walk(n, n.chain) }

// walk evaluates a reference's root and the accessors of chain; a null along the way is a null.
func (r *renderer) walk(n *ref, chain []accessor) (any, error) {
	v := r.lookup(n.slot)
	for _, a := range chain {
		if err := r.step(n); err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		switch {
		case a.isItem:
			k, err := r.expr(a.index)
			if err != nil {
				return nil, err
			}
			v = item(v, k)
		case a.call:
			// The arguments go on the stack (an argument's own calls push theirs above and pop them before it
			// is done), and the call gets its slice: no allocation per call.
			base := len(r.args)
			for _, e := range a.args {
				x, err := r.expr(e)
				if err != nil {
					r.args = r.args[:base]
					return nil, err
				}
				r.args = append(r.args, x)
			}
			var err error
			v, err = call(v, a.name, r.args[base:len(r.args):len(r.args)])
			clear(r.args[base:])
			r.args = r.args[:base]
			if err != nil {
				return nil, &RenderError{n.Pos, err.Error()}
			}
		default:
			v = property(v, a.name)
		}
	}
	return v, nil
}

// item is v[k]: a list's element, a map's value.
func item(v, k any) any {
	switch v := v.(type) {
	case *List:
		if i, ok := k.(int64); ok && i >= 0 && int(i) < len(v.Items) {
			return v.Items[i]
		}
	case *Map:
		x, _ := v.Get(String(k))
		return x
	}
	return nil
}

// property is $v.name: a map's key, else the getter Velocity would find (isEmpty for .empty, size() not).
func property(v any, name string) any {
	switch v := v.(type) {
	case *Map:
		x, _ := v.Get(name)
		return x
	case *List:
		if name == "empty" {
			return len(v.Items) == 0
		}
	case string:
		if name == "empty" {
			return v == ""
		}
	case Object: // last: the engine's own types are told by a comparison, an interface by a lookup
		return v.Property(name)
	}
	return nil
}

func (r *renderer) expr(e expr) (any, error) {
	if err := r.step(e); err != nil {
		return nil, err
	}
	switch e := e.(type) {
	case *literal:
		return e.v, nil
	case refExpr:
		return r.ref(e.ref)
	case *interpolated:
		saved := r.out
		r.out = &strings.Builder{}
		err := r.nodes(e.parts)
		s := r.out.String()
		r.out = saved
		return s, err
	case *listExpr:
		l := &List{Items: make([]any, len(e.items))}
		for i, x := range e.items {
			var err error
			if l.Items[i], err = r.expr(x); err != nil {
				return nil, err
			}
		}
		return l, nil
	case *rangeExpr:
		return r.rangeList(e)
	case *mapExpr:
		m := NewMap()
		for i := range e.keys {
			k, err := r.expr(e.keys[i])
			if err != nil {
				return nil, err
			}
			v, err := r.expr(e.values[i])
			if err != nil {
				return nil, err
			}
			m.Put(String(k), v)
		}
		return m, nil
	case *unary:
		x, err := r.expr(e.x)
		if err != nil {
			return nil, err
		}
		if e.op == "!" {
			return !truthy(x), nil
		}
		return arithmetic("-", int64(0), x), nil
	case *binary:
		return r.binary(e)
	}
	return nil, nil
}

func (r *renderer) rangeList(e *rangeExpr) (any, error) {
	from, err := r.expr(e.from)
	if err != nil {
		return nil, err
	}
	to, err := r.expr(e.to)
	if err != nil {
		return nil, err
	}
	a, ok1 := toInt(from)
	b, ok2 := toInt(to)
	if !ok1 || !ok2 {
		return nil, nil
	}
	step := int64(1)
	if b < a {
		step = -1
	}
	n := (b-a)*step + 1
	if n > int64(r.limits.Iterations) {
		return nil, &RenderError{e.Pos, fmt.Sprintf("the range [%d..%d] has more than %d elements", a, b, r.limits.Iterations)}
	}
	l := &List{Items: make([]any, 0, n)}
	for i := a; ; i += step {
		l.Items = append(l.Items, i)
		if i == b {
			return l, nil
		}
	}
}

func (r *renderer) binary(e *binary) (any, error) {
	l, err := r.expr(e.l)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "&&":
		if !truthy(l) {
			return false, nil
		}
		x, err := r.expr(e.r)
		return truthy(x), err
	case "||":
		if truthy(l) {
			return true, nil
		}
		x, err := r.expr(e.r)
		return truthy(x), err
	}
	rv, err := r.expr(e.r)
	if err != nil {
		return nil, err
	}
	switch e.op {
	case "==":
		return equal(l, rv), nil
	case "!=":
		return !equal(l, rv), nil
	case "<", "<=", ">", ">=":
		return compare(e.op, l, rv), nil
	}
	return arithmetic(e.op, l, rv), nil
}
