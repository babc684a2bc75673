package websocket

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

// maxFrame is API Gateway's limit on a frame a client sends: 32 KB. A message may be larger, in several frames,
// up to maxMessage.
const maxFrame = 32 << 10

// errFrameTooBig is what a read of a connection whose client sent a frame over maxFrame fails with.
var errFrameTooBig = errors.New("a frame over 32 KB")

// A frameLimiter passes a client's bytes through to the WebSocket library, reading the frames' headers as they
// go by (RFC 6455 section 5.2), and fails the read that brings a frame over maxFrame: the library reads frames
// into messages without telling their sizes.
type frameLimiter struct {
	r io.Reader
	// header holds the bytes of the frame header being read, need how many it has in all (0: the next byte
	// starts one), and payload how many bytes of the current frame's payload are still to pass.
	header  [14]byte
	have    int
	need    int
	payload uint64
}

func (f *frameLimiter) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	for i := 0; i < n; {
		if f.payload > 0 {
			skip := uint64(n - i)
			if skip > f.payload {
				skip = f.payload
			}
			f.payload -= skip
			i += int(skip)
			continue
		}
		f.header[f.have] = p[i]
		f.have++
		i++
		if f.have == 2 {
			f.need = 2
			switch f.header[1] & 0x7f {
			case 126:
				f.need += 2
			case 127:
				f.need += 8
			}
			if f.header[1]&0x80 != 0 {
				f.need += 4 // the masking key
			}
		}
		if f.have < 2 || f.have < f.need {
			continue
		}
		length := uint64(f.header[1] & 0x7f)
		switch length {
		case 126:
			length = uint64(binary.BigEndian.Uint16(f.header[2:4]))
		case 127:
			length = binary.BigEndian.Uint64(f.header[2:10])
		}
		if length > maxFrame {
			return i, errFrameTooBig
		}
		f.payload, f.have, f.need = length, 0, 0
	}
	return n, err
}

// limitFrames is the ResponseWriter the library hijacks the upgraded connection from: the connection it gets
// reads through a frameLimiter (the library reads the connection itself once it has taken what the hijacked
// reader had buffered, so the limiter is the connection's, that buffer its first bytes).
// The connection it made is put in conn.
type limitFrames struct {
	http.ResponseWriter
	conn **limitedConn
}

func (w limitFrames) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	buffered, _ := brw.Reader.Peek(brw.Reader.Buffered())
	limited := &limitedConn{Conn: conn, r: &frameLimiter{r: io.MultiReader(bytes.NewReader(bytes.Clone(buffered)), conn)}}
	*w.conn = limited
	return limited, bufio.NewReadWriter(bufio.NewReaderSize(limited, hijackedBuffer), brw.Writer), nil
}

// hijackedBuffer is the size of the reader given back: net/http's own, which it replaces.
const hijackedBuffer = 4096

// limitedConn is a connection whose reads go through a frameLimiter.
type limitedConn struct {
	net.Conn
	r io.Reader
	// drain says the service closes the connection while the client may still be sending (a frame or a message
	// over the limit, a protocol error): what it sends is read and dropped before the close, for up to
	// drainTimeout, since a close with data unread resets the connection and the client would lose the close
	// frame saying why.
	drain atomic.Bool
}

// drainTimeout bounds how long a connection closed on the client's fault is read after its close frame.
const drainTimeout = time.Second

func (c *limitedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

func (c *limitedConn) Close() error {
	if c.drain.Load() {
		_ = c.Conn.SetReadDeadline(time.Now().Add(drainTimeout))
		_, _ = io.Copy(io.Discard, c.Conn)
	}
	return c.Conn.Close()
}
