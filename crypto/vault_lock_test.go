package crypto

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func addKey(label string) func(*Vault) error {
	return func(v *Vault) error {
		return v.Add(Key{Label: label, Venue: "binance", Scheme: "hmac", KeyID: "id-" + label,
			Secret: NewSecret([]byte("secret-" + label))})
	}
}

func labels(v *Vault) []string {
	var out []string
	for _, k := range v.Keys {
		out = append(out, k.Label)
	}
	return out
}

// Two writers that read the same version: the second must build on the
// first's save, not on what it read.
func TestUpdateBuildsOnTheFileNotOnWhatWasRead(t *testing.T) {
	path := vaultPath(t)
	must(t, testVault(t).Save(path, testPass))
	a, err := OpenVault(path, testPass)
	must(t, err)
	b, err := OpenVault(path, testPass)
	must(t, err)
	a.WorkFactor, b.WorkFactor = testWorkFactor, testWorkFactor
	ctx := context.Background()
	must(t, a.Update(ctx, path, testPass, addKey("from-a")))
	must(t, b.Update(ctx, path, testPass, addKey("from-b")))
	v, err := OpenVault(path, testPass)
	must(t, err)
	if got := strings.Join(labels(v), ","); got != "bn-test,okx-demo,from-a,from-b" {
		t.Fatalf("vault holds %s", got)
	}
	// b's view is the file's again, and its own change is in it.
	if got := strings.Join(labels(b), ","); got != "bn-test,okx-demo,from-a,from-b" {
		t.Fatalf("writer b holds %s", got)
	}
	// A change that fails writes nothing.
	before, _ := os.ReadFile(path)
	if err := a.Update(ctx, path, testPass, addKey("from-a")); !errors.Is(err, ErrDuplicateLabel) {
		t.Fatalf("duplicate add: %v", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("a failed change rewrote the vault")
	}
}

func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	path := vaultPath(t)
	must(t, testVault(t).Save(path, testPass))
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			v, err := OpenVault(path, testPass)
			if err != nil {
				errs <- err
				return
			}
			v.WorkFactor = testWorkFactor
			errs <- v.Update(context.Background(), path, testPass, addKey(fmt.Sprintf("k%d", i)))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	v, err := OpenVault(path, testPass)
	must(t, err)
	if len(v.Keys) != 2+n {
		t.Fatalf("vault holds %v, want the 2 keys and %d added", labels(v), n)
	}
}

// A writer that unlocked before the passphrase changed must not save with
// the old one: it fails, and the vault opens with the new passphrase only.
func TestUpdateAfterChangePassphraseFails(t *testing.T) {
	path := vaultPath(t)
	must(t, testVault(t).Save(path, testPass))
	stale, err := OpenVault(path, testPass)
	must(t, err)
	stale.WorkFactor = testWorkFactor
	p, err := OpenVault(path, testPass)
	must(t, err)
	p.WorkFactor = testWorkFactor
	newPass := []byte("another passphrase")
	ctx := context.Background()
	must(t, p.ChangePassphrase(ctx, path, testPass, newPass))

	err = stale.Update(ctx, path, testPass, addKey("late"))
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("update with the old passphrase: %v", err)
	}
	if _, err := OpenVault(path, testPass); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("vault opens with the old passphrase: %v", err)
	}
	v, err := OpenVault(path, newPass)
	must(t, err)
	if len(v.Keys) != 2 {
		t.Fatalf("vault holds %v", labels(v))
	}
	if _, err := os.Stat(path + ".bak"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("backup with the old passphrase kept: %v", err)
	}
}

// Interrupted saves leave temp files; the next writer removes them under
// the lock, so none outlives a passphrase change still opening with the
// old passphrase.
func TestLeftoversRemovedUnderTheLock(t *testing.T) {
	path := vaultPath(t)
	must(t, testVault(t).Save(path, testPass))
	for _, step := range []string{stepSyncTemp, stepCloseTemp, stepRename} {
		v := testVault(t)
		v.step = func(s string) error {
			if s == step {
				panic(crash{})
			}
			return nil
		}
		if err := saveRecovering(v, path); !errors.Is(err, errCrashed) {
			t.Fatalf("crash at %s: %v", step, err)
		}
	}
	bakTmp := filepath.Join(filepath.Dir(path), ".vault.age.bak.tmp-1")
	must(t, os.WriteFile(bakTmp, []byte("x"), 0o600))
	// Each save cleared what the crash before it left; the last crash's
	// temp file and the backup copy's remain.
	if n := countTemps(t, path); n != 2 {
		t.Fatalf("%d temp files after the crashes, want 2", n)
	}
	v, err := OpenVault(path, testPass)
	must(t, err)
	v.WorkFactor = testWorkFactor
	must(t, v.ChangePassphrase(context.Background(), path, testPass, []byte("new one")))
	if n := countTemps(t, path); n != 0 {
		t.Fatalf("%d temp files left after the next save", n)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if _, err := OpenVault(filepath.Join(filepath.Dir(path), e.Name()), testPass); err == nil {
			t.Fatalf("%s opens with the old passphrase", e.Name())
		}
	}
}

func countTemps(t *testing.T, path string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	must(t, err)
	n := 0
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			n++
		}
	}
	return n
}

// A writer waiting for the lock gives up when its context ends.
func TestLockWaitHonoursContext(t *testing.T) {
	path := vaultPath(t)
	must(t, testVault(t).Save(path, testPass))
	l, err := lockVault(context.Background(), path)
	must(t, err)
	defer l.unlock()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v := testVault(t)
	if err := v.Update(ctx, path, testPass, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("update while locked, context cancelled: %v", err)
	}
}

// A vault that is a symbolic link is refused by every path, and saving
// leaves the link as it was.
func TestSymlinkedVaultRefused(t *testing.T) {
	path := vaultPath(t)
	realDir := filepath.Join(t.TempDir(), "elsewhere")
	must(t, os.Mkdir(realDir, 0o700))
	real := filepath.Join(realDir, "vault.age")
	must(t, testVault(t).Save(real, testPass))
	must(t, os.Symlink(real, path))

	check := func(what string, err error) {
		t.Helper()
		var pe *PermissionError
		if !errors.As(err, &pe) || pe.Link == "" || !errors.Is(err, ErrInsecurePermissions) {
			t.Fatalf("%s through a symlink: %v", what, err)
		}
		if !strings.Contains(pe.Advice(), real) {
			t.Fatalf("advice %q does not name the real file", pe.Advice())
		}
	}
	check("CheckVaultPermissions", CheckVaultPermissions(path))
	_, err := OpenVault(path, testPass)
	check("OpenVault", err)
	check("Save", testVault(t).Save(path, testPass))
	v, err := OpenVault(real, testPass)
	must(t, err)
	check("Update", v.Update(context.Background(), path, testPass, addKey("x")))
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v %v", fi, err)
	}
}

// A vault in a directory reached through a link is checked where the
// directory really is.
func TestVaultDirCheckedWhereItIs(t *testing.T) {
	realDir := filepath.Join(t.TempDir(), "open")
	must(t, os.Mkdir(realDir, 0o700))
	must(t, testVault(t).Save(filepath.Join(realDir, "vault.age"), testPass))
	must(t, os.Chmod(realDir, 0o777))
	link := filepath.Join(t.TempDir(), "link")
	must(t, os.Symlink(realDir, link))
	var pe *PermissionError
	if err := CheckVaultPermissions(filepath.Join(link, "vault.age")); !errors.As(err, &pe) || !pe.Dir || pe.Path != realDir {
		t.Fatalf("vault in a 0777 directory behind a link: %v", err)
	}
}

func TestPassphraseFileNotRegular(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	must(t, syscall.Mkfifo(fifo, 0o600))
	done := make(chan error, 1)
	go func() {
		_, err := ReadPassphraseFile(fifo)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrPassphraseFile) || !strings.Contains(err.Error(), "named pipe") {
			t.Fatalf("named pipe: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a named pipe as the passphrase file blocked")
	}
	if _, err := ReadPassphraseFile(t.TempDir()); !errors.Is(err, ErrPassphraseFile) {
		t.Fatalf("directory: %v", err)
	}
	if _, err := ReadPassphraseFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, ErrPassphraseFile) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestPassphraseFileCapped(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	f, err := os.OpenFile(big, os.O_CREATE|os.O_WRONLY, 0o600)
	must(t, err)
	must(t, f.Truncate(200<<20)) // sparse: no disk used
	must(t, f.Close())
	if _, err := ReadPassphraseFile(big); !errors.Is(err, ErrPassphraseFile) {
		t.Fatalf("200 MB passphrase file: %v", err)
	}
	edge := filepath.Join(dir, "edge")
	must(t, os.WriteFile(edge, []byte(strings.Repeat("p", maxPassphraseFile-1)+"\n"), 0o600))
	p, err := ReadPassphraseFile(edge)
	must(t, err)
	if len(p) != maxPassphraseFile-1 {
		t.Fatalf("read %d bytes", len(p))
	}
	must(t, os.WriteFile(edge, []byte(strings.Repeat("p", maxPassphraseFile+1)), 0o600))
	if _, err := ReadPassphraseFile(edge); !errors.Is(err, ErrPassphraseFile) {
		t.Fatalf("4 KiB + 1: %v", err)
	}
	// A link to a good passphrase file is fine (secret stores mount them so).
	good := filepath.Join(dir, "good")
	must(t, os.WriteFile(good, []byte("pass\n"), 0o600))
	link := filepath.Join(dir, "link")
	must(t, os.Symlink(good, link))
	if p, err := ReadPassphraseFile(link); err != nil || string(p) != "pass" {
		t.Fatalf("through a link: %q %v", p, err)
	}
}
