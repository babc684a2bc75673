package mapping

import (
	"encoding/base64"
	"testing"
)

// The rows of the developer guide's tables (Content type conversions in API Gateway), request and response.
func TestConversions(t *testing.T) {
	binaryTypes := []string{"image/png"}
	png, text := "\x89PNG\x00", `{"a":1}`
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	requests := []struct {
		name, body, contentType, handling string
		binaryTypes                       []string
		want                              string
	}{
		{"text, no binary types, none", text, "application/json", "", nil, text},
		{"text, no binary types, to binary", b64(text), "application/json", convertToBinary, nil, text},
		{"text, no binary types, to text", text, "application/json", convertToText, nil, text},
		{"text type, binary types, to binary", b64(text), "application/json", convertToBinary, binaryTypes, text},
		{"binary, none", png, "image/png", "", binaryTypes, png},
		{"binary, to binary", png, "image/png", convertToBinary, binaryTypes, png},
		{"binary, to text", png, "image/png", convertToText, binaryTypes, b64(png)},
	}
	for _, tt := range requests {
		got, err := convertRequest([]byte(tt.body), tt.contentType, tt.handling, tt.binaryTypes)
		if err != nil || string(got) != tt.want {
			t.Errorf("request %s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	responses := []struct {
		name, body, contentType, accept, handling string
		binaryTypes                               []string
		want                                      string
	}{
		{"no binary types, none", text, "application/json", "application/json", "", nil, text},
		{"no binary types, to binary", b64(png), "application/json", "application/json", convertToBinary, nil, png},
		{"text data, text accept, none", text, "application/json", "application/json", "", binaryTypes, text},
		{"text data, binary accept, none", b64(png), "application/json", "image/png", "", binaryTypes, png},
		{"text data, binary accept, to text", text, "application/json", "image/png", convertToText, binaryTypes, text},
		{"binary data, text accept, none", png, "image/png", "application/json", "", binaryTypes, b64(png)},
		{"binary data, text accept, to binary", png, "image/png", "application/json", convertToBinary, binaryTypes, png},
		{"binary data, binary accept, none", png, "image/png", "image/png, */*", "", binaryTypes, png},
		{"binary data, binary accept, to text", png, "image/png", "image/png", convertToText, binaryTypes, b64(png)},
		{"only the first Accept type counts", png, "image/png", "text/html, image/png", "", binaryTypes, b64(png)},
	}
	for _, tt := range responses {
		got, err := convertResponse([]byte(tt.body), tt.contentType, tt.accept, tt.handling, tt.binaryTypes)
		if err != nil || string(got) != tt.want {
			t.Errorf("response %s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if _, err := convertRequest([]byte("not base64!"), "text/plain", convertToBinary, nil); err == nil {
		t.Error("a text payload that is not base64 converted to binary")
	}
}
