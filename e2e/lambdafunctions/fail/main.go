// Command fail always fails: Lambda reports a function error.
package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(context.Context, json.RawMessage) (map[string]any, error) {
	return nil, errors.New("boom")
}

func main() { lambda.Start(handle) }
