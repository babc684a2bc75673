package vtl

// node is one piece of a template.
type node interface{ pos() Pos }

// Pos is where a node starts in the template, 1-based.
type Pos struct{ Line, Col int }

func (p Pos) pos() Pos { return p }

// text is literal output.
type text struct {
	Pos
	s string
}

// ref is a reference, $a.b[0].c(x): a root variable and the accessors after it. quiet ($!a) renders nothing
// for a null; raw is the reference as written. slot is the variable's place in a rendering's scope (see
// Template.names).
type ref struct {
	Pos
	quiet bool
	name  string
	slot  int
	chain []accessor
	raw   string
}

// escapedRef is a reference behind backslashes. As in Velocity, a reference with a value renders as its source
// text behind half the backslashes when they are odd in number, as its value behind half of them when even; one
// without a value renders as written, backslashes and all.
type escapedRef struct {
	Pos
	backslashes int
	ref         *ref
}

// accessor is .name, .name(args) or [index].
type accessor struct {
	name   string
	call   bool
	args   []expr
	index  expr // for [index]
	isItem bool
}

type setNode struct {
	Pos
	target *ref
	value  expr
}

type ifNode struct {
	Pos
	conds  []expr // one per branch; a nil cond is #else
	bodies [][]node
}

type foreachNode struct {
	Pos
	slot int // the loop variable's
	over expr
	body []node
}

type breakNode struct{ Pos }

type stopNode struct{ Pos }

// expr is an expression of a directive or an argument.
type expr interface{ pos() Pos }

type literal struct {
	Pos
	v any
}

// interpolated is a double-quoted string with references in it, parsed as a template.
type interpolated struct {
	Pos
	parts []node
}

type listExpr struct {
	Pos
	items []expr
}

type rangeExpr struct {
	Pos
	from, to expr
}

type mapExpr struct {
	Pos
	keys, values []expr
}

type refExpr struct {
	*ref
}

type unary struct {
	Pos
	op string
	x  expr
}

type binary struct {
	Pos
	op   string
	l, r expr
}

// defineNode is #define($name) body #end: $name then renders body where it is referenced.
type defineNode struct {
	Pos
	slot int // the variable's
	body []node
}

// macroNode is #macro(name $param...) body #end.
type macroNode struct {
	Pos
	name   string
	params []int // the parameters' slots
	body   []node
}

// macroCall is #name(args): a macro's invocation, or text when no macro has that name.
type macroCall struct {
	Pos
	name string
	args []expr
	raw  string
}
