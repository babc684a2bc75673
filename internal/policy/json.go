package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxDepth bounds how deeply a document may nest. The deepest valid policy is six levels (document, Statement
// array, statement, Condition, operator, value list); the bound is only there so that hostile input such as a
// megabyte of "[" is refused instead of recursing until the stack runs out, so it is generous.
const maxDepth = 32

type jsonKind uint8

const (
	jsonString jsonKind = iota
	jsonNumber
	jsonBool
	jsonNull
	jsonArray
	jsonObject
)

// jnode is a decoded JSON value that keeps what encoding/json's maps lose: member order (for errors that point
// at the first problem a reader sees), exact member names (IAM's element names are case-sensitive, where
// json.Unmarshal into a struct matches them case-insensitively) and duplicates (refused, since IAM keeps one of
// them and a reader cannot tell which).
type jnode struct {
	kind  jsonKind
	text  string   // a string's value, a number's literal, "true" or "false"
	elems []jnode  // an array's elements, or an object's member values
	names []string // an object's member names, parallel to elems
}

// describe names a value's kind for errors.
func (n *jnode) describe() string {
	switch n.kind {
	case jsonString:
		return fmt.Sprintf("%q", n.text)
	case jsonNumber:
		return "the number " + n.text
	case jsonBool:
		return n.text
	case jsonNull:
		return "null"
	case jsonArray:
		return "an array"
	default:
		return "an object"
	}
}

// decodeJSON reads exactly one JSON value from data.
func decodeJSON(data []byte) (jnode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := readValue(dec, 0, "")
	if err != nil {
		return jnode{}, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return jnode{}, &ParseError{Message: fmt.Sprintf("not valid JSON: more data after the document at offset %d", dec.InputOffset())}
	}
	return n, nil
}

func syntaxError(dec *json.Decoder, err error) error {
	if errors.Is(err, io.EOF) {
		return &ParseError{Message: "not valid JSON: unexpected end of input"}
	}
	return &ParseError{Message: fmt.Sprintf("not valid JSON: %v (near offset %d)", err, dec.InputOffset())}
}

func readValue(dec *json.Decoder, depth int, path string) (jnode, error) {
	tok, err := dec.Token()
	if err != nil {
		return jnode{}, syntaxError(dec, err)
	}
	switch t := tok.(type) {
	case string:
		return jnode{kind: jsonString, text: t}, nil
	case json.Number:
		return jnode{kind: jsonNumber, text: string(t)}, nil
	case bool:
		if t {
			return jnode{kind: jsonBool, text: "true"}, nil
		}
		return jnode{kind: jsonBool, text: "false"}, nil
	case nil:
		return jnode{kind: jsonNull}, nil
	case json.Delim:
		if depth >= maxDepth {
			return jnode{}, &ParseError{Path: path, Message: fmt.Sprintf("nested more than %d levels deep, which no policy document is", maxDepth)}
		}
		if t == '[' {
			n := jnode{kind: jsonArray}
			for dec.More() {
				v, err := readValue(dec, depth+1, index(path, len(n.elems)))
				if err != nil {
					return jnode{}, err
				}
				n.elems = append(n.elems, v)
			}
			if _, err := dec.Token(); err != nil {
				return jnode{}, syntaxError(dec, err)
			}
			return n, nil
		}
		if t == '{' {
			n := jnode{kind: jsonObject}
			// A set only once the object is big enough for a scan per member to cost: hostile input can hold
			// hundreds of thousands of members.
			var seen map[string]bool
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return jnode{}, syntaxError(dec, err)
				}
				name, ok := kt.(string)
				if !ok {
					return jnode{}, &ParseError{Message: "not valid JSON: object member name is not a string"}
				}
				dup := false
				if seen != nil {
					dup = seen[name]
				} else {
					for _, m := range n.names {
						dup = dup || m == name
					}
				}
				if dup {
					return jnode{}, &ParseError{Path: path, Message: fmt.Sprintf("duplicate member %q", name)}
				}
				if seen == nil && len(n.names) >= 16 {
					seen = make(map[string]bool, 2*len(n.names))
					for _, m := range n.names {
						seen[m] = true
					}
				}
				if seen != nil {
					seen[name] = true
				}
				v, err := readValue(dec, depth+1, child(path, name))
				if err != nil {
					return jnode{}, err
				}
				n.names = append(n.names, name)
				n.elems = append(n.elems, v)
			}
			if _, err := dec.Token(); err != nil {
				return jnode{}, syntaxError(dec, err)
			}
			return n, nil
		}
	}
	return jnode{}, &ParseError{Message: fmt.Sprintf("not valid JSON: unexpected %v near offset %d", tok, dec.InputOffset())}
}

// child is the path of member name of the value at path, as errors show it: Statement[0].Condition.IpAddress.
func child(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// index is the path of element i of the array at path.
func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }
