package apigw

// find walks a path of member and index steps down the document's tape to the node it selects, decoding
// nothing on the way. simple is false when the path has other steps (*, ..): those take the decoded document.
// A repeated member selects its last value, as in the decoded document. A template's paths mostly share their
// beginnings ($.order.customer.name, $.order.customer.city): a walk starts where the last one left the steps
// they share.
func (d *jsonDoc) find(steps []step) (node int, found, simple bool) {
	for _, s := range steps {
		if s.recursive || s.kind == stepAll {
			return 0, false, false
		}
	}
	shared := 0
	for shared < len(steps) && shared < len(d.trail) && steps[shared] == d.trail[shared] {
		shared++
	}
	if shared > 0 {
		node = d.trailNodes[shared-1]
	}
	d.trail, d.trailNodes = steps[:shared], d.trailNodes[:shared]
	for _, s := range steps[shared:] {
		var ok bool
		if s.kind == stepMember {
			node, ok = d.member(node, s.member)
		} else {
			node, ok = d.element(node, s.index)
		}
		if !ok {
			return 0, false, true
		}
		d.trail, d.trailNodes = steps[:len(d.trail)+1], append(d.trailNodes, node)
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
		if c.flags&escapedName == 0 && int(c.nameEnd-c.name) == len(name)+2 && d.text[c.name+1:c.nameEnd-1] == name ||
			c.flags&escapedName != 0 && d.name(c) == name {
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
// are sent compact already: their text is the answer, not copied; a spaced one's lives in the decoded text's
// slab, valid until the document is released.
func (d *jsonDoc) compact(i int) string {
	n := &d.nodes[i]
	if n.flags&spaced == 0 {
		return d.text[n.start:n.end]
	}
	return d.slabs.write(int(n.end-n.start), func(dst []byte) []byte { return d.appendCompact(dst, i) })
}

// appendCompact appends node i token by token from the tape, and the parts with no space inside whole.
func (d *jsonDoc) appendCompact(out []byte, i int) []byte {
	n := &d.nodes[i]
	if n.flags&spaced == 0 {
		return append(out, d.text[n.start:n.end]...)
	}
	out = append(out, n.kind)
	child := i + 1
	for k := range n.count {
		if k > 0 {
			out = append(out, ',')
		}
		c := &d.nodes[child]
		if n.kind == '{' {
			out = append(append(out, d.text[c.name:c.nameEnd]...), ':')
		}
		out = d.appendCompact(out, child)
		child += int(c.size)
	}
	return append(out, n.kind+2) // '[' + 2 is ']', '{' + 2 is '}'
}
