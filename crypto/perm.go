package crypto

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// CheckVaultPermissions reports what OpenVault would refuse about the
// vault file's existence and permissions, so a command can say so before
// asking for a passphrase.
func CheckVaultPermissions(path string) error { return checkVaultPerms(path) }

// checkVaultPerms refuses a vault file that others may read or write, or a
// directory others may write (they could swap the vault or its backup).
func checkVaultPerms(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no vault at %s: %w", path, err)
		}
		return err
	}
	if err := checkPrivateFile(path, fi, "vault"); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	di, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if di.Mode().Perm()&0o022 != 0 {
		return &PermissionError{Path: dir, Mode: di.Mode(), Dir: true, What: "vault"}
	}
	return nil
}

// checkPrivateFile refuses a file with any group or other permission bit, or
// one owned by someone else (as OpenSSH does for private keys).
func checkPrivateFile(path string, fi fs.FileInfo, what string) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s %s is not a regular file", what, path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return &PermissionError{Path: path, Mode: fi.Mode(), What: what}
	}
	if !ownedByMe(fi) {
		return &PermissionError{Path: path, Mode: fi.Mode(), What: what, OtherOwner: true}
	}
	return nil
}

// ReadPassphraseFile reads a passphrase for automation. The file must be
// 0600 or stricter and belong to the current user. One trailing newline is
// dropped. The caller wipes the result.
func ReadPassphraseFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkPrivateFile(path, fi, "passphrase file"); err != nil {
		return nil, err
	}
	var buf wipeBuffer
	if err := buf.readFrom(f); err != nil {
		buf.wipe()
		return nil, err
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
		return nil, fmt.Errorf("passphrase file %s is empty", path)
	}
	return p, nil
}
