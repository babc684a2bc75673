package processor

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tollgate-gw/tollgate/internal/compresstest"
)

func TestDecompress(t *testing.T) {
	payload := []byte(`{"name":"pet","tags":["a","b"]}`)
	tests := []struct {
		name, encoding string
		body           []byte
		want           []byte
		decoded        bool
		err            bool
	}{
		{"gzip", "gzip", compresstest.Compress(t, "gzip", payload), payload, true, false},
		{"x-gzip, any case", " X-Gzip ", compresstest.Compress(t, "gzip", payload), payload, true, false},
		{"deflate as zlib", "deflate", compresstest.Compress(t, "zlib", payload), payload, true, false},
		{"deflate raw", "deflate", compresstest.Compress(t, "raw", payload), payload, true, false},
		{"identity", "identity", payload, payload, false, false},
		{"none", "", payload, payload, false, false},
		{"a coding not decoded passes", "br", []byte{1, 2, 3}, []byte{1, 2, 3}, false, false},
		{"not gzip", "gzip", payload, nil, false, true},
		{"truncated gzip", "gzip", compresstest.Compress(t, "gzip", payload)[:20], nil, false, true},
		{"empty gzip", "gzip", nil, nil, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, decoded, err := Decompress(tt.encoding, tt.body)
			if (err != nil) != tt.err || decoded != tt.decoded || !bytes.Equal(got, tt.want) {
				t.Errorf("Decompress(%q) = %q, %v, %v; want %q, %v, error %v", tt.encoding, got, decoded, err, tt.want, tt.decoded, tt.err)
			}
		})
	}
}

func TestDecompressRefusesABomb(t *testing.T) {
	bomb := compresstest.Compress(t, "gzip", make([]byte, MaxPayload+1))
	if _, _, err := Decompress("gzip", bomb); !errors.Is(err, ErrPayloadTooLarge) {
		t.Errorf("a body decompressing past 10 MB: %v, want ErrPayloadTooLarge", err)
	}
	if out, _, err := Decompress("gzip", compresstest.Compress(t, "gzip", make([]byte, MaxPayload))); err != nil || len(out) != MaxPayload {
		t.Errorf("a body decompressing to exactly 10 MB: %d bytes, %v", len(out), err)
	}
}

func FuzzDecompress(f *testing.F) {
	for _, coding := range []string{"gzip", "zlib", "raw"} {
		f.Add(coding, compresstest.Compress(f, coding, []byte(`{"a":1}`)))
	}
	f.Fuzz(func(t *testing.T, coding string, body []byte) {
		encoding := map[string]string{"zlib": "deflate", "raw": "deflate"}[coding]
		if encoding == "" {
			encoding = coding
		}
		out, decoded, err := Decompress(encoding, body)
		if err == nil && len(out) > MaxPayload {
			t.Errorf("decoded %d bytes, over the limit", len(out))
		}
		if !decoded && err == nil && !bytes.Equal(out, body) {
			t.Error("a body not decoded changed")
		}
	})
}
