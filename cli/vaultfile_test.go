package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Every passphrase file vigil cannot use exits 4, as documented, and none
// is waited on or read whole.
func TestPassphraseFileProblemsExit4(t *testing.T) {
	h := newHarness(t)
	h.init()
	fifo := filepath.Join(h.home, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(h.home, "big")
	f, err := os.OpenFile(big, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	empty := filepath.Join(h.home, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for name, pf := range map[string]string{"pipe": fifo, "200 MB": big, "missing": filepath.Join(h.home, "nope"),
		"directory": h.home, "empty": empty} {
		r := h.run("", nil, "--passphrase-file", pf, "keys", "list")
		if r.code != ExitUnreadable || !strings.Contains(r.stderr, "passphrase file "+pf) {
			t.Errorf("%s: exit %d, want %d\n%s", name, r.code, ExitUnreadable, r.stderr)
		}
	}
}

// A vault that is a symbolic link is refused before the passphrase is
// asked, with the real file named, and is never replaced by a save.
func TestSymlinkedVaultExit4(t *testing.T) {
	h := newHarness(t)
	h.init()
	real := filepath.Join(h.home, "real.age")
	if err := os.Rename(h.vaultPath(), real); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, h.vaultPath()); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"keys", "list"}, {"keys", "add", "--venue", "bybit", "--label", "b", "--key-id", "i", "--secret-stdin"}} {
		r := h.run("S-0123456789abcdef\n", nil, args...)
		if r.code != ExitUnreadable || !strings.Contains(r.stderr, "symbolic link") || !strings.Contains(r.stderr, `vault = "`+real+`"`) {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	if fi, err := os.Lstat(h.vaultPath()); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
}

// set-id goes through the locked update like the other editing commands.
func TestKeysSetID(t *testing.T) {
	h := newHarness(t)
	h.init()
	h.mustRun("S-0123456789abcdef\n", []string{pass}, "keys", "add", "--venue", "bybit", "--label", "a", "--key-id", "ida", "--secret-stdin")
	h.mustRun("", []string{pass}, "keys", "set-id", "a", "ida2")
	got := h.open()
	if len(got.Keys) != 1 || got.Keys[0].KeyID != "ida2" || string(got.Keys[0].Secret.Bytes()) != "S-0123456789abcdef" {
		t.Fatalf("vault holds %+v", got.Keys)
	}
}
