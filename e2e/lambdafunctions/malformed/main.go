// Command malformed answers with an object that is not a Lambda proxy response (a key API Gateway does not know).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(context.Context, json.RawMessage) (map[string]any, error) {
	return map[string]any{"foo": "bar"}, nil
}

func main() { lambda.Start(handle) }
