// Command status answers with the status code the request's ?code= names, as a numeric string ("201"), and no
// headers, so the gateway's default Content-Type applies.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Query map[string]string `json:"queryStringParameters"`
}

func handle(_ context.Context, e event) (map[string]any, error) {
	code := e.Query["code"]
	if code == "" {
		code = "200"
	}
	return map[string]any{"statusCode": code, "body": "status " + code}, nil
}

func main() { lambda.Start(handle) }
