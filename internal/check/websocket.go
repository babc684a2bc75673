package check

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/names"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// RouteSelection matches a WebSocket API's routeSelectionExpression Tollgate serves: a member of the JSON message,
// $request.body.action or ${request.body.action}, nested members by dots. Group 1 or 2 is the member's path.
var RouteSelection = regexp.MustCompile(`^(?:\$request\.body\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)|\$\{request\.body\.([A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\})$`)

// webSocketIdentitySource is what a WebSocket authorizer's identity may be read from.
var webSocketIdentitySource = regexp.MustCompile(`^(route\.request\.(header|querystring)\.[!#$%&'*+.^_|~0-9A-Za-z-]+|stageVariables\.[A-Za-z0-9_]+)$`)

// routeKeyPattern is what a route key may be: printable, at most 128 characters, as API Gateway's.
var routeKeyPattern = regexp.MustCompile(`^[\x21-\x7e]{1,128}$`)

// WebSocket integrations' timeouts, in milliseconds: API Gateway's bounds and default.
const (
	minWSTimeout        = 50
	MaxWebSocketTimeout = 29000
)

// webSocketAPIs checks each WebSocket API: its route selection, its routes and their targets, its integrations,
// and that it asks for nothing Tollgate does not serve yet; an API id is one API's, of whichever kind.
func (c *checker) webSocketAPIs(gw *tollgatev1.Gateway) {
	ids := map[string]bool{}
	for _, api := range gw.GetApis() {
		ids[api.GetId()] = true
	}
	for _, api := range gw.GetWebsocketApis() {
		file := api.GetSourceFile()
		if ids[api.GetId()] {
			c.probs.Addf(file, "", "API id %q is already a REST or HTTP API's", api.GetId())
		}
		if !RouteSelection.MatchString(api.GetRouteSelectionExpression()) {
			c.probs.Addf(file, "/routeSelectionExpression", "routeSelectionExpression %q: want $request.body.{member}, such as $request.body.action", api.GetRouteSelectionExpression())
		}
		if e := api.GetApiKeySelectionExpression(); e != "" && e != "$request.header.x-api-key" {
			c.probs.Addf(file, "/apiKeySelectionExpression", "apiKeySelectionExpression %q is not supported yet: the key is the x-api-key header's", e)
		}
		integrations := map[string]bool{}
		for _, in := range api.GetIntegrations() {
			c.uniqueID(file, in.GetSourcePointer()+"/integrationId", "integration", "which routes target", in.GetIntegrationId(), integrations)
			c.webSocketIntegration(file, in)
		}
		authorizers := map[string]bool{}
		for _, a := range api.GetAuthorizers() {
			at := a.GetSourcePointer()
			c.uniqueID(file, at+"/authorizerId", "authorizer", "which routes name", a.GetAuthorizerId(), authorizers)
			if t := a.GetAuthorizerType(); t != "REQUEST" {
				c.probs.Addf(file, at+"/authorizerType", "authorizerType %q: a WebSocket API's authorizers are REQUEST Lambda authorizers", t)
			}
			if a.GetAuthorizerUri() == "" {
				c.probs.Addf(file, at+"/authorizerUri", "an authorizer needs its Lambda function (authorizerUri)")
			}
			for j, src := range a.GetIdentitySource() {
				if !webSocketIdentitySource.MatchString(src) {
					c.probs.Addf(file, fmt.Sprintf("%s/identitySource/%d", at, j), "identitySource %q: want route.request.header.{name}, route.request.querystring.{name} or stageVariables.{name}", src)
				}
			}
		}
		routes := map[string]bool{}
		for _, r := range api.GetRoutes() {
			at := r.GetSourcePointer()
			key := r.GetRouteKey()
			switch {
			case !routeKeyPattern.MatchString(key):
				c.probs.Addf(file, at+"/routeKey", "invalid routeKey %q: want $connect, $disconnect, $default or up to 128 printable characters", key)
			case routes[key]:
				c.probs.Addf(file, at+"/routeKey", "route %q is defined twice", key)
			}
			routes[key] = true
			if id := r.GetIntegrationId(); id == "" {
				c.probs.Addf(file, at+"/target", "route %q needs a target: integrations/{integrationId}", key)
			} else if !integrations[id] {
				c.probs.Addf(file, at+"/target", "route %q targets integration %q, which integrations do not define", key, id)
			}
			switch t := r.GetAuthorizationType(); {
			case t == "" || t == "NONE":
			case t != "AWS_IAM" && t != "CUSTOM":
				c.probs.Addf(file, at+"/authorizationType", "invalid authorizationType %q: want NONE, AWS_IAM or CUSTOM", t)
			case key != names.WebSocketConnect:
				c.probs.Addf(file, at+"/authorizationType", "only the $connect route is authorized (API Gateway authorizes a connection once)")
			case t == "CUSTOM" && !authorizers[r.GetAuthorizerId()]:
				c.probs.Addf(file, at+"/authorizerId", "a CUSTOM route names one of the API's authorizers, not %q", r.GetAuthorizerId())
			}
			if id := r.GetAuthorizerId(); id != "" && r.GetAuthorizationType() != "CUSTOM" {
				c.probs.Addf(file, at+"/authorizerId", "authorizerId %q on a route whose authorizationType is not CUSTOM", id)
			}
			if r.GetApiKeyRequired() && key != names.WebSocketConnect {
				c.probs.Addf(file, at+"/apiKeyRequired", "only the $connect route requires an API key (API Gateway checks a connection's key once)")
			}
			switch e := r.GetRouteResponseSelectionExpression(); {
			case e == "":
			case key == names.WebSocketConnect || key == names.WebSocketDisconnect:
				c.probs.Addf(file, at+"/routeResponseSelectionExpression", "%s has no route responses: the client has no connection to send them on", key)
			case e != "$default":
				c.probs.Addf(file, at+"/routeResponseSelectionExpression", "routeResponseSelectionExpression %q: want $default (the integration's answer is sent to the client)", e)
			}
		}
		if len(api.GetStages()) == 0 {
			c.probs.Addf(file, "", "WebSocket API %q has no stages", api.GetId())
		}
	}
}

// uniqueID checks the id of one of an API's integrations or authorizers (what), written at at: there, and no
// other's; seen holds those read before.
func (c *checker) uniqueID(file, at, what, use, id string, seen map[string]bool) {
	switch {
	case id == "":
		c.probs.Addf(file, at, "an %s needs its id, %s", what, use)
	case seen[id]:
		c.probs.Addf(file, at, "%s %q is defined twice", what, id)
	default:
		seen[id] = true
	}
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func (c *checker) webSocketIntegration(file string, in *tollgatev1.WebSocketIntegration) {
	at := in.GetSourcePointer()
	t := in.GetIntegrationType()
	switch t {
	case "AWS_PROXY", "AWS":
		if in.GetIntegrationUri() == "" {
			c.probs.Addf(file, at+"/integrationUri", "an %s integration needs the Lambda function's ARN", t)
		}
	case "HTTP_PROXY", "HTTP":
		// Stage variables are filled per stage, where the IR checks the URL they make.
		if uri := in.GetIntegrationUri(); !strings.Contains(uri, "${stageVariables.") && !isHTTPURL(uri) {
			c.probs.Addf(file, at+"/integrationUri", "an %s integration needs an http or https URL, not %q", t, uri)
		}
	case "MOCK":
		if in.GetIntegrationUri() != "" {
			c.probs.Addf(file, at+"/integrationUri", "a MOCK integration calls nothing: it has no integrationUri")
		}
	default:
		c.probs.Addf(file, at+"/integrationType", "invalid integrationType %q: want AWS_PROXY, HTTP_PROXY, MOCK, AWS or HTTP", t)
	}
	if m := in.GetIntegrationMethod(); m != "" && t != "HTTP_PROXY" && t != "HTTP" {
		c.probs.Addf(file, at+"/integrationMethod", "integrationMethod is an HTTP or HTTP_PROXY integration's")
	}
	proxy := t == "AWS_PROXY" || t == "HTTP_PROXY"
	if proxy && (len(in.GetRequestTemplates()) > 0 || in.GetTemplateSelectionExpression() != "" || len(in.GetIntegrationResponses()) > 0) {
		c.probs.Addf(file, at, "a proxy integration passes messages and answers as they are: mapping templates and integration responses are AWS, HTTP and MOCK integrations'")
	}
	if e := in.GetTemplateSelectionExpression(); e != "" && e != `\$default` && e != names.WebSocketDefault && !RouteSelection.MatchString(e) {
		c.probs.Addf(file, at+"/templateSelectionExpression", "templateSelectionExpression %q is not supported yet: want \\$default or $request.body.{member}", e)
	}
	keys := map[string]bool{}
	for _, r := range in.GetIntegrationResponses() {
		key := r.GetIntegrationResponseKey()
		switch {
		case keys[key]:
			c.probs.Addf(file, r.GetSourcePointer()+"/integrationResponseKey", "integration response %q is defined twice", key)
		case key == names.WebSocketDefault:
		case len(key) < 2 || key[0] != '/' || key[len(key)-1] != '/':
			c.probs.Addf(file, r.GetSourcePointer()+"/integrationResponseKey", "integrationResponseKey %q: want $default or a /regex/ of the integration's status code, such as /2\\d\\d/", key)
		default:
			if _, err := regexp.Compile(key[1 : len(key)-1]); err != nil {
				c.probs.Addf(file, r.GetSourcePointer()+"/integrationResponseKey", "integrationResponseKey %q: %v", key, err)
			}
		}
		keys[key] = true
	}
	if ms := in.GetTimeoutInMillis(); ms != 0 && (ms < minWSTimeout || ms > MaxWebSocketTimeout) {
		c.probs.Addf(file, at+"/timeoutInMillis", "timeoutInMillis %d: want %d to %d", ms, minWSTimeout, MaxWebSocketTimeout)
	}
}
