package crypto

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
)

// DefaultWorkFactor is the scrypt cost (log2 N) for real vaults: about a
// second on a laptop, which is what makes a stolen vault file expensive.
const DefaultWorkFactor = 18

// maxWorkFactor caps what OpenVault accepts, so a tampered header cannot
// make unlocking take minutes.
const maxWorkFactor = 22

// Vault errors, usable with errors.Is.
var (
	ErrWrongPassphrase     = errors.New("wrong passphrase")
	ErrCorruptVault        = errors.New("vault is corrupt or truncated")
	ErrInsecurePermissions = errors.New("insecure permissions")
	ErrDuplicateLabel      = errors.New("a key with this label already exists")
	ErrNoSuchKey           = errors.New("no key with this label")
)

// Key is one API key as the vault stores it.
type Key struct {
	Label  string // unique; config accounts refer to it
	Venue  string // "binance", "okx", ...
	Scheme string // "hmac", "ed25519"
	KeyID  string // the venue's API key id (not secret, but masked on screen)
	// Secret is what the key's scheme signs with: an HMAC secret, or a
	// private key (PEM, or hex for a wallet key).
	Secret Secret
	// Fields are the other credentials a venue names (an API passphrase,
	// say), by the field names of the venue's descriptor.
	Fields  map[string]Secret
	Created time.Time
	Rotated time.Time // zero until first rotation
	Note    string
}

// LastChanged is when the key material was last set: rotation or creation.
func (k Key) LastChanged() time.Time {
	if k.Rotated.After(k.Created) {
		return k.Rotated
	}
	return k.Created
}

// Field returns the named credential field; a zero Secret when unset.
func (k Key) Field(name string) Secret { return k.Fields[name] }

// Wipe clears the key's secrets.
func (k Key) Wipe() {
	k.Secret.Wipe()
	for _, f := range k.Fields {
		f.Wipe()
	}
}

// Vault is the decrypted content of the age file: every key, in memory only.
type Vault struct {
	Keys []Key

	// WorkFactor is the scrypt cost used by Save; zero means
	// DefaultWorkFactor. Tests set it low.
	WorkFactor int

	// step, when set, is called before each step of an atomic write; tests
	// use it to inject failures and crashes.
	step func(step string) error

	// sum is the SHA-256 of the file the keys were read from or last saved
	// as (when known): under the lock, a file with another sum was saved by
	// someone else since, and is read again before any change.
	sum   [sha256.Size]byte
	known bool
}

// Get returns the key with label.
func (v *Vault) Get(label string) (Key, bool) {
	for _, k := range v.Keys {
		if k.Label == label {
			return k, true
		}
	}
	return Key{}, false
}

// Add appends k; labels are unique.
func (v *Vault) Add(k Key) error {
	if k.Label == "" {
		return errors.New("key label is empty")
	}
	if _, ok := v.Get(k.Label); ok {
		return fmt.Errorf("%w: %q", ErrDuplicateLabel, k.Label)
	}
	v.Keys = append(v.Keys, k)
	return nil
}

// Remove deletes the key with label and wipes its secrets.
func (v *Vault) Remove(label string) error {
	i := slices.IndexFunc(v.Keys, func(k Key) bool { return k.Label == label })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrNoSuchKey, label)
	}
	v.Keys[i].Wipe()
	v.Keys = slices.Delete(v.Keys, i, i+1)
	return nil
}

// Replace swaps in k for the key with the same label, wiping the old secrets
// unless k shares them.
func (v *Vault) Replace(k Key) error {
	i := slices.IndexFunc(v.Keys, func(old Key) bool { return old.Label == k.Label })
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrNoSuchKey, k.Label)
	}
	old := v.Keys[i]
	if old.Secret.p != k.Secret.p {
		old.Secret.Wipe()
	}
	for name, f := range old.Fields {
		if f.p != k.Fields[name].p {
			f.Wipe()
		}
	}
	v.Keys[i] = k
	return nil
}

// Wipe clears every secret and forgets the keys.
func (v *Vault) Wipe() {
	for _, k := range v.Keys {
		k.Wipe()
	}
	v.Keys = nil
}

// OpenVault decrypts the vault at path with pass. It refuses a vault that
// others can read (ErrInsecurePermissions), reports a wrong passphrase as
// ErrWrongPassphrase and a damaged file as ErrCorruptVault. Nothing is
// written.
func OpenVault(path string, pass []byte) (*Vault, error) {
	data, err := readVaultFile(path)
	if err != nil {
		return nil, err
	}
	v, err := decryptVault(path, bytes.NewReader(data), pass)
	if err != nil {
		return nil, err
	}
	v.sum, v.known = sha256.Sum256(data), true
	return v, nil
}

func decryptVault(path string, r io.Reader, pass []byte) (*Vault, error) {
	if len(pass) == 0 {
		return nil, fmt.Errorf("%w for %s (empty)", ErrWrongPassphrase, path)
	}
	// age takes the passphrase as a string; that copy is beyond our reach.
	id, err := age.NewScryptIdentity(string(pass))
	if err != nil {
		return nil, err
	}
	id.SetMaxWorkFactor(maxWorkFactor)
	pr, err := age.Decrypt(r, id)
	if err != nil {
		if errors.Is(err, age.ErrIncorrectIdentity) {
			return nil, fmt.Errorf("%w for %s", ErrWrongPassphrase, path)
		}
		return nil, corrupt(path, err)
	}
	var buf wipeBuffer
	defer buf.wipe()
	if err := buf.readFrom(pr); err != nil {
		return nil, corrupt(path, err)
	}
	v, err := unmarshalVault(buf.b)
	if err != nil {
		return nil, corrupt(path, err)
	}
	return v, nil
}

func corrupt(path string, err error) error {
	return fmt.Errorf("%s: %w (%v); the previous version may be in %s.bak", path, ErrCorruptVault, err, path)
}

// Save encrypts the vault to pass and replaces the file at path atomically,
// keeping the previous version as path.bak, whatever the file held: it is
// for creating a vault. Changes to an existing one go through Update, which
// cannot lose another process's change. Plaintext exists only in memory and
// is wiped once encrypted.
func (v *Vault) Save(path string, pass []byte) error {
	ct, err := v.encrypt(pass)
	if err != nil {
		return err
	}
	l, err := lockVault(context.Background(), path)
	if err != nil {
		return err
	}
	defer l.unlock()
	return v.write(path, ct, true)
}

// Update changes the vault file at path under its writer lock, so that
// vigil processes changing one vault at the same time each see the
// others' changes. It first brings v up to date with the file, reading and
// decrypting it with pass again if anyone saved it since v was read (v's
// keys are then replaced by the file's), applies change to v, and saves v
// encrypted to pass. A file that no longer opens with pass (its passphrase
// was changed meanwhile) gives ErrWrongPassphrase, and nothing is written;
// so does an error from change.
func (v *Vault) Update(ctx context.Context, path string, pass []byte, change func(*Vault) error) error {
	return v.update(ctx, path, pass, pass, change)
}

// ChangePassphrase re-encrypts the vault at path, as it is on disk under
// the writer lock, from oldPass to newPass. The backup and any temp file
// left by an interrupted save, which would still open with oldPass, are
// deleted; the file at path opens with oldPass until the rename and with
// newPass only after it.
func (v *Vault) ChangePassphrase(ctx context.Context, path string, oldPass, newPass []byte) error {
	return v.update(ctx, path, oldPass, newPass, nil)
}

func (v *Vault) update(ctx context.Context, path string, pass, newPass []byte, change func(*Vault) error) error {
	if len(pass) == 0 || len(newPass) == 0 {
		return errors.New("empty passphrase")
	}
	l, err := lockVault(ctx, path)
	if err != nil {
		return err
	}
	defer l.unlock()
	if err := v.refresh(path, pass); err != nil {
		return err
	}
	if change != nil {
		if err := change(v); err != nil {
			return err
		}
	}
	ct, err := v.encrypt(newPass)
	if err != nil {
		return err
	}
	return v.write(path, ct, bytes.Equal(pass, newPass))
}

// refresh replaces v's keys with the file's when the file is not the one v
// was read from or last saved as. The caller holds the lock.
func (v *Vault) refresh(path string, pass []byte) error {
	data, err := readVaultFile(path)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	if v.known && sum == v.sum {
		return nil
	}
	fresh, err := decryptVault(path, bytes.NewReader(data), pass)
	if err != nil {
		if errors.Is(err, ErrWrongPassphrase) {
			return fmt.Errorf("%w: %s was saved with another passphrase since it was unlocked here (keys passwd?); nothing was saved", ErrWrongPassphrase, path)
		}
		return err
	}
	v.Wipe()
	v.Keys, v.sum, v.known = fresh.Keys, sum, true
	return nil
}

// write replaces the file with ct; the caller holds the lock.
func (v *Vault) write(path string, ct []byte, keepBackup bool) error {
	// Until the write is known to have landed, the next Update re-reads.
	v.known = false
	if err := writeAtomic(path, ct, v.step, keepBackup); err != nil {
		return err
	}
	v.sum, v.known = sha256.Sum256(ct), true
	return nil
}

// encrypt returns the age file of v encrypted to pass.
func (v *Vault) encrypt(pass []byte) ([]byte, error) {
	if len(pass) == 0 {
		return nil, errors.New("empty passphrase")
	}
	rcp, err := age.NewScryptRecipient(string(pass))
	if err != nil {
		return nil, err
	}
	wf := v.WorkFactor
	if wf == 0 {
		wf = DefaultWorkFactor
	}
	rcp.SetWorkFactor(wf)

	plain := v.marshal()
	defer plain.wipe()
	var ct bytes.Buffer
	w, err := age.Encrypt(&ct, rcp)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(plain.b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return ct.Bytes(), nil
}

// vaultFile is the plaintext layout. Secrets travel as base64 []byte so
// the decoded copies are ours to wipe (strings are not).
type vaultFile struct {
	Version int       `json:"version"`
	Keys    []keyFile `json:"keys"`
}

type keyFile struct {
	Label  string `json:"label"`
	Venue  string `json:"venue"`
	Scheme string `json:"scheme"`
	KeyID  string `json:"key_id"`
	Secret []byte `json:"secret"`
	// Passphrase is how version 1 files before named fields kept the one
	// extra credential; read as the field "passphrase".
	Passphrase []byte            `json:"passphrase,omitempty"`
	Fields     map[string][]byte `json:"fields,omitempty"`
	Created    time.Time         `json:"created"`
	Rotated    time.Time         `json:"rotated"`
	Note       string            `json:"note,omitempty"`
}

const vaultVersion = 1

// marshal writes the plaintext by hand: Secret.MarshalJSON redacts, and
// encoding/json would leave copies of the raw bytes in its pooled buffers.
func (v *Vault) marshal() *wipeBuffer {
	b := &wipeBuffer{}
	b.str(`{"version":1,"keys":[`)
	for i, k := range v.Keys {
		if i > 0 {
			b.str(",")
		}
		b.str(`{"label":`)
		b.jsonString(k.Label)
		b.str(`,"venue":`)
		b.jsonString(k.Venue)
		b.str(`,"scheme":`)
		b.jsonString(k.Scheme)
		b.str(`,"key_id":`)
		b.jsonString(k.KeyID)
		b.str(`,"secret":`)
		b.base64(k.Secret.Bytes())
		if names := fieldNames(k.Fields); len(names) > 0 {
			b.str(`,"fields":{`)
			for j, name := range names {
				if j > 0 {
					b.str(",")
				}
				b.jsonString(name)
				b.str(":")
				b.base64(k.Fields[name].Bytes())
			}
			b.str("}")
		}
		b.str(`,"created":`)
		b.jsonString(k.Created.UTC().Format(time.RFC3339Nano))
		b.str(`,"rotated":`)
		b.jsonString(k.Rotated.UTC().Format(time.RFC3339Nano))
		if k.Note != "" {
			b.str(`,"note":`)
			b.jsonString(k.Note)
		}
		b.str("}")
	}
	b.str("]}")
	return b
}

func unmarshalVault(data []byte) (*Vault, error) {
	var f vaultFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&f)
	defer func() {
		for _, k := range f.Keys {
			clear(k.Secret)
			clear(k.Passphrase)
			for _, f := range k.Fields {
				clear(f)
			}
		}
	}()
	if err != nil {
		return nil, fmt.Errorf("decoding keys: %v", err)
	}
	if f.Version != vaultVersion {
		return nil, fmt.Errorf("unsupported vault version %d", f.Version)
	}
	v := &Vault{}
	for _, kf := range f.Keys {
		k := Key{
			Label: kf.Label, Venue: kf.Venue, Scheme: kf.Scheme, KeyID: kf.KeyID,
			Secret: NewSecret(kf.Secret), Created: kf.Created, Rotated: kf.Rotated, Note: kf.Note,
		}
		for name, f := range kf.Fields {
			if len(f) > 0 {
				k.setField(name, NewSecret(f))
			}
		}
		if len(kf.Passphrase) > 0 && k.Field("passphrase").IsZero() {
			k.setField("passphrase", NewSecret(kf.Passphrase))
		}
		if err := v.Add(k); err != nil {
			v.Wipe()
			return nil, err
		}
	}
	return v, nil
}

func (k *Key) setField(name string, s Secret) {
	if k.Fields == nil {
		k.Fields = map[string]Secret{}
	}
	k.Fields[name] = s
}

// fieldNames lists the set fields in name order, so a saved vault does not
// change with map order.
func fieldNames(fields map[string]Secret) []string {
	var names []string
	for name, f := range fields {
		if !f.IsZero() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// wipeBuffer is a byte buffer that clears the old array whenever it grows,
// so no stale copy of plaintext is left for the garbage collector.
type wipeBuffer struct{ b []byte }

func (w *wipeBuffer) grow(n int) {
	if cap(w.b)-len(w.b) >= n {
		return
	}
	nb := make([]byte, len(w.b), 2*cap(w.b)+n+512)
	copy(nb, w.b)
	clear(w.b[:cap(w.b)])
	w.b = nb
}

func (w *wipeBuffer) str(s string) {
	w.grow(len(s))
	w.b = append(w.b, s...)
}

func (w *wipeBuffer) jsonString(s string) {
	q, _ := json.Marshal(s) // not secret: labels, ids, notes
	w.grow(len(q))
	w.b = append(w.b, q...)
}

func (w *wipeBuffer) base64(p []byte) {
	n := base64.StdEncoding.EncodedLen(len(p))
	w.grow(n + 2)
	w.b = append(w.b, '"')
	start := len(w.b)
	w.b = w.b[:start+n]
	base64.StdEncoding.Encode(w.b[start:], p)
	w.b = append(w.b, '"')
}

func (w *wipeBuffer) readFrom(r io.Reader) error {
	for {
		w.grow(4096)
		n, err := r.Read(w.b[len(w.b):cap(w.b)])
		w.b = w.b[:len(w.b)+n]
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (w *wipeBuffer) wipe() {
	clear(w.b[:cap(w.b)])
	w.b = w.b[:0]
}

// PermissionError says a file is more open than a secret's file may be, and
// the command that fixes it.
type PermissionError struct {
	Path string
	Mode fs.FileMode
	Dir  bool
	What string // "vault", "passphrase file"
	// Owner is set when the file belongs to another user.
	OtherOwner bool
	// Link is set when Path is a symbolic link: what it points to.
	Link string
}

func (e *PermissionError) Error() string {
	if e.Link != "" {
		return fmt.Sprintf("%s %s is a symbolic link (to %s); vigil does not follow a link to the vault", e.What, e.Path, e.Link)
	}
	if e.OtherOwner {
		return fmt.Sprintf("%s %s is owned by another user", e.What, e.Path)
	}
	kind := "file"
	if e.Dir {
		kind = "directory"
	}
	return fmt.Sprintf("permissions %04o for %s %s %s are too open", e.Mode.Perm(), e.What, kind, e.Path)
}

func (e *PermissionError) Unwrap() error { return ErrInsecurePermissions }

// Advice is the command that fixes the problem.
func (e *PermissionError) Advice() string {
	if e.Link != "" {
		return "name the file itself in the config: vault = " + strconv.Quote(e.Link)
	}
	if e.OtherOwner {
		return "it must belong to you; check who created it"
	}
	if e.Dir {
		return "run: chmod 700 " + shellQuote(e.Path)
	}
	return "run: chmod 600 " + shellQuote(e.Path)
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r == '~' ||
			r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
