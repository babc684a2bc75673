// Package routekey reads an HTTP API's route keys: a method (or ANY) and a path, "GET /pets", or "$default" for
// the route of the requests no other route takes.
package routekey

import "regexp"

// Default is the route key of an HTTP API's route for the requests no other route matches.
const Default = "$default"

// pattern is a route key other than Default.
var pattern = regexp.MustCompile(`^(ANY|GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (/[^ ]*)$`)

// Parse splits a route key other than Default into its method and path, and reports whether it is one.
func Parse(key string) (method, path string, ok bool) {
	m := pattern.FindStringSubmatch(key)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// MethodKey turns a route key ("GET /pets", "$default") into the method key ("/pets/GET", "$default/ANY") the
// model keys a stage's settings by, and reports whether it is a route key.
func MethodKey(key string) (string, bool) {
	if key == Default {
		return Default + "/ANY", true
	}
	method, path, ok := Parse(key)
	if !ok {
		return "", false
	}
	return path + "/" + method, true
}
