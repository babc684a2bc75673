package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/tollgate-gw/tollgate/internal/diag"
	"github.com/tollgate-gw/tollgate/internal/source"
)

func validateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check config files and API definitions; exits non-zero listing every problem",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			failed := 0
			// A definition named both by a config and on its own is checked twice: each problem and warning is
			// printed once.
			printed := map[string]bool{}
			once := func(p diag.Problem, warning bool) {
				key := fmt.Sprint(filepath.Clean(p.File), "\x00", p.Pointer, "\x00", p.Reason, warning)
				if printed[key] {
					return
				}
				printed[key] = true
				if warning {
					p.Reason = "warning: " + p.Reason
				}
				fmt.Fprintln(cmd.ErrOrStderr(), p.String())
			}
			for _, f := range files {
				var warnings diag.Problems
				var err error
				if isDefinition(f) {
					warnings, err = source.ValidateDefinition(f)
				} else {
					var l *source.Loaded
					if l, err = source.Load(f); err == nil {
						warnings = l.Warnings
					}
				}
				var probs diag.Problems
				switch {
				case errors.As(err, &probs):
					for _, p := range probs {
						once(p, false)
					}
				case err != nil:
					fmt.Fprintln(cmd.ErrOrStderr(), err)
				}
				if err != nil {
					failed++
					continue
				}
				for _, w := range warnings {
					once(w, true)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", f)
			}
			if failed > 0 {
				return errors.New(plural(failed, "file is", "files are") + " invalid")
			}
			return nil
		},
	}
}

// isDefinition tells an API definition (OpenAPI, Swagger, or a CloudFormation or SAM template) from a Tollgate
// config.
func isDefinition(file string) bool {
	data, err := os.ReadFile(file)
	return err == nil && source.IsDefinition(data) // source.Load reports a read error
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
