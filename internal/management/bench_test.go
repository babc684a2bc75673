package management

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/state"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// BenchmarkCalls is the management API's calls through its handlers on the embedded store: a read (GetResource)
// and a write (PutMethod then DeleteMethod, each a committed bbolt transaction with its fsync), per call.
func BenchmarkCalls(b *testing.B) {
	_, _, mux := newService(b, nil)
	do := func(method, target, body string, want int) []byte {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(method, target, bytes.NewBufferString(body)))
		if w.Code != want {
			b.Fatalf("%s %s: %d %s", method, target, w.Code, w.Body)
		}
		return w.Body.Bytes()
	}
	var api restAPI
	json.Unmarshal(do("POST", "/restapis", `{"name":"bench"}`, 201), &api)
	root := "/restapis/" + api.ID + "/resources/" + api.RootResourceID
	b.Run("GetResource", func(b *testing.B) {
		for b.Loop() {
			do("GET", root, "", 200)
		}
	})
	b.Run("PutMethod+DeleteMethod", func(b *testing.B) {
		for b.Loop() {
			do("PUT", root+"/methods/GET", `{"authorizationType":"NONE"}`, 201)
			do("DELETE", root+"/methods/GET", "", 202)
		}
	})
}

// BenchmarkStoreOf10000Resources is the embedded store holding an API of 10,000 resources: its size on disk and
// the time to open it and read every record, as a control plane does at start.
func BenchmarkStoreOf10000Resources(b *testing.B) {
	dir := b.TempDir()
	store, err := state.OpenFile(dir)
	if err != nil {
		b.Fatal(err)
	}
	rec := &apiRecord{API: restAPI{ID: "big", Name: "big", RootResourceID: "root"}, Resources: []*resource{{ID: "root", Path: "/"}}}
	for i := range 10000 {
		res := &resource{ID: fmt.Sprintf("r%09d", i), ParentID: "root", PathPart: fmt.Sprintf("things%d", i), Path: fmt.Sprintf("/things%d", i),
			ResourceMethods: map[string]*method{"GET": {HTTPMethod: "GET", AuthorizationType: "NONE",
				MethodIntegration: &integration{Type: "HTTP_PROXY", HTTPMethod: "GET", URI: fmt.Sprintf("http://10.0.0.1/things/%d", i), TimeoutInMillis: 29000, CacheKeyParameters: []string{}}}}}
		rec.Resources = append(rec.Resources, res)
	}
	raw, _ := json.Marshal(rec)
	if err := store.Update(b.Context(), recordPrefix+"big", func([]byte) ([]byte, error) { return raw, nil }); err != nil {
		b.Fatal(err)
	}
	store.Close()
	info, err := os.Stat(filepath.Join(dir, "state.db"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s, err := state.OpenFile(dir)
		if err != nil {
			b.Fatal(err)
		}
		svc := New(s, nil, nil, "123456789012")
		if _, err := svc.records(b.Context()); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
	b.ReportMetric(float64(info.Size())/(1<<20), "store-MiB")
}

// BenchmarkSetFileAPIs1000 is what every load adds for the management API: reading 1,000 file APIs of 10 methods
// into the records it answers them from.
func BenchmarkSetFileAPIs1000(b *testing.B) {
	gw := &tollgatev1.Gateway{}
	for i := range 1000 {
		api := &tollgatev1.RestApi{Id: fmt.Sprintf("api%06d", i), Name: "scale", Stages: []*tollgatev1.Stage{{StageName: "prod"}}}
		for j := range 10 {
			api.Resources = append(api.Resources, &tollgatev1.Resource{Path: fmt.Sprintf("/things%d/{id}", j), Methods: []*tollgatev1.Method{{HttpMethod: "GET",
				Integration: &tollgatev1.Integration{Type: tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY, HttpMethod: "GET", Uri: "http://10.0.0.1/things/{id}"}}}})
		}
		gw.Apis = append(gw.Apis, api)
	}
	s, _, _ := newService(b, nil)
	b.ReportAllocs()
	for b.Loop() {
		s.Set(gw, "123456789012", "execute-api.localhost")
	}
}
