package mapping

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/tollgate-gw/tollgate/extproc/lambda/lambdaproxy"
)

// The payload conversions of API Gateway's developer guide (Content type conversions): a payload is binary when
// its content type is one of the API's binaryMediaTypes; contentHandling CONVERT_TO_TEXT base64-encodes a binary
// payload, CONVERT_TO_BINARY base64-decodes a text one. Without contentHandling a response follows the client's
// Accept (its first media type): binary data to a client that does not accept it binary is encoded, text data to
// one that does is decoded.
const (
	convertToText   = "CONVERT_TO_TEXT"
	convertToBinary = "CONVERT_TO_BINARY"
)

// convertRequest converts the client's request payload for the integration.
func convertRequest(body []byte, contentType, handling string, binaryMediaTypes []string) ([]byte, error) {
	binary := lambdaproxy.MatchesBinaryMediaType(contentType, binaryMediaTypes)
	switch {
	case handling == convertToBinary && !binary:
		return decode(body)
	case handling == convertToText && binary:
		return encode(body), nil
	}
	return body, nil
}

// convertResponse converts the integration's response payload for the client.
func convertResponse(body []byte, contentType, accept, handling string, binaryMediaTypes []string) ([]byte, error) {
	if len(binaryMediaTypes) == 0 {
		if handling == convertToBinary {
			return decode(body)
		}
		return body, nil
	}
	first, _, _ := strings.Cut(accept, ",")
	binaryAccept := lambdaproxy.MatchesBinaryMediaType(first, binaryMediaTypes)
	if !lambdaproxy.MatchesBinaryMediaType(contentType, binaryMediaTypes) {
		if handling == convertToBinary || (handling == "" && binaryAccept) {
			return decode(body)
		}
		return body, nil
	}
	if handling == convertToText || (handling == "" && !binaryAccept) {
		return encode(body), nil
	}
	return body, nil
}

func encode(b []byte) []byte { return []byte(base64.StdEncoding.EncodeToString(b)) }

func decode(b []byte) ([]byte, error) {
	out, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("the payload is not base64 for CONVERT_TO_BINARY: %v", err)
	}
	return out, nil
}
