// Package diag reports problems in user input (config files and API definitions) the way Tollgate promises to:
// every problem names the file, the JSON pointer of the offending value and the reason.
package diag

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with one value of one file.
type Problem struct {
	File    string // the file as the user named it
	Pointer string // RFC 6901 JSON pointer into the file's document; "" for the whole file
	Reason  string
}

func (p Problem) String() string {
	if p.Pointer == "" {
		return p.File + ": " + p.Reason
	}
	return p.File + ": " + p.Pointer + ": " + p.Reason
}

// Problems collects every problem found, so a user fixes them all in one round instead of one per run.
type Problems []Problem

// Addf records a problem.
func (ps *Problems) Addf(file, pointer, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Pointer: pointer, Reason: fmt.Sprintf(format, args...)})
}

// Err returns the problems as an error, or nil when there are none. They come sorted, each once: a problem in a
// definition deployed to several stages is found once per stage but is one thing to fix.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps.Sorted()
}

// Sorted returns the problems sorted, each once, leaving ps as it is; nil when there are none.
func (ps Problems) Sorted() Problems {
	if len(ps) == 0 {
		return nil
	}
	out := append(Problems(nil), ps...)
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	n := 1
	for _, p := range out[1:] {
		if p != out[n-1] {
			out[n] = p
			n++
		}
	}
	return out[:n]
}

// Error lists one problem a line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Pointer builds a JSON pointer from reference tokens, escaping "~" and "/" as RFC 6901 requires.
func Pointer(tokens ...any) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		s := fmt.Sprint(t)
		s = strings.ReplaceAll(s, "~", "~0")
		s = strings.ReplaceAll(s, "/", "~1")
		b.WriteString(s)
	}
	return b.String()
}
