package crypto

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// maxVaultFile bounds what is read as a vault: a thousand keys are well
// under a megabyte.
const maxVaultFile = 16 << 20

// maxPassphraseFile bounds what is read as a passphrase file, so pointing
// --passphrase-file at the wrong file does not read it whole into memory.
const maxPassphraseFile = 4096

// ErrPassphraseFile says a passphrase file cannot be used: missing, not a
// regular file, empty or too large. (Unsafe permissions are a
// *PermissionError instead.)
var ErrPassphraseFile = errors.New("passphrase file unusable")

type passphraseFileError struct {
	path, why string
	err       error
}

func (e *passphraseFileError) Error() string        { return "passphrase file " + e.path + " " + e.why }
func (e *passphraseFileError) Unwrap() error        { return e.err }
func (e *passphraseFileError) Is(target error) bool { return target == ErrPassphraseFile }

// CheckVaultPermissions reports what OpenVault would refuse about the
// vault file's existence and permissions, so a command can say so before
// asking for a passphrase.
func CheckVaultPermissions(path string) error { return checkVaultPerms(path) }

// checkVaultPerms refuses a vault file that others may read or write, or a
// directory others may write (they could swap the vault or its backup). A
// vault that is a symbolic link is refused too: the checks would pass on
// the link's directory while the file lives elsewhere, and a save would
// replace the link with a file.
func checkVaultPerms(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no vault at %s: %w", path, err)
		}
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return symlinkError(path)
	}
	if err := checkPrivateFile(path, fi, "vault"); err != nil {
		return err
	}
	return checkVaultDir(path)
}

func checkVaultDir(path string) error {
	dir := filepath.Dir(path)
	// A directory reached through links is checked where it really is.
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	di, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if di.Mode().Perm()&0o022 != 0 {
		return &PermissionError{Path: dir, Mode: di.Mode(), Dir: true, What: "vault"}
	}
	return nil
}

// refuseSymlink fails when path is a symbolic link; a missing path is fine
// (a vault about to be created).
func refuseSymlink(path string) error {
	fi, err := os.Lstat(path)
	if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return symlinkError(path)
	}
	return nil
}

func symlinkError(path string) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		if target, err = os.Readlink(path); err != nil {
			target = "?"
		}
	}
	return &PermissionError{Path: path, What: "vault", Link: target}
}

// readVaultFile reads the vault's bytes after the checks of checkVaultPerms,
// made again on the file actually opened, so a file swapped in between is
// not read.
func readVaultFile(path string) ([]byte, error) {
	if err := checkVaultPerms(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|oNoFollow|oNonBlock, 0)
	if err != nil {
		if isLinkLoop(err) {
			return nil, symlinkError(path)
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkPrivateFile(path, fi, "vault"); err != nil {
		return nil, err
	}
	if fi.Size() > maxVaultFile {
		return nil, corrupt(path, fmt.Errorf("%d bytes, more than any vault", fi.Size()))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxVaultFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxVaultFile {
		return nil, corrupt(path, errors.New("more bytes than any vault"))
	}
	return data, nil
}

// checkPrivateFile refuses a file with any group or other permission bit, or
// one owned by someone else (as OpenSSH does for private keys).
func checkPrivateFile(path string, fi fs.FileInfo, what string) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s %s is not a regular file (%s)", what, path, fileKind(fi.Mode()))
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return &PermissionError{Path: path, Mode: fi.Mode(), What: what}
	}
	if !ownedByMe(fi) {
		return &PermissionError{Path: path, Mode: fi.Mode(), What: what, OtherOwner: true}
	}
	return nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "a special file"
}

// ReadPassphraseFile reads a passphrase for automation. The file must be a
// regular file of at most 4 KiB, 0600 or stricter, belonging to the current
// user (a symbolic link to such a file is fine). One trailing newline is
// dropped. Errors other than permissions wrap ErrPassphraseFile. The caller
// wipes the result.
func ReadPassphraseFile(path string) ([]byte, error) {
	// Non-blocking, so a named pipe is refused instead of waiting for a
	// writer.
	f, err := os.OpenFile(path, os.O_RDONLY|oNonBlock, 0)
	if err != nil {
		return nil, &passphraseFileError{path: path, why: "cannot be opened: " + errText(err), err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, &passphraseFileError{path: path, why: "cannot be read: " + errText(err), err: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, &passphraseFileError{path: path, why: "is not a regular file (" + fileKind(fi.Mode()) + ")"}
	}
	if err := checkPrivateFile(path, fi, "passphrase file"); err != nil {
		return nil, err
	}
	tooBig := &passphraseFileError{path: path, why: fmt.Sprintf("holds more than %d bytes: a passphrase file holds the passphrase alone", maxPassphraseFile)}
	if fi.Size() > maxPassphraseFile {
		return nil, tooBig
	}
	var buf wipeBuffer
	if err := buf.readFrom(io.LimitReader(f, maxPassphraseFile+1)); err != nil {
		buf.wipe()
		return nil, &passphraseFileError{path: path, why: "cannot be read: " + errText(err), err: err}
	}
	if len(buf.b) > maxPassphraseFile {
		buf.wipe()
		return nil, tooBig
	}
	p := buf.b
	if n := len(p); n > 0 && p[n-1] == '\n' {
		p = p[:n-1]
		if n := len(p); n > 0 && p[n-1] == '\r' {
			p = p[:n-1]
		}
	}
	if len(p) == 0 {
		buf.wipe()
		return nil, &passphraseFileError{path: path, why: "is empty"}
	}
	return p, nil
}

// errText is err without the path os errors repeat.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
