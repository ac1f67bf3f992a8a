package crypto

import (
	"fmt"
	"log/slog"
	"runtime"
	"unsafe"
)

// Secret holds key material. Every printing path (fmt verbs, JSON, text,
// slog) shows a redacted form; the raw bytes leave only through Bytes, which
// signers call. The zero value is an empty secret.
type Secret struct {
	// p is a *[]byte shared by copies, so Wipe clears every copy. It is an
	// unsafe.Pointer because fmt's reflection prints those as an address:
	// a *[]byte in an unexported struct field, printed with a bad verb
	// (%s of the struct), would show the bytes.
	p unsafe.Pointer
}

func (s Secret) buf() *[]byte { return (*[]byte)(s.p) }

// NewSecret copies b into a fresh buffer (locked in memory where the OS
// permits) and returns it as a Secret. The caller should wipe its own copy.
func NewSecret(b []byte) Secret {
	buf := make([]byte, len(b))
	copy(buf, b)
	lockMemory(buf)
	return Secret{p: unsafe.Pointer(&buf)}
}

// Bytes returns the raw secret. Only signers call this; never print it.
func (s Secret) Bytes() []byte {
	if s.p == nil {
		return nil
	}
	return *s.buf()
}

// Len is the secret's length in bytes.
func (s Secret) Len() int { return len(s.Bytes()) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.Len() == 0 }

// Wipe overwrites the secret in place. Go may have copied the bytes
// elsewhere (string conversions, GC moves); this clears what we own.
func (s Secret) Wipe() {
	if s.p == nil {
		return
	}
	b := *s.buf()
	clear(b)
	unlockMemory(b)
	*s.buf() = b[:0]
	runtime.KeepAlive(b)
}

// Redacted is the only form a Secret ever prints: at most the last four
// characters, and only when the secret is long enough that four reveal little.
func (s Secret) Redacted() string {
	b := s.Bytes()
	if len(b) < 16 {
		return "****"
	}
	tail := b[len(b)-4:]
	for _, c := range tail {
		if c < 0x21 || c > 0x7e { // non-printable tail (binary keys): show nothing
			return "****"
		}
	}
	return "****" + string(tail)
}

func (s Secret) String() string   { return s.Redacted() }
func (s Secret) GoString() string { return "crypto.Secret(" + s.Redacted() + ")" }

// Format handles every verb, including %x and %q, which would otherwise
// reach the underlying bytes through reflection.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, s.GoString())
			return
		}
	}
	fmt.Fprint(f, s.Redacted())
}

func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + s.Redacted() + `"`), nil }
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.Redacted()), nil }
func (s Secret) LogValue() slog.Value         { return slog.StringValue(s.Redacted()) }
