package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// loadCases pairs each case's template (dir/NAME.vtl) with its request.
func loadCases(dir string) ([]benchCase, error) {
	requests := map[string]benchCase{
		"passthrough": {Body: order(), Params: map[string][][2]string{
			"path":        {{"orderId", "o-1842"}},
			"querystring": {{"expand", "lines"}, {"currency", "EUR"}},
			"header": {{"Accept", "application/json"}, {"Content-Type", "application/json"}, {"User-Agent", "curl/8.5.0"},
				{"X-Forwarded-For", "203.0.113.9"}, {"X-Request-Source", "mobile \"app\""}},
		}, StageVariables: [][2]string{{"backend", "orders.internal:8080"}, {"version", "v2"}}},
		"foreach100": {Body: items(100)},
		"nested":     {Body: order()},
		"parsejson":  {Body: order()},
	}
	files := map[string]string{"passthrough": "passthrough", "foreach100": "foreach", "nested": "nested", "parsejson": "parsejson"}
	var out []benchCase
	for _, name := range []string{"passthrough", "foreach100", "nested", "parsejson"} {
		src, err := os.ReadFile(filepath.Join(dir, files[name]+".vtl"))
		if err != nil {
			return nil, err
		}
		c := requests[name]
		c.Name, c.Template = name, string(src)
		if c.Params == nil {
			c.Params = map[string][][2]string{}
		}
		c.Context = map[string]any{
			"apiId": "a1b2c3d4e5", "httpMethod": "POST", "stage": "prod", "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
			"resourceId": "x1y2z3", "resourcePath": "/orders/{orderId}",
			"identity":   map[string]any{"sourceIp": "203.0.113.9", "userAgent": "curl/8.5.0", "accountId": "123456789012"},
			"authorizer": map[string]any{"principalId": "user-7"},
		}
		out = append(out, c)
	}
	return out, nil
}

// order is a nested JSON document, an order with its customer and lines.
func order() string {
	return `{"id": "o-1842", "total": 118.5, "owner": {"name": "Ann Lee"}, "tags": ["gift", "express", "fragile"],
 "order": {"customer": {"name": "Ann Lee", "address": {"street": "1 Main St", "city": "Lyon", "zip": "69001"}},
  "lines": [{"sku": "BK-1", "qty": 2, "price": 12.5}, {"sku": "PN-7", "qty": 1, "price": 93.5}]},
 "lines": [{"sku": "BK-1", "qty": 2}, {"sku": "PN-7", "qty": 1}]}`
}

// items is {"items": [...]} with n items.
func items(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"id": %d, "name": "item \"%d\"", "tags": ["a%d", "b"]}`, i, i, i)
	}
	return `{"items": [` + strings.Join(parts, ", ") + `]}`
}
