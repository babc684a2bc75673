package lambdaauth

import (
	"encoding/json"
)

// ParseSimple reads the answer of an HTTP API authorizer with simple responses enabled:
// {"isAuthorized": bool, "context": {...}}, its context read as a policy answer's is. A non-nil error is always
// a *Refusal. The Output has no Policy: Authorized decides.
func ParseSimple(status int, functionError string, payload []byte) (*Output, error) {
	members, err := readAnswer(status, functionError, payload, "isAuthorized")
	if err != nil {
		return nil, err
	}
	out := &Output{Simple: true}
	raw, ok := members["isAuthorized"]
	if !ok || json.Unmarshal(raw, &out.Authorized) != nil {
		return nil, misconfigured("isAuthorized must be true or false")
	}
	if out.Context, err = decodeContext(members["context"]); err != nil {
		return nil, misconfigured("context: %v", err)
	}
	return out, nil
}

// ParseAs reads an answer in the format of an earlier one: the policy format, or the simple one when simple.
func ParseAs(simple bool, status int, functionError string, payload []byte) (*Output, error) {
	if simple {
		return ParseSimple(status, functionError, payload)
	}
	return Parse(status, functionError, payload)
}
