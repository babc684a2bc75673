// Package jwttest is an identity provider of the tests' making: RSA keys published as a JSON Web Key Set on
// loopback, as a Cognito user pool publishes its keys, and tokens signed with them.
package jwttest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Pool is a user pool: its issuer, its keys (the JWKS publishes those added with AddKey) and the tokens it signs.
type Pool struct {
	t      testing.TB
	Issuer string
	// URL is the key set's address; Fetches counts the requests for it.
	URL     string
	Fetches atomic.Int32
	mu      sync.Mutex
	keys    map[string]*rsa.PrivateKey
	hidden  map[string]bool // keys that sign but are not published
}

// NewPool starts a pool publishing a key for each kid; the test's cleanup stops its server.
func NewPool(t testing.TB, issuer string, kids ...string) *Pool {
	t.Helper()
	p := &Pool{t: t, Issuer: issuer, keys: map[string]*rsa.PrivateKey{}, hidden: map[string]bool{}}
	for _, kid := range kids {
		p.AddKey(kid)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		p.Fetches.Add(1)
		p.mu.Lock()
		defer p.mu.Unlock()
		set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
		for kid, k := range p.keys {
			if !p.hidden[kid] {
				set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// AddKey makes and publishes a key, as a pool rotating its keys does.
func (p *Pool) AddKey(kid string) {
	p.addKey(kid, false)
}

// Retire stops publishing key kid, as a pool rotating its keys does; the key still signs.
func (p *Pool) Retire(kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hidden[kid] = true
}

// AddUnpublishedKey makes a key that signs tokens the key set does not vouch for.
func (p *Pool) AddUnpublishedKey(kid string) {
	p.addKey(kid, true)
}

func (p *Pool) addKey(kid string, hidden bool) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys[kid], p.hidden[kid] = k, hidden
}

// PublicKey is the public half of key kid.
func (p *Pool) PublicKey(kid string) *rsa.PublicKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	return &p.keys[kid].PublicKey
}

// Sign makes a token signed by key kid with Cognito's ID token claims (iss, an exp an hour ahead, token_use id,
// sub, email) overridden by claims; a nil value leaves a claim out.
func (p *Pool) Sign(kid string, claims map[string]any) string {
	p.t.Helper()
	p.mu.Lock()
	key := p.keys[kid]
	p.mu.Unlock()
	all := map[string]any{"iss": p.Issuer, "exp": time.Now().Add(time.Hour).Unix(), "token_use": "id", "sub": "u-1", "email": "a@example.com"}
	for k, v := range claims {
		if v == nil {
			delete(all, k)
		} else {
			all[k] = v
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", kid))
	if err != nil {
		p.t.Fatal(err)
	}
	payload, err := json.Marshal(all)
	if err != nil {
		p.t.Fatal(err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		p.t.Fatal(err)
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		p.t.Fatal(err)
	}
	return token
}
