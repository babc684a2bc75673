package clientip

import "testing"

func TestOf(t *testing.T) {
	tests := []struct {
		name, peer, xff string
		hops            int
		want            string
	}{
		{"no trusted proxy: the peer, whatever the header says", "10.0.0.9", "203.0.113.7, 10.0.0.9", 0, "10.0.0.9"},
		{"one proxy: the address it appended", "10.0.0.9", "203.0.113.7, 10.0.0.9", 1, "203.0.113.7"},
		{"one proxy: what the client wrote before is not trusted", "10.0.0.9", "1.2.3.4, 203.0.113.7, 10.0.0.9", 1, "203.0.113.7"},
		{"two proxies", "10.0.0.9", "1.2.3.4, 203.0.113.7, 10.0.0.8, 10.0.0.9", 2, "203.0.113.7"},
		{"too few hops: the peer", "10.0.0.9", "10.0.0.9", 1, "10.0.0.9"},
		{"peer with a port", "127.0.0.1:5000", "", 0, "127.0.0.1"},
		{"IPv6", "::1", "2001:db8::1, ::1", 1, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Of(tt.peer, tt.xff, tt.hops); got != tt.want {
				t.Errorf("Of(%q, %q, %d) = %q, want %q", tt.peer, tt.xff, tt.hops, got, tt.want)
			}
		})
	}
}
