package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// benchPoolARN is the user pool of the bench's Cognito authorizer; its keys are served by startUserPool.
const benchPoolARN = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Bench"

const benchIssuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Bench"

// benchAudience is the tokens' aud, which the HTTP API's JWT authorizer admits.
const benchAudience = "bench-client"

// startUserPool serves a key set on loopback and returns its URL and an ID token it signs, valid for a day.
func startUserPool(ctx context.Context) (jwksURL, token string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "bench", Algorithm: "RS256", Use: "sig"}}})
	if err != nil {
		return "", "", err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", "", err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(set) })}
	go func() { _ = srv.Serve(lis) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "bench"))
	if err != nil {
		return "", "", err
	}
	claims, _ := json.Marshal(map[string]any{"iss": benchIssuer, "aud": benchAudience, "exp": time.Now().Add(24 * time.Hour).Unix(), "token_use": "id", "sub": "bench", "email": "bench@example.com"})
	jws, err := signer.Sign(claims)
	if err != nil {
		return "", "", err
	}
	token, err = jws.CompactSerialize()
	return fmt.Sprintf("http://%s/jwks.json", lis.Addr()), token, err
}
