package routekey

import "testing"

func TestMethodKey(t *testing.T) {
	for _, tt := range []struct {
		key, want string
		ok        bool
	}{
		{"GET /pets", "/pets/GET", true},
		{"ANY /pets/{proxy+}", "/pets/{proxy+}/ANY", true},
		{"$default", "$default/ANY", true},
		{"GET pets", "", false},
		{"FETCH /pets", "", false},
		{"GET /a b", "", false},
		{"", "", false},
	} {
		if got, ok := MethodKey(tt.key); got != tt.want || ok != tt.ok {
			t.Errorf("MethodKey(%q) = %q, %v; want %q, %v", tt.key, got, ok, tt.want, tt.ok)
		}
	}
}
