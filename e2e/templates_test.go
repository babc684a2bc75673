package e2e

import (
	"testing"

	"github.com/tollgate-gw/tollgate/internal/certtest"
)

// awsConfig is tollgate.yaml's aws block: the account a template is deployed to.
type awsConfig struct {
	Region    string `yaml:"region,omitempty"`
	AccountID string `yaml:"accountId,omitempty"`
	StackName string `yaml:"stackName,omitempty"`
}

// TestTemplates serves a SAM template and a Terraform templatefile input exactly as their authors deploy them to
// AWS, their functions under the Runtime Interface Emulator and their backends on loopback: public HTTP ones,
// and private HTTPS ones behind VPC links, one with a certificate from the company's CA (which the gateway's
// machine trusts: SSL_CERT_FILE) and one self-signed.
func TestTemplates(t *testing.T) {
	requireEnvoy(t)
	fns := startFunctions(t, "echo")
	legacy, catalog := startBackend(t, "legacy"), startBackend(t, "catalog")
	ca := certtest.NewCA(t)
	orders := startTLSBackend(t, "orders", ca.Issue(t, "orders.internal.example"))
	reports := startTLSBackend(t, "reports", certtest.SelfSigned(t, "reports.internal.example"))

	cfg := newGatewayConfig(t)
	cfg.env = []string{"SSL_CERT_FILE=" + ca.File}
	cfg.AWS = &awsConfig{Region: "eu-west-1", AccountID: "210987654321", StackName: "orders-prod"}
	cfg.Lambda = &lambdaConfig{Functions: map[string]string{"items": fns["echo"].invokeURL()}}
	cfg.VPCLinks = map[string]string{"vl0rders": orders.addr, "vlr3ports": reports.addr}
	itemsArn := "arn:aws:lambda:eu-west-1:210987654321:function:items"
	cfg.APIs = []apiConfig{
		{ID: "orders", Definition: "sam.yaml", Resource: "OrdersApi",
			Parameters: map[string]string{"LegacyHost": legacy.addr, "ItemsFunction.Arn": itemsArn},
			Stages:     []stageConfig{{StageName: "prod"}}},
		{ID: "private", Definition: "sam.yaml", Resource: "PrivateApi",
			Parameters: map[string]string{"LegacyHost": legacy.addr},
			Stages:     []stageConfig{{StageName: "prod", Variables: map[string]string{"vpcLinkId": "vl0rders", "reportsLinkId": "vlr3ports"}}}},
		{ID: "catalog", Definition: "terraform.yaml",
			Parameters: map[string]string{"api_name": "catalog", "region": "eu-west-1", "items_arn": itemsArn, "backend": catalog.addr},
			Stages:     []stageConfig{{StageName: "v1"}}},
	}
	gw := startGateway(t, cfg, map[string]string{
		"sam.yaml":            "templates/sam.yaml",
		"orders-private.yaml": "templates/orders-private.yaml",
		"terraform.yaml":      "templates/terraform.yaml",
	})
	at := func(api, stage, path string) call {
		return call{method: "GET", url: gw.url("/" + stage + path), host: api + "." + domain}
	}

	t.Run("SAM function by Fn::Sub of Fn::GetAtt", func(t *testing.T) {
		c := at("orders", "prod", "/items/42")
		e := decodeEventV1(t, c, send(t, c))
		checkString(t, c, "resource", e.Resource, "/items/{id}")
		checkString(t, c, "path", e.Path, "/items/42")
		checkString(t, c, "requestContext.accountId", e.RequestContext.AccountID, "210987654321")
	})
	t.Run("SAM backend by Fn::Join of Ref, header by Fn::If", func(t *testing.T) {
		c := at("orders", "prod", "/legacy/a/b")
		c.method = "POST"
		got := expectBackend(t, c, send(t, c), "legacy", "POST", "/v1/a/b")
		checkString(t, c, "x-environment", got.Header.Get("X-Environment"), "staging")
	})
	t.Run("AWS::Include, VPC link to a backend with the company's CA", func(t *testing.T) {
		c := at("private", "prod", "/orders/7")
		got := expectBackend(t, c, send(t, c), "orders", "GET", "/orders/7")
		// The Host header is the URI's, as the backend behind the link expects, not the link's address.
		checkString(t, c, "Host", got.Host, "orders.internal.example")
	})
	t.Run("VPC link with insecureSkipVerification to a self-signed backend", func(t *testing.T) {
		c := at("private", "prod", "/reports")
		got := expectBackend(t, c, send(t, c), "reports", "GET", "/reports")
		checkString(t, c, "Host", got.Host, "reports.internal.example")
	})
	t.Run("HTTPS backends refused", func(t *testing.T) {
		tests := []struct{ name, path, why string }{
			// /misnamed goes over the link to the orders backend, whose certificate is for orders.internal.example.
			{"certificate for another name", "/misnamed", "the certificate does not name misnamed.internal.example"},
			// /reports-verified goes to the self-signed backend without insecureSkipVerification.
			{"self-signed certificate", "/reports-verified", "no trusted CA signed the certificate"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := at("private", "prod", tt.path)
				r := send(t, c)
				if r.status < 500 || r.header.Get("X-Backend") != "" {
					t.Errorf("%s: got %d from backend %q, want a 5xx: %s", c, r.status, r.header.Get("X-Backend"), tt.why)
				}
				expectJSONMessage(t, c, r, r.status, "")
			})
		}
	})
	t.Run("Terraform placeholders", func(t *testing.T) {
		c := at("catalog", "v1", "/items/9")
		e := decodeEventV1(t, c, send(t, c))
		checkString(t, c, "resource", e.Resource, "/items/{id}")
		c = at("catalog", "v1", "/catalog")
		got := expectBackend(t, c, send(t, c), "catalog", "GET", "/catalog")
		// $${list} is Terraform's escape: the backend receives ${list} itself.
		checkString(t, c, "x-price-list", got.Header.Get("X-Price-List"), "${list}")
	})
}
