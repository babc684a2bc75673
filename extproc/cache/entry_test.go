package cache

import (
	"bytes"
	"slices"
	"testing"
	"time"
)

func TestEntryRoundTrip(t *testing.T) {
	for _, e := range []*Entry{
		{Status: 200, Headers: [][2]string{{"content-type", "application/json"}, {"set-cookie", "a=1"}, {"set-cookie", "b=2"}}, Body: []byte(`{"id":1}`), Expires: time.Unix(1700000000, 5)},
		{Status: 404, Expires: time.Unix(0, 1)},
		{Status: 204, Headers: [][2]string{{"x-empty", ""}}, Body: []byte{}, Expires: time.Unix(1, 0)},
	} {
		got, err := decodeEntry(e.encode())
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != e.Status || !slices.Equal(got.Headers, e.Headers) || !bytes.Equal(got.Body, e.Body) || !got.Expires.Equal(e.Expires) {
			t.Errorf("round trip: %+v, want %+v", got, e)
		}
	}
}

// TestSealedEntries: a sealed entry opens with its key and under its cache key only; a store holding one copied
// under another key, or sealed by another node's key, gives nothing.
func TestSealedEntries(t *testing.T) {
	a, _ := newSealer(bytes.Repeat([]byte{1}, 32))
	b, _ := newSealer(bytes.Repeat([]byte{2}, 32))
	plain := (&Entry{Status: 200, Body: []byte("secret body"), Expires: time.Unix(9, 0)}).encode()
	sealed := a.seal("k1", plain)
	if bytes.Contains(sealed, []byte("secret body")) {
		t.Error("the sealed entry holds the body in the clear")
	}
	if got, err := a.open("k1", sealed); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("open: %v", err)
	}
	if _, err := a.open("k2", sealed); err == nil {
		t.Error("an entry opened under another cache key")
	}
	if _, err := b.open("k1", sealed); err == nil {
		t.Error("an entry opened with another key")
	}
	if _, err := a.open("k1", plain); err == nil {
		t.Error("a plain entry opened as a sealed one")
	}
}

// FuzzDecodeEntry: whatever a store gives back (a corrupted or foreign value), decoding never panics, and what it
// accepts encodes back to the same bytes.
func FuzzDecodeEntry(f *testing.F) {
	f.Add((&Entry{Status: 200, Headers: [][2]string{{"a", "b"}}, Body: []byte("x"), Expires: time.Unix(1, 0)}).encode())
	f.Add([]byte("p"))
	f.Add([]byte{'p', 0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := decodeEntry(b)
		if err != nil {
			return
		}
		again := e.encode()
		if back, err := decodeEntry(again); err != nil || back.Status != e.Status || !slices.Equal(back.Headers, e.Headers) || !bytes.Equal(back.Body, e.Body) {
			t.Errorf("%q decoded to %+v, which does not round-trip", b, e)
		}
	})
}
