package gatewayresponse

import "testing"

// TestEveryTypeHasADefault: a type without an entry would answer an empty 0 response.
func TestEveryTypeHasADefault(t *testing.T) {
	for _, typ := range []Type{MissingAuthenticationToken, IntegrationTimeout, IntegrationFailure, APIConfigurationError,
		RequestTooLarge, InvalidAPIKey, Throttled, QuotaExceeded} {
		r := Default(typ)
		if r.Status < 400 || r.Message == "" {
			t.Errorf("%s: default %+v", typ, r)
		}
	}
	if got := Default(QuotaExceeded).Body(); got != `{"message":"Limit Exceeded"}` {
		t.Errorf("body = %s", got)
	}
}
