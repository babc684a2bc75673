package openapi

import tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"

// corsKey is an HTTP API's CORS configuration; the model check refuses it on a REST API, which answers OPTIONS
// with a MOCK integration.
const corsKey = "x-amazon-apigateway-cors"

// corsFields are the fields of x-amazon-apigateway-cors, all read.
var corsFields = map[string]field{
	"allowOrigins": {}, "allowMethods": {}, "allowHeaders": {}, "exposeHeaders": {}, "allowCredentials": {}, "maxAge": {},
}

// cors reads x-amazon-apigateway-cors; nil when the definition has none.
func (im *importer) cors(x value) *tollgatev1.Cors {
	if x.v == nil {
		return nil
	}
	if im.object(x) == nil {
		return nil
	}
	im.knownFields(x, corsFields, corsKey)
	c := &tollgatev1.Cors{
		AllowOrigins:     im.stringList(x.field("allowOrigins")),
		AllowMethods:     im.stringList(x.field("allowMethods")),
		AllowHeaders:     im.stringList(x.field("allowHeaders")),
		ExposeHeaders:    im.stringList(x.field("exposeHeaders")),
		AllowCredentials: im.boolean(x.field("allowCredentials")),
		SourcePointer:    x.ptr,
	}
	if age := x.field("maxAge"); age.v != nil {
		n := im.integer(age)
		c.MaxAge = &n
	}
	return c
}
