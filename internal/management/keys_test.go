package management

import (
	"testing"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

func TestFileKeysAndPlans(t *testing.T) {
	gw := &tollgatev1.Gateway{
		ApiKeys: []*tollgatev1.ApiKey{{Id: "k2", Name: "bob", Value: "bob-value-0123456789", Enabled: true}, {Id: "k1", Name: "alice", Value: "alice-value-0123456789"}},
		UsagePlans: []*tollgatev1.UsagePlan{{Id: "gold", Name: "Gold", KeyIds: []string{"k2", "k1"},
			ApiStages: []*tollgatev1.ApiStage{{ApiId: "pets", Stage: "prod", Throttle: map[string]*tollgatev1.ThrottleSettings{"/pets/GET": {RateLimit: 5, BurstLimit: 10}}}},
			Throttle:  &tollgatev1.ThrottleSettings{RateLimit: 100, BurstLimit: 200}, Quota: &tollgatev1.QuotaSettings{Limit: 1000, Period: "MONTH"}}},
	}
	_, _, mux := newService(t, gw)
	alice := `{"id":"k1","name":"alice","enabled":false}`
	bob := `{"id":"k2","name":"bob","enabled":true}`
	gold := `{"id":"gold","name":"Gold","apiStages":[{"apiId":"pets","stage":"prod","throttle":{"/pets/GET":{"burstLimit":10,"rateLimit":5}}}],"throttle":{"burstLimit":200,"rateLimit":100},"quota":{"limit":1000,"offset":0,"period":"MONTH"}}`
	for _, tt := range []struct {
		name, method, target string
		status               int
		body                 string
	}{
		{"the keys, without their values", "GET", "/apikeys", 200, `{"item":[` + alice + `,` + bob + `]}`},
		{"with them", "GET", "/apikeys?includeValues=true&limit=1", 200, `{"item":[{"id":"k1","value":"alice-value-0123456789","name":"alice","enabled":false}],"position":"k2"}`},
		{"by name", "GET", "/apikeys?name=bo", 200, `{"item":[` + bob + `]}`},
		{"one key", "GET", "/apikeys/k2", 200, bob},
		{"a key there is not", "GET", "/apikeys/k9", 404, `{"message":"Invalid API Key identifier specified"}`},
		{"a file's key is the file's", "DELETE", "/apikeys/k1", 400, `{"message":"API key k1 is defined in tollgate.yaml: change it there, the management API cannot"}`},
		{"the plans", "GET", "/usageplans", 200, `{"item":[` + gold + `]}`},
		{"the plans of a key", "GET", "/usageplans?keyId=k9", 200, `{"item":[]}`},
		{"one plan", "GET", "/usageplans/gold", 200, gold},
		{"a plan there is not", "GET", "/usageplans/silver", 404, `{"message":"Invalid Usage Plan ID specified"}`},
		{"a plan's keys", "GET", "/usageplans/gold/keys", 200, `{"item":[{"id":"k1","type":"API_KEY","value":"alice-value-0123456789","name":"alice"},{"id":"k2","type":"API_KEY","value":"bob-value-0123456789","name":"bob"}]}`},
		{"one of them", "GET", "/usageplans/gold/keys/k2", 200, `{"id":"k2","type":"API_KEY","value":"bob-value-0123456789","name":"bob"}`},
		{"a key not in the plan", "GET", "/usageplans/gold/keys/k9", 404, `{"message":"Invalid API Key identifier specified"}`},
		{"a file's plan is the file's", "PATCH", "/usageplans/gold", 400, `{"message":"usage plan gold is defined in tollgate.yaml: change it there, the management API cannot"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := call(t, mux, tt.method, tt.target, "{}", tt.status, nil); got != tt.body {
				t.Errorf("%s\nwant %s", got, tt.body)
			}
		})
	}
}
