// Command v2bare answers, as payload format 2.0 allows, with a bare JSON object and no statusCode: the gateway infers
// a 200 application/json response with the object as its body.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Version string `json:"version"`
}

func handle(_ context.Context, e event) (map[string]any, error) {
	return map[string]any{"greeting": "hello", "version": e.Version}, nil
}

func main() { lambda.Start(handle) }
