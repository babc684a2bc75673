package lambdaauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/tollgate-gw/tollgate/internal/policy"
)

// Output is a valid authorizer answer.
type Output struct {
	// PrincipalID identifies the caller ($context.authorizer.principalId).
	PrincipalID string
	// Policy decides which methods the caller may invoke; API Gateway evaluates it for every method, cached or not.
	Policy *policy.Document
	// Context are the values the function passes on ($context.authorizer.key), as the integration receives them:
	// strings, numbers and booleans written as text.
	Context map[string]string
	// UsageIdentifierKey is the API key the caller is metered by when the API's key source is AUTHORIZER.
	UsageIdentifierKey string
	// Simple: the answer was an HTTP API's simple response, and Authorized decides instead of a policy.
	Simple, Authorized bool
}

// Refusal is a function answer that is not an Output: the caller is Unauthorized (the function failed with
// exactly that message), or the function is misconfigured (any other failure, or an answer API Gateway cannot
// read), which API Gateway answers with AuthorizerConfigurationException.
type Refusal struct {
	Unauthorized bool
	// Reason says what was wrong, for Tollgate's log; callers never see it.
	Reason string
}

func (r *Refusal) Error() string { return r.Reason }

func misconfigured(format string, args ...any) *Refusal {
	return &Refusal{Reason: fmt.Sprintf(format, args...)}
}

// Parse reads the Invoke API's answer to an authorizer invocation: its HTTP status, its X-Amz-Function-Error
// header and its payload. A non-nil error is always a *Refusal.
func Parse(status int, functionError string, payload []byte) (*Output, error) {
	members, err := readAnswer(status, functionError, payload, "policyDocument")
	if err != nil {
		return nil, err
	}
	out := &Output{}
	if err := decodeString(members["principalId"], &out.PrincipalID); err != nil || out.PrincipalID == "" {
		return nil, misconfigured("principalId must be a non-empty string")
	}
	raw, ok := members["policyDocument"]
	if !ok || bytes.Equal(raw, []byte("null")) {
		return nil, misconfigured("the answer has no policyDocument")
	}
	doc, err := policy.Parse(raw)
	if err != nil {
		return nil, misconfigured("policyDocument: %v", err)
	}
	if doc.HasPrincipal() {
		return nil, misconfigured("policyDocument: an authorizer's policy names no Principal: it is the caller's")
	}
	out.Policy = doc
	if out.Context, err = decodeContext(members["context"]); err != nil {
		return nil, misconfigured("context: %v", err)
	}
	if key, ok := members["usageIdentifierKey"]; ok {
		if err := decodeString(key, &out.UsageIdentifierKey); err != nil {
			return nil, misconfigured("usageIdentifierKey must be a string")
		}
	}
	return out, nil
}

// readAnswer reads an answer's members, or the refusal of an invocation that failed: answerMember is the one every
// answer of the format has.
func readAnswer(status int, functionError string, payload []byte, answerMember string) (map[string]json.RawMessage, error) {
	if status < 200 || status > 299 {
		return nil, misconfigured("Invoke API status %d", status)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(payload, &members); err != nil {
		return nil, misconfigured("the answer is not a JSON object: %v", err)
	}
	if message, failed := functionFailure(functionError, members, answerMember); failed {
		// API Gateway's one way for a function to answer 401: fail with exactly "Unauthorized".
		if message == "Unauthorized" {
			return nil, &Refusal{Unauthorized: true, Reason: "the function answered Unauthorized"}
		}
		return nil, misconfigured("the function failed: %.200q", message)
	}
	return members, nil
}

// functionFailure tells a failed invocation: Lambda's X-Amz-Function-Error header, or the error document a
// Runtime Interface Emulator answers without it ({"errorMessage": ..., "errorType": ...}, and not the member
// every answer of the format has: answerMember).
func functionFailure(header string, members map[string]json.RawMessage, answerMember string) (string, bool) {
	var message string
	rawMessage, hasMessage := members["errorMessage"]
	_, hasType := members["errorType"]
	_ = decodeString(rawMessage, &message)
	_, isAnswer := members[answerMember]
	return message, header != "" || (hasMessage && hasType && !isAnswer)
}

func decodeString(raw json.RawMessage, s *string) error {
	if raw == nil || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	return json.Unmarshal(raw, s)
}

// decodeContext reads the context object: API Gateway accepts string, number and boolean values only, and
// passes them on as text.
func decodeContext(raw json.RawMessage) (map[string]string, error) {
	if raw == nil || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, fmt.Errorf("must be an object")
	}
	out := make(map[string]string, len(members))
	for key, v := range members {
		var value any
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		switch value := value.(type) {
		case string:
			out[key] = value
		case json.Number:
			out[key] = value.String()
		case bool:
			out[key] = strconv.FormatBool(value)
		case nil:
			// A null value is left out, as an absent one.
		default:
			return nil, fmt.Errorf("%q: values must be strings, numbers or booleans, not objects or arrays", key)
		}
	}
	return out, nil
}
