// Package authz is Tollgate's ext_authz service. It answers the question API Gateway asks of every request to a method that requires an API key:
// is this x-api-key value an enabled key that a usage plan lets call this API stage?
package authz

import (
	"crypto/sha256"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

// Grant is what a valid key yields: which key and which plan admitted the request (throttles and quotas count
// per key and plan).
type Grant struct {
	KeyID  string
	PlanID string
}

// KeyIndex looks keys up by value. It keeps only a hash of each value, so a heap dump or a debugger does not show
// the secrets in one place.
type KeyIndex struct {
	byValue map[[sha256.Size]byte]ir.APIKey
	plans   map[grantKey]string // (key id, api id, stage) -> plan id
}

type grantKey struct{ keyID, apiID, stage string }

// NewKeyIndex indexes a snapshot's keys and the plans that grant them API stages.
func NewKeyIndex(snap *ir.Snapshot) *KeyIndex {
	ix := &KeyIndex{byValue: map[[sha256.Size]byte]ir.APIKey{}, plans: map[grantKey]string{}}
	for _, k := range snap.APIKeys {
		ix.byValue[sha256.Sum256([]byte(k.Value))] = k
	}
	for _, g := range snap.Grants {
		ix.plans[grantKey{g.KeyID, g.APIID, g.Stage}] = g.PlanID
	}
	return ix
}

// Check admits a key value for an API stage. A missing, unknown or disabled key, or one in no usage plan for the
// stage, is refused: API Gateway answers all of these alike, 403 Forbidden.
func (ix *KeyIndex) Check(value, apiID, stage string) (Grant, bool) {
	if value == "" {
		return Grant{}, false
	}
	k, ok := ix.byValue[sha256.Sum256([]byte(value))]
	if !ok || !k.Enabled {
		return Grant{}, false
	}
	plan, ok := ix.plans[grantKey{k.ID, apiID, stage}]
	if !ok {
		return Grant{}, false
	}
	return Grant{KeyID: k.ID, PlanID: plan}, true
}
