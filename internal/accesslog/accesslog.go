// Package accesslog reads a stage's access log format (accessLogSettings.format): text with API Gateway's
// $context variables, each of which Envoy writes itself with one of its command operators, so that a log line
// costs no call to Tollgate. It knows the variables Tollgate logs; any other is a problem naming it.
package accesslog

import (
	"fmt"
	"strings"

	"github.com/tollgate-gw/tollgate/internal/names"
)

// Part is a piece of a format: literal text, or a variable's Envoy command operator.
type Part struct {
	Text     string `json:"text,omitempty"`
	Variable string `json:"variable,omitempty"` // the $context variable, without "$context."
}

// authzField is the value the checks filed under ext_authz's name (the key check's, an authorizer's).
func authzField(path ...string) string {
	return "%DYNAMIC_METADATA(" + names.ExtAuthzFilter + ":" + strings.Join(path, ":") + ")%"
}

func routeField(key string) string {
	return "%METADATA(ROUTE:" + names.RouteMetadataNamespace + ":" + key + ")%"
}

// operators are the variables Tollgate logs, and how Envoy writes each (a value it lacks is "-", as API Gateway
// writes a missing one).
var operators = map[string]string{
	"requestId":           "%REQ(" + names.EnvoyRequestIDHeader + ")%",
	"extendedRequestId":   "%REQ(" + names.EnvoyRequestIDHeader + "):16%",
	"requestTime":         "%START_TIME(%d/%b/%Y:%H:%M:%S %z)%",
	"requestTimeEpoch":    "%START_TIME(%s%3f)%",
	"httpMethod":          "%REQ(:METHOD)%",
	"path":                "%REQ_WITHOUT_QUERY(:PATH)%",
	"protocol":            "%PROTOCOL%",
	"status":              "%RESPONSE_CODE%",
	"responseLength":      "%BYTES_SENT%",
	"responseLatency":     "%DURATION%",
	"integrationLatency":  "%COMMON_DURATION(US_TX_BEG:US_RX_END:ms)%",
	"integration.latency": "%COMMON_DURATION(US_TX_BEG:US_RX_END:ms)%",
	"domainName":          "%REQ(:AUTHORITY)%",
	"apiId":               routeField(names.RouteMetadataAPIID),
	"stage":               routeField(names.RouteMetadataStage),
	"resourcePath":        routeField("resourcePath"),
	"isCanaryRequest":     routeField(names.RouteMetadataIsCanaryRequest),
	"identity.sourceIp":   "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%",
	"identity.userAgent":  "%REQ(USER-AGENT)%",
	"identity.apiKeyId":   authzField(names.APIKeyIDField),
	"identity.accessKey":  authzField(names.IdentityField, "accessKey"),
	"identity.accountId":  authzField(names.IdentityField, "accountId"),
	"identity.caller":     authzField(names.IdentityField, "caller"),
	"identity.user":       authzField(names.IdentityField, "user"),
	"identity.userArn":    authzField(names.IdentityField, "userArn"),
}

// The variables of the gateway response a request was answered with ("-" for an answer of the integration's).
// Which of Envoy's replies and Tollgate's refusals stands for which type is the translator's knowledge, so their
// operators are the translator's too (EnvoyFormat's errorOperator).
const (
	ErrorMessage       = "error.message"
	ErrorMessageString = "error.messageString"
	ErrorResponseType  = "error.responseType"
)

// IsError tells whether a variable is one of the gateway response's.
func IsError(name string) bool {
	return name == ErrorMessage || name == ErrorMessageString || name == ErrorResponseType
}

// refused are the variables Tollgate will not log, and why.
var refused = map[string]string{
	"identity.apiKey": "it is the API key's value, a secret (log $context.identity.apiKeyId)",
}

// Parse reads a format into its parts; every variable it names must be one Tollgate logs.
func Parse(format string) ([]Part, error) {
	var parts []Part
	var unknown []string
	text := func(s string) {
		if s != "" {
			parts = append(parts, Part{Text: s})
		}
	}
	for {
		i := strings.Index(format, "$context.")
		if i < 0 {
			text(format)
			break
		}
		text(format[:i])
		rest := format[i+len("$context."):]
		n := 0
		for n < len(rest) && isNameByte(rest[n]) {
			n++
		}
		name := strings.TrimRight(rest[:n], ".") // a sentence's full stop after a variable
		format = rest[len(name):]
		if reason, ok := refused[name]; ok {
			return nil, fmt.Errorf("$context.%s cannot be logged: %s", name, reason)
		}
		if _, ok := Operator(name); !ok && !IsError(name) {
			unknown = append(unknown, "$context."+name)
			continue
		}
		parts = append(parts, Part{Variable: name})
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("%s: not a $context variable Tollgate logs (see the README's access log variables)", strings.Join(unknown, ", "))
	}
	return parts, nil
}

func isNameByte(c byte) bool {
	return c == '.' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// Operator is the Envoy command operator writing a variable: one of the table's, or a value an authorizer
// returned (authorizer.X, authorizer.claims.X).
func Operator(name string) (string, bool) {
	if op, ok := operators[name]; ok {
		return op, true
	}
	if key, ok := strings.CutPrefix(name, "authorizer."); ok && key != "" && !strings.HasSuffix(key, ".") {
		return authzField(append([]string{names.AuthorizerField}, strings.Split(key, ".")...)...), true
	}
	return "", false
}

// EnvoyFormat is the format as Envoy's text formatter reads it, one line per request; errorOperator writes the
// gateway response's variables.
func EnvoyFormat(parts []Part, errorOperator func(variable string) string) string {
	var b strings.Builder
	for _, p := range parts {
		if IsError(p.Variable) {
			b.WriteString(errorOperator(p.Variable))
		} else if p.Variable != "" {
			op, _ := Operator(p.Variable)
			b.WriteString(op)
		} else {
			b.WriteString(strings.ReplaceAll(p.Text, "%", "%%"))
		}
	}
	return strings.ReplaceAll(b.String(), "\n", " ") + "\n"
}
