// Package envoy is how Tollgate obtains, bootstraps and supervises its Envoy data plane.
//
// Envoy is configured only through Tollgate's xDS server over ADS: the bootstrap written here does
// nothing but identify the node and point Envoy at that server.
package envoy
