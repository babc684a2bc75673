package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// hasWildcard reports whether s holds an IAM wildcard.
func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

// pattern is an Action or Resource value prepared at Parse for the shapes policies mostly hold: "*", a literal,
// and a literal ARN prefix before the first wildcard (arn:aws:execute-api:us-east-1:123456789012:abc123/*),
// which a string comparison decides faster than the character walk.
type pattern struct {
	kind   patternKind
	fold   bool
	ascii  bool   // patternLiteral: no byte beyond ASCII, so strings.EqualFold folds exactly as matchWildcard
	text   string // the whole value
	prefix string // patternGlob: the literal before the first wildcard, compared as bytes
	rest   string // patternGlob: the pattern from there on
}

type patternKind uint8

const (
	patternAny patternKind = iota
	patternLiteral
	patternGlob
)

func compilePattern(text string, fold bool) pattern {
	p := pattern{kind: patternGlob, fold: fold, text: text, rest: text}
	i := strings.IndexAny(text, "*?")
	switch {
	case text == "*":
		p.kind = patternAny
	case i < 0:
		p.kind = patternLiteral
		p.ascii = isASCII(text)
	case !fold && utf8.ValidString(text[:i]):
		// Only a valid prefix: an incomplete UTF-8 sequence at its end is one character of its own, where in s
		// the same bytes can start a longer one, which a byte comparison would not see.
		p.prefix, p.rest = text[:i], text[i:]
	}
	return p
}

func (p *pattern) match(s string) bool {
	switch p.kind {
	case patternAny:
		return true
	case patternLiteral:
		if !p.fold {
			return p.text == s
		}
		if p.ascii {
			return strings.EqualFold(p.text, s)
		}
		return matchWildcard(p.text, s, true)
	}
	return strings.HasPrefix(s, p.prefix) && matchWildcard(p.rest, s[len(p.prefix):], p.fold)
}

// matchWildcard reports whether s matches pattern, where * stands for any run of characters (empty, and across
// "/" and ":") and ? for exactly one character; fold makes letters match regardless of case, as IAM compares
// actions. Characters are UTF-8 runes; a byte that is not valid UTF-8 is one character that equals only itself.
//
// The greedy two-pointer walk remembers only the last *: when a later literal fails, that * takes one more
// character and the walk resumes after it. Going back to an earlier * is never needed (whatever an earlier *
// could still absorb, the last one can), so the time is at most len(pattern)·len(s), never exponential as a
// backtracking matcher can be on patterns such as *a*a*a*a*b.
func matchWildcard(pattern, s string, fold bool) bool {
	p, i := 0, 0
	star, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			switch pattern[p] {
			case '*':
				star, starI = p, i
				p++
				if p == len(pattern) {
					return true // a trailing * takes the rest, whatever it is
				}
				continue
			case '?':
				p++
				i += charWidth(s, i)
				continue
			default:
				if pw, sw, ok := sameChar(pattern, p, s, i, fold); ok {
					p += pw
					i += sw
					continue
				}
			}
		}
		if star < 0 {
			return false
		}
		starI += charWidth(s, starI)
		p, i = star+1, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// charWidth is the length in bytes of the character at s[i].
func charWidth(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, w := utf8.DecodeRuneInString(s[i:])
	return w
}

// sameChar compares the character at a[i] with the one at b[j], returning their widths.
func sameChar(a string, i int, b string, j int, fold bool) (int, int, bool) {
	ca, cb := a[i], b[j]
	if ca < utf8.RuneSelf && cb < utf8.RuneSelf {
		if ca == cb {
			return 1, 1, true
		}
		// Setting bit 0x20 lower-cases an ASCII letter, and maps no other character to a letter.
		la, lb := ca|0x20, cb|0x20
		return 1, 1, fold && la == lb && 'a' <= la && la <= 'z'
	}
	ra, wa := utf8.DecodeRuneInString(a[i:])
	rb, wb := utf8.DecodeRuneInString(b[j:])
	// Two invalid bytes both decode to U+FFFD; only their bytes tell them apart.
	if (ra == utf8.RuneError && wa == 1) || (rb == utf8.RuneError && wb == 1) {
		return wa, wb, wa == wb && a[i:i+wa] == b[j:j+wb]
	}
	if ra == rb {
		return wa, wb, true
	}
	if !fold {
		return wa, wb, false
	}
	// The letters that fold together form a short cycle under SimpleFold (k, K and the Kelvin sign, say).
	for r := unicode.SimpleFold(ra); r != ra; r = unicode.SimpleFold(r) {
		if r == rb {
			return wa, wb, true
		}
	}
	return wa, wb, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
