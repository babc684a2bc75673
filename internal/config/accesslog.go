package config

import (
	"os"
	"path/filepath"

	"github.com/tollgate-gw/tollgate/internal/accesslog"
	"github.com/tollgate-gw/tollgate/internal/diag"
)

// AccessLogSettings is a stage's accessLogSettings: API Gateway's format, and where the lines go in place of its
// destinationArn.
type AccessLogSettings struct {
	Format      string `yaml:"format"`
	Destination string `yaml:"destination"`
}

// StdoutDestination sends a stage's access log to the output of the Envoy that serves it.
const StdoutDestination = "stdout"

// validateAccessLogs checks each stage's access log: a format whose every $context variable Tollgate logs, and a
// destination, made absolute against the config file's directory.
func (c *Config) validateAccessLogs(probs *diag.Problems) {
	for i := range c.APIs {
		for j := range c.APIs[i].Stages {
			s := c.APIs[i].Stages[j].AccessLogSettings
			if s == nil {
				continue
			}
			at := func(key string) string { return diag.Pointer("apis", i, "stages", j, "accessLogSettings", key) }
			if s.Format == "" {
				probs.Addf(c.File, at("format"), "an access log needs its format")
			} else if _, err := accesslog.Parse(s.Format); err != nil {
				probs.Addf(c.File, at("format"), "%v", err)
			}
			switch {
			case s.Destination == "":
				probs.Addf(c.File, at("destination"), "an access log needs its destination: stdout, or a file's path")
			case s.Destination != StdoutDestination:
				if !filepath.IsAbs(s.Destination) {
					s.Destination = filepath.Join(filepath.Dir(c.File), s.Destination)
				}
				// Envoy would refuse the whole configuration for a log it cannot open.
				if info, err := os.Stat(filepath.Dir(s.Destination)); err != nil || !info.IsDir() {
					probs.Addf(c.File, at("destination"), "the access log's directory %s does not exist", filepath.Dir(s.Destination))
				}
			}
		}
	}
}
