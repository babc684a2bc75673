package translate

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	accesslog "github.com/envoyproxy/go-control-plane/envoy/config/accesslog/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	celfilter "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/filters/cel/v3"
	celformatter "github.com/envoyproxy/go-control-plane/envoy/extensions/formatter/cel/v3"

	accessformat "github.com/tollgate-gw/tollgate/internal/accesslog"
	"github.com/tollgate-gw/tollgate/internal/gatewayresponse"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// A stage access log's $context.error.* variables are the gateway response the request was answered with, as the
// local replies render it (listener.go, gateway_responses.go): each variable is a CEL expression of Envoy's
// (its CEL formatter) that tries the same sources in the same order, Envoy's own replies first (told by their
// response flags, codes and code details), then a route that answers with a gateway response itself, the
// rate-limit service's refusals, and the type and message a service filed with its refusal. A request no source
// takes, an integration's answer, logs "-" for each, as AWS does for a variable without a value.
//
// Envoy's CEL has no bitwise operators, a lookup of a key that is not there is an error and an error makes the
// whole variable "-": so response flags are tested by division, and every lookup is guarded by "in".

// errorSource is one way a gateway response reaches a request, as CEL expressions: when it applies, its type, its
// message and the message as a JSON string. Every condition evaluates without error for any request (an error
// would make the whole variable "-").
type errorSource struct{ when, responseType, message, messageString string }

// errorOperator writes the gateway response's variables of an API's access log (an HTTP API's messages are its
// own).
func errorOperator(httpAPI bool) func(variable string) string {
	sources := errorSources(httpAPI)
	return func(variable string) string {
		pick := func(s errorSource) string {
			switch variable {
			case accessformat.ErrorMessage:
				return s.message
			case accessformat.ErrorMessageString:
				return s.messageString
			}
			return s.responseType
		}
		expr := absent
		for _, s := range slices.Backward(sources) {
			expr = fmt.Sprintf("(%s) ? (%s) : %s", s.when, pick(s), expr)
		}
		return "%CEL(" + expr + ")%"
	}
}

func errorSources(httpAPI bool) []errorSource {
	answer := gatewayresponse.Default
	if httpAPI {
		answer = gatewayresponse.ForHTTPAPI
	}
	fixed := func(when string, t gatewayresponse.Type) errorSource {
		r := answer(t)
		return errorSource{when: when, responseType: celString(string(t)), message: messageOf(r), messageString: celString(gatewayresponse.MessageString(r))}
	}
	var out []errorSource
	for _, r := range envoyReplies {
		out = append(out, fixed(celOf(r.filter), r.t))
	}
	route := "xds.route_metadata.filter_metadata['" + names.RouteMetadataNamespace + "']"
	for _, t := range routeAnswered {
		out = append(out, fixed(fmt.Sprintf("'%s' in %s && %s['%s'] == %s", gatewayResponseKey, route, route, gatewayResponseKey, celString(string(t))), t))
	}
	for _, t := range []gatewayresponse.Type{gatewayresponse.Throttled, gatewayresponse.QuotaExceeded} {
		out = append(out, fixed(fmt.Sprintf("response.code_details == 'request_rate_limited' && 'x-amzn-errortype' in response.headers && response.headers['x-amzn-errortype'] == %s",
			celString(answer(t).ErrorType)), t))
	}
	// The services' refusals: the type and message they filed (gatewayresponse.Metadata, always all three). An HTTP
	// API answers with its own message whatever a service filed, so its message is the type's.
	produced := slices.Sorted(maps.Keys(gatewayresponse.Produced()))
	byType := func(field func(gatewayresponse.Response) string, typeExpr string) string {
		entries := make([]string, 0, len(produced))
		for _, t := range produced {
			entries = append(entries, celString(string(t))+": "+field(answer(t)))
		}
		table := "{" + strings.Join(entries, ", ") + "}"
		return fmt.Sprintf("(%s in %s) ? %s[%s] : %s", typeExpr, table, table, typeExpr, absent)
	}
	for _, ns := range []string{names.ExtAuthzFilter, names.GatewayResponseNamespace} {
		md := "metadata.filter_metadata['" + ns + "']"
		field := func(name string) string { return md + "['" + name + "']" }
		s := errorSource{when: fmt.Sprintf("'%s' in metadata.filter_metadata && '%s' in %s", ns, names.GatewayResponseType, md),
			responseType: field(names.GatewayResponseType), message: field(names.GatewayResponseMessage),
			messageString: field(names.GatewayResponseMessageString)}
		if httpAPI {
			s.message = byType(func(r gatewayresponse.Response) string { return messageOf(r) }, s.responseType)
			s.messageString = byType(func(r gatewayresponse.Response) string { return celString(gatewayresponse.MessageString(r)) }, s.responseType)
		}
		out = append(out, s)
	}
	return out
}

// absent is what a variable without a value logs, as AWS writes it (Envoy writes a CEL null as NULL).
const absent = `"-"`

// messageOf is a response's message as CEL: absent for a response whose message is null.
func messageOf(r gatewayresponse.Response) string {
	if r.NullMessage {
		return absent
	}
	return celString(r.Message)
}

// routeAnswered are the gateway responses routes answer with themselves (direct responses).
var routeAnswered = []gatewayresponse.Type{gatewayresponse.MissingAuthenticationToken, gatewayresponse.APIConfigurationError, gatewayresponse.NotFound}

// celString is s as a CEL string literal (CEL's escapes are Go's).
func celString(s string) string { return strconv.Quote(s) }

// responseFlagBits are Envoy's response flags as bits of CEL's response.flags (Envoy's StreamInfo response flag
// values), for the flags the local replies tell apart.
var responseFlagBits = map[string]int{
	"UH": 0x2, "UT": 0x4, "UR": 0x10, "UF": 0x20, "UC": 0x40, "UO": 0x80, "RLSE": 0x2000, "URX": 0x8000, "DF": 0x4000000,
}

// celOf is a local reply's filter as a CEL condition: the filters the local replies use (response flags, a status
// code, CEL, all of several).
func celOf(f *accesslog.AccessLogFilter) string {
	switch f := f.GetFilterSpecifier().(type) {
	case *accesslog.AccessLogFilter_ResponseFlagFilter:
		var set []string
		for _, flag := range f.ResponseFlagFilter.GetFlags() {
			bit, ok := responseFlagBits[flag]
			if !ok {
				panic("translate: no bit known for the response flag " + flag)
			}
			// CEL has no bitwise operators: the bit is set when the flags' quotient by it is odd.
			set = append(set, fmt.Sprintf("response.flags / %d - response.flags / %d * 2 == 1", bit, 2*bit))
		}
		return "(" + strings.Join(set, ") || (") + ")"
	case *accesslog.AccessLogFilter_StatusCodeFilter:
		c := f.StatusCodeFilter.GetComparison()
		if c.GetOp() != accesslog.ComparisonFilter_EQ {
			panic("translate: a status filter other than EQ")
		}
		return fmt.Sprintf("response.code == %d", c.GetValue().GetDefaultValue())
	case *accesslog.AccessLogFilter_ExtensionFilter:
		var e celfilter.ExpressionFilter
		if err := f.ExtensionFilter.GetTypedConfig().UnmarshalTo(&e); err != nil {
			panic(err)
		}
		return e.GetExpression()
	case *accesslog.AccessLogFilter_AndFilter:
		var all []string
		for _, sub := range f.AndFilter.GetFilters() {
			all = append(all, celOf(sub))
		}
		return "(" + strings.Join(all, ") && (") + ")"
	}
	panic(fmt.Sprintf("translate: no CEL for the filter %T", f.GetFilterSpecifier()))
}

// celFormatter is Envoy's CEL formatter, for a format that uses %CEL(...)%.
func celFormatter() *core.TypedExtensionConfig {
	return &core.TypedExtensionConfig{Name: "envoy.formatter.cel", TypedConfig: mustAny(&celformatter.Cel{})}
}
