package vtl

import (
	"encoding/json"
	"strings"
	"testing"
)

func vars(t *testing.T, doc string) map[string]any {
	t.Helper()
	if doc == "" {
		return nil
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for k, x := range v {
		out[k] = FromJSON(x)
	}
	return out
}

// TestRender is the engine's conformance table: each row's expectation is Velocity 1.7's (User Guide and
// Reference) or, where API Gateway differs, API Gateway's, as its source says.
func TestRender(t *testing.T) {
	tests := []struct {
		name, source, template, vars, want string
	}{
		{"text", "guide", "plain text, no markup", "", "plain text, no markup"},
		{"references", "guide", "$a ${a} $!a $!{a}-x", `{"a": "v"}`, "v v v v-x"},
		{"undefined references render empty", "API Gateway: mapping template reference", "[$nope][$!nope][${nope.x}]", "", "[][][]"},
		{"a $ that starts no reference", "guide", "cost: $5 and $ alone", "", "cost: $5 and $ alone"},
		{"escaped $ and #", "guide", `\$a \#if`, `{"a": "v"}`, "$a #if"},
		{"Velocity's escapes: a defined reference", "Velocity user guide: Escaping Valid VTL References", `\$a|\\$a|\\\$a`, `{"a": "v"}`, `$a|\v|\$a`},
		{"Velocity's escapes: an undefined reference stays as written", "Velocity user guide: Escaping Valid VTL References", `\$nope|\\$nope`, "", `\$nope|\\$nope`},
		{"a backslash before no reference is text", "Velocity user guide", `a\b \$ \$1`, "", `a\b \$ \$1`},
		{"properties, indexes and methods", "guide", "$m.k $m['k'] $l[1] $l.size() $m.k.length()", `{"m": {"k": "abc"}, "l": [1, 2]}`, "abc abc 2 2 3"},
		{"a dot that is text", "guide", "$a. $a.)", `{"a": "v"}`, "v. v.)"},
		{"#set and arithmetic", "guide: integer division", "#set($x = 7)#set($y = $x / 2)$y $x%3 #set($z = $x * 1.5)$z", "", "3 7%3 10.5"},
		{"string concatenation", "guide", `#set($s = "a" + 1 + 2)$s`, "", "a12"},
		{"interpolation in double quotes only", "guide", `#set($n = "x")#set($a = "v=$n")#set($b = 'v=$n')$a $b`, "", "v=x v=$n"},
		{"#if, #elseif, #else", "guide", "#if($n > 2)big#elseif($n == 2)two#{else}small#end", `{"n": 2}`, "two"},
		{"word operators", "guide", "#if($a eq 1 and not $b)yes#end", `{"a": 1, "b": false}`, "yes"},
		{"null and false are false, the rest true", "guide", "#if($nope)1#end#if($z)2#end#if($e)3#end", `{"z": 0, "e": ""}`, "23"},
		{"#set of null leaves the reference", "reference: #set", `#set($a = "x")#set($a = $nope)$a`, "", "x"},
		{"Integer.parseInt reached through an Integer", "Java: Integer.parseInt, Integer.valueOf, Double.parseDouble", `#set($Integer = 0)#set($n = $Integer.parseInt("41"))$n.intValue() #set($x = $n + 1)$x $Integer.valueOf(" 7 ") #set($Double = 0.0)$Double.parseDouble("2.5") $x.doubleValue()`, "", "41 42 7 2.5 42.0"},
		{"#foreach with $foreach", "reference: #foreach", "#foreach($i in $l)$foreach.count:$i#if($foreach.hasNext),#end#end", `{"l": ["a", "b", "c"]}`, "1:a,2:b,3:c"},
		{"$foreach's getters, as methods and properties", "reference: #foreach", "#foreach($i in $l)$foreach.index$foreach.first()$foreach.last#if($foreach.hasNext());#end#end", `{"l": ["a", "b"]}`, "0truefalse;1falsetrue"},
		{"#foreach over a range, $velocityCount, #break", "reference", "#foreach($i in [1..5])#if($i == 4)#break#end$velocityCount#end", "", "123"},
		{"#foreach over a map's values", "reference", "#foreach($v in $m)$v#end", `{"m": {"a": 1, "b": 2}}`, "12"},
		{"the loop variable is restored", "reference", `#set($i = "before")#foreach($i in [1..2])#end$i`, "", "before"},
		{"#stop", "reference", "a#stop b", "", "a"},
		{"comments and unparsed content", "guide", "a## gone\nb#* gone\ntoo *#c#[[ $not #if ]]#", "", "abc $not #if "},
		{"a line with only a directive leaves nothing", "Velocity's line gobbling", "{\n  #set($a = 1)\n  \"a\": $a\n}", "", "{\n  \"a\": 1\n}"},
		{"lists and maps render as Java's", "API Gateway: $input.path of a map renders {a=b}", `#set($m = {"a": 1, "b": [1, "x"]})$m $m.b`, "", "{a=1, b=[1, x]} [1, x]"},
		{"doubles render as Java's", "Java Double.toString", "#set($x = 2.0)$x #set($y = 0.1 + 0.2)$y", "", "2.0 0.30000000000000004"},
		{"large and small doubles render in Java's E notation", "Java Double.toString", "#set($a = 10000000.0)$a #set($b = 0.00015)$b #set($c = $a * $a * 1.5)$c #set($d = -0.0001)$d", "", "1.0E7 1.5E-4 1.5E14 -1.0E-4"},
		{"list and map methods", "Java", `#set($l = [])#set($ok = $l.add("a"))$l.size() $l.contains("a") #set($m = {})#set($old = $m.put("k", "v"))$m.containsKey("k") $m.keySet()`, "", "1 true true [k]"},
		{"#set into a map", "guide", `#set($m = {})#set($m.k = "v")#set($m['j'] = 2)$m`, "", "{k=v, j=2}"},
		{"string methods", "Java", `$s.toUpperCase() $s.substring(1, 3) $s.indexOf("l") $s.replace("l", "L") $s.replaceAll("l+", "_$0_") $s.matches("h.*o") $s.split("l")`, `{"s": "hello"}`, "HELLO el 2 heLLo he_ll_o true [he, , o]"},
		{"equality across kinds", "guide: == compares toString of different classes", `#if(1 == 1.0)a#end#if("1" == 1)b#end#if($nope == $nope2)c#end`, "", "abc"},
		{"division by zero is null", "guide", "#set($x = 1 / 0)[$!x]", "", "[]"},
		{"#macro, called before and after its definition", "reference: #macro", "#greet('Ann')#macro(greet $who)Hello, $who!#end #greet(\"Bo\")", "", "Hello, Ann! Hello, Bo!"},
		{"macro parameters bound for the call only", "reference: #macro", "#macro(swap $a $b)$b$a#end#set($a = 'x')#swap($a, 'y')$a", "", "yxx"},
		{"#define renders where referenced", "reference: #define", "#define($greeting)Hi $name#end#set($name = 'Ann')$greeting", "", "Hi Ann"},
		{"a # call of no macro is text", "guide", "#fff #nomacro(1) #a(b c", "", "#fff #nomacro(1) #a(b c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse(tt.template)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			got, err := tpl.Render(vars(t, tt.vars), DefaultLimits)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			if got != tt.want {
				t.Errorf("%s\n got %q\nwant %q (%s)", tt.template, got, tt.want, tt.source)
			}
		})
	}
}

func TestSyntaxErrors(t *testing.T) {
	tests := []struct{ template, want string }{
		{"#if($a)x", "line 1, column 1: #if without its #end"},
		{"x\n#end", "#end without a matching"},
		{"#foreach($i $l)#end", "#foreach needs in"},
		{"#set($a 1)", "#set needs ="},
		{"${a", "} expected"},
		{"#if($a == )x#end", "an expression expected"},
		{"#set($a = \"x)", `string without its closing "`},
		{"#* open", "#* comment without its *#"},
		{strings.Repeat("#if(true)", 200), "nest deeper"},
		{"#macro(m $a)x", "#macro without its #end"},
		{"#define($a.b)x#end", "#define needs a variable"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.template)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tt.template, err, tt.want)
		}
	}
}

func TestLimits(t *testing.T) {
	tests := []struct{ name, template, want string }{
		{"#foreach over 1,000 items", "#foreach($i in $big)x#end", "#foreach runs more than 1000 times"},
		{"a number that is none", "#set($Integer = 0)$Integer.parseInt('4x')", `NumberFormatException: For input string: "4x"`},
		{"a range over the limit", "#foreach($i in [1..5000])#end", "more than 1000 elements"},
		{"a macro calling itself", "#macro(again)#again()#end#again()", "macros and blocks call each other deeper than 100"},
		{"output", "#foreach($i in [1..1000])#foreach($j in [1..1000])xxxxxxxxxxxxxxx#end#end", "the output exceeds"},
	}
	big := &List{}
	for i := 0; i < 1001; i++ {
		big.Items = append(big.Items, int64(i))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse(tt.template)
			if err != nil {
				t.Fatal(err)
			}
			_, err = tpl.Render(map[string]any{"big": big}, DefaultLimits)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

// FuzzParseRender: any template parses or fails with a SyntaxError, and renders within the limits or fails with
// a RenderError; never a panic or a hang.
func FuzzParseRender(f *testing.F) {
	for _, s := range []string{"#macro(m $p)[$p]#end#m($a.b)#define($d)$d#end$d", "$a.b[0].c($x, 'y')", "#foreach($i in [1..3])#if($i > 1)$i#end#end", "#set($m = {\"a\": [1, 2.5]})$m", "#[[x]]#", "\\$a ${a"} {
		f.Add(s)
	}
	small := Limits{Steps: 100_000, Output: 1 << 16, Iterations: 1000}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse(src)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error %T", err)
			}
			return
		}
		_, err = tpl.Render(map[string]any{"a": FromJSON(map[string]any{"b": []any{"x"}}), "x": int64(2)}, small)
		if _, ok := err.(*RenderError); err != nil && !ok {
			t.Fatalf("error %T: %v", err, err)
		}
	})
}

func BenchmarkRenderForeach(b *testing.B) {
	items := make([]any, 100)
	for i := range items {
		items[i] = map[string]any{"id": float64(i), "name": "item"}
	}
	v := map[string]any{"items": FromJSON(items)}
	tpl, err := Parse(`[#foreach($i in $items){"id": $i.id, "name": "$i.name"}#if($foreach.hasNext),#end#end]`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(v, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}
