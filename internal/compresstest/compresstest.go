// Package compresstest compresses test bodies as clients send them.
package compresstest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"testing"
)

// Compress encodes data in a coding: "gzip", "zlib" (HTTP's deflate) or "raw" (the bare deflate stream some
// clients send as deflate).
func Compress(t testing.TB, coding string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "raw":
		w, _ = flate.NewWriter(&buf, flate.BestSpeed) // a valid level cannot fail
	default:
		t.Fatalf("compresstest: unknown coding %q", coding)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Gzip is a string gzip-compressed.
func Gzip(t testing.TB, s string) string {
	t.Helper()
	return string(Compress(t, "gzip", []byte(s)))
}
