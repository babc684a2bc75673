package apigw

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/vtl"
)

const petsBody = `{"pets": [{"id": 1, "type": "dog", "price": 249.99}, {"id": 2, "type": "cat", "price": 124.99}], "owner": {"name": "Ann", "age": 31}}`

func render(t *testing.T, template, body string, params Params) string {
	t.Helper()
	tpl, err := vtl.Parse(template)
	if err != nil {
		t.Fatalf("parse %q: %v", template, err)
	}
	input := NewInput(body, params)
	defer input.Release()
	out, err := tpl.Render(map[string]any{"input": input, "util": Util{Input: input}}, vtl.DefaultLimits)
	if err != nil {
		t.Fatalf("render %q: %v", template, err)
	}
	return out
}

func ordered(kv ...string) *vtl.Map {
	m := vtl.NewMap()
	for i := 0; i+1 < len(kv); i += 2 {
		m.Put(kv[i], kv[i+1])
	}
	return m
}

// TestInputAndUtil: $input and $util as the mapping template reference ("$input variables", "$util
// variables") describes them and its examples use them.
func TestInputAndUtil(t *testing.T) {
	params := Params{Path: ordered("petId", "7"), QueryString: ordered("type", "dog", "petId", "q"), Header: ordered("Accept", "application/json")}
	tests := []struct{ name, template, body, want string }{
		{"the body as it came", "$input.body", `{"b": 1, "a": 2}`, `{"b": 1, "a": 2}`},
		{"json of the whole body keeps its order", "$input.json('$')", `{"b": 1, "a": [true, null, 2.5]}`, `{"b":1,"a":[true,null,2.5]}`},
		{"json of a member and an element", "$input.json('$.pets[0]') $input.json('$.owner.name')", petsBody, `{"id":1,"type":"dog","price":249.99} "Ann"`},
		{"path gives objects to call methods on", "$input.path('$.pets').size() $input.path('$.pets')[1].type", petsBody, "2 cat"},
		{"path of a map renders Java's {k=v}, of a list its elements", "$input.path('$.owner') $input.path('$.pets[*].type')", petsBody, "{name=Ann, age=31} [dog, cat]"},
		{"recursive descent", "$input.json('$..type')", petsBody, `["dog","cat"]`},
		{"#foreach over a path, the guide's array example", `#set($pets = $input.path('$.pets'))[#foreach($p in $pets){"id": "$p.id", "price": $p.price}#if($foreach.hasNext),#end#end]`, petsBody,
			`[{"id": "1", "price": 249.99},{"id": "2", "price": 124.99}]`},
		{"an empty body reads as {}", "$input.json('$')", "", `{}`},
		{"params by name: path, then query string, then header", "$input.params('petId') $input.params('type') $input.params('Accept') [$input.params('nope')]", "", "7 dog application/json []"},
		{"a header by name in any case", "$input.params('accept') $input.params('ACCEPT')", "", "application/json application/json"},
		{"all params", "$input.params().querystring.type $input.params().header.get('Accept') $input.params().path.size()", "", "dog application/json 1"},
		{"escapeJavaScript as commons-lang's", `$util.escapeJavaScript($input.body)`, `it's "q"/é` + "\n", `it\'s \"q\"\/\u00E9\n`},
		{"escapeJavaScript of text with nothing to escape, then a control character and one outside the BMP", `$util.escapeJavaScript($input.body)`, "plain text 1.5\x01😀", `plain text 1.5\u0001\uD83D\uDE00`},
		{"parseJson of the body gives values of its own each time", `#set($a = $util.parseJson($input.body))#set($b = $util.parseJson($input.body))#set($a.x = 2)$a.x $b.x $input.path('$.x')`, `{"x": 1}`, "2 1 1"},
		{"a nested map of parseJson is the body's until the template changes it", `#set($o = $util.parseJson($input.body))#set($o.a.b.c = 3)$o.a.put('d', 4)$o.a $util.toJson($o) $input.json('$.a')`, `{"a": {"b": {"c": 1}}}`, `{b={c=3}, d=4} {"a":{"b":{"c":3},"d":4}} {"b":{"c":1}}`},
		{"a nested map's methods, first thing used on it", `#set($o = $util.parseJson($input.body))$o.m.keySet() $o.n.entrySet() $o.p.size() $o.q.isEmpty() #foreach($v in $o.r)$v#end $o.s.containsKey('k') $o.t.remove('x') $o.t`, `{"m": {"a": 1, "b": 2}, "n": {"k": "v"}, "p": {"x": [1, {"y": 2}]}, "q": {}, "r": {"a": "x", "b": "y"}, "s": {"k": null}, "t": {"x": 1, "y": 2}}`, "[a, b] [{key=k, value=v}] 1 true xy true 1 {y=2}"},
		{"maps in lists decode when used", `#foreach($l in $input.path('$.lines'))$l.sku=$l.qty #end`, `{"lines": [{"sku": "BK-1", "qty": 2}, {"sku": "PN-\"7\"", "qty": 1}]}`, `BK-1=2 PN-"7"=1 `},
		{"parseJson and toJson", `#set($o = $util.parseJson('{"z": 1, "y": [2]}'))$o.z $util.toJson($o)`, "", `1 {"z":1,"y":[2]}`},
		{"urlEncode, urlDecode (form encoding)", `$util.urlEncode("a b&c=d") $util.urlDecode("a+b%26c")`, "", "a+b%26c%3Dd a b&c"},
		{"base64", `$util.base64Encode("hello") $util.base64Decode("aGVsbG8=")`, "", "aGVsbG8= hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := render(t, tt.template, tt.body, params); got != tt.want {
				t.Errorf("%s\n got %q\nwant %q", tt.template, got, tt.want)
			}
		})
	}
}

func TestInputErrors(t *testing.T) {
	tests := []struct{ template, body, want string }{
		{"$input.json('pets')", petsBody, "must start with $"},
		{"$input.json('$.a[x]')", petsBody, "neither an index"},
		{"$input.json('$')", "{not json", "invalid JSON"},
		{"$input.path('$.a')", `{"a": 1, "b": 1e400}`, "number out of range"},
		{"$util.base64Decode('!!')", "", "base64Decode"},
		{"$util.nope('a')", "", "no function $util.nope"},
	}
	for _, tt := range tests {
		tpl, err := vtl.Parse(tt.template)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tpl.Render(map[string]any{"input": NewInput(tt.body, Params{}), "util": Util{}}, vtl.DefaultLimits)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error containing %q", tt.template, err, tt.want)
		}
	}
}

// FuzzJSONPath: any path over any body selects or fails, never panics; a path the body's text answers without
// decoding it (members and indexes) selects what the decoded document does.
func FuzzJSONPath(f *testing.F) {
	f.Add("$.pets[0].type", petsBody)
	f.Add("$..price", petsBody)
	f.Add("$['owner'][*]", petsBody)
	f.Add("$.a[-1]", `{"a": [1, {"b": "\u00e9"}], "a": [2, 3]}`)
	f.Add(`$["k\"ey"]`, `{"k\"ey": 1.50}`)
	f.Fuzz(func(t *testing.T, path, body string) {
		in := NewInput(body, Params{})
		defer in.Release() // the tape, its slabs as this body left them, goes to the next body
		_, _ = in.Call("json", []any{path})
		got, err := in.Call("path", []any{path})
		steps, perr := parsePath(path)
		if perr != nil || err != nil {
			return
		}
		whole, derr := parseJSON(body)
		if derr != nil || strings.TrimSpace(body) == "" {
			return
		}
		doc, _ := readJSON(body)
		defer doc.release()
		node, found, simple := doc.find(steps)
		if !simple {
			return
		}
		want, _ := selectPath(whole, steps)
		if found {
			// $input.json's text is the selection's, compacted as encoding/json compacts it.
			n := doc.nodes[node]
			var want bytes.Buffer
			if err := json.Compact(&want, []byte(body[n.start:n.end])); err != nil || doc.compact(node) != want.String() {
				t.Fatalf("selected text %q compacts to %q, encoding/json's %q (%v)", body[n.start:n.end], doc.compact(node), want.String(), err)
			}
		}
		if toJSON(got) != toJSON(want) {
			t.Fatalf("path %q over %q: the text gives %s, the document %s", path, body, toJSON(got), toJSON(want))
		}
	})
}

func BenchmarkInputJSONForeach(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"items": [`)
	for i := 0; i < 100; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"id": 1, "name": "item", "tags": ["a", "b"]}`)
	}
	sb.WriteString(`]}`)
	body := sb.String()
	tpl, err := vtl.Parse(`[#foreach($i in $input.path('$.items')){"id": $i.id, "name": "$util.escapeJavaScript($i.name)"}#if($foreach.hasNext),#end#end]`)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		in := NewInput(body, Params{})
		if _, err := tpl.Render(map[string]any{"input": in, "util": Util{Input: in}}, vtl.DefaultLimits); err != nil {
			b.Fatal(err)
		}
		in.Release() // as the mapping service does
	}
}

// Paths that share their beginnings, in an order that walks back and forth: each selects what it selects in the
// decoded document, whatever the path before it was.
func TestPathsSharingSteps(t *testing.T) {
	body := `{"a": {"b": {"c": 1, "d": [2, 3]}, "x": "y"}, "q": [{"r": 4}, {"r": 5}], "a ": 6}`
	whole, err := parseJSON(body)
	if err != nil {
		t.Fatal(err)
	}
	in := NewInput(body, Params{})
	defer in.Release()
	for _, path := range []string{"$.a.b.c", "$.a.b.d[1]", "$.a.x", "$.a.b.c", "$.q[1].r", "$.q[0].r", "$.a.b.c.z", "$.a.b.c",
		"$.q[-1]", "$['a ']", "$.a.b", "$.a.b.d[5]", "$.a.b.d[0]", "$", "$.a.b.c"} {
		steps, err := parsePath(path)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := selectPath(whole, steps)
		got, err := in.Call("path", []any{path})
		if err != nil || toJSON(got) != toJSON(want) {
			t.Errorf("%s = %s (%v), want %s", path, toJSON(got), err, toJSON(want))
		}
	}
}

// FuzzParseJSON: the body parser accepts exactly what encoding/json does (within its nesting bound), and reads
// the same values.
func FuzzParseJSON(f *testing.F) {
	for _, seed := range []string{petsBody, `{"a": [1, 2.5, -0, 1e3, "\ud83d\ude00", "\ud800x"], "a": null}`, `"\u0000\t"`, `[]`, `{`, `01`, "\"\xff\"", `1e400`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		if strings.Count(body, "[")+strings.Count(body, "{") > maxJSONDepth {
			return
		}
		got, err := parseJSON(body)
		var want any
		werr := json.Unmarshal([]byte(body), &want)
		if (err == nil) != (werr == nil) {
			t.Fatalf("%q: parseJSON error %v, encoding/json error %v", body, err, werr)
		}
		if err != nil {
			return
		}
		// encoding/json keeps no member order and reads every number as float64: compare as it reads.
		var again any
		if err := json.Unmarshal([]byte(toJSON(got)), &again); err != nil || !reflect.DeepEqual(again, want) {
			t.Fatalf("%q: parseJSON reads %s, encoding/json %#v", body, toJSON(got), want)
		}
	})
}

// FuzzEscapeJavaScript: the escaper writes what commons-lang's escapeJavaScript does, character by character as
// it is written here.
func FuzzEscapeJavaScript(f *testing.F) {
	for _, seed := range []string{"plain", `it's "q"/é` + "\n", "\x01\x7f\u0100\uffff😀", "\xff\xfe", `\\`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want strings.Builder
		for _, r := range s { // Java sees UTF-16 units: outside the BMP, a character is two
			var units []rune
			if r >= 0x10000 {
				r1, r2 := utf16Pair(r)
				units = []rune{r1, r2}
			} else {
				units = []rune{r}
			}
			for _, u := range units {
				switch {
				case u > 0x7f || u < 0x20 && !strings.ContainsRune("\b\f\n\r\t", u):
					fmt.Fprintf(&want, `\u%04X`, u)
				case strings.ContainsRune("'\"\\/", u):
					want.WriteString(`\` + string(u))
				case strings.ContainsRune("\b\f\n\r\t", u):
					want.WriteString(map[rune]string{'\b': `\b`, '\f': `\f`, '\n': `\n`, '\r': `\r`, '\t': `\t`}[u])
				default:
					want.WriteRune(u)
				}
			}
		}
		if got := escapeJavaScript(s); got != want.String() {
			t.Fatalf("escapeJavaScript(%q) = %q, want %q", s, got, want.String())
		}
	})
}

// BenchmarkReadJSON: the reader's pass over a body, which every rendering that reads the body makes once.
func BenchmarkReadJSON(b *testing.B) {
	body := `{"id": "o-1842", "total": 118.5, "owner": {"name": "Ann Lee"}, "tags": ["gift", "express", "fragile"],
 "order": {"customer": {"name": "Ann \"Lee\"", "address": {"street": "1 Main St", "city": "Lyon", "zip": "69001"}},
  "lines": [{"sku": "BK-1", "qty": 2, "price": 12.5}, {"sku": "PN-7", "qty": 1, "price": 93.5}]}}`
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		doc, err := readJSON(body)
		if err != nil {
			b.Fatal(err)
		}
		doc.release()
	}
}

// Decoded values live on their Input's tape (strings and numbers boxed where the decoder keeps them, see
// boxed; maps deferred until used): they stay what they were read as while other Inputs are read and
// released, their tapes taken from the pool and given back.
func TestDecodedValuesLiveUntilRelease(t *testing.T) {
	first := NewInput(`{"s": "text", "i": 1842, "f": 118.5, "e": "a\"b", "m": {"deep": {"k": "v"}}, "l": [{"x": 1}]}`, Params{})
	defer first.Release()
	v, err := first.Call("path", []any{"$"})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		other := NewInput(`{"s": "other", "i": 7, "f": 0.25, "e": "c\"d", "m": {"deep": {"k": "w"}}, "l": [{"x": 2}]}`, Params{})
		if _, err := other.Call("json", []any{"$.l[0].x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Call("path", []any{"$"}); err != nil {
			t.Fatal(err)
		}
		other.Release()
	}
	m := v.(*vtl.Map)
	for key, want := range map[string]any{"s": "text", "i": int64(1842), "f": 118.5, "e": `a"b`} {
		if got, _ := m.Get(key); got != want {
			t.Errorf("%s = %#v, want %#v", key, got, want)
		}
	}
	if s, _ := m.Get("s"); s.(string)+"!" != "text!" {
		t.Errorf("the boxed string converts to %q", s.(string))
	}
	for key, want := range map[string]string{"m": "{deep={k=v}}", "l": "[{x=1}]"} {
		if got, _ := m.Get(key); vtl.String(got) != want {
			t.Errorf("%s, decoded once used, reads %s, want %s", key, vtl.String(got), want)
		}
	}
}

// BodyValue's text is the caller's: a string with escapes (decoded into the tape's memory) and a spaced JSON
// selection (compacted there) stay what they were after other bodies are read onto the tape.
func TestBodyValueOutlivesItsInput(t *testing.T) {
	escaped := BodyValue([]byte(`{"a": "x\"y"}`), "$.a")
	spaced := BodyValue([]byte(`{"o": {"k": [1, 2]}}`), "$.o")
	for range 3 {
		BodyValue([]byte(`{"a": "p\"q", "o": {"z": [9, 9, 9, 9]}}`), "$.a")
		BodyValue([]byte(`{"a": "p\"q", "o": {"z": [9, 9, 9, 9]}}`), "$.o")
	}
	if escaped != `x"y` || spaced != `{"k":[1,2]}` {
		t.Errorf("after other bodies: %q and %q, want x\"y and {\"k\":[1,2]}", escaped, spaced)
	}
}

// What a template keeps past its rendering (a caller's map it #set into, as the mapping service's overrides)
// survives the Input's Release once detached (vtl.Detach): strings with escapes, numbers and maps of the body are
// copied out of the tape's memory, which other bodies then reuse.
func TestDetachedValuesOutliveTheInput(t *testing.T) {
	tpl, err := vtl.Parse(`#set($keep.s = $input.path('$.s'))#set($keep.n = $input.path('$.n'))#set($keep.o = $input.path('$.o'))`)
	if err != nil {
		t.Fatal(err)
	}
	keep := vtl.NewMap()
	in := NewInput(`{"s": "a\"b", "n": 1842, "o": {"k": "v\"w", "l": [1.5]}}`, Params{})
	if _, err := tpl.Render(map[string]any{"input": in, "keep": keep}, vtl.DefaultLimits); err != nil {
		t.Fatal(err)
	}
	kept := vtl.Detach(keep)
	in.Release()
	for range 3 {
		other := NewInput(`{"s": "c\"d", "n": 7, "o": {"k": "x\"y", "l": [2.5]}}`, Params{})
		if _, err := tpl.Render(map[string]any{"input": other, "keep": vtl.NewMap()}, vtl.DefaultLimits); err != nil {
			t.Fatal(err)
		}
		other.Release()
	}
	if got := vtl.String(kept); got != `{s=a"b, n=1842, o={k=v"w, l=[1.5]}}` {
		t.Errorf("detached: %s", got)
	}
}
