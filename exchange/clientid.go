package exchange

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

const clientIDAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz"

// IDForm is a shape of client order id.
type IDForm uint8

const (
	// FormBase36 is vigil's own: "vg", a millisecond timestamp in 9 base36
	// digits, then random base36 digits (letters and digits only).
	FormBase36 IDForm = iota
	// FormUUID is an RFC 9562 version 7 UUID, 36 characters with dashes,
	// lower case: a millisecond timestamp and 74 random bits.
	FormUUID
	// FormShortUUID is a UUID's 32 hex digits without dashes.
	FormShortUUID
	// FormHex128 is 128 bits as "0x" and 32 lower-case hex digits (laid out
	// as FormUUID is).
	FormHex128
)

// IDForms is a set of forms, for ClientIDPolicy.Also.
type IDForms uint8

// Of is the set holding fs.
func Of(fs ...IDForm) IDForms {
	var s IDForms
	for _, f := range fs {
		s |= 1 << f
	}
	return s
}

// Has reports whether f is in the set.
func (s IDForms) Has(f IDForm) bool { return s&(1<<f) != 0 }

// ClientIDPolicy is a venue's rule for the client order id: what vigil
// makes (New) and what it lets a caller send (Check). The zero value makes
// vigil's 24-character base36 id and accepts 1-32 letters and digits, which
// every venue of the first three takes.
//
// A policy is a comparable value (no functions), so AccountInfo stays one.
type ClientIDPolicy struct {
	// Field is the venue's name for the id ("clOrdId"), for messages;
	// "client id" when empty.
	Field string
	// Make is the form New makes.
	Make IDForm
	// Len is the length of a FormBase36 id: 0 means 24; under 20 is taken
	// as 20, since fewer random digits would make two ids alike across
	// restarts plausible.
	Len int
	// Text ids: at most MaxLen characters (0 means 32), ASCII letters and
	// digits plus those in Extra, or any printable ASCII but space when
	// Printable is set.
	MaxLen    int
	Extra     string
	Printable bool
	// NoText refuses text ids: only the forms in Also pass.
	NoText bool
	// Also are forms accepted whatever the text rule says (a 36-character
	// UUID where text may have 18).
	Also IDForms
}

// New makes a fresh id in the policy's form, unique across restarts: a
// millisecond timestamp from now, and at least 46 random bits.
func (p ClientIDPolicy) New(now time.Time) string {
	switch p.Make {
	case FormUUID, FormShortUUID, FormHex128:
		u := uuid7(now)
		h := hex.EncodeToString(u[:])
		switch p.Make {
		case FormUUID:
			return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		case FormHex128:
			return "0x" + h
		}
		return h
	}
	n := p.Len
	switch {
	case n == 0:
		n = 24
	case n < 20:
		n = 20
	}
	var sb strings.Builder
	sb.Grow(n)
	sb.WriteString("vg")
	ms := uint64(now.UnixMilli())
	var ts [9]byte
	for i := len(ts) - 1; i >= 0; i-- {
		ts[i] = clientIDAlphabet[ms%36]
		ms /= 36
	}
	sb.Write(ts[:])
	rnd := make([]byte, n-sb.Len())
	_, _ = rand.Read(rnd)
	for _, b := range rnd {
		sb.WriteByte(clientIDAlphabet[int(b)%36])
	}
	return sb.String()
}

func uuid7(now time.Time) [16]byte {
	var u [16]byte
	_, _ = rand.Read(u[6:])
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(now.UnixMilli()))
	copy(u[:6], ms[2:])
	u[6] = 0x70 | u[6]&0x0f // version 7
	u[8] = 0x80 | u[8]&0x3f // RFC 9562 variant
	return u
}

// Check reports whether the venue accepts id, saying its rule when not.
func (p ClientIDPolicy) Check(id string) error {
	for f := FormBase36; f <= FormHex128; f++ {
		if p.Also.Has(f) && isForm(id, f) {
			return nil
		}
	}
	if !p.NoText && p.text(id) {
		return nil
	}
	return fmt.Errorf("client id %q: %s takes %s", id, p.field(), p.Rule())
}

// Rule says in words what Check accepts: "1-32 letters and digits".
func (p ClientIDPolicy) Rule() string {
	var alts []string
	for f := FormBase36; f <= FormHex128; f++ {
		if p.Also.Has(f) {
			alts = append(alts, formWords[f])
		}
	}
	if !p.NoText {
		chars := "letters and digits"
		switch {
		case p.Printable:
			chars = "printable ASCII characters (no space)"
		case p.Extra != "":
			chars = "letters, digits and " + strings.Join(strings.Split(p.Extra, ""), " ")
		}
		alts = append(alts, fmt.Sprintf("1-%d %s", p.maxLen(), chars))
	}
	switch len(alts) {
	case 0:
		return "no client id"
	case 1:
		return alts[0]
	}
	return strings.Join(alts[:len(alts)-1], ", ") + " or " + alts[len(alts)-1]
}

var formWords = [...]string{
	FormBase36:    "a vigil base36 id",
	FormUUID:      "a UUID (36 characters with dashes)",
	FormShortUUID: "32 hex digits",
	FormHex128:    "0x and 32 hex digits",
}

func (p ClientIDPolicy) field() string {
	if p.Field == "" {
		return "client id"
	}
	return p.Field
}

func (p ClientIDPolicy) maxLen() int {
	if p.MaxLen <= 0 {
		return 32
	}
	return p.MaxLen
}

func (p ClientIDPolicy) text(id string) bool {
	if len(id) == 0 || len(id) > p.maxLen() {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case p.Printable && '!' <= c && c <= '~':
		case strings.IndexByte(p.Extra, c) >= 0:
		default:
			return false
		}
	}
	return true
}

func isForm(id string, f IDForm) bool {
	switch f {
	case FormBase36:
		if len(id) < 20 || !strings.HasPrefix(id, "vg") {
			return false
		}
		for i := 2; i < len(id); i++ {
			if strings.IndexByte(clientIDAlphabet, id[i]) < 0 {
				return false
			}
		}
		return true
	case FormUUID:
		if len(id) != 36 {
			return false
		}
		for i := 0; i < len(id); i++ {
			if i == 8 || i == 13 || i == 18 || i == 23 {
				if id[i] != '-' {
					return false
				}
			} else if !isHex(id[i]) {
				return false
			}
		}
		return true
	case FormShortUUID:
		return len(id) == 32 && allHex(id)
	case FormHex128:
		return len(id) == 34 && id[:2] == "0x" && allHex(id[2:])
	}
	return false
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// NewClientID returns an id made by the zero policy: accepted by every
// venue of the first three (letters and digits only, 24 characters: within
// a 32-alphanumeric limit, a 36-character one and a 36-character pattern
// with punctuation) and unique across restarts: a millisecond timestamp
// followed by 13 random base36 digits.
func NewClientID(now time.Time) string { return ClientIDPolicy{}.New(now) }

// ClientIDTime is when vigil made id, read back from the millisecond
// timestamp every id New makes carries (a UUIDv7 in any of its spellings,
// or vigil's base36 id); false for an id vigil did not make. A venue that
// finds orders by client id only by listing them stops there: the order
// cannot be older than its id.
func ClientIDTime(id string) (time.Time, bool) {
	h := strings.ReplaceAll(strings.TrimPrefix(id, "0x"), "-", "")
	if len(h) == 32 && allHex(h) && h[12] == '7' {
		b, err := hex.DecodeString(h[:12])
		if err != nil {
			return time.Time{}, false
		}
		var ms [8]byte
		copy(ms[2:], b)
		return time.UnixMilli(int64(binary.BigEndian.Uint64(ms[:]))), true
	}
	if len(id) >= 11 && strings.HasPrefix(id, "vg") {
		var ms int64
		for _, c := range []byte(id[2:11]) {
			d := strings.IndexByte(clientIDAlphabet, c)
			if d < 0 {
				return time.Time{}, false
			}
			ms = ms*36 + int64(d)
		}
		return time.UnixMilli(ms), true
	}
	return time.Time{}, false
}
