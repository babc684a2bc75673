package ir

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/lambdauri"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/stagevars"
	"github.com/tollgate-gw/tollgate/internal/vtl"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// WebSocketStage is one stage of a WebSocket API, as the WebSocket service serves it: Envoy upgrades the
// connections to {apiId}.{domain}/{stage} and hands them over, and the service routes each message.
type WebSocketStage struct {
	APIID string `json:"apiId"`
	Name  string `json:"name,omitempty"`
	Stage string `json:"stage"`
	// RouteSelection is the path of members of a JSON message whose value is its route key ("action" of
	// $request.body.action).
	RouteSelection []string `json:"routeSelection"`
	// Routes by route key: $connect, $disconnect and $default among them when the API defines them.
	Routes         map[string]*WebSocketRoute `json:"routes"`
	StageVariables map[string]string          `json:"stageVariables,omitempty"`
	// ConnectionsLimits are what @connections calls to the stage count against (the account's throttle), nil
	// for nothing.
	ConnectionsLimits *Limits `json:"connectionsLimits,omitempty"`
}

// WebSocketRoute is a route of a WebSocket API's stage.
type WebSocketRoute struct {
	Key         string               `json:"key"`
	Integration WebSocketIntegration `json:"integration"`
	// SendResponse: the route's routeResponseSelectionExpression is $default, so the integration's answer is
	// sent to the client.
	SendResponse bool `json:"sendResponse,omitempty"`
	// IAM ($connect only): the upgrade request must be signed (SigV4, execute-api) by a credential whose policy
	// allows execute-api:Invoke on the route's ARN. Authorizer ($connect only): the Lambda authorizer deciding
	// the connection; nil for none.
	IAM        bool                 `json:"iam,omitempty"`
	Authorizer *WebSocketAuthorizer `json:"authorizer,omitempty"`
	// APIKeyRequired ($connect only): the x-api-key header must be an enabled key of a usage plan of the stage;
	// Limits are what a connection counts against (its key's plan, the account's), nil for nothing.
	APIKeyRequired bool    `json:"apiKeyRequired,omitempty"`
	Limits         *Limits `json:"limits,omitempty"`
}

// connectMethod is the method the limiter knows a stage's $connect by: its plans' counts and buckets are keyed
// as a REST method's.
func connectMethod(apiID, stage string) Method {
	return Method{APIID: apiID, Stage: stage, Resource: names.WebSocketConnect, HTTPMethod: "GET"}
}

// ConnectRouteName is the name the limiter knows the stage's $connect by.
func (st *WebSocketStage) ConnectRouteName() string {
	return names.StageRoutes(st.APIID, st.Stage) + names.WebSocketConnect
}

// ConnectionsRouteName is the name the limiter knows the stage's @connections calls by.
func (st *WebSocketStage) ConnectionsRouteName() string {
	return names.StageRoutes(st.APIID, st.Stage) + "@connections"
}

// LimitedRoutes are the stage's $connect and @connections as the limiter takes them, routes of their names and
// limits, those that count against any.
func (st *WebSocketStage) LimitedRoutes() []*Route {
	var out []*Route
	if r := st.Routes[names.WebSocketConnect]; r != nil && r.Limits != nil {
		out = append(out, &Route{Name: st.ConnectRouteName(), Method: connectMethod(st.APIID, st.Stage), Limits: r.Limits})
	}
	if st.ConnectionsLimits != nil {
		out = append(out, &Route{Name: st.ConnectionsRouteName(), Method: Method{APIID: st.APIID, Stage: st.Stage, Resource: "@connections", HTTPMethod: "POST"},
			Limits: st.ConnectionsLimits})
	}
	return out
}

// WebSocketAuthorizer is a REQUEST Lambda authorizer of a WebSocket API's stage.
type WebSocketAuthorizer struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	// URL is the function's Invoke URL.
	URL string `json:"url"`
	// IdentitySources are where the caller's identity is (route.request.header.X, route.request.querystring.X,
	// stageVariables.X): each must be present, else the connection is refused without a call.
	IdentitySources []string `json:"identitySources,omitempty"`
}

// WebSocketIntegration is where a route's messages go.
type WebSocketIntegration struct {
	// Type is AWS_PROXY, HTTP_PROXY, AWS, HTTP or MOCK.
	Type string `json:"type"`
	// URL is the Lambda function's Invoke URL (AWS_PROXY, AWS) or the backend's (HTTP_PROXY, HTTP), stage variables
	// expanded; Method is an HTTP_PROXY's or HTTP's.
	URL    string `json:"url,omitempty"`
	Method string `json:"method,omitempty"`
	// AccountID is the function's account, which the event reports as the API's.
	AccountID string   `json:"accountId,omitempty"`
	Timeout   Duration `json:"timeout"`
	// RequestTemplates (AWS, HTTP, MOCK) by selection key; TemplateSelection is the path of members of a JSON
	// message whose value selects one (nil: $default), else the $default one renders; none passes the message.
	RequestTemplates  map[string]string `json:"requestTemplates,omitempty"`
	TemplateSelection []string          `json:"templateSelection,omitempty"`
	// Responses are the integration responses, in the definition's order: the first whose pattern matches the
	// integration's status code, else the $default one (Pattern "").
	Responses []WebSocketIntegrationResponse `json:"responses,omitempty"`
}

// WebSocketIntegrationResponse is an integration response: what the route response sends for a status.
type WebSocketIntegrationResponse struct {
	// Pattern is the integrationResponseKey's regex, matching the whole status code; "" for $default.
	Pattern string `json:"pattern,omitempty"`
	// Template is the response's $default template (or its only one); "" sends the integration's answer as it is.
	Template string `json:"template,omitempty"`
}

// maxWebSocketTimeout is a WebSocket integration's longest timeout, and its default.
const maxWebSocketTimeout = 29 * time.Second

// webSockets resolves every WebSocket API's stages: each route's integration with the stage's variables.
func (b *builder) webSockets(gw *tollgatev1.Gateway) []WebSocketStage {
	apis := slices.Clone(gw.GetWebsocketApis())
	slices.SortFunc(apis, func(x, y *tollgatev1.WebSocketApi) int { return cmp.Compare(x.GetId(), y.GetId()) })
	var out []WebSocketStage
	for _, api := range apis {
		integrations := map[string]*tollgatev1.WebSocketIntegration{}
		for _, in := range api.GetIntegrations() {
			integrations[in.GetIntegrationId()] = in
		}
		authorizers := map[string]*tollgatev1.WebSocketAuthorizer{}
		for _, a := range api.GetAuthorizers() {
			authorizers[a.GetAuthorizerId()] = a
		}
		for _, stage := range api.GetStages() {
			st := WebSocketStage{APIID: api.GetId(), Name: api.GetName(), Stage: stage.GetStageName(),
				RouteSelection: bodyPath(api.GetRouteSelectionExpression()), Routes: map[string]*WebSocketRoute{}, StageVariables: stage.GetVariables()}
			if th := throttle(gw.GetAccountThrottle()); th != nil {
				st.ConnectionsLimits = &Limits{Account: th}
			}
			for _, r := range api.GetRoutes() {
				in, ok := b.webSocketIntegration(api, stage, integrations[r.GetIntegrationId()])
				if !ok {
					continue
				}
				route := &WebSocketRoute{Key: r.GetRouteKey(), Integration: in,
					SendResponse: r.GetRouteResponseSelectionExpression() == names.WebSocketDefault, IAM: r.GetAuthorizationType() == "AWS_IAM",
					APIKeyRequired: r.GetApiKeyRequired()}
				if r.GetRouteKey() == names.WebSocketConnect {
					route.Limits = b.limits(stageContext{stage: stage}, connectMethod(api.GetId(), stage.GetStageName()), r.GetApiKeyRequired())
				}
				if a := authorizers[r.GetAuthorizerId()]; r.GetAuthorizationType() == "CUSTOM" && a != nil {
					url, _, ok := b.webSocketFunction(api.GetSourceFile(), a.GetSourcePointer()+"/authorizerUri", stage, a.GetAuthorizerUri())
					if !ok {
						continue
					}
					route.Authorizer = &WebSocketAuthorizer{ID: a.GetAuthorizerId(), Name: a.GetName(), URL: url, IdentitySources: a.GetIdentitySource()}
				}
				st.Routes[r.GetRouteKey()] = route
			}
			out = append(out, st)
		}
	}
	return out
}

func (b *builder) webSocketIntegration(api *tollgatev1.WebSocketApi, stage *tollgatev1.Stage, in *tollgatev1.WebSocketIntegration) (WebSocketIntegration, bool) {
	file, at := api.GetSourceFile(), in.GetSourcePointer()+"/integrationUri"
	out := WebSocketIntegration{Type: in.GetIntegrationType(), Timeout: Duration(maxWebSocketTimeout)}
	if ms := in.GetTimeoutInMillis(); ms > 0 {
		out.Timeout = Duration(time.Duration(ms) * time.Millisecond)
	}
	if !b.webSocketTemplates(file, in, &out) {
		return out, false
	}
	switch out.Type {
	case "AWS_PROXY", "AWS":
		var ok bool
		if out.URL, out.AccountID, ok = b.webSocketFunction(file, at, stage, in.GetIntegrationUri()); !ok {
			return out, false
		}
	case "HTTP_PROXY", "HTTP":
		uri, missing := stagevars.Expand(in.GetIntegrationUri(), stage.GetVariables())
		if len(missing) > 0 {
			b.probs.Addf(file, at, "stage %q does not define stage variable(s) %s used in the integrationUri", stage.GetStageName(), strings.Join(missing, ", "))
			return out, false
		}
		if u, err := url.Parse(uri); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			b.probs.Addf(file, at, "integrationUri %q (stage %q) is not an http or https URL", uri, stage.GetStageName())
			return out, false
		}
		out.URL, out.Method = uri, cmp.Or(in.GetIntegrationMethod(), "POST")
	}
	return out, true
}

// webSocketTemplates resolves an integration's mapping templates, each parsed as the service will parse it, and
// its responses.
func (b *builder) webSocketTemplates(file string, in *tollgatev1.WebSocketIntegration, out *WebSocketIntegration) bool {
	ok := true
	parses := func(at, src string) bool {
		if _, err := vtl.Parse(src); err != nil {
			b.probs.Addf(file, at, "mapping template: %v", err)
			ok = false
			return false
		}
		return true
	}
	for key, src := range in.GetRequestTemplates() {
		if parses(in.GetSourcePointer()+"/requestTemplates"+diag.Pointer(key), src) {
			if out.RequestTemplates == nil {
				out.RequestTemplates = map[string]string{}
			}
			out.RequestTemplates[key] = src
		}
	}
	if e := in.GetTemplateSelectionExpression(); e != "" && e != `\$default` && e != names.WebSocketDefault {
		out.TemplateSelection = bodyPath(e)
	}
	for _, r := range in.GetIntegrationResponses() {
		resp := WebSocketIntegrationResponse{}
		if key := r.GetIntegrationResponseKey(); key != names.WebSocketDefault {
			resp.Pattern = strings.TrimSuffix(strings.TrimPrefix(key, "/"), "/")
		}
		templates := r.GetResponseTemplates()
		src, has := templates[names.WebSocketDefault]
		if !has && len(templates) == 1 {
			for _, only := range templates {
				src = only
			}
		}
		if src != "" && !parses(r.GetSourcePointer()+"/responseTemplates", src) {
			continue
		}
		resp.Template = src
		out.Responses = append(out.Responses, resp)
	}
	return ok
}

// bodyPath is the member path of a $request.body.{path} (or ${request.body.{path}}) expression.
func bodyPath(expression string) []string {
	path := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(expression, "$request.body."), "${request.body."), "}")
	return strings.Split(path, ".")
}

// webSocketFunction resolves a Lambda function's URI (an integration's or an authorizer's, written at at) for a
// stage: its Invoke URL and its account.
func (b *builder) webSocketFunction(file, at string, stage *tollgatev1.Stage, uri string) (string, string, bool) {
	uri, missing := stagevars.Expand(uri, stage.GetVariables())
	if len(missing) > 0 {
		b.probs.Addf(file, at, "stage %q does not define stage variable(s) %s used in the function's URI", stage.GetStageName(), strings.Join(missing, ", "))
		return "", "", false
	}
	fn, err := lambdauri.Parse(lambdauri.InvocationURI(uri))
	if err != nil {
		b.probs.Addf(file, at, "%v", err)
		return "", "", false
	}
	settings := b.settings.Lambda
	if _, listed := settings.Functions[fn.Name]; !listed && settings.Endpoint == "" {
		b.probs.Addf(file, at, "unknown Lambda function %q (stage %q): add it under lambda.functions in the config, or set lambda.endpoint", fn.Name, stage.GetStageName())
		return "", "", false
	}
	invoke := fn.InvokeURL(settings.Endpoint, settings.Functions)
	if u, err := url.Parse(invoke); err == nil && isAWSEndpoint(u.Hostname()) {
		b.probs.Addf(file, at, "function %q is invoked at AWS's endpoint: a WebSocket API calls an emulator's or a listed endpoint (SigV4 to AWS is not supported yet)", fn.Name)
		return "", "", false
	}
	return invoke, fn.Account, true
}
