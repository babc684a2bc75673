// Command binary answers with a small binary body, base64-encoded with isBase64Encoded true. The bytes are the
// e2e tests' pngBytes.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

const png = "\x89PNG\r\n\x1a\n\x00\x01\x02\xfe\xff"

func handle(context.Context, json.RawMessage) (map[string]any, error) {
	return map[string]any{
		"statusCode":      200,
		"headers":         map[string]string{"content-type": "image/png"},
		"body":            base64.StdEncoding.EncodeToString([]byte(png)),
		"isBase64Encoded": true,
	}, nil
}

func main() { lambda.Start(handle) }
