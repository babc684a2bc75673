// Command authorizer is a Lambda authorizer for TOKEN and REQUEST events alike. The identity (the token, or the
// X-User header of a REQUEST event) says what to answer:
//
//	allow:NAME     Allow every method of the stage, principalId NAME
//	metered:KEY    Allow as allow does, with KEY as the usageIdentifierKey
//	get-only:NAME  Allow the stage's GET methods only
//	deny:NAME      an explicit Deny of every method of the stage
//	unauthorized   fail with "Unauthorized" (API Gateway's 401)
//	fail           fail with another message (a configuration error)
//	malformed      answer without a policy document
//	nested         answer a context value that is an object (API Gateway refuses it)
//
// The context carries tier, count and vip of three types, and event: the event received, as JSON, so that the
// test sees it through the integration.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Type      string            `json:"type"`
	Token     string            `json:"authorizationToken"`
	MethodArn string            `json:"methodArn"`
	Headers   map[string]string `json:"headers"`
}

func handle(_ context.Context, raw json.RawMessage) (map[string]any, error) {
	var e event
	if err := json.Unmarshal(raw, &e); err != nil {
		return nil, err
	}
	identity := e.Token
	if e.Type == "REQUEST" {
		identity = e.Headers["X-User"]
	}
	verb, name, _ := strings.Cut(identity, ":")
	// arn:aws:execute-api:region:account:api/stage/VERB/path: the stage's methods are api/stage/*.
	parts := strings.SplitN(e.MethodArn, "/", 3)
	stage := strings.Join(parts[:min(2, len(parts))], "/")
	statement := func(effect, resource string) map[string]any {
		return map[string]any{"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}
	}
	answer := map[string]any{
		"principalId": name,
		"context":     map[string]any{"tier": "gold", "count": 3, "vip": true, "event": string(raw)},
	}
	switch verb {
	case "allow":
		answer["policyDocument"] = map[string]any{"Version": "2012-10-17", "Statement": []any{statement("Allow", stage+"/*")}}
	case "metered":
		answer["policyDocument"] = map[string]any{"Version": "2012-10-17", "Statement": []any{statement("Allow", stage+"/*")}}
		answer["usageIdentifierKey"] = name
	case "get-only":
		answer["policyDocument"] = map[string]any{"Version": "2012-10-17", "Statement": []any{statement("Allow", stage+"/GET/*")}}
	case "deny":
		answer["policyDocument"] = map[string]any{"Version": "2012-10-17", "Statement": []any{statement("Deny", stage+"/*")}}
	case "unauthorized":
		return nil, errors.New("Unauthorized")
	case "malformed":
	case "nested":
		answer["policyDocument"] = map[string]any{"Version": "2012-10-17", "Statement": []any{statement("Allow", "*")}}
		answer["context"] = map[string]any{"user": map[string]any{"name": name}}
	default:
		return nil, errors.New("boom")
	}
	return answer, nil
}

func main() { lambda.Start(handle) }
