package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/tollgate-gw/tollgate/internal/diag"
)

// errLine finds the line a YAML parser error names: 0 when it names none.
var errLine = regexp.MustCompile(`\bline ([0-9]+):`)

func syntaxErrorLine(err error) int {
	var le *yaml.LoadError
	if errors.As(err, &le) && le.Mark.Line > 0 {
		return le.Mark.Line
	}
	if m := errLine.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// syntaxPointer derives, for a syntax error at line, the JSON pointer of the value being written there, as near
// as the text before the error tells it: "" when it tells nothing (the reason names the line either way).
func syntaxPointer(data []byte, line int) string {
	if line <= 0 {
		return ""
	}
	if trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(trimmed) > 0 && trimmed[0] == '{' {
		return jsonPointerAt(data, line)
	}
	return yamlPointerAt(data, line)
}

// yamlPointerAt parses the lines before the error and returns the pointer of the last value they begin. The
// lines before an error may not parse either (an unclosed flow collection opened on an earlier line): then the
// last of them is cut after its key (paths: [ becomes paths:), or dropped when it has none, a few times over.
func yamlPointerAt(data []byte, line int) string {
	lines := bytes.SplitAfter(data, []byte("\n"))
	lines = slices.Clone(lines[:min(line-1, len(lines))])
	for try := 0; try < 8 && len(lines) > 0; try++ {
		var doc yaml.Node
		if yaml.Unmarshal(bytes.Join(lines, nil), &doc) == nil {
			if len(doc.Content) == 0 {
				return ""
			}
			return lastValue(doc.Content[0])
		}
		last := lines[len(lines)-1]
		if cut := keyOnly(last); cut != nil && !bytes.Equal(cut, last) {
			lines[len(lines)-1] = cut
		} else {
			lines = lines[:len(lines)-1]
		}
	}
	return ""
}

// keyOnly cuts a line `  key: value` to `  key:`, nil when the line has no key.
func keyOnly(line []byte) []byte {
	text := bytes.TrimRight(line, "\r\n")
	if i := bytes.Index(text, []byte(": ")); i > 0 {
		return append(slices.Clone(text[:i+1]), '\n')
	}
	if bytes.HasSuffix(text, []byte(":")) {
		return append(slices.Clone(text), '\n')
	}
	return nil
}

// lastValue follows the last member of each mapping and the last element of each sequence.
func lastValue(n *yaml.Node) string {
	ptr := ""
	for n != nil && len(n.Content) > 0 {
		switch n.Kind {
		case yaml.MappingNode:
			if len(n.Content) < 2 {
				return ptr
			}
			key := n.Content[len(n.Content)-2]
			ptr += diag.Pointer(key.Value)
			n = n.Content[len(n.Content)-1]
		case yaml.SequenceNode:
			ptr += diag.Pointer(len(n.Content) - 1)
			n = n.Content[len(n.Content)-1]
		default:
			return ptr
		}
	}
	return ptr
}

// jsonPointerAt reads a JSON document's tokens up to the error line, or up to where the JSON decoder fails first,
// keeping the path of the value being read.
func jsonPointerAt(data []byte, line int) string {
	type frame struct {
		object  bool
		key     string
		index   int // of the element being read
		keyNext bool
	}
	var stack []frame
	pointer := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.object && f.key != "":
				b.WriteString(diag.Pointer(f.key))
			case !f.object && f.index >= 0:
				b.WriteString(diag.Pointer(f.index))
			}
		}
		return b.String()
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		if off := dec.InputOffset(); bytes.Count(data[:off], []byte("\n"))+1 > line {
			break
		}
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].keyNext {
			if key, ok := tok.(string); ok {
				stack[n-1].key, stack[n-1].keyNext = key, false
				continue
			}
		}
		if n := len(stack); n > 0 && !stack[n-1].object {
			if d, ok := tok.(json.Delim); !ok || d != ']' {
				stack[n-1].index++
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{object: true, keyNext: true})
			continue
		case json.Delim('['):
			stack = append(stack, frame{index: -1})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].keyNext = true
		}
	}
	return pointer()
}

// kinYAMLError matches the YAML errors kin-openapi's decoder reports with a line, and with a pointer when it knows
// one: errors in the YAML this package's parser let through (a null mapping key) and values of the wrong shape.
var kinYAMLError = regexp.MustCompile(`^failed to unmarshal data: yaml error: (?:yaml: )?(?:construct errors: )?line ([0-9]+): (.*?)(?: in (/\S*))?$`)

// decodeProblem reports an error of kin-openapi's decoder as every other problem is: with the pointer it names, or
// the one its line tells, and no wrapping. Other errors are reported as they are. data is what kin-openapi
// decoded.
func (im *importer) decodeProblem(data []byte, err error) {
	m := kinYAMLError.FindStringSubmatch(err.Error())
	if m == nil {
		im.addf("", "%v", err)
		return
	}
	line, _ := strconv.Atoi(m[1])
	at := fmt.Sprintf("line %d: ", line)
	if im.rewritten {
		at = "" // the line of the document encoded again, not of the file
	}
	if m[3] != "" {
		im.addf(m[3], "%s%s", at, m[2])
		return
	}
	im.addf(syntaxPointer(data, line), "not valid YAML or JSON: %s%s", at, m[2])
}
