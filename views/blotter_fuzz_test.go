package views

import (
	"testing"
)

// bytesChooser draws from fuzz input, a byte or more per draw; the
// sequence ends with the input.
type bytesChooser struct {
	b []byte
	i int
}

func (c *bytesChooser) exhausted() bool { return c.i >= len(c.b) }

func (c *bytesChooser) IntN(n int) int {
	v := 0
	for span := 1; span < n; span <<= 8 {
		if c.i < len(c.b) {
			v = v<<8 | int(c.b[c.i])
			c.i++
		} else {
			v <<= 8
		}
	}
	return v % n
}

// FuzzBlotter plays fuzz bytes as steps into the blotter (snapshots that
// add, keep and drop rows, events, filters, resizes, keys) and holds it to
// the property tests' model after every step.
func FuzzBlotter(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x2a\x00\x01\x2a\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Each step checks every row, so a long input is slow, not deep.
		if len(data) > 4096 {
			data = data[:4096]
		}
		pp := newBlotterProp(testStyles())
		if err := pp.run(&bytesChooser{b: data}, len(data)); err != nil {
			t.Fatal(err)
		}
	})
}
