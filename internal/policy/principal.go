package policy

import (
	"fmt"
	"strings"
)

// principals is a parsed Principal or NotPrincipal element. Only AWS principals can be a gateway's caller;
// Service, Federated and CanonicalUser entries are kept out of it, so they never match.
type principals struct {
	anyone   bool     // "*" or {"AWS": "*"}: every caller, anonymous ones too
	accounts []arnRef // an account's root ARN or bare id: every principal of the account
	roles    []arnRef // a role: the role, and every session of it
	exact    []string // any other principal ARN, compared whole
}

// arnRef is a principal ARN taken apart for matching; name is a role's name, without its path.
type arnRef struct {
	arn, partition, account, name string
}

// caller is Request.Principal taken apart once per evaluation.
type caller struct {
	arn                string
	partition, service string
	account, resource  string
	valid              bool // an ARN of six parts
}

func parseCaller(s string) caller {
	c := caller{arn: s}
	var parts [6]string
	if !splitARN(s, &parts) {
		return c
	}
	c.partition, c.service, c.account, c.resource = parts[1], parts[2], parts[4], parts[5]
	c.valid = true
	return c
}

// splitARN splits s into the six colon-separated parts of an ARN; the last part keeps any further colons. It
// reports false for fewer than six parts.
func splitARN(s string, parts *[6]string) bool {
	for k := 0; k < 5; k++ {
		i := strings.IndexByte(s, ':')
		if i < 0 {
			return false
		}
		parts[k], s = s[:i], s[i+1:]
	}
	parts[5] = s
	return true
}

func (ps *principals) match(c *caller) bool {
	if ps.anyone {
		return true
	}
	if !c.valid {
		// Anonymous callers match only "*"; a caller that is not an ARN can match an exact entry at most.
		for _, e := range ps.exact {
			if e == c.arn && c.arn != "" {
				return true
			}
		}
		return false
	}
	for _, a := range ps.accounts {
		if a.account == c.account && (a.partition == "" || a.partition == c.partition) {
			return true
		}
	}
	for _, e := range ps.exact {
		if e == c.arn {
			return true
		}
	}
	if len(ps.roles) > 0 {
		// A role's sessions call as arn:{partition}:sts::{account}:assumed-role/{role name}/{session}, without
		// the role's path; IAM grants what names the role to all of them.
		session, ok := strings.CutPrefix(c.resource, "assumed-role/")
		if c.service == "sts" && ok {
			name, _, ok := strings.Cut(session, "/")
			for _, r := range ps.roles {
				if ok && r.name == name && r.account == c.account && r.partition == c.partition {
					return true
				}
			}
		}
		for _, r := range ps.roles {
			if r.arn == c.arn {
				return true
			}
		}
	}
	return false
}

// parsePrincipal reads a Principal or NotPrincipal element at path.
func parsePrincipal(n *jnode, path string) (*principals, error) {
	ps := &principals{}
	switch n.kind {
	case jsonString:
		if n.text != "*" {
			return nil, errAt(path, `want "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}, not %s`, n.describe())
		}
		ps.anyone = true
		return ps, nil
	case jsonObject:
	default:
		return nil, errAt(path, `want "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}, not %s`, n.describe())
	}
	if len(n.names) == 0 {
		return nil, errAt(path, "names no principal")
	}
	for i, typ := range n.names {
		p := child(path, typ)
		values, err := stringList(&n.elems[i], p)
		if err != nil {
			return nil, err
		}
		switch typ {
		case "AWS":
			for j, v := range values {
				if err := ps.addAWS(v, elemPath(p, j, &n.elems[i])); err != nil {
					return nil, err
				}
			}
		case "Service", "Federated", "CanonicalUser":
			// Valid, but never a gateway's caller: parsed and then never matched.
		default:
			return nil, errAt(p, `unknown principal type: want "AWS", "Service", "Federated" or "CanonicalUser"`)
		}
	}
	return ps, nil
}

func (ps *principals) addAWS(v, path string) error {
	if v == "*" {
		ps.anyone = true
		return nil
	}
	if isAccountID(v) {
		// IAM reads a bare account id as that account's root ARN in the policy's partition, which a gateway
		// outside AWS does not know: it matches the account in any partition.
		ps.accounts = append(ps.accounts, arnRef{account: v})
		return nil
	}
	if hasWildcard(v) {
		return errAt(path, `%q: IAM allows no wildcard in a principal but the lone "*"`, v)
	}
	if isUniqueID(v) {
		// IAM shows a deleted user's or role's unique id (AIDA…, AROA…) in place of its ARN. No caller is named
		// by one any longer, so it is kept and never matches.
		return nil
	}
	var parts [6]string
	if !strings.HasPrefix(v, "arn:") || !splitARN(v, &parts) || parts[1] == "" || parts[5] == "" ||
		(parts[2] != "iam" && parts[2] != "sts") || !isAccountID(parts[4]) {
		return errAt(path, `%q is not an AWS principal: want "*", a 12-digit account id or an IAM or STS ARN such as arn:aws:iam::123456789012:role/name`, v)
	}
	partition, service, account, resource := parts[1], parts[2], parts[4], parts[5]
	switch {
	case service == "iam" && resource == "root":
		ps.accounts = append(ps.accounts, arnRef{partition: partition, account: account})
	case service == "iam" && strings.HasPrefix(resource, "role/"):
		name := resource[strings.LastIndexByte(resource, '/')+1:]
		if name == "" {
			return errAt(path, "%q names no role", v)
		}
		ps.roles = append(ps.roles, arnRef{arn: v, partition: partition, account: account, name: name})
	default:
		ps.exact = append(ps.exact, v)
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isUniqueID recognises IAM's unique ids: a four-letter type prefix starting with A (AIDA for users, AROA for
// roles, ...) and upper-case letters and digits, 16 characters at least.
func isUniqueID(s string) bool {
	if len(s) < 16 || len(s) > 128 || s[0] != 'A' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// elemPath is the path of the j-th of a list's values, which is the path of the element itself when the list
// was written as a lone string.
func elemPath(path string, j int, node *jnode) string {
	if node.kind != jsonArray {
		return path
	}
	return index(path, j)
}

func errAt(path, format string, args ...any) error {
	return &ParseError{Path: path, Message: fmt.Sprintf(format, args...)}
}
