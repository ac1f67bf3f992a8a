package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/crypto"
)

// vigilRun is one started vigil process and what it printed.
type vigilRun struct {
	cmd      *exec.Cmd
	out, err bytes.Buffer
}

func startVigil(t *testing.T, bin, dir, stdin string, args ...string) *vigilRun {
	t.Helper()
	r := &vigilRun{cmd: exec.Command(bin, args...)}
	r.cmd.Env = crashEnv(dir)
	r.cmd.Stdin = strings.NewReader(stdin)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.err
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return r
}

// wait returns the exit code; a process killed by a signal fails the test.
func (r *vigilRun) wait(t *testing.T) int {
	t.Helper()
	err := r.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode()
	}
	t.Fatalf("vigil %v: %v\n%s%s", r.cmd.Args[1:], err, r.out.String(), r.err.String())
	return -1
}

func keysAddArgs(global []string, label string) []string {
	return append(append([]string(nil), global...), "keys", "add", "--venue", "binance", "--label", label,
		"--key-id", "id-"+label, "--secret-stdin")
}

// TestConcurrentKeysAddBinary starts five `vigil keys add` at once on one
// vault: every one that says "Added" must have its key in the vault.
func TestConcurrentKeysAddBinary(t *testing.T) {
	dir := t.TempDir()
	bin := buildVigil(t, dir)
	global := crashSetup(t, dir, "http://127.0.0.1:1")
	vault := filepath.Join(dir, "vault.age")

	const n = 5
	var runs []*vigilRun
	for i := range n {
		runs = append(runs, startVigil(t, bin, dir, "secret-of-k"+fmt.Sprint(i)+"\n", keysAddArgs(global, fmt.Sprintf("k%d", i))...))
	}
	for i, r := range runs {
		if code := r.wait(t); code != 0 || !strings.Contains(r.out.String(), "Added k"+fmt.Sprint(i)) {
			t.Fatalf("keys add k%d: exit %d\n%s%s", i, code, r.out.String(), r.err.String())
		}
	}
	v, err := crypto.OpenVault(vault, []byte(crashPass))
	if err != nil {
		t.Fatal(err)
	}
	defer v.Wipe()
	for i := range n {
		label := fmt.Sprintf("k%d", i)
		k, ok := v.Get(label)
		if !ok {
			t.Errorf("%s printed Added but is not in the vault (%d keys)", label, len(v.Keys))
			continue
		}
		if string(k.Secret.Bytes()) != "secret-of-"+label {
			t.Errorf("%s has another key's secret", label)
		}
	}
	if _, ok := v.Get("bn-key"); !ok {
		t.Error("the key that was there before is gone")
	}
	assertNoVaultLeftovers(t, dir)
}

// TestKeysPasswdRacingKeysAddBinary runs `vigil keys passwd` beside
// `vigil keys add`s, round after round, alternating two passphrases. An add
// either lands (exit 0, "Added", key in the vault) or fails without saying
// Added; after each round the vault opens with the new passphrase only, and
// no file beside it opens with the old one.
func TestKeysPasswdRacingKeysAddBinary(t *testing.T) {
	dir := t.TempDir()
	bin := buildVigil(t, dir)
	global := crashSetup(t, dir, "http://127.0.0.1:1")
	cfg := global[1]
	vault := filepath.Join(dir, "vault.age")
	passes := []string{crashPass, "a whole new passphrase 2"}
	files := []string{filepath.Join(dir, "pass"), filepath.Join(dir, "pass2")}
	if err := os.WriteFile(files[1], []byte(passes[1]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	var landed []string
	// Every save costs a full scrypt (the binary writes at the default
	// work factor), so the rounds are few.
	rounds, adds := 4, 2
	if testing.Short() {
		rounds = 2
	}
	for round := range rounds {
		oldP, newP := round%2, (round+1)%2
		withPass := []string{"--config", cfg, "--passphrase-file", files[oldP]}
		var runs []*vigilRun
		var labels []string
		for i := range adds {
			label := fmt.Sprintf("r%dk%d", round, i)
			labels = append(labels, label)
			runs = append(runs, startVigil(t, bin, dir, "secret-of-"+label+"\n", keysAddArgs(withPass, label)...))
			if i == 0 {
				passwd := append(append([]string(nil), withPass...), "keys", "passwd", "--new-passphrase-file", files[newP])
				runs = append(runs, startVigil(t, bin, dir, "", passwd...))
				labels = append(labels, "")
			}
		}
		for i, r := range runs {
			code := r.wait(t)
			if labels[i] == "" {
				if code != 0 || !strings.Contains(r.out.String(), "Passphrase changed") {
					t.Fatalf("round %d: keys passwd: exit %d\n%s%s", round, code, r.out.String(), r.err.String())
				}
				continue
			}
			added := strings.Contains(r.out.String(), "Added "+labels[i])
			switch {
			case code == 0 && added:
				landed = append(landed, labels[i])
			case code == 0 || added:
				t.Fatalf("round %d: keys add %s: exit %d\n%s%s", round, labels[i], code, r.out.String(), r.err.String())
			}
		}
		v, err := crypto.OpenVault(vault, []byte(passes[newP]))
		if err != nil {
			t.Fatalf("round %d: the vault does not open with the new passphrase: %v", round, err)
		}
		for _, label := range landed {
			if _, ok := v.Get(label); !ok {
				t.Errorf("round %d: %s printed Added but is not in the vault", round, label)
			}
		}
		v.Wipe()
		if _, err := crypto.OpenVault(vault, []byte(passes[oldP])); !errors.Is(err, crypto.ErrWrongPassphrase) {
			t.Fatalf("round %d: the vault still opens with the old passphrase (%v)", round, err)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), "vault.age") && !strings.HasPrefix(e.Name(), ".vault.age") {
				continue
			}
			if _, err := crypto.OpenVault(filepath.Join(dir, e.Name()), []byte(passes[oldP])); err == nil {
				t.Fatalf("round %d: %s still opens with the old passphrase", round, e.Name())
			}
		}
		assertNoVaultLeftovers(t, dir)
	}
	t.Logf("%d of %d adds landed", len(landed), rounds*adds)
}

// assertNoVaultLeftovers fails on temp files an interrupted or racing save
// left beside the vault.
func assertNoVaultLeftovers(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("%s left beside the vault", e.Name())
		}
	}
}
