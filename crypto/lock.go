package crypto

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// lockWait bounds how long a writer waits for another vigil process that
// is changing the same vault: a save takes a second or two of scrypt, so a
// minute means the holder is stuck, and saying so beats hanging.
const lockWait = time.Minute

// ErrVaultBusy says another process held the vault's writer lock for
// longer than lockWait.
var ErrVaultBusy = errors.New("the vault is being changed by another vigil process")

// vaultLock is the writer lock of one vault: an advisory lock on
// path+".lock". The lock file is never removed, since removing it would
// let two processes hold locks on two different files of the same name.
type vaultLock struct {
	f *os.File
}

// lockVault takes the vault's writer lock, waiting for other writers, and
// then removes the temp files that interrupted saves left behind: with the
// lock held, no save is in progress, so every such file is a leftover
// (possibly still encrypted to a passphrase that has since been changed).
func lockVault(ctx context.Context, path string) (*vaultLock, error) {
	if err := refuseSymlink(path); err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|oNoFollow, 0o600)
	if err != nil {
		return nil, fmt.Errorf("vault lock %s: %w", name, err)
	}
	deadline := time.Now().Add(lockWait)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("vault lock %s: %w", name, err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("%s: %w (it has held %s for %s); nothing was saved", path, ErrVaultBusy, name, lockWait)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	l := &vaultLock{f: f}
	removeLeftovers(path)
	return l, nil
}

// unlock releases the lock; closing the file is what drops it.
func (l *vaultLock) unlock() { l.f.Close() }

// removeLeftovers deletes the temp files of interrupted saves of path:
// .vault.age.tmp-* (writeAtomic) and .vault.age.bak.tmp-* (copyFile).
func removeLeftovers(path string) {
	dir, base := filepath.Split(path)
	entries, err := os.ReadDir(filepath.Clean(dir))
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, "."+base+".tmp-") || strings.HasPrefix(n, "."+base+".bak.tmp-") {
			os.Remove(filepath.Join(dir, n))
		}
	}
}
