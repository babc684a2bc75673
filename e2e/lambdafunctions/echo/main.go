// Command echo is a Lambda proxy function that answers with the event it received, as the body of a 1.0 response
// carrying a single-value header and a multi-value one.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, event json.RawMessage) (map[string]any, error) {
	return map[string]any{
		"statusCode":        200,
		"headers":           map[string]string{"content-type": "application/json", "x-echo": "yes"},
		"multiValueHeaders": map[string][]string{"set-cookie": {"a=1", "b=2"}},
		"body":              string(event),
	}, nil
}

func main() { lambda.Start(handle) }
