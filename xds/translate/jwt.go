package translate

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	rbacconfig "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	jwtauthn "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/jwt_authn/v3"
	rbac "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// An HTTP API's JWT authorizers are Envoy's jwt_authn: a provider per authorizer (its issuer and key set, fetched by
// Envoy from the key set's cluster and cached), required on the routes that name it; the audience, an RBAC filter
// of its own on the verified payload (aud, or client_id when the token has none: jwt_authn reads aud only); and the
// route's authorizationScopes, when it lists some, Envoy's RBAC filter on the payload's scope (or scp) claim. No
// call to Tollgate: a refused token is Envoy's 401 (the audience check's refusal answered as one), a scope not
// granted its 403, which the HTTP API's local replies answer as AWS does.

// bareToken names the provider of an authorizer that reads a token without the Bearer prefix.
const bareToken = "/bare"

// jwtCacheSize is how many verified tokens each provider remembers, per Envoy worker.
const jwtCacheSize = 1000

// jwksCacheDuration is how long Envoy keeps a key set before fetching it again: how long an issuer's new key may
// go unrecognised (Envoy does not fetch again for a token naming a key it lacks), for a fetch a minute per Envoy.
const jwksCacheDuration = time.Minute

func init() {
	register(names.JWTFilter, feature{
		filter: jwtFilter,
		apply: func(r *route.Route, in *ir.Route) bool {
			if in.JWT == nil {
				return false
			}
			switchOn(r, names.JWTFilter, mustAny(&route.FilterConfig{Config: mustAny(&jwtauthn.PerRouteConfig{
				RequirementSpecifier: &jwtauthn.PerRouteConfig_RequirementName{RequirementName: in.JWT.Name},
			})}))
			return true
		},
	})
	register(names.AudienceFilter, feature{
		filter: func(*ir.Snapshot) *hcm.HttpFilter {
			return &hcm.HttpFilter{Name: names.AudienceFilter, Disabled: true, ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&rbac.RBAC{})}}
		},
		apply: func(r *route.Route, in *ir.Route) bool {
			if in.JWT == nil {
				return false
			}
			switchOn(r, names.AudienceFilter, mustAny(&route.FilterConfig{Config: mustAny(&rbac.RBACPerRoute{Rbac: &rbac.RBAC{Rules: &rbacconfig.RBAC{
				Action: rbacconfig.RBAC_DENY,
				Policies: map[string]*rbacconfig.Policy{audiencePolicy: {
					Permissions: []*rbacconfig.Permission{{Rule: &rbacconfig.Permission_Any{Any: true}}},
					Principals:  []*rbacconfig.Principal{{Identifier: &rbacconfig.Principal_NotId{NotId: forAudience(in.JWT.Audiences)}}},
				}},
			}}})}))
			return true
		},
	})
	register(names.ScopesFilter, feature{
		filter: func(*ir.Snapshot) *hcm.HttpFilter {
			return &hcm.HttpFilter{Name: names.ScopesFilter, Disabled: true, ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&rbac.RBAC{})}}
		},
		apply: func(r *route.Route, in *ir.Route) bool {
			if in.JWT == nil || len(in.AuthorizationScopes) == 0 {
				return false
			}
			switchOn(r, names.ScopesFilter, mustAny(&route.FilterConfig{Config: mustAny(&rbac.RBACPerRoute{Rbac: &rbac.RBAC{Rules: &rbacconfig.RBAC{
				Action: rbacconfig.RBAC_ALLOW,
				Policies: map[string]*rbacconfig.Policy{"authorizationScopes": {
					Permissions: []*rbacconfig.Permission{{Rule: &rbacconfig.Permission_Any{Any: true}}},
					Principals:  []*rbacconfig.Principal{grantsOneOf(in.AuthorizationScopes)},
				}},
			}}})}))
			return true
		},
	})
}

// jwtFilter is the listener's jwt_authn filter, with a provider for each JWT authorizer of the snapshot.
func jwtFilter(snap *ir.Snapshot) *hcm.HttpFilter {
	providers := map[string]*jwtauthn.JwtProvider{}
	requirements := map[string]*jwtauthn.JwtRequirement{}
	for _, r := range snap.Routes() {
		a := r.JWT
		if a == nil || providers[a.Name] != nil {
			continue
		}
		// The token with its Bearer prefix or without, as API Gateway takes it: a provider for each form, either
		// of which admits (one header read both ways would find a token that cannot verify in every request).
		for _, form := range []struct{ suffix, prefix string }{{"", "Bearer "}, {bareToken, ""}} {
			providers[a.Name+form.suffix] = &jwtauthn.JwtProvider{
				// Any audience: the audience check decides, with client_id where a token has no aud.
				Issuer: a.Issuer,
				JwksSourceSpecifier: &jwtauthn.JwtProvider_RemoteJwks{RemoteJwks: &jwtauthn.RemoteJwks{
					HttpUri: &core.HttpUri{Uri: a.JWKSURL, HttpUpstreamType: &core.HttpUri_Cluster{Cluster: clusterName(a.JWKS)},
						Timeout: durationpb.New(5 * time.Second)},
					CacheDuration: durationpb.New(jwksCacheDuration),
					// Fetched when the configuration arrives, not by the first request.
					AsyncFetch: &jwtauthn.JwksAsyncFetch{},
				}},
				FromHeaders: []*jwtauthn.JwtHeader{{Name: a.Header, ValuePrefix: form.prefix}},
				// A token verified once is not verified again (its expiry still is): a client sends the same token
				// on each request, and an RS256 signature costs more than the rest of a request here.
				JwtCacheConfig:    &jwtauthn.JwtCacheConfig{JwtCacheSize: jwtCacheSize},
				PayloadInMetadata: names.JWTPayloadField,
				Forward:           true,
			}
		}
		requirements[a.Name] = &jwtauthn.JwtRequirement{RequiresType: &jwtauthn.JwtRequirement_RequiresAny{RequiresAny: &jwtauthn.JwtRequirementOrList{
			Requirements: []*jwtauthn.JwtRequirement{
				{RequiresType: &jwtauthn.JwtRequirement_ProviderName{ProviderName: a.Name}},
				{RequiresType: &jwtauthn.JwtRequirement_ProviderName{ProviderName: a.Name + bareToken}},
			},
		}}}
	}
	return &hcm.HttpFilter{Name: names.JWTFilter, Disabled: true, ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&jwtauthn.JwtAuthentication{
		Providers: providers, RequirementMap: requirements,
	})}}
}

// audiencePolicy names the audience check's policy, which its refusals name in their code details.
const audiencePolicy = "audience"

// audienceRefused is the code details of the audience check's refusal, as a CEL string.
const audienceRefused = "'rbac_access_denied_matched_policy[" + audiencePolicy + "]'"

// forAudience matches a verified token for one of audiences, as API Gateway reads it: its aud (a string or a
// list), or, when it has no aud, its client_id (Cognito's access tokens).
func forAudience(audiences []string) *rbacconfig.Principal {
	quoted := make([]string, len(audiences))
	for i, a := range slices.Sorted(slices.Values(audiences)) {
		quoted[i] = regexp.QuoteMeta(a)
	}
	oneOf := &matcher.StringMatcher{MatchPattern: &matcher.StringMatcher_SafeRegex{SafeRegex: &matcher.RegexMatcher{Regex: "^(" + strings.Join(quoted, "|") + ")$"}}}
	is := &matcher.ValueMatcher{MatchPattern: &matcher.ValueMatcher_StringMatch{StringMatch: oneOf}}
	audIs := claimMatches("aud", is)
	audHas := claimMatches("aud", &matcher.ValueMatcher{MatchPattern: &matcher.ValueMatcher_ListMatch{ListMatch: &matcher.ListMatcher{
		MatchPattern: &matcher.ListMatcher_OneOf{OneOf: is}}}})
	noAud := &rbacconfig.Principal{Identifier: &rbacconfig.Principal_NotId{NotId: claimMatches("aud",
		&matcher.ValueMatcher{MatchPattern: &matcher.ValueMatcher_PresentMatch{PresentMatch: true}})}}
	byClientID := &rbacconfig.Principal{Identifier: &rbacconfig.Principal_AndIds{AndIds: &rbacconfig.Principal_Set{
		Ids: []*rbacconfig.Principal{noAud, claimMatches("client_id", is)}}}}
	return &rbacconfig.Principal{Identifier: &rbacconfig.Principal_OrIds{OrIds: &rbacconfig.Principal_Set{Ids: []*rbacconfig.Principal{audIs, audHas, byClientID}}}}
}

// claimMatches matches a verified token whose claim name matches value.
func claimMatches(name string, value *matcher.ValueMatcher) *rbacconfig.Principal {
	return &rbacconfig.Principal{Identifier: &rbacconfig.Principal_SourcedMetadata{SourcedMetadata: &rbacconfig.SourcedMetadata{
		MetadataSource: rbacconfig.MetadataSource_DYNAMIC,
		MetadataMatcher: &matcher.MetadataMatcher{
			Filter: names.JWTFilter,
			Path:   []*matcher.MetadataMatcher_PathSegment{{Segment: &matcher.MetadataMatcher_PathSegment_Key{Key: names.JWTPayloadField}}, {Segment: &matcher.MetadataMatcher_PathSegment_Key{Key: name}}},
			Value:  value,
		},
	}}}
}

// grantsOneOf matches a verified token that grants one of scopes: in its space-separated scope claim, or its scp
// list.
func grantsOneOf(scopes []string) *rbacconfig.Principal {
	quoted := make([]string, len(scopes))
	for i, s := range slices.Sorted(slices.Values(scopes)) {
		quoted[i] = regexp.QuoteMeta(s)
	}
	inScope := claimMatches("scope", &matcher.ValueMatcher{MatchPattern: &matcher.ValueMatcher_StringMatch{StringMatch: &matcher.StringMatcher{
		MatchPattern: &matcher.StringMatcher_SafeRegex{SafeRegex: &matcher.RegexMatcher{Regex: "(^|.* )(" + strings.Join(quoted, "|") + ")( .*|$)"}}}}})
	inScp := claimMatches("scp", &matcher.ValueMatcher{MatchPattern: &matcher.ValueMatcher_ListMatch{ListMatch: &matcher.ListMatcher{
		MatchPattern: &matcher.ListMatcher_OneOf{OneOf: &matcher.ValueMatcher{MatchPattern: &matcher.ValueMatcher_StringMatch{StringMatch: &matcher.StringMatcher{
			MatchPattern: &matcher.StringMatcher_SafeRegex{SafeRegex: &matcher.RegexMatcher{Regex: "(" + strings.Join(quoted, "|") + ")"}}}}}}}}})
	return &rbacconfig.Principal{Identifier: &rbacconfig.Principal_OrIds{OrIds: &rbacconfig.Principal_Set{Ids: []*rbacconfig.Principal{inScope, inScp}}}}
}

// jwksClusters registers the clusters of the key sets the snapshot's JWT authorizers fetch.
func (t *translator) jwksClusters() {
	seen := map[string]ir.Backend{}
	for _, r := range t.snap.Routes() {
		if r.JWT != nil {
			seen[clusterName(r.JWT.JWKS)] = r.JWT.JWKS
		}
	}
	for _, name := range slices.Sorted(maps.Keys(seen)) {
		t.cluster(seen[name])
	}
}
