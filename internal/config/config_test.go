package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/diag"
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
	if c.StateDir != "dir/.tollgate" {
		t.Errorf("StateDir = %q, want .tollgate beside the config file", c.StateDir)
	}
}

func TestParseStateDir(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"stateDir: state", "dir/state"},
		{"stateDir: /var/lib/tollgate", "/var/lib/tollgate"},
	} {
		c, err := Parse("dir/tollgate.yaml", []byte(tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if c.StateDir != tt.want {
			t.Errorf("%s: StateDir = %q, want %q", tt.file, c.StateDir, tt.want)
		}
	}
}

// The strict key check reads the file; the scalar settings still come from viper, environment first.
func TestParseEnvOverridesFile(t *testing.T) {
	t.Setenv("TOLLGATE_LISTEN", "0.0.0.0:8443")
	t.Setenv("TOLLGATE_ENVOYADMIN", "127.0.0.1:9902")
	c, err := Parse("t.yaml", []byte("listen: 127.0.0.1:1\nenvoyAdmin: 127.0.0.1:2\nadmin: 127.0.0.1:3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:8443" || c.EnvoyAdmin != "127.0.0.1:9902" || c.Admin != "127.0.0.1:3" {
		t.Errorf("settings = %+v", c)
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
		{"domain names", `domainNames:
  - {domainName: 'bad domain', certificate: {}, securityPolicy: TLS_1_3, endpointType: PRIVATE}
  - domainName: api.example.com
    certificate: {certFile: c.pem, keyFile: k.pem}
    securityPolicy: TLS_1_0
    basePathMappings: [{basePath: /orders, apiId: a, stage: p}, {basePath: 'orders/v2', apiId: a, stage: p}, {apiId: h}, {basePath: '(none)', apiId: a, stage: p}]
  - {domainName: API.example.com, certificate: {certFile: c.pem, keyFile: k.pem}, endpointType: CLOUD}
  - {domainName: a.execute-api.localhost, certificate: {certFile: c.pem, keyFile: k.pem}}
  - {domainName: m.example.com, certificate: {certFile: c.pem, keyFile: k.pem}, mutualTlsAuthentication: {}}
tls: {listen: 8443}
apis: [{id: w, definition: w.yaml, protocolType: WEBSOCKET, disableExecuteApiEndpoint: true, stages: [{stageName: p}]}, {id: h, definition: h.yaml, protocolType: HTTP, stages: [{stageName: p}]}]`, []string{
			`/domainNames/0/domainName: invalid domain name "bad domain"`,
			`/domainNames/0/certificate/certFile: domain name "bad domain" needs its certificate`,
			`/domainNames/0/certificate/keyFile: domain name "bad domain" needs its certificate's private key`,
			`/domainNames/0/securityPolicy: security policy "TLS_1_3" is not supported yet (supported: TLS_1_0, TLS_1_2)`,
			`/domainNames/0/endpointType: endpoint type PRIVATE is not supported yet`,
			`/domainNames/1/basePathMappings/0/basePath: invalid base path "/orders"`,
			`/domainNames/1/basePathMappings/1/basePath: the multi-level base path "orders/v2" needs the domain's securityPolicy TLS_1_2`,
			`/domainNames/1/basePathMappings/2/stage: a mapping of the HTTP API "h" needs the stage it serves`,
			`/domainNames/1/basePathMappings/3/basePath: base path "(none)" is already /domainNames/1/basePathMappings/2's`,
			`/domainNames/2/domainName: domain name "api.example.com" is already /domainNames/1's`,
			`/domainNames/2/endpointType: invalid endpoint type "CLOUD"`,
			`/domainNames/3/domainName: domain name "a.execute-api.localhost" is under the invocation domain`,
			`/domainNames/4/mutualTlsAuthentication/truststoreFile: mutual TLS needs the truststore`,
			`/tls/listen: invalid address "8443"`,
			`/apis/0/disableExecuteApiEndpoint: disableExecuteApiEndpoint on a WebSocket API is not supported yet`,
		}},
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
		{"canary release", "apis: [{id: a, definition: a.yaml, stages: [{stageName: p, canarySettings: {percentTraffic: 101, stageVariableOverrides: {'a-b': x, c: 'x y'}}}]}]", []string{
			"/apis/0/stages/0/canarySettings/definition: a canary release needs its definition",
			"/apis/0/stages/0/canarySettings/percentTraffic: percentTraffic 101 is not a percentage from 0 to 100",
			"/apis/0/stages/0/canarySettings/stageVariableOverrides/a-b: invalid stage variable name",
			"/apis/0/stages/0/canarySettings/stageVariableOverrides/c: invalid value \"x y\""}},
		{"canary release of an HTTP API", "apis: [{id: a, definition: a.yaml, protocolType: HTTP, stages: [{stageName: p, canarySettings: {definition: b.yaml}}]}]", []string{
			"/apis/0/stages/0/canarySettings: an HTTP API has no canary releases"}},
		{"canary release naming a deployment", "apis: [{id: a, definition: a.yaml, stages: [{stageName: p, canarySettings: {definition: b.yaml, deploymentId: abc}}]}]", []string{
			"/apis/0/stages/0/canarySettings/deploymentId: deploymentId is not supported yet: a canary release serves the definition file"}},
		{"bad lambda region", "lambda: {region: Mars}", []string{"/lambda/region: invalid region \"Mars\""}},
		{"bad lambda endpoint", "lambda: {endpoint: 'localhost:4566'}", []string{"/lambda/endpoint: invalid URL \"localhost:4566\""}},
		{"bad function url", "lambda: {functions: {echo: '/x'}}", []string{"/lambda/functions/echo: invalid URL \"/x\""}},
		{"user pool without an issuer or a JWKS URL", "cognito: {userPools: {'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_A': {jwksUrl: 'keys.json'}}}",
			[]string{`/cognito/userPools/arn:aws:cognito-idp:us-east-1:123456789012:userpool~1us-east-1_A/issuer: user pool`, `/jwksUrl: user pool "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_A": invalid URL "keys.json"`}},
		{"IAM credentials", `iam: {credentials: [
  {accessKeyId: AKIA1, secretAccessKey: s, arn: "arn:aws:iam::123456789012:user/alice", policy: {Statement: [{Effect: Allow, Principal: "*", Action: "*", Resource: "*"}]}},
  {accessKeyId: AKIA1, arn: "arn:aws:iam::1234:user/bob", policy: '{"Statement": [{"Effect": "allow"}]}'}]}`,
			[]string{"/iam/credentials/0/policy: an identity policy names no Principal",
				`/iam/credentials/1/accessKeyId: access key "AKIA1" is already /iam/credentials/0's`,
				"/iam/credentials/1/secretAccessKey: an IAM credential needs its secretAccessKey",
				`/iam/credentials/1/arn: invalid caller ARN "arn:aws:iam::1234:user/bob"`,
				`/iam/credentials/1/policy: Statement[0].Effect`}},
		{"management credentials", `management: {credentials: [{accessKeyId: AKIA1, secretAccessKey: s}, {accessKeyId: AKIA1}, {secretAccessKey: t}]}`,
			[]string{`/management/credentials/1/accessKeyId: access key "AKIA1" is already /management/credentials/0's`,
				"/management/credentials/1/secretAccessKey: a management credential needs its secretAccessKey",
				"/management/credentials/2/accessKeyId: a management credential needs its accessKeyId"}},
		{"VPC link without a port", "vpcLinks: {abc123: nlb.internal}", []string{`/vpcLinks/abc123: VPC link "abc123": invalid address "nlb.internal": want host:port`}},
		{"VPC link with a bad port", "vpcLinks: {abc123: 'nlb.internal:http'}", []string{`/vpcLinks/abc123: VPC link "abc123": invalid address "nlb.internal:http": port must be 1-65535`}},
		{"short key value", "apiKeys: [{id: k1, value: short}]", []string{"/apiKeys/0/value: API key \"k1\": the value must be 20 to 128 characters long, it has 5"}},
		{"duplicate key value", "apiKeys: [{id: k1, value: aaaaaaaaaaaaaaaaaaaaaaaa}, {id: k2, value: aaaaaaaaaaaaaaaaaaaaaaaa}]", []string{"/apiKeys/1/value: API key \"k2\" has the same value as /apiKeys/0"}},
		{"duplicate key id", "apiKeys: [{id: k1, value: aaaaaaaaaaaaaaaaaaaaaaaa}, {id: k1, value: bbbbbbbbbbbbbbbbbbbbbbbb}]", []string{"/apiKeys/1/id: API key id \"k1\" is used twice"}},
		{"plan with unknown stage and key", "usagePlans: [{id: p1, apiStages: [{apiId: a, stage: prod}], keys: [nope]}]", []string{"/usagePlans/0/apiStages/0: usage plan \"p1\" names API \"a\" stage \"prod\", which is not deployed", "/usagePlans/0/keys/0: usage plan \"p1\" names API key \"nope\""}},
		{"negative throttle", "usagePlans: [{id: p1, throttle: {rateLimit: -1, burstLimit: 1}}]", []string{"/usagePlans/0/throttle: throttle limits must not be negative"}},
		{"bad quota period", "usagePlans: [{id: p1, quota: {limit: 5, period: YEAR}}]", []string{"/usagePlans/0/quota: usage plan \"p1\": unknown period \"YEAR\""}},
		{"quota offset on a day", "usagePlans: [{id: p1, quota: {limit: 5, period: DAY, offset: 1}}]", []string{"/usagePlans/0/quota: usage plan \"p1\": offset must be 0 for a DAY period"}},
		{"quota offset past Saturday", "usagePlans: [{id: p1, quota: {limit: 5, period: week, offset: 7}}]", []string{"/usagePlans/0/quota: usage plan \"p1\": offset 7 out of range for a WEEK period"}},
		{"quota offset past the 28th", "usagePlans: [{id: p1, quota: {limit: 5, period: MONTH, offset: 28}}]", []string{"/usagePlans/0/quota: usage plan \"p1\": offset 28 out of range for a MONTH period"}},
		{"negative quota", "usagePlans: [{id: p1, quota: {limit: -1, period: MONTH, offset: 27}}]", []string{"/usagePlans/0/quota: usage plan \"p1\": limit -1 must not be negative"}},
		{"bad method key", "apis: [{id: a, definition: a.yaml, stages: [{stageName: p, methodSettings: {'pets': {throttlingRateLimit: 1}}}]}]", []string{"/apis/0/stages/0/methodSettings/pets: invalid method key \"pets\""}},
		{"unknown protocol type", "apis: [{id: a, definition: a.yaml, protocolType: GRPC, stages: [{stageName: p}]}]", []string{`/apis/0/protocolType: invalid protocolType "GRPC": want REST, HTTP or WEBSOCKET`}},
		{"REST settings on a WebSocket API's stage", "apis: [{id: a, definition: a.yaml, protocolType: WEBSOCKET, stages: [{stageName: p, cacheClusterEnabled: true, tracingEnabled: true}]}]", []string{
			"/apis/0/stages/0/cacheClusterEnabled: cacheClusterEnabled on a WebSocket API's stage is not supported yet",
			"/apis/0/stages/0/tracingEnabled: tracingEnabled on a WebSocket API's stage is not supported yet"}},
		{"per-route throttle of a WebSocket API's usage plan", "apis: [{id: w, definition: a.yaml, protocolType: WEBSOCKET, stages: [{stageName: p}]}]\nusagePlans: [{id: p1, apiStages: [{apiId: w, stage: p, throttle: {'$connect': {rateLimit: 1, burstLimit: 1}}}]}]",
			[]string{`/usagePlans/0/apiStages/0/throttle: per-route throttles of a WebSocket API's stage are not supported yet`}},
		{"WebSocket service's address and limits", "webSocket: {listen: '0.0.0.0:9082', idleTimeout: -1s, maxConnectionDuration: 48h}", []string{
			"/webSocket/listen: Envoy reaches the WebSocket service at this address", "/webSocket/idleTimeout: -1s: want a duration up to 24h",
			"/webSocket/maxConnectionDuration: 48h0m0s: want a duration up to 24h"}},
		{"$default stage of a REST API", "apis: [{id: a, definition: a.yaml, stages: [{stageName: $default}]}]", []string{`/apis/0/stages/0/stageName: invalid stage name "$default": must match [A-Za-z0-9_-]{1,128}`}},
		{"HTTP API settings on a REST API's stage", "apis: [{id: a, definition: a.yaml, stages: [{stageName: p, autoDeploy: true, defaultRouteSettings: {}, routeSettings: {}}]}]",
			[]string{"/apis/0/stages/0/defaultRouteSettings: defaultRouteSettings are an HTTP API's", "/apis/0/stages/0/routeSettings: routeSettings are an HTTP API's", "/apis/0/stages/0/autoDeploy: autoDeploy is an HTTP API's stage setting"}},
		{"REST API settings and bad route settings on an HTTP API's stage", `apis: [{id: a, definition: a.yaml, protocolType: HTTP, stages: [{stageName: $default, methodSettings: {'*/*': {}},
  defaultRouteSettings: {throttlingRateLimit: 5}, routeSettings: {'/pets/GET': {}, 'GET /pets': {throttlingBurstLimit: -1, throttlingRateLimit: 1}}}]}]`,
			[]string{"/apis/0/stages/0/methodSettings: methodSettings are a REST API's", "/apis/0/stages/0/defaultRouteSettings/throttlingBurstLimit: throttlingRateLimit is set without throttlingBurstLimit",
				`/apis/0/stages/0/routeSettings/~1pets~1GET: invalid route key "/pets/GET"`, "/apis/0/stages/0/routeSettings/GET ~1pets: throttle limits must not be negative"}},
		{"usage plan of an HTTP API", "apis: [{id: h, definition: a.yaml, protocolType: HTTP, stages: [{stageName: p}]}]\nusagePlans: [{id: p1, apiStages: [{apiId: h, stage: p}]}]",
			[]string{`/usagePlans/0/apiStages/0: usage plan "p1" names HTTP API "h": HTTP APIs have no usage plans or API keys`}},
		{"bad redis scheme", "redis: 'http://127.0.0.1:6379'", []string{"/redis: invalid Redis URL \"http://127.0.0.1:6379\": want redis://host:port/db, or redis+cluster://host:port"}},
		{"redis without host", "redis: 'redis+cluster://'", []string{"/redis: invalid Redis URL"}},
		{"bad failure mode", "rateLimit: {failureMode: maybe}", []string{"/rateLimit/failureMode: invalid failure mode \"maybe\""}},
		{"bad resource", "apis: [{id: a, definition: t.yaml, resource: 'My-Api', stages: [{stageName: p}]}]", []string{"/apis/0/resource: invalid resource \"My-Api\": want a template's logical id, letters and digits"}},
		{"parameters not a mapping", "apis: [{id: a, definition: t.yaml, parameters: [x], stages: [{stageName: p}]}]", []string{"t.yaml: cannot parse"}},
		{"bad aws region", "aws: {region: Mars}", []string{"/aws/region: invalid region \"Mars\""}},
		{"bad account id", "aws: {accountId: '123'}", []string{"/aws/accountId: invalid account id \"123\": want 12 digits"}},
		{"bad partition", "aws: {partition: azure}", []string{"/aws/partition: invalid partition \"azure\""}},
		{"bad stack name", "aws: {stackName: 1stack}", []string{"/aws/stackName: invalid stack name \"1stack\""}},
		{"misspelt aws key", "aws: {acountId: '123456789012'}", []string{"/aws/acountId: unknown key \"acountId\" (did you mean \"accountId\"?)"}},
		{"misspelt api key", "apis: [{id: a, definition: t.yaml, paramaters: {x: y}, stages: [{stageName: p}]}]", []string{"/apis/0/paramaters: unknown key \"paramaters\" (did you mean \"parameters\"?)"}},
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

// stageWith is a valid config whose one stage also has the given keys; methodWith the same for a "*/*" entry.
func stageWith(keys string) string {
	return "apis: [{id: a, definition: a.yaml, stages: [{stageName: p, " + keys + "}]}]"
}

func methodWith(keys string) string {
	return stageWith(`methodSettings: {"*/*": {` + keys + `}}`)
}

const planWith = "apis: [{id: a, definition: a.yaml, stages: [{stageName: p}]}]\nusagePlans: [{id: p1, apiStages: [{apiId: a, stage: p}], %s}]"

func TestParseRefusesKeys(t *testing.T) {
	const ms = "/apis/0/stages/0/methodSettings/*~1*/"
	tests := []struct {
		name, file, doc string
		want            []string
	}{
		{"top level", "t.yaml", "lisen: 127.0.0.1:1\n", []string{`t.yaml: /lisen: unknown key "lisen" (did you mean "listen"?)`}},
		{"top level in another case", "t.yaml", "Listen: 127.0.0.1:1\n", []string{`/Listen: unknown key "Listen" (did you mean "listen"?)`}},
		{"top level without a hint", "t.yaml", "colour: blue\n", []string{`/colour: unknown key "colour"`}},
		{"rateLimit", "t.yaml", "rateLimit: {failureMod: closed}", []string{`/rateLimit/failureMod: unknown key "failureMod" (did you mean "failureMode"?)`}},
		{"rateLimit in another case", "t.yaml", "ratelimit: {failuremode: closed}", []string{`/ratelimit: unknown key "ratelimit" (did you mean "rateLimit"?)`}},
		{"dotted key viper would read", "t.yaml", "rateLimit.failureMode: closed", []string{`/rateLimit.failureMode: unknown key`}},
		{"lambda", "t.yaml", "lambda: {regoin: us-east-1}", []string{`/lambda/regoin: unknown key "regoin" (did you mean "region"?)`}},
		{"apiKeys[i]", "t.yaml", "apiKeys: [{id: k1, value: aaaaaaaaaaaaaaaaaaaaaaaa, enable: true}]", []string{`/apiKeys/0/enable: unknown key "enable" (did you mean "enabled"?)`}},
		{"usagePlans[i]", "t.yaml", fmt.Sprintf(planWith, "quotas: {limit: 5, period: DAY}"), []string{`/usagePlans/0/quotas: unknown key "quotas" (did you mean "quota"?)`}},
		{"usagePlans[i].apiStages[j]", "t.yaml", "apis: [{id: a, definition: a.yaml, stages: [{stageName: p}]}]\nusagePlans: [{id: p1, apiStages: [{apiId: a, stage: p, stageName: p}]}]", []string{`/usagePlans/0/apiStages/0/stageName: unknown key "stageName"`}},
		{"quota", "t.yaml", fmt.Sprintf(planWith, "quota: {limit: 5, period: DAY, ofset: 1}"), []string{`/usagePlans/0/quota/ofset: unknown key "ofset" (did you mean "offset"?)`}},
		{"plan throttle", "t.yaml", fmt.Sprintf(planWith, "throttle: {rateLimit: 1, burst: 1}"), []string{`/usagePlans/0/throttle/burst: unknown key "burst"`}},
		{"method throttle of a plan", "t.yaml", "apis: [{id: a, definition: a.yaml, stages: [{stageName: p}]}]\nusagePlans: [{id: p1, apiStages: [{apiId: a, stage: p, throttle: {/a/GET: {rateLimit: 1, burstLimt: 1}}}]}]", []string{`/usagePlans/0/apiStages/0/throttle/~1a~1GET/burstLimt: unknown key "burstLimt" (did you mean "burstLimit"?)`}},
		{"accountThrottle", "t.yaml", "accountThrottle: {ratelimit: 1, burstLimit: 1}", []string{`/accountThrottle/ratelimit: unknown key "ratelimit" (did you mean "rateLimit"?)`}},
		{"apis[i]", "t.yaml", "apis: [{id: a, definition: a.yaml, stage: [{stageName: p}]}]", []string{`/apis/0/stage: unknown key "stage" (did you mean "stages"?)`, `/apis/0/stages: API "a" has no stages`}},
		{"stages[j]", "t.yaml", stageWith("variable: {a: b}"), []string{`/apis/0/stages/0/variable: unknown key "variable" (did you mean "variables"?)`}},
		{"methodSettings entry", "t.yaml", methodWith("throttlingRateLimt: 1, throttlingBurstLimit: 1"), []string{ms + `throttlingRateLimt: unknown key "throttlingRateLimt" (did you mean "throttlingRateLimit"?)`, ms + `throttlingRateLimit: throttlingBurstLimit is set without throttlingRateLimit`}},
		{"merged keys", "t.yaml", "accountThrottle: &t {rateLimit: 1, burstLimit: 1}\n" + fmt.Sprintf(planWith, "quota: {<<: *t, limit: 5, period: DAY}"), []string{`/usagePlans/0/quota/burstLimit: unknown key "burstLimit"`, `/usagePlans/0/quota/rateLimit: unknown key "rateLimit"`}},
		{"json", "t.json", `{"listen": "127.0.0.1:1", "apis": [{"id": "a", "definition": "a.yaml", "stages": [{"stageName": "p", "tracingEnabled": true, "methodSettings": {"*/*": {"throtlingBurstLimit": 1}}}]}]}`, []string{`t.json: /apis/0/stages/0/tracingEnabled: tracingEnabled needs a collector`, `t.json: ` + ms + `throtlingBurstLimit: unknown key "throtlingBurstLimit" (did you mean "throttlingBurstLimit"?)`}},
		{"several at once", "t.yaml", "lisen: x\napis: [{id: A, definition: a.yaml, stages: [{stageName: p, tracingEnabled: true, methodSettings: {'*/*': {cacheTtlInSeconds: 4000}}}]}]", []string{`/lisen: unknown key`, `/apis/0/id: invalid API id`, `/apis/0/stages/0/tracingEnabled: tracingEnabled needs a collector`, ms + `cacheTtlInSeconds: cacheTtlInSeconds 4000: want 0 (no caching) to 3600`}},
		{"with a value of the wrong shape", "t.yaml", "lisen: x\napis: [{id: a, definition: a.yaml, stages: {stageName: p}}]", []string{`/lisen: unknown key`, `cannot parse: yaml: unmarshal errors`}},
	}
	for key, s := range notServed[reflect.TypeFor[Stage]()] {
		if s.disposition == refused {
			tests = append(tests, struct {
				name, file, doc string
				want            []string
			}{"stage " + key, "t.yaml", stageWith(key + ": x"), []string{"t.yaml: /apis/0/stages/0/" + key + ": " + key + " is not supported yet: " + s.reason}})
		}
	}
	for key, s := range notServed[reflect.TypeFor[MethodSetting]()] {
		if s.disposition == refused {
			tests = append(tests, struct {
				name, file, doc string
				want            []string
			}{"method setting " + key, "t.yaml", methodWith(key + ": x"), []string{"t.yaml: " + ms + key + ": " + key + " is not supported yet: " + s.reason}})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.file, []byte(tt.doc))
			if err == nil {
				t.Fatal("Parse succeeded, want problems")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, w)
				}
			}
			var probs diag.Problems
			if !errors.As(err, &probs) || len(probs) != len(tt.want) {
				t.Errorf("got %d problems, want %d:\n%v", len(probs), len(tt.want), err)
			}
		})
	}
}

// The table's refused keys are what the tests above cover, so it must hold the ones API Gateway's Stage and
// MethodSetting define that change what a caller gets and that Tollgate does not serve: each is a key of the
// config's own struct, or refused.
func TestNotServedCoversAPIGateway(t *testing.T) {
	for typ, keys := range map[reflect.Type][]string{
		reflect.TypeFor[Stage]():         {"cacheClusterEnabled", "cacheClusterSize", "tracingEnabled", "accessLogSettings", "canarySettings", "clientCertificateId", "webAclArn", "deploymentId"},
		reflect.TypeFor[DomainName]():    {"domainName", "securityPolicy", "endpointType", "mutualTlsAuthentication", "certificateArn", "regionalCertificateArn", "routingMode"},
		reflect.TypeFor[MutualTLS]():     {"truststoreUri", "truststoreVersion"},
		reflect.TypeFor[MethodSetting](): {"cachingEnabled", "cacheTtlInSeconds", "cacheDataEncrypted", "requireAuthorizationForCacheControl", "unauthorizedCacheControlHeaderStrategy"},
	} {
		k := &keyChecker{fields: map[reflect.Type]map[string]reflect.Type{}}
		for _, key := range keys {
			_, served := k.schema(typ)[key]
			if s, ok := notServed[typ][key]; !served && (!ok || s.disposition != refused || s.reason == "") {
				t.Errorf("%s.%s: %+v, want it served or refused with a reason", typ.Name(), key, s)
			}
		}
	}
}

func TestParseWarns(t *testing.T) {
	tests := []struct {
		name, file, doc string
		want            []string
	}{
		{"stage description", "t.yaml", stageWith("description: the live stage"), []string{"t.yaml: /apis/0/stages/0/description: description has no effect yet"}},
		{"stage documentationVersion", "t.yaml", stageWith("documentationVersion: '1'"), []string{"/apis/0/stages/0/documentationVersion: documentationVersion has no effect yet"}},
		{"stage tags", "t.yaml", stageWith("tags: {team: pets}"), []string{"/apis/0/stages/0/tags: tags has no effect yet"}},
		{"loggingLevel", "t.yaml", methodWith("loggingLevel: INFO"), []string{"/methodSettings/*~1*/loggingLevel: loggingLevel has no effect yet"}},
		{"dataTraceEnabled", "t.yaml", methodWith("dataTraceEnabled: true, throttlingRateLimit: 1, throttlingBurstLimit: 1"), []string{"/methodSettings/*~1*/dataTraceEnabled: dataTraceEnabled has no effect yet"}},
		{"json", "t.json", `{"apis": [{"id": "a", "definition": "a.yaml", "stages": [{"stageName": "p", "description": "d", "methodSettings": {"/a/GET": {"loggingLevel": "INFO"}}}]}]}`, []string{"t.json: /apis/0/stages/0/description:", "t.json: /apis/0/stages/0/methodSettings/~1a~1GET/loggingLevel:"}},
		{"tls.listen without domains", "t.yaml", stageWith("variables: {a: b}") + "\ntls: {listen: '127.0.0.1:8443'}", []string{"t.yaml: /tls/listen: tls.listen has no effect without domainNames"}},
		{"none", "t.yaml", stageWith("variables: {description: x}"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.file, []byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Warnings) != len(tt.want) {
				t.Errorf("warnings:\n%v\nwant %d", c.Warnings, len(tt.want))
			}
			for _, w := range tt.want {
				if !strings.Contains(c.Warnings.Error(), w) {
					t.Errorf("warnings:\n%v\nwant them to contain %q", c.Warnings, w)
				}
			}
		})
	}
}

// Keys that are user data are not field names: any is allowed, and their values are still checked.
func TestParseUserDataKeys(t *testing.T) {
	c, err := Parse("t.yaml", []byte(`
lambda: {functions: {lisen: "http://127.0.0.1:1/f"}}
vpcLinks: {Listen: "10.0.0.5:443"}
apis:
  - id: a
    definition: a.yaml
    stages:
      - stageName: p
        variables: {cacheClusterEnabled: "true", Listen: x}
        methodSettings: {"/pets/GET": {throttlingRateLimit: 1, throttlingBurstLimit: 2}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.APIs[0].Stages[0].Variables["Listen"] != "x" || c.Lambda.Functions["lisen"] == "" || c.VPCLinks["Listen"] != "10.0.0.5:443" || len(c.Warnings) != 0 {
		t.Errorf("config = %+v", c)
	}
}

// A template's parameters keep their case (a Ref names them as written), whatever YAML type each value is, and the
// pseudo parameters default as documented.
func TestParseTemplateKeys(t *testing.T) {
	c, err := Parse("t.yaml", []byte(`
aws: {accountId: "210987654321", stackName: shop}
lambda: {region: eu-west-1}
apis:
  - id: a
    definition: template.yaml
    resource: ShopApi
    parameters: {Env: prod, IsProd: true, Port: 8080, ItemsFunction.Arn: "arn:aws:lambda:eu-west-1:210987654321:function:items"}
    stages: [{stageName: p}]
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Env": "prod", "IsProd": "true", "Port": "8080", "ItemsFunction.Arn": "arn:aws:lambda:eu-west-1:210987654321:function:items"}
	if !reflect.DeepEqual(c.APIs[0].Parameters, want) || c.APIs[0].Resource != "ShopApi" {
		t.Errorf("api = %+v", c.APIs[0])
	}
	if want := (AWS{Region: "eu-west-1", AccountID: "210987654321", Partition: "aws", StackName: "shop"}); c.AWS != want {
		t.Errorf("aws = %+v, want %+v (the region from lambda.region)", c.AWS, want)
	}
	if c.AWS.StackNameFor("a") != "shop" {
		t.Errorf("StackNameFor = %q", c.AWS.StackNameFor("a"))
	}

	c, err = Parse("t.yaml", []byte("aws: {region: ap-south-1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (AWS{Region: "ap-south-1", AccountID: DefaultAccountID, Partition: DefaultPartition}); c.AWS != want || c.Lambda.Region != "ap-south-1" {
		t.Errorf("aws = %+v, lambda.region = %q, want the defaults and lambda.region from aws.region", c.AWS, c.Lambda.Region)
	}
	if c.AWS.StackNameFor("a1") != "a1" {
		t.Errorf("StackNameFor = %q, want the API id", c.AWS.StackNameFor("a1"))
	}
	c, err = Parse("t.yaml", []byte("{}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (AWS{Region: DefaultLambdaRegion, AccountID: DefaultAccountID, Partition: DefaultPartition}); c.AWS != want {
		t.Errorf("aws = %+v, want %+v", c.AWS, want)
	}
}

// The shipped example must stay valid as the rules tighten.
func TestExampleConfig(t *testing.T) {
	c, err := Load("../../examples/petstore/tollgate.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %v", c.Warnings)
	}
}

func TestNearest(t *testing.T) {
	known := []string{"id", "name", "value", "enabled", "region", "stageName", "stages"}
	tests := []struct{ key, want string }{
		{"nmae", "name"},     // a swap is one edit
		{"regoin", "region"}, // so is this one
		{"StageName", "stageName"},
		{"ID", "id"}, // case alone
		{"ix", ""},   // one edit is half of "id"
		{"bad", ""},  // two edits from "id", which has two letters
		{"stagesName", "stageName"},
		{"vaule", "value"},
		{"colour", ""},
	}
	for _, tt := range tests {
		if got := nearest(tt.key, known); got != tt.want {
			t.Errorf("nearest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
	if d := editDistance("", "abc"); d != 3 {
		t.Errorf("editDistance(\"\", abc) = %d", d)
	}
}

// The metrics' access log is on unless the config turns it off.
func TestMetricsSetting(t *testing.T) {
	for doc, want := range map[string]bool{"{}": true, "metrics: {enabled: true}": true, "metrics: {enabled: false}": false} {
		c, err := Parse("t.yaml", []byte(doc))
		if err != nil || c.Metrics != want {
			t.Errorf("%s: metrics %t (%v), want %t", doc, c != nil && c.Metrics, err, want)
		}
	}
	if _, err := Parse("t.yaml", []byte("metrics: {enable: false}")); err == nil || !strings.Contains(err.Error(), `/metrics/enable: unknown key "enable" (did you mean "enabled"?)`) {
		t.Errorf("a misspelt metrics key: %v", err)
	}
}
