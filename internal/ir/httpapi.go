package ir

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// An HTTP API (API Gateway v2) lowers into the same routes as a REST API, with its own rules: its $default stage is
// served at the root, and after every other stage; its $default route takes what no other route of its stage
// matches; a request no route matches is a 404; its errors have bodies of their own.

// DefaultRoute is the resource of an HTTP API's $default route in the IR (its definition writes it /$default).
const DefaultRoute = "$default"

// defaultRoutePath is how an HTTP API's export writes the $default route's resource.
const defaultRoutePath = "/$default"

func isHTTPAPI(api *tollgatev1.RestApi) bool {
	return api.GetProtocolType() == tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP
}

// RouteKey is the route's key as an HTTP API names it: "GET /pets/{petId}", "ANY /{proxy+}", or "$default".
func (m Method) RouteKey() string {
	if m.Resource == DefaultRoute {
		return DefaultRoute
	}
	return m.HTTPMethod + " " + m.Resource
}

// servedStages puts an HTTP API's $default stage last: it takes the requests no other stage's path matches.
func servedStages(api *tollgatev1.RestApi) []*tollgatev1.Stage {
	stages := slices.Clone(api.GetStages())
	if isHTTPAPI(api) {
		slices.SortStableFunc(stages, func(a, b *tollgatev1.Stage) int {
			return boolOrder(a.GetStageName() == DefaultStage) - boolOrder(b.GetStageName() == DefaultStage)
		})
	}
	return stages
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}

// httpAPIRoutes lists an HTTP API stage's routes in match order: the REST API's order of paths and methods, then
// the $default route, or a 404 for what no route takes.
func (b *builder) httpAPIRoutes(s stageContext, resources []parsedResource) []*Route {
	prefix := regexp.QuoteMeta(Method{Stage: s.stage.GetStageName()}.StagePath())
	var routes, fallback []*Route
	for _, pr := range resources {
		if pr.res.GetPath() == defaultRoutePath {
			catchAll := parsedResource{res: &tollgatev1.Resource{Path: DefaultRoute, Methods: pr.res.GetMethods()}}
			for _, m := range pr.res.GetMethods() {
				if r := b.methodRoute(s, catchAll, m, "^"+prefix+"(/.*)?$"); r != nil {
					b.parameterMappings(s, m.GetIntegration(), r)
					fallback = append(fallback, r)
				}
			}
			continue
		}
		// A request's method is part of its match: one this path lacks falls through to a later path that has it
		// (POST /pets/dog to POST /pets/{id}), as AWS selects a route by path and method together.
		regex := pr.tpl.RegexUnder(prefix)
		for _, m := range orderedMethods(pr.res.GetMethods()) {
			if r := b.methodRoute(s, pr, m, regex); r != nil {
				b.parameterMappings(s, m.GetIntegration(), r)
				routes = append(routes, r)
			}
		}
	}
	if fallback == nil {
		fallback = []*Route{notFoundRoute(s, "^"+prefix+"(/.*)?$")}
	}
	routes = append(routes, fallback...)
	for _, r := range routes {
		r.HTTPAPI, r.CORS = true, s.api.GetCors() != nil
	}
	return routes
}

// CORS is an HTTP API's CORS configuration, as x-amazon-apigateway-cors writes it.
type CORS struct {
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	AllowCredentials bool     `json:"allowCredentials,omitempty"`
	MaxAge           *int32   `json:"maxAge,omitempty"`
}

func corsOf(api *tollgatev1.RestApi) *CORS {
	c := api.GetCors()
	if c == nil {
		return nil
	}
	return &CORS{AllowOrigins: c.GetAllowOrigins(), AllowMethods: c.GetAllowMethods(), AllowHeaders: c.GetAllowHeaders(),
		ExposeHeaders: c.GetExposeHeaders(), AllowCredentials: c.GetAllowCredentials(), MaxAge: c.MaxAge}
}

// notFoundRoute answers an HTTP API stage's 404 for the requests no route takes.
func notFoundRoute(s stageContext, regex string) *Route {
	method := Method{APIID: s.api.GetId(), Stage: s.stage.GetStageName(), Resource: DefaultRoute, HTTPMethod: "*"}
	return &Route{Name: routeName(method), Method: method, PathRegex: regex, GatewayResponse: gatewayresponse.NotFound}
}

// JWTAuthorizer is an HTTP API's JWT authorizer: a token in Header (with or without "Bearer "), of Issuer, for one
// of Audiences (aud, or client_id when the token has no aud), signed by a key of the set at JWKSURL, unexpired.
type JWTAuthorizer struct {
	// Name is the authorizer's, unique in the snapshot: apiId/name.
	Name      string   `json:"name"`
	Issuer    string   `json:"issuer"`
	Audiences []string `json:"audiences"`
	JWKSURL   string   `json:"jwksUrl"`
	// JWKS is where Envoy fetches the key set from.
	JWKS   Backend `json:"jwks"`
	Header string  `json:"header"`
}

// jwtAuthorizer resolves an HTTP API's JWT authorizer. Its keys are where the settings' user pools say the
// issuer's are: the config's cognito.userPools, or what the loader read from the issuer's discovery document.
func (b *builder) jwtAuthorizer(s stageContext, name string) *JWTAuthorizer {
	for _, def := range s.api.GetAuthorizers() {
		if def.GetName() != name {
			continue
		}
		a := &JWTAuthorizer{Name: s.api.GetId() + "/" + name, Issuer: def.GetJwtIssuer(), Audiences: def.GetJwtAudiences(), Header: "Authorization"}
		if src := def.GetIdentitySource(); src != "" {
			a.Header = strings.TrimPrefix(src, "$request.header.")
		}
		for _, pool := range slices.Sorted(maps.Keys(b.settings.UserPools)) {
			if p := b.settings.UserPools[pool]; p.Issuer == a.Issuer {
				a.JWKSURL = p.JWKSURL
			}
		}
		if a.JWKSURL == "" {
			// The loader finds every issuer's (cognito.userPools, else the discovery document): a build without it
			// was given settings that lack one.
			b.probs.Addf(s.file(), def.GetSourcePointer()+"/jwtConfiguration/issuer",
				"no keys for issuer %q: add it with its jwksUrl to the config's cognito.userPools", a.Issuer)
			return nil
		}
		be, _, err := parseBackendURI(a.JWKSURL)
		if err != nil {
			b.probs.Addf(s.file(), def.GetSourcePointer()+"/jwtConfiguration/issuer", "issuer %q: its jwksUrl: %v", a.Issuer, err)
			return nil
		}
		a.JWKS = be
		return a
	}
	b.probs.Addf(s.file(), "/components/securitySchemes", "no authorizer %q", name)
	return nil
}

// parameterMappings resolves an HTTP API integration's parameter mappings (the model check refused every other
// kind): append:, overwrite: and remove: of header.x and querystring.x, an HTTP_PROXY's overwrite:path. Their values
// are a REST API's mapping expressions in HTTP API syntax.
func (b *builder) parameterMappings(s stageContext, integ *tollgatev1.Integration, r *Route) {
	var p *RequestMappings
	switch {
	case r.HTTPProxy != nil:
		p = &r.HTTPProxy.RequestMappings
		r.HTTPProxy.Responses = b.responseMappings(s, integ)
	case r.Lambda != nil:
		p = &r.Lambda.RequestMappings
		r.Lambda.Responses = b.responseMappings(s, integ)
	default:
		return
	}
	params := integ.GetRequestParameters()
	for _, key := range sortedKeys(params) {
		action, target, _ := strings.Cut(key, ":")
		query, isQuery := strings.CutPrefix(target, "querystring.")
		name := strings.ToLower(strings.TrimPrefix(target, "header."))
		switch {
		case key == "overwrite:path":
			if path, err := mappedPath(params[key], s, r); err != nil {
				b.probs.Addf(s.file(), integ.GetSourcePointer()+diag.Pointer("requestParameters", key), "%v", err)
			} else {
				r.HTTPProxy.Path = path // the model check refuses it for a Lambda integration
			}
			continue
		case action == "remove" && isQuery:
			p.RemoveQuery = append(p.RemoveQuery, query)
			continue
		case action == "remove":
			p.RemoveHeaders = append(p.RemoveHeaders, name)
			continue
		}
		parts, err := mappedParts(params[key], requestValue(s, r))
		if err != nil {
			b.probs.Addf(s.file(), integ.GetSourcePointer()+diag.Pointer("requestParameters", key), "%v", err)
			continue
		}
		m := HeaderMapping{Name: name, Parts: parts, Append: action == "append"}
		if len(parts) == 1 {
			m.Source, m.Parts = parts[0], nil
		}
		byService := m.ByService() || isQuery && m.ReadsRequest()
		switch {
		case r.HTTPProxy != nil && byService && !m.ServiceReads(): // the Lambda service reads every value
			b.probs.Addf(s.file(), integ.GetSourcePointer()+diag.Pointer("requestParameters", key),
				"a value that reads the request's path or body, or a query string parameter's that reads the request, is not supported yet with $context values in it")
		case isQuery && byService:
			m.Name = query
			p.ServiceQuery = append(p.ServiceQuery, QueryMapping(m))
		case isQuery:
			m.Name = query
			p.Query = append(p.Query, QueryMapping(m))
		case byService:
			p.ServiceHeaders = append(p.ServiceHeaders, m)
		default:
			p.Headers = append(p.Headers, m)
		}
	}
}

// mappedPath is an overwrite:path mapping's value as the backend path: its text, and its ${request.path.NAME} the
// route's path parameter captures.
func mappedPath(value string, s stageContext, r *Route) ([]PathPart, error) {
	var parts []PathPart
	last := 0
	for _, m := range interpolated.FindAllStringSubmatchIndex(value, -1) {
		if m[0] > last {
			parts = append(parts, PathPart{Literal: value[last:m[0]]})
		}
		last = m[1]
		expr := value[m[2]:m[3]]
		if name, ok := strings.CutPrefix(expr, "request.path."); ok {
			i := slices.Index(r.PathParams, name)
			if i < 0 {
				return nil, fmt.Errorf("${%s}: route %s has no path parameter %s", expr, r.Resource, name)
			}
			parts = append(parts, PathPart{Capture: i + 1})
			continue
		}
		src, err := mappingSource(httpAPIExpression("$"+expr), s)
		if err != nil || src.Kind != Static {
			return nil, fmt.Errorf("${%s} cannot be part of a path", expr)
		}
		parts = append(parts, PathPart{Literal: src.Value})
	}
	if last < len(value) {
		parts = append(parts, PathPart{Literal: value[last:]})
	}
	return parts, nil
}

// responseMappings resolves an HTTP API integration's response mappings (the model check refused every other kind):
// by status code, overwrite:statuscode, and append:, overwrite: and remove:header.x.
func (b *builder) responseMappings(s stageContext, integ *tollgatev1.Integration) map[string]*ResponseMapping {
	var out map[string]*ResponseMapping
	for status, mappings := range integ.GetResponseMappings() {
		rm := &ResponseMapping{}
		params := mappings.GetParameters()
		for _, key := range sortedKeys(params) {
			action, target, _ := strings.Cut(key, ":")
			name := strings.ToLower(strings.TrimPrefix(target, "header."))
			switch {
			case key == "overwrite:statuscode":
				rm.Status, _ = strconv.Atoi(params[key]) // the model check read it
				continue
			case action == "remove":
				rm.RemoveHeaders = append(rm.RemoveHeaders, name)
				continue
			}
			parts, err := mappedParts(params[key], responseValue(s))
			if err != nil {
				b.probs.Addf(s.file(), integ.GetSourcePointer()+diag.Pointer("responseParameters", status, key), "%v", err)
				continue
			}
			m := HeaderMapping{Name: name, Parts: parts, Append: action == "append"}
			if len(parts) == 1 {
				m.Source, m.Parts = parts[0], nil
			}
			rm.Headers = append(rm.Headers, m)
		}
		if out == nil {
			out = map[string]*ResponseMapping{}
		}
		out[status] = rm
	}
	return out
}

// interpolated is a value interpolated in a mapping's text: ${request.header.x}.
var interpolated = regexp.MustCompile(`\$\{([^}]*)\}`)

// requestValue reads a request mapping's value of route r ($request.header.x, $context.x, $stageVariables.x):
// $context.authorizer.x is its Lambda authorizer's context value x, $context.authorizer.claims.x its JWT's claim.
func requestValue(s stageContext, r *Route) func(string) (ValueSource, error) {
	return func(expr string) (ValueSource, error) {
		switch rest, isRequest := strings.CutPrefix(expr, "$request."); {
		case isRequest && rest == "path":
			return ValueSource{Kind: RequestPath}, nil
		case isRequest && strings.HasPrefix(rest, "path."):
			name := strings.TrimPrefix(rest, "path.")
			if !slices.Contains(r.PathParams, name) {
				return ValueSource{}, fmt.Errorf("%s: route %s has no path parameter %s", expr, r.Resource, name)
			}
			return ValueSource{Kind: PathParameter, Value: name}, nil
		case isRequest && strings.HasPrefix(rest, "body."):
			return ValueSource{Kind: RequestBodyPath, Value: "$." + strings.TrimPrefix(rest, "body.")}, nil
		}
		src, err := mappingSource(httpAPIExpression(expr), s)
		if err != nil || src.Kind != AuthorizerValue {
			return src, err
		}
		claim, isClaim := strings.CutPrefix(src.Value, "claims.")
		switch {
		case r.JWT != nil && isClaim:
			return ValueSource{Kind: JWTClaim, Value: claim}, nil
		case r.JWT != nil:
			return ValueSource{}, fmt.Errorf("%s: a JWT authorizer gives its token's claims, $context.authorizer.claims.x", expr)
		case r.Authorizer != nil && r.Authorizer.Type == "REQUEST":
			return ValueSource{Kind: AuthorizerValue, Value: "lambda." + src.Value}, nil // requestContext.authorizer.lambda
		}
		return ValueSource{}, fmt.Errorf("%s: the route has no JWT or Lambda authorizer to take it from", expr)
	}
}

// responseValue reads a response mapping's value: $response.header.x, or a request mapping's.
func responseValue(s stageContext) func(string) (ValueSource, error) {
	return func(expr string) (ValueSource, error) {
		if name, ok := strings.CutPrefix(expr, "$response.header."); ok {
			return ValueSource{Kind: IntegrationHeader, Value: name}, nil
		}
		return mappingSource(httpAPIExpression(expr), s)
	}
}

// mappedParts reads an HTTP API mapping's value with read: one value ($request.header.x), or text with values
// interpolated, as its static and read pieces in order.
func mappedParts(value string, read func(string) (ValueSource, error)) ([]ValueSource, error) {
	if strings.HasPrefix(value, "$") && !strings.HasPrefix(value, "${") {
		src, err := read(value)
		return []ValueSource{src}, err
	}
	var parts []ValueSource
	text := func(t string) {
		if t == "" {
			return
		}
		if n := len(parts); n > 0 && parts[n-1].Kind == Static {
			parts[n-1].Value += t // static text next to a resolved value ($context.stage)
			return
		}
		parts = append(parts, ValueSource{Kind: Static, Value: t})
	}
	last := 0
	for _, m := range interpolated.FindAllStringSubmatchIndex(value, -1) {
		text(value[last:m[0]])
		src, err := read("$" + value[m[2]:m[3]])
		if err != nil {
			return nil, err
		}
		if src.Kind == Static {
			text(src.Value)
		} else {
			parts = append(parts, src)
		}
		last = m[1]
	}
	text(value[last:])
	if len(parts) == 0 {
		parts = []ValueSource{{Kind: Static}}
	}
	return parts, nil
}

// httpAPIExpression is an HTTP API's $-expression ($request.header.x, $stageVariables.x, $context.x) as a REST API
// writes it (method.request.header.x, stageVariables.x, context.x); anything else as it is.
func httpAPIExpression(expr string) string {
	rest, ok := strings.CutPrefix(expr, "$")
	if !ok {
		return expr
	}
	if strings.HasPrefix(rest, "request.") {
		return "method." + rest
	}
	return rest
}
