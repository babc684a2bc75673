package vtl

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Object is a value of the caller's with methods and properties of its own, as API Gateway's $input and $util
// are: the engine calls them for $v.name(args) and $v.name. args is the engine's, lent for the call: Call may
// keep its values, not the slice.
type Object interface {
	Call(name string, args []any) (any, error)
	Property(name string) any
}

// call is $v.name(args): the Java methods templates call on strings, lists and maps, or an Object's own.
func call(v any, name string, args []any) (any, error) {
	// The engine's own types first: they are told by a comparison, an interface by a lookup.
	switch v := v.(type) {
	case string:
		return stringMethod(v, name, args)
	case *List:
		return listMethod(v, name, args)
	case *Map:
		return mapMethod(v, name, args)
	case int64, float64:
		if out, ok, err := numberMethod(v, name, args); ok {
			return out, err
		}
	case Object:
		return v.Call(name, args)
	}
	switch name {
	case "toString":
		return String(v), nil
	case "equals":
		if len(args) == 1 {
			return equal(v, args[0]), nil
		}
	}
	return nil, fmt.Errorf("no method %s(%d arguments) on %s", name, len(args), typeName(v))
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case *List:
		return "a list"
	case *Map:
		return "a map"
	}
	return fmt.Sprintf("%T", v)
}

func stringArg(args []any, i int) string { return String(args[i]) }

func stringMethod(s, name string, args []any) (any, error) {
	n := len(args)
	switch {
	case name == "length" && n == 0:
		return int64(len([]rune(s))), nil
	case name == "isEmpty" && n == 0:
		return s == "", nil
	case name == "toString" && n == 0:
		return s, nil
	case name == "trim" && n == 0:
		return strings.TrimSpace(s), nil
	case name == "toLowerCase" && n == 0:
		return strings.ToLower(s), nil
	case name == "toUpperCase" && n == 0:
		return strings.ToUpper(s), nil
	case name == "contains" && n == 1:
		return strings.Contains(s, stringArg(args, 0)), nil
	case name == "startsWith" && n == 1:
		return strings.HasPrefix(s, stringArg(args, 0)), nil
	case name == "endsWith" && n == 1:
		return strings.HasSuffix(s, stringArg(args, 0)), nil
	case name == "equals" && n == 1:
		return args[0] != nil && s == String(args[0]), nil
	case name == "equalsIgnoreCase" && n == 1:
		return args[0] != nil && strings.EqualFold(s, String(args[0])), nil
	case name == "indexOf" && n == 1:
		return runeIndex(s, strings.Index(s, stringArg(args, 0))), nil
	case name == "lastIndexOf" && n == 1:
		return runeIndex(s, strings.LastIndex(s, stringArg(args, 0))), nil
	case name == "concat" && n == 1:
		return s + stringArg(args, 0), nil
	case name == "replace" && n == 2:
		return strings.ReplaceAll(s, stringArg(args, 0), stringArg(args, 1)), nil
	case name == "substring" && (n == 1 || n == 2):
		return substring(s, args)
	case name == "charAt" && n == 1:
		runes := []rune(s)
		i, ok := toInt(args[0])
		if !ok || i < 0 || int(i) >= len(runes) {
			return nil, fmt.Errorf("charAt(%v) out of range for a string of %d characters", args[0], len(runes))
		}
		return string(runes[i]), nil
	case name == "matches" && n == 1:
		re, err := compileJavaRegex("^(?:" + stringArg(args, 0) + ")$")
		if err != nil {
			return nil, err
		}
		return re.MatchString(s), nil
	case name == "replaceAll" && n == 2, name == "replaceFirst" && n == 2:
		re, err := compileJavaRegex(stringArg(args, 0))
		if err != nil {
			return nil, err
		}
		repl := javaReplacement(stringArg(args, 1))
		if name == "replaceAll" {
			return re.ReplaceAllString(s, repl), nil
		}
		if loc := re.FindStringSubmatchIndex(s); loc != nil {
			return s[:loc[0]] + string(re.ExpandString(nil, repl, s, loc)) + s[loc[1]:], nil
		}
		return s, nil
	case name == "split" && n == 1:
		re, err := compileJavaRegex(stringArg(args, 0))
		if err != nil {
			return nil, err
		}
		parts := re.Split(s, -1)
		// Java drops trailing empty strings.
		for len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		l := &List{Items: make([]any, len(parts))}
		for i, p := range parts {
			l.Items[i] = p
		}
		return l, nil
	}
	return nil, fmt.Errorf("no method %s(%d arguments) on a string", name, n)
}

// runeIndex turns a byte index into Java's character index.
func runeIndex(s string, i int) int64 {
	if i < 0 {
		return -1
	}
	return int64(len([]rune(s[:i])))
}

func substring(s string, args []any) (any, error) {
	runes := []rune(s)
	begin, ok := toInt(args[0])
	end := int64(len(runes))
	if len(args) == 2 {
		var ok2 bool
		end, ok2 = toInt(args[1])
		ok = ok && ok2
	}
	if !ok || begin < 0 || end > int64(len(runes)) || begin > end {
		return nil, fmt.Errorf("substring%v out of range for a string of %d characters", args, len(runes))
	}
	return string(runes[begin:end]), nil
}

// compileJavaRegex compiles a Java regular expression with Go's RE2, which reads the common syntax alike;
// backreferences and lookaround, which RE2 lacks, are an error.
func compileJavaRegex(expr string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %v", expr, err)
	}
	return re, nil
}

// javaReplacement turns Java's $1 group references into Go's ${1}, and \$ into a literal $.
func javaReplacement(repl string) string {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '\\' && i+1 < len(repl):
			i++
			if repl[i] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(repl[i])
			}
		case c == '$':
			j := i + 1
			for j < len(repl) && isDigit(repl[j]) {
				j++
			}
			if j == i+1 {
				b.WriteString("$$")
				continue
			}
			b.WriteString("${" + repl[i+1:j] + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func listMethod(l *List, name string, args []any) (any, error) {
	n := len(args)
	switch {
	case name == "size" && n == 0:
		return int64(len(l.Items)), nil
	case name == "isEmpty" && n == 0:
		return len(l.Items) == 0, nil
	case name == "toString" && n == 0:
		return String(l), nil
	case name == "add" && n == 1:
		l.Items = append(l.Items, args[0])
		return true, nil
	case name == "get" && n == 1:
		i, ok := toInt(args[0])
		if !ok || i < 0 || int(i) >= len(l.Items) {
			return nil, fmt.Errorf("get(%v) out of range for a list of %d", args[0], len(l.Items))
		}
		return l.Items[i], nil
	case name == "set" && n == 2:
		i, ok := toInt(args[0])
		if !ok || i < 0 || int(i) >= len(l.Items) {
			return nil, fmt.Errorf("set(%v) out of range for a list of %d", args[0], len(l.Items))
		}
		old := l.Items[i]
		l.Items[i] = args[1]
		return old, nil
	case name == "contains" && n == 1:
		return indexOf(l, args[0]) >= 0, nil
	case name == "indexOf" && n == 1:
		return int64(indexOf(l, args[0])), nil
	case name == "remove" && n == 1:
		if i, ok := args[0].(int64); ok {
			if i < 0 || int(i) >= len(l.Items) {
				return nil, fmt.Errorf("remove(%d) out of range for a list of %d", i, len(l.Items))
			}
			old := l.Items[i]
			l.Items = append(l.Items[:i:i], l.Items[i+1:]...)
			return old, nil
		}
		if i := indexOf(l, args[0]); i >= 0 {
			l.Items = append(l.Items[:i:i], l.Items[i+1:]...)
			return true, nil
		}
		return false, nil
	case name == "equals" && n == 1:
		return equal(l, args[0]), nil
	}
	return nil, wrongMethod(name, n, "a list")
}

func indexOf(l *List, v any) int {
	for i, item := range l.Items {
		if equal(item, v) {
			return i
		}
	}
	return -1
}

func mapMethod(m *Map, name string, args []any) (any, error) {
	m.load()
	n := len(args)
	switch {
	case name == "size" && n == 0:
		return int64(m.Len()), nil
	case name == "isEmpty" && n == 0:
		return m.Len() == 0, nil
	case name == "toString" && n == 0:
		return String(m), nil
	case name == "get" && n == 1:
		v, _ := m.Get(String(args[0]))
		return v, nil
	case name == "put" && n == 2:
		return m.Put(String(args[0]), args[1]), nil
	case name == "remove" && n == 1:
		return m.Remove(String(args[0])), nil
	case name == "containsKey" && n == 1:
		_, ok := m.Get(String(args[0]))
		return ok, nil
	case name == "containsValue" && n == 1:
		for _, v := range m.vals {
			if equal(v, args[0]) {
				return true, nil
			}
		}
		return false, nil
	case name == "keySet" && n == 0:
		l := &List{Items: make([]any, len(m.keys))}
		for i, k := range m.keys {
			l.Items[i] = k
		}
		return l, nil
	case name == "values" && n == 0:
		return &List{Items: slices.Clone(m.vals)}, nil
	case name == "entrySet" && n == 0:
		l := &List{Items: make([]any, len(m.keys))}
		for i, k := range m.keys {
			e := NewMap()
			e.Put("key", k)
			e.Put("value", m.vals[i])
			l.Items[i] = e
		}
		return l, nil
	}
	return nil, wrongMethod(name, n, "a map")
}

func wrongMethod(name string, n int, of string) error {
	return fmt.Errorf("no method %s(%d arguments) on %s", name, n, of)
}

// toInt reads an integer argument: an integer, or a whole number.
func toInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		if v == float64(int64(v)) {
			return int64(v), true
		}
	case string:
		if i, err := strconv.ParseInt(v, 10, 64); err == nil {
			return i, true
		}
	}
	return 0, false
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

// equal is Velocity's ==: numbers by value, null only to null, values of one kind by value, others by their
// string forms.
func equal(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if x, ok := toFloat(a); ok {
		if y, ok := toFloat(b); ok {
			return x == y
		}
	}
	return String(a) == String(b)
}

// compare is Velocity's ordering: numbers by value, strings lexicographically; anything else is false.
func compare(op string, a, b any) bool {
	var c int
	if x, ok := toFloat(a); ok {
		y, ok := toFloat(b)
		if !ok {
			return false
		}
		c = cmpFloat(x, y)
	} else if x, ok := a.(string); ok {
		y, ok := b.(string)
		if !ok {
			return false
		}
		c = strings.Compare(x, y)
	} else {
		return false
	}
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// arithmetic is Velocity's + - * / %: + of a string concatenates; integers stay integers (integer division);
// with a decimal the result is decimal; a null or a division by zero is null.
func arithmetic(op string, a, b any) any {
	if op == "+" {
		_, as := a.(string)
		_, bs := b.(string)
		if as || bs {
			return String(a) + String(b)
		}
	}
	x, xi := a.(int64)
	y, yi := b.(int64)
	if xi && yi {
		switch op {
		case "+":
			return x + y
		case "-":
			return x - y
		case "*":
			return x * y
		case "/":
			if y == 0 {
				return nil
			}
			return x / y
		case "%":
			if y == 0 {
				return nil
			}
			return x % y
		}
	}
	fx, ok1 := toFloat(a)
	fy, ok2 := toFloat(b)
	if !ok1 || !ok2 {
		return nil
	}
	switch op {
	case "+":
		return fx + fy
	case "-":
		return fx - fy
	case "*":
		return fx * fy
	case "/":
		if fy == 0 {
			return nil
		}
		return fx / fy
	case "%":
		if fy == 0 {
			return nil
		}
		return math.Mod(fx, fy)
	}
	return nil
}

// numberMethod is Java's Integer and Double methods a template calls on a number: the conversions (a static
// method such as Integer.parseInt is callable on any Integer, the way templates reach it: #set($Integer = 0)
// then $Integer.parseInt($s)) and the value getters. A string that is no number fails, as Java throws.
func numberMethod(v any, name string, args []any) (any, bool, error) {
	_, isInt := v.(int64)
	switch {
	case (name == "parseInt" || name == "parseLong" || (name == "valueOf" && isInt)) && len(args) == 1:
		n, err := strconv.ParseInt(strings.TrimSpace(String(args[0])), 10, 64)
		if err != nil || (name == "parseInt" && (n > math.MaxInt32 || n < math.MinInt32)) {
			return nil, true, fmt.Errorf("NumberFormatException: For input string: %q", String(args[0]))
		}
		return n, true, nil
	case (name == "parseDouble" || (name == "valueOf" && !isInt)) && len(args) == 1:
		f, err := strconv.ParseFloat(strings.TrimSpace(String(args[0])), 64)
		if err != nil {
			return nil, true, fmt.Errorf("NumberFormatException: For input string: %q", String(args[0]))
		}
		return f, true, nil
	case (name == "intValue" || name == "longValue") && len(args) == 0:
		if f, isFloat := v.(float64); isFloat {
			return int64(f), true, nil
		}
		return v, true, nil
	case name == "doubleValue" && len(args) == 0:
		if n, isInt := v.(int64); isInt {
			return float64(n), true, nil
		}
		return v, true, nil
	}
	return nil, false, nil
}
