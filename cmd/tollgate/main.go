// Command tollgate runs an Amazon API Gateway–compatible gateway on Envoy.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{
		Use:           "tollgate",
		Short:         "An Amazon API Gateway–compatible gateway on Envoy",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var logLevel string
	root.PersistentFlags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error")
	newLogger := func() *slog.Logger {
		var level slog.Level
		if err := level.UnmarshalText([]byte(logLevel)); err != nil {
			level = slog.LevelInfo
		}
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	}
	root.AddCommand(runCommand(newLogger), serveCommand(newLogger), bootstrapCommand(), validateCommand())

	// SIGINT and SIGTERM stop everything in order: Envoy first, then the control plane.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := root.ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tollgate:", err)
		os.Exit(1)
	}
}
