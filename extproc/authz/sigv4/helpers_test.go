package sigv4

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestHeaders(t *testing.T) {
	for _, tt := range []struct {
		name   string
		header map[string][]string
		length int64
		want   [][2]string
	}{
		{"names lower case, every value", map[string][]string{"X-Amz-Date": {"d"}, "Accept": {"a", "b"}}, 0,
			[][2]string{{"host", "h"}, {"accept", "a"}, {"accept", "b"}, {"x-amz-date", "d"}}},
		{"the length net/http kept apart", map[string][]string{}, 12, [][2]string{{"host", "h"}, {"content-length", "12"}}},
		{"the length given as a header", map[string][]string{"Content-Length": {"12"}}, 12, [][2]string{{"host", "h"}, {"content-length", "12"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := Headers("h", tt.header, tt.length)
			// The host first, the rest in the map's order: sorted here.
			slices.SortFunc(got[1:], func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
			if !slices.Equal(got, tt.want) {
				t.Errorf("Headers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestErrorOf(t *testing.T) {
	own := &Error{Type: "InvalidSignatureException", Message: "m"}
	if got := ErrorOf(own, "Other"); got != own {
		t.Errorf("ErrorOf(an *Error) = %v, want it", got)
	}
	if got := ErrorOf(errors.New("bad"), "IncompleteSignatureException"); got.Type != "IncompleteSignatureException" || got.Message != "bad" {
		t.Errorf("ErrorOf(another error) = %+v", got)
	}
}
