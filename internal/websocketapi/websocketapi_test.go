package websocketapi

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

func TestRead(t *testing.T) {
	for _, tt := range []struct {
		name, definition string
		want             *tollgatev1.WebSocketApi
	}{
		{"YAML, as the package comment shows it", `
name: chat
routeSelectionExpression: $request.body.action
authorizers:
  - {authorizerId: auth, name: users, authorizerType: REQUEST, authorizerUri: "arn:aws:lambda:us-east-1:123456789012:function:auth", identitySource: [route.request.header.X-User]}
routes:
  - {routeKey: $connect, target: integrations/connect, authorizationType: NONE}
  - {routeKey: sendmessage, target: integrations/chat, routeResponseSelectionExpression: $default}
integrations:
  - {integrationId: connect, integrationType: MOCK}
  - {integrationId: chat, integrationType: AWS_PROXY, integrationUri: "arn:aws:lambda:us-east-1:123456789012:function:chat", timeoutInMillis: 5000}
`, &tollgatev1.WebSocketApi{Name: "chat", SourceFile: "chat.yaml", RouteSelectionExpression: "$request.body.action",
			Authorizers: []*tollgatev1.WebSocketAuthorizer{{AuthorizerId: "auth", Name: "users", AuthorizerType: "REQUEST",
				AuthorizerUri: "arn:aws:lambda:us-east-1:123456789012:function:auth", IdentitySource: []string{"route.request.header.X-User"}, SourcePointer: "/authorizers/0"}},
			Routes: []*tollgatev1.WebSocketRoute{
				{RouteKey: "$connect", IntegrationId: "connect", AuthorizationType: "NONE", SourcePointer: "/routes/0"},
				{RouteKey: "sendmessage", IntegrationId: "chat", RouteResponseSelectionExpression: "$default", SourcePointer: "/routes/1"},
			},
			Integrations: []*tollgatev1.WebSocketIntegration{
				{IntegrationId: "connect", IntegrationType: "MOCK", SourcePointer: "/integrations/0"},
				{IntegrationId: "chat", IntegrationType: "AWS_PROXY", IntegrationUri: "arn:aws:lambda:us-east-1:123456789012:function:chat", TimeoutInMillis: 5000, SourcePointer: "/integrations/1"},
			}}},
		{"JSON, with get-api's protocolType", `{"name": "n", "protocolType": "WEBSOCKET", "routeSelectionExpression": "${request.body.a.b}",
			"routes": [{"routeKey": "$default", "target": "integrations/h"}],
			"integrations": [{"integrationId": "h", "integrationType": "HTTP_PROXY", "integrationUri": "http://b/", "integrationMethod": "PUT"}]}`,
			&tollgatev1.WebSocketApi{Name: "n", SourceFile: "chat.yaml", RouteSelectionExpression: "${request.body.a.b}",
				Routes:       []*tollgatev1.WebSocketRoute{{RouteKey: "$default", IntegrationId: "h", SourcePointer: "/routes/0"}},
				Integrations: []*tollgatev1.WebSocketIntegration{{IntegrationId: "h", IntegrationType: "HTTP_PROXY", IntegrationUri: "http://b/", IntegrationMethod: "PUT", SourcePointer: "/integrations/0"}}}},
		{"empty", "", &tollgatev1.WebSocketApi{SourceFile: "chat.yaml"}},
		{"responses at the top level", `routes: [{routeKey: send, target: integrations/m, routeResponseSelectionExpression: $default}]
integrations: [{integrationId: m, integrationType: MOCK}]
integrationResponses: [{integrationId: m, integrationResponseKey: $default, responseTemplates: {$default: ok}}]
routeResponses: [{routeKey: send, routeResponseKey: $default}]`, &tollgatev1.WebSocketApi{SourceFile: "chat.yaml",
			Routes: []*tollgatev1.WebSocketRoute{{RouteKey: "send", IntegrationId: "m", RouteResponseSelectionExpression: "$default", SourcePointer: "/routes/0"}},
			Integrations: []*tollgatev1.WebSocketIntegration{{IntegrationId: "m", IntegrationType: "MOCK", SourcePointer: "/integrations/0",
				IntegrationResponses: []*tollgatev1.WebSocketIntegrationResponse{{IntegrationResponseKey: "$default",
					ResponseTemplates: map[string]string{"$default": "ok"}, SourcePointer: "/integrationResponses/0"}}}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := Read("chat.yaml", []byte(tt.definition))
			if err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(got, tt.want) {
				t.Errorf("got  %s\nwant %s", protojson.Format(got), protojson.Format(tt.want))
			}
		})
	}
}

func TestReadProblems(t *testing.T) {
	for _, tt := range []struct {
		name, definition string
		want             []string
	}{
		{"unknown field", "name: a\nroutez: []", []string{"chat.yaml: cannot read the WebSocket API definition", "field routez not found"}},
		{"wrong shape", "routes: {routeKey: a}", []string{"chat.yaml: cannot read the WebSocket API definition"}},
		{"not a WebSocket API", "protocolType: HTTP", []string{`chat.yaml: /protocolType: protocolType "HTTP": a WebSocket API's definition is WEBSOCKET`}},
		{"target of another kind", "routes: [{routeKey: a, target: functions/f}]", []string{`chat.yaml: /routes/0/target: target "functions/f": want integrations/{integrationId}`}},
		{"what is not served yet", "authorizers: [{name: a, authorizerCredentialsArn: arn, authorizerResultTtlInSeconds: 0}]", []string{
			"chat.yaml: /authorizers/0/authorizerCredentialsArn: authorizerCredentialsArn is not supported yet",
			"chat.yaml: /authorizers/0/authorizerResultTtlInSeconds: a WebSocket API's authorizer caches nothing"}},
		{"responses of what is not there", `routes: [{routeKey: a, target: integrations/i}, {routeKey: b, target: integrations/i, routeResponseSelectionExpression: $default}]
integrations: [{integrationId: i, integrationType: MOCK, integrationResponses: [{integrationId: j, integrationResponseKey: $default}]}]
integrationResponses: [{integrationId: nope, integrationResponseKey: $default}]
routeResponses: [{routeKey: nope, routeResponseKey: $default}, {routeKey: a, routeResponseKey: $default}, {routeKey: b, routeResponseKey: other}, {routeKey: b, routeResponseKey: $default, responseModels: {}}]`, []string{
			`chat.yaml: /integrations/0/integrationResponses/0/integrationId: an integration response written in integration "i" is its`,
			`chat.yaml: /integrationResponses/0/integrationId: integration response of integration "nope", which integrations do not define`,
			`chat.yaml: /routeResponses/0/routeKey: route response of route "nope", which routes do not define`,
			`chat.yaml: /routeResponses/1: route "a" sends its response only with routeResponseSelectionExpression: $default`,
			`chat.yaml: /routeResponses/2/routeResponseKey: routeResponseKey "other": a route's response is its $default one`,
			`chat.yaml: /routeResponses/3: modelSelectionExpression, responseModels and responseParameters of route responses are not supported yet`}},
		{"integration settings not served yet", "integrations: [{integrationId: a, passthroughBehavior: NEVER, contentHandlingStrategy: CONVERT_TO_TEXT, integrationResponses: [{integrationResponseKey: $default, templateSelectionExpression: $integration.response.statuscode, responseParameters: {}}]}]", []string{
			"chat.yaml: /integrations/0/passthroughBehavior: passthroughBehavior NEVER is not supported yet",
			"chat.yaml: /integrations/0/contentHandlingStrategy: contentHandlingStrategy is not supported yet",
			`chat.yaml: /integrations/0/integrationResponses/0/templateSelectionExpression: templateSelectionExpression "$integration.response.statuscode" of an integration response is not supported yet`,
			"chat.yaml: /integrations/0/integrationResponses/0: contentHandlingStrategy and responseParameters"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Read("chat.yaml", []byte(tt.definition))
			if err == nil {
				t.Fatal("Read succeeded, want problems")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error:\n%v\nwant it to contain %q", err, want)
				}
			}
		})
	}
}

// FuzzRead: any bytes are a definition or problems, never a panic.
func FuzzRead(f *testing.F) {
	f.Add([]byte("name: chat\nrouteSelectionExpression: $request.body.action\nroutes: [{routeKey: $default, target: integrations/a}]\nintegrations: [{integrationId: a, integrationType: MOCK}]"))
	f.Add([]byte(`{"routes": [{"target": "integrations/"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		api, _, err := Read("f.yaml", data)
		if (api == nil) == (err == nil) {
			t.Fatalf("Read gave %v and %v: want one of them", api, err)
		}
	})
}

func TestReadWarnsOfDocumentation(t *testing.T) {
	_, warnings, err := Read("chat.yaml", []byte("name: chat\ndescription: a chat\n"))
	if err != nil || len(warnings) != 1 || warnings[0].Pointer != "/description" {
		t.Errorf("warnings %v, error %v: want one of the description", warnings, err)
	}
}
