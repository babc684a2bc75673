package config

import (
	"strings"
	"testing"
)

func TestParseDefaultsAndOverrides(t *testing.T) {
	t.Setenv("TOLLGATE_LISTEN", "0.0.0.0:8443")
	c, err := Parse("dir/tollgate.yaml", []byte(`
apis:
  - id: a1b2c3d4e5
    definition: petstore.yaml
    stages:
      - stageName: prod
        variables: {backendHost: "127.0.0.1:9000"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:8443" || c.Admin != DefaultAdmin || c.XDS != DefaultXDS || c.EnvoyAdmin != DefaultEnvoyAdmin || c.Domain != DefaultDomain {
		t.Errorf("settings = %+v", c)
	}
	// Stage variable names keep their case: viper would have folded them.
	if got := c.APIs[0].Stages[0].Variables["backendHost"]; got != "127.0.0.1:9000" {
		t.Errorf("variables = %v", c.APIs[0].Stages[0].Variables)
	}
	if got := c.APIs[0].DefinitionPath(c.File); got != "dir/petstore.yaml" {
		t.Errorf("DefinitionPath = %q", got)
	}
}

func TestParseJSON(t *testing.T) {
	c, err := Parse("t.json", []byte(`{"envoyAdmin": "127.0.0.1:9902", "apis": [{"id": "x1", "definition": "a.json", "stages": [{"stageName": "v1"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.EnvoyAdmin != "127.0.0.1:9902" || c.APIs[0].Stages[0].StageName != "v1" {
		t.Errorf("config = %+v", c)
	}
}

func TestParseProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"not yaml", "apis: [", []string{"t.yaml: cannot parse"}},
		{"bad address", "listen: 8080\n", []string{"t.yaml: /listen: invalid address \"8080\""}},
		{"bad port", "admin: 127.0.0.1:70000\n", []string{"/admin: invalid address \"127.0.0.1:70000\": port must be 1-65535"}},
		{"bad domain", "domain: 'not a domain'\n", []string{"/domain: invalid domain"}},
		{"bad api id", "apis: [{id: ABC, definition: a.yaml, stages: [{stageName: p}]}]", []string{"/apis/0/id: invalid API id \"ABC\""}},
		{"duplicate api id", "apis: [{id: a, definition: a.yaml, stages: [{stageName: p}]}, {id: a, definition: b.yaml, stages: [{stageName: p}]}]", []string{"/apis/1/id: API id \"a\" is already used by /apis/0"}},
		{"missing definition", "apis: [{id: a, stages: [{stageName: p}]}]", []string{"/apis/0/definition: missing definition"}},
		{"no stages", "apis: [{id: a, definition: a.yaml}]", []string{"/apis/0/stages: API \"a\" has no stages"}},
		{"bad stage name", "apis: [{id: a, definition: a.yaml, stages: [{stageName: 'pr od'}]}]", []string{"/apis/0/stages/0/stageName: invalid stage name \"pr od\": must match [A-Za-z0-9_-]{1,128}"}},
		{"duplicate stage", "apis: [{id: a, definition: a.yaml, stages: [{stageName: p}, {stageName: p}]}]", []string{"/apis/0/stages/1/stageName: stage \"p\" is already defined"}},
		{"bad variable name", "apis: [{id: a, definition: a.yaml, stages: [{stageName: p, variables: {'a-b': x}}]}]", []string{"/apis/0/stages/0/variables/a-b: invalid stage variable name"}},
		{"bad variable value", "apis: [{id: a, definition: a.yaml, stages: [{stageName: p, variables: {a: 'x y'}}]}]", []string{"/apis/0/stages/0/variables/a: invalid value \"x y\""}},
		{"bad lambda region", "lambda: {region: Mars}", []string{"/lambda/region: invalid region \"Mars\""}},
		{"bad lambda endpoint", "lambda: {endpoint: 'localhost:4566'}", []string{"/lambda/endpoint: invalid URL \"localhost:4566\""}},
		{"bad function url", "lambda: {functions: {echo: '/x'}}", []string{"/lambda/functions/echo: invalid URL \"/x\""}},
		{"short key value", "apiKeys: [{id: k1, value: short}]", []string{"/apiKeys/0/value: API key \"k1\": the value must be 20 to 128 characters long, it has 5"}},
		{"duplicate key value", "apiKeys: [{id: k1, value: aaaaaaaaaaaaaaaaaaaaaaaa}, {id: k2, value: aaaaaaaaaaaaaaaaaaaaaaaa}]", []string{"/apiKeys/1/value: API key \"k2\" has the same value as /apiKeys/0"}},
		{"duplicate key id", "apiKeys: [{id: k1, value: aaaaaaaaaaaaaaaaaaaaaaaa}, {id: k1, value: bbbbbbbbbbbbbbbbbbbbbbbb}]", []string{"/apiKeys/1/id: API key id \"k1\" is used twice"}},
		{"plan with unknown stage and key", "usagePlans: [{id: p1, apiStages: [{apiId: a, stage: prod}], keys: [nope]}]", []string{"/usagePlans/0/apiStages/0: usage plan \"p1\" names API \"a\" stage \"prod\", which is not deployed", "/usagePlans/0/keys/0: usage plan \"p1\" names API key \"nope\""}},
		{"negative throttle", "usagePlans: [{id: p1, throttle: {rateLimit: -1, burstLimit: 1}}]", []string{"/usagePlans/0/throttle: throttle limits must not be negative"}},
		{"bad quota period", "usagePlans: [{id: p1, quota: {limit: 5, period: YEAR}}]", []string{"/usagePlans/0/quota: usage plan \"p1\": unknown period \"YEAR\""}},
		{"bad method key", "apis: [{id: a, definition: a.yaml, stages: [{stageName: p, methodSettings: {'pets': {throttlingRateLimit: 1}}}]}]", []string{"/apis/0/stages/0/methodSettings/pets: invalid method key \"pets\""}},
		{"bad redis scheme", "redis: 'http://127.0.0.1:6379'", []string{"/redis: invalid Redis URL \"http://127.0.0.1:6379\": want redis://host:port/db, or redis+cluster://host:port"}},
		{"redis without host", "redis: 'redis+cluster://'", []string{"/redis: invalid Redis URL"}},
		{"bad failure mode", "rateLimit: {failureMode: maybe}", []string{"/rateLimit/failureMode: invalid failure mode \"maybe\""}},
		{"several at once", "listen: x\napis: [{id: A, definition: a.yaml, stages: [{stageName: '!'}]}]", []string{"/listen:", "/apis/0/id:", "/apis/0/stages/0/stageName:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatal("Parse succeeded, want problems")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, w)
				}
			}
		})
	}
}
