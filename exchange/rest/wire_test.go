package rest

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"
	"testing"
)

// readBody reads what io.ReadAll(io.LimitReader) would, whatever the
// declared length says.
func TestReadBody(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 1000)
	for _, tc := range []struct {
		length, limit int64
	}{{-1, 1 << 20}, {int64(len(body)), 1 << 20}, {5, 1 << 20}, {1 << 30, 1 << 20}, {-1, 7}, {int64(len(body)), 4096}} {
		want, _ := io.ReadAll(io.LimitReader(&chunked{b: body}, tc.limit))
		got, err := readBody(make([]byte, 0, 16), &chunked{b: body}, tc.length, tc.limit)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("length %d limit %d: %d bytes, err %v; want %d", tc.length, tc.limit, len(got), err, len(want))
		}
	}
}

// chunked reads at most 100 bytes per call, as a socket might.
type chunked struct{ b []byte }

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 100)], c.b)
	c.b = c.b[n:]
	return n, nil
}

func TestParamsEscaping(t *testing.T) {
	var q Params
	q.Add("a b", "x+y,z~é")
	q.AddInt("n", -5)
	if got := q.String(); got != "a%20b=x%2By%2Cz~%C3%A9&n=-5" {
		t.Errorf("escaped %q", got)
	}
	q = Params{Literal: ","}
	q.Add("coin", "BTC,USDT")
	if got := q.String(); got != "coin=BTC,USDT" {
		t.Errorf("literal comma: %q", got)
	}
}

// Requests sent by the stdlib transport share one header map per body
// kind until a signer sets a header of its own; nothing sending them
// writes to the shared maps, and every request carries its own headers.
func TestSharedHeaderMaps(t *testing.T) {
	s := newServer(t, func(int, *http.Request) (int, string) { return 200, ok(`1`) })
	for _, sig := range []Signer{nil, newHMAC(t)} {
		p, _ := newPath(t, s, sig, false, nil)
		if !p.shared {
			t.Fatal("the default transport does not share header maps")
		}
		before := make([]http.Header, len(p.headers))
		for i, h := range p.headers {
			before[i] = h.Clone()
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				signed := sig != nil
				if err := p.Do(context.Background(), &Request{Method: http.MethodGet, Path: "/g", Signed: signed}, nil); err != nil {
					t.Error(err)
				}
				if err := p.Do(context.Background(), &Request{Method: http.MethodPost, Path: "/p", Body: []byte("a=1"), Kind: Form, Signed: signed}, nil); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		for i, h := range p.headers {
			if !maps.EqualFunc(h, before[i], slices.Equal) {
				t.Errorf("shared map %d written to: %v", i, h)
			}
		}
	}
	for _, g := range s.requests() {
		wantType := ""
		if g.method == http.MethodPost {
			wantType = "application/x-www-form-urlencoded"
		}
		if g.header.Get("Content-Type") != wantType || g.header.Get("X-Api-Key") != "k1" {
			t.Errorf("%s %s: %v", g.method, g.uri, g.header)
		}
	}
}
