package authz

import (
	"testing"

	"github.com/tollgate-gw/tollgate/internal/ir"
)

func TestCheck(t *testing.T) {
	ix := NewKeyIndex(&ir.Snapshot{
		APIKeys: []ir.APIKey{
			{ID: "k1", Value: "alice-0123456789abcdefgh", Enabled: true},
			{ID: "k2", Value: "bob-0123456789abcdefghij", Enabled: false},
			{ID: "k3", Value: "carol-0123456789abcdefgh", Enabled: true},
		},
		Grants: []ir.Grant{{KeyID: "k1", APIID: "a1", Stage: "prod", PlanID: "p1"}, {KeyID: "k2", APIID: "a1", Stage: "prod", PlanID: "p1"}},
	})
	tests := []struct {
		name, value, api, stage string
		want                    Grant
		ok                      bool
	}{
		{"valid key in the plan", "alice-0123456789abcdefgh", "a1", "prod", Grant{KeyID: "k1", PlanID: "p1"}, true},
		{"missing key", "", "a1", "prod", Grant{}, false},
		{"unknown key", "mallory-0123456789abcdef", "a1", "prod", Grant{}, false},
		{"disabled key", "bob-0123456789abcdefghij", "a1", "prod", Grant{}, false},
		{"key in no plan", "carol-0123456789abcdefgh", "a1", "prod", Grant{}, false},
		{"plan does not cover the stage", "alice-0123456789abcdefgh", "a1", "dev", Grant{}, false},
		{"plan does not cover the API", "alice-0123456789abcdefgh", "a2", "prod", Grant{}, false},
	}
	for _, tt := range tests {
		got, ok := ix.Check(tt.value, tt.api, tt.stage)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: Check = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
