package ir

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/tollgate-gw/tollgate/internal/check"
	tollgatev1 "github.com/tollgate-gw/tollgate/proto/tollgate/v1"
)

// canaryStage is the canary release's stage entry of testdata/canary.in.yaml's model: its second API's.
func canaryStage(gw *tollgatev1.Gateway) *tollgatev1.Stage { return gw.GetApis()[1].GetStages()[0] }

// TestCanaryUsesTheStageCache: a canary that uses the stage cache shares its entries with the base release only
// when both answer alike; without the stage cache it caches nothing.
func TestCanaryUsesTheStageCache(t *testing.T) {
	tests := []struct {
		name string
		edit func(gw *tollgatev1.Gateway)
		// want says what the canary's /pets route caches: "none", "shared" (the base's version), "apart".
		want string
	}{
		{"another version", func(*tollgatev1.Gateway) {}, "apart"},
		{"the same version", func(gw *tollgatev1.Gateway) {
			base := proto.Clone(gw.GetApis()[0]).(*tollgatev1.RestApi)
			base.Stages = []*tollgatev1.Stage{canaryStage(gw)}
			canaryStage(gw).Variables = gw.GetApis()[0].GetStages()[0].GetVariables()
			gw.Apis[1] = base
		}, "shared"},
		{"the same version, another stage variable", func(gw *tollgatev1.Gateway) {
			base := proto.Clone(gw.GetApis()[0]).(*tollgatev1.RestApi)
			base.Stages = []*tollgatev1.Stage{canaryStage(gw)}
			gw.Apis[1] = base // backend stays the canary's 127.0.0.1:9200
		}, "apart"},
		{"the same deployment", func(gw *tollgatev1.Gateway) {
			canary := canaryStage(gw)
			canary.Variables = gw.GetApis()[0].GetStages()[0].GetVariables()
			gw.Apis[0].Stages = append(gw.Apis[0].Stages, canary)
			gw.Apis = gw.Apis[:1]
		}, "shared"},
		{"without the stage cache", func(gw *tollgatev1.Gateway) { canaryStage(gw).Canary.UseStageCache = false }, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw, settings := readGoldenInput(t, "testdata/canary.in.yaml")
			tt.edit(gw)
			snap, err := Build(gw, settings)
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]*Route{}
			for _, r := range snap.Routes() {
				byName[r.Name] = r
			}
			canary, base := byName["shop/prod/Canary/GET/pets"], byName["shop/prod/GET/pets"]
			if canary == nil || base == nil || base.Cache == nil {
				t.Fatalf("routes %v: want the canary's and the base's GET /pets, the base's cached", byName)
			}
			got := "apart"
			switch {
			case canary.Cache == nil:
				got = "none"
			case canary.Cache.Version == base.Cache.Version:
				got = "shared"
			}
			if got != tt.want {
				t.Errorf("the canary's cache is %s, want %s", got, tt.want)
			}
			if len(snap.Caches) != 1 {
				t.Errorf("caches %+v, want the stage's only", snap.Caches)
			}
		})
	}
}

// TestCanaryProblems: what a canary release cannot be is refused, each problem at its place.
func TestCanaryProblems(t *testing.T) {
	tests := []struct {
		name string
		edit func(gw *tollgatev1.Gateway)
		want string
	}{
		{"of no stage", func(gw *tollgatev1.Gateway) { canaryStage(gw).StageName = "beta" }, `shop-v2.yaml: /stages/beta/canarySettings: stage "beta" of API shop is not served`},
		{"two of one stage", func(gw *tollgatev1.Gateway) {
			gw.Apis = append(gw.Apis, proto.Clone(gw.GetApis()[1]).(*tollgatev1.RestApi))
		}, `stage "prod" of API shop has a canary release already`},
		{"over 100 percent", func(gw *tollgatev1.Gateway) { canaryStage(gw).Canary.PercentTraffic = 100.5 }, "percentTraffic 100.5 is not a percentage from 0 to 100"},
		{"of an HTTP API", func(gw *tollgatev1.Gateway) {
			for _, api := range gw.GetApis() {
				api.ProtocolType = tollgatev1.ProtocolType_PROTOCOL_TYPE_HTTP
				api.Authorizers = nil
				for _, res := range api.GetResources() {
					for _, m := range res.GetMethods() {
						m.Authorizer = ""
					}
				}
			}
		}, "an HTTP API has no canary releases"},
		{"with other gateway responses", func(gw *tollgatev1.Gateway) {
			gw.Apis[1].GatewayResponses = map[string]*tollgatev1.GatewayResponse{"DEFAULT_4XX": {StatusCode: "418"}}
		}, "the canary release of stage prod answers with other gateway responses than the stage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gw, settings := readGoldenInput(t, "testdata/canary.in.yaml")
			tt.edit(gw)
			err := check.Gateway(gw)
			if err == nil {
				_, err = Build(gw, settings)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to say %q", err, tt.want)
			}
		})
	}
}
