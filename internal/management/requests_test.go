package management

import (
	"reflect"
	"strings"
	"testing"
)

// TestRequestsHoldEveryField: the type each operation's body is decoded into has every field of the operation's
// request in botocore's model, so that decode, which refuses a field its type lacks, never refuses one a client
// may send, and no field is read and then ignored: each is served, kept, or refused by name.
func TestRequestsHoldEveryField(t *testing.T) {
	shapes := botocoreModel(t, "apigateway", "2015-07-09")
	for name, typ := range map[string]reflect.Type{
		"CreateRestApiRequest":          reflect.TypeFor[createRestAPIRequest](),
		"CreateResourceRequest":         reflect.TypeFor[createResourceRequest](),
		"PutMethodRequest":              reflect.TypeFor[putMethodRequest](),
		"PutMethodResponseRequest":      reflect.TypeFor[putMethodResponseRequest](),
		"PutIntegrationRequest":         reflect.TypeFor[putIntegrationRequest](),
		"PutIntegrationResponseRequest": reflect.TypeFor[putIntegrationResponseRequest](),
		"CreateDeploymentRequest":       reflect.TypeFor[createDeploymentRequest](),
		"CreateStageRequest":            reflect.TypeFor[createStageRequest](),
		"CreateAuthorizerRequest":       reflect.TypeFor[authorizer](),
		"CreateModelRequest":            reflect.TypeFor[model](),
		"CreateRequestValidatorRequest": reflect.TypeFor[requestValidator](),
		"PutGatewayResponseRequest":     reflect.TypeFor[gatewayResponse](),
		"CreateApiKeyRequest":           reflect.TypeFor[createAPIKeyRequest](),
		"CreateUsagePlanRequest":        reflect.TypeFor[usagePlan](),
		"CreateUsagePlanKeyRequest":     reflect.TypeFor[createUsagePlanKeyRequest](),
		"TagResourceRequest":            reflect.TypeFor[tagsAnswer](),
		"UpdateRestApiRequest":          reflect.TypeFor[patchRequest](),
		"UpdateStageRequest":            reflect.TypeFor[patchRequest](),
		"UpdateMethodRequest":           reflect.TypeFor[patchRequest](),
		"UpdateIntegrationRequest":      reflect.TypeFor[patchRequest](),
		"UpdateApiKeyRequest":           reflect.TypeFor[patchRequest](),
		"UpdateUsagePlanRequest":        reflect.TypeFor[patchRequest](),
		"UpdateAccountRequest":          reflect.TypeFor[patchRequest](),
		"EndpointConfiguration":         reflect.TypeFor[endpointConfiguration](),
		"TestInvokeMethodRequest":       reflect.TypeFor[testInvokeRequest](),
		"TestInvokeAuthorizerRequest":   reflect.TypeFor[testInvokeAuthorizerRequest](),
	} {
		checkRequest(t, shapes, name, typ)
	}
	shapes = botocoreModel(t, "apigatewayv2", "2018-11-29")
	for name, typ := range map[string]reflect.Type{
		"CreateApiRequest":         reflect.TypeFor[createHTTPAPIRequest](),
		"UpdateApiRequest":         reflect.TypeFor[createHTTPAPIRequest](),
		"CreateIntegrationRequest": reflect.TypeFor[integrationV2Request](),
		"UpdateIntegrationRequest": reflect.TypeFor[integrationV2Request](),
		"CreateRouteRequest":       reflect.TypeFor[routeV2Request](),
		"UpdateRouteRequest":       reflect.TypeFor[routeV2Request](),
		"CreateAuthorizerRequest":  reflect.TypeFor[authorizerV2Request](),
		"UpdateAuthorizerRequest":  reflect.TypeFor[authorizerV2Request](),
		"CreateStageRequest":       reflect.TypeFor[stageV2Request](),
		"UpdateStageRequest":       reflect.TypeFor[stageV2Request](),
		"CreateDeploymentRequest":  reflect.TypeFor[createDeploymentV2Request](),
		"ImportApiRequest":         reflect.TypeFor[importV2Request](),
		"ReimportApiRequest":       reflect.TypeFor[importV2Request](),
	} {
		checkRequest(t, shapes, name, typ)
	}
}

// checkRequest fails for each member of the request shape name, in the body, that typ does not decode.
func checkRequest(t *testing.T, shapes map[string]shape, name string, typ reflect.Type) {
	t.Helper()
	if _, ok := shapes[name]; !ok {
		t.Fatalf("the model has no shape %s", name)
	}
	fields := jsonFields(typ)
	for member, m := range shapes[name].Members {
		if m.Location != "" {
			continue // in the URI, the query or a header
		}
		if m.LocationName != "" {
			member = m.LocationName
		}
		if !fields[member] {
			t.Errorf("%s has a member %s that %s does not decode", name, member, typ.Name())
		}
	}
}

// jsonFields are the names a type's JSON has, its embedded structs' included.
func jsonFields(typ reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		if f.Anonymous {
			for name := range jsonFields(f.Type) {
				out[name] = true
			}
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out[name] = true
	}
	return out
}
