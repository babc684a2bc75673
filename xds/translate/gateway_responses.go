package translate

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	accesslog "github.com/envoyproxy/go-control-plane/envoy/config/accesslog/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// An API's customised gateway responses (x-amazon-apigateway-gateway-responses) are rendered by Envoy's local
// replies, whichever part of Tollgate refused the request: every refusal reaches the client as a local reply. A
// mapper per stage of the API and per gateway response type the customisation covers recognises the replies of
// that type on the API's routes (by the route's metadata) and rewrites their status, headers and body, with
// Envoy's formatters for what a template reads of the request. The ext services name the gateway response they
// answer with, and its message, in dynamic metadata; Envoy's own replies are recognised as the defaults are.

// customReplies are the mappers of every API's customised gateway responses, before the defaults.
func customReplies(snap *ir.Snapshot) []*hcm.ResponseMapper {
	var out []*hcm.ResponseMapper
	produced := gatewayresponse.Produced()
	types := slices.Sorted(maps.Keys(produced))
	httpAPITypes := append(slices.Clip(types), gatewayresponse.NotFound)
	for _, api := range snap.APIs {
		if api.HTTPAPI {
			out = append(out, httpAPIReplies(api.ID, httpAPITypes)...)
			continue
		}
		for _, stage := range slices.Sorted(maps.Keys(api.GatewayResponses)) {
			set := api.GatewayResponses[stage]
			scope := byCEL(fmt.Sprintf("%s['apiId'] == %q && %s['stage'] == %q", routeMetadataCEL, api.ID, routeMetadataCEL, stage))
			var m replyMappers
			for _, t := range types {
				c := set.For(t)
				if c == nil {
					continue
				}
				for _, src := range replySources(t) {
					m.add(src, customMapper(api.ID, stage, produced[t], c, scope, src, false))
				}
			}
			out = append(out, m.inOrder()...)
		}
	}
	return out
}

// httpAPIReplies give every reply on an HTTP API's routes the HTTP API's answer: its status and body whoever
// refused the request (a service names the type it answers with, a REST API's answer in its body), without
// x-amzn-ErrorType, with apigw-requestid. An HTTP API has no customisations: the answers are fixed.
func httpAPIReplies(apiID string, types []gatewayresponse.Type) []*hcm.ResponseMapper {
	var m replyMappers
	scope := byCEL(fmt.Sprintf("%s['apiId'] == %q", routeMetadataCEL, apiID))
	for _, t := range types {
		a := gatewayresponse.ForHTTPAPI(t)
		c := &gatewayresponse.Custom{Status: a.Status, ContentType: "application/json", Template: a.Body(), HasTemplate: true}
		for _, src := range replySources(t) {
			m.add(src, customMapper(apiID, "", a, c, scope, src, true))
		}
	}
	return m.inOrder()
}

// replyMappers gathers one scope's mappers: those that recognise Envoy's own replies go first, as the defaults'
// do, since what Envoy answered decides the type. A service may have named a type in metadata on the same
// request to no effect: a Lambda proxy's exchange reads Envoy's timeout reply as the Invoke call's answer.
type replyMappers struct{ envoys, services []*hcm.ResponseMapper }

func (m *replyMappers) add(src replySource, mapper *hcm.ResponseMapper) {
	if src.ownBody {
		m.envoys = append(m.envoys, mapper)
	} else {
		m.services = append(m.services, mapper)
	}
}

func (m *replyMappers) inOrder() []*hcm.ResponseMapper { return append(m.envoys, m.services...) }

// routeMetadataCEL is the route's metadata in a CEL condition.
var routeMetadataCEL = "xds.route_metadata.filter_metadata['" + names.RouteMetadataNamespace + "']"

// replySource is one way a gateway response of a type reaches a local reply, and where its message is then: in
// the ext service's dynamic metadata, or the type's own when Envoy answers.
type replySource struct {
	filter                                  *accesslog.AccessLogFilter
	message, messageString, validationError string // Envoy format strings
	// ownBody: the reply's body is the gateway response's default, written by Envoy's mapper; else the service's.
	ownBody bool
}

// replySources are the ways a type reaches a local reply.
func replySources(t gatewayresponse.Type) []replySource {
	var out []replySource
	for _, ns := range []string{names.ExtAuthzFilter, names.GatewayResponseNamespace} {
		out = append(out, replySource{
			filter:          byCEL(fmt.Sprintf("metadata.filter_metadata[%q][%q] == %q", ns, names.GatewayResponseType, t)),
			message:         "%DYNAMIC_METADATA(" + ns + ":" + names.GatewayResponseMessage + ")%",
			messageString:   "%DYNAMIC_METADATA(" + ns + ":" + names.GatewayResponseMessageString + ")%",
			validationError: "%DYNAMIC_METADATA(" + ns + ":" + names.GatewayResponseValidationError + ")%",
		})
	}
	d := gatewayresponse.Default(t)
	own := func(filter *accesslog.AccessLogFilter) replySource {
		return replySource{filter: filter, message: escapeFormatter(d.Message), messageString: escapeFormatter(gatewayresponse.MessageString(d)), ownBody: true}
	}
	for _, r := range envoyReplies {
		if r.t == t {
			out = append(out, own(r.filter))
		}
	}
	switch t {
	case gatewayresponse.MissingAuthenticationToken, gatewayresponse.APIConfigurationError, gatewayresponse.NotFound:
		// The direct responses of the routes that stand for these.
		out = append(out, own(byCEL(fmt.Sprintf("%s['%s'] == %q", routeMetadataCEL, gatewayResponseKey, t))))
	case gatewayresponse.Throttled, gatewayresponse.QuotaExceeded:
		// The rate-limit service's refusals, which say which with their error type.
		out = append(out, own(byCEL(fmt.Sprintf("response.code_details == 'request_rate_limited' && response.headers['x-amzn-errortype'] == %q", d.ErrorType))))
	}
	return out
}

// gatewayResponseKey is the route metadata naming the gateway response a route answers with itself.
const gatewayResponseKey = "gatewayResponse"

// customMapper rewrites the replies of one source of one type on one API stage's routes.
func customMapper(apiID, stage string, d gatewayresponse.Response, c *gatewayresponse.Custom, scope *accesslog.AccessLogFilter, src replySource, httpAPI bool) *hcm.ResponseMapper {
	m := &hcm.ResponseMapper{Filter: allOf(scope, src.filter), HeadersToAdd: requestIDHeaders(httpAPI)}
	switch {
	case c.Status != 0:
		m.StatusCode = wrapperspb.UInt32(c.Status)
	case src.ownBody:
		// Envoy's reply has Envoy's status (a 503 for an unreachable backend); a service's is already right (a
		// Lambda proxy's 502 is an API_CONFIGURATION_ERROR of its own status).
		m.StatusCode = wrapperspb.UInt32(d.Status)
	}
	if d.ErrorType != "" {
		m.HeadersToAdd = append(m.HeadersToAdd, setHeader("x-amzn-ErrorType", d.ErrorType))
	}
	vars := envoyVariables(apiID, stage, d, src)
	for _, h := range c.Headers {
		m.HeadersToAdd = append(m.HeadersToAdd, setHeader(h[0], headerFormat(h[1], vars)))
	}
	body, contentType := "%LOCAL_REPLY_BODY%", "application/json"
	if c.HasTemplate {
		body = gatewayresponse.Render(c.Template, vars, escapeFormatter)
		contentType = c.ContentType
	} else if src.ownBody {
		m.Body = &core.DataSource{Specifier: &core.DataSource_InlineString{InlineString: d.Body()}}
	}
	m.BodyFormatOverride = &core.SubstitutionFormatString{
		Format: &core.SubstitutionFormatString_TextFormatSource{TextFormatSource: &core.DataSource{
			Specifier: &core.DataSource_InlineString{InlineString: body},
		}},
		ContentType: contentType,
	}
	return m
}

// envoyVariables are a gateway response template's variables as Envoy formatters.
func envoyVariables(apiID, stage string, d gatewayresponse.Response, src replySource) func(string) (string, bool) {
	return func(name string) (string, bool) {
		switch name {
		case "context.error.message":
			return src.message, true
		case "context.error.messageString":
			return src.messageString, true
		case "context.error.responseType":
			return string(d.Type), true
		case "context.error.validationErrorString":
			return src.validationError, true
		case "context.requestId":
			return "%REQ(X-REQUEST-ID)%", true
		case "context.extendedRequestId":
			return fmt.Sprintf("%%REQ(X-REQUEST-ID):%d%%", gatewayresponse.ExtendedRequestIDLength), true
		case "context.apiId":
			return escapeFormatter(apiID), true
		case "context.stage":
			return escapeFormatter(stage), true
		case "context.httpMethod":
			return "%REQ(:METHOD)%", true
		case "context.resourcePath":
			return "%METADATA(ROUTE:" + names.RouteMetadataNamespace + ":resourcePath)%", true
		case "context.identity.sourceIp":
			return "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", true
		case "context.identity.userAgent":
			return "%REQ(USER-AGENT)%", true
		case "context.domainName":
			return "%REQ(:AUTHORITY)%", true
		}
		return "", false
	}
}

// headerFormat is a gateway response header's mapping expression as an Envoy header value.
func headerFormat(expr string, vars func(string) (string, bool)) string {
	switch {
	case len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'':
		return escapeFormatter(expr[1 : len(expr)-1])
	case strings.HasPrefix(expr, "method.request.header."):
		return "%REQ(" + strings.TrimPrefix(expr, "method.request.header.") + ")%"
	case strings.HasPrefix(expr, "method.request.querystring."):
		return "%QUERY_PARAM(" + strings.TrimPrefix(expr, "method.request.querystring.") + ")%"
	}
	v, _ := vars(expr)
	return v
}
