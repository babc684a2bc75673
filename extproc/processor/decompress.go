package processor

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"strings"
)

// MaxPayload is the largest request payload API Gateway takes, 10 MB; a compressed body is held to it once
// decompressed too.
const MaxPayload = 10 << 20

// ErrPayloadTooLarge is a body that decompresses to more than MaxPayload.
var ErrPayloadTooLarge = errors.New("the decompressed body exceeds 10485760 bytes")

// Decompress decodes a request body by its Content-Encoding, as API Gateway does before the body's mapping
// template and validation read it: gzip (x-gzip) and deflate (zlib's format, or the raw stream some clients
// send). decoded is false for an identity body or a coding Tollgate does not decode, which is body as it came.
func Decompress(contentEncoding string, body []byte) (out []byte, decoded bool, err error) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(contentEncoding)) {
	case "gzip", "x-gzip":
		gz, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, false, err
		}
		r = gz
	case "deflate":
		if z, err := zlib.NewReader(bytes.NewReader(body)); err == nil {
			r = z
		} else {
			r = flate.NewReader(bytes.NewReader(body))
		}
	default:
		return body, false, nil
	}
	out, err = io.ReadAll(io.LimitReader(r, MaxPayload+1))
	switch {
	case err != nil:
		return nil, false, err
	case len(out) > MaxPayload:
		return nil, false, ErrPayloadTooLarge
	}
	return out, true, nil
}
