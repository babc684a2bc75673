package vtl

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// MaxTemplate is API Gateway's limit on a mapping template's size.
const MaxTemplate = 300 * 1024

// maxDepth bounds how deeply directives and expressions nest, so that no template can exhaust the stack.
const maxDepth = 100

// SyntaxError says where a template cannot be parsed.
type SyntaxError struct {
	Pos
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// Template is a parsed template, safe to render from many goroutines at once.
type Template struct {
	nodes []node
	// macros are the template's #macros by name, known from the start wherever the template defines them.
	macros map[string]*macroNode
	// names are the template's variables by slot: a rendering keeps their values in a slice, and reads a
	// variable it has not set from the caller's only once. foreachSlot and countSlot are $foreach's and
	// $velocityCount's, or -1.
	names                  []string
	foreachSlot, countSlot int
	// lastOutput is the length of the last rendering's output: the next one starts with room for as much.
	lastOutput atomic.Int64
}

// Parse parses a template.
func Parse(src string) (*Template, error) {
	if len(src) > MaxTemplate {
		return nil, &SyntaxError{Pos{1, 1}, fmt.Sprintf("the template is %d bytes, over API Gateway's %d", len(src), MaxTemplate)}
	}
	p := &parser{src: src, line: 1, col: 1, slots: map[string]int{}}
	nodes, end, err := p.block(0)
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, p.errorf("#%s without a matching #if or #foreach", end)
	}
	t := &Template{nodes: nodes, macros: map[string]*macroNode{}, names: make([]string, len(p.slots))}
	for name, slot := range p.slots {
		t.names[slot] = name
	}
	t.foreachSlot, t.countSlot = slotOf(p.slots, "foreach"), slotOf(p.slots, "velocityCount")
	collectMacros(nodes, t.macros)
	return t, nil
}

type parser struct {
	src       string
	i         int
	line, col int
	// slots numbers the template's variables in the order they appear (a string's parser shares its
	// template's).
	slots map[string]int
}

// slot is the number of the variable called name.
func (p *parser) slot(name string) int {
	n, ok := p.slots[name]
	if !ok {
		n = len(p.slots)
		p.slots[name] = n
	}
	return n
}

func slotOf(slots map[string]int, name string) int {
	if n, ok := slots[name]; ok {
		return n
	}
	return -1
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Pos{p.line, p.col}, fmt.Sprintf(format, args...)}
}

func (p *parser) here() Pos { return Pos{p.line, p.col} }

func (p *parser) eof() bool { return p.i >= len(p.src) }

func (p *parser) peek(s string) bool { return strings.HasPrefix(p.src[p.i:], s) }

// advance moves n bytes on, keeping line and column.
func (p *parser) advance(n int) {
	for ; n > 0 && p.i < len(p.src); n-- {
		if p.src[p.i] == '\n' {
			p.line, p.col = p.line+1, 1
		} else {
			p.col++
		}
		p.i++
	}
}

// backslashes counts the run of backslashes at the parser's position.
func (p *parser) backslashes() int {
	k := 0
	for p.i+k < len(p.src) && p.src[p.i+k] == '\\' {
		k++
	}
	return k
}

// escapesReference tells whether the run of backslashes at the parser's position stands before a $.
func (p *parser) escapesReference() bool {
	j := p.i + p.backslashes()
	return j < len(p.src) && p.src[j] == '$'
}

// block parses nodes until #end, #else, #elseif or the end of input; it returns which of those ended it ("" for
// the end of input).
func (p *parser) block(depth int) ([]node, string, error) {
	if depth > maxDepth {
		return nil, "", p.errorf("directives nest deeper than %d", maxDepth)
	}
	var nodes []node
	var buf strings.Builder
	start := p.here()
	flush := func() {
		if buf.Len() > 0 {
			nodes = append(nodes, &text{start, buf.String()})
			buf.Reset()
		}
	}
	for !p.eof() {
		c := p.src[p.i]
		switch {
		case c == '\\' && p.escapesReference():
			// Backslashes before a reference escape it, as Velocity's do: what they render depends on the
			// reference's value (escapedRef).
			at, k := p.here(), p.backslashes()
			p.advance(k)
			r, ok, err := p.reference(depth)
			if err != nil {
				return nil, "", err
			}
			if !ok {
				buf.WriteString(strings.Repeat(`\`, k))
				continue
			}
			flush()
			nodes = append(nodes, &escapedRef{at, k, r})
			start = p.here()
		case c == '\\' && p.i+1 < len(p.src) && p.src[p.i+1] == '#':
			// An escaped # is literal text.
			p.advance(1)
			buf.WriteByte(p.src[p.i])
			p.advance(1)
		case c == '$':
			r, ok, err := p.reference(depth)
			if err != nil {
				return nil, "", err
			}
			if !ok {
				buf.WriteByte('$')
				p.advance(1)
				continue
			}
			flush()
			nodes = append(nodes, r)
			start = p.here()
		case c == '#':
			n, end, handled, err := p.directive(depth, &buf)
			if err != nil {
				return nil, "", err
			}
			if end != "" {
				flush()
				return nodes, end, nil
			}
			if !handled {
				buf.WriteByte('#')
				p.advance(1)
				continue
			}
			if n != nil {
				flush()
				nodes = append(nodes, n)
			}
			start = p.here()
		default:
			if buf.Len() == 0 {
				start = p.here()
			}
			buf.WriteByte(c)
			p.advance(1)
		}
	}
	flush()
	return nodes, "", nil
}

// lineStart tells whether only blanks precede position i on its line; lineEnd gives where the line's end is
// after i if only blanks follow, for Velocity's gobbling of lines that hold a directive alone.
func (p *parser) lineStart(i int) bool {
	for j := i - 1; j >= 0 && p.src[j] != '\n'; j-- {
		if p.src[j] != ' ' && p.src[j] != '\t' {
			return false
		}
	}
	return true
}

func (p *parser) lineEnd() (int, bool) {
	j := p.i
	for j < len(p.src) && (p.src[j] == ' ' || p.src[j] == '\t' || p.src[j] == '\r') {
		j++
	}
	if j == len(p.src) {
		return j, true
	}
	if p.src[j] == '\n' {
		return j + 1, true
	}
	return 0, false
}

// gobble drops the blanks a directive alone on its line leaves: those before it (already in buf) and the rest
// of the line after it.
func (p *parser) gobble(alone bool, buf *strings.Builder) {
	if !alone {
		return
	}
	end, ok := p.lineEnd()
	if !ok {
		return
	}
	s := buf.String()
	trimmed := strings.TrimRight(s, " \t")
	buf.Reset()
	buf.WriteString(trimmed)
	p.advance(end - p.i)
}

var directiveNames = []string{"set", "if", "elseif", "else", "end", "foreach", "break", "stop", "define", "macro"}

// directive parses what starts with #: a comment, unparsed content, or a directive. handled is false for a #
// that is text.
func (p *parser) directive(depth int, buf *strings.Builder) (node, string, bool, error) {
	start := p.here()
	switch {
	case p.peek("##"):
		for !p.eof() && p.src[p.i] != '\n' {
			p.advance(1)
		}
		p.advance(1)
		return nil, "", true, nil
	case p.peek("#*"):
		end := strings.Index(p.src[p.i+2:], "*#")
		if end < 0 {
			return nil, "", false, p.errorf("#* comment without its *#")
		}
		p.advance(end + 4)
		return nil, "", true, nil
	case p.peek("#[["):
		end := strings.Index(p.src[p.i+3:], "]]#")
		if end < 0 {
			return nil, "", false, p.errorf("#[[ without its ]]#")
		}
		content := p.src[p.i+3 : p.i+3+end]
		p.advance(end + 6)
		return &text{start, content}, "", true, nil
	}
	alone := p.lineStart(p.i)
	rest := p.src[p.i+1:]
	braced := strings.HasPrefix(rest, "{")
	if braced {
		rest = rest[1:]
	}
	name := ""
	for _, d := range directiveNames {
		if strings.HasPrefix(rest, d) && (len(rest) == len(d) || !isIdent(rest[len(d)])) {
			if len(d) > len(name) {
				name = d
			}
		}
	}
	if name == "" && !braced && len(rest) > 0 && isIdentStart(rest[0]) {
		return p.macroCall(start, depth)
	}
	if name == "" || (braced && !strings.HasPrefix(rest[len(name):], "}")) {
		return nil, "", false, nil
	}
	n := 1 + len(name)
	if braced {
		n += 2
	}
	p.advance(n)
	switch name {
	case "end", "else":
		p.gobble(alone, buf)
		return nil, name, true, nil
	case "elseif":
		return nil, "elseif", true, nil
	case "break":
		p.gobble(alone, buf)
		return &breakNode{start}, "", true, nil
	case "stop":
		p.gobble(alone, buf)
		return &stopNode{start}, "", true, nil
	case "set":
		if err := p.open(); err != nil {
			return nil, "", false, err
		}
		p.blanks()
		r, ok, err := p.reference(depth)
		if err != nil {
			return nil, "", false, err
		}
		if !ok {
			return nil, "", false, p.errorf("#set needs a reference to set, as #set($name = ...)")
		}
		p.blanks()
		if !p.peek("=") {
			return nil, "", false, p.errorf("#set needs = after %s", r.raw)
		}
		p.advance(1)
		value, err := p.expression(depth)
		if err != nil {
			return nil, "", false, err
		}
		if err := p.close(); err != nil {
			return nil, "", false, err
		}
		p.gobble(alone, buf)
		return &setNode{start, r, value}, "", true, nil
	case "if":
		n, err := p.ifDirective(start, depth, alone, buf)
		return n, "", true, err
	case "foreach":
		n, err := p.foreachDirective(start, depth, alone, buf)
		return n, "", true, err
	case "define":
		n, err := p.defineDirective(start, depth, alone, buf)
		return n, "", true, err
	case "macro":
		n, err := p.macroDirective(start, depth, alone, buf)
		return n, "", true, err
	}
	return nil, "", false, nil
}

func (p *parser) defineDirective(start Pos, depth int, alone bool, buf *strings.Builder) (node, error) {
	if err := p.open(); err != nil {
		return nil, err
	}
	r, err := p.variable(depth, "#define needs a variable, as #define($block)")
	if err != nil {
		return nil, err
	}
	if err := p.close(); err != nil {
		return nil, err
	}
	body, err := p.bodyToEnd(start, depth, alone, buf, "#define")
	if err != nil {
		return nil, err
	}
	return &defineNode{start, r.slot, body}, nil
}

func (p *parser) macroDirective(start Pos, depth int, alone bool, buf *strings.Builder) (node, error) {
	if err := p.open(); err != nil {
		return nil, err
	}
	p.blanks()
	name := p.ident()
	if name == "" {
		return nil, p.errorf("#macro needs a name, as #macro(name $param)")
	}
	var params []int
	err := p.items(func() error {
		r, err := p.variable(depth, "a macro's parameters are variables, as $param")
		if err == nil {
			params = append(params, r.slot)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	body, err := p.bodyToEnd(start, depth, alone, buf, "#macro")
	if err != nil {
		return nil, err
	}
	return &macroNode{start, name, params, body}, nil
}

// macroCall parses #name(args...), arguments separated by blanks or commas; a # followed by a name and no ( is
// text.
func (p *parser) macroCall(start Pos, depth int) (node, string, bool, error) {
	from := p.i
	save := *p
	p.advance(1)
	name := p.ident()
	if !p.peek("(") {
		*p = save
		return nil, "", false, nil
	}
	p.advance(1)
	var args []expr
	err := p.items(func() error {
		e, err := p.primary(depth + 1)
		if err == nil {
			args = append(args, e)
		}
		return err
	})
	if err != nil {
		// Not a macro's arguments: text such as #a(b), as Velocity leaves what is no directive.
		*p = save
		return nil, "", false, nil
	}
	return &macroCall{start, name, args, p.src[from:p.i]}, "", true, nil
}

// items reads the items of a directive's list, separated by blanks or commas, up to the ) that closes it.
func (p *parser) items(item func() error) error {
	for {
		p.blanks()
		switch {
		case p.peek(","):
			p.advance(1)
		case p.peek(")"):
			p.advance(1)
			return nil
		default:
			if err := item(); err != nil {
				return err
			}
		}
	}
}

func (p *parser) ifDirective(start Pos, depth int, alone bool, buf *strings.Builder) (node, error) {
	n := &ifNode{Pos: start}
	cond, err := p.condition(depth)
	if err != nil {
		return nil, err
	}
	p.gobble(alone, buf)
	for {
		body, end, err := p.block(depth + 1)
		if err != nil {
			return nil, err
		}
		n.conds, n.bodies = append(n.conds, cond), append(n.bodies, body)
		switch end {
		case "end":
			return n, nil
		case "else":
			if cond == nil {
				return nil, p.errorf("a second #else in one #if")
			}
			cond = nil
		case "elseif":
			if cond == nil {
				return nil, p.errorf("#elseif after #else")
			}
			if cond, err = p.condition(depth); err != nil {
				return nil, err
			}
		default:
			return nil, &SyntaxError{start, "#if without its #end"}
		}
	}
}

func (p *parser) condition(depth int) (expr, error) {
	if err := p.open(); err != nil {
		return nil, err
	}
	cond, err := p.expression(depth)
	if err != nil {
		return nil, err
	}
	return cond, p.close()
}

func (p *parser) foreachDirective(start Pos, depth int, alone bool, buf *strings.Builder) (node, error) {
	if err := p.open(); err != nil {
		return nil, err
	}
	r, err := p.variable(depth, "#foreach needs a variable, as #foreach($item in $list)")
	if err != nil {
		return nil, err
	}
	p.blanks()
	if !p.peek("in") {
		return nil, p.errorf("#foreach needs in after %s", r.raw)
	}
	p.advance(2)
	over, err := p.expression(depth)
	if err != nil {
		return nil, err
	}
	if err := p.close(); err != nil {
		return nil, err
	}
	body, err := p.bodyToEnd(start, depth, alone, buf, "#foreach")
	if err != nil {
		return nil, err
	}
	return &foreachNode{start, r.slot, over, body}, nil
}

// variable reads a plain $name, no properties or calls, as #foreach, #define and #macro bind; usage is the error
// when something else stands there.
func (p *parser) variable(depth int, usage string) (*ref, error) {
	p.blanks()
	r, ok, err := p.reference(depth)
	if err != nil {
		return nil, err
	}
	if !ok || len(r.chain) > 0 {
		return nil, p.errorf("%s", usage)
	}
	return r, nil
}

// bodyToEnd reads the body of a directive that only #end closes: an #else or #elseif, or the end of the
// template, before it is an error naming the directive.
func (p *parser) bodyToEnd(start Pos, depth int, alone bool, buf *strings.Builder, directive string) ([]node, error) {
	p.gobble(alone, buf)
	body, end, err := p.block(depth + 1)
	if err != nil {
		return nil, err
	}
	if end != "end" {
		return nil, &SyntaxError{start, directive + " without its #end"}
	}
	return body, nil
}

func (p *parser) open() error {
	p.blanks()
	if !p.peek("(") {
		return p.errorf("( expected")
	}
	p.advance(1)
	return nil
}

func (p *parser) close() error {
	p.blanks()
	if !p.peek(")") {
		return p.errorf(") expected")
	}
	p.advance(1)
	return nil
}

func (p *parser) blanks() {
	for !p.eof() && strings.IndexByte(" \t\r\n", p.src[p.i]) >= 0 {
		p.advance(1)
	}
}

func isIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isIdent(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' || c == '-' }

// ident reads a Velocity identifier: a letter or _, then letters, digits, _ and -.
func (p *parser) ident() string {
	j := p.i
	if j >= len(p.src) || !isIdentStart(p.src[j]) {
		return ""
	}
	for j < len(p.src) && (isIdent(p.src[j]) && !(p.src[j] == '-' && (j+1 >= len(p.src) || !isIdent(p.src[j+1])))) {
		j++
	}
	s := p.src[p.i:j]
	p.advance(j - p.i)
	return s
}

// reference parses $a, $!a, ${a}, $!{a} and their chains; ok is false (nothing consumed) for a $ that starts
// none.
func (p *parser) reference(depth int) (*ref, bool, error) {
	start, from := p.here(), p.i
	j := p.i + 1
	quiet := j < len(p.src) && p.src[j] == '!'
	if quiet {
		j++
	}
	braced := j < len(p.src) && p.src[j] == '{'
	if braced {
		j++
	}
	if j >= len(p.src) || !isIdentStart(p.src[j]) {
		return nil, false, nil
	}
	p.advance(j - p.i)
	r := &ref{Pos: start, quiet: quiet, name: p.ident()}
	r.slot = p.slot(r.name)
	for !p.eof() {
		switch {
		case p.peek(".") && p.i+1 < len(p.src) && isIdentStart(p.src[p.i+1]):
			p.advance(1)
			a := accessor{name: p.ident()}
			if p.peek("(") {
				p.advance(1)
				args, err := p.arguments(depth, ")")
				if err != nil {
					return nil, false, err
				}
				a.call, a.args = true, args
			}
			r.chain = append(r.chain, a)
			continue
		case p.peek("["):
			p.advance(1)
			index, err := p.expression(depth + 1)
			if err != nil {
				return nil, false, err
			}
			p.blanks()
			if !p.peek("]") {
				return nil, false, p.errorf("] expected")
			}
			p.advance(1)
			r.chain = append(r.chain, accessor{index: index, isItem: true})
			continue
		}
		break
	}
	if braced {
		if !p.peek("}") {
			return nil, false, p.errorf("} expected to close ${%s", r.name)
		}
		p.advance(1)
	}
	r.raw = p.src[from:p.i]
	return r, true, nil
}

// arguments parses a comma-separated list of expressions up to close.
func (p *parser) arguments(depth int, close string) ([]expr, error) {
	var args []expr
	p.blanks()
	if p.peek(close) {
		p.advance(len(close))
		return args, nil
	}
	for {
		e, err := p.expression(depth + 1)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
		p.blanks()
		switch {
		case p.peek(","):
			p.advance(1)
		case p.peek(close):
			p.advance(len(close))
			return args, nil
		default:
			return nil, p.errorf("%s or , expected", close)
		}
	}
}

// Operators by precedence, loosest first; each level lists its symbols and word forms.
var precedence = [][]string{
	{"||", "or"},
	{"&&", "and"},
	{"==", "!=", "eq", "ne"},
	{"<=", ">=", "<", ">", "le", "ge", "lt", "gt"},
	{"+", "-"},
	{"*", "/", "%"},
}

var wordOps = map[string]string{"or": "||", "and": "&&", "eq": "==", "ne": "!=", "le": "<=", "ge": ">=", "lt": "<", "gt": ">", "not": "!"}

func (p *parser) expression(depth int) (expr, error) {
	if depth > maxDepth {
		return nil, p.errorf("expressions nest deeper than %d", maxDepth)
	}
	return p.binaryLevel(depth, 0)
}

func (p *parser) binaryLevel(depth, level int) (expr, error) {
	if level == len(precedence) {
		return p.unaryExpr(depth)
	}
	l, err := p.binaryLevel(depth, level+1)
	if err != nil {
		return nil, err
	}
	for {
		p.blanks()
		op, n := p.operator(precedence[level])
		if op == "" {
			return l, nil
		}
		pos := p.here()
		p.advance(n)
		r, err := p.binaryLevel(depth, level+1)
		if err != nil {
			return nil, err
		}
		l = &binary{pos, op, l, r}
	}
}

// operator finds one of ops at the cursor: a symbol, or a word not followed by an identifier character.
func (p *parser) operator(ops []string) (string, int) {
	for _, op := range ops {
		if !p.peek(op) {
			continue
		}
		if isIdentStart(op[0]) {
			if end := p.i + len(op); end < len(p.src) && isIdent(p.src[end]) {
				continue
			}
			return wordOps[op], len(op)
		}
		// "=" alone is assignment, not ==; "!" alone is not; ".." is a range.
		return op, len(op)
	}
	return "", 0
}

func (p *parser) unaryExpr(depth int) (expr, error) {
	p.blanks()
	pos := p.here()
	switch {
	case p.peek("!") && !p.peek("!="):
		p.advance(1)
		x, err := p.unaryExpr(depth + 1)
		return &unary{pos, "!", x}, err
	case p.peek("not") && (p.i+3 >= len(p.src) || !isIdent(p.src[p.i+3])):
		p.advance(3)
		x, err := p.unaryExpr(depth + 1)
		return &unary{pos, "!", x}, err
	case p.peek("-") && p.i+1 < len(p.src) && !isDigit(p.src[p.i+1]):
		p.advance(1)
		x, err := p.unaryExpr(depth + 1)
		return &unary{pos, "-", x}, err
	}
	return p.primary(depth)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func (p *parser) primary(depth int) (expr, error) {
	p.blanks()
	pos := p.here()
	if p.eof() {
		return nil, p.errorf("an expression expected")
	}
	c := p.src[p.i]
	switch {
	case c == '(':
		p.advance(1)
		e, err := p.expression(depth + 1)
		if err != nil {
			return nil, err
		}
		return e, p.close()
	case c == '$':
		r, ok, err := p.reference(depth)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, p.errorf("a reference expected after $")
		}
		return refExpr{r}, nil
	case c == '\'':
		end := strings.IndexByte(p.src[p.i+1:], '\'')
		if end < 0 {
			return nil, p.errorf("string without its closing '")
		}
		s := p.src[p.i+1 : p.i+1+end]
		p.advance(end + 2)
		return &literal{pos, s}, nil
	case c == '"':
		return p.interpolated(pos, depth)
	case c == '[':
		p.advance(1)
		p.blanks()
		if p.peek("]") {
			p.advance(1)
			return &listExpr{Pos: pos}, nil
		}
		first, err := p.expression(depth + 1)
		if err != nil {
			return nil, err
		}
		p.blanks()
		if p.peek("..") {
			p.advance(2)
			to, err := p.expression(depth + 1)
			if err != nil {
				return nil, err
			}
			p.blanks()
			if !p.peek("]") {
				return nil, p.errorf("] expected to close the range")
			}
			p.advance(1)
			return &rangeExpr{pos, first, to}, nil
		}
		items := []expr{first}
		for {
			p.blanks()
			switch {
			case p.peek(","):
				p.advance(1)
				item, err := p.expression(depth + 1)
				if err != nil {
					return nil, err
				}
				items = append(items, item)
				continue
			case p.peek("]"):
				p.advance(1)
				return &listExpr{pos, items}, nil
			}
			return nil, p.errorf("] or , expected")
		}
	case c == '{':
		p.advance(1)
		m := &mapExpr{Pos: pos}
		p.blanks()
		if p.peek("}") {
			p.advance(1)
			return m, nil
		}
		for {
			k, err := p.expression(depth + 1)
			if err != nil {
				return nil, err
			}
			p.blanks()
			if !p.peek(":") {
				return nil, p.errorf(": expected in a map")
			}
			p.advance(1)
			v, err := p.expression(depth + 1)
			if err != nil {
				return nil, err
			}
			m.keys, m.values = append(m.keys, k), append(m.values, v)
			p.blanks()
			switch {
			case p.peek(","):
				p.advance(1)
				continue
			case p.peek("}"):
				p.advance(1)
				return m, nil
			}
			return nil, p.errorf("} or , expected")
		}
	case isDigit(c) || (c == '-' && p.i+1 < len(p.src) && isDigit(p.src[p.i+1])):
		return p.number(pos)
	}
	switch word := p.ident(); word {
	case "true":
		return &literal{pos, true}, nil
	case "false":
		return &literal{pos, false}, nil
	case "null":
		return &literal{pos, nil}, nil
	case "":
		return nil, p.errorf("an expression expected, not %q", string(c))
	default:
		return nil, &SyntaxError{pos, fmt.Sprintf("unknown word %q in an expression", word)}
	}
}

func (p *parser) number(pos Pos) (expr, error) {
	j := p.i
	if p.src[j] == '-' {
		j++
	}
	for j < len(p.src) && isDigit(p.src[j]) {
		j++
	}
	isFloat := j+1 < len(p.src) && p.src[j] == '.' && isDigit(p.src[j+1])
	if isFloat {
		j++
		for j < len(p.src) && isDigit(p.src[j]) {
			j++
		}
	}
	s := p.src[p.i:j]
	p.advance(j - p.i)
	if isFloat {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, &SyntaxError{pos, "invalid number " + s}
		}
		return &literal{pos, f}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, &SyntaxError{pos, "invalid number " + s}
	}
	return &literal{pos, n}, nil
}

// interpolated parses a double-quoted string: its references and directives are rendered when it is evaluated.
func (p *parser) interpolated(pos Pos, depth int) (expr, error) {
	j := p.i + 1
	for j < len(p.src) && p.src[j] != '"' {
		if p.src[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(p.src) {
		return nil, p.errorf(`string without its closing "`)
	}
	inner := &parser{src: p.src[p.i+1 : j], line: p.line, col: p.col + 1, slots: p.slots}
	nodes, end, err := inner.block(depth + 1)
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, inner.errorf("#%s inside a string", end)
	}
	p.advance(j + 1 - p.i)
	return &interpolated{pos, nodes}, nil
}
