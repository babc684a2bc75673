package management

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// TestWebSocketAPIBuildAndDeploy builds a WebSocket API as the aws CLI does (apigatewayv2, protocolType
// WEBSOCKET): integrations with templates, routes with a route response and $connect's authorizer, a stage that
// deploys every change; what is deployed is the definition a file's WebSocket API has, refusals by name.
func TestWebSocketAPIBuildAndDeploy(t *testing.T) {
	_, sv, mux := newService(t, nil)
	call(t, mux, "POST", "/v2/apis", `{"name":"chat","protocolType":"WEBSOCKET"}`, 400, nil)
	call(t, mux, "POST", "/v2/apis", `{"name":"chat","protocolType":"WEBSOCKET","routeSelectionExpression":"$request.body.action","target":"http://x"}`, 400, nil)
	var api httpAPI
	call(t, mux, "POST", "/v2/apis", `{"name":"chat","protocolType":"WEBSOCKET","routeSelectionExpression":"$request.body.action"}`, 201, &api)
	if api.ProtocolType != "WEBSOCKET" || api.RouteSelectionExpression != "$request.body.action" || api.APIEndpoint != "ws://"+api.APIID+"." {
		t.Fatalf("created %+v", api)
	}
	base := "/v2/apis/" + api.APIID
	var mock, fn integrationV2
	call(t, mux, "POST", base+"/integrations", `{"integrationType":"MOCK","requestTemplates":{"$default":"{\"statusCode\": 200}"},"templateSelectionExpression":"\\$default"}`, 201, &mock)
	call(t, mux, "POST", base+"/integrations", `{"integrationType":"AWS_PROXY","integrationUri":"arn:aws:lambda:us-east-1:123456789012:function:chat"}`, 201, &fn)
	if mock.TimeoutInMillis != 29000 || fn.TimeoutInMillis != 29000 {
		t.Errorf("a WebSocket integration's default timeout is 29 s: %+v %+v", mock, fn)
	}
	for _, bad := range []string{
		`{"integrationType":"AWS_PROXY","integrationUri":"arn:aws:lambda:us-east-1:123456789012:function:chat","requestTemplates":{"$default":"x"}}`,
		`{"integrationType":"HTTP","integrationUri":"http://x","timeoutInMillis":30000}`,
		`{"integrationType":"MOCK","passthroughBehavior":"NEVER"}`,
		`{"integrationType":"LAMBDA"}`,
		`{"integrationType":"HTTP_PROXY","integrationUri":"http://x","connectionId":"link"}`,
		`{"integrationType":"AWS_PROXY","integrationUri":"arn:aws:lambda:us-east-1:123456789012:function:chat","payloadFormatVersion":"2.0"}`,
	} {
		call(t, mux, "POST", base+"/integrations", bad, 400, nil)
	}
	var auth authorizerV2
	call(t, mux, "POST", base+"/authorizers", `{"name":"users","authorizerType":"REQUEST","authorizerUri":"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations","identitySource":["route.request.header.X-User"]}`, 201, &auth)
	call(t, mux, "POST", base+"/authorizers", `{"name":"jwt","authorizerType":"JWT","identitySource":["$request.header.Authorization"],"jwtConfiguration":{"issuer":"https://i"}}`, 400, nil)
	call(t, mux, "POST", base+"/routes", `{"routeKey":"$connect","target":"integrations/`+mock.IntegrationID+`","authorizationType":"CUSTOM","authorizerId":"`+auth.AuthorizerID+`","apiKeyRequired":true}`, 201, nil)
	var send routeV2
	call(t, mux, "POST", base+"/routes", `{"routeKey":"sendmessage","target":"integrations/`+fn.IntegrationID+`","routeResponseSelectionExpression":"$default"}`, 201, &send)
	// Two-way, as API Gateway's: the selection and a $default route response.
	call(t, mux, "POST", base+"/routes/"+send.RouteID+"/routeresponses", `{"routeResponseKey":"other"}`, 400, nil)
	call(t, mux, "POST", base+"/routes/"+send.RouteID+"/routeresponses", `{"routeResponseKey":"$default"}`, 201, nil)
	call(t, mux, "POST", base+"/routes/"+send.RouteID+"/routeresponses", `{"routeResponseKey":"$default"}`, 409, nil)
	call(t, mux, "POST", base+"/integrations/"+mock.IntegrationID+"/integrationresponses", `{"integrationResponseKey":"/2\\d\\d/","responseTemplates":{"$default":"ok"}}`, 201, nil)
	call(t, mux, "POST", base+"/integrations/"+mock.IntegrationID+"/integrationresponses", `{"integrationResponseKey":"2xx"}`, 400, nil)
	call(t, mux, "POST", base+"/integrations/"+fn.IntegrationID+"/integrationresponses", `{"integrationResponseKey":"$default"}`, 400, nil)
	var listed struct{ Items []integrationResponseV2 }
	call(t, mux, "GET", base+"/integrations/"+mock.IntegrationID+"/integrationresponses", "", 200, &listed)
	if len(listed.Items) != 1 || listed.Items[0].IntegrationResponseKey != `/2\d\d/` {
		t.Errorf("get-integration-responses: %+v", listed)
	}
	for _, bad := range []struct {
		body   string
		status int
	}{
		{`{"routeKey":"sendmessage","target":"integrations/` + fn.IntegrationID + `"}`, 409},
		{`{"routeKey":"other","authorizationType":"AWS_IAM"}`, 400},
		{`{"routeKey":"keyed","apiKeyRequired":true}`, 400}, // only $connect requires a key
		{`{"routeKey":"x","routeResponseSelectionExpression":"$request.body.kind"}`, 400},
	} {
		call(t, mux, "POST", base+"/routes", bad.body, bad.status, nil)
	}
	call(t, mux, "POST", base+"/stages", `{"stageName":"prod","routeSettings":{"sendmessage":{}}}`, 400, nil)
	call(t, mux, "POST", base+"/stages", `{"stageName":"prod","autoDeploy":true,"stageVariables":{"v":"1"}}`, 201, nil)
	call(t, mux, "GET", base+"/exports/OAS30?outputType=JSON", "", 400, nil)
	if len(sv.checked) == 0 {
		t.Fatal("the automatic deployment was not checked")
	}
	st := sv.checked[len(sv.checked)-1]
	i := slices.IndexFunc(st.Deployments, func(d Deployed) bool { return d.APIID == api.APIID })
	if i < 0 || !st.Deployments[i].WebSocket || st.Deployments[i].HTTP {
		t.Fatalf("deployments %+v", st.Deployments)
	}
	var def struct {
		RouteSelectionExpression string
		Routes                   []map[string]any
		Integrations             []map[string]any
		Authorizers              []map[string]any
	}
	if err := json.Unmarshal(st.Deployments[i].Definition, &def); err != nil {
		t.Fatal(err)
	}
	if def.RouteSelectionExpression != "$request.body.action" || len(def.Routes) != 2 || len(def.Integrations) != 2 || len(def.Authorizers) != 1 ||
		def.Routes[0]["authorizerId"] != auth.AuthorizerID || def.Routes[0]["apiKeyRequired"] != true || def.Routes[1]["routeResponseSelectionExpression"] != "$default" ||
		def.Integrations[0]["integrationResponses"] == nil {
		t.Errorf("deployed definition %s", st.Deployments[i].Definition)
	}
	if file := st.Deployments[i].File(); file != "apis/"+api.APIID+"/deployments/"+st.Deployments[i].DeploymentID {
		t.Errorf("a deployment's file %s", file)
	}
}

// A file's WebSocket API is listed and read whole, as a file's HTTP API is, and refused for writes.
func TestFileWebSocketAPIIsReadOnly(t *testing.T) {
	gw := &tollgatev1.Gateway{WebsocketApis: []*tollgatev1.WebSocketApi{{Id: "chat", Name: "chat", SourceFile: "chat.yaml",
		RouteSelectionExpression: "$request.body.action",
		Routes:                   []*tollgatev1.WebSocketRoute{{RouteKey: "$connect", IntegrationId: "accept"}, {RouteKey: "send", IntegrationId: "fn", RouteResponseSelectionExpression: "$default"}},
		Integrations: []*tollgatev1.WebSocketIntegration{{IntegrationId: "accept", IntegrationType: "MOCK",
			IntegrationResponses: []*tollgatev1.WebSocketIntegrationResponse{{IntegrationResponseKey: "$default"}}},
			{IntegrationId: "fn", IntegrationType: "AWS_PROXY", IntegrationUri: "arn:aws:lambda:us-east-1:123456789012:function:chat"}},
		Stages: []*tollgatev1.Stage{{StageName: "prod", Variables: map[string]string{"v": "1"}}}}}}
	_, _, mux := newService(t, gw)
	var apis struct{ Items []httpAPI }
	call(t, mux, "GET", "/v2/apis", "", 200, &apis)
	if len(apis.Items) != 1 || apis.Items[0].ProtocolType != "WEBSOCKET" || apis.Items[0].RouteSelectionExpression != "$request.body.action" {
		t.Fatalf("get-apis: %+v", apis)
	}
	var routes struct{ Items []routeV2 }
	call(t, mux, "GET", "/v2/apis/chat/routes", "", 200, &routes)
	var integrations struct{ Items []integrationV2 }
	call(t, mux, "GET", "/v2/apis/chat/integrations", "", 200, &integrations)
	if len(routes.Items) != 2 || len(integrations.Items) != 2 {
		t.Fatalf("routes %+v, integrations %+v", routes, integrations)
	}
	for _, rt := range routes.Items {
		if !slices.ContainsFunc(integrations.Items, func(in integrationV2) bool { return rt.Target == "integrations/"+in.IntegrationID }) {
			t.Errorf("route %s targets %s, none of the integrations", rt.RouteKey, rt.Target)
		}
	}
	var mock integrationV2
	for _, in := range integrations.Items {
		if in.IntegrationType == "MOCK" {
			mock = in
		}
	}
	var responses struct{ Items []integrationResponseV2 }
	call(t, mux, "GET", "/v2/apis/chat/integrations/"+mock.IntegrationID+"/integrationresponses", "", 200, &responses)
	if len(responses.Items) != 1 {
		t.Errorf("the MOCK's integration responses: %+v", responses)
	}
	var stages struct{ Items []stageV2 }
	call(t, mux, "GET", "/v2/apis/chat/stages", "", 200, &stages)
	if len(stages.Items) != 1 || stages.Items[0].StageVariables["v"] != "1" {
		t.Errorf("stages %+v", stages)
	}
	if body := call(t, mux, "POST", "/v2/apis/chat/routes", `{"routeKey":"other"}`, 400, nil); !strings.Contains(body, "tollgate.yaml") {
		t.Errorf("a write to the file's API: %s", body)
	}
}
