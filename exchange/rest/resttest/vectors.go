// Package resttest reads the signing vectors every venue's signer is
// checked against: the package's testdata copy of the published file,
// which must equal the published one when the repository sits beside it.
package resttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// Published is where the published vectors live beside the repository,
// seen from a venue package's directory (CI clones shared/ next to it).
const Published = "../../../shared/vectors/signing.json"

// File is signing.json.
type File struct {
	Published []Vector `json:"published"` // the venues' own documented examples
	Vectors   []Vector `json:"vectors"`   // requests as sent, byte for byte
}

// Vector is one signed request. Fields a venue does not use are empty.
type Vector struct {
	Venue             string            `json:"venue"`
	Name              string            `json:"name"`
	Scheme            string            `json:"scheme"`
	KeyID             string            `json:"key_id"`
	Secret            string            `json:"secret"`
	APIPassphrase     string            `json:"api_passphrase"`
	Method            string            `json:"method"`
	Path              string            `json:"path"`
	QuerySent         string            `json:"query_sent"`
	BodySent          string            `json:"body_sent"`
	SignedPayload     string            `json:"signed_payload"`
	ExpectedSignature TextSig           `json:"expected_signature"`
	Headers           map[string]string `json:"headers"`
}

// TextSig is a signature given as text. The file also holds signatures
// given as {r, s, v} objects; those read as "".
type TextSig string

func (s *TextSig) UnmarshalJSON(b []byte) error {
	if len(b) == 0 || b[0] != '"' {
		*s = ""
		return nil
	}
	var x string
	err := json.Unmarshal(b, &x)
	*s = TextSig(x)
	return err
}

// Load reads testdata/signing.json; a missing copy fails t, and so does a
// copy that differs from the published file beside the repository.
func Load(t testing.TB) File {
	t.Helper()
	local, err := os.ReadFile(filepath.Join("testdata", "signing.json"))
	if err != nil {
		t.Fatal(err)
	}
	shared, err := os.ReadFile(Published)
	switch {
	case err == nil:
		if !bytes.Equal(shared, local) {
			t.Fatalf("testdata/signing.json differs from %s: copy the published file over it", Published)
		}
	case errors.Is(err, fs.ErrNotExist):
		t.Logf("%s not present; using the testdata copy", Published)
	default:
		t.Fatal(err)
	}
	var f File
	if err := json.Unmarshal(local, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// Of is venue's request vectors; fewer than least fails t, so a file that
// lost them cannot pass quietly.
func (f File) Of(t testing.TB, venue string, least int) []Vector {
	t.Helper()
	var out []Vector
	for _, v := range f.Vectors {
		if v.Venue == venue {
			out = append(out, v)
		}
	}
	if len(out) < least {
		t.Fatalf("found %d %s vectors, want at least %d", len(out), venue, least)
	}
	return out
}

// Venue is a loopback server that records the request sent to it, so a
// vector is checked against the bytes that travel, not those built.
type Venue struct {
	*httptest.Server
	got chan sent
}

type sent struct {
	uri    string
	body   []byte
	header http.Header
}

// NewVenue starts a Venue answering every request with reply.
func NewVenue(t testing.TB, reply string) *Venue {
	v := &Venue{got: make(chan sent, 1)}
	v.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		v.got <- sent{r.RequestURI, b, r.Header.Clone()}
		io.WriteString(w, reply)
	}))
	t.Cleanup(v.Close)
	return v
}

// Check sends req, built for the Venue's URL, and fails t unless what
// arrived is vec's request: the request line, the body and every header
// vec lists, byte for byte. It returns the headers that arrived.
func (v *Venue) Check(t testing.TB, vec Vector, req *http.Request) http.Header {
	t.Helper()
	resp, err := v.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	g := <-v.got
	wantURI := vec.Path
	if vec.QuerySent != "" {
		wantURI += "?" + vec.QuerySent
	}
	if g.uri != wantURI {
		t.Errorf("request line %q, want %q", g.uri, wantURI)
	}
	if string(g.body) != vec.BodySent {
		t.Errorf("body on the wire %q, want %q", g.body, vec.BodySent)
	}
	for k, want := range vec.Headers {
		if got := g.header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	return g.header
}
