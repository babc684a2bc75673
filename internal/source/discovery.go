package source

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/ir"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// An HTTP API's JWT authorizer names an issuer; its key set is where cognito.userPools says, else where the
// issuer's OpenID Connect discovery document ({issuer}/.well-known/openid-configuration) says, as API Gateway
// finds it. The document is read at load, once per issuer for the loader's life: an issuer moves its keys within
// its key set, not the set itself.

// discoveryTimeout bounds one discovery document's fetch.
const discoveryTimeout = 5 * time.Second

// discoverIssuers adds to pools the key set of every JWT authorizer's issuer that pools lack, read from the
// issuer's discovery document; a document that cannot be read is a problem at the authorizer.
func (ld *Loader) discoverIssuers(gw *tollgatev1.Gateway, pools map[string]ir.UserPool) diag.Problems {
	known := map[string]bool{}
	for _, p := range pools {
		known[p.Issuer] = true
	}
	var probs diag.Problems
	for _, api := range gw.GetApis() {
		if api.GetProtocolType() != tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP {
			continue
		}
		for _, a := range api.GetAuthorizers() {
			issuer := a.GetJwtIssuer()
			if a.GetType() != tollgatev1.AuthorizerType_AUTHORIZER_TYPE_JWT || issuer == "" || known[issuer] {
				continue
			}
			jwksURL, err := ld.discovered(issuer)
			if err != nil {
				probs.Addf(api.GetSourceFile(), a.GetSourcePointer()+"/jwtConfiguration/issuer",
					"cannot find issuer %q's keys: %v; or give its jwksUrl in the config's cognito.userPools", issuer, err)
				continue
			}
			pools["discovered:"+issuer] = ir.UserPool{Issuer: issuer, JWKSURL: jwksURL}
			known[issuer] = true
		}
	}
	return probs
}

// discovered is an issuer's jwks_uri, from its discovery document, fetched once.
func (ld *Loader) discovered(issuer string) (string, error) {
	if u, ok := ld.jwks[issuer]; ok {
		return u, nil
	}
	doc := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	ctx, cancel := context.WithTimeout(context.Background(), discoveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, doc, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("its discovery document: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("its discovery document %s answered %d", doc, resp.StatusCode)
	}
	var d struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil {
		return "", fmt.Errorf("its discovery document %s: %w", doc, err)
	}
	switch {
	case d.Issuer != issuer:
		// OpenID Connect Discovery 1.0, 4.3: the document's issuer must be the one it was fetched for.
		return "", fmt.Errorf("its discovery document %s names issuer %q", doc, d.Issuer)
	case d.JWKSURI == "":
		return "", fmt.Errorf("its discovery document %s has no jwks_uri", doc)
	}
	if ld.jwks == nil {
		ld.jwks = map[string]string{}
	}
	ld.jwks[issuer] = d.JWKSURI
	return d.JWKSURI, nil
}
