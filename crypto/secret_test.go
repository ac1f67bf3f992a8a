package crypto

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const rawSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"

// leaks reports whether out shows the secret in any encoding fmt could
// produce: raw, hex (either case), byte values or quoted.
func leaks(out string) bool {
	probes := []string{
		rawSecret[:12],
		hex.EncodeToString([]byte(rawSecret))[:16],
		strings.ToUpper(hex.EncodeToString([]byte(rawSecret))[:16]),
		fmt.Sprint([]byte(rawSecret)[:6])[1:15], // "78 104 113 ..."
		"Nhq",
	}
	for _, p := range probes {
		if strings.Contains(out, p) {
			return true
		}
	}
	return false
}

type holder struct {
	Name   string
	Secret Secret
	hidden Secret
}

func TestSecretRedactedEverywhere(t *testing.T) {
	s := NewSecret([]byte(rawSecret))
	h := holder{Name: "k", Secret: s, hidden: s}
	verbs := []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%10.3s", "%08x", "% x"}
	values := map[string]any{"secret": s, "ptr": &s, "struct": h, "ptr-struct": &h,
		"slice": []Secret{s}, "map": map[string]Secret{"k": s}, "any": any(s)}
	for vname, v := range values {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			if leaks(out) {
				t.Errorf("%s with %s leaks: %s", vname, verb, out)
			}
		}
	}
	if got := s.String(); got != "****Tj0j" {
		t.Errorf("String() = %q, want ****Tj0j", got)
	}
	if got := fmt.Sprintf("%#v", s); got != "crypto.Secret(****Tj0j)" {
		t.Errorf("GoString = %q", got)
	}

	j, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	if leaks(string(j)) || !strings.Contains(string(j), `"****Tj0j"`) {
		t.Errorf("JSON: %s", j)
	}
	txt, _ := s.MarshalText()
	if leaks(string(txt)) {
		t.Errorf("MarshalText: %s", txt)
	}

	var buf bytes.Buffer
	for _, hd := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		l := slog.New(hd)
		l.Info("unlocked", "secret", s, "holder", h, "ptr", &h)
		l.Info("group", slog.Group("g", slog.Any("s", s)))
	}
	if leaks(buf.String()) {
		t.Errorf("slog leaks: %s", buf.String())
	}

	err = fmt.Errorf("signing with %v failed: %w", s, errors.New("boom"))
	if leaks(err.Error()) {
		t.Errorf("error leaks: %v", err)
	}
	err = fmt.Errorf("holder %+v", &h)
	if leaks(err.Error()) {
		t.Errorf("error leaks: %v", err)
	}

	for _, p := range []any{s, h, &h, fmt.Errorf("%v", s)} {
		msg := recoverMsg(p)
		if leaks(msg) {
			t.Errorf("panic message leaks: %s", msg)
		}
	}
}

func recoverMsg(v any) (msg string) {
	defer func() { msg = fmt.Sprint(recover()) }()
	panic(v)
}

func TestSecretShortAndBinary(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{nil, "****"},
		{[]byte("short"), "****"},
		{[]byte("exactly-16-bytes"), "****ytes"},
		{append(bytes.Repeat([]byte{1}, 20), 0, 0xff, 3, 4), "****"},
	} {
		if got := NewSecret(tc.in).String(); got != tc.want {
			t.Errorf("%q: got %q want %q", tc.in, got, tc.want)
		}
	}
	var zero Secret
	if !zero.IsZero() || zero.String() != "****" {
		t.Error("zero Secret")
	}
	zero.Wipe()
}

func TestSecretWipe(t *testing.T) {
	in := []byte(rawSecret)
	s := NewSecret(in)
	in[0] = 'X' // NewSecret copied
	if s.Bytes()[0] != 'N' {
		t.Fatal("NewSecret did not copy")
	}
	backing := s.Bytes()
	cp := s // copies share the buffer
	s.Wipe()
	if !cp.IsZero() {
		t.Fatal("copy still holds the secret")
	}
	if bytes.ContainsAny(backing, rawSecret) {
		t.Fatal("backing array not cleared")
	}
}

func TestMaskID(t *testing.T) {
	for in, want := range map[string]string{
		"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A": "vmPU…Eh8A",
		"985d5b66-57ce-40fb-b714-afc0b9787083":                             "985d…7083",
		"abcdefgh":                                                         "ab…gh",
		"abc":                                                              "…",
		"":                                                                 "",
	} {
		if got := MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHarden(t *testing.T) {
	r := Harden()
	if !r.Supported {
		t.Skip("hardening not supported here")
	}
	if !r.CoreDumpsOff || !r.NonDumpable {
		t.Fatalf("hardening failed: %+v", r)
	}
	if r.MlockPermitted == (len(r.Errors) > 0) {
		t.Fatalf("report inconsistent: %+v", r)
	}
}
