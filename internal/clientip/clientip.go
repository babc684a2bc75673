// Package clientip finds a request's client address as Envoy does behind trusted proxies (use_remote_address
// with xff_num_trusted_hops): Envoy hands its gRPC services the connection's peer, and X-Forwarded-For with the
// peer appended, so a service that must know the client (aws:SourceIp, identity.sourceIp) reads it the same way.
package clientip

import (
	"net"
	"strings"
)

// Of is the client's address: peer when trustedHops is 0, else the address trustedHops hops before the last in
// xff (the header as Envoy forwards it, the peer appended last), and peer again when the header has too few.
func Of(peer, xff string, trustedHops int) string {
	addr := peer
	if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	if trustedHops > 0 {
		hops := strings.Split(xff, ",")
		if i := len(hops) - 1 - trustedHops; i >= 0 && xff != "" {
			addr = strings.TrimSpace(hops[i])
		}
	}
	if ip := net.ParseIP(addr); ip != nil {
		return ip.String()
	}
	return addr
}
