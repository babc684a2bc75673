package apigw

import "bytes"

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
	i := skipSpace(doc, 0)
	for _, s := range steps {
		var ok bool
		if s.kind == stepMember {
			i, ok = memberAt(doc, i, s.member)
		} else {
			i, ok = elementAt(doc, i, s.index)
		}
		if !ok {
			return nil, false, true
		}
	}
	return doc[i:skipValue(doc, i)], true, true
}

// memberAt is where the value of the object at i's last member called name starts.
func memberAt(doc []byte, i int, name string) (int, bool) {
	if i >= len(doc) || doc[i] != '{' {
		return 0, false
	}
	at, found := 0, false
	i = skipSpace(doc, i+1)
	for i < len(doc) && doc[i] == '"' {
		keyEnd := skipString(doc, i)
		key := doc[i+1 : keyEnd-1]
		var matches bool
		if bytes.IndexByte(key, '\\') < 0 {
			matches = string(key) == name
		} else {
			k, err := (&jsonParser{data: doc, i: i}).str()
			matches = err == nil && k == name
		}
		i = skipSpace(doc, skipSpace(doc, keyEnd)+1) // past the ':'
		if matches {
			at, found = i, true
		}
		i = skipSpace(doc, skipValue(doc, i))
		if i < len(doc) && doc[i] == ',' {
			i = skipSpace(doc, i+1)
		}
	}
	return at, found
}

// elementAt is where the array at i's element n starts (from the end when n is negative).
func elementAt(doc []byte, i, n int) (int, bool) {
	if i >= len(doc) || doc[i] != '[' {
		return 0, false
	}
	var starts []int
	i = skipSpace(doc, i+1)
	for i < len(doc) && doc[i] != ']' {
		if n >= 0 && len(starts) == n {
			return i, true
		}
		starts = append(starts, i)
		i = skipSpace(doc, skipValue(doc, i))
		if i < len(doc) && doc[i] == ',' {
			i = skipSpace(doc, i+1)
		}
	}
	if n < 0 && -n <= len(starts) {
		return starts[len(starts)+n], true
	}
	return 0, false
}

func skipSpace(doc []byte, i int) int {
	for i < len(doc) && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\n' || doc[i] == '\r') {
		i++
	}
	return i
}

// skipString is the end of the string starting at i, past its closing quote.
func skipString(doc []byte, i int) int {
	for i++; i < len(doc); i++ {
		switch doc[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(doc)
}

// skipValue is the end of the value starting at i of a valid document.
func skipValue(doc []byte, i int) int {
	if i >= len(doc) {
		return i
	}
	switch doc[i] {
	case '"':
		return skipString(doc, i)
	case '{', '[':
		depth := 0
		for ; i < len(doc); i++ {
			switch doc[i] {
			case '"':
				i = skipString(doc, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return len(doc)
	}
	for i < len(doc) && doc[i] != ',' && doc[i] != '}' && doc[i] != ']' && doc[i] != ' ' && doc[i] != '\t' && doc[i] != '\n' && doc[i] != '\r' {
		i++
	}
	return i
}
