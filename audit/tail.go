package audit

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Last returns the last n lines of the trail, oldest first.
func Last(dir string, n int) ([][]byte, error) {
	files, err := Files(dir)
	if err != nil || n <= 0 {
		return nil, err
	}
	var out [][]byte
	for i := len(files) - 1; i >= 0 && len(out) < n; i-- {
		var ls [][]byte
		if err := scanFile(filepath.Join(dir, files[i]), func(_ int, raw []byte) error {
			ls = append(ls, bytes.Clone(raw))
			return nil
		}); err != nil {
			return nil, err
		}
		ls = ls[max(len(ls)-(n-len(out)), 0):]
		out = append(ls, out...)
	}
	return out, nil
}

// Follower reads the lines appended to a trail after it was made.
type Follower struct {
	dir string
	cur string
	off int64
}

// NewFollower starts at the trail's present end.
func NewFollower(dir string) (*Follower, error) {
	files, err := Files(dir)
	if err != nil {
		return nil, err
	}
	f := &Follower{dir: dir}
	if len(files) > 0 {
		f.cur = files[len(files)-1]
		if fi, err := os.Stat(filepath.Join(dir, f.cur)); err == nil {
			f.off = fi.Size()
		}
	}
	return f, nil
}

// Run calls fn for every whole line appended since the last call, in
// order, polling every interval until ctx ends.
func (f *Follower) Run(ctx context.Context, interval time.Duration, fn func(raw []byte)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		files, err := Files(f.dir)
		if err != nil {
			return err
		}
		for _, name := range files {
			if name < f.cur {
				continue
			}
			if name != f.cur {
				f.cur, f.off = name, 0
			}
			if f.off, err = readFrom(filepath.Join(f.dir, name), f.off, fn); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// readFrom passes the whole lines of path from off to fn and returns the
// offset after the last of them.
func readFrom(path string, off int64, fn func([]byte)) (int64, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return off, nil
	}
	if err != nil {
		return off, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, off, 1<<62))
	if err != nil {
		return off, err
	}
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return off, nil
		}
		fn(b[:i+1])
		off += int64(i + 1)
		b = b[i+1:]
	}
}
