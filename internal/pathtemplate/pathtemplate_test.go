package pathtemplate

import (
	"regexp"
	"sort"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		path    string
		shape   string
		params  string
		wantErr string
	}{
		{path: "/", shape: "/"},
		{path: "/pets", shape: "/pets"},
		{path: "/pets/", shape: "/pets"},
		{path: "/pets/{petId}", shape: "/pets/{}", params: "petId"},
		{path: "/a/{b}/c/{proxy+}", shape: "/a/{}/c/{+}", params: "b,proxy"},
		{path: "pets", wantErr: "must start with /"},
		{path: "/a//b", wantErr: "empty path segment"},
		{path: "/{proxy+}/x", wantErr: "must be the last path segment"},
		{path: "/a{b}", wantErr: "must be a whole segment"},
		{path: "/{}", wantErr: "invalid path parameter"},
		{path: "/a b", wantErr: "invalid path segment"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			tpl, err := Parse(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse(%q) error = %v, want it to contain %q", tt.path, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.path, err)
			}
			if got := tpl.Shape(); got != tt.shape {
				t.Errorf("Shape() = %q, want %q", got, tt.shape)
			}
			if got := strings.Join(tpl.Params(), ","); got != tt.params {
				t.Errorf("Params() = %q, want %q", got, tt.params)
			}
		})
	}
}

func TestLessOrdersByMatchPriority(t *testing.T) {
	paths := []string{"/{proxy+}", "/pets/{id}", "/", "/pets", "/pets/{id}/toys", "/pets/mine", "/{x}/toys", "/pets/{rest+}"}
	want := []string{"/pets/mine", "/pets/{id}/toys", "/pets/{id}", "/pets/{rest+}", "/pets", "/{x}/toys", "/{proxy+}", "/"}
	var tpls []Template
	for _, p := range paths {
		tpl, err := Parse(p)
		if err != nil {
			t.Fatal(err)
		}
		tpls = append(tpls, tpl)
	}
	sort.Slice(tpls, func(i, j int) bool { return Less(tpls[i], tpls[j]) })
	var got []string
	for _, tpl := range tpls {
		got = append(got, tpl.Raw)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("order = %v\nwant    %v", got, want)
	}
}

func TestRegexMatchesAndCaptures(t *testing.T) {
	tests := []struct {
		template string
		path     string
		captures []string // nil: no match
	}{
		{"/", "/prod", []string{}},
		{"/", "/prod/", []string{}},
		{"/pets", "/prod/pets", []string{}},
		{"/pets", "/prod/pets/", []string{}},
		{"/pets", "/prod/pets/1", nil},
		{"/pets", "/prodx/pets", nil},
		{"/pets/{id}", "/prod/pets/42", []string{"42"}},
		{"/pets/{id}", "/prod/pets/42/", []string{"42"}},
		{"/pets/{id}", "/prod/pets/", nil},
		{"/{proxy+}", "/prod/a/b/c", []string{"a/b/c"}},
		{"/{proxy+}", "/prod/a/b/c/", []string{"a/b/c"}},
		{"/{proxy+}", "/prod/", nil},
		{"/a.b", "/prod/aXb", nil},
	}
	for _, tt := range tests {
		tpl, err := Parse(tt.template)
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(tpl.Regex("/prod"))
		m := re.FindStringSubmatch(tt.path)
		if tt.captures == nil {
			if m != nil {
				t.Errorf("%s matched %s, want no match", tt.template, tt.path)
			}
			continue
		}
		if m == nil {
			t.Errorf("%s did not match %s", tt.template, tt.path)
			continue
		}
		if strings.Join(m[1:], "|") != strings.Join(tt.captures, "|") {
			t.Errorf("%s on %s captured %q, want %q", tt.template, tt.path, m[1:], tt.captures)
		}
	}
}

func TestOverlaps(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"/pets/{id}", "/pets/mine", true},
		{"/pets/{id}", "/toys/{id}", false},
		{"/pets/{id}", "/{proxy+}", true},
		{"/pets", "/{proxy+}", true},
		{"/", "/{proxy+}", false},
		{"/pets/{id}", "/pets/{id}/toys", false},
		{"/things0/{id}", "/things1/{id}", false},
		{"/a/{x+}", "/a/b/c", true},
		{"/{x}/b", "/a/{y}", true},
	}
	for _, tt := range tests {
		a, _ := Parse(tt.a)
		b, _ := Parse(tt.b)
		if got := Overlaps(a, b); got != tt.want {
			t.Errorf("Overlaps(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := Overlaps(b, a); got != tt.want {
			t.Errorf("Overlaps(%s, %s) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}
