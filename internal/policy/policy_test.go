package policy

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	invoke    = "execute-api:Invoke"
	apiARN    = "arn:aws:execute-api:us-east-1:123456789012:abc123"
	methodARN = apiARN + "/prod/GET/pets/42"
)

// doc wraps statements (one object or an array) in a 2012-10-17 document.
func doc(statements string) string {
	return `{"Version": "2012-10-17", "Statement": ` + statements + `}`
}

// allowWhen is a document that allows everything when condition holds.
func allowWhen(condition string) string {
	return doc(`{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": ` + condition + `}`)
}

func mustParse(t testing.TB, policy string) *Document {
	t.Helper()
	d, err := Parse([]byte(policy))
	if err != nil {
		t.Fatalf("Parse(%s): %v", policy, err)
	}
	return d
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name, policy string
		principal    bool
	}{
		{name: "no version", policy: `{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`},
		{name: "version 2008", policy: `{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}`},
		{name: "version 2012 and id", policy: `{"Version": "2012-10-17", "Id": "p1", "Statement": []}`},
		{name: "statement object", policy: doc(`{"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*"}`)},
		{name: "statement array", policy: doc(`[{"Sid": "a", "Effect": "Allow", "Action": ["execute-api:Invoke", "execute-api:*"], "Resource": ["*"]},
			{"Sid": "b 2", "Effect": "Deny", "NotAction": "execute-api:Invoke", "NotResource": ["arn:aws:execute-api:us-east-1:1:a/*"]}]`)},
		{name: "empty statement array", policy: doc(`[]`)},
		{name: "principal star", principal: true, policy: doc(`{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}`)},
		{name: "principal AWS star", principal: true, policy: doc(`{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*"}`)},
		{name: "principal ARNs", principal: true, policy: doc(`{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::123456789012:root",
			"123456789012", "arn:aws:iam::123456789012:user/division/alice", "arn:aws:iam::123456789012:role/path/dev",
			"arn:aws:sts::123456789012:assumed-role/dev/session", "AROAEXAMPLEID1234567"]}, "Action": "*", "Resource": "*"}`)},
		{name: "other principal types", principal: true, policy: doc(`{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com",
			"Federated": ["cognito-identity.amazonaws.com"], "CanonicalUser": "79a59df900b949e55d96a1e698fbaced"}, "Action": "*", "Resource": "*"}`)},
		{name: "not principal", principal: true, policy: doc(`{"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "*", "Resource": "*"}`)},
		{name: "every supported operator", policy: allowWhen(`{
			"StringEquals": {"aws:username": "a"}, "StringNotEquals": {"aws:username": ["b", "c"]},
			"StringEqualsIgnoreCase": {"aws:username": "A"}, "StringNotEqualsIgnoreCase": {"aws:username": "B"},
			"StringLike": {"aws:username": "a*"}, "StringNotLike": {"aws:username": "b?"},
			"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/a"}, "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"},
			"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:user/b"}, "ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"},
			"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32", "203.0.113.9", "::ffff:198.51.100.0/120"]},
			"NotIpAddress": {"aws:SourceIp": "192.0.2.7/32"},
			"Bool": {"aws:SecureTransport": true}, "Null": {"aws:TokenIssueTime": "false"},
			"StringEqualsIfExists": {"aws:username": "a"}, "StringNotLikeIfExists": {"aws:username": "b*"},
			"ArnLikeIfExists": {"aws:PrincipalArn": "arn:*:*:*:*:*"}, "IpAddressIfExists": {"aws:SourceIp": "0.0.0.0/0"},
			"NotIpAddressIfExists": {"aws:SourceIp": "::/0"}, "BoolIfExists": {"aws:MultiFactorAuthPresent": "True"},
			"StringLikeIfExists": {"aws:RequestTag/n": 42}}`)},
		{name: "empty condition", policy: allowWhen(`{}`)},
		// IAM reads ${...} as a policy variable only in 2012-10-17 documents; in older ones it is literal text.
		{name: "dollar brace literal in 2008", policy: `{"Version": "2008-10-17", "Statement": {"Effect": "Allow", "Action": "*",
			"Resource": "arn:aws:execute-api:us-east-1:1:a/${x}", "Condition": {"StringEquals": {"aws:username": "${y}"}}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := mustParse(t, tt.policy)
			if d.HasPrincipal() != tt.principal {
				t.Errorf("HasPrincipal = %v, want %v", d.HasPrincipal(), tt.principal)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	stmt := func(fields string) string {
		return doc(`{"Effect": "Allow", "Action": "*", "Resource": "*"` + fields + `}`)
	}
	tests := []struct {
		name, policy, want string
	}{
		{"not JSON", `{"Statement": `, "policy document: not valid JSON: unexpected end of input"},
		{"bad JSON", `{"Statement" 1}`, "policy document: not valid JSON: invalid character '1' after object key"},
		{"trailing data", `{"Statement": []} {}`, "policy document: not valid JSON: more data after the document"},
		{"not an object", `[]`, "policy document: want a JSON object, not an array"},
		{"no statement", `{"Version": "2012-10-17"}`, "Statement: missing"},
		{"bad version", `{"Version": "2012-10-18", "Statement": []}`, `Version: want "2012-10-17" or "2008-10-17", not "2012-10-18"`},
		{"numeric version", `{"Version": 2012, "Statement": []}`, `Version: want "2012-10-17" or "2008-10-17", not the number 2012`},
		{"unknown top element", `{"Statement": [], "statement": []}`, `statement: unknown element`},
		{"statement string", doc(`"Allow"`), `Statement: want a statement object or an array of them, not "Allow"`},
		{"statement element", doc(`[1]`), `Statement[0]: want a statement object, not the number 1`},
		{"effect case", doc(`[{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "allow", "Action": "*", "Resource": "*"}]`),
			`Statement[1].Effect: want "Allow" or "Deny", not "allow"`},
		{"no effect", doc(`{"Action": "*", "Resource": "*"}`), `Statement.Effect: missing`},
		{"element case", doc(`[{"effect": "Allow", "Action": "*", "Resource": "*"}]`), `Statement[0].effect: unknown element`},
		{"duplicate", doc(`[{"Effect": "Allow", "Effect": "Deny", "Action": "*", "Resource": "*"}]`), `Statement[0]: duplicate member "Effect"`},
		{"no action", doc(`{"Effect": "Allow", "Resource": "*"}`), `Statement.Action: missing: a statement needs Action or NotAction`},
		{"action and not action", stmt(`, "NotAction": "x:y"`), `Statement: has both Action and NotAction; a statement takes one of them`},
		{"empty action", doc(`{"Effect": "Allow", "Action": [], "Resource": "*"}`), `Statement.Action: want at least one value`},
		{"action number", doc(`{"Effect": "Allow", "Action": ["x:y", 1], "Resource": "*"}`), `Statement.Action[1]: want a string, not the number 1`},
		{"action object", doc(`{"Effect": "Allow", "Action": {}, "Resource": "*"}`), `Statement.Action: want a string or an array of strings, not an object`},
		{"action without service", doc(`{"Effect": "Allow", "Action": ["x:y", "Invoke"], "Resource": "*"}`),
			`Statement.Action[1]: "Invoke" is not an action: want "*" or service:action, such as execute-api:Invoke`},
		{"no resource", doc(`{"Effect": "Allow", "Action": "*"}`), `Statement.Resource: missing: a statement needs Resource or NotResource`},
		{"resource and not resource", stmt(`, "NotResource": "*"`), `Statement: has both Resource and NotResource`},
		{"resource not ARN", doc(`{"Effect": "Allow", "Action": "*", "Resource": "pets/*"}`), `Statement.Resource: "pets/*" is not a resource: want "*" or an ARN`},
		{"abbreviated resource", doc(`{"Effect": "Allow", "Action": "*", "Resource": ["execute-api:/*"]}`),
			`Statement.Resource[0]: "execute-api:/*" abbreviates the ARN of the API the policy is attached to, which is known only for a resource policy (ParseResourcePolicy)`},
		{"policy variable", doc(`{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:execute-api:*:*:a/*/GET/users/${aws:username}"}`),
			`Statement.Resource: "arn:aws:execute-api:*:*:a/*/GET/users/${aws:username}" holds a policy variable, which is not supported`},
		{"policy variable in condition", stmt(`, "Condition": {"StringLike": {"aws:PrincipalTag/x": ["a", "${aws:username}"]}}`),
			`Statement.Condition.StringLike.aws:PrincipalTag/x[1]: "${aws:username}" holds a policy variable, which is not supported`},
		{"sid number", stmt(`, "Sid": 1`), `Statement.Sid: want a string, not the number 1`},

		{"principal string ARN", stmt(`, "Principal": "arn:aws:iam::123456789012:root"`),
			`Statement.Principal: want "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}, not "arn:aws:iam::123456789012:root"`},
		{"principal and not principal", stmt(`, "Principal": "*", "NotPrincipal": "*"`), `Statement: has both Principal and NotPrincipal`},
		{"principal empty", stmt(`, "Principal": {}`), `Statement.Principal: names no principal`},
		{"principal wildcard role", stmt(`, "Principal": {"AWS": ["123456789012", "arn:aws:iam::123456789012:role/*"]}`),
			`Statement.Principal.AWS[1]: "arn:aws:iam::123456789012:role/*": IAM allows no wildcard in a principal but the lone "*"`},
		{"principal wildcard account", stmt(`, "Principal": {"AWS": "arn:aws:iam::*:root"}`),
			`Statement.Principal.AWS: "arn:aws:iam::*:root": IAM allows no wildcard in a principal but the lone "*"`},
		{"principal not ARN", stmt(`, "NotPrincipal": {"AWS": "alice"}`),
			`Statement.NotPrincipal.AWS: "alice" is not an AWS principal`},
		{"principal other service", stmt(`, "Principal": {"AWS": "arn:aws:s3:::bucket"}`), `is not an AWS principal`},
		{"principal short account", stmt(`, "Principal": {"AWS": "arn:aws:iam::1234:root"}`), `is not an AWS principal`},
		{"principal type", stmt(`, "Principal": {"aws": "*"}`),
			`Statement.Principal.aws: unknown principal type: want "AWS", "Service", "Federated" or "CanonicalUser"`},
		{"principal list empty", stmt(`, "Principal": {"AWS": []}`), `Statement.Principal.AWS: want at least one value`},

		{"duplicate operator", stmt(`, "Condition": {"StringEquals": {"aws:username": "a"}, "StringEquals": {"aws:username": "b"}}}`),
			`Statement.Condition: duplicate member "StringEquals"`},
		{"condition not object", stmt(`, "Condition": []`), `Statement.Condition: want an object of condition operators, not an array`},
		{"operator not object", stmt(`, "Condition": {"StringEquals": "x"}`), `Statement.Condition.StringEquals: want an object of condition keys, not "x"`},
		{"numeric operator", stmt(`, "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}`),
			`Statement.Condition.NumericLessThan: condition operator NumericLessThan is not supported`},
		{"date operator", stmt(`, "Condition": {"DateGreaterThanIfExists": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}`),
			`condition operator DateGreaterThanIfExists is not supported`},
		{"binary operator", stmt(`, "Condition": {"BinaryEquals": {"aws:x": "QUJD"}}`), `condition operator BinaryEquals is not supported`},
		{"set operator", stmt(`, "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}`),
			`Statement.Condition.ForAnyValue:StringEquals: condition operator ForAnyValue:StringEquals is not supported: set operators`},
		{"unknown operator", stmt(`, "Condition": {"StringEqual": {"aws:username": "a"}}`), `Statement.Condition.StringEqual: unknown condition operator StringEqual`},
		{"operator case", stmt(`, "Condition": {"stringequals": {"aws:username": "a"}}`), `unknown condition operator stringequals`},
		{"null if exists", stmt(`, "Condition": {"NullIfExists": {"aws:username": "true"}}`),
			`Statement.Condition.NullIfExists: condition operator NullIfExists does not exist`},
		{"source vpce", stmt(`, "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}`),
			`Statement.Condition.StringEquals.aws:SourceVpce: condition key aws:SourceVpce cannot be evaluated: a gateway outside AWS has no VPC endpoint, so it never knows the VPC a request came through`},
		{"source vpc any case", stmt(`, "Condition": {"StringNotEqualsIfExists": {"AWS:SOURCEVPC": "vpc-1"}}`),
			`condition key aws:SourceVpc cannot be evaluated: a gateway outside AWS has no VPC endpoint`},
		{"service key", stmt(`, "Condition": {"StringEquals": {"execute-api:viaDomainArn": "x"}}`),
			`Statement.Condition.StringEquals.execute-api:viaDomainArn: condition key execute-api:viaDomainArn is not supported: only global keys (aws:...) are evaluated here`},
		{"bare aws prefix", stmt(`, "Condition": {"StringEquals": {"aws:": "x"}}`), `condition key aws: is not supported`},
		{"source ip as string", stmt(`, "Condition": {"StringEquals": {"aws:SourceIp": "192.0.2.1"}}`),
			`Statement.Condition.StringEquals.aws:SourceIp: aws:SourceIp takes IpAddress, NotIpAddress or Null, not another operator`},
		{"ip on other key", stmt(`, "Condition": {"IpAddress": {"aws:username": "192.0.2.1"}}`),
			`Statement.Condition.IpAddress.aws:username: IpAddress and NotIpAddress are evaluated on aws:SourceIp only, not aws:username`},
		{"bad ip", stmt(`, "Condition": {"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "300.0.0.0/8"]}}`),
			`Statement.Condition.NotIpAddress.aws:SourceIp[1]: "300.0.0.0/8" is not an IPv4 or IPv6 address or CIDR range`},
		{"ip with zone", stmt(`, "Condition": {"IpAddress": {"aws:SourceIp": "fe80::1%eth0"}}`), `is not an IPv4 or IPv6 address or CIDR range`},
		{"bad bool", stmt(`, "Condition": {"Bool": {"aws:SecureTransport": "yes"}}`),
			`Statement.Condition.Bool.aws:SecureTransport: want "true" or "false", not "yes"`},
		{"bad null", stmt(`, "Condition": {"Null": {"aws:username": 1}}`), `want "true" or "false", not "1"`},
		{"short ARN pattern", stmt(`, "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*"}}`),
			`Statement.Condition.ArnLike.aws:PrincipalArn: "arn:aws:iam::*" is not an ARN of six colon-separated parts (arn:partition:service:region:account:resource)`},
		{"empty values", stmt(`, "Condition": {"StringNotEquals": {"aws:username": []}}`),
			`Statement.Condition.StringNotEquals.aws:username: want at least one value`},
		{"null value", stmt(`, "Condition": {"StringEquals": {"aws:username": [null]}}`),
			`Statement.Condition.StringEquals.aws:username[0]: want a string, number or boolean, not null`},
		{"too deep", `{"Statement": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, `nested more than 32 levels deep`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.policy))
			if err == nil {
				t.Fatalf("Parse succeeded (%d statements), want error %q", len(d.statements), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error\n got: %v\nwant: %s", err, tt.want)
			}
			if _, ok := err.(*ParseError); !ok {
				t.Errorf("error is %T, want *ParseError", err)
			}
		})
	}
}

func TestParseResourcePolicy(t *testing.T) {
	policy := doc(`{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
		"Resource": ["execute-api:/*/GET/pets", "execute-api:/prod/POST/*", "arn:aws:execute-api:us-east-1:123456789012:other/*"]}`)
	d, err := ParseResourcePolicy([]byte(policy), apiARN)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{apiARN + "/*/GET/pets", apiARN + "/prod/POST/*", "arn:aws:execute-api:us-east-1:123456789012:other/*"}
	var got []string
	for _, p := range d.statements[0].resources {
		got = append(got, p.text)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("resources = %q, want %q", got, want)
	}

	if _, err := ParseResourcePolicy([]byte(doc(`{"Effect": "Allow", "Action": "*", "Resource": "*"}`)), apiARN); err == nil ||
		err.Error() != "Statement: a resource policy statement needs Principal or NotPrincipal" {
		t.Errorf("statement without principal: %v", err)
	}
	for _, bad := range []string{"", "abc123", "arn:aws:execute-api:us-east-1:123456789012:*", "arn:aws:lambda:us-east-1:123456789012:abc",
		"arn:aws:execute-api:us-east-1:123456789012:abc/prod", "arn:aws:execute-api::123456789012:abc", "arn:aws:execute-api:us-east-1:12:abc"} {
		if _, err := ParseResourcePolicy([]byte(policy), bad); err == nil || !strings.Contains(err.Error(), "is not an API's ARN") {
			t.Errorf("ParseResourcePolicy(apiARN %q): %v, want the ARN refused", bad, err)
		}
	}
}

func TestEvaluate(t *testing.T) {
	req := func(action, resource string) Request { return Request{Action: action, Resource: resource} }
	as := func(principal string) Request {
		return Request{Action: invoke, Resource: methodARN, Principal: principal}
	}
	allow := func(resource string) string {
		return `{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "` + resource + `"}`
	}
	allowTo := func(principal string) string {
		return doc(`{"Effect": "Allow", "Principal": ` + principal + `, "Action": "execute-api:Invoke", "Resource": "*"}`)
	}
	const (
		alice   = "arn:aws:iam::123456789012:user/alice"
		bob     = "arn:aws:iam::123456789012:user/bob"
		session = "arn:aws:sts::123456789012:assumed-role/dev/alice-session"
		other   = "arn:aws:iam::210987654321:user/alice"
	)
	tests := []struct {
		name, policy string
		req          Request
		want         Decision
	}{
		// Action and Resource matching.
		{"exact", doc(allow(methodARN)), req(invoke, methodARN), Allow},
		{"other method", doc(allow(methodARN)), req(invoke, apiARN+"/prod/GET/pets/43"), NotApplicable},
		{"star", doc(`{"Effect": "Allow", "Action": "*", "Resource": "*"}`), req(invoke, methodARN), Allow},
		{"wildcard parts", doc(allow("arn:aws:execute-api:*:*:abc123/*/GET/*")), req(invoke, methodARN), Allow},
		{"wildcard other verb", doc(allow("arn:aws:execute-api:*:*:abc123/*/GET/*")), req(invoke, apiARN+"/prod/POST/pets"), NotApplicable},
		{"wildcard other api", doc(allow("arn:aws:execute-api:*:*:abc123/*/GET/*")), req(invoke, "arn:aws:execute-api:us-east-1:123456789012:abc1234/prod/GET/pets"), NotApplicable},
		{"star spans slashes", doc(allow(apiARN + "/*")), req(invoke, methodARN), Allow},
		{"star spans colons", doc(allow("arn:aws:execute-api:*")), req(invoke, methodARN), Allow},
		{"star matches empty", doc(allow(apiARN + "/prod/GET/pets/42*")), req(invoke, methodARN), Allow},
		{"question one char", doc(allow(apiARN + "/prod/GET/pets/?")), req(invoke, apiARN+"/prod/GET/pets/4"), Allow},
		{"question not two", doc(allow(apiARN + "/prod/GET/pets/?")), req(invoke, methodARN), NotApplicable},
		{"question not zero", doc(allow(apiARN + "/prod/GET/pets/4?")), req(invoke, apiARN+"/prod/GET/pets/4"), NotApplicable},
		{"question multibyte", doc(allow(apiARN + "/prod/GET/caf?")), req(invoke, apiARN+"/prod/GET/café"), Allow},
		{"resource case-sensitive", doc(allow(apiARN + "/prod/get/pets/42")), req(invoke, methodARN), NotApplicable},
		{"action case-insensitive", doc(`{"Effect": "Allow", "Action": "EXECUTE-API:invoke", "Resource": "*"}`), req(invoke, methodARN), Allow},
		{"action wildcard", doc(`{"Effect": "Allow", "Action": "execute-api:Inv?k*", "Resource": "*"}`), req(invoke, methodARN), Allow},
		{"action service star", doc(`{"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}`), req("execute-api:ManageConnections", methodARN), Allow},
		{"other action", doc(`{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}`), req("execute-api:InvalidateCache", methodARN), NotApplicable},
		{"action list", doc(`{"Effect": "Allow", "Action": ["execute-api:InvalidateCache", "execute-api:Invoke"], "Resource": "*"}`), req(invoke, methodARN), Allow},
		{"resource list", doc(`{"Effect": "Allow", "Action": "*", "Resource": ["` + apiARN + `/test/*", "` + apiARN + `/prod/*"]}`), req(invoke, methodARN), Allow},

		// Several statements: any Deny wins, wherever it stands.
		{"second allow", doc(`[` + allow(apiARN+"/test/*") + `, ` + allow(apiARN+"/prod/*") + `]`), req(invoke, methodARN), Allow},
		{"deny after allow", doc(`[` + allow("*") + `, {"Effect": "Deny", "Action": "*", "Resource": "` + apiARN + `/prod/GET/pets/*"}]`), req(invoke, methodARN), Deny},
		{"deny before allow", doc(`[{"Effect": "Deny", "Action": "*", "Resource": "` + apiARN + `/prod/GET/pets/*"}, ` + allow("*") + `]`), req(invoke, methodARN), Deny},
		{"deny elsewhere", doc(`[` + allow("*") + `, {"Effect": "Deny", "Action": "*", "Resource": "` + apiARN + `/prod/DELETE/*"}]`), req(invoke, methodARN), Allow},
		{"deny alone", doc(`{"Effect": "Deny", "Action": "*", "Resource": "*"}`), req(invoke, methodARN), Deny},
		{"nothing matches", doc(`[]`), req(invoke, methodARN), NotApplicable},

		// NotAction and NotResource match what none of their patterns match.
		{"not action allows others", doc(`{"Effect": "Allow", "NotAction": "execute-api:ManageConnections", "Resource": "*"}`), req(invoke, methodARN), Allow},
		{"not action excludes", doc(`{"Effect": "Allow", "NotAction": ["execute-api:ManageConnections", "EXECUTE-API:INV*"], "Resource": "*"}`), req(invoke, methodARN), NotApplicable},
		{"deny not action", doc(`[` + allow("*") + `, {"Effect": "Deny", "NotAction": "execute-api:Invoke", "Resource": "*"}]`), req(invoke, methodARN), Allow},
		{"deny not resource", doc(`[` + allow("*") + `, {"Effect": "Deny", "Action": "*", "NotResource": "` + apiARN + `/prod/*"}]`), req(invoke, apiARN+"/test/GET/pets"), Deny},
		{"deny not resource spares", doc(`[` + allow("*") + `, {"Effect": "Deny", "Action": "*", "NotResource": "` + apiARN + `/prod/*"}]`), req(invoke, methodARN), Allow},

		// Principals.
		{"star anonymous", allowTo(`"*"`), as(""), Allow},
		{"AWS star anonymous", allowTo(`{"AWS": "*"}`), as(""), Allow},
		{"AWS star list", allowTo(`{"AWS": ["123456789012", "*"]}`), as(other), Allow},
		{"root ARN user", allowTo(`{"AWS": "arn:aws:iam::123456789012:root"}`), as(alice), Allow},
		{"root ARN session", allowTo(`{"AWS": "arn:aws:iam::123456789012:root"}`), as(session), Allow},
		{"root ARN root", allowTo(`{"AWS": "arn:aws:iam::123456789012:root"}`), as("arn:aws:iam::123456789012:root"), Allow},
		{"root ARN other account", allowTo(`{"AWS": "arn:aws:iam::123456789012:root"}`), as(other), NotApplicable},
		{"root ARN other partition", allowTo(`{"AWS": "arn:aws-cn:iam::123456789012:root"}`), as(alice), NotApplicable},
		{"root ARN anonymous", allowTo(`{"AWS": "arn:aws:iam::123456789012:root"}`), as(""), NotApplicable},
		{"root ARN not an ARN", allowTo(`{"AWS": "arn:aws:iam::123456789012:root"}`), as("123456789012"), NotApplicable},
		{"account id", allowTo(`{"AWS": "123456789012"}`), as(alice), Allow},
		{"account id session", allowTo(`{"AWS": ["210987654321", "123456789012"]}`), as(session), Allow},
		{"account id other", allowTo(`{"AWS": "123456789012"}`), as(other), NotApplicable},
		{"account id anonymous", allowTo(`{"AWS": "123456789012"}`), as(""), NotApplicable},
		{"user exact", allowTo(`{"AWS": "` + alice + `"}`), as(alice), Allow},
		{"user other", allowTo(`{"AWS": "` + alice + `"}`), as(bob), NotApplicable},
		{"user other account", allowTo(`{"AWS": "` + alice + `"}`), as(other), NotApplicable},
		{"user case-sensitive", allowTo(`{"AWS": "` + alice + `"}`), as("arn:aws:iam::123456789012:user/Alice"), NotApplicable},
		{"role session", allowTo(`{"AWS": "arn:aws:iam::123456789012:role/dev"}`), as(session), Allow},
		{"role with path session", allowTo(`{"AWS": "arn:aws:iam::123456789012:role/teams/dev"}`), as(session), Allow},
		{"role itself", allowTo(`{"AWS": "arn:aws:iam::123456789012:role/teams/dev"}`), as("arn:aws:iam::123456789012:role/teams/dev"), Allow},
		{"role other role", allowTo(`{"AWS": "arn:aws:iam::123456789012:role/developer"}`), as(session), NotApplicable},
		{"role other account", allowTo(`{"AWS": "arn:aws:iam::210987654321:role/dev"}`), as(session), NotApplicable},
		{"role not a user", allowTo(`{"AWS": "arn:aws:iam::123456789012:role/alice"}`), as(alice), NotApplicable},
		{"session exact", allowTo(`{"AWS": "` + session + `"}`), as(session), Allow},
		{"session other", allowTo(`{"AWS": "` + session + `"}`), as("arn:aws:sts::123456789012:assumed-role/dev/bob"), NotApplicable},
		{"unique id never", allowTo(`{"AWS": "AIDAEXAMPLEUSERID1234"}`), as("AIDAEXAMPLEUSERID1234"), NotApplicable},
		{"service never", allowTo(`{"Service": "lambda.amazonaws.com"}`), as("lambda.amazonaws.com"), NotApplicable},
		{"federated never", allowTo(`{"Federated": "*"}`), as(""), NotApplicable},
		{"not principal others", doc(`[` + allow("*") + `, {"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "*", "Resource": "*"}]`), as(other), Deny},
		{"not principal anonymous", doc(`[` + allow("*") + `, {"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "*", "Resource": "*"}]`), as(""), Deny},
		{"not principal spares", doc(`[` + allow("*") + `, {"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "*", "Resource": "*"}]`), as(alice), Allow},
		{"not principal star", doc(`{"Effect": "Allow", "NotPrincipal": "*", "Action": "*", "Resource": "*"}`), as(alice), NotApplicable},
		{"not principal service", doc(`{"Effect": "Deny", "NotPrincipal": {"Service": "lambda.amazonaws.com"}, "Action": "*", "Resource": "*"}`), as(alice), Deny},
		{"no principal element", doc(allow("*")), as(""), Allow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, tt.policy).Evaluate(tt.req); got != tt.want {
				t.Errorf("Evaluate = %v, want %v\npolicy: %s", got, tt.want, tt.policy)
			}
		})
	}
}

// TestConditions checks each operator on present and absent keys. The rules come from the IAM User Guide:
//
//   - "IAM JSON policy elements: Condition operators", the Important note at its top: a key absent from the
//     request context makes the condition false, but true for an operator that requires the key not to match
//     (StringNotLike, ArnNotLike, ...); the note says this holds for every operator except ...IfExists and Null.
//     The brief this package was written from said the negated operators are false on an absent key too; the
//     AWS text says the opposite and is followed here.
//   - the same page, "...IfExists condition operators": with IfExists an absent key makes the condition true, a
//     present one is compared as without IfExists; IfExists goes on every operator but Null.
//   - the same page, "Condition operator to check existence of condition keys": Null "true" holds when the key
//     is absent, "false" when it is present.
//   - "Conditions with multiple context keys or values": operators are ANDed, keys under one operator are
//     ANDed, values of one key are ORed, and a negated operator's values are NORed.
//   - "IAM JSON policy elements: Condition": condition key names are not case-sensitive.
func TestConditions(t *testing.T) {
	user := func(name string) Request {
		return Request{Action: invoke, Resource: methodARN, Context: map[string]string{"aws:username": name}}
	}
	from := func(ip string) Request {
		return Request{Action: invoke, Resource: methodARN, SourceIP: netip.MustParseAddr(ip)}
	}
	ctx := func(kv ...string) Request {
		r := Request{Action: invoke, Resource: methodARN, Context: map[string]string{}}
		for i := 0; i < len(kv); i += 2 {
			r.Context[kv[i]] = kv[i+1]
		}
		return r
	}
	caller := func(arn string) Request { return Request{Action: invoke, Resource: methodARN, Principal: arn} }
	none := Request{Action: invoke, Resource: methodARN}
	const role = "arn:aws:iam::123456789012:role/dev"

	tests := []struct {
		name, condition string
		req             Request
		want            bool
	}{
		{"StringEquals match", `{"StringEquals": {"aws:username": "alice"}}`, user("alice"), true},
		{"StringEquals case", `{"StringEquals": {"aws:username": "alice"}}`, user("Alice"), false},
		{"StringEquals no wildcard", `{"StringEquals": {"aws:username": "a*"}}`, user("alice"), false},
		{"StringEquals absent", `{"StringEquals": {"aws:username": "alice"}}`, none, false},
		{"StringEquals key case", `{"StringEquals": {"AWS:UserName": "alice"}}`, user("alice"), true},
		{"StringEquals list ORed", `{"StringEquals": {"aws:username": ["bob", "alice"]}}`, user("alice"), true},
		{"StringEquals empty value", `{"StringEquals": {"aws:username": ""}}`, user(""), true},
		{"StringNotEquals other", `{"StringNotEquals": {"aws:username": "alice"}}`, user("bob"), true},
		{"StringNotEquals same", `{"StringNotEquals": {"aws:username": "alice"}}`, user("alice"), false},
		{"StringNotEquals list NORed", `{"StringNotEquals": {"aws:username": ["bob", "alice"]}}`, user("alice"), false},
		{"StringNotEquals list none", `{"StringNotEquals": {"aws:username": ["bob", "alice"]}}`, user("carol"), true},
		{"StringNotEquals absent", `{"StringNotEquals": {"aws:username": "alice"}}`, none, true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase": {"aws:username": "alice"}}`, user("ALICE"), true},
		{"StringEqualsIgnoreCase other", `{"StringEqualsIgnoreCase": {"aws:username": "alice"}}`, user("bob"), false},
		{"StringEqualsIgnoreCase absent", `{"StringEqualsIgnoreCase": {"aws:username": "alice"}}`, none, false},
		{"StringNotEqualsIgnoreCase same", `{"StringNotEqualsIgnoreCase": {"aws:username": "alice"}}`, user("ALICE"), false},
		{"StringNotEqualsIgnoreCase other", `{"StringNotEqualsIgnoreCase": {"aws:username": "alice"}}`, user("bob"), true},
		{"StringNotEqualsIgnoreCase absent", `{"StringNotEqualsIgnoreCase": {"aws:username": "alice"}}`, none, true},
		{"StringLike star", `{"StringLike": {"aws:username": "al*"}}`, user("alice"), true},
		{"StringLike question", `{"StringLike": {"aws:username": "?lice"}}`, user("alice"), true},
		{"StringLike case", `{"StringLike": {"aws:username": "AL*"}}`, user("alice"), false},
		{"StringLike absent", `{"StringLike": {"aws:username": "*"}}`, none, false},
		{"StringNotLike match", `{"StringNotLike": {"aws:username": ["b*", "a*"]}}`, user("alice"), false},
		{"StringNotLike other", `{"StringNotLike": {"aws:username": ["b*", "c*"]}}`, user("alice"), true},
		{"StringNotLike absent", `{"StringNotLike": {"aws:username": "*"}}`, none, true},

		{"IfExists absent", `{"StringEqualsIfExists": {"aws:username": "alice"}}`, none, true},
		{"IfExists present match", `{"StringEqualsIfExists": {"aws:username": "alice"}}`, user("alice"), true},
		{"IfExists present other", `{"StringEqualsIfExists": {"aws:username": "alice"}}`, user("bob"), false},
		{"NotEqualsIfExists absent", `{"StringNotEqualsIfExists": {"aws:username": "alice"}}`, none, true},
		{"NotEqualsIfExists same", `{"StringNotEqualsIfExists": {"aws:username": "alice"}}`, user("alice"), false},
		{"IgnoreCaseIfExists absent", `{"StringEqualsIgnoreCaseIfExists": {"aws:username": "x"}}`, none, true},
		{"NotEqualsIgnoreCaseIfExists same", `{"StringNotEqualsIgnoreCaseIfExists": {"aws:username": "X"}}`, user("x"), false},
		{"LikeIfExists absent", `{"StringLikeIfExists": {"aws:username": "a*"}}`, none, true},
		{"LikeIfExists other", `{"StringLikeIfExists": {"aws:username": "a*"}}`, user("bob"), false},
		{"NotLikeIfExists absent", `{"StringNotLikeIfExists": {"aws:username": "a*"}}`, none, true},
		{"NotLikeIfExists match", `{"StringNotLikeIfExists": {"aws:username": "a*"}}`, user("alice"), false},

		{"keys ANDed", `{"StringEquals": {"aws:username": "alice", "aws:PrincipalTag/team": "dev"}}`, ctx("aws:username", "alice", "aws:principaltag/team", "dev"), true},
		{"keys ANDed one fails", `{"StringEquals": {"aws:username": "alice", "aws:PrincipalTag/team": "dev"}}`, ctx("aws:username", "alice", "aws:principaltag/team", "ops"), false},
		{"operators ANDed", `{"StringEquals": {"aws:username": "alice"}, "StringNotEquals": {"aws:principaltag/team": "ops"}}`, ctx("aws:username", "alice"), true},
		{"operators ANDed one fails", `{"StringEquals": {"aws:username": "alice"}, "StringLike": {"aws:principaltag/team": "*"}}`, ctx("aws:username", "alice"), false},
		{"number value", `{"StringEquals": {"aws:RequestTag/n": 42}}`, ctx("aws:requesttag/n", "42"), true},

		{"ArnLike principal", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}`, caller(role), true},
		{"ArnLike other", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}`, caller("arn:aws:iam::123456789012:user/dev"), false},
		{"ArnLike case", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/DEV"}}`, caller(role), false},
		{"ArnLike anonymous absent", `{"ArnLike": {"aws:PrincipalArn": "arn:*:*:*:*:*"}}`, none, false},
		{"ArnLike not an ARN", `{"ArnLike": {"aws:PrincipalArn": "*:*:*:*:*:*"}}`, caller("dev"), false},
		// A wildcard stays in its part: the account's * cannot take "123:456" and leave the resource to match.
		{"ArnLike part by part", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:sts::*:assumed-role/x"}}`, caller("arn:aws:sts::123:456:assumed-role/x"), false},
		{"ArnLike resource keeps colons", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:sts::*:a*"}}`, caller("arn:aws:sts::123:456:assumed-role/x"), false},
		{"ArnLike resource colons", `{"ArnLike": {"aws:PrincipalArn": "arn:aws:sts::*:4*"}}`, caller("arn:aws:sts::123:456:assumed-role/x"), true},
		{"ArnEquals takes wildcards", `{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/d?v"}}`, caller(role), true},
		{"ArnEquals exact", `{"ArnEquals": {"aws:PrincipalArn": "` + role + `"}}`, caller(role), true},
		{"ArnNotEquals same", `{"ArnNotEquals": {"aws:PrincipalArn": "` + role + `"}}`, caller(role), false},
		{"ArnNotEquals absent", `{"ArnNotEquals": {"aws:PrincipalArn": "` + role + `"}}`, none, true},
		{"ArnNotLike other", `{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}`, caller(role), true},
		{"ArnNotLike absent", `{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}`, none, true},
		{"ArnNotLike not an ARN", `{"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}`, caller("dev"), true},
		{"ArnLikeIfExists absent", `{"ArnLikeIfExists": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}`, none, true},
		{"ArnLikeIfExists other", `{"ArnLikeIfExists": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}`, caller(role), false},
		{"ArnNotLikeIfExists match", `{"ArnNotLikeIfExists": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}}`, caller(role), false},
		{"PrincipalArn from context", `{"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/teams/dev"}}`,
			Request{Action: invoke, Resource: methodARN, Principal: "arn:aws:sts::123456789012:assumed-role/dev/s",
				Context: map[string]string{"aws:principalarn": "arn:aws:iam::123456789012:role/teams/dev"}}, true},
		{"ArnLike other key", `{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:topic"}}`, ctx("aws:sourcearn", "arn:aws:sns:us-east-1:123456789012:topic"), true},

		{"IpAddress v4 in", `{"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}`, from("192.0.2.77"), true},
		{"IpAddress v4 out", `{"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}`, from("192.0.3.1"), false},
		{"IpAddress single", `{"IpAddress": {"aws:SourceIp": "203.0.113.9"}}`, from("203.0.113.9"), true},
		{"IpAddress single other", `{"IpAddress": {"aws:SourceIp": "203.0.113.9"}}`, from("203.0.113.10"), false},
		{"IpAddress host bits", `{"IpAddress": {"aws:SourceIp": "192.0.2.1/24"}}`, from("192.0.2.200"), true},
		{"IpAddress list", `{"IpAddress": {"aws:SourceIp": ["198.51.100.0/24", "192.0.2.0/24"]}}`, from("192.0.2.1"), true},
		{"IpAddress v6 in", `{"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}`, from("2001:db8:1::5"), true},
		{"IpAddress v6 out", `{"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}`, from("2001:db9::5"), false},
		{"IpAddress v4 against v6", `{"IpAddress": {"aws:SourceIp": "::/0"}}`, from("192.0.2.1"), false},
		{"IpAddress mapped caller", `{"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}`, from("::ffff:192.0.2.1"), true},
		{"IpAddress mapped range", `{"IpAddress": {"aws:SourceIp": "::ffff:192.0.2.0/120"}}`, from("192.0.2.1"), true},
		{"IpAddress zoned caller", `{"IpAddress": {"aws:SourceIp": "fe80::/10"}}`, from("fe80::1%eth0"), true},
		{"IpAddress absent", `{"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}`, none, false},
		{"NotIpAddress out", `{"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}}`, from("198.51.100.1"), true},
		{"NotIpAddress in", `{"NotIpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}}`, from("2001:db8::1"), false},
		{"NotIpAddress absent", `{"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}`, none, true},
		{"IpAddressIfExists absent", `{"IpAddressIfExists": {"aws:SourceIp": "192.0.2.0/24"}}`, none, true},
		{"IpAddressIfExists out", `{"IpAddressIfExists": {"aws:SourceIp": "192.0.2.0/24"}}`, from("192.0.3.1"), false},
		{"NotIpAddressIfExists in", `{"NotIpAddressIfExists": {"aws:SourceIp": "192.0.2.0/24"}}`, from("192.0.2.3"), false},
		{"SourceIp key case", `{"IpAddress": {"AWS:SOURCEIP": "192.0.2.0/24"}}`, from("192.0.2.3"), true},

		{"Bool true", `{"Bool": {"aws:SecureTransport": "true"}}`, ctx("aws:securetransport", "true"), true},
		{"Bool JSON true", `{"Bool": {"aws:SecureTransport": true}}`, ctx("aws:securetransport", "true"), true},
		{"Bool case", `{"Bool": {"aws:SecureTransport": "True"}}`, ctx("aws:securetransport", "TRUE"), true},
		{"Bool false", `{"Bool": {"aws:SecureTransport": "true"}}`, ctx("aws:securetransport", "false"), false},
		{"Bool absent", `{"Bool": {"aws:SecureTransport": "false"}}`, none, false},
		{"BoolIfExists absent", `{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}`, none, true},
		{"BoolIfExists present", `{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}`, ctx("aws:multifactorauthpresent", "true"), false},

		{"Null true absent", `{"Null": {"aws:TokenIssueTime": "true"}}`, none, true},
		{"Null true present", `{"Null": {"aws:TokenIssueTime": "true"}}`, ctx("aws:tokenissuetime", "2024-01-01T00:00:00Z"), false},
		{"Null false present", `{"Null": {"aws:TokenIssueTime": false}}`, ctx("aws:tokenissuetime", ""), true},
		{"Null false absent", `{"Null": {"aws:TokenIssueTime": "false"}}`, none, false},
		{"Null source ip absent", `{"Null": {"aws:SourceIp": "true"}}`, none, true},
		{"Null source ip present", `{"Null": {"aws:SourceIp": "true"}}`, from("192.0.2.1"), false},
		{"Null principal arn", `{"Null": {"aws:PrincipalArn": "false"}}`, caller(role), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := NotApplicable
			if tt.want {
				want = Allow
			}
			if got := mustParse(t, allowWhen(tt.condition)).Evaluate(tt.req); got != want {
				t.Errorf("Evaluate = %v, want %v\ncondition: %s", got, want, tt.condition)
			}
		})
	}
}

// TestFixtures evaluates API Gateway's documented policies: an authorizer's answer, and the resource policy
// examples of the API Gateway Developer Guide ("API Gateway resource policy examples": roles of another
// account, source IP deny list, private API through a VPC endpoint) and the Knowledge Center's allow list of
// source IPs.
func TestFixtures(t *testing.T) {
	type check struct {
		req  Request
		want Decision
	}
	at := func(ip string) netip.Addr { return netip.MustParseAddr(ip) }
	tests := []struct {
		file     string
		resource bool // a resource policy, parsed with apiARN
		checks   []check
	}{
		{file: "authorizer-allow.json", checks: []check{
			{Request{Action: invoke, Resource: methodARN}, Allow},
			{Request{Action: "execute-api:invoke", Resource: apiARN + "/prod/GET/pets/42/photos"}, Allow},
			{Request{Action: invoke, Resource: apiARN + "/prod/GET/pets"}, NotApplicable},
			{Request{Action: invoke, Resource: apiARN + "/test/GET/pets/42"}, NotApplicable},
			{Request{Action: invoke, Resource: apiARN + "/prod/DELETE/pets/42"}, NotApplicable},
		}},
		{file: "authorizer-mixed.json", checks: []check{
			{Request{Action: invoke, Resource: methodARN}, Allow},
			{Request{Action: invoke, Resource: "arn:aws:execute-api:eu-west-1:210987654321:abc123/test/GET/"}, Allow},
			{Request{Action: invoke, Resource: apiARN + "/prod/POST/pets"}, Allow},
			{Request{Action: invoke, Resource: apiARN + "/prod/POST/pets/42"}, NotApplicable},
			{Request{Action: invoke, Resource: apiARN + "/prod/GET/admin/users"}, Deny},
			{Request{Action: invoke, Resource: apiARN + "/prod/GET/admin"}, Allow},
		}},
		{file: "resource-ip-denylist.json", resource: true, checks: []check{
			{Request{Action: invoke, Resource: methodARN, SourceIP: at("203.0.113.1")}, Allow},
			{Request{Action: invoke, Resource: methodARN, SourceIP: at("192.0.2.10")}, Deny},
			{Request{Action: invoke, Resource: methodARN, SourceIP: at("198.51.100.255")}, Deny},
			{Request{Action: invoke, Resource: methodARN, SourceIP: at("2001:db8::1")}, Allow},
			// An unknown address matches no IpAddress: the deny list does not apply.
			{Request{Action: invoke, Resource: methodARN}, Allow},
			{Request{Action: invoke, Resource: "arn:aws:execute-api:us-east-1:123456789012:other/prod/GET/pets", SourceIP: at("203.0.113.1")}, NotApplicable},
		}},
		{file: "resource-ip-allowlist.json", resource: true, checks: []check{
			{Request{Action: invoke, Resource: methodARN, SourceIP: at("203.0.113.200")}, Allow},
			{Request{Action: invoke, Resource: methodARN, SourceIP: at("2001:db8:ffff::1")}, Allow},
			{Request{Action: invoke, Resource: methodARN, SourceIP: at("198.51.100.7")}, Allow},
			{Request{Action: invoke, Resource: methodARN, SourceIP: at("198.51.100.8")}, Deny},
			{Request{Action: invoke, Resource: methodARN, SourceIP: at("2001:db9::1")}, Deny},
			// An unknown address is outside every range: NotIpAddress holds on an absent key, so the allow list
			// shuts the caller out.
			{Request{Action: invoke, Resource: methodARN}, Deny},
		}},
		{file: "resource-cross-account-roles.json", resource: true, checks: []check{
			{Request{Action: invoke, Resource: apiARN + "/stage/GET/pets", Principal: "arn:aws:sts::111122223333:assumed-role/developer/jane"}, Allow},
			{Request{Action: invoke, Resource: apiARN + "/stage/GET/pets", Principal: "arn:aws:sts::111122223333:assumed-role/Admin/ops"}, Allow},
			{Request{Action: invoke, Resource: apiARN + "/stage/GET/pets", Principal: "arn:aws:sts::111122223333:assumed-role/admin/ops"}, NotApplicable},
			{Request{Action: invoke, Resource: apiARN + "/stage/GET/pets", Principal: "arn:aws:iam::111122223333:user/developer"}, NotApplicable},
			{Request{Action: invoke, Resource: apiARN + "/stage/POST/pets", Principal: "arn:aws:sts::111122223333:assumed-role/developer/jane"}, NotApplicable},
			{Request{Action: invoke, Resource: apiARN + "/stage/GET/pets"}, NotApplicable},
		}},
		{file: "resource-account-allowlist.json", resource: true, checks: []check{
			{Request{Action: invoke, Resource: methodARN, Principal: "arn:aws:iam::111122223333:user/alice"}, Allow},
			{Request{Action: invoke, Resource: methodARN, Principal: "arn:aws:sts::444455556666:assumed-role/r/s"}, Allow},
			{Request{Action: invoke, Resource: methodARN, Principal: "arn:aws:iam::777788889999:user/alice"}, NotApplicable},
			{Request{Action: invoke, Resource: methodARN}, NotApplicable},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var d *Document
			if tt.resource {
				d, err = ParseResourcePolicy(data, apiARN)
			} else {
				d, err = Parse(data)
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.HasPrincipal() != tt.resource {
				t.Errorf("HasPrincipal = %v", d.HasPrincipal())
			}
			for _, c := range tt.checks {
				if got := d.Evaluate(c.req); got != c.want {
					t.Errorf("Evaluate(%s as %q from %v) = %v, want %v", c.req.Resource, c.req.Principal, c.req.SourceIP, got, c.want)
				}
			}
		})
	}

	t.Run("resource-private-api-vpce.json", func(t *testing.T) {
		data, err := os.ReadFile(filepath.Join("testdata", "resource-private-api-vpce.json"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParseResourcePolicy(data, apiARN)
		const want = "Statement[0].Condition.StringNotEquals.aws:SourceVpce: condition key aws:SourceVpce cannot be evaluated: a gateway outside AWS has no VPC endpoint"
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Fatalf("ParseResourcePolicy: %v, want %s", err, want)
		}
	})
}

func TestCombine(t *testing.T) {
	tests := []struct {
		in   []Decision
		want Decision
	}{
		{nil, NotApplicable},
		{[]Decision{NotApplicable, NotApplicable}, NotApplicable},
		{[]Decision{NotApplicable, Allow}, Allow},
		{[]Decision{Allow, Allow}, Allow},
		{[]Decision{Allow, Deny, Allow}, Deny},
		{[]Decision{Deny, NotApplicable}, Deny},
	}
	for _, tt := range tests {
		if got := Combine(tt.in...); got != tt.want {
			t.Errorf("Combine(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if s := Decision(7).String(); s != "Decision(7)" {
		t.Errorf("String = %q", s)
	}
}

func TestMatchWildcard(t *testing.T) {
	tests := []struct {
		pattern, s string
		fold, want bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"*", "", false, true},
		{"**", "abc", false, true},
		{"a*", "a", false, true},
		{"*a", "ba", false, true},
		{"*a", "ab", false, false},
		{"a*b*c", "aXbYc", false, true},
		{"a*b*c", "aXbYcZ", false, false},
		{"a*b*c*", "acbc", false, true},
		{"*ab", "aab", false, true},
		{"?", "", false, false},
		{"??", "é!", false, true},
		{"a?c", "a/c", false, true},
		{"a*c", "a:/:c", false, true},
		{"ABC", "abc", false, false},
		{"ABC", "abc", true, true},
		{"a[b", "A[B", true, true},
		{"a@", "a`", true, false},   // @ and ` differ by the case bit but are not letters
		{"k", "\u212a", true, true}, // the Kelvin sign folds to k
		{"straße", "STRASSE", true, false},
		{"\xff", "\xfe", false, false}, // invalid bytes equal only themselves
		{"\xff", "\xff", false, true},
		{"?", "\xff", false, true},
		{strings.Repeat("*a", 30) + "b", strings.Repeat("a", 5000), false, false},
	}
	for _, tt := range tests {
		if got := matchWildcard(tt.pattern, tt.s, tt.fold); got != tt.want {
			t.Errorf("matchWildcard(%q, %q, %v) = %v, want %v", tt.pattern, tt.s, tt.fold, got, tt.want)
		}
	}
}

func TestEvaluateAllocatesNothing(t *testing.T) {
	authorizer := mustParse(t, doc(`{"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:abc123/*/GET/*"}`))
	data, err := os.ReadFile(filepath.Join("testdata", "resource-ip-allowlist.json"))
	if err != nil {
		t.Fatal(err)
	}
	resource, err := ParseResourcePolicy(data, apiARN)
	if err != nil {
		t.Fatal(err)
	}
	conditions := mustParse(t, allowWhen(`{"StringNotEqualsIgnoreCase": {"aws:username": "x"}, "ArnLike": {"aws:PrincipalArn": "arn:aws:sts::*:assumed-role/*"}}`))
	principals := mustParse(t, doc(`{"Effect": "Allow", "Principal": {"AWS": ["123456789012", "arn:aws:iam::111122223333:role/r"]}, "Action": "*", "Resource": "*"}`))
	r := Request{Action: invoke, Resource: methodARN, Principal: "arn:aws:sts::123456789012:assumed-role/r/s",
		SourceIP: netip.MustParseAddr("203.0.113.5"), Context: map[string]string{"aws:username": "alice"}}
	for _, d := range []*Document{authorizer, resource, conditions, principals} {
		if n := testing.AllocsPerRun(100, func() { d.Evaluate(r) }); n != 0 {
			t.Errorf("Evaluate allocates %v times", n)
		}
	}
}
