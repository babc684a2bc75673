package management

import (
	"cmp"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// ImportRestApi (POST /restapis?mode=import) and PutRestApi (PUT /restapis/{id}, mode merge or overwrite) read an
// OpenAPI 3 or Swagger 2 definition with the importer a file's definition goes through (Serving.Import), and turn
// the model it makes into the working copy's resources, methods and integrations.

// importParameters are the query parameters the two operations may have; API Gateway's others are refused.
var importParameters = map[string]bool{"mode": true, "failonwarnings": true, "failOnWarnings": true, "basepath": true,
	"endpointConfigurationTypes": true, "ignore": true}

// readImport reads the definition r carries into the model, as its query parameters ask.
func (s *Service) readImport(r *http.Request) (*tollgatev1.RestApi, []string, error) {
	q := r.URL.Query()
	for name := range q {
		if !importParameters[name] {
			return nil, nil, badRequest("import parameter %s is not supported by Tollgate yet", name)
		}
	}
	if b := q.Get("basepath"); b != "" && b != "ignore" {
		return nil, nil, badRequest("basepath=%s is not supported by Tollgate yet: it imports with basepath=ignore", b)
	}
	if t := q.Get("endpointConfigurationTypes"); t != "" && t != "REGIONAL" {
		return nil, nil, badRequest("endpoint type %s is not supported by Tollgate yet: it serves REGIONAL endpoints", t)
	}
	if i := q.Get("ignore"); i != "" && i != "documentation" {
		return nil, nil, badRequest("ignore=%s: want documentation", i)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, nil, badRequest("Invalid request body: %v", err)
	}
	api, warnings, err := s.importDefinition(body, q.Get("failonwarnings") == "true" || q.Get("failOnWarnings") == "true")
	if err != nil {
		return nil, nil, err
	}
	if api.GetProtocolType() == tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP || api.GetCors() != nil {
		return nil, nil, badRequest("The definition is an HTTP API's (it has x-amazon-apigateway-cors): import it with apigatewayv2's import-api")
	}
	return api, warnings, nil
}

// importDefinition reads a definition with the importer of tollgate.yaml's, its problems a BadRequestException,
// and its warnings one too when failOnWarnings.
func (s *Service) importDefinition(body []byte, failOnWarnings bool) (*tollgatev1.RestApi, []string, error) {
	api, warnings, err := s.serving.Import(body)
	if err != nil {
		var e *apiError
		if errors.As(err, &e) {
			return nil, nil, err
		}
		return nil, nil, badRequest("Errors found during import:\n\t%s", strings.ReplaceAll(err.Error(), "\n", "\n\t"))
	}
	if len(warnings) > 0 && failOnWarnings {
		return nil, nil, badRequest("Warnings found during import:\n\t%s", strings.Join(warnings, "\n\t"))
	}
	if api.GetDisableExecuteApiEndpoint() {
		// As create-rest-api and create-api refuse it: the management API's APIs keep their execute-api endpoint.
		return nil, nil, badRequest("x-amazon-apigateway-endpoint-configuration's disableExecuteApiEndpoint is not supported by the management API yet: the execute-api endpoint would keep serving")
	}
	return api, warnings, nil
}

// importRestAPI is ImportRestApi: a new API from a definition.
func (s *Service) importRestAPI(w http.ResponseWriter, r *http.Request) {
	api, warnings, err := s.readImport(r)
	if err != nil {
		fail(w, err)
		return
	}
	created := at(s.now())
	rec := &apiRecord{API: restAPI{Name: cmp.Or(api.GetName(), "imported"), CreatedDate: &created, APIKeySource: "HEADER",
		EndpointConfiguration: &endpointConfiguration{Types: []string{"REGIONAL"}}, RootResourceID: newID()}}
	rec.Resources = []*resource{{ID: rec.API.RootResourceID, Path: "/"}}
	if err := rec.merge(api); err != nil {
		fail(w, err)
		return
	}
	if err := s.insert(r, rec); err != nil {
		fail(w, err)
		return
	}
	out := rec.API
	out.Warnings = warnings
	writeJSON(w, http.StatusCreated, out)
}

// putRestAPI is PutRestApi: a definition merged into the API's working copy, or replacing it (mode=overwrite);
// the stages keep what they serve until a deployment.
func (s *Service) putRestAPI(w http.ResponseWriter, r *http.Request) {
	mode := cmp.Or(r.URL.Query().Get("mode"), "merge")
	if mode != "merge" && mode != "overwrite" {
		fail(w, badRequest("Invalid mode %s: want merge or overwrite", mode))
		return
	}
	if _, err := s.read(r, true); err != nil {
		fail(w, err) // before the body is read: a file's API, or none
		return
	}
	api, warnings, err := s.readImport(r)
	if err != nil {
		fail(w, err)
		return
	}
	rec, err := s.change(r, func(rec **apiRecord) (bool, error) {
		if mode == "overwrite" {
			root := (*rec).resource((*rec).API.RootResourceID)
			root.ResourceMethods = nil
			(*rec).Resources = []*resource{root}
			(*rec).API.BinaryMediaTypes, (*rec).API.Policy, (*rec).API.MinimumCompressionSize = nil, "", nil
			(*rec).Authorizers, (*rec).Models, (*rec).RequestValidators, (*rec).GatewayResponses = nil, nil, nil, nil
		}
		return false, (*rec).merge(api)
	})
	if err != nil {
		fail(w, err)
		return
	}
	out := rec.API
	out.Warnings = warnings
	writeJSON(w, http.StatusOK, out)
}

// merge adds an imported model's resources, methods and settings to the working copy; a method the copy has is
// replaced. What the management API cannot hold yet is refused, naming it.
func (rec *apiRecord) merge(api *tollgatev1.RestApi) error {
	for t, resp := range api.GetGatewayResponses() {
		if rec.GatewayResponses == nil {
			rec.GatewayResponses = map[string]*gatewayResponse{}
		}
		rec.GatewayResponses[t] = &gatewayResponse{ResponseType: t, StatusCode: resp.GetStatusCode(),
			ResponseParameters: resp.GetResponseParameters(), ResponseTemplates: resp.GetResponseTemplates()}
	}
	for _, name := range slices.Sorted(maps.Keys(api.GetModels())) {
		if strings.HasPrefix(name, "/") {
			return badRequest("%s: an inline request body schema: the management API keeps models by name ($ref to components.schemas)", name)
		}
		rec.Models = slices.DeleteFunc(rec.Models, func(m *model) bool { return m.Name == name })
		rec.Models = append(rec.Models, &model{ID: rec.newID("model " + name), Name: name, Schema: api.GetModels()[name], ContentType: "application/json"})
	}
	validators := map[string]string{} // by name, its id
	for _, name := range slices.Sorted(maps.Keys(api.GetRequestValidators())) {
		v := api.GetRequestValidators()[name]
		id := rec.newID("validator " + name)
		for _, old := range rec.RequestValidators {
			if old.Name == name {
				id = old.ID // the methods the import leaves keep naming it
			}
		}
		rec.RequestValidators = slices.DeleteFunc(rec.RequestValidators, func(old *requestValidator) bool { return old.Name == name })
		made := &requestValidator{ID: id, Name: name, ValidateRequestBody: v.GetValidateRequestBody(), ValidateRequestParameters: v.GetValidateRequestParameters()}
		rec.RequestValidators = append(rec.RequestValidators, made)
		validators[name] = made.ID
	}
	// An imported method names its authorizer by the name of its scheme: IAM, or one of the API's authorizers, which
	// a merge replaces by name.
	named := map[string]*authorizer{}
	for _, a := range api.GetAuthorizers() {
		if a.GetType() == tollgatev1.AuthorizerType_AUTHORIZER_TYPE_AWS_IAM {
			named[a.GetName()] = &authorizer{Type: "AWS_IAM"}
			continue
		}
		id := rec.newID("authorizer " + a.GetName())
		for _, old := range rec.Authorizers {
			if old.Name == a.GetName() {
				id = old.ID // the methods the import leaves keep naming it
			}
		}
		converted, err := authorizerOfModel(a, id)
		if err != nil {
			return err
		}
		rec.Authorizers = slices.DeleteFunc(rec.Authorizers, func(old *authorizer) bool { return old.Name == converted.Name })
		rec.Authorizers = append(rec.Authorizers, converted)
		named[a.GetName()] = converted
	}
	if len(api.GetBinaryMediaTypes()) > 0 {
		rec.API.BinaryMediaTypes = api.GetBinaryMediaTypes()
	}
	if api.MinimumCompressionSize != nil {
		rec.API.MinimumCompressionSize = api.MinimumCompressionSize
	}
	if api.GetApiKeySource() == tollgatev1.ApiKeySource_API_KEY_SOURCE_AUTHORIZER {
		rec.API.APIKeySource = "AUTHORIZER"
	}
	if p := api.GetResourcePolicy(); p != "" {
		rec.API.Policy = p
	}
	resources := slices.SortedFunc(slices.Values(api.GetResources()), func(a, b *tollgatev1.Resource) int { return strings.Compare(a.GetPath(), b.GetPath()) })
	for _, res := range resources {
		target := rec.ensure(res.GetPath())
		for _, m := range res.GetMethods() {
			converted, err := methodOfModel(m, named)
			if err != nil {
				return err
			}
			// A method without a validator of its own has the API's default, as API Gateway's import sets it.
			if name := cmp.Or(m.GetRequestValidator(), api.GetRequestValidator()); name != "" {
				if converted.RequestValidatorID = validators[name]; converted.RequestValidatorID == "" {
					return badRequest("%s: no request validator %s", m.GetSourcePointer(), name)
				}
			}
			if target.ResourceMethods == nil {
				target.ResourceMethods = map[string]*method{}
			}
			target.ResourceMethods[converted.HTTPMethod] = converted
		}
	}
	return nil
}

// ensure is the resource at path, made (with the parents it lacks) if need be.
func (rec *apiRecord) ensure(path string) *resource {
	at := rec.resource(rec.API.RootResourceID)
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		var child *resource
		for _, res := range rec.Resources {
			if res.ParentID == at.ID && res.PathPart == part {
				child = res
			}
		}
		if child == nil {
			child = &resource{ID: rec.newID("resource " + childPath(at, part)), ParentID: at.ID, PathPart: part, Path: childPath(at, part)}
			rec.Resources = append(rec.Resources, child)
		}
		at = child
	}
	return at
}

// methodOfModel is a model method as API Gateway's Method, its authorizer one of named; the method responses are
// those its integration responses answer with.
func methodOfModel(m *tollgatev1.Method, named map[string]*authorizer) (*method, error) {
	out := &method{HTTPMethod: m.GetHttpMethod(), AuthorizationType: "NONE", APIKeyRequired: m.GetApiKeyRequired(),
		OperationName: m.GetOperationId(), RequestParameters: m.GetRequestParameters(), AuthorizationScopes: m.GetAuthorizationScopes()}
	if name := m.GetAuthorizer(); name != "" {
		switch a := named[name]; {
		case a == nil:
			return nil, badRequest("%s: no authorizer %s", m.GetSourcePointer(), name)
		case a.Type == "AWS_IAM":
			out.AuthorizationType = "AWS_IAM"
		case a.Type == "COGNITO_USER_POOLS":
			out.AuthorizationType, out.AuthorizerID = "COGNITO_USER_POOLS", a.ID
		default:
			out.AuthorizationType, out.AuthorizerID = "CUSTOM", a.ID
		}
	}
	out.RequestModels = m.GetRequestModels()
	in := m.GetIntegration()
	if in == nil {
		return out, nil
	}
	switch {
	case len(in.GetResponseMappings()) > 0 || in.GetPayloadFormatVersion() != "":
		return nil, badRequest("%s: an HTTP API's integration settings are apigatewayv2's", in.GetSourcePointer())
	case in.GetTlsConfig().GetServerNameToVerify() != "":
		return nil, badRequest("%s: tlsConfig.serverNameToVerify is not supported by Tollgate's management API yet", in.GetSourcePointer())
	}
	integ := &integration{Type: strings.TrimPrefix(in.GetType().String(), "INTEGRATION_TYPE_"), HTTPMethod: in.GetHttpMethod(),
		URI: in.GetUri(), RequestParameters: in.GetRequestParameters(), RequestTemplates: in.GetRequestTemplates(),
		PassthroughBehavior: "WHEN_NO_MATCH", ContentHandling: in.GetContentHandling(), TimeoutInMillis: 29000,
		CacheNamespace: in.GetCacheNamespace(), CacheKeyParameters: append([]string{}, in.GetCacheKeyParameters()...),
		ConnectionID: in.GetConnectionId()}
	if b := in.GetPassthroughBehavior(); b != tollgatev1.PassthroughBehavior_PASSTHROUGH_BEHAVIOR_UNSPECIFIED {
		integ.PassthroughBehavior = strings.TrimPrefix(b.String(), "PASSTHROUGH_BEHAVIOR_")
	}
	if t := in.GetTimeoutInMillis(); t > 0 {
		integ.TimeoutInMillis = int(t)
	}
	switch {
	case in.GetConnectionType() != tollgatev1.ConnectionType_CONNECTION_TYPE_UNSPECIFIED:
		integ.ConnectionType = strings.TrimPrefix(in.GetConnectionType().String(), "CONNECTION_TYPE_")
	case integ.Type != "MOCK":
		integ.ConnectionType = "INTERNET"
	}
	if tls := in.GetTlsConfig(); tls != nil {
		integ.TLSConfig = &tlsConfig{InsecureSkipVerification: tls.GetInsecureSkipVerification()}
	}
	for _, pattern := range slices.Sorted(maps.Keys(in.GetResponses())) {
		resp := in.GetResponses()[pattern]
		code := resp.GetStatusCode()
		if integ.IntegrationResponses == nil {
			integ.IntegrationResponses, out.MethodResponses = map[string]*integrationResponse{}, map[string]*methodResponse{}
		}
		if pattern == "default" {
			pattern = ""
		}
		integ.IntegrationResponses[code] = &integrationResponse{StatusCode: code, SelectionPattern: pattern,
			ResponseParameters: resp.GetResponseParameters(), ResponseTemplates: resp.GetResponseTemplates(), ContentHandling: resp.GetContentHandling()}
		mr := out.MethodResponses[code]
		if mr == nil {
			mr = &methodResponse{StatusCode: code}
			out.MethodResponses[code] = mr
		}
		for name := range resp.GetResponseParameters() {
			if mr.ResponseParameters == nil {
				mr.ResponseParameters = map[string]bool{}
			}
			mr.ResponseParameters[name] = false
		}
	}
	out.MethodIntegration = integ
	return out, nil
}

// insert stores a new API under a fresh id.
func (s *Service) insert(r *http.Request, rec *apiRecord) error {
	for {
		rec.API.ID = newID()
		if s.files.Load().has(rec.API.ID) {
			continue
		}
		stored := false
		err := s.store.Update(r.Context(), recordPrefix+rec.API.ID, func(old []byte) ([]byte, error) {
			if stored = old == nil; !stored {
				return old, nil // the id is taken: draw another
			}
			return json.Marshal(rec)
		})
		if err != nil || stored {
			return err
		}
	}
}
