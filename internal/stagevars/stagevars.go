// Package stagevars expands ${stageVariables.name} references, which API Gateway allows anywhere in an
// integration URI (host, port and path) and in parameter mappings.
package stagevars

import (
	"regexp"
	"sort"
)

var reference = regexp.MustCompile(`\$\{stageVariables\.([A-Za-z0-9_]+)\}`)

// What API Gateway allows a stage's name, and its variables' names and values, to be: "Variable names can have
// alphanumeric and underscore characters, and the values must match [A-Za-z0-9-._~:/?#&=,]+."
var (
	StageName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	Name      = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	Value     = regexp.MustCompile(`^[A-Za-z0-9\-._~:/?#&=,]{1,512}$`)
)

// Expand replaces every reference with the stage's value. It also returns the names referenced but not defined,
// sorted; they expand to "" as on AWS, and callers decide whether that is an error.
func Expand(s string, vars map[string]string) (string, []string) {
	missing := map[string]bool{}
	out := reference.ReplaceAllStringFunc(s, func(ref string) string {
		name := reference.FindStringSubmatch(ref)[1]
		v, ok := vars[name]
		if !ok {
			missing[name] = true
		}
		return v
	})
	names := make([]string, 0, len(missing))
	for n := range missing {
		names = append(names, n)
	}
	sort.Strings(names)
	return out, names
}
