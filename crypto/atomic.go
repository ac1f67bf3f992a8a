package crypto

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Steps of an atomic vault write, in order. A crash between any two leaves
// the old or the new vault at path (and the old one at path.bak once linked).
const (
	stepCreateTemp = "create-temp"
	stepWrite      = "write"
	stepSyncTemp   = "sync-temp"
	stepCloseTemp  = "close-temp"
	stepRemoveBak  = "remove-bak"
	stepBackup     = "backup"
	stepRename     = "rename"
	stepSyncDir    = "sync-dir"
)

// writeSteps lists the steps in the order writeAtomic runs them.
var writeSteps = []string{stepCreateTemp, stepWrite, stepSyncTemp, stepCloseTemp,
	stepRemoveBak, stepBackup, stepRename, stepSyncDir}

// writeAtomic replaces path with data: temp file in the same directory,
// fsync, keep the old file as path.bak (hard link, copy where links are not
// possible), rename over path, fsync the directory. Without keepBackup the
// old path.bak is deleted and no new one is made, so a file encrypted to a
// passphrase being changed survives only as path itself until the rename.
// step, if set, runs before each step and can fail it. The caller holds
// the vault's lock.
func writeAtomic(path string, data []byte, step func(string) error, keepBackup bool) error {
	if step == nil {
		step = func(string) error { return nil }
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	bak := path + ".bak"

	if err := step(stepCreateTemp); err != nil {
		return err
	}
	// CreateTemp opens with mode 0600, so the ciphertext is never readable
	// by others, even for an instant.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := step(stepWrite); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := step(stepSyncTemp); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := step(stepCloseTemp); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	cleanup := func(err error) error {
		os.Remove(tmp.Name())
		return err
	}

	_, statErr := os.Lstat(path)
	hasOld := statErr == nil
	if hasOld || !keepBackup {
		if err := step(stepRemoveBak); err != nil {
			return cleanup(err)
		}
		if err := os.Remove(bak); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return cleanup(err)
		}
	}
	if hasOld && keepBackup {
		if err := step(stepBackup); err != nil {
			return cleanup(err)
		}
		if err := os.Link(path, bak); err != nil {
			if err := copyFile(path, bak); err != nil {
				return cleanup(fmt.Errorf("keeping backup %s: %w", bak, err))
			}
		}
	}
	if err := step(stepRename); err != nil {
		return cleanup(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return cleanup(err)
	}
	if err := step(stepSyncDir); err != nil {
		return err
	}
	return syncDir(dir)
}

// copyFile is the backup path on file systems without hard links; it goes
// through its own temp file so a crash never leaves a half-written .bak.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(out.Name())
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		os.Remove(out.Name())
		return err
	}
	if err := out.Close(); err != nil {
		os.Remove(out.Name())
		return err
	}
	if err := os.Rename(out.Name(), dst); err != nil {
		os.Remove(out.Name())
		return err
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}
