package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The Lambda phase measures what the Lambda proxy adds: the same echo function under the Runtime Interface
// Emulator, invoked directly with a proxy event and through Tollgate's route, one request at a time (the emulator
// runs one invocation at a time, as one Lambda execution environment does).

// lambdaFunction is an e2e test function under its emulator.
type lambdaFunction struct {
	invokeURL string
}

// startLambda builds the e2e function name and starts it under the RIE at TOLLGATE_RIE or .tools/bin.
func startLambda(ctx context.Context, dir, name string) (*lambdaFunction, error) {
	rie := os.Getenv("TOLLGATE_RIE")
	if rie == "" {
		rie = filepath.Join(".tools", "bin", "aws-lambda-rie")
	}
	if _, err := os.Stat(rie); err != nil {
		return nil, fmt.Errorf("the Lambda RIE is needed (run make tools, or set TOLLGATE_RIE): %w", err)
	}
	fn := filepath.Join(dir, name)
	if out, err := exec.Command("go", "build", "-o", fn, "./e2e/lambdafunctions/"+name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building the %s function: %v\n%s", name, err, out)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	runtimeAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", runtimeAddr, fn)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = cmd.Wait() }()
	f := &lambdaFunction{invokeURL: "http://" + addr + "/2015-03-31/functions/function/invocations"}
	return f, waitFor(func() bool { _, err := f.invokeDirect(); return err == nil })
}

// directEvent is a small proxy event, what the gateway would send for GET /lambda.
var directEvent = []byte(`{"resource":"/lambda","path":"/lambda","httpMethod":"GET","headers":null,"multiValueHeaders":null,` +
	`"queryStringParameters":null,"multiValueQueryStringParameters":null,"pathParameters":null,"stageVariables":null,` +
	`"requestContext":{"stage":"prod"},"body":null,"isBase64Encoded":false}`)

var sequential = &http.Client{Timeout: 5 * time.Second}

func (f *lambdaFunction) invokeDirect() (time.Duration, error) {
	start := time.Now()
	resp, err := sequential.Post(f.invokeURL, "application/json", bytes.NewReader(directEvent))
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("direct invoke: status %d", resp.StatusCode)
	}
	return time.Since(start), nil
}

// postBody is what the POST through the gateway sends: a 1 KB JSON document.
var postBody = []byte(`{"items":[` + strings.Repeat(`{"id":12345,"name":"item","tags":["a","b"]},`, 22) + `{"id":0}]}`)

// viaGateway sends one request through a gateway: a GET, or a POST of postBody when post is set.
func viaGateway(url, host string, post bool) (time.Duration, error) {
	method, body := http.MethodGet, []byte(nil)
	if post {
		method, body = http.MethodPost, postBody
	}
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	if post {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Host = host
	start := time.Now()
	resp, err := sequential.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("gateway: status %d", resp.StatusCode)
	}
	return time.Since(start), nil
}

// lambdaOverhead alternates direct calls, GETs and POSTs through the gateway, n times each, and reports the three
// distributions.
func lambdaOverhead(f *lambdaFunction, gatewayURL, host string, n int) (direct, get, post []time.Duration, err error) {
	for i := 0; i < n; i++ {
		d, err := f.invokeDirect()
		if err != nil {
			return nil, nil, nil, err
		}
		g, err := viaGateway(gatewayURL, host, false)
		if err != nil {
			return nil, nil, nil, err
		}
		p, err := viaGateway(gatewayURL, host, true)
		if err != nil {
			return nil, nil, nil, err
		}
		direct, get, post = append(direct, d), append(get, g), append(post, p)
	}
	return direct, get, post, nil
}
