package crypto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Terminal asks questions on the controlling terminal (/dev/tty), never on
// stdin/stdout, so piping and redirection cannot capture a passphrase.
type Terminal struct {
	f *os.File
}

// OpenTerminal opens the controlling terminal.
func OpenTerminal() (*Terminal, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("no terminal to ask on: %w", err)
	}
	return &Terminal{f: f}, nil
}

// Close releases the terminal.
func (t *Terminal) Close() error { return t.f.Close() }

// ReadPassword prints prompt and reads a line without echo. Cancelling ctx
// (Ctrl-C under signal.NotifyContext) ends the read and restores echo. The
// caller wipes the result.
func (t *Terminal) ReadPassword(ctx context.Context, prompt string) ([]byte, error) {
	if _, err := io.WriteString(t.f, prompt); err != nil {
		return nil, err
	}
	restore, err := echoOff(t.f)
	if err != nil {
		return nil, err
	}
	line, err := t.readLine(ctx)
	restore()
	io.WriteString(t.f, "\n") // the user's Enter was not echoed
	return line, err
}

// ReadLine prints prompt and reads a line with echo, for answers that are
// not secret (labels, key ids, confirmations).
func (t *Terminal) ReadLine(ctx context.Context, prompt string) (string, error) {
	if _, err := io.WriteString(t.f, prompt); err != nil {
		return "", err
	}
	line, err := t.readLine(ctx)
	s := string(line)
	clear(line)
	return s, err
}

// Printf writes to the terminal (instructions next to a prompt).
func (t *Terminal) Printf(format string, args ...any) {
	fmt.Fprintf(t.f, format, args...)
}

func (t *Terminal) readLine(ctx context.Context) ([]byte, error) {
	// Input typed ahead is already buffered and would be read before the
	// deadline below takes effect; an interrupt must win over it.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// /dev/tty is in Go's poller on Linux, so a past deadline wakes the read.
	stop := context.AfterFunc(ctx, func() { t.f.SetReadDeadline(time.Unix(1, 0)) })
	defer func() {
		stop()
		t.f.SetReadDeadline(time.Time{})
	}()
	var buf wipeBuffer
	var one [1]byte
	for {
		n, err := t.f.Read(one[:])
		if n == 1 {
			if one[0] == '\n' {
				break
			}
			buf.grow(1)
			buf.b = append(buf.b, one[0])
			continue
		}
		if err != nil {
			buf.wipe()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	one[0] = 0
	if err := ctx.Err(); err != nil {
		buf.wipe()
		return nil, err
	}
	if n := len(buf.b); n > 0 && buf.b[n-1] == '\r' {
		buf.b = buf.b[:n-1]
	}
	return buf.b, nil
}
