package apigw

// find walks a path of member and index steps down the document's tape to the node it selects, decoding
// nothing on the way. simple is false when the path has other steps (*, ..): those take the decoded document.
// A repeated member selects its last value, as in the decoded document.
func (d *jsonDoc) find(steps []step) (node int, found, simple bool) {
	for _, s := range steps {
		if s.recursive || s.kind == stepAll {
			return 0, false, false
		}
	}
	for _, s := range steps {
		var ok bool
		if s.kind == stepMember {
			node, ok = d.member(node, s.member)
		} else {
			node, ok = d.element(node, s.index)
		}
		if !ok {
			return 0, false, true
		}
	}
	return node, true, true
}

// member is the node of an object's last member called name.
func (d *jsonDoc) member(obj int, name string) (int, bool) {
	n := &d.nodes[obj]
	if n.kind != '{' {
		return 0, false
	}
	found, child := -1, obj+1
	for range n.count {
		c := &d.nodes[child]
		if tok := d.text[c.name:c.nameEnd]; c.flags&escapedName == 0 && tok[1:len(tok)-1] == name || c.flags&escapedName != 0 && d.name(c) == name {
			found = child
		}
		child += int(c.size)
	}
	return found, found >= 0
}

// element is the node of an array's element n, counted from the end when n is negative.
func (d *jsonDoc) element(arr, n int) (int, bool) {
	a := &d.nodes[arr]
	if a.kind != '[' {
		return 0, false
	}
	if n < 0 {
		n += int(a.count)
	}
	if n < 0 || n >= int(a.count) {
		return 0, false
	}
	child := arr + 1
	for range n {
		child += int(d.nodes[child].size)
	}
	return child, true
}

// compact is node i's text without the space between its tokens, as $input.json gives a selection. Most bodies
// are sent compact already: their text is the answer, not copied.
func (d *jsonDoc) compact(i int) string {
	text := d.text[d.nodes[i].start:d.nodes[i].end]
	var out []byte // nil until the first space
	inString := false
	for j := 0; j < len(text); j++ {
		c := text[j]
		switch {
		case inString && c == '\\':
			j++ // the escaped byte ends no string
			if out != nil {
				out = append(out, c, text[j])
			}
			continue
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			if out == nil {
				out = append(make([]byte, 0, len(text)), text[:j]...)
			}
			continue
		}
		if out != nil {
			out = append(out, c)
		}
	}
	if out == nil {
		return text
	}
	return string(out)
}
