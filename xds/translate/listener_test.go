package translate

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/check"
	"github.com/tollgate-gw/tollgate/internal/ir"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// TestRouteConfigurationIsTheListeners: the route configuration is named after the connection manager it is
// written for, so a change to the routes alone keeps both (Envoy keeps its connections), and a change to the
// filters renames it (the connections of the old listener keep the old routes while Envoy drains them).
func TestRouteConfigurationIsTheListeners(t *testing.T) {
	name := func(change func(gw *tollgatev1.Gateway)) string {
		t.Helper()
		gw := largeGateway(2, 4)
		change(gw)
		if err := check.Gateway(gw); err != nil {
			t.Fatal(err)
		}
		snap, err := ir.Build(gw, ir.Settings{Domain: "execute-api.localhost"})
		if err != nil {
			t.Fatal(err)
		}
		out := Translate(snap)
		lis, err := out.Listener("127.0.0.1:8080")
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(lis.GetFilterChains()[0].GetFilters()[0].GetTypedConfig(), mustAny(out.manager(out.Routes.GetName()))) {
			t.Fatal("the listener's connection manager is not the one the routes are named after")
		}
		return out.Routes.GetName()
	}
	base := name(func(*tollgatev1.Gateway) {})
	for _, tt := range []struct {
		what   string
		change func(gw *tollgatev1.Gateway)
		same   bool
	}{
		{"a stage variable", func(gw *tollgatev1.Gateway) { gw.Apis[0].Stages[0].Variables["backend"] = "10.9.9.9:80" }, true},
		{"a resource removed", func(gw *tollgatev1.Gateway) { gw.Apis[1].Resources = gw.Apis[1].Resources[:1] }, true},
		{"a method requiring a key", func(gw *tollgatev1.Gateway) { gw.Apis[0].Resources[0].Methods[0].ApiKeyRequired = true }, false},
	} {
		if got := name(tt.change); (got == base) != tt.same {
			t.Errorf("%s: route configuration %s, before %s; want the same name: %v", tt.what, got, base, tt.same)
		}
	}
}
