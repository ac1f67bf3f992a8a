package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/crypto"
)

// rotateAfter is when keys list starts warning that a key is old.
const rotateAfter = 90 * 24 * time.Hour

func init() {
	Register(Command{Name: "keys add", Summary: "store an API key in the vault", Usage: keysAddUsage, Run: runKeysAdd})
	Register(Command{Name: "keys list", Summary: "list the keys in the vault (ids masked, no secrets)", Usage: `usage: vigil keys list

Lists every key in the vault: label, venue, scheme, masked key id, when it
was created and last rotated, and its age. Keys older than 90 days are
flagged for rotation; accounts whose key label is not in the vault are named.

Example:
  vigil keys list
`, Run: runKeysList})
	Register(Command{Name: "keys rotate", Summary: "replace a key's secret, keeping its label", Usage: `usage: vigil keys rotate LABEL [--key-id ID] [--secret-stdin | --private-key-file PEM | --generate]

Replaces the key id and secret of LABEL (create the new key at the venue
first), keeping the label so config accounts need no change, and records
the rotation time. Input works as for 'vigil keys add'.

Examples:
  vigil keys rotate bn-test
  printf '%s\n' "$NEW_SECRET" | vigil keys rotate bn-test --key-id NEWID --secret-stdin
  vigil keys rotate bn-ed --generate
`, Run: runKeysRotate})
	Register(Command{Name: "keys rm", Summary: "remove a key from the vault", Usage: `usage: vigil keys rm LABEL [--yes]

Removes LABEL from the vault after asking to confirm (--yes skips the
question). Revoke the key at the venue too: removing it here does not.
The previous vault, with the key, stays in vault.age.bak until the next change.

Examples:
  vigil keys rm bn-test
  vigil keys rm bn-test --yes
`, Run: runKeysRm})
	Register(Command{Name: "keys passwd", Summary: "change the vault passphrase", Usage: `usage: vigil keys passwd [--new-passphrase-file PATH]

Asks for the current passphrase, then the new one twice, and re-encrypts
the vault. The backup encrypted with the old passphrase is deleted.

Examples:
  vigil keys passwd
  vigil keys passwd --passphrase-file old.txt --new-passphrase-file new.txt
`, Run: runKeysPasswd})
	Register(Command{Name: "keys set-id", Summary: "set the venue's key id of a stored key", Usage: `usage: vigil keys set-id LABEL ID

Sets the API key id of LABEL, for keys generated with --generate before
the venue assigned an id.

Example:
  vigil keys set-id bn-ed vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A
`, Run: runKeysSetID})
}

const keysAddUsage = `usage: vigil keys add --venue VENUE --label LABEL [--key-id ID] [--scheme hmac|ed25519]
                      [--secret-stdin | --private-key-file PEM | --generate] [--note TEXT]

Stores an API key in the vault. Whatever is not given as a flag is asked
on the terminal; secrets are never echoed and never taken from arguments.

  --venue V            binance, okx or bybit
  --label L            unique name; config accounts refer to it with key = "L"
  --key-id ID          the API key the venue shows (not secret)
  --scheme S           hmac (default) or ed25519 (binance)
  --secret-stdin       read the secret from stdin: line 1 the secret, line 2 the
                       API passphrase (okx); for ed25519 the PKCS#8 PEM
  --private-key-file F an Ed25519 private key, PKCS#8 PEM
  --generate           make a new Ed25519 key pair and print the public key to
                       register with the venue
  --note TEXT          a note for yourself (permissions, IP whitelist, ...)

Examples:
  vigil keys add --venue binance --label bn-test
  vigil keys add --venue okx --label okx-demo --key-id 985d5b66-57ce-40fb-b714-afc0b9787083
  printf '%s\n%s\n' "$SECRET" "$PASSPHRASE" | vigil keys add --venue okx --label okx-demo --key-id ID --secret-stdin
  vigil keys add --venue binance --label bn-ed --generate
  vigil keys add --venue binance --label bn-ed --key-id ID --private-key-file ./test-prv-key.pem
`

// schemes lists what vigil can sign with for each venue, default first.
var schemes = map[string][]string{
	"binance": {"hmac", "ed25519"},
	"okx":     {"hmac"},
	"bybit":   {"hmac"},
}

// needsPassphrase: venues whose API keys come with a passphrase.
func needsPassphrase(venue string) bool { return venue == "okx" }

var labelRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// material says where a key's secret comes from.
type material struct {
	secretStdin bool
	pemFile     string
	generate    bool
}

func (m *material) bind(fs *flag.FlagSet) {
	fs.BoolVar(&m.secretStdin, "secret-stdin", false, "")
	fs.StringVar(&m.pemFile, "private-key-file", "", "")
	fs.BoolVar(&m.generate, "generate", false, "")
}

func (m material) check(cmd string) error {
	n := 0
	for _, set := range []bool{m.secretStdin, m.pemFile != "", m.generate} {
		if set {
			n++
		}
	}
	if n > 1 {
		return usagef(cmd, "--secret-stdin, --private-key-file and --generate exclude each other")
	}
	return nil
}

// defaultScheme: a PEM or a generated key can only be Ed25519.
func (m material) defaultScheme(venue string) string {
	if m.generate || m.pemFile != "" {
		return "ed25519"
	}
	return schemes[venue][0]
}

// read gets the secret (and API passphrase) for a key of venue and scheme.
// For Ed25519 it also returns the public key PEM.
func (m material) read(ctx context.Context, env *Env, cmd, venue, scheme string) (secret, pass crypto.Secret, pub string, err error) {
	switch scheme {
	case "hmac":
		if m.pemFile != "" || m.generate {
			return secret, pass, "", usagef(cmd, "--private-key-file and --generate are for ed25519 keys")
		}
		var s, p []byte
		if m.secretStdin {
			s, p, err = readStdinLines(env.Stdin, needsPassphrase(venue))
		} else {
			s, p, err = promptSecret(ctx, env, venue)
		}
		if err != nil {
			return secret, pass, "", err
		}
		secret, pass = crypto.NewSecret(s), crypto.NewSecret(p)
		clear(s)
		clear(p)
		return secret, pass, "", nil
	case "ed25519":
		var der []byte
		switch {
		case m.generate:
			_, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				return secret, pass, "", err
			}
			der, err = x509.MarshalPKCS8PrivateKey(priv)
			clear(priv)
			if err != nil {
				return secret, pass, "", err
			}
		case m.pemFile != "":
			b, err := os.ReadFile(m.pemFile)
			if err != nil {
				return secret, pass, "", &exitError{code: ExitUsage, err: err}
			}
			der, err = parseEd25519PEM(b, m.pemFile)
			clear(b)
			if err != nil {
				return secret, pass, "", err
			}
		case m.secretStdin:
			var buf bytes.Buffer
			if _, err := io.Copy(&buf, io.LimitReader(env.Stdin, 1<<16)); err != nil {
				return secret, pass, "", err
			}
			der, err = parseEd25519PEM(buf.Bytes(), "stdin")
			clear(buf.Bytes())
			if err != nil {
				return secret, pass, "", err
			}
		default:
			return secret, pass, "", usagef(cmd, "an ed25519 key needs --generate, --private-key-file PEM or --secret-stdin")
		}
		defer clear(der)
		pub, err := publicPEM(der)
		if err != nil {
			return secret, pass, "", err
		}
		block := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		secret = crypto.NewSecret(block)
		clear(block)
		return secret, pass, pub, nil
	}
	return secret, pass, "", usagef(cmd, "unknown scheme %q (allowed: hmac, ed25519)", scheme)
}

// parseEd25519PEM returns the PKCS#8 DER of an Ed25519 private key PEM.
func parseEd25519PEM(b []byte, name string) ([]byte, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, &exitError{code: ExitUsage, err: fmt.Errorf("%s holds no PEM block", name),
			advice: "expected -----BEGIN PRIVATE KEY----- (PKCS#8), e.g. from: openssl genpkey -algorithm ed25519"}
	}
	defer clear(block.Bytes)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: fmt.Errorf("%s is not a PKCS#8 private key: %v", name, err),
			advice: "expected -----BEGIN PRIVATE KEY-----, e.g. from: openssl genpkey -algorithm ed25519"}
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, &exitError{code: ExitUsage, err: fmt.Errorf("%s holds a %T, not an Ed25519 key", name, k)}
	}
	defer clear(priv)
	return bytes.Clone(block.Bytes), nil
}

func publicPEM(der []byte) (string, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return "", err
	}
	priv := k.(ed25519.PrivateKey)
	defer clear(priv)
	spki, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki})), nil
}

// readStdinLines reads the secret from line 1 and, when wanted, the API
// passphrase from line 2.
func readStdinLines(r io.Reader, wantPass bool) (secret, pass []byte, err error) {
	br := bufio.NewReader(r)
	line := func(what string) ([]byte, error) {
		b, err := br.ReadBytes('\n')
		if err != nil && !(errors.Is(err, io.EOF) && len(b) > 0) {
			clear(b)
			return nil, &exitError{code: ExitUsage, err: fmt.Errorf("stdin: no %s line", what)}
		}
		t := bytes.TrimRight(b, "\r\n")
		if len(t) == 0 {
			return nil, &exitError{code: ExitUsage, err: fmt.Errorf("stdin: the %s line is empty", what)}
		}
		return t, nil
	}
	if secret, err = line("secret"); err != nil {
		return nil, nil, err
	}
	secret = bytes.TrimSpace(secret)
	if wantPass {
		if pass, err = line("API passphrase (line 2)"); err != nil {
			clear(secret)
			return nil, nil, err
		}
	}
	return secret, pass, nil
}

func promptSecret(ctx context.Context, env *Env, venue string) (secret, pass []byte, err error) {
	if env.TTY == nil {
		return nil, nil, &exitError{code: ExitUsage, err: errors.New("no terminal to ask for the secret"),
			advice: "pipe it in with --secret-stdin"}
	}
	secret, err = env.TTY.ReadPassword(ctx, "API secret (not shown): ")
	if err != nil {
		return nil, nil, ttyErr(err)
	}
	if t := bytes.TrimSpace(secret); len(t) != len(secret) {
		s := bytes.Clone(t)
		clear(secret)
		secret = s
	}
	if len(secret) == 0 {
		return nil, nil, &exitError{code: ExitUsage, err: errors.New("empty secret")}
	}
	if needsPassphrase(venue) {
		pass, err = env.TTY.ReadPassword(ctx, "API passphrase, chosen when the key was created (not shown): ")
		if err != nil {
			clear(secret)
			return nil, nil, ttyErr(err)
		}
		if len(pass) == 0 {
			clear(secret)
			return nil, nil, &exitError{code: ExitUsage, err: fmt.Errorf("%s keys need their API passphrase", venue)}
		}
	}
	return secret, pass, nil
}

// ask returns value or, when empty, asks on the terminal.
func ask(ctx context.Context, env *Env, value, prompt, flagName string) (string, error) {
	if value != "" {
		return value, nil
	}
	if env.TTY == nil {
		return "", &exitError{code: ExitUsage, err: fmt.Errorf("%s is missing and there is no terminal to ask on", flagName),
			advice: "pass " + flagName}
	}
	s, err := env.TTY.ReadLine(ctx, prompt)
	if err != nil {
		return "", ttyErr(err)
	}
	return strings.TrimSpace(s), nil
}

func runKeysAdd(ctx context.Context, env *Env, args []string) int {
	const cmd = "keys add"
	fs := env.Flags(cmd)
	var venue, label, keyID, scheme, note string
	var m material
	fs.StringVar(&venue, "venue", "", "")
	fs.StringVar(&label, "label", "", "")
	fs.StringVar(&keyID, "key-id", "", "")
	fs.StringVar(&scheme, "scheme", "", "")
	fs.StringVar(&note, "note", "", "")
	m.bind(fs)
	pos, err := ParseArgs(fs, args)
	if err == nil && len(pos) > 0 {
		err = usagef(cmd, "unexpected argument %q", pos[0])
	}
	if err == nil {
		err = m.check(cmd)
	}
	if err != nil {
		return env.Fail(err)
	}
	cfg, err := env.LoadConfig("")
	if err != nil {
		return env.Fail(err)
	}
	if venue, err = ask(ctx, env, venue, "Venue ("+strings.Join(config.KnownVenues(), ", ")+"): ", "--venue"); err != nil {
		return env.Fail(err)
	}
	if _, ok := schemes[venue]; !ok {
		return env.Fail(usagef(cmd, "unknown venue %q (allowed: %s)", venue, strings.Join(config.KnownVenues(), ", ")))
	}
	if scheme == "" {
		scheme = m.defaultScheme(venue)
	}
	if !slices.Contains(schemes[venue], scheme) {
		return env.Fail(usagef(cmd, "%s keys cannot use scheme %q (allowed: %s)", venue, scheme, strings.Join(schemes[venue], ", ")))
	}
	if label != "" {
		if err := checkLabel(cmd, label); err != nil {
			return env.Fail(err)
		}
	}

	u, err := env.unlock(ctx, cfg.Vault, "")
	if err != nil {
		return env.Fail(err)
	}
	defer u.close()

	if label, err = ask(ctx, env, label, "Label (how config accounts refer to this key): ", "--label"); err != nil {
		return env.Fail(err)
	}
	if err := checkLabel(cmd, label); err != nil {
		return env.Fail(err)
	}
	if _, dup := u.Get(label); dup {
		return env.Fail(usagef(cmd, "a key labelled %q is already in the vault", label))
	}
	if !m.generate {
		if keyID, err = ask(ctx, env, keyID, "API key (the id the venue shows): ", "--key-id"); err != nil {
			return env.Fail(err)
		}
		if keyID == "" {
			return env.Fail(usagef(cmd, "the API key id is empty"))
		}
	}
	secret, pass, pub, err := m.read(ctx, env, cmd, venue, scheme)
	if err != nil {
		return env.Fail(err)
	}
	k := crypto.Key{Label: label, Venue: venue, Scheme: scheme, KeyID: keyID,
		Secret: secret, Passphrase: pass, Created: env.Now().UTC(), Note: note}
	if m.generate {
		fmt.Fprintf(env.Stdout, "Generated an Ed25519 key pair. Register this public key with %s:\n\n%s\n", venue, pub)
		if k.KeyID == "" && env.TTY != nil {
			id, err := env.TTY.ReadLine(ctx, "API key the venue assigned (Enter to set it later): ")
			if err != nil {
				k.Wipe()
				return env.Fail(ttyErr(err))
			}
			k.KeyID = strings.TrimSpace(id)
		}
	}
	err = u.update(ctx, env.Stderr, func(v *crypto.Vault) error {
		// Another vigil may have added the label since the check above.
		if _, dup := v.Get(label); dup {
			return usagef(cmd, "a key labelled %q is already in the vault", label)
		}
		return v.Add(k)
	})
	if err != nil {
		k.Wipe()
		return env.Fail(err)
	}
	fmt.Fprintf(env.Stdout, "Added %s: %s %s key %s to %s\n", label, venue, scheme, displayID(k.KeyID), u.path)
	if k.KeyID == "" {
		fmt.Fprintf(env.Stdout, "Once the venue shows the key id: vigil keys set-id %s ID\n", label)
	}
	if _, ok := accountFor(cfg, label); !ok {
		fmt.Fprintf(env.Stdout, "No account uses it yet: in %s, set key = %q.\n", cfg.Path, label)
	}
	return ExitOK
}

func checkLabel(cmd, label string) error {
	if !labelRE.MatchString(label) {
		return usagef(cmd, "label %q: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", label)
	}
	return nil
}

func displayID(id string) string {
	if id == "" {
		return "(no id yet)"
	}
	return crypto.MaskID(id)
}

func accountFor(cfg *config.Config, label string) (config.Account, bool) {
	for _, a := range cfg.Accounts {
		if a.Key == label {
			return a, true
		}
	}
	return config.Account{}, false
}

func runKeysList(ctx context.Context, env *Env, args []string) int {
	pos, err := ParseArgs(env.Flags("keys list"), args)
	if err == nil && len(pos) > 0 {
		err = usagef("keys list", "unexpected argument %q", pos[0])
	}
	if err != nil {
		return env.Fail(err)
	}
	cfg, err := env.LoadConfig("")
	if err != nil {
		return env.Fail(err)
	}
	v, err := env.UnlockVault(ctx, cfg, "")
	if err != nil {
		return env.Fail(err)
	}
	defer v.Wipe()
	if len(v.Keys) == 0 {
		fmt.Fprintf(env.Stdout, "The vault %s holds no keys.\nAdd one: vigil keys add --venue binance --label bn-test\n", cfg.Vault)
	} else {
		now := env.Now()
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "LABEL\tVENUE\tSCHEME\tKEY ID\tCREATED\tROTATED\tAGE\t")
		for _, k := range v.Keys {
			rotated := "never"
			if !k.Rotated.IsZero() {
				rotated = k.Rotated.Local().Format(time.DateOnly)
			}
			age := now.Sub(k.LastChanged())
			days := int(age.Hours() / 24)
			warn := ""
			if age > rotateAfter {
				warn = "  ! rotate: older than 90 days"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%dd%s\t\n", k.Label, k.Venue, k.Scheme, displayID(k.KeyID),
				k.Created.Local().Format(time.DateOnly), rotated, days, warn)
		}
		tw.Flush()
	}
	for _, a := range cfg.Accounts {
		if _, ok := v.Get(a.Key); !ok {
			fmt.Fprintf(env.Stdout, "! account %q (%s:%d) uses key %q, which is not in the vault\n", a.Name, cfg.Path, a.Line, a.Key)
		}
	}
	return ExitOK
}

func runKeysRotate(ctx context.Context, env *Env, args []string) int {
	const cmd = "keys rotate"
	fs := env.Flags(cmd)
	var keyID, scheme string
	var m material
	fs.StringVar(&keyID, "key-id", "", "")
	fs.StringVar(&scheme, "scheme", "", "")
	m.bind(fs)
	pos, err := ParseArgs(fs, args)
	if err == nil && len(pos) != 1 {
		err = usagef(cmd, "give exactly one LABEL")
	}
	if err == nil {
		err = m.check(cmd)
	}
	if err != nil {
		return env.Fail(err)
	}
	label := pos[0]
	cfg, err := env.LoadConfig("")
	if err != nil {
		return env.Fail(err)
	}
	u, err := env.unlock(ctx, cfg.Vault, "")
	if err != nil {
		return env.Fail(err)
	}
	defer u.close()
	old, ok := u.Get(label)
	if !ok {
		return env.Fail(usagef(cmd, "no key labelled %q in the vault (see 'vigil keys list')", label))
	}
	if scheme == "" {
		scheme = old.Scheme
		if m.generate || m.pemFile != "" {
			scheme = "ed25519"
		}
	}
	if !slices.Contains(schemes[old.Venue], scheme) {
		return env.Fail(usagef(cmd, "%s keys cannot use scheme %q (allowed: %s)", old.Venue, scheme, strings.Join(schemes[old.Venue], ", ")))
	}
	if keyID == "" && !m.generate && env.TTY != nil {
		s, err := env.TTY.ReadLine(ctx, fmt.Sprintf("New API key id (Enter keeps %s): ", displayID(old.KeyID)))
		if err != nil {
			return env.Fail(ttyErr(err))
		}
		keyID = strings.TrimSpace(s)
	}
	secret, pass, pub, err := m.read(ctx, env, cmd, old.Venue, scheme)
	if err != nil {
		return env.Fail(err)
	}
	k := old
	k.Scheme, k.Secret, k.Passphrase, k.Rotated = scheme, secret, pass, env.Now().UTC()
	if keyID != "" {
		k.KeyID = keyID
	}
	if m.generate {
		fmt.Fprintf(env.Stdout, "Generated a new Ed25519 key pair. Register this public key with %s:\n\n%s\n", old.Venue, pub)
		if keyID == "" && env.TTY != nil {
			id, err := env.TTY.ReadLine(ctx, "API key the venue assigned (Enter to set it later): ")
			if err != nil {
				k.Wipe()
				return env.Fail(ttyErr(err))
			}
			k.KeyID = strings.TrimSpace(id)
		}
	}
	err = u.update(ctx, env.Stderr, func(v *crypto.Vault) error {
		cur, ok := v.Get(label)
		if !ok {
			return usagef(cmd, "no key labelled %q in the vault any more: another vigil removed it", label)
		}
		nk := cur
		nk.Scheme, nk.Secret, nk.Passphrase, nk.Rotated = k.Scheme, k.Secret, k.Passphrase, k.Rotated
		if k.KeyID != old.KeyID {
			nk.KeyID = k.KeyID
		}
		k = nk
		return v.Replace(nk)
	})
	if err != nil {
		k.Wipe()
		return env.Fail(err)
	}
	fmt.Fprintf(env.Stdout, "Rotated %s: key %s, secret replaced. Revoke the old key at %s.\n", label, displayID(k.KeyID), old.Venue)
	return ExitOK
}

func runKeysRm(ctx context.Context, env *Env, args []string) int {
	const cmd = "keys rm"
	fs := env.Flags(cmd)
	yes := fs.Bool("yes", false, "")
	pos, err := ParseArgs(fs, args)
	if err == nil && len(pos) != 1 {
		err = usagef(cmd, "give exactly one LABEL")
	}
	if err != nil {
		return env.Fail(err)
	}
	label := pos[0]
	cfg, err := env.LoadConfig("")
	if err != nil {
		return env.Fail(err)
	}
	u, err := env.unlock(ctx, cfg.Vault, "")
	if err != nil {
		return env.Fail(err)
	}
	defer u.close()
	k, ok := u.Get(label)
	if !ok {
		return env.Fail(usagef(cmd, "no key labelled %q in the vault (see 'vigil keys list')", label))
	}
	if !*yes {
		if env.TTY == nil {
			return env.Fail(usagef(cmd, "no terminal to confirm on; pass --yes"))
		}
		prompt := fmt.Sprintf("Remove %s (%s %s, key %s)? Type the label to confirm: ", k.Label, k.Venue, k.Scheme, displayID(k.KeyID))
		if a, ok := accountFor(cfg, label); ok {
			fmt.Fprintf(env.Stderr, "Account %q in %s uses this key.\n", a.Name, cfg.Path)
		}
		answer, err := env.TTY.ReadLine(ctx, prompt)
		if err != nil {
			return env.Fail(ttyErr(err))
		}
		if strings.TrimSpace(answer) != label {
			fmt.Fprintln(env.Stderr, "vigil: not confirmed; nothing removed")
			return ExitFailure
		}
	}
	if err := u.update(ctx, env.Stderr, func(v *crypto.Vault) error { return v.Remove(label) }); err != nil {
		return env.Fail(err)
	}
	fmt.Fprintf(env.Stdout, "Removed %s. Revoke it at %s too; %s.bak keeps it until the next change.\n", label, k.Venue, u.path)
	return ExitOK
}

func runKeysPasswd(ctx context.Context, env *Env, args []string) int {
	const cmd = "keys passwd"
	fs := env.Flags(cmd)
	newFile := fs.String("new-passphrase-file", "", "")
	pos, err := ParseArgs(fs, args)
	if err == nil && len(pos) > 0 {
		err = usagef(cmd, "unexpected argument %q", pos[0])
	}
	if err != nil {
		return env.Fail(err)
	}
	cfg, err := env.LoadConfig("")
	if err != nil {
		return env.Fail(err)
	}
	u, err := env.unlock(ctx, cfg.Vault, "")
	if err != nil {
		return env.Fail(err)
	}
	defer u.close()
	pass, err := env.newPassphrase(ctx, *newFile)
	if err != nil {
		return env.Fail(err)
	}
	// The backup would still open with the old passphrase, which may be
	// why it is being changed: it goes too.
	stop := spinText(env.Stderr, "encrypting the vault (scrypt)…")
	err = u.ChangePassphrase(ctx, u.path, u.pass.Bytes(), pass)
	stop()
	clear(pass)
	if err != nil {
		return env.Fail(err)
	}
	fmt.Fprintf(env.Stdout, "Passphrase changed for %s.\n", u.path)
	return ExitOK
}

func runKeysSetID(ctx context.Context, env *Env, args []string) int {
	const cmd = "keys set-id"
	pos, err := ParseArgs(env.Flags(cmd), args)
	if err == nil && len(pos) != 2 {
		err = usagef(cmd, "give LABEL and ID")
	}
	if err != nil {
		return env.Fail(err)
	}
	cfg, err := env.LoadConfig("")
	if err != nil {
		return env.Fail(err)
	}
	u, err := env.unlock(ctx, cfg.Vault, "")
	if err != nil {
		return env.Fail(err)
	}
	defer u.close()
	k, ok := u.Get(pos[0])
	if !ok {
		return env.Fail(usagef(cmd, "no key labelled %q in the vault (see 'vigil keys list')", pos[0]))
	}
	k.KeyID = strings.TrimSpace(pos[1])
	err = u.update(ctx, env.Stderr, func(v *crypto.Vault) error {
		cur, ok := v.Get(k.Label)
		if !ok {
			return usagef(cmd, "no key labelled %q in the vault any more: another vigil removed it", k.Label)
		}
		cur.KeyID = k.KeyID
		return v.Replace(cur)
	})
	if err != nil {
		return env.Fail(err)
	}
	fmt.Fprintf(env.Stdout, "Set the key id of %s to %s.\n", k.Label, displayID(k.KeyID))
	return ExitOK
}
