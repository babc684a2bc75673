package translate

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	typev3 "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

func routeConfiguration(name string, vhosts []*route.VirtualHost) *route.RouteConfiguration {
	return &route.RouteConfiguration{
		Name:         name,
		VirtualHosts: vhosts,
		// Hosts are matched without their port ({apiId}.{domain}:8080 is the API's host), and the Host header
		// keeps it: a SigV4 signature covers the host as the client sent it.
		IgnorePortInHostMatching: true,
	}
}

// requestIDHeaders add API Gateway's request id headers to a response. Each virtual host adds its API's to every
// response of a route that forwards (every answer, the backend's and the gateway's own, carries the request id as
// AWS does); the listener's local replies add them too, since a reply a filter makes on a route Envoy answers
// itself (a MOCK) gets none of the virtual host's headers. An HTTP API's is apigw-requestid.
func requestIDHeaders(httpAPI bool) []*core.HeaderValueOption {
	if httpAPI {
		return []*core.HeaderValueOption{setHeader(gatewayresponse.RequestIDHeaderV2, "%REQ(X-REQUEST-ID)%")}
	}
	return []*core.HeaderValueOption{
		setHeader(gatewayresponse.RequestIDHeader, "%REQ(X-REQUEST-ID)%"),
		// Envoy's formatter truncates to the length after the colon: gatewayresponse.ExtendedRequestID.
		setHeader(gatewayresponse.ExtendedRequestIDHeader, "%REQ(X-REQUEST-ID):"+strconv.Itoa(gatewayresponse.ExtendedRequestIDLength)+"%"),
	}
}

// answer is the gateway response of type t as the API gives it.
func answer(api *ir.API, t gatewayresponse.Type) gatewayresponse.Response {
	if api != nil && api.HTTPAPI {
		return gatewayresponse.ForHTTPAPI(t)
	}
	return gatewayresponse.Default(t)
}

func prefixMatch(prefix string) *route.RouteMatch {
	return &route.RouteMatch{PathSpecifier: &route.RouteMatch_Prefix{Prefix: prefix}}
}

func regexMatch(regex string) *route.RouteMatch {
	return &route.RouteMatch{PathSpecifier: &route.RouteMatch_SafeRegex{SafeRegex: &matcher.RegexMatcher{Regex: regex}}}
}

// methodMatch matches the path regex and, unless the method is ANY, the HTTP method.
func methodMatch(regex, method string) *route.RouteMatch {
	m := regexMatch(regex)
	if method != "ANY" {
		m.Headers = []*route.HeaderMatcher{{
			Name: ":method",
			HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{StringMatch: &matcher.StringMatcher{
				MatchPattern: &matcher.StringMatcher_Exact{Exact: method},
			}},
		}}
	}
	return m
}

// routeMetadata addresses the method from a route, for filters that read it.
func routeMetadata(r *ir.Route) *core.Metadata {
	fields := map[string]*structpb.Value{
		names.RouteMetadataAPIID: structpb.NewStringValue(r.APIID),
		names.RouteMetadataStage: structpb.NewStringValue(r.Stage),
		"resourcePath":           structpb.NewStringValue(r.Resource),
		"httpMethod":             structpb.NewStringValue(r.HTTPMethod),
	}
	if r.OperationID != "" {
		fields["operationId"] = structpb.NewStringValue(r.OperationID)
	}
	if r.Canary != nil {
		fields[names.RouteMetadataIsCanaryRequest] = structpb.NewStringValue(strconv.FormatBool(r.Canary.Release))
	}
	return &core.Metadata{FilterMetadata: map[string]*structpb.Struct{names.RouteMetadataNamespace: {Fields: fields}}}
}

// gatewayResponseMetadata adds to a route's metadata the gateway response the route answers with itself, for the
// API's customisation of it (customReplies).
func gatewayResponseMetadata(m *core.Metadata, t gatewayresponse.Type) *core.Metadata {
	m.GetFilterMetadata()[names.RouteMetadataNamespace].GetFields()[gatewayResponseKey] = structpb.NewStringValue(string(t))
	return m
}

// unmatchedType is the gateway response for a request no route of the API takes: a REST API's 403 Missing
// Authentication Token, an HTTP API's 404.
func unmatchedType(api *ir.API) gatewayresponse.Type {
	if api != nil && api.HTTPAPI {
		return gatewayresponse.NotFound
	}
	return gatewayresponse.MissingAuthenticationToken
}

func setGatewayResponse(r *route.Route, resp gatewayresponse.Response) {
	setDirectResponse(r, resp.Status, resp.Body(), resp.Headers())
}

// setDirectResponse makes Envoy answer by itself with a fixed status, body and headers.
func setDirectResponse(r *route.Route, status uint32, body string, headers map[string]string) {
	action := &route.DirectResponseAction{Status: status}
	if body != "" {
		action.Body = &core.DataSource{Specifier: &core.DataSource_InlineString{InlineString: body}}
	}
	r.Action = &route.Route_DirectResponse{DirectResponse: action}
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		// Literal values: a '%' would otherwise start an Envoy formatter command.
		r.ResponseHeadersToAdd = append(r.ResponseHeadersToAdd, setHeader(name, escapeFormatter(headers[name])))
	}
}

func setHeader(name, value string) *core.HeaderValueOption {
	return &core.HeaderValueOption{
		Header:       &core.HeaderValue{Key: name, Value: value},
		AppendAction: core.HeaderValueOption_OVERWRITE_IF_EXISTS_OR_ADD,
	}
}

func escapeFormatter(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// canaryRelease makes a canary's route take its share of the stage's requests. Envoy draws one random value per
// request and tests every route's fraction against it, so a request either meets all the canary's routes (its
// 403s too) or none: the base release's routes after them take the rest.
func canaryRelease(out *route.Route, r *ir.Route) {
	if r.Canary == nil || !r.Canary.Release {
		return
	}
	out.Match.RuntimeFraction = &core.RuntimeFractionalPercent{DefaultValue: &typev3.FractionalPercent{
		// percentTraffic has at most four decimals' worth of meaning here: millionths of the requests.
		Numerator:   uint32(math.Round(r.Canary.PercentTraffic * 1e4)),
		Denominator: typev3.FractionalPercent_MILLION,
	}}
}

// testInvocation makes a test invocation's route take only the requests with its token; the token goes no
// further than Envoy.
func testInvocation(out *route.Route, r *ir.Route) {
	if r.TestInvokeToken == "" {
		return
	}
	out.Match.Headers = append(out.Match.Headers, &route.HeaderMatcher{Name: names.TestInvokeHeader,
		HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{StringMatch: &matcher.StringMatcher{
			MatchPattern: &matcher.StringMatcher_Exact{Exact: r.TestInvokeToken},
		}}})
	out.RequestHeadersToRemove = append(out.RequestHeadersToRemove, names.TestInvokeHeader)
}
