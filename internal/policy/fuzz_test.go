package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseEvaluate feeds arbitrary bytes to both parsers: each must return a document or an error, never panic
// (a hang the fuzzing engine reports itself), and a document must decide every request the same way twice.
func FuzzParseEvaluate(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(allowWhen(`{"StringNotLikeIfExists": {"aws:username": ["a*", "?b"]}, "Null": {"aws:x": "true"}}`)))
	f.Add([]byte(doc(`{"Effect": "Deny", "NotPrincipal": {"AWS": ["123456789012", "arn:aws:iam::123456789012:role/r"]}, "NotAction": "x:y", "NotResource": "*"}`)))

	at := netip.MustParseAddr
	requests := []Request{
		{},
		{Action: invoke, Resource: methodARN},
		{Action: "EXECUTE-API:*", Resource: apiARN + "/*", Principal: "arn:aws:iam::123456789012:root", SourceIP: at("192.0.2.1")},
		{Action: invoke, Resource: methodARN, Principal: "arn:aws:sts::111122223333:assumed-role/developer/x", SourceIP: at("2001:db8::1"),
			Context: map[string]string{"aws:username": "alice", "aws:securetransport": "true", "aws:principalarn": "arn:aws:iam::1:role/r"}},
		{Action: "x:y", Resource: "arn:aws:x:::\xff", Principal: "not an arn", SourceIP: at("::ffff:203.0.113.9")},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs := make([]*Document, 0, 2)
		if d, err := Parse(data); err == nil {
			docs = append(docs, d)
		} else if err.Error() == "" {
			t.Fatal("empty error")
		}
		if d, err := ParseResourcePolicy(data, apiARN); err == nil {
			docs = append(docs, d)
			if len(d.statements) > 0 && !d.HasPrincipal() {
				t.Fatal("a resource policy with statements and no principal")
			}
		}
		for _, d := range docs {
			for _, r := range requests {
				got := d.Evaluate(r)
				if got < NotApplicable || got > Deny || got != d.Evaluate(r) {
					t.Fatalf("Evaluate gave %v", got)
				}
			}
		}
	})
}

// FuzzMatchWildcard checks the matcher against referenceMatch, a different algorithm for the same language.
func FuzzMatchWildcard(f *testing.F) {
	seeds := [][2]string{
		{"arn:aws:execute-api:*:*:abc/*/GET/*", methodARN},
		{"a*b?c", "aXXbYc"},
		{"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaa"},
		{"K?", "\u212ax"},
		{"", ""},
		{"**?", "é"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], false)
		f.Add(s[0], strings.ToUpper(s[1]), true)
	}
	f.Fuzz(func(t *testing.T, pattern, s string, fold bool) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) {
			// regexp reads invalid UTF-8 as U+FFFD; the matcher tells invalid bytes apart (TestMatchWildcard).
			return
		}
		want := referenceMatch([]rune(pattern), []rune(s), fold)
		if got := matchWildcard(pattern, s, fold); got != want {
			t.Fatalf("matchWildcard(%q, %q, %v) = %v, the reference says %v", pattern, s, fold, got, want)
		}
		p := compilePattern(pattern, fold)
		if got := p.match(s); got != want {
			t.Fatalf("compilePattern(%q, %v).match(%q) = %v, the reference says %v", pattern, fold, s, got, want)
		}
	})
}

// referenceMatch is IAM's wildcard matching by dynamic programming over runes, the textbook way: matched[j] tells
// whether the pattern so far matches s[:j]. Folding compares runes as strings.EqualFold (Unicode simple folding),
// as regexp's (?i) does.
func referenceMatch(pattern, s []rune, fold bool) bool {
	matched := make([]bool, len(s)+1)
	matched[0] = true
	for _, p := range pattern {
		next := make([]bool, len(s)+1)
		for j := 0; j <= len(s); j++ {
			switch {
			case p == '*':
				next[j] = matched[j] || (j > 0 && next[j-1])
			case j == 0:
			case p == '?':
				next[j] = matched[j-1]
			default:
				next[j] = matched[j-1] && (p == s[j-1] || fold && strings.EqualFold(string(p), string(s[j-1])))
			}
		}
		matched = next
	}
	return matched[len(s)]
}
