// Command simpleauth is an HTTP API Lambda authorizer with simple responses (payload format 2.0). Its first
// identity source's value says what to answer:
//
//	allow:NAME  {"isAuthorized": true}, the context's user NAME
//	deny        {"isAuthorized": false}
//	malformed   an answer without isAuthorized
//	anything else: fail (a configuration error)
//
// The context carries user and routeArn, so that the test sees through the integration what the event was.
package main

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Version        string   `json:"version"`
	RouteArn       string   `json:"routeArn"`
	IdentitySource []string `json:"identitySource"`
}

func handle(_ context.Context, e event) (map[string]any, error) {
	if len(e.IdentitySource) == 0 {
		return map[string]any{"isAuthorized": false}, nil // the warm-up's {}
	}
	verb, name, _ := strings.Cut(e.IdentitySource[0], ":")
	switch verb {
	case "allow":
		return map[string]any{"isAuthorized": true, "context": map[string]any{"user": name, "routeArn": e.RouteArn, "version": e.Version}}, nil
	case "deny":
		return map[string]any{"isAuthorized": false}, nil
	case "malformed":
		return map[string]any{"context": map[string]any{}}, nil
	}
	return nil, errors.New("boom")
}

func main() { lambda.Start(handle) }
