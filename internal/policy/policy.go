package policy

import (
	"fmt"
	"net/netip"
	"strings"
)

// Document is a parsed IAM policy document.
type Document struct {
	statements   []statement
	hasPrincipal bool
}

type statement struct {
	deny         bool
	notAction    bool
	actions      []pattern
	notResource  bool
	resources    []pattern
	principals   *principals // nil when the statement names none: an identity or authorizer policy
	notPrincipal bool
	conditions   []condition
}

// Request is what one evaluation asks.
type Request struct {
	Action   string // e.g. "execute-api:Invoke"
	Resource string // the method ARN
	// Principal is the caller's ARN for resource policies; "" is an anonymous caller, which only Principal "*"
	// matches. It is also aws:PrincipalArn, unless Context holds "aws:principalarn": for a role session IAM's
	// aws:PrincipalArn is the role's ARN, with its path, which only a caller that knows the role can give.
	Principal string
	SourceIP  netip.Addr // aws:SourceIp; the zero Addr when unknown, which makes the key absent
	// Context holds other condition keys by lower-case name, e.g. "aws:principalarn", "aws:username"; a key
	// absent here is absent for IAM.
	Context map[string]string
}

// Decision is IAM's answer for one document.
type Decision int

// The decisions, weakest first.
const (
	NotApplicable Decision = iota // no statement matched: an implicit deny unless another policy allows
	Allow
	Deny // an explicit deny: wins over every allow
)

// String returns the decision's name.
func (d Decision) String() string {
	switch d {
	case NotApplicable:
		return "NotApplicable"
	case Allow:
		return "Allow"
	case Deny:
		return "Deny"
	}
	return fmt.Sprintf("Decision(%d)", int(d))
}

// ParseError says where a policy document is wrong and why.
type ParseError struct {
	Path    string // where, e.g. Statement[1].Effect; empty for the document as a whole
	Message string
}

// Error returns the path and the message, as in `Statement[1].Effect: want "Allow" or "Deny", not "allow"`.
func (e *ParseError) Error() string {
	if e.Path == "" {
		return "policy document: " + e.Message
	}
	return e.Path + ": " + e.Message
}

// Parse reads a policy document from JSON. It accepts what IAM accepts: Version "2012-10-17" or "2008-10-17" or
// absent; Statement as one object or an array; Action/NotAction, Resource/NotResource as a string or an array
// of strings; Effect "Allow" or "Deny" (exact case, as IAM); optional Sid; Principal/NotPrincipal ("*" or
// {"AWS": "arn" | ["arn", ...]} or {"AWS": "*"}); Condition blocks. Anything malformed is a *ParseError that
// says where (e.g. `Statement[1].Effect: want "Allow" or "Deny", not "allow"`).
//
// A condition operator or key the package cannot evaluate is an error naming it, never ignored: the gateway
// refuses such a policy at load rather than decide wrongly. So are the VPC keys (aws:SourceVpc,
// aws:SourceVpce), which a gateway outside AWS never has, and, in a 2012-10-17 document, policy variables such
// as ${aws:username}; older documents have no variables, and IAM matches "${" in them literally, as Parse does.
//
// API Gateway's abbreviated resources (execute-api:/stage/GET/pets) name the API the policy is attached to,
// which Parse does not know: it refuses them, and ParseResourcePolicy reads them.
func Parse(data []byte) (*Document, error) {
	return parse(data, "")
}

// ParseResourcePolicy reads an API's resource policy (x-amazon-apigateway-policy). apiARN names the API,
// arn:{partition}:execute-api:{region}:{account}:{apiId}; resources written execute-api:/{rest} stand for
// apiARN/{rest}, as API Gateway expands them when the policy is saved. Every statement must name a Principal or
// NotPrincipal, as in every resource-based policy.
func ParseResourcePolicy(data []byte, apiARN string) (*Document, error) {
	var parts [6]string
	if !splitARN(apiARN, &parts) || parts[0] != "arn" || parts[1] == "" || parts[2] != "execute-api" ||
		parts[3] == "" || !isAccountID(parts[4]) || parts[5] == "" || strings.ContainsAny(parts[5], "/:") ||
		hasWildcard(apiARN) {
		return nil, fmt.Errorf("policy: %q is not an API's ARN (arn:aws:execute-api:{region}:{account}:{apiId})", apiARN)
	}
	return parse(data, apiARN)
}

// parser holds what the whole document decides for each of its parts.
type parser struct {
	apiARN    string // "" when abbreviated resources cannot be expanded
	variables bool   // Version 2012-10-17: ${...} is a policy variable
}

func parse(data []byte, apiARN string) (*Document, error) {
	root, err := decodeJSON(data)
	if err != nil {
		return nil, err
	}
	if root.kind != jsonObject {
		return nil, &ParseError{Message: "want a JSON object, not " + root.describe()}
	}
	p := parser{apiARN: apiARN}
	var stmts *jnode
	for i, name := range root.names {
		v := &root.elems[i]
		switch name {
		case "Version":
			if v.kind != jsonString || (v.text != "2012-10-17" && v.text != "2008-10-17") {
				return nil, errAt(name, `want "2012-10-17" or "2008-10-17", not %s`, v.describe())
			}
			p.variables = v.text == "2012-10-17"
		case "Id":
			if v.kind != jsonString {
				return nil, errAt(name, "want a string, not %s", v.describe())
			}
		case "Statement":
			stmts = v
		default:
			return nil, errAt(name, `unknown element: a policy document has "Version", "Id" and "Statement"`)
		}
	}
	if stmts == nil {
		return nil, errAt("Statement", "missing")
	}
	d := &Document{}
	switch stmts.kind {
	case jsonObject:
		s, err := p.parseStatement(stmts, "Statement")
		if err != nil {
			return nil, err
		}
		d.statements = append(d.statements, s)
	case jsonArray:
		d.statements = make([]statement, 0, len(stmts.elems))
		for i := range stmts.elems {
			s, err := p.parseStatement(&stmts.elems[i], index("Statement", i))
			if err != nil {
				return nil, err
			}
			d.statements = append(d.statements, s)
		}
	default:
		return nil, errAt("Statement", "want a statement object or an array of them, not %s", stmts.describe())
	}
	for i := range d.statements {
		d.hasPrincipal = d.hasPrincipal || d.statements[i].principals != nil
	}
	return d, nil
}

func (p *parser) parseStatement(n *jnode, path string) (statement, error) {
	var s statement
	if n.kind != jsonObject {
		return s, errAt(path, "want a statement object, not %s", n.describe())
	}
	var effect, action, resource, principal, condition *jnode
	var actionName, resourceName, principalName string
	for i, name := range n.names {
		v := &n.elems[i]
		var slot **jnode
		var slotName *string
		switch name {
		case "Sid":
			if v.kind != jsonString {
				return s, errAt(child(path, name), "want a string, not %s", v.describe())
			}
			continue
		case "Effect":
			slot = &effect
		case "Action", "NotAction":
			slot, slotName = &action, &actionName
		case "Resource", "NotResource":
			slot, slotName = &resource, &resourceName
		case "Principal", "NotPrincipal":
			slot, slotName = &principal, &principalName
		case "Condition":
			slot = &condition
		default:
			return s, errAt(child(path, name), `unknown element: a statement has "Sid", "Effect", "Principal" or "NotPrincipal", "Action" or "NotAction", "Resource" or "NotResource", and "Condition"`)
		}
		if *slot != nil && slotName != nil {
			// Only the pairs get here: a repeated name is a duplicate member, refused while decoding.
			return s, errAt(path, "has both %s and %s; a statement takes one of them", *slotName, name)
		}
		*slot = v
		if slotName != nil {
			*slotName = name
		}
	}

	if effect == nil {
		return s, errAt(child(path, "Effect"), "missing")
	}
	if effect.kind != jsonString || (effect.text != "Allow" && effect.text != "Deny") {
		return s, errAt(child(path, "Effect"), `want "Allow" or "Deny", not %s`, effect.describe())
	}
	s.deny = effect.text == "Deny"

	if action == nil {
		return s, errAt(child(path, "Action"), "missing: a statement needs Action or NotAction")
	}
	actions, err := stringList(action, child(path, actionName))
	if err != nil {
		return s, err
	}
	for j, a := range actions {
		if a != "*" && !validAction(a) {
			return s, errAt(elemPath(child(path, actionName), j, action), `%q is not an action: want "*" or service:action, such as execute-api:Invoke`, a)
		}
	}
	for _, a := range actions {
		s.actions = append(s.actions, compilePattern(a, true))
	}
	s.notAction = actionName == "NotAction"

	if resource == nil {
		return s, errAt(child(path, "Resource"), "missing: a statement needs Resource or NotResource")
	}
	resources, err := stringList(resource, child(path, resourceName))
	if err != nil {
		return s, err
	}
	for j, r := range resources {
		rPath := elemPath(child(path, resourceName), j, resource)
		if p.variables && strings.Contains(r, "${") {
			return s, errAt(rPath, "%q holds a policy variable, which is not supported", r)
		}
		if rest, ok := strings.CutPrefix(r, "execute-api:/"); ok {
			if p.apiARN == "" {
				return s, errAt(rPath, "%q abbreviates the ARN of the API the policy is attached to, which is known only for a resource policy (ParseResourcePolicy)", r)
			}
			resources[j] = p.apiARN + "/" + rest
			continue
		}
		if r != "*" && !strings.HasPrefix(r, "arn:") {
			return s, errAt(rPath, `%q is not a resource: want "*" or an ARN`, r)
		}
	}
	for _, r := range resources {
		s.resources = append(s.resources, compilePattern(r, false))
	}
	s.notResource = resourceName == "NotResource"

	if principal != nil {
		ps, err := parsePrincipal(principal, child(path, principalName))
		if err != nil {
			return s, err
		}
		s.principals, s.notPrincipal = ps, principalName == "NotPrincipal"
	} else if p.apiARN != "" {
		return s, errAt(path, "a resource policy statement needs Principal or NotPrincipal")
	}

	if condition != nil {
		conds, err := p.parseConditions(condition, child(path, "Condition"))
		if err != nil {
			return s, err
		}
		s.conditions = conds
	}
	return s, nil
}

// validAction reports whether a is service:name, IAM's form of an action, with wildcards allowed in either part.
func validAction(a string) bool {
	service, name, ok := strings.Cut(a, ":")
	return ok && service != "" && name != ""
}

// stringList reads a value that IAM allows as one string or an array of them.
func stringList(n *jnode, path string) ([]string, error) {
	switch n.kind {
	case jsonString:
		return []string{n.text}, nil
	case jsonArray:
		if len(n.elems) == 0 {
			// An empty list would make Action match nothing and NotAction everything; IAM wants a value.
			return nil, errAt(path, "want at least one value")
		}
		out := make([]string, len(n.elems))
		for i := range n.elems {
			if n.elems[i].kind != jsonString {
				return nil, errAt(index(path, i), "want a string, not %s", n.elems[i].describe())
			}
			out[i] = n.elems[i].text
		}
		return out, nil
	}
	return nil, errAt(path, "want a string or an array of strings, not %s", n.describe())
}

// HasPrincipal reports whether any statement names a Principal or NotPrincipal. Resource policies name one in
// every statement; identity policies, and the policies Lambda authorizers return, name none.
func (d *Document) HasPrincipal() bool { return d.hasPrincipal }

// Evaluate decides the request: any matching Deny statement gives Deny; else any matching Allow gives Allow;
// else NotApplicable. A statement matches when its action part, resource part, principal part and every one of
// its conditions match.
func (d *Document) Evaluate(r Request) Decision {
	c := parseCaller(r.Principal)
	decision := NotApplicable
	for i := range d.statements {
		s := &d.statements[i]
		if decision == Allow && !s.deny {
			continue // another Allow cannot change the answer; only a Deny can
		}
		if s.matches(&r, &c) {
			if s.deny {
				return Deny
			}
			decision = Allow
		}
	}
	return decision
}

func (s *statement) matches(r *Request, c *caller) bool {
	if anyMatch(s.actions, r.Action) == s.notAction {
		return false
	}
	if anyMatch(s.resources, r.Resource) == s.notResource {
		return false
	}
	if s.principals != nil && s.principals.match(c) == s.notPrincipal {
		return false
	}
	for i := range s.conditions {
		if !s.conditions[i].eval(r) {
			return false
		}
	}
	return true
}

func anyMatch(patterns []pattern, s string) bool {
	for i := range patterns {
		if patterns[i].match(s) {
			return true
		}
	}
	return false
}

// Combine merges the decisions of several policies as IAM does within one account: Deny if any is Deny, else
// Allow if any is Allow, else NotApplicable.
func Combine(ds ...Decision) Decision {
	out := NotApplicable
	for _, d := range ds {
		if d == Deny {
			return Deny
		}
		if d == Allow {
			out = Allow
		}
	}
	return out
}
