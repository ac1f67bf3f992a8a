package crypto

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testWorkFactor = 2

var testPass = []byte("correct horse battery staple")

func testVault(t *testing.T) *Vault {
	t.Helper()
	v := &Vault{WorkFactor: testWorkFactor}
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	must(t, v.Add(Key{Label: "bn-test", Venue: "binance", Scheme: "hmac", KeyID: "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
		Secret: NewSecret([]byte("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")), Created: created, Note: "testnet"}))
	must(t, v.Add(Key{Label: "okx-demo", Venue: "okx", Scheme: "hmac", KeyID: "985d5b66-57ce-40fb-b714-afc0b9787083",
		Secret: NewSecret([]byte("22582BD0CFF14C41EDBF1AB98506286D")), Fields: map[string]Secret{"passphrase": NewSecret([]byte("Demo-Pass-123!"))},
		Created: created, Rotated: created.Add(48 * time.Hour)}))
	return v
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func vaultPath(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "vigil")
	must(t, os.Mkdir(dir, 0o700))
	return filepath.Join(dir, "vault.age")
}

func TestVaultRoundTrip(t *testing.T) {
	path := vaultPath(t)
	v := testVault(t)
	must(t, v.Save(path, testPass))

	fi, err := os.Stat(path)
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("vault mode %v, want 0600", fi.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	must(t, err)
	for _, k := range v.Keys {
		for _, s := range [][]byte{k.Secret.Bytes(), k.Field("passphrase").Bytes(), []byte(k.KeyID)} {
			if len(s) > 0 && bytes.Contains(raw, s) {
				t.Fatalf("vault file contains plaintext %q", s)
			}
		}
	}
	if !bytes.HasPrefix(raw, []byte("age-encryption.org/v1\n-> scrypt ")) {
		t.Fatalf("not an age scrypt file: %q", raw[:40])
	}

	got, err := OpenVault(path, testPass)
	must(t, err)
	if len(got.Keys) != len(v.Keys) {
		t.Fatalf("got %d keys, want %d", len(got.Keys), len(v.Keys))
	}
	for i, want := range v.Keys {
		g := got.Keys[i]
		if g.Label != want.Label || g.Venue != want.Venue || g.Scheme != want.Scheme || g.KeyID != want.KeyID || g.Note != want.Note {
			t.Errorf("key %d: got %+v want %+v", i, g, want)
		}
		if !bytes.Equal(g.Secret.Bytes(), want.Secret.Bytes()) || !bytes.Equal(g.Field("passphrase").Bytes(), want.Field("passphrase").Bytes()) {
			t.Errorf("key %d: secrets differ after round trip", i)
		}
		if !g.Created.Equal(want.Created) || !g.Rotated.Equal(want.Rotated) {
			t.Errorf("key %d: times %v/%v want %v/%v", i, g.Created, g.Rotated, want.Created, want.Rotated)
		}
	}
	if k, _ := got.Get("okx-demo"); !k.LastChanged().Equal(k.Rotated) {
		t.Errorf("LastChanged should be the rotation time")
	}

	// A second save keeps the first as .bak, still readable.
	must(t, got.Remove("bn-test"))
	got.WorkFactor = testWorkFactor
	must(t, got.Save(path, testPass))
	bak, err := OpenVault(path+".bak", testPass)
	must(t, err)
	if len(bak.Keys) != 2 {
		t.Fatalf(".bak has %d keys, want the previous 2", len(bak.Keys))
	}
	again, err := OpenVault(path, testPass)
	must(t, err)
	if _, ok := again.Get("bn-test"); ok || len(again.Keys) != 1 {
		t.Fatalf("removed key survived: %+v", again.Keys)
	}
}

func TestVaultEditing(t *testing.T) {
	v := testVault(t)
	if err := v.Add(Key{Label: "bn-test"}); !errors.Is(err, ErrDuplicateLabel) {
		t.Fatalf("duplicate label: %v", err)
	}
	if err := v.Add(Key{}); err == nil {
		t.Fatal("empty label accepted")
	}
	old, _ := v.Get("bn-test")
	oldSecret := old.Secret
	repl := old
	repl.Secret = NewSecret([]byte("new-secret-new-secret"))
	must(t, v.Replace(repl))
	if !oldSecret.IsZero() {
		t.Fatal("Replace did not wipe the old secret")
	}
	if k, _ := v.Get("bn-test"); string(k.Secret.Bytes()) != "new-secret-new-secret" {
		t.Fatal("Replace did not store the new secret")
	}
	if err := v.Replace(Key{Label: "nope"}); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("Replace missing: %v", err)
	}
	if err := v.Remove("nope"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("Remove missing: %v", err)
	}
	k, _ := v.Get("okx-demo")
	v.Wipe()
	if !k.Secret.IsZero() || !k.Field("passphrase").IsZero() || len(v.Keys) != 0 {
		t.Fatal("Wipe left secrets behind")
	}
}

func TestWrongPassphrase(t *testing.T) {
	path := vaultPath(t)
	must(t, testVault(t).Save(path, testPass))
	before, _ := os.ReadFile(path)
	_, err := OpenVault(path, []byte("not the passphrase"))
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("got %v, want ErrWrongPassphrase", err)
	}
	if want := "wrong passphrase for " + path; err.Error() != want {
		t.Fatalf("message %q, want %q", err, want)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("vault changed after a failed unlock")
	}
	if _, err := os.Stat(path + ".bak"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a failed unlock wrote a backup")
	}
}

func TestCorruptVault(t *testing.T) {
	path := vaultPath(t)
	must(t, testVault(t).Save(path, testPass))
	good, _ := os.ReadFile(path)
	hdrEnd := bytes.Index(good, []byte("\n---")) // header MAC line
	cases := map[string][]byte{
		"truncated-payload": good[:len(good)-10],
		"truncated-header":  good[:hdrEnd/2],
		"empty":             {},
		"payload-bit":       flip(good, len(good)-5),
		"header-mac":        flip(good, hdrEnd+6),
		"not-age":           []byte("{\"keys\":[]}\n"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			must(t, os.WriteFile(path, data, 0o600))
			_, err := OpenVault(path, testPass)
			if !errors.Is(err, ErrCorruptVault) {
				t.Fatalf("got %v, want ErrCorruptVault", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name the file", err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, data) {
				t.Fatal("corrupt vault was overwritten")
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

func TestPermissionRefusal(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Log("running as root: ownership is still checked against euid 0")
	}
	t.Run("vault-0644", func(t *testing.T) {
		path := vaultPath(t)
		must(t, testVault(t).Save(path, testPass))
		must(t, os.Chmod(path, 0o644))
		_, err := OpenVault(path, testPass)
		var pe *PermissionError
		if !errors.As(err, &pe) || !errors.Is(err, ErrInsecurePermissions) {
			t.Fatalf("got %v, want *PermissionError", err)
		}
		if want := "run: chmod 600 " + path; pe.Advice() != want {
			t.Fatalf("advice %q, want %q", pe.Advice(), want)
		}
		if !strings.Contains(err.Error(), "0644") {
			t.Fatalf("error %q does not show the mode", err)
		}
	})
	t.Run("vault-0640", func(t *testing.T) {
		path := vaultPath(t)
		must(t, testVault(t).Save(path, testPass))
		must(t, os.Chmod(path, 0o640))
		if _, err := OpenVault(path, testPass); !errors.Is(err, ErrInsecurePermissions) {
			t.Fatalf("group-readable vault opened: %v", err)
		}
	})
	t.Run("dir-world-writable", func(t *testing.T) {
		path := vaultPath(t)
		must(t, testVault(t).Save(path, testPass))
		dir := filepath.Dir(path)
		must(t, os.Chmod(dir, 0o777))
		_, err := OpenVault(path, testPass)
		var pe *PermissionError
		if !errors.As(err, &pe) || !pe.Dir {
			t.Fatalf("got %v, want a directory PermissionError", err)
		}
		if want := "run: chmod 700 " + dir; pe.Advice() != want {
			t.Fatalf("advice %q, want %q", pe.Advice(), want)
		}
	})
	t.Run("missing", func(t *testing.T) {
		_, err := OpenVault(filepath.Join(t.TempDir(), "nope.age"), testPass)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("got %v, want ErrNotExist", err)
		}
	})
}

func TestPassphraseFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode fs.FileMode) string {
		p := filepath.Join(dir, name)
		must(t, os.WriteFile(p, []byte(content), mode))
		must(t, os.Chmod(p, mode))
		return p
	}
	p := write("ok", "s3cret pass\n", 0o600)
	got, err := ReadPassphraseFile(p)
	must(t, err)
	if string(got) != "s3cret pass" {
		t.Fatalf("got %q", got)
	}
	got, err = ReadPassphraseFile(write("crlf", "pass\r\n", 0o400))
	must(t, err)
	if string(got) != "pass" {
		t.Fatalf("got %q", got)
	}
	if _, err := ReadPassphraseFile(write("open", "pass\n", 0o644)); !errors.Is(err, ErrInsecurePermissions) {
		t.Fatalf("0644 passphrase file accepted: %v", err)
	}
	if _, err := ReadPassphraseFile(write("group", "pass\n", 0o620)); !errors.Is(err, ErrInsecurePermissions) {
		t.Fatalf("0620 passphrase file accepted: %v", err)
	}
	if _, err := ReadPassphraseFile(write("empty", "\n", 0o600)); err == nil {
		t.Fatal("empty passphrase file accepted")
	}
}

func TestPassphraseFileOtherOwner(t *testing.T) {
	// /etc/hostname-like files owned by root: only meaningful when we are not root.
	if os.Geteuid() == 0 {
		p := filepath.Join(t.TempDir(), "pf")
		must(t, os.WriteFile(p, []byte("x\n"), 0o600))
		if err := os.Chown(p, 65534, 65534); err != nil {
			t.Skipf("cannot chown: %v", err)
		}
		_, err := ReadPassphraseFile(p)
		var pe *PermissionError
		if !errors.As(err, &pe) || !pe.OtherOwner {
			t.Fatalf("file owned by nobody accepted: %v", err)
		}
		return
	}
	t.Skip("needs root to create a file owned by another user")
}

// A crash between any two steps of Save must leave a readable vault: the old
// one or the new one, never neither.
func TestSaveCrashAtEveryStep(t *testing.T) {
	for _, step := range writeSteps {
		for _, mode := range []string{"crash", "error"} {
			t.Run(step+"/"+mode, func(t *testing.T) {
				path := vaultPath(t)
				old := testVault(t)
				must(t, old.Save(path, testPass))

				next := testVault(t)
				must(t, next.Remove("bn-test"))
				var ran []string
				injected := errors.New("injected")
				next.step = func(s string) error {
					ran = append(ran, s)
					if s != step {
						return nil
					}
					if mode == "crash" {
						panic(crash{})
					}
					return injected
				}
				err := saveRecovering(next, path)
				if mode == "crash" && !errors.Is(err, errCrashed) {
					t.Fatalf("step %s never ran (ran %v), err %v", step, ran, err)
				}
				if mode == "error" && !errors.Is(err, injected) {
					t.Fatalf("got %v, want the injected error", err)
				}
				v, err := OpenVault(path, testPass)
				if err != nil {
					t.Fatalf("after a crash at %s the vault is unreadable: %v", step, err)
				}
				n := len(v.Keys)
				if n != 1 && n != 2 {
					t.Fatalf("vault has %d keys: neither old nor new", n)
				}
				// Before the rename the old vault must still be in place.
				if step != stepSyncDir && n != 2 {
					t.Fatalf("crash at %s before rename already shows the new vault", step)
				}
				// The next save must succeed and the leftovers must not matter.
				next.step = nil
				must(t, next.Save(path, testPass))
				v, err = OpenVault(path, testPass)
				must(t, err)
				if len(v.Keys) != 1 {
					t.Fatalf("retry saved %d keys, want 1", len(v.Keys))
				}
				if _, err := OpenVault(path+".bak", testPass); err != nil {
					t.Fatalf("backup unreadable after retry: %v", err)
				}
				if mode == "error" {
					entries, _ := os.ReadDir(filepath.Dir(path))
					for _, e := range entries {
						if strings.Contains(e.Name(), ".tmp-") {
							t.Fatalf("failed save left %s behind", e.Name())
						}
					}
				}
			})
		}
	}
}

type crash struct{}

var errCrashed = errors.New("crashed")

// saveRecovering runs Save and turns the injected panic into an error, so
// nothing after the crashing step (no cleanup) runs.
func saveRecovering(v *Vault, path string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(crash); !ok {
				panic(r)
			}
			err = errCrashed
		}
	}()
	return v.Save(path, testPass)
}

func TestSaveRefusesEmptyPassphrase(t *testing.T) {
	if err := testVault(t).Save(vaultPath(t), nil); err == nil {
		t.Fatal("saved with an empty passphrase")
	}
}

func TestWipeBufferGrowsWithoutLeaving(t *testing.T) {
	var w wipeBuffer
	w.str("abc")
	first := w.b[:cap(w.b)]
	w.str(strings.Repeat("x", 4096))
	if bytes.Contains(first, []byte("abc")) {
		t.Fatal("old array not cleared on grow")
	}
	w.wipe()
	if bytes.ContainsAny(w.b[:cap(w.b)], "abcx") {
		t.Fatal("wipe left bytes")
	}
}
