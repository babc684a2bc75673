// Package pathtemplate parses API Gateway resource paths (/pets/{petId}, /files/{proxy+}) and orders them the way
// API Gateway matches requests: segment by segment, a static segment beats a {param}, which beats a greedy {param+}.
package pathtemplate

import (
	"fmt"
	"regexp"
	"strings"
)

// Kind is what a path segment matches.
type Kind int

// The order of the constants is the match priority.
const (
	Static Kind = iota // a literal segment
	Param              // {name}: exactly one segment
	Greedy             // {name+}: one or more segments; only last
)

// Segment is one "/"-separated part of a resource path.
type Segment struct {
	Kind Kind
	Text string // the literal for Static, the parameter name otherwise
}

// Template is a parsed resource path.
type Template struct {
	Raw      string
	Segments []Segment // empty for the root resource "/"
}

// API Gateway allows letters, digits and -._~:@!$&'()*+,;= in a literal path part (RFC 3986 pchar without
// percent-encoding); parameter names are identifiers.
var (
	staticSegment = regexp.MustCompile(`^[A-Za-z0-9\-._~:@!$&'()*+,;=]+$`)
	paramName     = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)
)

// Parse checks a resource path and splits it into segments. A trailing slash is ignored, as API Gateway ignores it
// when matching.
func Parse(path string) (Template, error) {
	t := Template{Raw: path}
	if !strings.HasPrefix(path, "/") {
		return t, fmt.Errorf("resource path %q must start with /", path)
	}
	trimmed := strings.TrimSuffix(path[1:], "/")
	if trimmed == "" {
		return t, nil
	}
	parts := strings.Split(trimmed, "/")
	for i, part := range parts {
		seg, err := parseSegment(part)
		if err != nil {
			return t, fmt.Errorf("resource path %q: %w", path, err)
		}
		if seg.Kind == Greedy && i != len(parts)-1 {
			return t, fmt.Errorf("resource path %q: greedy parameter {%s+} must be the last path segment", path, seg.Text)
		}
		t.Segments = append(t.Segments, seg)
	}
	return t, nil
}

func parseSegment(part string) (Segment, error) {
	switch {
	case part == "":
		return Segment{}, fmt.Errorf("empty path segment (//)")
	case strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}"):
		name := part[1 : len(part)-1]
		kind := Param
		if strings.HasSuffix(name, "+") {
			kind, name = Greedy, strings.TrimSuffix(name, "+")
		}
		if !paramName.MatchString(name) {
			return Segment{}, fmt.Errorf("invalid path parameter %q: a name of letters, digits, '_', '-' or '.' is needed", part)
		}
		return Segment{Kind: kind, Text: name}, nil
	case strings.ContainsAny(part, "{}"):
		return Segment{}, fmt.Errorf("invalid path segment %q: a path parameter must be a whole segment, like {id}", part)
	case !staticSegment.MatchString(part):
		return Segment{}, fmt.Errorf("invalid path segment %q: use letters, digits and -._~:@!$&'()*+,;=", part)
	}
	return Segment{Kind: Static, Text: part}, nil
}

// Shape is the template with parameter names erased: two resources with one shape match the same requests.
func (t Template) Shape() string {
	var b strings.Builder
	for _, s := range t.Segments {
		b.WriteByte('/')
		switch s.Kind {
		case Static:
			b.WriteString(s.Text)
		case Param:
			b.WriteString("{}")
		case Greedy:
			b.WriteString("{+}")
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// Params lists the parameter names in path order.
func (t Template) Params() []string {
	var names []string
	for _, s := range t.Segments {
		if s.Kind != Static {
			names = append(names, s.Text)
		}
	}
	return names
}

// Less orders templates by match priority: the first template in order that matches a request is the one API
// Gateway picks. Segment by segment static beats {param} beats {param+}; a literal beats nothing (a longer path is
// tried first so that /a/b is not shadowed by /a/{x+}); ties fall back to text for a stable order.
func Less(a, b Template) bool {
	for i := 0; i < len(a.Segments) && i < len(b.Segments); i++ {
		sa, sb := a.Segments[i], b.Segments[i]
		if sa.Kind != sb.Kind {
			return sa.Kind < sb.Kind
		}
		if sa.Kind == Static && sa.Text != sb.Text {
			return sa.Text < sb.Text
		}
	}
	if len(a.Segments) != len(b.Segments) {
		return len(a.Segments) > len(b.Segments)
	}
	return a.Raw < b.Raw
}

// Overlaps reports whether some request path matches both templates.
func Overlaps(a, b Template) bool {
	for i := 0; ; i++ {
		switch {
		case i == len(a.Segments) && i == len(b.Segments):
			return true
		case i == len(a.Segments) || i == len(b.Segments):
			return false
		}
		sa, sb := a.Segments[i], b.Segments[i]
		if sa.Kind == Greedy || sb.Kind == Greedy {
			// A greedy parameter takes one or more segments: it meets whatever the other has from here on.
			return true
		}
		if sa.Kind == Static && sb.Kind == Static && sa.Text != sb.Text {
			return false
		}
	}
}

// Regex returns an RE2 pattern matching request paths of this template under prefix (which is matched literally),
// with one capture group per parameter in path order. A trailing slash is accepted.
func (t Template) Regex(prefix string) string {
	return "^" + regexp.QuoteMeta(prefix) + t.regexBody() + "/?$"
}

// RegexUnder is Regex for a prefix that is itself a regular expression (an alternation of invocation URL forms).
func (t Template) RegexUnder(prefixPattern string) string {
	return "^" + prefixPattern + t.regexBody() + "/?$"
}

func (t Template) regexBody() string {
	var b strings.Builder
	for _, s := range t.Segments {
		b.WriteByte('/')
		switch s.Kind {
		case Static:
			b.WriteString(regexp.QuoteMeta(s.Text))
		case Param:
			b.WriteString("([^/]+)")
		case Greedy:
			// Lazy, so the optional trailing slash after it is not captured.
			b.WriteString("(.+?)")
		}
	}
	return b.String()
}
