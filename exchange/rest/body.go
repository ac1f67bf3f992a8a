package rest

import (
	"io"
	"slices"
	"sync"
)

// bodyPool holds reply buffers, so a poller reading balances every second
// does not allocate and grow one per request. Buffers grown past
// maxPooledBody (an instrument list) are left to the GC.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledBody = 256 << 10

func getBody() *[]byte { return bodyPool.Get().(*[]byte) }

func putBody(b *[]byte) {
	if cap(*b) <= maxPooledBody {
		*b = (*b)[:0]
		bodyPool.Put(b)
	}
}

// readBody appends r to dst until EOF or limit bytes, like
// io.ReadAll(io.LimitReader(r, limit)), growing dst at most once when the
// length is known.
func readBody(dst []byte, r io.Reader, length, limit int64) ([]byte, error) {
	if length > 0 && length <= limit {
		dst = slices.Grow(dst, int(length)+1) // +1: room to read EOF without growing
	}
	for int64(len(dst)) < limit {
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, min(max(cap(dst), 512), int(limit)-len(dst)))
		}
		n, err := r.Read(dst[len(dst):min(cap(dst), int(limit))])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
	return dst, nil
}
