// Package jsonscan walks JSON in place: the end of a value, an object's members, an array's elements, a string
// token's text. Every function assumes valid JSON (check it once with json.Valid, or parse it): they replace
// decoding into maps and json.Decoder's tokens, which copy every member and box every token, where a caller
// needs a few values out of a document.
package jsonscan

import (
	"bytes"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// skipSpace returns the index of the first byte at or after b[i] that is not JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the string token starting at b[i].
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// valueEnd returns the index just past the value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for ; i < len(b); i++ { // a number or a literal: it ends where the enclosing value resumes
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
	}
	return i
}

// EachMember calls fn with the key token (quotes included) and the raw value of each member of the object obj.
func EachMember(obj []byte, fn func(key, value []byte) error) error {
	i := skipSpace(obj, 0) + 1 // past '{'
	for {
		i = skipSpace(obj, i)
		switch obj[i] {
		case '}':
			return nil
		case ',':
			i = skipSpace(obj, i+1)
		}
		keyEnd := stringEnd(obj, i)
		key := obj[i:keyEnd]
		i = skipSpace(obj, skipSpace(obj, keyEnd)+1) // past ':'
		end := valueEnd(obj, i)
		if err := fn(key, obj[i:end]); err != nil {
			return err
		}
		i = end
	}
}

// EachElement calls fn with each element of the array arr.
func EachElement(arr []byte, fn func(value []byte) error) error {
	i := skipSpace(arr, 0) + 1 // past '['
	for {
		i = skipSpace(arr, i)
		switch arr[i] {
		case ']':
			return nil
		case ',':
			i = skipSpace(arr, i+1)
		}
		end := valueEnd(arr, i)
		if err := fn(arr[i:end]); err != nil {
			return err
		}
		i = end
	}
}

// Unquote returns the text of a string token.
func Unquote(tok []byte) string {
	if bytes.IndexByte(tok, '\\') < 0 {
		return string(tok[1 : len(tok)-1])
	}
	return string(AppendUnquoted(nil, tok))
}

// AppendUnquoted appends the text of a string token to dst, resolving escapes as encoding/json does: a \u
// surrogate pair is one rune, a lone surrogate is U+FFFD.
func AppendUnquoted[Token string | []byte](dst []byte, tok Token) []byte {
	s := tok[1 : len(tok)-1]
	for {
		i := indexBackslash(s)
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		c := s[i+1]
		s = s[i+2:]
		switch c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(s)
			s = s[4:]
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
					r2 = utf16.DecodeRune(r, hex4(s[2:]))
				}
				if r2 != utf8.RuneError {
					s = s[6:]
				}
				r = r2
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, c)
		}
	}
}

func indexBackslash[Token string | []byte](s Token) int {
	if b, ok := any(s).([]byte); ok {
		return bytes.IndexByte(b, '\\')
	}
	return strings.IndexByte(any(s).(string), '\\')
}

// hex4 reads the four hex digits of a \u escape.
func hex4[Token string | []byte](s Token) rune {
	var r rune
	for i := range 4 {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
