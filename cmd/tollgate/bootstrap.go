package main

import (
	"github.com/spf13/cobra"

	"github.com/tollgate-gw/tollgate/envoy"
	"github.com/tollgate-gw/tollgate/internal/config"
)

func bootstrapCommand() *cobra.Command {
	var o envoy.BootstrapOptions
	var sotw bool
	cmd := &cobra.Command{
		Use:   "bootstrap",
		Short: "Print an Envoy bootstrap that joins this control plane (for sidecars and edge Envoys)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Delta = !sotw
			if o.TrustedCA == "" {
				var err error
				if o.TrustedCA, err = envoy.SystemCABundle(); err != nil {
					return err
				}
			}
			data, err := envoy.Bootstrap(o)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(append(data, '\n'))
			return err
		},
	}
	cmd.Flags().StringVar(&o.XDSAddress, "xds", config.DefaultXDS, "host:port of Tollgate's xDS server")
	cmd.Flags().StringVar(&o.NodeID, "node-id", "", "the Envoy's node id (required)")
	cmd.Flags().StringVar(&o.Cluster, "cluster", "", "the Envoy's node cluster (default tollgate)")
	cmd.Flags().StringVar(&o.AdminAddress, "admin", "", "ip:port for this Envoy's admin listener (default: none)")
	cmd.Flags().StringVar(&o.Listen, "listen", "", "give this Envoy its own public listener address instead of the config's listen")
	cmd.Flags().StringVar(&o.TLSListen, "tls-listen", "", "give this Envoy its own address for the HTTPS listener of the custom domain names (an Envoy with its own --listen has none without it)")
	cmd.Flags().StringVar(&o.TrustedCA, "trusted-ca", "", "PEM file of the CAs Envoy trusts for HTTPS backends, as found on the Envoy's machine (default: this machine's bundle, or $SSL_CERT_FILE)")
	cmd.Flags().BoolVar(&sotw, "sotw", false, "use state-of-the-world xDS instead of delta")
	_ = cmd.MarkFlagRequired("node-id")
	return cmd
}
