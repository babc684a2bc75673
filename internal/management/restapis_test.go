package management

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

func TestCatalog(t *testing.T) {
	gw := &tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{
		{Id: "pets", Name: "Pet Store", BinaryMediaTypes: []string{"image/png"}},
		{Id: "orders", Name: "Orders", ApiKeySource: tollgatev1.ApiKeySource_API_KEY_SOURCE_AUTHORIZER, ResourcePolicy: `{"Version":"2012-10-17"}`},
		{Id: "h1", Name: "HTTP", ProtocolType: tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP},
		{Id: "alpha", Name: "Alpha"},
	}}
	c := NewCatalog(gw, "123456789012")
	mux := http.NewServeMux()
	mux.Handle("GET /restapis", c.RestAPIs())
	mux.Handle("GET /restapis/{restapi_id}", c.RestAPI())
	mux.Handle("DELETE /restapis/{restapi_id}", c.FileAPIWrite())
	alpha := `{"id":"alpha","name":"Alpha","apiKeySource":"HEADER","disableExecuteApiEndpoint":false}`
	orders := `{"id":"orders","name":"Orders","apiKeySource":"AUTHORIZER","policy":"{\"Version\":\"2012-10-17\"}","disableExecuteApiEndpoint":false}`
	pets := `{"id":"pets","name":"Pet Store","binaryMediaTypes":["image/png"],"apiKeySource":"HEADER","disableExecuteApiEndpoint":false}`
	for _, tt := range []struct {
		name, method, target string
		status               int
		body                 string
	}{
		{"every REST API, by id (the HTTP API is apigatewayv2's)", "GET", "/restapis", 200, `{"item":[` + alpha + `,` + orders + `,` + pets + `]}`},
		{"a page, and where the next starts", "GET", "/restapis?limit=2", 200, `{"item":[` + alpha + `,` + orders + `],"position":"pets"}`},
		{"the last page", "GET", "/restapis?limit=2&position=pets", 200, `{"item":[` + pets + `]}`},
		{"a bad limit", "GET", "/restapis?limit=0", 400, `{"message":"Invalid limit: 0: want 1 to 500"}`},
		{"one API", "GET", "/restapis/orders", 200, orders},
		{"an API there is not", "GET", "/restapis/nope", 404, `{"message":"Invalid API identifier specified 123456789012:nope"}`},
		{"the HTTP API is none of apigateway's", "GET", "/restapis/h1", 404, `{"message":"Invalid API identifier specified 123456789012:h1"}`},
		{"a write to a file's API", "DELETE", "/restapis/pets", 400, `{"message":"API pets is defined in tollgate.yaml: change it there, the management API cannot"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			mux.ServeHTTP(w, httptest.NewRequest(tt.method, tt.target, nil))
			if w.Code != tt.status || strings.TrimSpace(w.Body.String()) != tt.body {
				t.Errorf("%d %s\nwant %d %s", w.Code, w.Body, tt.status, tt.body)
			}
		})
	}
}
