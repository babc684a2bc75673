package ir

import (
	"strings"
	"testing"

	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// TestDeploymentsWithOtherCORS: an HTTP API whose stages serve deployments with different CORS configurations is
// refused, since Envoy's CORS policy is the API's, for every stage; the same configuration is served.
func TestDeploymentsWithOtherCORS(t *testing.T) {
	deployment := func(stage string, origins ...string) *tollgatev1.RestApi {
		return &tollgatev1.RestApi{Id: "h1", SourceFile: "apis/h1/deployments/" + stage, ProtocolType: tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP,
			Cors:   &tollgatev1.Cors{AllowOrigins: origins},
			Stages: []*tollgatev1.Stage{{StageName: stage}},
			Resources: []*tollgatev1.Resource{{Path: "/pets", Methods: []*tollgatev1.Method{{HttpMethod: "GET",
				Integration: &tollgatev1.Integration{Type: tollgatev1.IntegrationType_INTEGRATION_TYPE_HTTP_PROXY, HttpMethod: "GET", Uri: "http://127.0.0.1:9000/pets", PayloadFormatVersion: "1.0"}}}}}}
	}
	for _, tt := range []struct {
		name    string
		other   []string
		refused bool
	}{
		{"the same", []string{"https://a.example"}, false},
		{"another", []string{"https://b.example"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			gw := &tollgatev1.Gateway{Apis: []*tollgatev1.RestApi{deployment("prod", "https://a.example"), deployment("beta", tt.other...)}}
			_, err := Build(gw, Settings{Domain: "execute-api.localhost"})
			if refused := err != nil && strings.Contains(err.Error(), "CORS configuration differs"); refused != tt.refused || (!tt.refused && err != nil) {
				t.Errorf("error %v, want refused %v", err, tt.refused)
			}
		})
	}
}
