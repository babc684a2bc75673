package translate

import (
	"slices"
	"strconv"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	gzip "github.com/envoyproxy/go-control-plane/envoy/extensions/compression/gzip/compressor/v3"
	compressor "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/compressor/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// Response compression (a REST API's minimumCompressionSize) is Envoy's compressor filter, gzip. Its minimum size
// is the filter's, not a route's, so the listener has one compressor for each minimum size the routes ask for,
// first in the chain (the last to see a response, so it compresses what the client gets, mapped and all),
// switched on by the routes of that size only, as the ext services' filters are (idle on every virtual host,
// switched on for the path forms so that the route they reroute to decides).

// compressorName is the compressor of the routes whose minimum size is size.
func compressorName(size int32) string {
	return names.CompressorFilter + ".min_" + strconv.FormatInt(int64(size), 10)
}

// compressibleTypes are the content types compressed: text, JSON, XML, JavaScript and forms, as API Gateway's
// users send them *(verify: API Gateway documents no list)*. Envoy matches the media type without its
// parameters.
var compressibleTypes = []*matcher.StringMatcher{
	{MatchPattern: &matcher.StringMatcher_Prefix{Prefix: "text/"}},
	{MatchPattern: &matcher.StringMatcher_Suffix{Suffix: "+json"}},
	{MatchPattern: &matcher.StringMatcher_Suffix{Suffix: "+xml"}},
	{MatchPattern: &matcher.StringMatcher_Exact{Exact: "application/json"}},
	{MatchPattern: &matcher.StringMatcher_Exact{Exact: "application/javascript"}},
	{MatchPattern: &matcher.StringMatcher_Exact{Exact: "application/xml"}},
	{MatchPattern: &matcher.StringMatcher_Exact{Exact: "application/x-www-form-urlencoded"}},
}

// compressionSizes are the minimum sizes the snapshot's routes compress from, ascending, each once.
func compressionSizes(snap *ir.Snapshot) []int32 {
	var sizes []int32
	for _, api := range snap.APIs {
		for _, r := range api.Routes {
			if r.MinimumCompressionSize != nil && !slices.Contains(sizes, *r.MinimumCompressionSize) {
				sizes = append(sizes, *r.MinimumCompressionSize)
			}
		}
	}
	slices.Sort(sizes)
	return sizes
}

// compressorFilter is the compressor of one minimum size, off unless a route switches it on.
func compressorFilter(size int32) *hcm.HttpFilter {
	config := &compressor.Compressor{
		ResponseDirectionConfig: &compressor.Compressor_ResponseDirectionConfig{
			CommonConfig: &compressor.Compressor_CommonDirectionConfig{
				MinContentLength:   wrapperspb.UInt32(uint32(size)),
				ContentTypeMatcher: compressibleTypes,
			},
		},
		// The fastest level: the compression is on every such response's way, and zlib's default level took a
		// fifth more time on the bench's 100 KB (docs/benchmarks.md).
		CompressorLibrary: &core.TypedExtensionConfig{Name: "gzip", TypedConfig: mustAny(&gzip.Gzip{CompressionLevel: gzip.Gzip_BEST_SPEED})},
	}
	return &hcm.HttpFilter{Name: compressorName(size), Disabled: true, ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(config)}}
}

var (
	// compressionOn switches a compressor on for a route; compressionIdle keeps it off.
	compressionOn   = mustAny(&compressor.CompressorPerRoute{Override: &compressor.CompressorPerRoute_Overrides{Overrides: &compressor.CompressorOverrides{ResponseDirectionConfig: &compressor.ResponseDirectionOverrides{}}}})
	compressionIdle = mustAny(&compressor.CompressorPerRoute{Override: &compressor.CompressorPerRoute_Disabled{Disabled: true}})
)

// compress switches the route's compressor on, if its method compresses.
func compress(out *route.Route, r *ir.Route) {
	if r.MinimumCompressionSize != nil {
		switchOn(out, compressorName(*r.MinimumCompressionSize), compressionOn)
	}
}

// compressionSettings adds the compressors' settings to the virtual hosts' idle ones and the path forms'.
func compressionSettings(sizes []int32, idle, pathForms map[string]*anypb.Any) {
	for _, size := range sizes {
		idle[compressorName(size)] = compressionIdle
		pathForms[compressorName(size)] = mustAny(&route.FilterConfig{Config: compressionOn})
	}
}
