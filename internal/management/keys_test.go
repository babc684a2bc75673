package management

import (
	"strings"
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

// TestManagedKeys: keys made by CreateApiKey and ImportApiKeys are listed with the file's, and a plan's keys
// follow CreateUsagePlanKey and DeleteUsagePlanKey.
func TestManagedKeys(t *testing.T) {
	gw := &tollgatev1.Gateway{ApiKeys: []*tollgatev1.ApiKey{{Id: "k1", Name: "alice", Value: "alice-value-0123456789"}}}
	_, sv, mux := newService(t, gw)
	var made apiKey
	call(t, mux, "POST", "/apikeys", `{"name":"carol","enabled":true}`, 201, &made)
	if len(made.ID) != 10 || len(made.Value) != 40 || !made.Enabled || *made.CreatedDate != 1764000000 {
		t.Errorf("CreateApiKey made %+v", made)
	}
	call(t, mux, "POST", "/apikeys", `{"name":"short","value":"too-short"}`, 400, nil)
	var imported apiKeyIDs
	call(t, mux, "POST", "/apikeys?mode=import&format=csv", "Name,Key,Enabled\nbob,bob-value-0123456789xyz,TRUE\n", 201, &imported)
	var page apiKeyPage
	call(t, mux, "GET", "/apikeys?includeValues=true&name=bob", "", 200, &page)
	if len(imported.IDs) != 1 || len(page.Items) != 1 || page.Items[0].ID != imported.IDs[0] || page.Items[0].Value != "bob-value-0123456789xyz" || !page.Items[0].Enabled {
		t.Errorf("imported %+v, listed %+v", imported, page)
	}
	var plan usagePlan
	call(t, mux, "POST", "/usageplans", `{"name":"basic","quota":{"limit":100,"period":"week","offset":1}}`, 201, &plan)
	if plan.Quota.Period != "WEEK" {
		t.Errorf("CreateUsagePlan made %+v", plan)
	}
	call(t, mux, "POST", "/usageplans/"+plan.ID+"/keys", `{"keyId":"k1","keyType":"API_KEY"}`, 201, nil)
	call(t, mux, "POST", "/usageplans/"+plan.ID+"/keys", `{"keyId":"k1","keyType":"API_KEY"}`, 409, nil)
	call(t, mux, "POST", "/usageplans/"+plan.ID+"/keys", `{"keyId":"nope","keyType":"API_KEY"}`, 404, nil)
	call(t, mux, "PATCH", "/usageplans/"+plan.ID, `{"patchOperations":[{"op":"replace","path":"/throttle/rateLimit","value":"5"},{"op":"replace","path":"/throttle/burstLimit","value":"10"}]}`, 200, &plan)
	if plan.Throttle == nil || plan.Throttle.RateLimit != 5 || plan.Throttle.BurstLimit != 10 {
		t.Errorf("UpdateUsagePlan made %+v", plan)
	}
	last := sv.checked[len(sv.checked)-1]
	if len(last.APIKeys) != 2 || len(last.UsagePlans) != 1 || last.UsagePlans[0].GetKeyIds()[0] != "k1" || last.UsagePlans[0].GetThrottle().GetBurstLimit() != 10 {
		t.Errorf("the state checked: %+v", last)
	}
	call(t, mux, "DELETE", "/usageplans/"+plan.ID+"/keys/k1", "", 202, nil)
	call(t, mux, "DELETE", "/usageplans/"+plan.ID, "", 202, nil)
	call(t, mux, "GET", "/usageplans/"+plan.ID, "", 404, nil)
}

// TestTags: tags of an API, a stage, a key and a plan, by ARN; the file's are refused.
func TestTags(t *testing.T) {
	gw := &tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{{Id: "filed", Name: "Filed"}}}
	_, _, mux := newService(t, gw)
	var api restAPI
	call(t, mux, "POST", "/restapis", `{"name":"tagged","tags":{"team":"a"}}`, 201, &api)
	get := "/restapis/" + api.ID + "/resources/" + api.RootResourceID + "/methods/GET"
	call(t, mux, "PUT", get, `{"authorizationType":"NONE"}`, 201, nil)
	call(t, mux, "PUT", get+"/integration", `{"type":"MOCK"}`, 201, nil)
	call(t, mux, "POST", "/restapis/"+api.ID+"/deployments", `{"stageName":"prod"}`, 201, nil)
	var key apiKey
	call(t, mux, "POST", "/apikeys", `{"name":"k"}`, 201, &key)
	arn := func(path string) string {
		return "/tags/" + strings.ReplaceAll("arn:aws:apigateway:us-east-1::"+path, "/", "%2F")
	}
	for _, path := range []string{"/restapis/" + api.ID, "/restapis/" + api.ID + "/stages/prod", "/apikeys/" + key.ID} {
		call(t, mux, "PUT", arn(path), `{"tags":{"env":"test","drop":"me"}}`, 204, nil)
		call(t, mux, "DELETE", arn(path)+"?tagKeys=drop", "", 204, nil)
		var got tagsAnswer
		call(t, mux, "GET", arn(path), "", 200, &got)
		if got.Tags["env"] != "test" || got.Tags["drop"] != "" {
			t.Errorf("%s: tags %v", path, got.Tags)
		}
	}
	var read restAPI
	call(t, mux, "GET", "/restapis/"+api.ID, "", 200, &read)
	if read.Tags["team"] != "a" || read.Tags["env"] != "test" {
		t.Errorf("GetRestApi's tags: %v", read.Tags)
	}
	call(t, mux, "PUT", arn("/restapis/filed"), `{"tags":{"a":"b"}}`, 400, nil)
	call(t, mux, "GET", arn("/restapis/nope"), "", 404, nil)
	call(t, mux, "GET", "/tags/not-an-arn", "", 400, nil)
}

func TestAccount(t *testing.T) {
	_, _, mux := newService(t, &tollgatev1.Gateway{AccountThrottle: &tollgatev1.ThrottleSettings{RateLimit: 100, BurstLimit: 50}})
	want := `{"throttleSettings":{"burstLimit":50,"rateLimit":100},"features":["UsagePlans"],"apiKeyVersion":"4"}`
	for _, tt := range []struct {
		method, body string
		status       int
		want         string
	}{
		{"GET", "", 200, want},
		{"PATCH", `{"patchOperations":[{"op":"add","path":"/features","value":"UsagePlans"}]}`, 200, want},
		{"PATCH", `{"patchOperations":[{"op":"replace","path":"/throttle/rateLimit","value":"5"}]}`, 400, `{"message":"the account throttle is tollgate.yaml's accountThrottle: change it there, the management API cannot"}`},
	} {
		if got := call(t, mux, tt.method, "/account", tt.body, tt.status, nil); got != tt.want {
			t.Errorf("%s /account %s: %s, want %s", tt.method, tt.body, got, tt.want)
		}
	}
}
