package diag

import "testing"

func TestPointer(t *testing.T) {
	tests := []struct {
		tokens []any
		want   string
	}{
		{nil, ""},
		{[]any{"paths", "/pets/{id}", "get"}, "/paths/~1pets~1{id}/get"},
		{[]any{"apis", 0, "stages", 2}, "/apis/0/stages/2"},
		{[]any{"a~b"}, "/a~0b"},
	}
	for _, tt := range tests {
		if got := Pointer(tt.tokens...); got != tt.want {
			t.Errorf("Pointer(%v) = %q, want %q", tt.tokens, got, tt.want)
		}
	}
}

func TestErrSortsAndDeduplicates(t *testing.T) {
	var ps Problems
	if ps.Err() != nil {
		t.Fatal("no problems must be a nil error")
	}
	ps.Addf("b.yaml", "/x", "second")
	ps.Addf("a.yaml", "", "first %d", 1)
	ps.Addf("b.yaml", "/x", "second")
	want := "a.yaml: first 1\nb.yaml: /x: second"
	if got := ps.Err().Error(); got != want {
		t.Errorf("Err() = %q, want %q", got, want)
	}
}
