package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/crypto"
)

const pass = "correct horse battery"

// scriptTTY answers prompts in order and records them.
type scriptTTY struct {
	t       *testing.T
	answers []string
	prompts []string
}

func (s *scriptTTY) next(prompt string) (string, error) {
	s.prompts = append(s.prompts, prompt)
	if len(s.answers) == 0 {
		s.t.Errorf("unexpected prompt %q", prompt)
		return "", io.EOF
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	return a, nil
}

func (s *scriptTTY) ReadPassword(ctx context.Context, prompt string) ([]byte, error) {
	a, err := s.next(prompt)
	return []byte(a), err
}

func (s *scriptTTY) ReadLine(ctx context.Context, prompt string) (string, error) {
	return s.next(prompt)
}

type harness struct {
	t    *testing.T
	home string
	now  time.Time
}

func newHarness(t *testing.T) *harness {
	return &harness{t: t, home: t.TempDir(), now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
}

func (h *harness) getenv(k string) string {
	switch k {
	case "HOME":
		return h.home
	case "XDG_CONFIG_HOME":
		return filepath.Join(h.home, "cfg")
	case "XDG_DATA_HOME":
		return filepath.Join(h.home, "data")
	}
	return ""
}

func (h *harness) vaultPath() string  { return filepath.Join(h.home, "data", "vigil", "vault.age") }
func (h *harness) configPath() string { return filepath.Join(h.home, "cfg", "vigil", "config.toml") }

type result struct {
	code           int
	stdout, stderr string
	tty            *scriptTTY
}

// run runs vigil with args; answers script the terminal, stdin feeds stdin.
func (h *harness) run(stdin string, answers []string, args ...string) result {
	h.t.Helper()
	tty := &scriptTTY{t: h.t, answers: answers}
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: h.getenv,
		TTY: tty, Now: func() time.Time { return h.now }, WorkFactor: 2}
	code := Run(context.Background(), env, args)
	if len(tty.answers) > 0 {
		h.t.Errorf("vigil %v: unused answers %q (prompts %q)", args, tty.answers, tty.prompts)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String(), tty: tty}
}

func (h *harness) mustRun(stdin string, answers []string, args ...string) result {
	h.t.Helper()
	r := h.run(stdin, answers, args...)
	if r.code != 0 {
		h.t.Fatalf("vigil %v: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

func (h *harness) open() *crypto.Vault {
	h.t.Helper()
	v, err := crypto.OpenVault(h.vaultPath(), []byte(pass))
	if err != nil {
		h.t.Fatal(err)
	}
	return v
}

func (h *harness) init() {
	h.t.Helper()
	h.mustRun("", []string{pass, pass}, "init")
}

func TestInit(t *testing.T) {
	h := newHarness(t)
	r := h.mustRun("", []string{"short", pass, pass + "x", pass, pass}, "init")
	if !strings.Contains(r.stderr, "too short") || !strings.Contains(r.stderr, "do not match") {
		t.Fatalf("retries not explained: %s", r.stderr)
	}
	cfg, err := os.ReadFile(h.configPath())
	if err != nil || string(cfg) != config.Example {
		t.Fatalf("config not written as the example: %v", err)
	}
	for path, want := range map[string]os.FileMode{h.configPath(): 0o600, h.vaultPath(): 0o600,
		filepath.Dir(h.vaultPath()): 0o700, filepath.Dir(h.configPath()): 0o700} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v", path, err, fi.Mode().Perm(), want)
		}
	}
	if v := h.open(); len(v.Keys) != 0 {
		t.Fatal("new vault not empty")
	}
	// A second init overwrites nothing and says so.
	before, _ := os.ReadFile(h.vaultPath())
	r = h.run("", nil, "init")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "already initialised") {
		t.Fatalf("second init: %d %s", r.code, r.stderr)
	}
	after, _ := os.ReadFile(h.vaultPath())
	if !bytes.Equal(before, after) {
		t.Fatal("second init rewrote the vault")
	}
}

func TestInitKeepsExistingConfig(t *testing.T) {
	h := newHarness(t)
	custom := filepath.Join(h.home, "my.toml")
	vault := filepath.Join(h.home, "elsewhere", "v.age")
	if err := os.WriteFile(custom, []byte("vault = \""+vault+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := h.mustRun("", []string{pass, pass}, "--config", custom, "init")
	if !strings.Contains(r.stdout, "exists; left as it is") {
		t.Fatal(r.stdout)
	}
	if _, err := crypto.OpenVault(vault, []byte(pass)); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(custom)
	if !strings.HasPrefix(string(got), "vault = ") {
		t.Fatal("config overwritten")
	}
}

func TestKeysAddInteractive(t *testing.T) {
	h := newHarness(t)
	h.init()
	r := h.mustRun("", []string{pass, "bn-test", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
		"NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"}, "keys", "add", "--venue", "binance", "--note", "testnet")
	if strings.Contains(r.stdout+r.stderr, "NhqPtm") {
		t.Fatal("secret printed")
	}
	if !strings.Contains(r.stdout, "Added bn-test: binance hmac key vmPU…Eh8A") {
		t.Fatalf("stdout: %s", r.stdout)
	}
	v := h.open()
	k, ok := v.Get("bn-test")
	if !ok || k.Venue != "binance" || k.Scheme != "hmac" || k.Note != "testnet" || !k.Created.Equal(h.now) ||
		string(k.Secret.Bytes()) != "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j" {
		t.Fatalf("stored %+v", k)
	}
	if !strings.HasPrefix(r.tty.prompts[0], "Vault passphrase") || !strings.Contains(r.tty.prompts[3], "not shown") {
		t.Fatalf("prompts %q", r.tty.prompts)
	}

	// Labels are unique.
	r = h.run("", []string{pass}, "keys", "add", "--venue", "binance", "--label", "bn-test", "--key-id", "x")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "already in the vault") {
		t.Fatalf("duplicate label: %d %s", r.code, r.stderr)
	}
}

func TestKeysAddOKXFromStdin(t *testing.T) {
	h := newHarness(t)
	h.init()
	h.mustRun("22582BD0CFF14C41EDBF1AB98506286D\nDemo Pass 1!\n", []string{pass},
		"keys", "add", "--venue", "okx", "--label", "okx-demo", "--key-id", "985d5b66-57ce-40fb-b714-afc0b9787083", "--secret-stdin")
	k, _ := h.open().Get("okx-demo")
	if string(k.Secret.Bytes()) != "22582BD0CFF14C41EDBF1AB98506286D" || string(k.Field("passphrase").Bytes()) != "Demo Pass 1!" {
		t.Fatalf("stored %q %q", k.Secret.Bytes(), k.Field("passphrase").Bytes())
	}
	// OKX without the passphrase line is refused before anything is written.
	r := h.run("SECRETSECRET\n", []string{pass}, "keys", "add", "--venue", "okx", "--label", "okx-2", "--key-id", "id", "--secret-stdin")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "API passphrase") {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
	if _, ok := h.open().Get("okx-2"); ok {
		t.Fatal("half key stored")
	}
}

func TestKeysAddValidation(t *testing.T) {
	h := newHarness(t)
	h.init()
	for _, tc := range []struct {
		args    []string
		answers []string
		want    string
	}{
		{[]string{"--venue", "kraken2", "--label", "x"}, nil, "unknown venue"},
		{[]string{"--venue", "okx", "--label", "x", "--scheme", "ed25519"}, nil, "cannot use scheme"},
		{[]string{"--venue", "binance", "--label", "bad label"}, nil, "label"},
		{[]string{"--venue", "binance", "--generate", "--secret-stdin"}, nil, "exclude each other"},
		{[]string{"--venue", "binance", "--label", "x", "--scheme", "ed25519", "--key-id", "k"}, []string{pass}, "needs --generate"},
		{[]string{"--venue", "binance", "--label", "x", "--key-id", "k", "--private-key-file", "/nonexistent.pem"}, []string{pass}, "nonexistent"},
		{[]string{"--bogus"}, nil, "unknown flag --bogus"},
		{[]string{"extra"}, nil, "unexpected argument"},
	} {
		r := h.run("", tc.answers, append([]string{"keys", "add"}, tc.args...)...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.want) || !strings.HasPrefix(r.stderr, "vigil: ") {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
}

func TestKeysAddEd25519(t *testing.T) {
	h := newHarness(t)
	h.init()
	// Generated: the public key is printed, the id asked afterwards.
	r := h.mustRun("", []string{pass, "ED-KEY-ID-0123456789"}, "keys", "add", "--venue", "binance", "--label", "bn-ed", "--generate")
	block, _ := pem.Decode([]byte(r.stdout[strings.Index(r.stdout, "-----BEGIN"):]))
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("no public key PEM in %s", r.stdout)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := h.open().Get("bn-ed")
	if k.Scheme != "ed25519" || k.KeyID != "ED-KEY-ID-0123456789" {
		t.Fatalf("%+v", k)
	}
	pb, _ := pem.Decode(k.Secret.Bytes())
	priv, err := x509.ParsePKCS8PrivateKey(pb.Bytes)
	if err != nil || !priv.(ed25519.PrivateKey).Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatal("stored private key does not match the printed public key")
	}

	// From a PEM file (the signing vector's key).
	pemText := "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIKRrRiKygRUAYUvDF/IaB+OHbU9mhYspXbdBSJq+2pHa\n-----END PRIVATE KEY-----\n"
	file := filepath.Join(h.home, "k.pem")
	os.WriteFile(file, []byte(pemText), 0o600)
	h.mustRun("", []string{pass}, "keys", "add", "--venue", "binance", "--label", "bn-ed2", "--key-id", "id2", "--private-key-file", file)
	k, _ = h.open().Get("bn-ed2")
	if string(k.Secret.Bytes()) != pemText || k.Scheme != "ed25519" {
		t.Fatalf("stored %q", k.Secret.Bytes())
	}
	// A non-Ed25519 or broken PEM is refused.
	os.WriteFile(file, []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600)
	r = h.run("", []string{pass}, "keys", "add", "--venue", "binance", "--label", "bn-ed3", "--key-id", "id3", "--private-key-file", file)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "PKCS#8") {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
}

func TestKeysListRotateRm(t *testing.T) {
	h := newHarness(t)
	h.init()
	h.mustRun("SECRET-ONE-0123456789\n", []string{pass}, "keys", "add", "--venue", "binance", "--label", "binance-test",
		"--key-id", "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A", "--secret-stdin")
	h.mustRun("SECRET-TWO-0123456789\n", []string{pass}, "keys", "add", "--venue", "bybit", "--label", "by-test",
		"--key-id", "XXYYZZ001122", "--secret-stdin")

	h.now = h.now.Add(100 * 24 * time.Hour)
	r := h.mustRun("", []string{pass}, "keys", "list")
	for _, want := range []string{"LABEL", "binance-test", "binance", "hmac", "vmPU…Eh8A", "XXYY…1122", "2026-03-01", "never", "100d", "rotate: older than 90 days"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("list lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "SECRET-") || strings.Contains(r.stdout, "vmPUZE6") {
		t.Fatal("list shows secrets or full ids")
	}
	// The example config's account uses binance-test, which exists: no warning.
	if strings.Contains(r.stdout, "not in the vault") {
		t.Fatalf("false missing-key warning:\n%s", r.stdout)
	}

	h.mustRun("SECRET-NEW-0123456789\n", []string{pass}, "keys", "rotate", "binance-test", "--key-id", "NEWID-0123456789", "--secret-stdin")
	k, _ := h.open().Get("binance-test")
	if string(k.Secret.Bytes()) != "SECRET-NEW-0123456789" || k.KeyID != "NEWID-0123456789" || !k.Rotated.Equal(h.now) || k.Created.Equal(h.now) {
		t.Fatalf("rotate: %+v", k)
	}
	r = h.mustRun("", []string{pass}, "keys", "list")
	if strings.Count(r.stdout, "rotate: older") != 1 {
		t.Fatalf("rotated key still flagged:\n%s", r.stdout)
	}

	// rm asks; a wrong answer removes nothing.
	r = h.run("", []string{pass, "no"}, "keys", "rm", "binance-test")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "nothing removed") {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
	if _, ok := h.open().Get("binance-test"); !ok {
		t.Fatal("removed without confirmation")
	}
	r = h.mustRun("", []string{pass, "binance-test"}, "keys", "rm", "binance-test")
	if _, ok := h.open().Get("binance-test"); ok {
		t.Fatal("not removed")
	}
	h.mustRun("", []string{pass}, "keys", "rm", "by-test", "--yes")
	if len(h.open().Keys) != 0 {
		t.Fatal("rm --yes did not remove")
	}
	r = h.mustRun("", []string{pass}, "keys", "list")
	if !strings.Contains(r.stdout, "holds no keys") || !strings.Contains(r.stdout, `uses key "binance-test", which is not in the vault`) {
		t.Fatalf("empty list:\n%s", r.stdout)
	}
}

func TestKeysPasswd(t *testing.T) {
	h := newHarness(t)
	h.init()
	h.mustRun("SECRET-ONE-0123456789\n", []string{pass}, "keys", "add", "--venue", "binance", "--label", "a", "--key-id", "id", "--secret-stdin")
	const newPass = "a brand new passphrase"
	h.mustRun("", []string{pass, newPass, newPass}, "keys", "passwd")
	if _, err := crypto.OpenVault(h.vaultPath(), []byte(pass)); !errors.Is(err, crypto.ErrWrongPassphrase) {
		t.Fatalf("old passphrase still opens the vault: %v", err)
	}
	v, err := crypto.OpenVault(h.vaultPath(), []byte(newPass))
	if err != nil || len(v.Keys) != 1 {
		t.Fatalf("new passphrase: %v", err)
	}
	if _, err := os.Stat(h.vaultPath() + ".bak"); !os.IsNotExist(err) {
		t.Fatal("backup under the old passphrase kept")
	}
}

func TestWrongPassphrase(t *testing.T) {
	h := newHarness(t)
	h.init()
	before, _ := os.ReadFile(h.vaultPath())
	r := h.run("", []string{"nope1", "nope2", "nope3"}, "keys", "list")
	if r.code != ExitLocked {
		t.Fatalf("exit %d, want %d", r.code, ExitLocked)
	}
	if !strings.Contains(r.stderr, "vigil: wrong passphrase for "+h.vaultPath()) || strings.Count(r.stderr, "try again") != 2 {
		t.Fatalf("stderr: %s", r.stderr)
	}
	after, _ := os.ReadFile(h.vaultPath())
	if !bytes.Equal(before, after) {
		t.Fatal("vault changed")
	}
	// Second try succeeds.
	h.mustRun("", []string{"nope", pass}, "keys", "list")
}

func TestPassphraseFile(t *testing.T) {
	h := newHarness(t)
	pf := filepath.Join(h.home, "pass")
	os.WriteFile(pf, []byte(pass+"\n"), 0o600)
	h.mustRun("", nil, "--passphrase-file", pf, "init")
	h.mustRun("S-0123456789abcdef\n", nil, "keys", "add", "--passphrase-file", pf, "--venue", "bybit", "--label", "b", "--key-id", "i", "--secret-stdin")
	os.Chmod(pf, 0o644)
	r := h.run("", nil, "--passphrase-file", pf, "keys", "list")
	if r.code != ExitUnreadable || !strings.Contains(r.stderr, "chmod 600 "+pf) {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
	os.Chmod(pf, 0o600)
	os.WriteFile(pf, []byte("wrong passphrase!!\n"), 0o600)
	r = h.run("", nil, "--passphrase-file", pf, "keys", "list")
	if r.code != ExitLocked || strings.Contains(r.stderr, "try again") {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
}

func TestVaultProblemsExitCodes(t *testing.T) {
	h := newHarness(t)
	h.init()
	os.Chmod(h.vaultPath(), 0o644)
	r := h.run("", nil, "keys", "list")
	if r.code != ExitUnreadable || !strings.Contains(r.stderr, "vigil: run: chmod 600 "+h.vaultPath()) {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
	os.Chmod(h.vaultPath(), 0o600)
	data, _ := os.ReadFile(h.vaultPath())
	os.WriteFile(h.vaultPath(), data[:len(data)-3], 0o600)
	r = h.run("", []string{pass}, "keys", "list")
	if r.code != ExitUnreadable || !strings.Contains(r.stderr, h.vaultPath()) || !strings.Contains(r.stderr, "corrupt") {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
	os.Remove(h.vaultPath())
	r = h.run("", nil, "keys", "list")
	if r.code != ExitUnreadable || !strings.Contains(r.stderr, "vigil init") {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
}

func TestNoTerminal(t *testing.T) {
	h := newHarness(t)
	var errb bytes.Buffer
	env := &Env{Stderr: &errb, Getenv: h.getenv, WorkFactor: 2}
	code := Run(context.Background(), env, []string{"init"})
	if code != ExitUsage || !strings.Contains(errb.String(), "--passphrase-file") {
		t.Fatalf("%d %s", code, errb.String())
	}
}

func TestInterrupted(t *testing.T) {
	h := newHarness(t)
	h.init()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var errb bytes.Buffer
	env := &Env{Stderr: &errb, Getenv: h.getenv, TTY: cancelledTTY{}, WorkFactor: 2}
	if code := Run(ctx, env, []string{"keys", "list"}); code != ExitInterrupted {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

type cancelledTTY struct{}

func (cancelledTTY) ReadPassword(ctx context.Context, _ string) ([]byte, error) {
	return nil, ctx.Err()
}
func (cancelledTTY) ReadLine(ctx context.Context, _ string) (string, error) { return "", ctx.Err() }

func TestConfigErrorsExit2(t *testing.T) {
	h := newHarness(t)
	h.init()
	os.WriteFile(h.configPath(), []byte("[[accounts]]\nname = \"a\"\nvenue = \"binanse\"\nnetwork = \"testnet\"\nkey = \"k\"\ncolour = 1\n"), 0o600)
	r := h.run("", nil, "keys", "list")
	if r.code != ExitUsage {
		t.Fatalf("exit %d", r.code)
	}
	for _, want := range []string{"vigil: " + h.configPath() + ":3: accounts[1].venue", `:6: unknown key "colour"`} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	r = h.run("", nil, "--config", filepath.Join(h.home, "none.toml"), "keys", "list")
	if r.code != ExitUsage || !strings.Contains(r.stderr, "vigil init") {
		t.Fatalf("%d %s", r.code, r.stderr)
	}
}

func TestHelpEverywhere(t *testing.T) {
	h := newHarness(t)
	for _, c := range sortedCommands() {
		for _, flag := range []string{"--help", "-h"} {
			args := append(strings.Fields(c.Name), flag)
			r := h.run("", nil, args...)
			if r.code != ExitOK || !strings.Contains(r.stdout, "usage: vigil "+c.Name) {
				t.Errorf("vigil %v: exit %d, stdout %q", args, r.code, r.stdout)
			}
			if !c.placeholder && !strings.Contains(r.stdout, "Example") {
				t.Errorf("vigil %v: no examples", args)
			}
		}
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"keys", "--help"}} {
		r := h.run("", nil, args...)
		if r.code != ExitOK || !strings.Contains(r.stdout, "usage: vigil") {
			t.Errorf("vigil %v: exit %d %q", args, r.code, r.stdout)
		}
	}
	// With no command, vigil is the cockpit; without a config it says how
	// to get one rather than opening an empty screen.
	if r := h.run("", nil); r.code != ExitUsage || !strings.Contains(r.stderr, "vigil init") || !strings.Contains(r.stderr, "vigil demo") {
		t.Errorf("vigil with no config: %d %q", r.code, r.stderr)
	}
	if r := h.run("", nil, "keys"); r.code != ExitUsage || !strings.Contains(r.stderr, "keys add") {
		t.Errorf("vigil keys: %d %s", r.code, r.stderr)
	}
	if r := h.run("", nil, "frobnicate"); r.code != ExitUsage || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: %d %s", r.code, r.stderr)
	}
}

func TestRegisterReplacesPlaceholder(t *testing.T) {
	if c, _ := lookup("order"); !c.placeholder {
		t.Skip("order already registered by its owner")
	}
	mu.Lock()
	saved := commands["order"]
	mu.Unlock()
	t.Cleanup(func() { mu.Lock(); commands["order"] = saved; mu.Unlock() })
	Register(Command{Name: "order", Usage: "usage: vigil order\n", Run: func(context.Context, *Env, []string) int { return 42 }})
	if code := newHarness(t).run("", nil, "order").code; code != 42 {
		t.Fatalf("placeholder still runs: %d", code)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("registering twice did not panic")
		}
	}()
	Register(Command{Name: "order", Run: func(context.Context, *Env, []string) int { return 0 }})
}

func TestVersion(t *testing.T) {
	r := newHarness(t).mustRun("", nil, "version")
	if !strings.HasPrefix(r.stdout, "vigil ") || !strings.Contains(r.stdout, "go1.") {
		t.Fatal(r.stdout)
	}
}
