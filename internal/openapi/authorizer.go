package openapi

import (
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// authorizerFields lists every field of x-amazon-apigateway-authorizer that API Gateway documents.
var authorizerFields = map[string]field{
	"type":                           {},
	"authorizerUri":                  {},
	"authorizerCredentials":          {},
	"identitySource":                 {},
	"identityValidationExpression":   {},
	"authorizerResultTtlInSeconds":   {},
	"providerARNs":                   {},
	"authorizerPayloadFormatVersion": {},
	"enableSimpleResponses":          {},
	"jwtConfiguration":               {},
}

// jwtConfigurationFields are the fields of an HTTP API JWT authorizer's jwtConfiguration.
var jwtConfigurationFields = map[string]field{"issuer": {}, "audience": {}}

// authorizer reads an authorizer's security scheme. A TOKEN or Cognito authorizer without an identitySource reads
// the header its apiKey scheme names, as API Gateway's import does.
func (im *importer) authorizer(name, ptr string, s scheme) *tollgatev1.Authorizer {
	x := value{s.extensions[authorizerKey], ptr + diag.Pointer(authorizerKey)}
	im.object(x)
	im.knownFields(x, authorizerFields, "x-amazon-apigateway-authorizer")
	a := &tollgatev1.Authorizer{
		Name:                         name,
		Type:                         tollgatev1.AuthorizerType(im.enum(x.field("type"), "AUTHORIZER_TYPE_", tollgatev1.AuthorizerType_value)),
		AuthorizerUri:                im.str(x.field("authorizerUri")),
		AuthorizerCredentials:        im.str(x.field("authorizerCredentials")),
		IdentitySource:               im.str(x.field("identitySource")),
		IdentityValidationExpression: im.str(x.field("identityValidationExpression")),
		SourcePointer:                x.ptr,
		ProviderArns:                 im.stringList(x.field("providerARNs")),
		PayloadFormatVersion:         im.str(x.field("authorizerPayloadFormatVersion")),
	}
	if simple := x.field("enableSimpleResponses"); simple.v != nil {
		a.EnableSimpleResponses = im.boolean(simple)
	}
	if jc := x.field("jwtConfiguration"); jc.v != nil && im.object(jc) != nil {
		im.knownFields(jc, jwtConfigurationFields, "jwtConfiguration")
		a.JwtIssuer, a.JwtAudiences = im.str(jc.field("issuer")), im.stringList(jc.field("audience"))
	}
	if ttl := x.field("authorizerResultTtlInSeconds"); ttl.v != nil {
		n := im.integer(ttl)
		a.ResultTtlInSeconds = &n
	}
	if a.IdentitySource == "" && a.Type != tollgatev1.AuthorizerType_AUTHORIZER_TYPE_REQUEST && strings.EqualFold(s.in, "header") && s.name != "" {
		a.IdentitySource = "method.request.header." + s.name
	}
	if a.AuthorizerCredentials != "" {
		im.warnf(x.field("authorizerCredentials").ptr, "authorizerCredentials: Tollgate invokes the function with its own credentials (the standard AWS chain, when the function is on AWS), not by assuming this role")
	}
	return a
}
