package translate

import (
	"slices"
	"testing"
)

// TestEveryFeatureHasItsPlace: a filter registered without a place in filterOrder would never reach the chain,
// and a place without a feature would be a filter nobody builds.
func TestEveryFeatureHasItsPlace(t *testing.T) {
	for name, f := range features {
		if !slices.Contains(filterOrder, name) {
			t.Errorf("feature %s is registered but has no place in filterOrder", name)
		}
		if f.filter == nil {
			t.Errorf("feature %s builds no listener filter", name)
		}
		if f.apply == nil && !f.always {
			t.Errorf("feature %s is switched on by no route and not always in the chain", name)
		}
	}
	for _, name := range filterOrder {
		if _, ok := features[name]; !ok {
			t.Errorf("filterOrder places %s, which no feature registers", name)
		}
	}
}
