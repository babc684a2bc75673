// Package ir is what the translator tells Tollgate's ext services about the routes that need them: Envoy
// names the route (in the ext_proc stream's metadata), the service looks it up here. Both sides read this one
// table, built from the same model in the same translation, so they cannot disagree.
package ir

import (
	"regexp"
	"strings"
)

// Lambda is a route whose integration is a Lambda proxy (AWS_PROXY).
type Lambda struct {
	APIID            string
	Stage            string
	Resource         string // the resource path template, e.g. /pets/{petId}
	HTTPMethod       string // the method as defined: GET, ..., ANY
	AccountID        string // the function's account, reported as the API's
	StageVariables   map[string]string
	BinaryMediaTypes []string
	Domain           string // invocation hosts are {apiId}.{domain}
	// PayloadFormatVersion is "1.0" (REST APIs' event) or "2.0".
	PayloadFormatVersion string
	// InvokePath is the path and query of the Invoke API call, e.g. /2015-03-31/functions/echo/invocations.
	InvokePath string
	// pathParams matches the request path after the stage, capturing the path parameters in order.
	pathParams *regexp.Regexp
	paramNames []string
}

// Table maps route names to their Lambda routes.
type Table map[string]*Lambda

// SetPathPattern records how to read path parameters: regex is the resource's pattern (one capture per
// parameter, in path order) for paths without the stage prefix.
func (l *Lambda) SetPathPattern(regex string, names []string) error {
	re, err := regexp.Compile(regex)
	if err != nil {
		return err
	}
	l.pathParams, l.paramNames = re, names
	return nil
}

// PathParameters extracts the path parameters from a request path that starts with /{stage}. Values stay as
// the client sent them (not URL-decoded), as API Gateway passes them.
func (l *Lambda) PathParameters(path string) (map[string]string, bool) {
	rest, ok := strings.CutPrefix(path, "/"+l.Stage)
	if !ok || l.pathParams == nil {
		return nil, false
	}
	m := l.pathParams.FindStringSubmatch(rest)
	if m == nil {
		return nil, false
	}
	params := make(map[string]string, len(l.paramNames))
	for i, name := range l.paramNames {
		params[name] = m[i+1]
	}
	return params, true
}

// Method identifies a route's method for the services that need no more than that (the rate-limit service).
type Method struct {
	APIID, Stage string
	Resource     string // resource path template
	HTTPMethod   string // as defined: GET, ..., ANY
}

// MethodKey is API Gateway's name of the method in stage and usage plan settings: "/pets/GET".
func (m Method) MethodKey() string { return m.Resource + "/" + m.HTTPMethod }
