package check

import (
	"regexp"
	"strings"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// MaxAuthorizerTTL is API Gateway's longest authorizerResultTtlInSeconds.
const MaxAuthorizerTTL = 3600

// identitySourcePrefixes are what a REQUEST authorizer's identity sources may read, as API Gateway lists them.
var identitySourcePrefixes = []string{"method.request.header.", "method.request.querystring.", "stageVariables.", "context."}

// authorizer checks a Lambda authorizer as API Gateway's CreateAuthorizer does.
func (c *checker) authorizer(file string, a *tollgatev1.Authorizer) {
	at := a.GetSourcePointer()
	isToken := a.GetType() == tollgatev1.AuthorizerType_AUTHORIZER_TYPE_TOKEN
	if a.GetType() == tollgatev1.AuthorizerType_AUTHORIZER_TYPE_UNSPECIFIED {
		c.probs.Addf(file, at+"/type", "an authorizer needs a type: token or request")
	}
	if a.GetAuthorizerUri() == "" {
		c.probs.Addf(file, at+"/authorizerUri", "a Lambda authorizer needs an authorizerUri naming its function")
	}
	if ttl := a.GetResultTtlInSeconds(); ttl < 0 || ttl > MaxAuthorizerTTL {
		c.probs.Addf(file, at+"/authorizerResultTtlInSeconds", "authorizerResultTtlInSeconds %d is out of range: API Gateway allows 0 to %d", ttl, MaxAuthorizerTTL)
	}
	sources := identitySources(a.GetIdentitySource())
	switch {
	case isToken && (len(sources) != 1 || !strings.HasPrefix(sources[0], "method.request.header.")):
		c.probs.Addf(file, at+"/identitySource", "a TOKEN authorizer's identitySource is one header, method.request.header.NAME, not %q", a.GetIdentitySource())
	case !isToken && len(sources) == 0 && (a.ResultTtlInSeconds == nil || a.GetResultTtlInSeconds() > 0):
		c.probs.Addf(file, at+"/identitySource", "a REQUEST authorizer that caches its results needs an identitySource: API Gateway keys the cache by it (or set authorizerResultTtlInSeconds to 0)")
	}
	if !isToken {
		for _, src := range sources {
			if !hasAnyPrefix(src, identitySourcePrefixes) {
				c.probs.Addf(file, at+"/identitySource", "identity source %q: want method.request.header.NAME, method.request.querystring.NAME, stageVariables.NAME or context.NAME", src)
			}
		}
	}
	if expr := a.GetIdentityValidationExpression(); expr != "" {
		if !isToken {
			c.probs.Addf(file, at+"/identityValidationExpression", "identityValidationExpression applies to TOKEN authorizers only")
		} else if _, err := regexp.Compile(expr); err != nil {
			c.probs.Addf(file, at+"/identityValidationExpression", "identityValidationExpression %q is not a regular expression: %v", expr, err)
		}
	}
}

// identitySources splits an identitySource into its comma-separated sources.
func identitySources(s string) []string {
	var out []string
	for src := range strings.SplitSeq(s, ",") {
		if src = strings.TrimSpace(src); src != "" {
			out = append(out, src)
		}
	}
	return out
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) && len(s) > len(p) {
			return true
		}
	}
	return false
}
