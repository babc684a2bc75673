package policy

import (
	"errors"
	"net/netip"
	"strings"
)

var (
	errMappedPrefix = errors.New("an IPv4-mapped range wider than the mapped addresses")
	errZone         = errors.New("an address with a zone")
)

// family is what a condition operator compares; the negated operators share their positive one's family.
type family uint8

const (
	famStringEquals family = iota
	famStringEqualsIgnoreCase
	famStringLike
	famArn
	famIP
	famBool
	famNull
)

type operator struct {
	family family
	negate bool
}

// operators are the condition operators Parse accepts, before any IfExists. ArnEquals and ArnLike are one
// family: IAM documents them together, both taking wildcards in each of an ARN's six parts.
var operators = map[string]operator{
	"StringEquals":              {famStringEquals, false},
	"StringNotEquals":           {famStringEquals, true},
	"StringEqualsIgnoreCase":    {famStringEqualsIgnoreCase, false},
	"StringNotEqualsIgnoreCase": {famStringEqualsIgnoreCase, true},
	"StringLike":                {famStringLike, false},
	"StringNotLike":             {famStringLike, true},
	"ArnEquals":                 {famArn, false},
	"ArnLike":                   {famArn, false},
	"ArnNotEquals":              {famArn, true},
	"ArnNotLike":                {famArn, true},
	"IpAddress":                 {famIP, false},
	"NotIpAddress":              {famIP, true},
	"Bool":                      {famBool, false},
	"Null":                      {famNull, false},
}

// vpcKeys describe where a request entered AWS's network; a gateway outside AWS never has them, and deciding as
// if they were merely absent would turn a policy meant to admit only one VPC endpoint into one that admits, or
// refuses, everyone.
var vpcKeys = map[string]string{
	"aws:sourcevpc":    "aws:SourceVpc",
	"aws:sourcevpce":   "aws:SourceVpce",
	"aws:sourcevpcarn": "aws:SourceVpcArn",
	"aws:vpcsourceip":  "aws:VpcSourceIp",
}

type keyKind uint8

const (
	keyContext keyKind = iota
	keySourceIP
	keyPrincipalARN
)

// condition is one key of one operator: true when the request's value for key matches one of the values.
type condition struct {
	op       operator
	ifExists bool
	key      string // lower case, as Request.Context holds keys
	kind     keyKind
	values   []string       // the string operators'; Bool's and Null's as "true" or "false"
	arns     [][6]string    // ArnEquals', ArnLike's and their negations'
	prefixes []netip.Prefix // IpAddress' and NotIpAddress'
}

func (c *condition) eval(r *Request) bool {
	if c.kind == keySourceIP {
		present := r.SourceIP.IsValid()
		if c.op.family == famNull {
			return c.nullMatch(present)
		}
		if !present {
			return c.absent()
		}
		// A dual-stack listener shows an IPv4 client as ::ffff:a.b.c.d; IAM sees the IPv4 address.
		addr := r.SourceIP.Unmap().WithZone("")
		in := false
		for _, p := range c.prefixes {
			if p.Contains(addr) {
				in = true
				break
			}
		}
		return in != c.op.negate
	}
	v, present := c.lookup(r)
	if c.op.family == famNull {
		return c.nullMatch(present)
	}
	if !present {
		return c.absent()
	}
	return c.matchValue(v) != c.op.negate
}

// absent decides a condition on a key the request does not have: IAM documents it as false, but true for the
// negated operators (StringNotEquals, ArnNotLike, NotIpAddress, ...) and for any operator with IfExists.
func (c *condition) absent() bool { return c.ifExists || c.op.negate }

func (c *condition) nullMatch(present bool) bool {
	for _, v := range c.values {
		if (v == "true") != present {
			return true
		}
	}
	return false
}

func (c *condition) lookup(r *Request) (string, bool) {
	if v, ok := r.Context[c.key]; ok {
		return v, true
	}
	if c.kind == keyPrincipalARN && r.Principal != "" {
		return r.Principal, true
	}
	return "", false
}

// matchValue reports whether v matches any of the condition's values: a list is ORed, and the negated
// operators negate the whole OR (NOR, as IAM documents).
func (c *condition) matchValue(v string) bool {
	switch c.op.family {
	case famStringEquals:
		for _, w := range c.values {
			if v == w {
				return true
			}
		}
	case famStringEqualsIgnoreCase:
		for _, w := range c.values {
			if strings.EqualFold(v, w) {
				return true
			}
		}
	case famStringLike:
		for _, w := range c.values {
			if matchWildcard(w, v, false) {
				return true
			}
		}
	case famBool:
		for _, w := range c.values {
			if strings.EqualFold(v, w) {
				return true
			}
		}
	case famArn:
		var parts [6]string
		if !splitARN(v, &parts) {
			return false
		}
		for i := range c.arns {
			if matchARN(&c.arns[i], &parts) {
				return true
			}
		}
	}
	return false
}

// matchARN matches part by part, so a wildcard never reaches across a colon into the next part, except in the
// last part (the resource), which keeps any colons it holds.
func matchARN(pattern, parts *[6]string) bool {
	for k := range pattern {
		if !matchWildcard(pattern[k], parts[k], false) {
			return false
		}
	}
	return true
}

// parseConditions reads a statement's Condition element.
func (p *parser) parseConditions(n *jnode, path string) ([]condition, error) {
	if n.kind != jsonObject {
		return nil, errAt(path, "want an object of condition operators, not %s", n.describe())
	}
	var conds []condition
	for i, name := range n.names {
		opPath := child(path, name)
		op, ifExists, err := parseOperator(name, opPath)
		if err != nil {
			return nil, err
		}
		keys := &n.elems[i]
		if keys.kind != jsonObject {
			return nil, errAt(opPath, "want an object of condition keys, not %s", keys.describe())
		}
		for j, key := range keys.names {
			c, err := p.parseCondition(op, ifExists, key, &keys.elems[j], child(opPath, key))
			if err != nil {
				return nil, err
			}
			conds = append(conds, c)
		}
	}
	return conds, nil
}

func parseOperator(name, path string) (operator, bool, error) {
	if strings.HasPrefix(name, "ForAllValues:") || strings.HasPrefix(name, "ForAnyValue:") {
		return operator{}, false, errAt(path, "condition operator %s is not supported: set operators compare keys of many values, and the keys evaluated here have one", name)
	}
	base, ifExists := strings.CutSuffix(name, "IfExists")
	op, ok := operators[base]
	if ok && op.family == famNull && ifExists {
		return operator{}, false, errAt(path, "condition operator NullIfExists does not exist: Null itself tests whether the key exists")
	}
	if ok {
		return op, ifExists, nil
	}
	for _, unsupported := range []string{"Numeric", "Date", "Binary"} {
		if strings.HasPrefix(base, unsupported) {
			return operator{}, false, errAt(path, "condition operator %s is not supported", name)
		}
	}
	return operator{}, false, errAt(path, "unknown condition operator %s", name)
}

func (p *parser) parseCondition(op operator, ifExists bool, key string, n *jnode, path string) (condition, error) {
	c := condition{op: op, ifExists: ifExists, key: strings.ToLower(key)}
	if name, ok := vpcKeys[c.key]; ok {
		return c, errAt(path, "condition key %s cannot be evaluated: a gateway outside AWS has no VPC endpoint, so it never knows the VPC a request came through", name)
	}
	if !strings.HasPrefix(c.key, "aws:") || len(c.key) == len("aws:") {
		return c, errAt(path, "condition key %s is not supported: only global keys (aws:...) are evaluated here", key)
	}
	switch c.key {
	case "aws:sourceip":
		c.kind = keySourceIP
		if op.family != famIP && op.family != famNull {
			return c, errAt(path, "aws:SourceIp takes IpAddress, NotIpAddress or Null, not another operator")
		}
	case "aws:principalarn":
		c.kind = keyPrincipalARN
	}
	if op.family == famIP && c.kind != keySourceIP {
		return c, errAt(path, "IpAddress and NotIpAddress are evaluated on aws:SourceIp only, not %s", key)
	}
	values, err := conditionValues(n, path)
	if err != nil {
		return c, err
	}
	for j, v := range values {
		vPath := elemPath(path, j, n)
		if p.variables && strings.Contains(v, "${") && op.family != famIP && op.family != famBool && op.family != famNull {
			return c, errAt(vPath, "%q holds a policy variable, which is not supported", v)
		}
		switch op.family {
		case famIP:
			prefix, err := parseIPRange(v)
			if err != nil {
				return c, errAt(vPath, "%q is not an IPv4 or IPv6 address or CIDR range", v)
			}
			c.prefixes = append(c.prefixes, prefix)
		case famBool, famNull:
			switch strings.ToLower(v) {
			case "true", "false":
				c.values = append(c.values, strings.ToLower(v))
			default:
				return c, errAt(vPath, `want "true" or "false", not %q`, v)
			}
		case famArn:
			var parts [6]string
			if !splitARN(v, &parts) {
				return c, errAt(vPath, "%q is not an ARN of six colon-separated parts (arn:partition:service:region:account:resource)", v)
			}
			c.arns = append(c.arns, parts)
		default:
			c.values = append(c.values, v)
		}
	}
	return c, nil
}

// conditionValues reads a key's value: one value or a list, each a string or, as IAM allows, an unquoted
// number or boolean, which stands for its literal text.
func conditionValues(n *jnode, path string) ([]string, error) {
	scalar := func(v *jnode, path string) (string, error) {
		switch v.kind {
		case jsonString, jsonNumber, jsonBool:
			return v.text, nil
		}
		return "", errAt(path, "want a string, number or boolean, not %s", v.describe())
	}
	if n.kind != jsonArray {
		v, err := scalar(n, path)
		if err != nil {
			return nil, err
		}
		return []string{v}, nil
	}
	if len(n.elems) == 0 {
		// No value matches nothing, and the negated operators would then match everything.
		return nil, errAt(path, "want at least one value")
	}
	values := make([]string, 0, len(n.elems))
	for i := range n.elems {
		v, err := scalar(&n.elems[i], index(path, i))
		if err != nil {
			return nil, err
		}
		values = append(values, v)
	}
	return values, nil
}

// parseIPRange reads a CIDR range, or a single address as the range of just that address.
func parseIPRange(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			// IAM compares IPv4 callers as IPv4; a range written in mapped form means the IPv4 range.
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, errMappedPrefix
			}
			return netip.PrefixFrom(p.Addr().Unmap(), bits).Masked(), nil
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if a.Zone() != "" {
		return netip.Prefix{}, errZone
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
