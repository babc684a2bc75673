// Package translate turns Tollgate's model of API Gateway into Envoy resources: one listener, one route
// configuration and the clusters of the integrations. It is a pure function of the model, so golden files pin its
// output and the xDS server can diff snapshots cheaply.
package translate

import (
	"regexp"
	"sort"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
	"github.com/tollgate-gw/tollgate/internal/pathtemplate"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// Names of the resources every Envoy gets.
const (
	ListenerName    = "tollgate_http"
	RouteConfigName = "tollgate"
)

// Output is the translated gateway, less the listener: the listener's address differs between Envoys that share a
// control plane, so it is built per Envoy with Listener.
type Output struct {
	Routes   *route.RouteConfiguration
	Clusters []*cluster.Cluster // sorted by name
	// Lambda lists the Lambda proxy routes, by route name, for the ext_proc service.
	Lambda ir.Table
	domain string
	// usesKeyCheck is true when some method requires an API key, usesLimitsCheck when some MOCK without one has
	// limits: the listener then has the key check's, or the limits check's, ext_authz filter.
	usesKeyCheck    bool
	usesLimitsCheck bool
	// usesRateLimitService is true when some method without a key has limits: the listener then has the
	// rate-limit filter.
	usesRateLimitService bool
	// rateLimitFailClosed refuses requests whose limits cannot be decided.
	rateLimitFailClosed bool
	// RateLimited lists the routes with limits, by route name, for the limiter behind the key check and the
	// rate-limit service.
	RateLimited map[string]ir.Method
}

// Gateway translates the whole gateway. Anything the model asks for that Tollgate cannot serve is reported as a
// problem against the definition file, so an invalid change never reaches Envoy.
func Gateway(gw *tollgatev1.Gateway) (*Output, error) {
	t := &translator{gw: gw, domain: gw.GetDomain(), lambda: gw.GetLambda(), clusters: map[string]*cluster.Cluster{},
		lambdaRoutes: ir.Table{}, rateLimited: map[string]ir.Method{}}
	apis := append([]*tollgatev1.RestApi(nil), gw.GetApis()...)
	sort.Slice(apis, func(i, j int) bool { return apis[i].GetId() < apis[j].GetId() })

	var vhosts []*route.VirtualHost
	for _, api := range apis {
		resources := t.sortedResources(api)
		vh := &route.VirtualHost{Name: "api_" + api.GetId(), Domains: []string{api.GetId() + "." + t.domain}}
		for _, stage := range api.GetStages() {
			prefix := regexp.QuoteMeta("/" + stage.GetStageName())
			vh.Routes = append(vh.Routes, t.stageRoutes(stageContext{api: api, stage: stage}, resources, prefix)...)
		}
		vhosts = append(vhosts, vh)
	}
	vhosts = append(vhosts, &route.VirtualHost{Name: "invocation_paths", Domains: []string{"*"}})

	// Every virtual host ends with the path forms' rewrite routes, shared (marshalled once), and a 403 for
	// everything else. Where Lambda routes exist, ext_proc stays idle on the routes that do not ask for it.
	idle := t.idleFilters()
	pathForms := invocationPathRoutes(idle)
	for _, vh := range vhosts {
		vh.Routes = append(vh.Routes, pathForms...)
		vh.Routes = append(vh.Routes, missingTokenRoute(vh.GetName()+"_unmatched", prefixMatch("/")))
		if len(idle) > 0 {
			vh.TypedPerFilterConfig = idle
		}
	}

	if err := t.probs.Err(); err != nil {
		return nil, err
	}
	return &Output{Routes: routeConfiguration(vhosts), Clusters: t.sortedClusters(), Lambda: t.lambdaRoutes, domain: t.domain, usesKeyCheck: t.usesKeyCheck, usesLimitsCheck: t.usesLimitsCheck, usesRateLimitService: t.usesRateLimitService, rateLimitFailClosed: gw.GetRateLimitFailClosed(), RateLimited: t.rateLimited}, nil
}

// idleFilters are the per-filter settings that keep the filters some routes switch on idle on every other
// route: the routes of a virtual host inherit them.
func (t *translator) idleFilters() map[string]*anypb.Any {
	idle := map[string]*anypb.Any{}
	if len(t.lambdaRoutes) > 0 {
		idle[names.ExtProcFilter] = extProcIdle
	}
	if t.usesKeyCheck {
		idle[names.ExtAuthzFilter] = extAuthzIdle
	}
	if t.usesLimitsCheck {
		idle[names.LimitsCheckFilter] = extAuthzIdle
	}
	return idle
}

// translator carries what translation accumulates across APIs: problems, and clusters shared by every route to
// the same backend.
type translator struct {
	gw              *tollgatev1.Gateway
	domain          string
	lambda          *tollgatev1.LambdaSettings
	probs           diag.Problems
	clusters        map[string]*cluster.Cluster
	lambdaRoutes    ir.Table
	usesKeyCheck    bool
	usesLimitsCheck bool
	// usesRateLimitService: some method without a key has limits.
	usesRateLimitService bool
	rateLimited          map[string]ir.Method
}

type stageContext struct {
	api   *tollgatev1.RestApi
	stage *tollgatev1.Stage
}

type parsedResource struct {
	res *tollgatev1.Resource
	tpl pathtemplate.Template
	// shadows is true when a resource later in match order could match this one's paths; then a method this
	// resource lacks must answer 403 here instead of falling through to the later resource.
	shadows bool
}

func (t *translator) sortedResources(api *tollgatev1.RestApi) []parsedResource {
	var out []parsedResource
	for _, res := range api.GetResources() {
		tpl, err := pathtemplate.Parse(res.GetPath())
		if err != nil {
			t.probs.Addf(api.GetSourceFile(), diag.Pointer("paths", res.GetPath()), "%v", err)
			continue
		}
		out = append(out, parsedResource{res: res, tpl: tpl})
	}
	t.checkTree(api, out)
	sort.SliceStable(out, func(i, j int) bool { return pathtemplate.Less(out[i].tpl, out[j].tpl) })
	for i := range out {
		for _, later := range out[i+1:] {
			if pathtemplate.Overlaps(out[i].tpl, later.tpl) {
				out[i].shadows = true
				break
			}
		}
	}
	return out
}

// stageRoutes lists one stage's routes in match order under a path prefix pattern.
func (t *translator) stageRoutes(s stageContext, resources []parsedResource, prefixPattern string) []*route.Route {
	var routes []*route.Route
	for _, pr := range resources {
		regex := pr.tpl.RegexUnder(prefixPattern)
		hasAny := false
		for _, m := range orderedMethods(pr.res.GetMethods()) {
			if m.GetHttpMethod() == "ANY" {
				hasAny = true
			}
			if r := t.methodRoute(s, pr, m, regex); r != nil {
				routes = append(routes, r)
			}
		}
		if !hasAny && pr.shadows {
			routes = append(routes, missingTokenRoute(routeName(s, pr.res.GetPath(), "*"), regexMatch(regex)))
		}
	}
	return routes
}

// orderedMethods puts ANY last: it matches only the methods the resource does not define explicitly.
func orderedMethods(methods []*tollgatev1.Method) []*tollgatev1.Method {
	out := append([]*tollgatev1.Method(nil), methods...)
	sort.SliceStable(out, func(i, j int) bool {
		ai, aj := out[i].GetHttpMethod() == "ANY", out[j].GetHttpMethod() == "ANY"
		if ai != aj {
			return aj
		}
		return out[i].GetHttpMethod() < out[j].GetHttpMethod()
	})
	return out
}

func (t *translator) methodRoute(s stageContext, pr parsedResource, m *tollgatev1.Method, regex string) *route.Route {
	integ := m.GetIntegration()
	file := s.api.GetSourceFile()
	if integ == nil {
		t.probs.Addf(file, m.GetSourcePointer(), "method has no x-amazon-apigateway-integration")
		return nil
	}
	r := &route.Route{
		Name:     routeName(s, pr.res.GetPath(), m.GetHttpMethod()),
		Match:    methodMatch(regex, m.GetHttpMethod()),
		Metadata: routeMetadata(s, pr.res, m),
	}
	var ok bool
	switch integ.GetType() {
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY:
		ok = t.httpProxy(r, s, pr, m, regex)
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_MOCK:
		ok = t.mock(r, s, m)
	case tollgatev1.IntegrationType_INTEGRATION_TYPE_AWS_PROXY:
		ok = t.awsProxy(r, s, pr, m)
	default:
		t.probs.Addf(file, integ.GetSourcePointer()+"/type", "integration type %s is not supported yet (supported: HTTP_PROXY, AWS_PROXY, MOCK)", typeName(integ.GetType()))
	}
	if !ok {
		return nil
	}
	if m.GetApiKeyRequired() {
		if s.api.GetApiKeySource() == tollgatev1.ApiKeySource_API_KEY_SOURCE_AUTHORIZER {
			t.probs.Addf(file, "/x-amazon-apigateway-api-key-source", "API keys from a Lambda authorizer (AUTHORIZER) are not supported yet: use HEADER")
			return nil
		}
		requireAPIKey(r, s.api.GetId(), s.stage.GetStageName())
		t.usesKeyCheck = true
	}
	key := ir.Method{APIID: s.api.GetId(), Stage: s.stage.GetStageName(), Resource: pr.res.GetPath(), HTTPMethod: m.GetHttpMethod()}
	if t.rateLimitedMethod(s, key, m.GetApiKeyRequired()) {
		t.rateLimited[r.GetName()] = key
		switch action := r.GetRoute(); {
		case m.GetApiKeyRequired():
			// The key check decides the limits, in the same call.
		case action != nil:
			action.RateLimits = rateLimits(r.GetName())
			t.usesRateLimitService = true
		default:
			// A MOCK: Envoy answers it without a route action, so rate limits cannot apply, but the check
			// runs before the answer and decides its limits.
			limitInKeyCheck(r)
			t.usesLimitsCheck = true
		}
	}
	return r
}

func (t *translator) sortedClusters() []*cluster.Cluster {
	out := make([]*cluster.Cluster, 0, len(t.clusters))
	for _, c := range t.clusters {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetName() < out[j].GetName() })
	return out
}

// checkTree rejects what API Gateway's resource tree cannot hold: two resources that match the same requests
// (/pets/{id} and /pets/{petId}/), and sibling path parameters with different names (/pets/{id} beside
// /pets/{petId}/toys), which AWS refuses because a parameter is one node of the tree.
func (t *translator) checkTree(api *tollgatev1.RestApi, resources []parsedResource) {
	shapes := map[string]string{}
	params := map[string]string{} // parent shape -> "{name}" or "{name+}" of the parameter child
	for _, pr := range resources {
		at := diag.Pointer("paths", pr.res.GetPath())
		shape := pr.tpl.Shape()
		if other, dup := shapes[shape]; dup {
			t.probs.Addf(api.GetSourceFile(), at, "duplicate route: %s matches the same requests as %s", pr.res.GetPath(), other)
			continue
		}
		shapes[shape] = pr.res.GetPath()
		parent := ""
		for _, seg := range pr.tpl.Segments {
			if seg.Kind != pathtemplate.Static {
				name := "{" + seg.Text + "}"
				if seg.Kind == pathtemplate.Greedy {
					name = "{" + seg.Text + "+}"
				}
				if prev, ok := params[parent]; ok && prev != name {
					t.probs.Addf(api.GetSourceFile(), at, "path parameter %s conflicts with sibling %s under %q: a resource can have only one parameter child", name, prev, parent+"/")
					break
				}
				params[parent] = name
			}
			if seg.Kind == pathtemplate.Static {
				parent += "/" + seg.Text
			} else {
				parent += "/{}"
			}
		}
	}
}
