package cache

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"time"
)

// Entry is a method response as the cache keeps it: what the client got after the integration response's
// mapping, and when it stops being served.
type Entry struct {
	Status  int
	Headers [][2]string // lower-case names, in order
	Body    []byte
	Expires time.Time
}

// MaxBody is the largest response API Gateway caches: larger ones are served and not kept.
const MaxBody = 1 << 20

// An entry's bytes start with its format: a plain one, or one sealed with AES-GCM.
const (
	plainFormat  = 'p'
	sealedFormat = 's'
)

var errBadEntry = errors.New("not a cache entry")

// encode writes the entry: format, expiry (Unix nanoseconds), status, headers (count, then length-prefixed name
// and value each), then the body.
func (e *Entry) encode() []byte {
	n := 1 + 8 + 2 + binary.MaxVarintLen64 + len(e.Body)
	for _, h := range e.Headers {
		n += 2*binary.MaxVarintLen64 + len(h[0]) + len(h[1])
	}
	b := make([]byte, 0, n)
	b = append(b, plainFormat)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Expires.UnixNano()))
	b = binary.BigEndian.AppendUint16(b, uint16(e.Status))
	b = binary.AppendUvarint(b, uint64(len(e.Headers)))
	for _, h := range e.Headers {
		b = binary.AppendUvarint(b, uint64(len(h[0])))
		b = append(b, h[0]...)
		b = binary.AppendUvarint(b, uint64(len(h[1])))
		b = append(b, h[1]...)
	}
	return append(b, e.Body...)
}

// decodeEntry reads what encode wrote; the entry's strings and body are copies, b may be reused.
func decodeEntry(b []byte) (*Entry, error) {
	if len(b) < 11 || b[0] != plainFormat {
		return nil, errBadEntry
	}
	e := &Entry{Expires: time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9]))), Status: int(binary.BigEndian.Uint16(b[9:11]))}
	b = b[11:]
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return nil, errBadEntry
	}
	b = b[n:]
	text := func() (string, bool) {
		size, n := binary.Uvarint(b)
		if n <= 0 || size > uint64(len(b)-n) {
			return "", false
		}
		s := string(b[n : n+int(size)])
		b = b[n+int(size):]
		return s, true
	}
	e.Headers = make([][2]string, 0, count)
	for range count {
		name, ok1 := text()
		value, ok2 := text()
		if !ok1 || !ok2 {
			return nil, errBadEntry
		}
		e.Headers = append(e.Headers, [2]string{name, value})
	}
	e.Body = append([]byte(nil), b...)
	return e, nil
}

// A sealer seals the entries of methods with cacheDataEncrypted: AES-GCM, the entry's key as additional data, so
// that an entry copied under another key does not open.
type sealer struct{ aead cipher.AEAD }

// newSealer seals with key (16, 24 or 32 bytes); without one, with a key of its own, which only this process
// can open (enough for the memory store).
func newSealer(key []byte) (*sealer, error) {
	if key == nil {
		key = make([]byte, 32)
		rand.Read(key)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(key string, plain []byte) []byte {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	out[0] = sealedFormat
	rand.Read(out[1:])
	return s.aead.Seal(out, out[1:], plain, []byte(key))
}

func (s *sealer) open(key string, sealed []byte) ([]byte, error) {
	size := 1 + s.aead.NonceSize()
	if len(sealed) < size || sealed[0] != sealedFormat {
		return nil, errBadEntry
	}
	return s.aead.Open(nil, sealed[1:size], sealed[size:], []byte(key))
}
