package check

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// validWebSocketAPI is a WebSocket API the check accepts; each case changes one thing of it.
func validWebSocketAPI() *tollgatev1.WebSocketApi {
	return &tollgatev1.WebSocketApi{Id: "chat", SourceFile: "chat.yaml", RouteSelectionExpression: "$request.body.action",
		Routes: []*tollgatev1.WebSocketRoute{
			{RouteKey: "$connect", IntegrationId: "fn", AuthorizationType: "NONE", SourcePointer: "/routes/0"},
			{RouteKey: "send", IntegrationId: "fn", RouteResponseSelectionExpression: "$default", SourcePointer: "/routes/1"},
			{RouteKey: "$default", IntegrationId: "mock", SourcePointer: "/routes/2"},
		},
		Integrations: []*tollgatev1.WebSocketIntegration{
			{IntegrationId: "fn", IntegrationType: "AWS_PROXY", IntegrationUri: "arn:aws:lambda:us-east-1:123456789012:function:f", SourcePointer: "/integrations/0"},
			{IntegrationId: "mock", IntegrationType: "MOCK", SourcePointer: "/integrations/1"},
			{IntegrationId: "http", IntegrationType: "HTTP_PROXY", IntegrationUri: "http://${stageVariables.host}/in", SourcePointer: "/integrations/2"},
		},
		Stages: []*tollgatev1.Stage{{StageName: "prod"}}}
}

func TestWebSocketAPIs(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(api *tollgatev1.WebSocketApi, gw *tollgatev1.Gateway)
		want   []string // nil: accepted
	}{
		{"valid", func(*tollgatev1.WebSocketApi, *tollgatev1.Gateway) {}, nil},
		{"nested member and braces", func(api *tollgatev1.WebSocketApi, _ *tollgatev1.Gateway) {
			api.RouteSelectionExpression = "${request.body.message.kind}"
		}, nil},
		{"id of a REST API", func(_ *tollgatev1.WebSocketApi, gw *tollgatev1.Gateway) {
			gw.Apis = []*tollgatev1.RestApi{{Id: "chat", SourceFile: "rest.yaml"}}
		}, []string{`chat.yaml: API id "chat" is already a REST or HTTP API's`}},
		{"route selection of a header", func(api *tollgatev1.WebSocketApi, _ *tollgatev1.Gateway) {
			api.RouteSelectionExpression = "$request.header.x-action"
		}, []string{`chat.yaml: /routeSelectionExpression: routeSelectionExpression "$request.header.x-action": want $request.body.{member}`}},
		{"route twice, target missing or unknown", func(api *tollgatev1.WebSocketApi, _ *tollgatev1.Gateway) {
			api.Routes[1].RouteKey = "$default"
			api.Routes[2].IntegrationId = ""
			api.Routes[0].IntegrationId = "nope"
		}, []string{`/routes/2/routeKey: route "$default" is defined twice`, `/routes/2/target: route "$default" needs a target`,
			`/routes/0/target: route "$connect" targets integration "nope", which integrations do not define`}},
		{"an authorizer", func(api *tollgatev1.WebSocketApi, _ *tollgatev1.Gateway) {
			api.Routes[0].AuthorizationType, api.Routes[0].AuthorizerId = "CUSTOM", "users"
			api.Authorizers = []*tollgatev1.WebSocketAuthorizer{{AuthorizerId: "users", AuthorizerType: "REQUEST", AuthorizerUri: "arn",
				IdentitySource: []string{"route.request.header.X-User", "route.request.querystring.token", "stageVariables.realm"}}}
		}, nil},
		{"IAM", func(api *tollgatev1.WebSocketApi, _ *tollgatev1.Gateway) { api.Routes[0].AuthorizationType = "AWS_IAM" }, nil},
		{"authorization", func(api *tollgatev1.WebSocketApi, _ *tollgatev1.Gateway) {
			api.Routes[0].AuthorizationType, api.Routes[0].AuthorizerId = "CUSTOM", "nope"
			api.Routes[1].AuthorizationType = "AWS_IAM"
			api.Routes[2].AuthorizationType, api.Routes[2].AuthorizerId = "JWT", "users"
			api.Authorizers = []*tollgatev1.WebSocketAuthorizer{{AuthorizerId: "users", AuthorizerType: "TOKEN", SourcePointer: "/authorizers/0",
				IdentitySource: []string{"method.request.header.Auth"}}, {AuthorizerId: "users", AuthorizerType: "REQUEST", AuthorizerUri: "arn", SourcePointer: "/authorizers/1"}}
		}, []string{`/routes/0/authorizerId: a CUSTOM route names one of the API's authorizers, not "nope"`,
			"/routes/1/authorizationType: only the $connect route is authorized", `/routes/2/authorizationType: invalid authorizationType "JWT"`,
			`/routes/2/authorizerId: authorizerId "users" on a route whose authorizationType is not CUSTOM`,
			`/authorizers/0/authorizerType: authorizerType "TOKEN": a WebSocket API's authorizers are REQUEST Lambda authorizers`,
			"/authorizers/0/authorizerUri: an authorizer needs its Lambda function", `/authorizers/0/identitySource/0: identitySource "method.request.header.Auth"`,
			`/authorizers/1/authorizerId: authorizer "users" is defined twice`}},
		{"an API key at $connect", func(api *tollgatev1.WebSocketApi, _ *tollgatev1.Gateway) { api.Routes[0].ApiKeyRequired = true }, nil},
		{"API keys", func(api *tollgatev1.WebSocketApi, gw *tollgatev1.Gateway) {
			api.Routes[1].ApiKeyRequired = true
			api.ApiKeySelectionExpression = "$context.authorizer.usageIdentifierKey"
			gw.UsagePlans = []*tollgatev1.UsagePlan{{Id: "p", ApiStages: []*tollgatev1.ApiStage{{ApiId: "chat", Stage: "prod",
				Throttle: map[string]*tollgatev1.ThrottleSettings{"$connect": {RateLimit: 1, BurstLimit: 1}}}}}}
		}, []string{"/routes/1/apiKeyRequired: only the $connect route requires an API key", "/apiKeySelectionExpression: ",
			"usageplans/p: /apiStages/0/throttle: per-route throttles of a WebSocket API's stage are not supported yet"}},
		{"a usage plan of a WebSocket stage", func(_ *tollgatev1.WebSocketApi, gw *tollgatev1.Gateway) {
			gw.UsagePlans = []*tollgatev1.UsagePlan{{Id: "p", ApiStages: []*tollgatev1.ApiStage{{ApiId: "chat", Stage: "prod"}}}}
		}, nil},
		{"route responses", func(api *tollgatev1.WebSocketApi, _ *tollgatev1.Gateway) {
			api.Routes[0].RouteResponseSelectionExpression = "$default"
			api.Routes[1].RouteResponseSelectionExpression = "$integration.response.statuscode"
		}, []string{"/routes/0/routeResponseSelectionExpression: $connect has no route responses",
			`/routes/1/routeResponseSelectionExpression: routeResponseSelectionExpression "$integration.response.statuscode": want $default`}},
		{"integrations", func(api *tollgatev1.WebSocketApi, _ *tollgatev1.Gateway) {
			api.Integrations[0].IntegrationUri = ""
			api.Integrations[0].RequestTemplates = map[string]string{"$default": "{}"}
			api.Integrations[1].IntegrationUri = "http://x"
			api.Integrations[1].TemplateSelectionExpression = "$request.header.kind"
			api.Integrations[1].IntegrationResponses = []*tollgatev1.WebSocketIntegrationResponse{
				{IntegrationResponseKey: "2xx", SourcePointer: "/integrations/1/integrationResponses/0"},
				{IntegrationResponseKey: "/2(/", SourcePointer: "/integrations/1/integrationResponses/1"},
				{IntegrationResponseKey: "2xx", SourcePointer: "/integrations/1/integrationResponses/2"}}
			api.Integrations[2].IntegrationUri = "ftp://x"
			api.Integrations = append(api.Integrations, &tollgatev1.WebSocketIntegration{IntegrationId: "fn", IntegrationType: "AWS", TimeoutInMillis: 30000, SourcePointer: "/integrations/3"},
				&tollgatev1.WebSocketIntegration{IntegrationType: "LAMBDA", IntegrationMethod: "GET", SourcePointer: "/integrations/4"})
		}, []string{"/integrations/0/integrationUri: an AWS_PROXY integration needs the Lambda function's ARN",
			"/integrations/0: a proxy integration passes messages and answers as they are",
			"/integrations/1/integrationUri: a MOCK integration calls nothing", `/integrations/1/templateSelectionExpression: templateSelectionExpression "$request.header.kind" is not supported yet`,
			`/integrations/1/integrationResponses/0/integrationResponseKey: integrationResponseKey "2xx": want $default or a /regex/`,
			`/integrations/1/integrationResponses/1/integrationResponseKey: integrationResponseKey "/2(/": error parsing regexp`,
			`/integrations/1/integrationResponses/2/integrationResponseKey: integration response "2xx" is defined twice`,
			`/integrations/2/integrationUri: an HTTP_PROXY integration needs an http or https URL, not "ftp://x"`,
			`/integrations/3/integrationId: integration "fn" is defined twice`, "/integrations/3/integrationUri: an AWS integration needs the Lambda function's ARN",
			"/integrations/3/timeoutInMillis: timeoutInMillis 30000: want 50 to 29000", "/integrations/4/integrationId: an integration needs its id",
			`/integrations/4/integrationType: invalid integrationType "LAMBDA"`, "/integrations/4/integrationMethod: integrationMethod is an HTTP or HTTP_PROXY integration's"}},
		{"mapping templates", func(api *tollgatev1.WebSocketApi, _ *tollgatev1.Gateway) {
			api.Integrations[1].RequestTemplates = map[string]string{"$default": `{"statusCode": 200}`}
			api.Integrations[1].TemplateSelectionExpression = "$request.body.kind"
			api.Integrations[1].IntegrationResponses = []*tollgatev1.WebSocketIntegrationResponse{
				{IntegrationResponseKey: "$default", ResponseTemplates: map[string]string{"$default": "ok"}}, {IntegrationResponseKey: `/4\d\d/`}}
			api.Integrations = append(api.Integrations, &tollgatev1.WebSocketIntegration{IntegrationId: "aws", IntegrationType: "AWS",
				IntegrationUri: "arn:aws:lambda:us-east-1:123456789012:function:f", TemplateSelectionExpression: `\$default`},
				&tollgatev1.WebSocketIntegration{IntegrationId: "plain", IntegrationType: "HTTP", IntegrationUri: "http://b/", IntegrationMethod: "PUT"})
		}, nil},
		{"no stage", func(api *tollgatev1.WebSocketApi, _ *tollgatev1.Gateway) { api.Stages = nil }, []string{`WebSocket API "chat" has no stages`}},
		{"on a custom domain", func(_ *tollgatev1.WebSocketApi, gw *tollgatev1.Gateway) {
			gw.DomainNames = []*tollgatev1.DomainName{{DomainName: "ws.example.com", SecurityPolicy: "TLS_1_2", SourceFile: "tollgate.yaml", SourcePointer: "/domainNames/0",
				BasePathMappings: []*tollgatev1.BasePathMapping{{BasePath: "chat", ApiId: "chat", Stage: "prod"}, {BasePath: "(none)", ApiId: "chat", Stage: "prod"}}}}
		}, nil},
		{"on a custom domain against API Gateway's rules", func(_ *tollgatev1.WebSocketApi, gw *tollgatev1.Gateway) {
			gw.Apis = []*tollgatev1.RestApi{{Id: "rest", Stages: []*tollgatev1.Stage{{StageName: "prod"}}}}
			mapped := func(domain, policy, endpoint string, m ...*tollgatev1.BasePathMapping) *tollgatev1.DomainName {
				return &tollgatev1.DomainName{DomainName: domain, SecurityPolicy: policy, EndpointType: endpoint, SourceFile: "tollgate.yaml",
					SourcePointer: "/domainNames/" + domain, BasePathMappings: m}
			}
			gw.DomainNames = []*tollgatev1.DomainName{
				mapped("mixed", "TLS_1_2", "REGIONAL", &tollgatev1.BasePathMapping{BasePath: "r", ApiId: "rest", Stage: "prod"}, &tollgatev1.BasePathMapping{BasePath: "w", ApiId: "chat", Stage: "prod"}),
				mapped("old", "TLS_1_0", "REGIONAL", &tollgatev1.BasePathMapping{ApiId: "chat", Stage: "prod"}),
				mapped("edge", "TLS_1_2", "EDGE", &tollgatev1.BasePathMapping{ApiId: "chat", Stage: "prod"}),
				func() *tollgatev1.DomainName {
					d := mapped("mutual", "TLS_1_2", "REGIONAL", &tollgatev1.BasePathMapping{ApiId: "chat", Stage: "prod"})
					d.Truststore = "-----BEGIN CERTIFICATE-----"
					return d
				}(),
				mapped("paths", "TLS_1_2", "REGIONAL", &tollgatev1.BasePathMapping{BasePath: "a/b", ApiId: "chat", Stage: "prod"},
					&tollgatev1.BasePathMapping{BasePath: "c", ApiId: "chat"}, &tollgatev1.BasePathMapping{BasePath: "d", ApiId: "chat", Stage: "dev"}),
			}
		}, []string{`/domainNames/mixed/basePathMappings/1/apiId: WebSocket API "chat" cannot share domain name "mixed" with REST or HTTP APIs`,
			`/domainNames/old/basePathMappings/0/apiId: WebSocket API "chat" needs a REGIONAL domain name with securityPolicy TLS_1_2`,
			`/domainNames/edge/basePathMappings/0/apiId: WebSocket API "chat" needs a REGIONAL domain name with securityPolicy TLS_1_2`,
			`/domainNames/mutual/basePathMappings/0/apiId: WebSocket API "chat" on a mutual TLS domain name is not supported yet`,
			`/domainNames/paths/basePathMappings/0/basePath: a WebSocket API's base path is a single segment`,
			`/domainNames/paths/basePathMappings/1/stage: a mapping of the WebSocket API "chat" needs the stage it serves`,
			`/domainNames/paths/basePathMappings/2/stage: API "chat" has no stage "dev"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := validWebSocketAPI()
			gw := &tollgatev1.Gateway{WebsocketApis: []*tollgatev1.WebSocketApi{api}}
			tt.change(api, gw)
			err := Gateway(proto.Clone(gw).(*tollgatev1.Gateway))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted, want problems")
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("problems:\n%v\nwant one containing %q", err, want)
				}
			}
		})
	}
}
