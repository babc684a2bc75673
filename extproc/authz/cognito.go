package authz

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"github.com/go-jose/go-jose/v4"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/policy"
)

// cognitoUserPools is ir.Authorizer.Type of a Cognito user pool authorizer.
const cognitoUserPools = "COGNITO_USER_POOLS"

// Cognito user pools sign with RS256; the other RSA algorithms are accepted as JWT authorizers accept them. HMAC
// and "none" never are: a token signed with a public key as an HMAC secret must not pass.
var tokenAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512}

// Key sets are fetched when a snapshot names them and refreshed in the background, never for a request, except
// when a token names a key the set lacks (the pool rotated its keys): then at once, but not again within
// keyRefetchInterval, so that tokens naming made-up keys cannot make Tollgate fetch a set for each request.
const (
	keySetRefresh      = time.Hour
	keyRefetchInterval = 30 * time.Second
	// keySetTimeout is API Gateway's limit for a JWKS endpoint (HTTP API quotas: 1500 ms), and maxKeySet its
	// size limit (150,000 bytes).
	keySetTimeout = 1500 * time.Millisecond
	maxKeySet     = 150_000
)

// verifyToken decides a request to a method behind a Cognito user pool authorizer, as API Gateway does: the
// token (the identity source header, with or without "Bearer ") must be signed by a key of the pool whose issuer
// it names, unexpired, an ID token on a method without scopes or an access token with one of the method's
// scopes, its aud matching the identityValidationExpression if there is one. Any failure answers 401 Unauthorized. Then the resource policy, if the API has one, must allow
// explicitly: the developer guide's Cognito workflow evaluates it on its own once the token is verified, and
// refuses on a deny or on neither (its Table A, which groups user pools with Lambda authorizers, would admit on
// neither; the workflow's own words are followed).
func (a *Server) verifyToken(ctx context.Context, ar *authorizedRoute, hr *authv3.AttributeContext_HttpRequest, resource policy.Decision, arn string) (*authorization, *gatewayresponse.Response) {
	auth := ar.Authorizer
	token := headerOf(hr, auth.TokenHeader)
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = token[7:]
	}
	if token == "" {
		return nil, refusal(gatewayresponse.Unauthorized)
	}
	claims, err := a.verified.verify(auth.ID, token, a.now(), func() (map[string]any, error) {
		return a.keySets.verify(ctx, auth.UserPools, token, a.now())
	})
	if err == nil {
		err = checkTokenUse(claims, ar.AuthorizationScopes)
	}
	if err == nil && ar.token != nil {
		// For a user pool authorizer, API Gateway matches the expression against the token's aud: the app
		// clients it admits.
		if aud, _ := claims["aud"].(string); !ar.token.MatchString(aud) {
			err = fmt.Errorf("aud %q does not match identityValidationExpression", aud)
		}
	}
	if err != nil {
		a.log.Debug("token refused", "authorizer", auth.ID, "reason", err)
		return nil, refusal(gatewayresponse.Unauthorized)
	}
	if ar.policy != nil && resource != policy.Allow {
		return nil, resourcePolicyRefusal(arn, false)
	}
	return &authorization{context: cognitoContext(claims)}, nil
}

// checkTokenUse applies API Gateway's rule for the kind of token: an access token carrying one of the method's
// scopes where the method lists scopes, else an ID token. An issuer that writes no token_use (any OpenID Connect
// provider standing for a pool) is judged by its scopes alone.
func checkTokenUse(claims map[string]any, scopes []string) error {
	use, _ := claims["token_use"].(string)
	if len(scopes) == 0 {
		if use != "" && use != "id" {
			return fmt.Errorf("a %s token on a method without scopes: an ID token is required", use)
		}
		return nil
	}
	if use != "" && use != "access" {
		return fmt.Errorf("a %s token on a method with scopes: an access token is required", use)
	}
	granted, _ := claims["scope"].(string)
	for s := range strings.FieldsSeq(granted) {
		for _, want := range scopes {
			if s == want {
				return nil
			}
		}
	}
	return fmt.Errorf("the token has none of the method's scopes %q", scopes)
}

// cognitoContext is requestContext.authorizer for a verified token: its claims, as text, the way REST APIs pass
// them on.
func cognitoContext(claims map[string]any) *structpb.Value {
	fields := make(map[string]*structpb.Value, len(claims))
	for k, v := range claims {
		var text string
		switch v := v.(type) {
		case string:
			text = v
		case json.Number:
			text = v.String()
		default:
			b, _ := json.Marshal(v)
			text = string(b)
		}
		fields[k] = structpb.NewStringValue(text)
	}
	return structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{
		"claims": structpb.NewStructValue(&structpb.Struct{Fields: fields}),
	}})
}

// verifiedTokens remembers tokens whose signature verified, so that a caller's next requests cost a hash rather
// than an RSA verification: until the token expires, and at most verifiedTokenTTL, so that a key a pool stops
// publishing stops vouching for its tokens soon after. Token use and scopes are still checked per method.
type verifiedTokens struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]verifiedToken
}

type verifiedToken struct {
	claims  map[string]any
	expires time.Time
}

// verifiedTokenTTL bounds how long a verification is reused; maxVerifiedTokens how many are kept.
const (
	verifiedTokenTTL  = 5 * time.Minute
	maxVerifiedTokens = 100_000
)

// verify returns the claims of a token the authorizer verified before and not expired, else verifies it with
// check. The key holds the authorizer: a token of one authorizer's pools means nothing to another's.
func (v *verifiedTokens) verify(authorizer, token string, now time.Time, check func() (map[string]any, error)) (map[string]any, error) {
	key := sha256.Sum256([]byte(authorizer + "\x00" + token))
	v.mu.Lock()
	e, ok := v.entries[key]
	v.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.claims, nil
	}
	claims, err := check()
	if err != nil {
		return nil, err
	}
	expires := now.Add(verifiedTokenTTL)
	if exp, _ := numericDate(claims["exp"]); exp.Before(expires) {
		expires = exp
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.entries == nil || len(v.entries) >= maxVerifiedTokens {
		v.entries = map[[sha256.Size]byte]verifiedToken{} // a cache miss costs one verification: start afresh
	}
	v.entries[key] = verifiedToken{claims: claims, expires: expires}
	return claims, nil
}

// keySets keeps the key set of every user pool the snapshot's authorizers name, by JWKS URL.
type keySets struct {
	mu     sync.Mutex
	byURL  map[string]*keySet
	client *http.Client
	log    *slog.Logger
	now    func() time.Time
}

// keySet is one pool's keys: fetched, refreshed, fetched again for a key it lacks.
type keySet struct {
	url string
	mu  sync.Mutex
	set *jose.JSONWebKeySet
	// fetching: a fetch is on its way; another is not started.
	fetching bool
	// tried is closed once the first fetch has ended, well or not: a token that arrives before waits for it.
	tried     chan struct{}
	triedOnce sync.Once
	// fetched is when set was fetched, refetched when a token naming a key the set lacked last fetched it.
	fetched, refetched time.Time
}

func newKeySets(log *slog.Logger, now func() time.Time) *keySets {
	return &keySets{byURL: map[string]*keySet{}, client: &http.Client{Timeout: keySetTimeout, Transport: &http.Transport{Proxy: nil}}, log: log, now: now}
}

// track starts keeping the key sets of pools: each new one is fetched at once, in the background.
func (k *keySets) track(pools []ir.UserPool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, p := range pools {
		if _, ok := k.byURL[p.JWKSURL]; ok {
			continue
		}
		ks := &keySet{url: p.JWKSURL, tried: make(chan struct{})}
		k.byURL[p.JWKSURL] = ks
		go k.fetch(context.Background(), ks, time.Time{}, false)
	}
}

// refreshAll fetches every key set older than keySetRefresh; Server.RefreshKeys calls it.
func (k *keySets) refreshAll() {
	k.mu.Lock()
	sets := make([]*keySet, 0, len(k.byURL))
	for _, ks := range k.byURL {
		sets = append(sets, ks)
	}
	k.mu.Unlock()
	for _, ks := range sets {
		k.fetch(context.Background(), ks, k.now().Add(-keySetRefresh), false)
	}
}

// fetch gets ks's keys unless they were fetched after notBefore; for a token naming a key the set lacks
// (onDemand), unless such a token fetched them within keyRefetchInterval. A failure keeps the keys it had. The
// set is not locked while its keys are fetched: tokens keep being verified with the keys it has.
func (k *keySets) fetch(ctx context.Context, ks *keySet, notBefore time.Time, onDemand bool) {
	ks.mu.Lock()
	now := k.now()
	switch {
	case ks.fetching:
		ks.mu.Unlock()
		return
	case onDemand && now.Sub(ks.refetched) < keyRefetchInterval:
		ks.mu.Unlock()
		return
	case onDemand:
		ks.refetched = now
	case ks.fetched.After(notBefore):
		ks.mu.Unlock()
		return
	}
	ks.fetching = true
	ks.mu.Unlock()
	set, err := k.get(ctx, ks.url)
	defer ks.triedOnce.Do(func() { close(ks.tried) })
	ks.mu.Lock()
	defer ks.mu.Unlock()
	ks.fetching = false
	if err != nil {
		k.log.Warn("cannot fetch a user pool's keys", "jwksUrl", ks.url, "err", err)
		return
	}
	ks.set, ks.fetched = set, now
}

func (k *keySets) get(ctx context.Context, url string) (*jose.JSONWebKeySet, error) {
	ctx, cancel := context.WithTimeout(ctx, keySetTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySet+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxKeySet {
		return nil, fmt.Errorf("the key set is over API Gateway's %d bytes", maxKeySet)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("not a JSON Web Key Set: %w", err)
	}
	return &set, nil
}

// key finds the key kid of the set at url, fetching the set again (within the limits fetch keeps) when it lacks
// it: a pool that rotated its keys.
func (k *keySets) key(ctx context.Context, url, kid string) *jose.JSONWebKey {
	k.mu.Lock()
	ks := k.byURL[url]
	k.mu.Unlock()
	if ks == nil {
		return nil
	}
	select {
	case <-ks.tried:
	case <-ctx.Done():
		return nil
	}
	find := func() *jose.JSONWebKey {
		ks.mu.Lock()
		defer ks.mu.Unlock()
		if ks.set == nil {
			return nil
		}
		if keys := ks.set.Key(kid); len(keys) > 0 {
			return &keys[0]
		}
		return nil
	}
	if key := find(); key != nil {
		return key
	}
	k.fetch(ctx, ks, k.now(), true)
	return find()
}

// verify checks a token's signature with the key its header names, from the pool its iss names, and its times;
// it returns the token's claims.
func (k *keySets) verify(ctx context.Context, pools []ir.UserPool, token string, now time.Time) (map[string]any, error) {
	jws, err := jose.ParseSignedCompact(token, tokenAlgorithms)
	if err != nil {
		return nil, err
	}
	if len(jws.Signatures) != 1 {
		return nil, fmt.Errorf("%d signatures: want one", len(jws.Signatures))
	}
	var unverified struct {
		Issuer string `json:"iss"`
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &unverified); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	var pool *ir.UserPool
	for i := range pools {
		if pools[i].Issuer == unverified.Issuer {
			pool = &pools[i]
		}
	}
	if pool == nil {
		return nil, fmt.Errorf("issuer %q is none of the authorizer's user pools", unverified.Issuer)
	}
	key := k.key(ctx, pool.JWKSURL, jws.Signatures[0].Header.KeyID)
	if key == nil {
		return nil, fmt.Errorf("no key %q in %s", jws.Signatures[0].Header.KeyID, pool.JWKSURL)
	}
	payload, err := jws.Verify(key)
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	exp, ok := numericDate(claims["exp"])
	if !ok {
		return nil, fmt.Errorf("no exp")
	}
	if !now.Before(exp) {
		return nil, fmt.Errorf("expired at %s", exp.UTC().Format(time.RFC3339))
	}
	if nbf, ok := numericDate(claims["nbf"]); ok && now.Before(nbf) {
		return nil, fmt.Errorf("not valid before %s", nbf.UTC().Format(time.RFC3339))
	}
	return claims, nil
}

// numericDate reads a JWT NumericDate (seconds since the epoch).
func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, int64(f*1e9)), true
}
