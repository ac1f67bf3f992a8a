package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Reading the journal beside its writer.
//
// bbolt's file lock cannot be shared with a writer: a second process
// cannot open the journal, even read-only, while the cockpit holds it.
// Three ways round that were weighed:
//
//   - Copying the file from outside: bbolt reuses freed pages in place,
//     so a copy taken while a commit lands can mix two versions of the
//     tree. Nothing in the bytes says so reliably; a "consistent" copy
//     would be a guess.
//   - The cockpit writing a snapshot file now and then: always stale, and
//     a full copy of the journal on disk every period whether anyone
//     reads it or not.
//   - The holder serving copies on request (chosen): the process that
//     holds the lock answers a connection on a unix socket beside the
//     journal with tx.WriteTo inside a read transaction, bbolt's own hot
//     backup, which is consistent by construction (one transaction's
//     view of every page). The reader opens that copy as a journal of its
//     own. Nothing the reader does can reach the live file: the socket
//     carries bytes one way and the server never writes.
//
// A read transaction is cheap for bbolt's writer except in one case: a
// commit that must grow the file waits for open readers before it remaps.
// So the copy is first written to an unlinked temporary file in the data
// directory, at disk speed, and the transaction closes before a byte goes
// to the socket; a slow or stalled reader holds only that file. Copies are
// made one at a time.
//
// The socket is 0600 in the journal's directory, and (on Linux) each peer
// must run as the same user: the journal holds no secrets, but it is
// nobody else's business either.

// SocketSuffix names the socket beside the journal: journal.db.sock.
const SocketSuffix = ".sock"

// copyTimeout bounds how long one reader may take to receive its copy.
const copyTimeout = 2 * time.Minute

// ErrNoCopy means no process answered with a copy of the journal: nothing
// serves one (an older vigil, a 'vigil order', no holder at all).
var ErrNoCopy = errors.New("no copy of the journal served")

// ErrReadOnly is what a write to a copy of the journal returns.
var ErrReadOnly = errors.New("journal: a read-only copy")

// SocketPath is where the holder of the journal at path serves copies.
func SocketPath(path string) string { return path + SocketSuffix }

// ServeCopies answers each connection on SocketPath(j.Path()) with a
// consistent copy of the journal, until ctx ends, and then removes the
// socket. It returns once the socket listens; wait returns when serving
// has stopped (nil after ctx ended). Call it only on a journal this
// process holds: the file lock is what makes a socket left there by a
// process that died safe to replace.
func (j *Journal) ServeCopies(ctx context.Context) (wait func() error, err error) {
	if j.copyDir != "" {
		return nil, ErrReadOnly
	}
	sock := SocketPath(j.path)
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("journal copies: %w", err)
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("journal copies: %w", err)
	}
	if err := os.Chmod(sock, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("journal copies: %w", err)
	}
	done := make(chan error, 1)
	go func() {
		stop := context.AfterFunc(ctx, func() { ln.Close() })
		defer stop()
		for {
			c, err := ln.Accept()
			if err != nil {
				ln.Close()
				if ctx.Err() != nil {
					err = nil
				} else {
					err = fmt.Errorf("journal copies: %w", err)
				}
				done <- err
				return
			}
			// A reader still receiving when the cockpit closes is cut
			// off: closing never waits on a slow reader.
			stopConn := context.AfterFunc(ctx, func() { c.Close() })
			j.serveCopy(c)
			stopConn()
		}
	}()
	return func() error { return <-done }, nil
}

// serveCopy writes "OK <size>\n" and the copy, or "ERR <why>\n".
func (j *Journal) serveCopy(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(copyTimeout))
	if !samePeer(c) {
		fmt.Fprintf(c, "ERR not the journal's owner\n")
		return
	}
	f, size, done, err := j.snapshot()
	if err != nil {
		fmt.Fprintf(c, "ERR %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	defer done()
	w := bufio.NewWriterSize(c, 1<<16)
	fmt.Fprintf(w, "OK %d\n", size)
	if _, err := io.Copy(w, f); err == nil {
		_ = w.Flush()
	}
}

// snapshot writes one read transaction's copy of the journal to a
// temporary file in its directory and returns it rewound; done closes and
// removes it.
func (j *Journal) snapshot() (f *os.File, size int64, done func(), err error) {
	f, err = os.CreateTemp(filepath.Dir(j.path), ".journal-copy-*")
	if err != nil {
		return nil, 0, nil, err
	}
	// Unlinked at once where the system allows it, so a crash leaves
	// nothing behind; elsewhere when the copy is sent.
	name := f.Name()
	unlinked := os.Remove(name) == nil
	done = func() {
		f.Close()
		if !unlinked {
			os.Remove(name)
		}
	}
	err = j.view(func(tx *bolt.Tx) error {
		size = tx.Size()
		_, err := tx.WriteTo(f)
		return err
	})
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		done()
		return nil, 0, nil, err
	}
	return f, size, done, nil
}

// OpenCopy asks the process holding the journal at path for a consistent
// copy (see Serve) and opens it: a Journal for reading whose Path is
// path, whose writes fail with ErrReadOnly, and whose Close removes the
// copy. ErrNoCopy (wrapped) when nothing answers.
func OpenCopy(ctx context.Context, path string) (*Journal, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", SocketPath(path))
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w (%v)", path, ErrNoCopy, err)
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stop()
	_ = c.SetDeadline(time.Now().Add(copyTimeout))
	br := bufio.NewReaderSize(c, 1<<16)
	head, err := br.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w (the holder closed the connection: %v)", path, ErrNoCopy, err)
	}
	head = strings.TrimSuffix(head, "\n")
	if why, ok := strings.CutPrefix(head, "ERR "); ok {
		return nil, fmt.Errorf("journal %s: %w: the holder could not copy it: %s", path, ErrNoCopy, why)
	}
	size, err := strconv.ParseInt(strings.TrimPrefix(head, "OK "), 10, 64)
	if !strings.HasPrefix(head, "OK ") || err != nil || size <= 0 {
		return nil, fmt.Errorf("journal %s: %w (an answer vigil does not know: %.40q)", path, ErrNoCopy, head)
	}
	dir, err := os.MkdirTemp("", "vigil-journal-copy-*")
	if err != nil {
		return nil, err
	}
	j, err := receiveCopy(br, size, dir, path)
	if err != nil {
		os.RemoveAll(dir)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return j, nil
}

func receiveCopy(r io.Reader, size int64, dir, path string) (*Journal, error) {
	file := filepath.Join(dir, FileName)
	f, err := os.OpenFile(file, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(f, io.LimitReader(r, size))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = fmt.Errorf("the copy was cut short at %d of %d bytes", n, size)
	}
	if err != nil {
		return nil, fmt.Errorf("journal %s: copy: %w", path, err)
	}
	// Opened as any journal is: its pages walked, its schema checked.
	j, err := Open(file)
	if err != nil {
		return nil, err
	}
	j.copyDir, j.shown = dir, path
	return j, nil
}

// IsCopy reports whether j is a copy served by the journal's holder.
func (j *Journal) IsCopy() bool { return j.copyDir != "" }
