package management

import (
	"encoding/json"
	"strings"
	"time"
)

// The management API's REST APIs as API Gateway's resources: each type is the shape of botocore's model it is named
// after (shapes_test.go checks them against it), and a REST API the API created is kept in the store as one
// apiRecord, so that every write to it is one atomic change.

// apiRecord is a REST API the management API created: its working copy (what the resource and method operations
// change) and its deployments and stages (what Envoy serves).
type apiRecord struct {
	API restAPI `json:"api"`
	// Resources are the working copy's resource tree, the root first, each parent before its children.
	Resources         []*resource                 `json:"resources"`
	Authorizers       []*authorizer               `json:"authorizers,omitempty"`
	Models            []*model                    `json:"models,omitempty"`
	RequestValidators []*requestValidator         `json:"requestValidators,omitempty"`
	GatewayResponses  map[string]*gatewayResponse `json:"gatewayResponses,omitempty"`
	Deployments       []*deploymentRecord         `json:"deployments,omitempty"`
	Stages            []*stage                    `json:"stages,omitempty"`
	// ids, when set, names what an import makes by what it is ("resource /pets"), so that a file's API, read
	// afresh on every load, keeps its ids; else ids are drawn.
	ids func(what string) string
}

// newID is the id of what rec is given next.
func (rec *apiRecord) newID(what string) string {
	if rec.ids != nil {
		return rec.ids(what)
	}
	return newID()
}

// deploymentRecord is a deployment with what it deployed: the working copy as an OpenAPI definition, which the
// source imports as it imports a file's, so that a deployed API is checked and served exactly as one.
type deploymentRecord struct {
	deployment
	Definition json.RawMessage `json:"definition"`
}

// restAPI is API Gateway's RestApi.
type restAPI struct {
	ID                        string                 `json:"id"`
	Name                      string                 `json:"name"`
	Description               string                 `json:"description,omitempty"`
	CreatedDate               *timestamp             `json:"createdDate,omitempty"`
	Version                   string                 `json:"version,omitempty"`
	Warnings                  []string               `json:"warnings,omitempty"`
	BinaryMediaTypes          []string               `json:"binaryMediaTypes,omitempty"`
	APIKeySource              string                 `json:"apiKeySource"`
	EndpointConfiguration     *endpointConfiguration `json:"endpointConfiguration,omitempty"`
	Policy                    string                 `json:"policy,omitempty"`
	Tags                      map[string]string      `json:"tags,omitempty"`
	DisableExecuteAPIEndpoint bool                   `json:"disableExecuteApiEndpoint"`
	MinimumCompressionSize    *int32                 `json:"minimumCompressionSize,omitempty"`
	RootResourceID            string                 `json:"rootResourceId,omitempty"`
}

// endpointConfiguration is API Gateway's EndpointConfiguration: Tollgate serves REGIONAL endpoints.
type endpointConfiguration struct {
	Types          []string `json:"types"`
	IPAddressType  string   `json:"ipAddressType,omitempty"`
	VPCEndpointIDs []string `json:"vpcEndpointIds,omitempty"`
}

// resource is API Gateway's Resource.
type resource struct {
	ID              string             `json:"id"`
	ParentID        string             `json:"parentId,omitempty"`
	PathPart        string             `json:"pathPart,omitempty"`
	Path            string             `json:"path"`
	ResourceMethods map[string]*method `json:"resourceMethods,omitempty"`
}

// method is API Gateway's Method.
type method struct {
	HTTPMethod          string                     `json:"httpMethod"`
	AuthorizationType   string                     `json:"authorizationType"`
	AuthorizerID        string                     `json:"authorizerId,omitempty"`
	APIKeyRequired      bool                       `json:"apiKeyRequired"`
	RequestValidatorID  string                     `json:"requestValidatorId,omitempty"`
	OperationName       string                     `json:"operationName,omitempty"`
	RequestParameters   map[string]bool            `json:"requestParameters,omitempty"`
	RequestModels       map[string]string          `json:"requestModels,omitempty"`
	MethodResponses     map[string]*methodResponse `json:"methodResponses,omitempty"`
	MethodIntegration   *integration               `json:"methodIntegration,omitempty"`
	AuthorizationScopes []string                   `json:"authorizationScopes,omitempty"`
}

// methodResponse is API Gateway's MethodResponse.
type methodResponse struct {
	StatusCode         string            `json:"statusCode"`
	ResponseParameters map[string]bool   `json:"responseParameters,omitempty"`
	ResponseModels     map[string]string `json:"responseModels,omitempty"`
}

// integration is API Gateway's Integration.
type integration struct {
	Type                 string                          `json:"type"`
	HTTPMethod           string                          `json:"httpMethod,omitempty"`
	URI                  string                          `json:"uri,omitempty"`
	ConnectionType       string                          `json:"connectionType,omitempty"`
	ConnectionID         string                          `json:"connectionId,omitempty"`
	RequestParameters    map[string]string               `json:"requestParameters,omitempty"`
	RequestTemplates     map[string]string               `json:"requestTemplates,omitempty"`
	PassthroughBehavior  string                          `json:"passthroughBehavior,omitempty"`
	ContentHandling      string                          `json:"contentHandling,omitempty"`
	TimeoutInMillis      int                             `json:"timeoutInMillis"`
	CacheNamespace       string                          `json:"cacheNamespace,omitempty"`
	CacheKeyParameters   []string                        `json:"cacheKeyParameters"`
	IntegrationResponses map[string]*integrationResponse `json:"integrationResponses,omitempty"`
	TLSConfig            *tlsConfig                      `json:"tlsConfig,omitempty"`
}

// tlsConfig is API Gateway's TlsConfig.
type tlsConfig struct {
	InsecureSkipVerification bool `json:"insecureSkipVerification"`
}

// integrationResponse is API Gateway's IntegrationResponse.
type integrationResponse struct {
	StatusCode         string            `json:"statusCode"`
	SelectionPattern   string            `json:"selectionPattern,omitempty"`
	ResponseParameters map[string]string `json:"responseParameters,omitempty"`
	ResponseTemplates  map[string]string `json:"responseTemplates,omitempty"`
	ContentHandling    string            `json:"contentHandling,omitempty"`
}

// deployment is API Gateway's Deployment.
type deployment struct {
	ID          string    `json:"id"`
	Description string    `json:"description,omitempty"`
	CreatedDate timestamp `json:"createdDate"`
}

// stage is API Gateway's Stage, with the settings Tollgate serves of it.
type stage struct {
	DeploymentID string `json:"deploymentId"`
	StageName    string `json:"stageName"`
	Description  string `json:"description,omitempty"`
	// DocumentationVersion is kept and read back: documentation changes nothing that is served.
	DocumentationVersion string                    `json:"documentationVersion,omitempty"`
	Variables            map[string]string         `json:"variables,omitempty"`
	CacheClusterEnabled  bool                      `json:"cacheClusterEnabled"`
	CacheClusterSize     string                    `json:"cacheClusterSize,omitempty"`
	MethodSettings       map[string]*methodSetting `json:"methodSettings,omitempty"`
	AccessLogSettings    *accessLogSettings        `json:"accessLogSettings,omitempty"`
	TracingEnabled       bool                      `json:"tracingEnabled"`
	CanarySettings       *canarySettings           `json:"canarySettings,omitempty"`
	Tags                 map[string]string         `json:"tags,omitempty"`
	CreatedDate          timestamp                 `json:"createdDate"`
	LastUpdatedDate      timestamp                 `json:"lastUpdatedDate"`
}

// timestamp is a time as rest-json services write it: seconds since the epoch, a JSON number.
type timestamp int64

func at(t time.Time) timestamp { return timestamp(t.Unix()) }

func (r *apiRecord) resource(id string) *resource {
	for _, res := range r.Resources {
		if res.ID == id {
			return res
		}
	}
	return nil
}

func (r *apiRecord) deployment(id string) *deploymentRecord {
	for _, d := range r.Deployments {
		if d.ID == id {
			return d
		}
	}
	return nil
}

func (r *apiRecord) stage(name string) *stage {
	for _, s := range r.Stages {
		if s.StageName == name {
			return s
		}
	}
	return nil
}

// childPath is the path of a resource pathPart under parent.
func childPath(parent *resource, pathPart string) string {
	return strings.TrimSuffix(parent.Path, "/") + "/" + pathPart
}
