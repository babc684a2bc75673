package translate

import (
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	headermutation "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/header_mutation/v3"
	hcm "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// An HTTP API's query string mappings (append:, overwrite: and remove:querystring.x of an HTTP_PROXY integration)
// are Envoy's header_mutation filter, switched on per route: it edits the client's query string, its values Envoy
// formatters as a header mapping's are, before the router rewrites the path (which keeps the query).

func init() {
	register(names.QueryMappingFilter, feature{
		filter: func(*ir.Snapshot) *hcm.HttpFilter {
			return &hcm.HttpFilter{Name: names.QueryMappingFilter, Disabled: true,
				ConfigType: &hcm.HttpFilter_TypedConfig{TypedConfig: mustAny(&headermutation.HeaderMutation{})}}
		},
		apply: func(r *route.Route, in *ir.Route) bool {
			p := in.HTTPProxy
			if p == nil || len(p.Query)+len(p.RemoveQuery) == 0 {
				return false
			}
			var mutations []*core.KeyValueMutation
			for _, name := range p.RemoveQuery {
				mutations = append(mutations, &core.KeyValueMutation{Remove: name})
			}
			for _, q := range p.Query {
				action := core.KeyValueAppend_OVERWRITE_IF_EXISTS_OR_ADD
				if q.Append {
					action = core.KeyValueAppend_APPEND_IF_EXISTS_OR_ADD
				}
				mutations = append(mutations, &core.KeyValueMutation{Append: &core.KeyValueAppend{
					Record: &core.KeyValuePair{Key: q.Name, Value: structpb.NewStringValue(mappedFormatter(ir.HeaderMapping(q)))}, Action: action}})
			}
			switchOn(r, names.QueryMappingFilter, mustAny(&headermutation.HeaderMutationPerRoute{
				Mutations: &headermutation.Mutations{QueryParameterMutations: mutations}}))
			return true
		},
	})
}
