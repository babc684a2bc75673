package lambdaproxy

import (
	"bytes"
	"encoding/json"
)

// CustomError reads the answer of a Lambda custom (non-proxy) integration, whose output is passed on as it is
// rather than decoded: whether the function failed (X-Amz-Function-Error, or an output that is Lambda's error
// document, which is all the Runtime Interface Emulator gives), and its errorMessage, which the integration
// responses' selection patterns match.
func CustomError(inv Invocation) (message string, failed bool) {
	payload := bytes.TrimSpace(inv.Payload)
	isObject := json.Valid(payload) && kind(payload) == '{'
	if inv.Header.Get("X-Amz-Function-Error") == "" {
		if !isObject {
			return "", false
		}
		if o := parseOutput(payload); !o.isErrorDocument() {
			return "", false
		}
	}
	var doc struct {
		ErrorMessage json.RawMessage `json:"errorMessage"`
	}
	if isObject && json.Unmarshal(payload, &doc) == nil {
		// A message that is not a string (some runtimes) is matched as its JSON text.
		if err := json.Unmarshal(doc.ErrorMessage, &message); err != nil {
			message = string(doc.ErrorMessage)
		}
	}
	return message, true
}
