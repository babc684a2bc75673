package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-gw/tollgate/envoy"
	"github.com/tollgate-gw/tollgate/internal/config"
)

const defaultConfigFile = "tollgate.yaml"

func serveCommand(newLogger func() *slog.Logger) *cobra.Command {
	var configFile string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the control plane only; Envoys join it with a bootstrap from `tollgate bootstrap`",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cp, err := Start(cmd.Context(), configFile, newLogger())
			if err != nil {
				return err
			}
			printInvocationURLs(cmd, cp.Config())
			return cp.Wait()
		},
	}
	cmd.Flags().StringVarP(&configFile, "config", "c", defaultConfigFile, "config file (YAML or JSON)")
	return cmd
}

func runCommand(newLogger func() *slog.Logger) *cobra.Command {
	var configFile, envoyBinary, envoyLogLevel string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the control plane and an Envoy it supervises",
		RunE: func(cmd *cobra.Command, _ []string) error {
			log := newLogger()
			binary, err := envoy.Find(envoyBinary)
			if err != nil {
				return err
			}
			cp, err := Start(cmd.Context(), configFile, log)
			if err != nil {
				return err
			}
			cfg := cp.Config()
			bootstrapFile, cleanup, err := writeBootstrap(cfg)
			if err != nil {
				return err
			}
			defer cleanup()
			printInvocationURLs(cmd, cfg)
			sup := &envoy.Supervisor{
				Binary:     binary,
				ConfigPath: bootstrapFile,
				LogLevel:   envoyLogLevel,
				Log:        log,
				// Stages' access logs to stdout are Tollgate's output, line for line.
				AccessLog: cmd.OutOrStdout(),
			}
			// Envoy stops after the WebSocket service has closed its connections: their close frames pass through it.
			envoyCtx, stopEnvoy := context.WithCancel(context.Background())
			defer stopEnvoy()
			go func() {
				<-cmd.Context().Done()
				closing, cancel := context.WithTimeout(context.Background(), webSocketCloseTimeout)
				defer cancel()
				cp.CloseWebSockets(closing)
				stopEnvoy()
			}()
			supErr := sup.Run(envoyCtx)
			if err := cp.Wait(); err != nil {
				return err
			}
			return supErr
		},
	}
	cmd.Flags().StringVarP(&configFile, "config", "c", defaultConfigFile, "config file (YAML or JSON)")
	cmd.Flags().StringVar(&envoyBinary, "envoy", "", "Envoy binary (default: $TOLLGATE_ENVOY, envoy on PATH, then .tools/)")
	cmd.Flags().StringVar(&envoyLogLevel, "envoy-log-level", "warn", "Envoy's log level")
	return cmd
}

// webSocketCloseTimeout bounds how long Envoy waits at shutdown for the WebSocket connections' close handshakes.
const webSocketCloseTimeout = 2 * time.Second

// writeBootstrap puts the supervised Envoy's bootstrap in a private temporary directory.
func writeBootstrap(cfg *config.Config) (string, func(), error) {
	host, _ := os.Hostname()
	trustedCA, err := envoy.SystemCABundle()
	if err != nil {
		return "", nil, err
	}
	data, err := envoy.Bootstrap(envoy.BootstrapOptions{
		NodeID:       "tollgate-" + host,
		XDSAddress:   cfg.XDS,
		AdminAddress: cfg.EnvoyAdmin,
		Delta:        true,
		TrustedCA:    trustedCA,
	})
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "tollgate-envoy-")
	if err != nil {
		return "", nil, err
	}
	file := filepath.Join(dir, "bootstrap.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return file, func() { os.RemoveAll(dir) }, nil
}

// printInvocationURLs tells the user what to call, in both URL forms.
func printInvocationURLs(cmd *cobra.Command, cfg *config.Config) {
	_, port, _ := net.SplitHostPort(cfg.Listen)
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "Tollgate is serving %d API(s) on http://%s (admin http://%s/readyz)\n", len(cfg.APIs), cfg.Listen, cfg.Admin)
	for _, api := range cfg.APIs {
		for _, st := range api.Stages {
			fmt.Fprintf(out, "  %s/%s:\n", api.ID, st.StageName)
			if api.IsHTTP() && st.StageName == config.DefaultStage {
				// An HTTP API's $default stage is served at the root, on the API's host only.
				fmt.Fprintf(out, "    curl http://%s.%s:%s/\n", api.ID, cfg.Domain, port)
				continue
			}
			if api.IsWebSocket() {
				// A WebSocket client's URL, and the stage's for @connections callers (aws --endpoint-url).
				fmt.Fprintf(out, "    ws://%s.%s:%s/%s\n", api.ID, cfg.Domain, port, st.StageName)
				fmt.Fprintf(out, "    ws://%s/_aws/execute-api/%s/%s (@connections: --endpoint-url http://%s/_aws/execute-api/%s/%s)\n",
					cfg.Listen, api.ID, st.StageName, cfg.Listen, api.ID, st.StageName)
				continue
			}
			fmt.Fprintf(out, "    curl http://%s.%s:%s/%s/\n", api.ID, cfg.Domain, port, st.StageName)
			fmt.Fprintf(out, "    curl http://%s/restapis/%s/%s/_user_request_/\n", cfg.Listen, api.ID, st.StageName)
		}
	}
}
