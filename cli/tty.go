package cli

import (
	"context"

	"github.com/vigil-trade/vigil/crypto"
)

// lazyTTY opens /dev/tty on first use, so commands that never ask work
// without a terminal (CI, pipes).
type lazyTTY struct {
	t   *crypto.Terminal
	err error
}

func (l *lazyTTY) open() (*crypto.Terminal, error) {
	if l.t == nil && l.err == nil {
		l.t, l.err = crypto.OpenTerminal()
	}
	return l.t, l.err
}

func (l *lazyTTY) ReadPassword(ctx context.Context, prompt string) ([]byte, error) {
	t, err := l.open()
	if err != nil {
		return nil, errNoTTY
	}
	return t.ReadPassword(ctx, prompt)
}

func (l *lazyTTY) ReadLine(ctx context.Context, prompt string) (string, error) {
	t, err := l.open()
	if err != nil {
		return "", errNoTTY
	}
	return t.ReadLine(ctx, prompt)
}

func (l *lazyTTY) Close() {
	if l.t != nil {
		l.t.Close()
	}
}
