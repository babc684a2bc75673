package management

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/routekey"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// An HTTP API from a definition: ImportApi makes one, ReimportApi replaces an API's routes, integrations,
// authorizers and CORS configuration with a definition's. Both read it with the importer of tollgate.yaml's HTTP
// APIs, and so does the management API to show the file's (fileHTTPRecord).

func init() {
	routes = append(routes,
		route{"PUT /v2/apis", (*Service).importHTTPAPI},
		route{"PUT /v2/apis/{api_id}", (*Service).reimportHTTPAPI},
	)
}

// importV2Request is ImportApi's and ReimportApi's body.
type importV2Request struct {
	Body string `json:"body"`
}

// readImportV2 reads the definition r carries into the model, as ImportApi's and ReimportApi's query asks.
func (s *Service) readImportV2(r *http.Request) (*tollgatev1.RestApi, []string, error) {
	var req importV2Request
	if err := decode(r, &req); err != nil {
		return nil, nil, err
	}
	if req.Body == "" {
		return nil, nil, badRequest("An import needs its body: an OpenAPI 3 definition")
	}
	q := r.URL.Query()
	if b := q.Get("basepath"); b != "" && !strings.EqualFold(b, "ignore") {
		return nil, nil, badRequest("basepath=%s is not supported by Tollgate yet: the definition's paths are the routes' (basepath=ignore)", b)
	}
	api, warnings, err := s.importDefinition([]byte(req.Body), q.Get("failOnWarnings") == "true")
	if err != nil {
		return nil, nil, err
	}
	return api, warnings, nil
}

func (s *Service) importHTTPAPI(w http.ResponseWriter, r *http.Request) {
	api, warnings, err := s.readImportV2(r)
	if err != nil {
		fail(w, err)
		return
	}
	id := newID()
	rec := &httpAPIRecord{API: httpAPI{APIID: id, Name: api.GetName(), ProtocolType: "HTTP", RouteSelectionExpression: routeSelection,
		APIKeySelectionExpression: "$request.header.x-api-key", CreatedDate: isoAt(s.now()), APIEndpoint: s.files.Load().endpoint(id)}}
	if rec.API.Name == "" {
		rec.API.Name = "imported"
	}
	if err := rec.replaceWith(api, func(string) string { return newID() }); err != nil {
		fail(w, err)
		return
	}
	if err := s.store.Update(r.Context(), httpAPIPrefix+id, func(old []byte) ([]byte, error) {
		if old != nil {
			return nil, conflict("API %s exists already", id)
		}
		return json.Marshal(rec)
	}); err != nil {
		fail(w, err)
		return
	}
	out := rec.API
	out.Warnings = warnings
	writeJSON(w, http.StatusCreated, out)
}

// reimportHTTPAPI is ReimportApi: the definition's routes, integrations, authorizers and CORS configuration
// replace the API's; the stages that deploy every change serve them.
func (s *Service) reimportHTTPAPI(w http.ResponseWriter, r *http.Request) {
	api, warnings, err := s.readImportV2(r)
	if err != nil {
		fail(w, err)
		return
	}
	rec, err := s.changeHTTP(r, func(rec **httpAPIRecord) (bool, error) {
		if (*rec).isWebSocket() {
			return false, badRequest("ReimportApi imports an HTTP API's OpenAPI definition: a WebSocket API has none")
		}
		return false, (*rec).replaceWith(api, func(string) string { return newID() })
	})
	if err != nil {
		fail(w, err)
		return
	}
	out := rec.API
	out.Warnings = warnings
	writeJSON(w, http.StatusCreated, out)
}

// replaceWith sets the API's routes, integrations, authorizers and CORS configuration to an imported model's:
// each route with an integration of its own, as export-api writes them. ids names each new part by what it is.
func (rec *httpAPIRecord) replaceWith(api *tollgatev1.RestApi, ids func(what string) string) error {
	if api.GetProtocolType() != tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP && api.GetCors() == nil && hasRESTOnly(api) {
		return badRequest("The definition is a REST API's (it has what an HTTP API has not): import it with apigateway's import-rest-api")
	}
	rec.Routes, rec.Integrations, rec.Authorizers = nil, nil, nil
	rec.API.CorsConfiguration = corsOf(api.GetCors())
	byName := map[string]*authorizerV2{}
	for _, a := range api.GetAuthorizers() {
		out := &authorizerV2{AuthorizerID: ids("authorizer " + a.GetName()), Name: a.GetName()}
		for src := range strings.SplitSeq(a.GetIdentitySource(), ",") {
			if src = strings.TrimSpace(src); src != "" {
				out.IdentitySource = append(out.IdentitySource, src)
			}
		}
		switch a.GetType() {
		case tollgatev1.AuthorizerType_AUTHORIZER_TYPE_JWT:
			out.AuthorizerType = "JWT"
			out.JWTConfiguration = &jwtConfiguration{Issuer: a.GetJwtIssuer(), Audience: a.GetJwtAudiences()}
		case tollgatev1.AuthorizerType_AUTHORIZER_TYPE_REQUEST:
			out.AuthorizerType, out.AuthorizerURI, out.AuthorizerPayloadFormatVersion = "REQUEST", a.GetAuthorizerUri(), a.GetPayloadFormatVersion()
			out.EnableSimpleResponses = a.GetEnableSimpleResponses()
			if a.ResultTtlInSeconds != nil {
				ttl := int(a.GetResultTtlInSeconds())
				out.AuthorizerResultTTLInSeconds = &ttl
			}
		default:
			return badRequest("Authorizer %s is of a type an HTTP API's management does not hold yet (%s): JWT and REQUEST are", a.GetName(),
				strings.TrimPrefix(a.GetType().String(), "AUTHORIZER_TYPE_"))
		}
		byName[a.GetName()] = out
		rec.Authorizers = append(rec.Authorizers, out)
	}
	for _, res := range api.GetResources() {
		for _, m := range res.GetMethods() {
			key := m.GetHttpMethod() + " " + res.GetPath()
			if res.GetPath() == "/"+routekey.Default {
				key = routekey.Default
			}
			in, err := integrationOfModel(m.GetIntegration(), ids("integration "+key))
			if err != nil {
				return badRequest("Route %s: %v", key, messageOf(err))
			}
			rt := &routeV2{RouteID: ids("route " + key), RouteKey: key, AuthorizationType: "NONE", Target: "integrations/" + in.IntegrationID,
				OperationName: m.GetOperationId(), AuthorizationScopes: m.GetAuthorizationScopes()}
			if name := m.GetAuthorizer(); name != "" {
				a := byName[name]
				if a == nil {
					return badRequest("Route %s names authorizer %s, which the definition does not define", key, name)
				}
				rt.AuthorizerID, rt.AuthorizationType = a.AuthorizerID, map[bool]string{true: "JWT", false: "CUSTOM"}[a.AuthorizerType == "JWT"]
			}
			rec.Integrations = append(rec.Integrations, in)
			rec.Routes = append(rec.Routes, rt)
		}
	}
	for _, rt := range rec.Routes {
		if err := rt.check(rec); err != nil {
			return err
		}
	}
	return nil
}

// hasRESTOnly tells whether a model has what only a REST API has: a MOCK or a non-proxy integration.
func hasRESTOnly(api *tollgatev1.RestApi) bool {
	for _, res := range api.GetResources() {
		for _, m := range res.GetMethods() {
			switch m.GetIntegration().GetType() {
			case tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS_PROXY, tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY:
			default:
				return true
			}
		}
	}
	return false
}

// integrationOfModel is an HTTP API's integration as the model holds it.
func integrationOfModel(integ *tollgatev1.Integration, id string) (*integrationV2, error) {
	in := &integrationV2{IntegrationID: id, ConnectionType: "INTERNET", TimeoutInMillis: defaultTimeoutMillis,
		IntegrationURI: integ.GetUri(), PayloadFormatVersion: integ.GetPayloadFormatVersion(), ConnectionID: integ.GetConnectionId(),
		RequestParameters: integ.GetRequestParameters()}
	switch integ.GetType() {
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS_PROXY:
		in.IntegrationType = "AWS_PROXY"
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY:
		in.IntegrationType, in.IntegrationMethod = "HTTP_PROXY", integ.GetHttpMethod()
	default:
		return nil, badRequest("integration type %s is not an HTTP API's", strings.TrimPrefix(integ.GetType().String(), "INTEGRATION_TYPE_"))
	}
	if integ.GetConnectionType() == tollgatev1.ConnectionType_CONNECTION_TYPE_VPC_LINK {
		in.ConnectionType = "VPC_LINK"
	}
	if t := integ.GetTimeoutInMillis(); t > 0 {
		in.TimeoutInMillis = int(t)
	}
	if name := integ.GetTlsConfig().GetServerNameToVerify(); name != "" {
		in.TLSConfig = &tlsConfigV2{ServerNameToVerify: name}
	}
	return in, in.check()
}

func corsOf(c *tollgatev1.Cors) *corsConfig {
	if c == nil {
		return nil
	}
	out := &corsConfig{AllowCredentials: c.GetAllowCredentials(), AllowHeaders: c.GetAllowHeaders(), AllowMethods: c.GetAllowMethods(),
		AllowOrigins: c.GetAllowOrigins(), ExposeHeaders: c.GetExposeHeaders()}
	if c.MaxAge != nil {
		age := int(c.GetMaxAge())
		out.MaxAge = &age
	}
	return out
}

// fileHTTPRecord is a file's HTTP API as the management API reads it: its routes, integrations and authorizers
// as an import of its model makes them, under ids named by what they are (so they stay from load to load), one
// deployment standing for tollgate.yaml, and its stages; nil when it has what the management API cannot show.
func fileHTTPRecord(a *tollgatev1.RestApi, api httpAPI) *httpAPIRecord {
	ids := func(what string) string { return fileID(a.GetId(), what) }
	rec := &httpAPIRecord{API: api}
	if rec.replaceWith(a, ids) != nil {
		return nil
	}
	d := &deploymentV2Record{deploymentV2: deploymentV2{DeploymentID: ids("deployment"), DeploymentStatus: "DEPLOYED", Description: "tollgate.yaml"}}
	rec.Deployments = []*deploymentV2Record{d}
	for _, st := range a.GetStages() {
		out := &stageV2{StageName: st.GetStageName(), DeploymentID: d.DeploymentID, StageVariables: st.GetVariables()}
		if l := st.GetAccessLogSettings(); l != nil {
			out.AccessLogSettings = &accessLogSettingsV2{Format: l.GetFormat(), DestinationARN: l.GetDestination()}
		}
		for _, methodKey := range slices.Sorted(maps.Keys(st.GetMethodSettings())) {
			ms := st.GetMethodSettings()[methodKey]
			rs := &routeSettings{DetailedMetricsEnabled: ms.MetricsEnabled, ThrottlingRateLimit: ms.ThrottlingRateLimit, ThrottlingBurstLimit: ms.ThrottlingBurstLimit}
			if methodKey == "*/*" {
				out.DefaultRouteSettings = rs
				continue
			}
			if out.RouteSettings == nil {
				out.RouteSettings = map[string]*routeSettings{}
			}
			out.RouteSettings[routeKeyOf(methodKey)] = rs
		}
		rec.Stages = append(rec.Stages, out)
	}
	return rec
}

// fileID is the id of what a file's API (of apiID) has, as the management API shows it: a digest of what it is,
// the same on every load and every control plane.
func fileID(apiID, what string) string {
	sum := sha256.Sum256([]byte(apiID + " " + what))
	return strings.ToLower(base32.StdEncoding.EncodeToString(sum[:]))[:10]
}

// routeKeyOf is the route key of a method key ("/pets/GET" is "GET /pets", "$default/ANY" is "$default").
func routeKeyOf(methodKey string) string {
	i := strings.LastIndex(methodKey, "/")
	if methodKey[:i] == routekey.Default {
		return routekey.Default
	}
	return methodKey[i+1:] + " " + methodKey[:i]
}
