package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/venues"
)

// rotateAfter is when keys list starts warning that a key is old.
const rotateAfter = 90 * 24 * time.Hour

func init() {
	Register(Command{Name: "keys add", Summary: "store an API key in the vault", Usage: keysAddUsage(), Run: runKeysAdd})
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

// keysAddUsage is written from the venue list, so each venue's schemes and
// extra credentials are told where they apply.
func keysAddUsage() string {
	var b strings.Builder
	b.WriteString(`usage: vigil keys add --venue VENUE --label LABEL [--key-id ID] [--scheme SCHEME]
                      [--secret-stdin | --private-key-file PEM | --generate] [--note TEXT]

Stores an API key in the vault. Whatever is not given as a flag is asked
on the terminal; secrets are never echoed and never taken from arguments.

  --venue V            ` + strings.Join(venues.Names(), ", ") + `
  --label L            unique name; config accounts refer to it with key = "L"
  --key-id ID          the API key the venue shows (not secret)
  --scheme S           how the key signs (default: the venue's first):
`)
	for _, d := range venues.All() {
		fmt.Fprintf(&b, "                         %-9s %s\n", d.Name, strings.Join(d.SchemeNames(), ", "))
	}
	b.WriteString(`  --secret-stdin       read the key from stdin: the secret on line 1 (a PEM key:
                       the whole block), then one line per extra field:
`)
	for _, d := range venues.All() {
		for _, f := range d.Fields {
			fmt.Fprintf(&b, "                         %-9s %s\n", d.Name, f.Prompt)
		}
	}
	b.WriteString(`  --private-key-file F a private key in PEM (Ed25519 PKCS#8, or the venue's EC key)
  --generate           make a new Ed25519 key pair and print the public key to
                       register with the venue (venues whose schemes include ed25519)
  --note TEXT          a note for yourself (permissions, IP whitelist, ...)

Examples:
`)
	for _, d := range venues.All() {
		label := d.Name + "-test"
		fmt.Fprintf(&b, "  vigil keys add --venue %s --label %s\n", d.Name, label)
		if len(d.Fields) > 0 {
			var lines, vars []string
			lines = append(lines, "%s")
			vars = append(vars, `"$SECRET"`)
			for _, f := range d.Fields {
				lines = append(lines, "%s")
				vars = append(vars, `"$`+strings.ToUpper(f.Name)+`"`)
			}
			fmt.Fprintf(&b, "  printf '%s\\n' %s | vigil keys add --venue %s --label %s --key-id ID --secret-stdin\n",
				strings.Join(lines, "\\n"), strings.Join(vars, " "), d.Name, label)
		}
		for _, sc := range d.Schemes {
			if sc.Material == kit.Ed25519PEM {
				fmt.Fprintf(&b, "  vigil keys add --venue %s --label %s-ed --generate\n", d.Name, d.Name)
				fmt.Fprintf(&b, "  vigil keys add --venue %s --label %s-ed --key-id ID --private-key-file ./test-prv-key.pem\n", d.Name, d.Name)
			}
		}
	}
	return b.String()
}

// venueFor looks up a venue by name for a keys command.
func venueFor(cmd, name string) (*kit.Descriptor, error) {
	d, ok := venues.Lookup(name)
	if !ok {
		return nil, usagef(cmd, "unknown venue %q (allowed: %s)", name, strings.Join(venues.Names(), ", "))
	}
	return d, nil
}

// schemeFor checks that venue d signs with scheme.
func schemeFor(cmd string, d *kit.Descriptor, scheme string) (kit.Scheme, error) {
	sc, ok := d.Scheme(exchange.Scheme(scheme))
	if !ok {
		return kit.Scheme{}, usagef(cmd, "%s keys cannot use scheme %q (allowed: %s)", d.Name, scheme, strings.Join(d.SchemeNames(), ", "))
	}
	return sc, nil
}

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

// defaultScheme: a generated key can only be Ed25519; a PEM file is the
// venue's first PEM scheme.
func (m material) defaultScheme(d *kit.Descriptor) string {
	if m.generate || m.pemFile != "" {
		for _, sc := range d.Schemes {
			if sc.Material == kit.Ed25519PEM || (sc.Material == kit.ECPEM && !m.generate) {
				return string(sc.Scheme)
			}
		}
	}
	return string(d.DefaultScheme().Scheme)
}

// keyMaterial is what `keys add` and `keys rotate` read for one key.
type keyMaterial struct {
	secret crypto.Secret
	fields map[string]crypto.Secret
	pub    string // for a generated or given Ed25519 key: the public key PEM to register
}

func (k keyMaterial) wipe() {
	k.secret.Wipe()
	for _, f := range k.fields {
		f.Wipe()
	}
}

// read gets the signing material for a key of venue d and scheme sc, then
// the venue's extra fields: from stdin (secret first, then one line per
// field), a file, a fresh key pair, or the terminal.
func (m material) read(ctx context.Context, env *Env, cmd string, d *kit.Descriptor, sc kit.Scheme) (keyMaterial, error) {
	var (
		km  keyMaterial
		err error
		in  *bufio.Reader
	)
	if m.secretStdin {
		in = bufio.NewReader(io.LimitReader(env.Stdin, 1<<16))
	}
	switch sc.Material {
	case kit.HMACSecret, kit.Secp256k1Hex:
		if m.pemFile != "" || m.generate {
			return km, usagef(cmd, "--private-key-file and --generate are for keys in PEM (%s %s signs with a secret)", d.Name, sc.Scheme)
		}
		var s []byte
		if in != nil {
			s, err = stdinLine(in, "secret")
		} else {
			s, err = promptLine(ctx, env, "API secret (not shown): ", "secret")
		}
		if err != nil {
			return km, err
		}
		s = bytes.TrimSpace(s)
		if sc.Material == kit.Secp256k1Hex {
			if err := checkSecp256k1Hex(s); err != nil {
				clear(s)
				return km, &exitError{code: ExitUsage, err: err, advice: "the wallet's private key: 64 hex digits, with or without 0x"}
			}
		}
		km.secret = crypto.NewSecret(s)
		clear(s)
	case kit.Ed25519PEM, kit.ECPEM:
		km.secret, km.pub, err = m.readPEM(ctx, env, cmd, in, sc)
		if err != nil {
			return km, err
		}
	default:
		return km, usagef(cmd, "unknown key material %q", sc.Material)
	}
	for _, f := range d.Fields {
		var v []byte
		if in != nil {
			v, err = stdinLine(in, f.Prompt+" (the line after the secret)")
		} else {
			v, err = promptLine(ctx, env, f.Prompt+" (not shown): ", f.Prompt)
		}
		if err != nil {
			km.wipe()
			return keyMaterial{}, err
		}
		if km.fields == nil {
			km.fields = map[string]crypto.Secret{}
		}
		km.fields[f.Name] = crypto.NewSecret(v)
		clear(v)
	}
	return km, nil
}

// readPEM gets a private key in PEM: generated, from a file, from stdin, or
// pasted on the terminal (up to its END line).
func (m material) readPEM(ctx context.Context, env *Env, cmd string, in *bufio.Reader, sc kit.Scheme) (crypto.Secret, string, error) {
	var zero crypto.Secret
	var raw []byte
	name := "stdin"
	switch {
	case m.generate:
		if sc.Material != kit.Ed25519PEM {
			return zero, "", usagef(cmd, "--generate makes Ed25519 keys; a %s key is issued by the venue", sc.Scheme)
		}
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return zero, "", err
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		clear(priv)
		if err != nil {
			return zero, "", err
		}
		raw = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		clear(der)
		name = "generated key"
	case m.pemFile != "":
		b, err := os.ReadFile(m.pemFile)
		if err != nil {
			return zero, "", &exitError{code: ExitUsage, err: err}
		}
		raw, name = b, m.pemFile
	case in != nil:
		b, err := readPEMBlock(in)
		if err != nil {
			return zero, "", err
		}
		raw = b
	default:
		if sc.Material == kit.Ed25519PEM {
			return zero, "", usagef(cmd, "an ed25519 key needs --generate, --private-key-file PEM or --secret-stdin")
		}
		b, err := promptPEM(ctx, env)
		if err != nil {
			return zero, "", err
		}
		raw, name = b, "the pasted key"
	}
	defer clear(raw)
	if sc.Material == kit.ECPEM && sc.Scheme == exchange.SchemeEd25519 {
		// An Ed25519 key as some venues show it: one line of base64.
		if line, ok := base64Ed25519(raw); ok {
			s := crypto.NewSecret(line)
			return s, "", nil
		}
	}
	if sc.Material == kit.ECPEM {
		if err := checkPrivatePEM(raw, name); err != nil {
			return zero, "", err
		}
		block, _ := pem.Decode(raw)
		out := pem.EncodeToMemory(block)
		clear(block.Bytes)
		s := crypto.NewSecret(out)
		clear(out)
		return s, "", nil
	}
	der, err := parseEd25519PEM(raw, name)
	if err != nil {
		return zero, "", err
	}
	defer clear(der)
	pub, err := publicPEM(der)
	if err != nil {
		return zero, "", err
	}
	block := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	s := crypto.NewSecret(block)
	clear(block)
	return s, pub, nil
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

// stdinLine reads one non-empty line of a secret from stdin.
func stdinLine(in *bufio.Reader, what string) ([]byte, error) {
	b, err := in.ReadBytes('\n')
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

// readPEMBlock reads stdin up to the END line of the first PEM block, so
// extra fields may follow it line by line.
func readPEMBlock(in *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		line, err := in.ReadBytes('\n')
		end := bytes.HasPrefix(bytes.TrimSpace(line), []byte("-----END "))
		buf = append(buf, line...)
		clear(line)
		if end {
			return buf, nil
		}
		if err != nil {
			if len(bytes.TrimSpace(buf)) == 0 {
				return nil, &exitError{code: ExitUsage, err: errors.New("stdin: no private key")}
			}
			// A single-line secret (a base64 key) has no END line.
			return buf, nil
		}
	}
}

func promptLine(ctx context.Context, env *Env, prompt, what string) ([]byte, error) {
	if env.TTY == nil {
		return nil, &exitError{code: ExitUsage, err: fmt.Errorf("no terminal to ask for the %s", what),
			advice: "pipe it in with --secret-stdin"}
	}
	b, err := env.TTY.ReadPassword(ctx, prompt)
	if err != nil {
		return nil, ttyErr(err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		clear(b)
		return nil, &exitError{code: ExitUsage, err: fmt.Errorf("empty %s", what)}
	}
	return b, nil
}

// promptPEM reads a pasted multi-line private key without echo, a line at
// a time, up to its END line.
func promptPEM(ctx context.Context, env *Env) ([]byte, error) {
	if env.TTY == nil {
		return nil, &exitError{code: ExitUsage, err: errors.New("no terminal to paste the private key on"),
			advice: "pipe it in with --secret-stdin, or give --private-key-file"}
	}
	fmt.Fprintln(env.Stderr, "Paste the private key (-----BEGIN … to -----END …; not shown):")
	var buf []byte
	for range 64 {
		line, err := env.TTY.ReadPassword(ctx, "")
		if err != nil {
			clear(buf)
			return nil, ttyErr(err)
		}
		buf = append(buf, line...)
		buf = append(buf, '\n')
		// A key pasted as one line of base64 (an Ed25519 key as some
		// venues show it) has no END line to wait for.
		done := bytes.HasPrefix(bytes.TrimSpace(line), []byte("-----END ")) ||
			len(bytes.TrimSpace(buf)) == len(bytes.TrimSpace(line)) && !bytes.HasPrefix(bytes.TrimSpace(line), []byte("-----BEGIN"))
		clear(line)
		if done {
			return buf, nil
		}
	}
	clear(buf)
	return nil, &exitError{code: ExitUsage, err: errors.New("no -----END line after 64 lines")}
}

// base64Ed25519 is raw trimmed when it is one line of standard base64
// holding 32 or 64 bytes: an Ed25519 seed, or seed and public key.
func base64Ed25519(raw []byte) ([]byte, bool) {
	line := bytes.TrimSpace(raw)
	if len(line) == 0 || bytes.ContainsAny(line, "\n\r-") {
		return nil, false
	}
	b := make([]byte, base64.StdEncoding.DecodedLen(len(line)))
	defer clear(b)
	n, err := base64.StdEncoding.Decode(b, line)
	if err != nil || (n != ed25519.SeedSize && n != ed25519.PrivateKeySize) {
		return nil, false
	}
	return line, true
}

// checkPrivatePEM accepts a PEM block holding an EC or Ed25519 private key
// (PKCS#8 or SEC 1), as venues that issue keys hand them out.
func checkPrivatePEM(raw []byte, name string) error {
	block, _ := pem.Decode(raw)
	if block == nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s holds no PEM block", name),
			advice: "expected -----BEGIN EC PRIVATE KEY----- or -----BEGIN PRIVATE KEY-----, as the venue issued it"}
	}
	defer clear(block.Bytes)
	if _, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("%s is not an EC or PKCS#8 private key: %v", name, err)}
	}
	if priv, ok := k.(ed25519.PrivateKey); ok {
		clear(priv)
	}
	return nil
}

// checkSecp256k1Hex accepts 32 bytes in hex, with or without 0x.
func checkSecp256k1Hex(s []byte) error {
	h := bytes.TrimPrefix(bytes.TrimPrefix(s, []byte("0x")), []byte("0X"))
	if len(h) != 64 {
		return fmt.Errorf("a wallet private key is 64 hex digits; got %d characters", len(h))
	}
	for _, c := range h {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(c)) {
			return errors.New("a wallet private key is hex digits only")
		}
	}
	return nil
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
	if venue, err = ask(ctx, env, venue, "Venue ("+strings.Join(venues.Names(), ", ")+"): ", "--venue"); err != nil {
		return env.Fail(err)
	}
	d, err := venueFor(cmd, venue)
	if err != nil {
		return env.Fail(err)
	}
	if scheme == "" {
		scheme = m.defaultScheme(d)
	}
	sc, err := schemeFor(cmd, d, scheme)
	if err != nil {
		return env.Fail(err)
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
		if keyID, err = ask(ctx, env, keyID, "API key id (the venue shows it: "+d.KeyID+"): ", "--key-id"); err != nil {
			return env.Fail(err)
		}
		if keyID == "" {
			return env.Fail(usagef(cmd, "the API key id is empty"))
		}
	}
	km, err := m.read(ctx, env, cmd, d, sc)
	if err != nil {
		return env.Fail(err)
	}
	k := crypto.Key{Label: label, Venue: venue, Scheme: scheme, KeyID: keyID,
		Secret: km.secret, Fields: km.fields, Created: env.Now().UTC(), Note: note}
	if d.Describe != nil && !m.generate {
		lines, err := d.Describe(kit.Credentials{KeyID: keyID, Scheme: exchange.Scheme(scheme), Secret: km.secret, Fields: km.fields})
		if err != nil {
			k.Wipe()
			return env.Fail(usagef(cmd, "%v", err))
		}
		for _, l := range lines {
			fmt.Fprintln(env.Stdout, l)
		}
	}
	if m.generate {
		fmt.Fprintf(env.Stdout, "Generated an Ed25519 key pair. Register this public key with %s:\n\n%s\n", d.Title, km.pub)
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
		fmt.Fprintf(env.Stdout, "The vault %s holds no keys.\nAdd one: vigil keys add --venue %s --label %s-test\n", cfg.Vault, venues.Names()[0], venues.Names()[0])
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
	d, err := venueFor(cmd, old.Venue)
	if err != nil {
		return env.Fail(err)
	}
	sc, err := schemeFor(cmd, d, scheme)
	if err != nil {
		return env.Fail(err)
	}
	if keyID == "" && !m.generate && env.TTY != nil {
		s, err := env.TTY.ReadLine(ctx, fmt.Sprintf("New API key id (Enter keeps %s): ", displayID(old.KeyID)))
		if err != nil {
			return env.Fail(ttyErr(err))
		}
		keyID = strings.TrimSpace(s)
	}
	km, err := m.read(ctx, env, cmd, d, sc)
	if err != nil {
		return env.Fail(err)
	}
	k := old
	k.Scheme, k.Secret, k.Fields, k.Rotated = scheme, km.secret, km.fields, env.Now().UTC()
	if keyID != "" {
		k.KeyID = keyID
	}
	if m.generate {
		fmt.Fprintf(env.Stdout, "Generated a new Ed25519 key pair. Register this public key with %s:\n\n%s\n", d.Title, km.pub)
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
		nk.Scheme, nk.Secret, nk.Fields, nk.Rotated = k.Scheme, k.Secret, k.Fields, k.Rotated
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
