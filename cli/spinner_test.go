package cli

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// lockedBuffer is written by the spinner's goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSpinnerAnimatesThenClearsItsLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var w lockedBuffer
		n := 0
		s := &spinner{w: &w, label: func() string { n++; return "unlocking" }, quit: make(chan struct{}), ended: make(chan struct{})}
		go s.run()
		time.Sleep(250 * time.Millisecond)
		s.stop()
		s.stop() // a second stop is harmless
		out := w.String()
		if n != 3 || strings.Count(out, "unlocking") != 3 || !strings.Contains(out, "⠋ unlocking") || !strings.Contains(out, "⠹ unlocking") {
			t.Fatalf("%d frames: %q", n, out)
		}
		if !strings.HasSuffix(out, "\r\x1b[2K") {
			t.Fatalf("line not cleared at the end: %q", out)
		}
	})
}

// Off a terminal (a pipe, a file, a test buffer) nothing is drawn.
func TestSpinnerSilentOffTerminal(t *testing.T) {
	var w bytes.Buffer
	stop := spinText(&w, "unlocking")
	stop()
	if w.Len() != 0 {
		t.Fatalf("wrote %q to a non-terminal", w.String())
	}
}
