package check

import (
	"regexp"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// MaxAuthorizerTTL is API Gateway's longest authorizerResultTtlInSeconds.
const MaxAuthorizerTTL = 3600

// identitySourcePrefixes are what a REQUEST authorizer's identity sources may read, as API Gateway lists them.
var identitySourcePrefixes = []string{"method.request.header.", "method.request.querystring.", "stageVariables.", "context."}

// authorizer checks a Lambda authorizer as API Gateway's CreateAuthorizer does.
func (c *checker) authorizer(file string, a *tollgatev1.Authorizer) {
	at := a.GetSourcePointer()
	switch a.GetType() {
	case tollgatev1.AuthorizerType_AUTHORIZER_TYPE_AWS_IAM:
		return // a scheme with awsSigv4 and nothing else: the importer read all there is
	case tollgatev1.AuthorizerType_AUTHORIZER_TYPE_JWT:
		c.probs.Addf(file, at+"/type", "a JWT authorizer is an HTTP API's: a REST API verifies tokens with a Cognito user pool authorizer")
		return
	}
	if a.GetPayloadFormatVersion() != "" {
		c.probs.Addf(file, at+"/authorizerPayloadFormatVersion", "authorizerPayloadFormatVersion is an HTTP API's: a REST API's authorizer has one event format")
	}
	if a.GetEnableSimpleResponses() {
		c.probs.Addf(file, at+"/enableSimpleResponses", "enableSimpleResponses is an HTTP API's: a REST API's authorizer answers with a policy")
	}
	cognito := a.GetType() == tollgatev1.AuthorizerType_AUTHORIZER_TYPE_COGNITO_USER_POOLS
	// A Cognito authorizer reads its token from one header, as a TOKEN authorizer does.
	isToken := a.GetType() == tollgatev1.AuthorizerType_AUTHORIZER_TYPE_TOKEN || cognito
	switch {
	case a.GetType() == tollgatev1.AuthorizerType_AUTHORIZER_TYPE_UNSPECIFIED:
		c.probs.Addf(file, at+"/type", "an authorizer needs a type: token, request or cognito_user_pools")
	case cognito && a.GetAuthorizerUri() != "":
		c.probs.Addf(file, at+"/authorizerUri", "a Cognito user pool authorizer calls no function: authorizerUri is for Lambda authorizers")
	case !cognito && a.GetAuthorizerUri() == "":
		c.probs.Addf(file, at+"/authorizerUri", "a Lambda authorizer needs an authorizerUri naming its function")
	case cognito && len(a.GetProviderArns()) == 0:
		c.probs.Addf(file, at+"/providerARNs", "a Cognito user pool authorizer needs providerARNs naming its user pools")
	case !cognito && len(a.GetProviderArns()) > 0:
		c.probs.Addf(file, at+"/providerARNs", "providerARNs are for Cognito user pool authorizers")
	}
	for i, arn := range a.GetProviderArns() {
		if !userPoolARN.MatchString(arn) {
			c.probs.Addf(file, at+diag.Pointer("providerARNs", i), "%q is not a user pool ARN (arn:aws:cognito-idp:{region}:{account}:userpool/{id})", arn)
		}
	}
	if ttl := a.GetResultTtlInSeconds(); ttl < 0 || ttl > MaxAuthorizerTTL {
		c.probs.Addf(file, at+"/authorizerResultTtlInSeconds", "authorizerResultTtlInSeconds %d is out of range: API Gateway allows 0 to %d", ttl, MaxAuthorizerTTL)
	}
	sources := identitySources(a.GetIdentitySource())
	switch {
	case isToken && (len(sources) != 1 || !strings.HasPrefix(sources[0], "method.request.header.")):
		c.probs.Addf(file, at+"/identitySource", "a TOKEN or Cognito authorizer's identitySource is one header, method.request.header.NAME, not %q", a.GetIdentitySource())
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
			c.probs.Addf(file, at+"/identityValidationExpression", "identityValidationExpression applies to TOKEN and Cognito authorizers only")
		} else if _, err := regexp.Compile(expr); err != nil {
			c.probs.Addf(file, at+"/identityValidationExpression", "identityValidationExpression %q is not a regular expression: %v", expr, err)
		}
	}
}

// userPoolARN is a Cognito user pool's ARN.
var userPoolARN = regexp.MustCompile(`^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/[A-Za-z0-9_-]+$`)

// authorizationScopes refuses scopes on a method whose authorizer does not check them: only a Cognito authorizer
// requires an access token with one.
func (c *checker) authorizationScopes(api *tollgatev1.RestApi, m *tollgatev1.Method) {
	if len(m.GetAuthorizationScopes()) == 0 {
		return
	}
	for _, a := range api.GetAuthorizers() {
		if a.GetName() == m.GetAuthorizer() && a.GetType() != tollgatev1.AuthorizerType_AUTHORIZER_TYPE_COGNITO_USER_POOLS {
			c.probs.Addf(api.GetSourceFile(), m.GetSourcePointer()+"/security", "the method lists OAuth scopes for authorizer %q: only Cognito user pool authorizers check scopes", a.GetName())
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
