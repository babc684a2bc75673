// Command slow sleeps for the request's ?ms= milliseconds, then answers 200.
package main

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Query map[string]string `json:"queryStringParameters"`
}

func handle(_ context.Context, e event) (map[string]any, error) {
	ms, _ := strconv.Atoi(e.Query["ms"])
	time.Sleep(time.Duration(ms) * time.Millisecond)
	return map[string]any{"statusCode": 200, "body": "slept " + strconv.Itoa(ms) + "ms"}, nil
}

func main() { lambda.Start(handle) }
