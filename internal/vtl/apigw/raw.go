package apigw

import (
	"bytes"

	"github.com/tollgate-gw/tollgate/internal/jsonscan"
)

// rawSelect finds the text that a path of member and index steps selects in a valid JSON document, skipping
// over the rest unread: a template's $input.path and $input.json mostly pick a few values out of a body, which
// is then never decoded whole. simple is false when the path has other steps (*, ..): those take the parsed
// document. A repeated member selects its last value, as in the parsed document.
func rawSelect(doc []byte, steps []step) (raw []byte, found, simple bool) {
	for _, s := range steps {
		if s.recursive || s.kind == stepAll {
			return nil, false, false
		}
	}
	i := jsonscan.SkipSpace(doc, 0)
	if len(steps) == 0 {
		return doc[i:jsonscan.ValueEnd(doc, i)], true, true
	}
	// The rest of the document from the root value: each step reads no further than the value it is in.
	v := doc[i:]
	for _, s := range steps {
		var ok bool
		if s.kind == stepMember {
			v, ok = member(v, s.member)
		} else {
			v, ok = element(v, s.index)
		}
		if !ok {
			return nil, false, true
		}
	}
	return v, true, true
}

// member is the value of an object's last member called name.
func member(obj []byte, name string) ([]byte, bool) {
	if len(obj) == 0 || obj[0] != '{' {
		return nil, false
	}
	var found []byte
	_ = jsonscan.EachMember(obj, func(key, value []byte) error {
		text := key[1 : len(key)-1]
		if bytes.IndexByte(text, '\\') < 0 && string(text) == name || bytes.IndexByte(text, '\\') >= 0 && jsonscan.Unquote(key) == name {
			found = value
		}
		return nil
	})
	return found, found != nil
}

// element is an array's element n, counted from the end when n is negative.
func element(arr []byte, n int) ([]byte, bool) {
	if len(arr) == 0 || arr[0] != '[' {
		return nil, false
	}
	var elems [][]byte
	_ = jsonscan.EachElement(arr, func(value []byte) error {
		elems = append(elems, value)
		return nil
	})
	if n < 0 {
		n += len(elems)
	}
	if n < 0 || n >= len(elems) {
		return nil, false
	}
	return elems[n], true
}
