package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"time"

	"github.com/tollgate-gw/tollgate/internal/management"
	"github.com/tollgate-gw/tollgate/internal/state"
)

// deployLatencies times create-deployment through the management API until Envoy answers with the new deployment,
// n times: a MOCK whose response template changes before each deployment, alone and beside others copies of it
// in the store, each deployed.
func deployLatencies(ctx context.Context, tollgateBin, envoyBin, dir, backend string, n, others int) ([]time.Duration, error) {
	dir = filepath.Join(dir, fmt.Sprintf("deploy%d", others))
	t, err := startTollgate(ctx, tollgateBin, envoyBin, dir, backend, gatewayOptions{})
	if err != nil {
		return nil, err
	}
	var api struct{ ID, RootResourceID string }
	if err := t.manage("POST", "/restapis", `{"name":"deployed"}`, &api); err != nil {
		t.stop()
		return nil, err
	}
	get := "/restapis/" + api.ID + "/resources/" + api.RootResourceID + "/methods/GET"
	respond := func(i int) error {
		body, _ := json.Marshal(map[string]any{"responseTemplates": map[string]string{"application/json": fmt.Sprintf(`{"deployment": %d}`, i)}})
		return t.manage("PUT", get+"/integration/responses/200", string(body), nil)
	}
	for _, step := range []func() error{
		func() error { return t.manage("PUT", get, `{"authorizationType":"NONE"}`, nil) },
		func() error {
			return t.manage("PUT", get+"/integration", `{"type":"MOCK","requestTemplates":{"application/json":"{\"statusCode\": 200}"}}`, nil)
		},
		func() error { return t.manage("PUT", get+"/responses/200", `{}`, nil) },
		func() error { return respond(0) },
		func() error { return t.manage("POST", "/restapis/"+api.ID+"/deployments", `{"stageName":"prod"}`, nil) },
	} {
		if err := step(); err != nil {
			t.stop()
			return nil, err
		}
	}
	if others > 0 {
		// The copies are written into the store while no control plane holds it, then served from the start.
		t.stop()
		store, err := state.OpenFile(filepath.Join(dir, ".tollgate"))
		if err != nil {
			return nil, err
		}
		err = management.CopyAPI(ctx, store, api.ID, others)
		if closeErr := store.Close(); err == nil {
			err = closeErr
		}
		if err != nil {
			return nil, err
		}
		if t, err = startTollgate(ctx, tollgateBin, envoyBin, dir, backend, gatewayOptions{}); err != nil {
			return nil, err
		}
	}
	defer t.stop()
	client := &http.Client{Timeout: time.Second}
	url := "http://" + t.listen + "/restapis/" + api.ID + "/prod/_user_request_/"
	var out []time.Duration
	for i := 1; i <= n; i++ {
		if err := respond(i); err != nil {
			return nil, err
		}
		want := fmt.Sprintf(`{"deployment": %d}`, i)
		start := time.Now()
		if err := t.manage("POST", "/restapis/"+api.ID+"/deployments", `{"stageName":"prod"}`, nil); err != nil {
			return nil, err
		}
		err := waitFor(func() bool {
			resp, err := client.Get(url)
			if err != nil {
				return false
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(body) == want
		})
		if err != nil {
			return nil, fmt.Errorf("deployment %d was not served: %w", i, err)
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

// manage calls the management API on the gateway's admin address (a loopback client: no credentials needed) and
// decodes its answer into out, when not nil.
func (t *tollgate) manage(method, path, body string, out any) error {
	req, err := http.NewRequest(method, "http://"+t.admin+path, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
