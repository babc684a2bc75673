// Package config loads tollgate.yaml (or .json): the listen addresses and the APIs to serve, each an OpenAPI
// definition file deployed to stages. Scalar settings go through viper so TOLLGATE_* environment variables override
// them; the apis section is decoded from the file itself because viper folds map keys to lower case, and stage
// variable names are case-sensitive. A key the file's schema does not define, at any depth, is an error: a misspelt
// key must not be read as the setting left at its default.
package config

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/policy"
	"github.com/tollgate-gw/tollgate/internal/stagevars"
)

// Config is the whole file after defaults and environment overrides.
type Config struct {
	File       string // the config file as named by the user
	Listen     string // Envoy's public listener
	Admin      string // Tollgate's admin HTTP server
	XDS        string // Tollgate's ADS gRPC server
	EnvoyAdmin string // the supervised Envoy's admin listener
	Domain     string // invocation hosts are {apiId}.{domain}
	Lambda     Lambda
	// AWS gives the pseudo parameters of templates (AWS::Region and the others), all defaulted.
	AWS        AWS
	APIKeys    []APIKey
	UsagePlans []UsagePlan
	// AccountThrottle limits every API together; nil means no account-level limit.
	AccountThrottle *Throttle
	// Redis, when set (redis://host:port/db, or redis+cluster://host:port for a Redis Cluster), holds throttles
	// and quotas for every Tollgate; else memory does.
	Redis string
	// TrustedProxyHops is how many proxies in front of Envoy append to X-Forwarded-For: the client's address
	// (aws:SourceIp, identity.sourceIp) is the address that many hops before the last; 0 trusts no header.
	TrustedProxyHops int
	RateLimit        RateLimitSettings
	// VPCLinks maps a VPC link id, as integrations name it in connectionId, to the host:port of the private
	// backend behind it (the network load balancer a link targets on AWS).
	VPCLinks map[string]string
	Cognito  Cognito
	IAM      IAM
	// Management is who may call the management API (management.go).
	Management Management
	// StateDir is where the management API keeps what it writes (the stateDir key, relative to the config file's
	// directory; default .tollgate beside it).
	StateDir string
	// Cache holds the stage caches' settings that are the operator's, not a stage's.
	Cache Cache
	// Metrics, when false, stops the access log every Envoy streams for API Gateway's metrics (which costs Envoy
	// throughput at saturation): /metrics then has the process's own only. Default true.
	Metrics bool
	// Tracing says where the traces of stages with tracingEnabled go (tracing.go).
	Tracing Tracing
	// WebSocket is the WebSocket service's address and connection limits (websocket.go).
	WebSocket WebSocket
	// TLS is the HTTPS listener, and DomainNames the custom domain names it serves (domains.go).
	TLS         TLS
	DomainNames []DomainName
	APIs        []API
	// Warnings are the settings accepted that do nothing in Tollgate, such as a stage's description: Parse fails on
	// errors only.
	Warnings diag.Problems
}

// document is the file's schema: every key the file may hold, at any depth, is a yaml tag here or in the types it
// names, and checkKeys refuses any other. The scalar settings are decoded with the rest so that the key check and
// the decoder share this one schema, but Parse reads them from viper, which applies TOLLGATE_* overrides.
type document struct {
	Listen     string `yaml:"listen"`
	Admin      string `yaml:"admin"`
	XDS        string `yaml:"xds"`
	EnvoyAdmin string `yaml:"envoyAdmin"`
	Domain     string `yaml:"domain"`
	Redis      string `yaml:"redis"`
	StateDir   string `yaml:"stateDir"`
	// TrustedProxyHops: see Config.
	TrustedProxyHops int `yaml:"trustedProxyHops"`
	RateLimit        struct {
		FailureMode string `yaml:"failureMode"`
		Timeout     string `yaml:"timeout"`
	} `yaml:"rateLimit"`
	APIs            []API             `yaml:"apis"`
	Lambda          Lambda            `yaml:"lambda"`
	AWS             AWS               `yaml:"aws"`
	APIKeys         []APIKey          `yaml:"apiKeys"`
	UsagePlans      []UsagePlan       `yaml:"usagePlans"`
	AccountThrottle *Throttle         `yaml:"accountThrottle"`
	VPCLinks        map[string]string `yaml:"vpcLinks"`
	Cognito         Cognito           `yaml:"cognito"`
	IAM             IAM               `yaml:"iam"`
	Management      Management        `yaml:"management"`
	Cache           Cache             `yaml:"cache"`
	Metrics         struct {
		Enabled *bool `yaml:"enabled"`
	} `yaml:"metrics"`
	Tracing     Tracing      `yaml:"tracing"`
	WebSocket   WebSocket    `yaml:"webSocket"`
	TLS         TLS          `yaml:"tls"`
	DomainNames []DomainName `yaml:"domainNames"`
}

// IAM stands in for AWS IAM: the identities that may sign requests to methods with IAM authorization, each with
// its identity policy.
type IAM struct {
	Credentials []IAMCredential `yaml:"credentials"`
}

// IAMCredential is one identity's access key.
type IAMCredential struct {
	AccessKeyID     string `yaml:"accessKeyId"`
	SecretAccessKey string `yaml:"secretAccessKey"`
	// SessionToken makes the key temporary credentials: a request signed with it must carry the token in
	// X-Amz-Security-Token.
	SessionToken string `yaml:"sessionToken"`
	// ARN is the caller: arn:aws:iam::{account}:user/{name}, or a role session
	// arn:aws:sts::{account}:assumed-role/{role}/{session}.
	ARN string `yaml:"arn"`
	// Policy is the identity's policy document (a mapping, or its JSON text); PolicyJSON is it as JSON once
	// parsed.
	Policy     any    `yaml:"policy"`
	PolicyJSON string `yaml:"-"`
}

// Cognito says where the user pools that Cognito authorizers name are: Tollgate verifies their tokens itself, as
// API Gateway does, against the keys each pool publishes.
type Cognito struct {
	// UserPools maps a user pool's ARN (an authorizer's providerARNs) to its issuer and key set; any OpenID
	// Connect issuer can stand for a pool.
	UserPools map[string]UserPool `yaml:"userPools"`
}

// UserPool is the issuer (the tokens' iss) and the JWKS URL of a user pool.
type UserPool struct {
	Issuer  string `yaml:"issuer"`
	JWKSURL string `yaml:"jwksUrl"`
}

// RateLimitSettings says how the rate-limit service behaves when its store fails.
type RateLimitSettings struct {
	FailureMode string        // "open" (admit, the default, as Envoy) or "closed" (refuse)
	Timeout     time.Duration // bound on each decision; default 20ms
}

// Lambda is where AWS_PROXY integrations invoke their functions.
type Lambda struct {
	Endpoint  string            `yaml:"endpoint"`  // default Invoke endpoint
	Region    string            `yaml:"region"`    // for SigV4 signing on AWS endpoints
	Functions map[string]string `yaml:"functions"` // function name -> full invoke URL
}

// AWS is the account a template is deployed to, as CloudFormation's pseudo parameters name it: AWS::Region,
// AWS::AccountId, AWS::Partition and AWS::StackName.
type AWS struct {
	Region    string `yaml:"region"`    // default lambda.region, else us-east-1
	AccountID string `yaml:"accountId"` // default 123456789012
	Partition string `yaml:"partition"` // default aws
	StackName string `yaml:"stackName"` // default each API's id
}

// StackNameFor is AWS::StackName for the API with the given id.
func (a AWS) StackNameFor(apiID string) string {
	if a.StackName != "" {
		return a.StackName
	}
	return apiID
}

// API is one entry of apis: an API id, its definition file and its stages.
type API struct {
	ID         string `yaml:"id"`
	Definition string `yaml:"definition"`
	// Parameters fill the definition's ${name} placeholders (Terraform's templatefile) and answer a template's
	// Ref, Fn::GetAtt (as "Resource.Attribute") and Fn::If conditions (true or false).
	Parameters map[string]string `yaml:"parameters"`
	// Resource is the logical id of the API resource when the definition is a CloudFormation or SAM template
	// declaring several.
	Resource string  `yaml:"resource"`
	Stages   []Stage `yaml:"stages"`
	// ProtocolType is REST (the default: a REST API), HTTP (an HTTP API, API Gateway v2) or WEBSOCKET (a
	// WebSocket API, whose definition is apigatewayv2's fields: see internal/websocketapi).
	ProtocolType string `yaml:"protocolType"`
	// DisableExecuteAPIEndpoint serves the API on custom domain names only: its own host and the path forms
	// answer 403 Forbidden.
	DisableExecuteAPIEndpoint bool `yaml:"disableExecuteApiEndpoint"`
}

// Protocol types of an API entry.
const (
	ProtocolREST = "REST"
	ProtocolHTTP = "HTTP"
)

// IsHTTP tells whether the entry is an HTTP API.
func (a API) IsHTTP() bool { return a.ProtocolType == ProtocolHTTP }

// stateDir resolves the state directory relative to the config file, .tollgate beside it by default.
func stateDir(configFile, dir string) string {
	if dir == "" {
		dir = ".tollgate"
	}
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(filepath.Dir(configFile), dir)
}

// DefinitionPath resolves the definition relative to the config file, as the config contract promises.
func (a API) DefinitionPath(configFile string) string {
	if filepath.IsAbs(a.Definition) {
		return a.Definition
	}
	return filepath.Join(filepath.Dir(configFile), a.Definition)
}

// Stage is one deployment of an API.
type Stage struct {
	StageName      string                   `yaml:"stageName"`
	Variables      map[string]string        `yaml:"variables"`
	MethodSettings map[string]MethodSetting `yaml:"methodSettings"`
	// An HTTP API's stage settings (see httpapi.go).
	DefaultRouteSettings *MethodSetting           `yaml:"defaultRouteSettings"`
	RouteSettings        map[string]MethodSetting `yaml:"routeSettings"`
	AutoDeploy           bool                     `yaml:"autoDeploy"`
	// The stage's response cache (cache.go): AWS's cacheClusterEnabled and cacheClusterSize (GB), and, beyond
	// AWS, the name of a header that tells a hit.
	CacheClusterEnabled bool   `yaml:"cacheClusterEnabled"`
	CacheClusterSize    string `yaml:"cacheClusterSize"`
	CacheStatusHeader   string `yaml:"cacheStatusHeader"`
	// AccessLogSettings writes a line per request in format (API Gateway's $context variables) to destination:
	// "stdout", or a file's path (relative to this file); nil for no log (accesslog.go).
	AccessLogSettings *AccessLogSettings `yaml:"accessLogSettings"`
	// TracingEnabled traces the stage's requests to the config's tracing.otlp collector (tracing.go).
	TracingEnabled bool `yaml:"tracingEnabled"`
	// CanarySettings is the stage's canary release, nil for none (canary.go).
	CanarySettings *CanarySettings `yaml:"canarySettings"`
}

// Defaults of the optional settings.
const (
	DefaultListen     = "127.0.0.1:8080"
	DefaultAdmin      = "127.0.0.1:9080"
	DefaultXDS        = "127.0.0.1:18000"
	DefaultEnvoyAdmin = "127.0.0.1:9901"
	DefaultDomain     = "execute-api.localhost"
)

var (
	apiIDPattern  = regexp.MustCompile(`^[a-z0-9]{1,63}$`)
	domainPattern = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// Load reads, defaults and validates a config file. Every problem found is reported, each with its pointer.
func Load(file string) (*Config, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, diag.Problems{{File: file, Reason: err.Error()}}
	}
	return Parse(file, data)
}

// Parse is Load for bytes already read; file names them in problems and anchors relative definition paths.
func Parse(file string, data []byte) (*Config, error) {
	var probs diag.Problems
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(file)), ".")
	if format != "json" {
		format = "yaml"
	}
	v := viper.New()
	v.SetConfigType(format)
	v.SetEnvPrefix("TOLLGATE")
	v.SetDefault("listen", DefaultListen)
	v.SetDefault("admin", DefaultAdmin)
	v.SetDefault("xds", DefaultXDS)
	v.SetDefault("envoyAdmin", DefaultEnvoyAdmin)
	v.SetDefault("domain", DefaultDomain)
	v.SetDefault("rateLimit.failureMode", "open")
	v.SetDefault("rateLimit.timeout", "20ms")
	for _, key := range []string{"listen", "admin", "xds", "envoyAdmin", "domain", "redis", "stateDir"} {
		// BindEnv with an explicit name: viper would otherwise look for TOLLGATE_ENVOYADMIN only by accident.
		_ = v.BindEnv(key, "TOLLGATE_"+strings.ToUpper(key))
	}
	// A secret: an operator keeps it out of the file.
	_ = v.BindEnv("cache.encryptionKey", "TOLLGATE_CACHE_ENCRYPTION_KEY")
	if err := v.ReadConfig(strings.NewReader(string(data))); err != nil {
		return nil, diag.Problems{{File: file, Reason: "cannot parse: " + err.Error()}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, diag.Problems{{File: file, Reason: "cannot parse: " + err.Error()}}
	}
	var warnings diag.Problems
	checkKeys(file, &root, &probs, &warnings)
	var doc document
	if err := root.Decode(&doc); err != nil {
		// A value of the wrong shape: the rest would be checked against a half-decoded file.
		probs.Addf(file, "", "cannot parse: %v", err)
		return nil, probs.Err()
	}
	c := &Config{
		File:             file,
		Listen:           v.GetString("listen"),
		Admin:            v.GetString("admin"),
		XDS:              v.GetString("xds"),
		EnvoyAdmin:       v.GetString("envoyAdmin"),
		Domain:           strings.ToLower(v.GetString("domain")),
		Lambda:           doc.Lambda,
		AWS:              doc.AWS,
		APIKeys:          doc.APIKeys,
		UsagePlans:       doc.UsagePlans,
		AccountThrottle:  doc.AccountThrottle,
		Redis:            v.GetString("redis"),
		StateDir:         stateDir(file, v.GetString("stateDir")),
		TrustedProxyHops: v.GetInt("trustedProxyHops"),
		RateLimit:        RateLimitSettings{FailureMode: strings.ToLower(v.GetString("rateLimit.failureMode"))},
		VPCLinks:         doc.VPCLinks,
		Cognito:          doc.Cognito,
		IAM:              doc.IAM,
		Management:       doc.Management,
		Cache:            Cache{EncryptionKey: v.GetString("cache.encryptionKey")},
		Metrics:          doc.Metrics.Enabled == nil || *doc.Metrics.Enabled,
		Tracing:          Tracing{OTLP: v.GetString("tracing.otlp")},
		WebSocket:        doc.WebSocket,
		TLS:              doc.TLS,
		DomainNames:      doc.DomainNames,
		APIs:             doc.APIs,
		Warnings:         warnings,
	}
	for key, addr := range map[string]string{"listen": c.Listen, "admin": c.Admin, "xds": c.XDS, "envoyAdmin": c.EnvoyAdmin} {
		if err := checkHostPort(addr); err != nil {
			probs.Addf(file, diag.Pointer(key), "%v", err)
		}
	}
	if c.TrustedProxyHops < 0 || c.TrustedProxyHops > 10 {
		probs.Addf(file, "/trustedProxyHops", "trustedProxyHops %d: want 0 (the default: X-Forwarded-For is not trusted) to 10", c.TrustedProxyHops)
	}
	if !domainPattern.MatchString(c.Domain) {
		probs.Addf(file, "/domain", "invalid domain %q: want a DNS name such as execute-api.localhost", c.Domain)
	}
	c.validateRateLimit(&probs, v.GetString("rateLimit.timeout"))
	c.validateLambda(&probs)
	c.validateAWS(&probs)
	for id, addr := range c.VPCLinks {
		if err := checkHostPort(addr); err != nil {
			probs.Addf(file, diag.Pointer("vpcLinks", id), "VPC link %q: %v", id, err)
		}
	}
	for arn, pool := range c.Cognito.UserPools {
		at := func(key string) string { return diag.Pointer("cognito", "userPools", arn, key) }
		if pool.Issuer == "" {
			probs.Addf(file, at("issuer"), "user pool %q needs its issuer, the iss of its tokens", arn)
		}
		if err := checkHTTPURL(pool.JWKSURL); err != nil {
			probs.Addf(file, at("jwksUrl"), "user pool %q: %v", arn, err)
		}
	}
	c.validateIAM(&probs)
	c.validateManagement(&probs)
	c.validateAPIs(&probs)
	c.validateUsagePlans(&probs)
	c.validateCaches(&probs)
	c.validateAccessLogs(&probs)
	c.validateTracing(&probs)
	c.validateCanaries(&probs)
	c.validateWebSocket(&probs)
	c.validateDomainNames(&probs)
	c.warnUnmeasured()
	if err := probs.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// validateAccessKeys checks the n credentials under /{section}/credentials: each has an access key id, one of
// its own, and a secret; key gives credential i's.
func (c *Config) validateAccessKeys(probs *diag.Problems, section, what string, n int, key func(i int) (id, secret string)) {
	seen := map[string]int{}
	for i := range n {
		id, secret := key(i)
		at := func(field string) string { return diag.Pointer(section, "credentials", i, field) }
		switch j, dup := seen[id]; {
		case id == "":
			probs.Addf(c.File, at("accessKeyId"), "%s needs its accessKeyId", what)
		case dup:
			probs.Addf(c.File, at("accessKeyId"), "access key %q is already /%s/credentials/%d's", id, section, j)
		default:
			seen[id] = i
		}
		if secret == "" {
			probs.Addf(c.File, at("secretAccessKey"), "%s needs its secretAccessKey", what)
		}
	}
}

// callerARN is an IAM user's or a role session's ARN.
var callerARN = regexp.MustCompile(`^arn:aws[a-z-]*:(iam::[0-9]{12}:user/[\w+=,.@/-]+|sts::[0-9]{12}:assumed-role/[\w+=,.@-]+/[\w+=,.@-]+)$`)

func (c *Config) validateIAM(probs *diag.Problems) {
	c.validateAccessKeys(probs, "iam", "an IAM credential", len(c.IAM.Credentials), func(i int) (string, string) {
		return c.IAM.Credentials[i].AccessKeyID, c.IAM.Credentials[i].SecretAccessKey
	})
	for i := range c.IAM.Credentials {
		cred := &c.IAM.Credentials[i]
		at := func(key string) string { return diag.Pointer("iam", "credentials", i, key) }
		if !callerARN.MatchString(cred.ARN) {
			probs.Addf(c.File, at("arn"), "invalid caller ARN %q: want arn:aws:iam::{account}:user/{name} or arn:aws:sts::{account}:assumed-role/{role}/{session}", cred.ARN)
		}
		switch p := cred.Policy.(type) {
		case nil:
			// No identity policy: the resource policy alone can allow the caller.
		case string:
			cred.PolicyJSON = p
		default:
			b, err := json.Marshal(p)
			if err != nil {
				probs.Addf(c.File, at("policy"), "the policy is not a policy document: %v", err)
				continue
			}
			cred.PolicyJSON = string(b)
		}
		if cred.PolicyJSON == "" {
			continue
		}
		doc, err := policy.Parse([]byte(cred.PolicyJSON))
		switch {
		case err != nil:
			probs.Addf(c.File, at("policy"), "%v", err)
		case doc.HasPrincipal():
			probs.Addf(c.File, at("policy"), "an identity policy names no Principal: it is the caller's own")
		}
	}
}

func (c *Config) validateAPIs(probs *diag.Problems) {
	seen := map[string]int{}
	for i, api := range c.APIs {
		at := func(tokens ...any) string { return diag.Pointer(append([]any{"apis", i}, tokens...)...) }
		if !apiIDPattern.MatchString(api.ID) {
			probs.Addf(c.File, at("id"), "invalid API id %q: must match [a-z0-9]{1,63}", api.ID)
		} else if j, dup := seen[api.ID]; dup {
			probs.Addf(c.File, at("id"), "API id %q is already used by /apis/%d", api.ID, j)
		} else {
			seen[api.ID] = i
		}
		if api.Definition == "" {
			probs.Addf(c.File, at("definition"), "missing definition: the path of an OpenAPI 3 or Swagger 2 file, or of a CloudFormation or SAM template")
		}
		if api.Resource != "" && !logicalIDPattern.MatchString(api.Resource) {
			probs.Addf(c.File, at("resource"), "invalid resource %q: want a template's logical id, letters and digits", api.Resource)
		}
		for name := range api.Parameters {
			if name == "" {
				probs.Addf(c.File, at("parameters", name), "a parameter needs a name")
			}
		}
		if len(api.Stages) == 0 {
			probs.Addf(c.File, at("stages"), "API %q has no stages: deploy it to at least one", api.ID)
		}
		stages := map[string]int{}
		c.validateProtocol(probs, i)
		for j, st := range api.Stages {
			// An HTTP API may have a $default stage, served at the root.
			if !stagevars.StageName.MatchString(st.StageName) && !(api.IsHTTP() && st.StageName == DefaultStage) {
				probs.Addf(c.File, at("stages", j, "stageName"), "invalid stage name %q: must match [A-Za-z0-9_-]{1,128}%s", st.StageName, map[bool]string{true: ", or be $default"}[api.IsHTTP()])
			} else if k, dup := stages[st.StageName]; dup {
				probs.Addf(c.File, at("stages", j, "stageName"), "stage %q is already defined at /apis/%d/stages/%d", st.StageName, i, k)
			} else {
				stages[st.StageName] = j
			}
			for name, value := range st.Variables {
				if !stagevars.Name.MatchString(name) {
					probs.Addf(c.File, at("stages", j, "variables", name), "invalid stage variable name %q: use letters, digits and underscores", name)
				}
				if !stagevars.Value.MatchString(value) {
					probs.Addf(c.File, at("stages", j, "variables", name), "invalid value %q for stage variable %q: must match [A-Za-z0-9-._~:/?#&=,]{1,512}", value, name)
				}
			}
		}
	}
}

func (c *Config) validateRateLimit(probs *diag.Problems, timeout string) {
	if c.RateLimit.FailureMode != "open" && c.RateLimit.FailureMode != "closed" {
		probs.Addf(c.File, "/rateLimit/failureMode", "invalid failure mode %q: want open or closed", c.RateLimit.FailureMode)
	}
	d, err := time.ParseDuration(timeout)
	if err != nil || d <= 0 {
		probs.Addf(c.File, "/rateLimit/timeout", "invalid timeout %q: want a duration such as 20ms", timeout)
	}
	c.RateLimit.Timeout = d
	if c.Redis != "" {
		u, err := url.Parse(c.Redis)
		if err != nil || u.Host == "" || !slices.Contains([]string{"redis", "rediss", "redis+cluster", "rediss+cluster"}, u.Scheme) {
			probs.Addf(c.File, "/redis", "invalid Redis URL %q: want redis://host:port/db, or redis+cluster://host:port for a Redis Cluster", c.Redis)
		}
	}
}

// DefaultLambdaRegion is used when lambda.region is not set.
const DefaultLambdaRegion = "us-east-1"

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)

func (c *Config) validateLambda(probs *diag.Problems) {
	inherited := c.Lambda.Region == "" && c.AWS.Region != ""
	switch {
	case inherited:
		c.Lambda.Region = c.AWS.Region // reported at /aws/region if invalid
	case c.Lambda.Region == "":
		c.Lambda.Region = DefaultLambdaRegion
	}
	if !inherited && !regionPattern.MatchString(c.Lambda.Region) {
		probs.Addf(c.File, "/lambda/region", "invalid region %q: want an AWS region such as us-east-1", c.Lambda.Region)
	}
	if c.Lambda.Endpoint != "" {
		if err := checkHTTPURL(c.Lambda.Endpoint); err != nil {
			probs.Addf(c.File, "/lambda/endpoint", "%v", err)
		}
	}
	for name, u := range c.Lambda.Functions {
		if err := checkHTTPURL(u); err != nil {
			probs.Addf(c.File, diag.Pointer("lambda", "functions", name), "%v", err)
		}
	}
}

// Defaults of the aws section.
const (
	DefaultAccountID = "123456789012"
	DefaultPartition = "aws"
)

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	partitionPattern = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	stackNamePattern = regexp.MustCompile(`^[A-Za-z][-A-Za-z0-9]{0,127}$`)
	logicalIDPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,255}$`)
)

// validateAWS defaults and checks the pseudo parameters; it runs after validateLambda, whose region is the
// default of aws.region.
func (c *Config) validateAWS(probs *diag.Problems) {
	if c.AWS.Region == "" {
		c.AWS.Region = c.Lambda.Region
	} else if !regionPattern.MatchString(c.AWS.Region) {
		probs.Addf(c.File, "/aws/region", "invalid region %q: want an AWS region such as us-east-1", c.AWS.Region)
	}
	if c.AWS.AccountID == "" {
		c.AWS.AccountID = DefaultAccountID
	} else if !accountIDPattern.MatchString(c.AWS.AccountID) {
		probs.Addf(c.File, "/aws/accountId", "invalid account id %q: want 12 digits", c.AWS.AccountID)
	}
	if c.AWS.Partition == "" {
		c.AWS.Partition = DefaultPartition
	} else if !partitionPattern.MatchString(c.AWS.Partition) {
		probs.Addf(c.File, "/aws/partition", "invalid partition %q: want aws, aws-cn or aws-us-gov", c.AWS.Partition)
	}
	if c.AWS.StackName != "" && !stackNamePattern.MatchString(c.AWS.StackName) {
		probs.Addf(c.File, "/aws/stackName", "invalid stack name %q: want a letter, then letters, digits and hyphens (at most 128)", c.AWS.StackName)
	}
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("invalid URL %q: want an absolute http:// or https:// URL", s)
	}
	return nil
}

func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid address %q: want host:port", addr)
	}
	if host == "" {
		return fmt.Errorf("invalid address %q: the host is empty (use 0.0.0.0 to listen on every interface)", addr)
	}
	var n int
	if _, err := fmt.Sscanf(port, "%d", &n); err != nil || n < 1 || n > 65535 || fmt.Sprint(n) != port {
		return fmt.Errorf("invalid address %q: port must be 1-65535", addr)
	}
	return nil
}
