package openapi

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// scheme is a security scheme of either format.
type scheme struct {
	typ, in, name string
	httpScheme    string // OpenAPI 3.0's type http only
	extensions    map[string]any
}

// schemeUse is what a security scheme asks of the methods that name it: API Gateway's API key, or a Lambda
// authorizer, by its name. A scheme Tollgate refuses asks nothing, and its problem is reported where it is defined.
type schemeUse struct {
	apiKey     bool
	authorizer string
}

// securityScheme reads a security scheme: API Gateway's API key, or an authorizer (Lambda TOKEN or REQUEST, or a
// Cognito user pool), which it adds to def's authorizers. Any other scheme is refused: a method requiring a scheme that Tollgate left
// unchecked would be open to every caller.
func (im *importer) securityScheme(def *definition, name, ptr string, s scheme) schemeUse {
	def.places[ptr] = atSecurityScheme
	if s.extensions[authorizerKey] == nil && s.extensions[authTypeKey] == nil && isAPIKey(s.typ, s.in, s.name) {
		return schemeUse{apiKey: true}
	}
	switch feature := s.feature(); {
	case (feature == lambdaTokenAuthorizer || feature == lambdaRequestAuthorizer || feature == cognitoAuthorizer || feature == jwtAuthorizer) && s.extensions[authorizerKey] != nil:
		def.authorizers = append(def.authorizers, im.authorizer(name, ptr, s))
		return schemeUse{authorizer: name}
	case feature == iamAuthorization && s.extensions[authorizerKey] == nil:
		def.authorizers = append(def.authorizers, &tollgatev1.Authorizer{Name: name, Type: tollgatev1.AuthorizerType_AUTHORIZER_TYPE_AWS_IAM, SourcePointer: ptr})
		return schemeUse{authorizer: name}
	}
	im.addf(ptr, "%s is not supported yet: Tollgate would serve the methods that use it without checking the caller; "+
		"it enforces API Gateway's API key (type apiKey, in header, name x-api-key), Lambda TOKEN and REQUEST authorizers, Cognito user pool authorizers and IAM (awsSigv4)", s.feature())
	return schemeUse{}
}

// isAPIKey tells whether a security scheme is API Gateway's API key: the x-api-key header. Header names are
// case-insensitive, so the name is too.
func isAPIKey(typ, in, name string) bool {
	return typ == "apiKey" && in == "header" && strings.EqualFold(name, "x-api-key")
}

const (
	lambdaTokenAuthorizer   = "a Lambda TOKEN authorizer"
	lambdaRequestAuthorizer = "a Lambda REQUEST authorizer"
	cognitoAuthorizer       = "a Cognito user pool authorizer"
	iamAuthorization        = "IAM authorization (awsSigv4)"
	jwtAuthorizer           = "a JWT authorizer"
)

// feature names what a scheme other than the API key would have API Gateway check. The authorizer tells first:
// the authtype of a Lambda authorizer is free-form.
func (s scheme) feature() string {
	authorizer, _ := s.extensions[authorizerKey].(map[string]any)
	authorizerType, _ := authorizer["type"].(string)
	authType, _ := s.extensions[authTypeKey].(string)
	switch {
	case s.extensions[authorizerKey] != nil:
		switch strings.ToLower(authorizerType) {
		case "token":
			return lambdaTokenAuthorizer
		case "request":
			return lambdaRequestAuthorizer
		case "cognito_user_pools":
			return cognitoAuthorizer
		case "jwt":
			return jwtAuthorizer
		}
		return fmt.Sprintf("an authorizer of type %q", authorizerType)
	case strings.EqualFold(authType, "awsSigv4"):
		return iamAuthorization
	case strings.EqualFold(authType, "cognito_user_pools"):
		return cognitoAuthorizer
	case s.extensions[authTypeKey] != nil:
		return fmt.Sprintf("an authorizer of type %q (x-amazon-apigateway-authtype)", authType)
	}
	switch s.typ {
	case "apiKey":
		return fmt.Sprintf("an API key in %s %q", s.in, s.name)
	case "oauth2":
		return "OAuth 2.0"
	case "openIdConnect":
		return "OpenID Connect"
	case "http":
		return fmt.Sprintf("HTTP %s authentication", s.httpScheme)
	case "basic":
		return "HTTP basic authentication"
	}
	return fmt.Sprintf("a security scheme of type %q", s.typ)
}

// definedScheme refuses a security requirement that names no scheme of the file: Tollgate cannot check it, and
// must not leave the method open in its place.
func (im *importer) definedScheme(def *definition, name, ptr string) {
	if _, defined := def.schemes[name]; !defined {
		im.addf(ptr, "unknown security scheme %q: it is not defined in this file", name)
	}
}

// requirement is one scheme a security requirement names, with the scopes it lists (a Cognito authorizer's
// authorizationScopes).
type requirement struct {
	name   string
	scopes []string
}

// requirements lists the schemes a list of security requirements names.
func requirements[R ~map[string][]string](im *importer, def *definition, reqs []R, ptr string) []requirement {
	var out []requirement
	for i, r := range reqs {
		for _, name := range slices.Sorted(maps.Keys(r)) {
			im.definedScheme(def, name, ptr+diag.Pointer(i, name))
			out = append(out, requirement{name, r[name]})
		}
	}
	return out
}

func (im *importer) rawSecurity(def *definition, x value) []requirement {
	var out []requirement
	for _, r := range im.list(x) {
		for _, name := range im.members(r) {
			im.definedScheme(def, name, r.field(name).ptr)
			out = append(out, requirement{name, im.stringList(r.field(name))})
		}
	}
	return out
}
