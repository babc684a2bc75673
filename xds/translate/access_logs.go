package translate

import (
	"fmt"
	"slices"

	accesslog "github.com/envoyproxy/go-control-plane/envoy/config/accesslog/v3"
	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	fileals "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/file/v3"
	streamals "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"

	accessformat "github.com/tollgate-gw/tollgate/internal/accesslog"
	"github.com/tollgate-gw/tollgate/internal/ir"
	"github.com/tollgate-gw/tollgate/internal/names"
)

// stageLogs are the stages' access logs (accessLogSettings): Envoy writes each stage's lines itself, with its own
// command operators for the $context variables (internal/accesslog), so a log line costs no call to Tollgate. A
// log takes the requests of its stage's routes, by the route's metadata.
func stageLogs(snap *ir.Snapshot) []*accesslog.AccessLog {
	httpAPI := map[string]bool{}
	for _, a := range snap.APIs {
		httpAPI[a.ID] = a.HTTPAPI
	}
	var out []*accesslog.AccessLog
	for _, l := range snap.AccessLogs {
		format := &core.SubstitutionFormatString{Format: &core.SubstitutionFormatString_TextFormatSource{
			TextFormatSource: &core.DataSource{Specifier: &core.DataSource_InlineString{InlineString: accessformat.EnvoyFormat(l.Format, errorOperator(httpAPI[l.APIID]))}},
		}}
		if slices.ContainsFunc(l.Format, func(p accessformat.Part) bool { return accessformat.IsError(p.Variable) }) {
			format.Formatters = []*core.TypedExtensionConfig{celFormatter()}
		}
		name, config := "envoy.access_loggers.file", mustAny(&fileals.FileAccessLog{
			Path: l.Destination, AccessLogFormat: &fileals.FileAccessLog_LogFormat{LogFormat: format}})
		if l.Destination == ir.StdoutDestination {
			name, config = "envoy.access_loggers.stdout", mustAny(&streamals.StdoutAccessLog{
				AccessLogFormat: &streamals.StdoutAccessLog_LogFormat{LogFormat: format}})
		}
		out = append(out, &accesslog.AccessLog{
			Name:       name,
			Filter:     byCEL(fmt.Sprintf("xds.route_name.startsWith(%q)", names.StageRoutes(l.APIID, l.Stage))),
			ConfigType: &accesslog.AccessLog_TypedConfig{TypedConfig: config},
		})
	}
	return out
}
