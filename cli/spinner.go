package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"golang.org/x/term"
)

// spinner animates one status line on a terminal while something slow
// runs (scrypt takes seconds by design; so can a venue). Elsewhere it
// prints nothing, so scripts and logs see only results.
type spinner struct {
	w     io.Writer
	label func() string
	quit  chan struct{}
	ended chan struct{}
	once  sync.Once
}

var spinFrames = []rune("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")

// spin starts a spinner on w if w is a terminal; label is read on every
// frame. stop clears the line; it is safe to call more than once.
func spin(w io.Writer, label func() string) (stop func()) {
	if !isTerminal(w) {
		return func() {}
	}
	s := &spinner{w: w, label: label, quit: make(chan struct{}), ended: make(chan struct{})}
	go s.run()
	return s.stop
}

// spinText is spin with a fixed label.
func spinText(w io.Writer, text string) (stop func()) {
	return spin(w, func() string { return text })
}

func (s *spinner) run() {
	defer close(s.ended)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		fmt.Fprintf(s.w, "\r\x1b[2K%c %s", spinFrames[i%len(spinFrames)], s.label())
		select {
		case <-s.quit:
			fmt.Fprint(s.w, "\r\x1b[2K")
			return
		case <-t.C:
		}
	}
}

func (s *spinner) stop() {
	s.once.Do(func() {
		close(s.quit)
		<-s.ended
	})
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
