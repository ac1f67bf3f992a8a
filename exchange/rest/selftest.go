package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// A venue's signer checks itself once per process, before its first
// signature: it signs the venue's published and provided vectors (embedded
// in the binary) and compares with what the venue expects. A signer that
// fails signs nothing for that venue: a request it signed would be refused
// at best, and at worst signed over bytes other than those sent.

// SelfVector is one check of a venue's self-test.
type SelfVector struct {
	Name string
	// Run signs the vector's request with the venue's own signer (through
	// Path.Build where the venue can) and returns what it produced and what
	// the vector expects; an error is a signer that could not sign at all.
	Run func() (got, want string, err error)
}

// SelfTestError is a failed self-test: the venue signs nothing until the
// process restarts with a signer that passes.
type SelfTestError struct {
	Venue  string
	Vector string // the vector that failed
	Got    string // what vigil's signer produced (a signature of a public test key)
	Want   string
	Err    error // the signer could not sign the vector at all
}

func (e *SelfTestError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: signer self-test failed on vector %q: %v; vigil signs nothing for %s", e.Venue, e.Vector, e.Err, e.Venue)
	}
	return fmt.Sprintf("%s: signer self-test failed on vector %q: signed %s, the vector expects %s; vigil signs nothing for %s",
		e.Venue, e.Vector, e.Got, e.Want, e.Venue)
}

func (e *SelfTestError) Unwrap() error { return e.Err }

// Advice says what to do: nothing on the user's side can fix a signer.
func (e *SelfTestError) Advice() string {
	return "this build of vigil signs differently from what the venue documents: do not trade with it; reinstall a released build, and report the vector named"
}

// SelfTestReport is what a venue's self-test found.
type SelfTestReport struct {
	Venue string
	// Registered is false for a venue with no self-test: nothing ran.
	Registered bool
	Ran        int   // vectors run (all of them when Err is nil)
	Err        error // *SelfTestError, or nil
}

type selfTest struct {
	vectors func() ([]SelfVector, error)
	once    *sync.Once
	rep     SelfTestReport
	corrupt string // a vector whose expectation a test changed
}

var (
	selfMu    sync.Mutex
	selfTests = map[string]*selfTest{}
)

// RegisterSelfTest registers venue's vectors; a venue package calls it
// from init. vectors builds the checks (parsing what is embedded); it runs
// once, before the venue's first signature.
func RegisterSelfTest(venue string, vectors func() ([]SelfVector, error)) {
	selfMu.Lock()
	defer selfMu.Unlock()
	if _, ok := selfTests[venue]; ok {
		panic("rest: self-test registered twice for " + venue)
	}
	selfTests[venue] = &selfTest{vectors: vectors, once: new(sync.Once)}
}

// SelfTest runs venue's self-test once per process (later calls return
// the first result).
func SelfTest(venue string) SelfTestReport {
	selfMu.Lock()
	st, ok := selfTests[venue]
	var once *sync.Once
	if ok {
		once = st.once
	}
	selfMu.Unlock()
	if !ok {
		return SelfTestReport{Venue: venue}
	}
	once.Do(func() {
		rep := st.run(venue)
		selfMu.Lock()
		if st.once == once {
			st.rep = rep
		}
		selfMu.Unlock()
	})
	selfMu.Lock()
	defer selfMu.Unlock()
	return st.rep
}

func (st *selfTest) run(venue string) SelfTestReport {
	rep := SelfTestReport{Venue: venue, Registered: true}
	vs, err := st.vectors()
	if err == nil && len(vs) == 0 {
		err = fmt.Errorf("no vectors")
	}
	if err != nil {
		rep.Err = &SelfTestError{Venue: venue, Vector: "(loading vectors)", Err: err}
		return rep
	}
	selfMu.Lock()
	corrupt := st.corrupt
	selfMu.Unlock()
	for _, v := range vs {
		rep.Ran++
		got, want, err := v.Run()
		if v.Name == corrupt {
			want = flipByte(want)
		}
		if err != nil || got != want {
			rep.Err = &SelfTestError{Venue: venue, Vector: v.Name, Got: got, Want: want, Err: err}
			return rep
		}
	}
	return rep
}

// flipByte changes the last byte of s: a corrupted vector for the tests.
func flipByte(s string) string {
	if s == "" {
		return "x"
	}
	b := []byte(s)
	b[len(b)-1] ^= 1
	return string(b)
}

// CorruptSelfTestVector makes the named vector of venue's self-test
// expect something else ("" names the first vector), and runs the
// self-test afresh on its next use: how a test sees a failing signer
// refused. restore undoes it, again with a fresh run. Not for concurrent
// tests of the same venue.
func CorruptSelfTestVector(venue, name string) (restore func()) {
	selfMu.Lock()
	st, ok := selfTests[venue]
	selfMu.Unlock()
	if !ok {
		panic("rest: no self-test registered for " + venue)
	}
	if name == "" {
		vs, err := st.vectors()
		if err != nil || len(vs) == 0 {
			panic(fmt.Sprintf("rest: %s self-test has no vectors: %v", venue, err))
		}
		name = vs[0].Name
	}
	set := func(c string) {
		selfMu.Lock()
		st.corrupt, st.once, st.rep = c, new(sync.Once), SelfTestReport{}
		selfMu.Unlock()
	}
	set(name)
	return func() { set("") }
}

// SelfTestVenues lists the venues with a registered self-test.
func SelfTestVenues() []string {
	selfMu.Lock()
	defer selfMu.Unlock()
	var out []string
	for v := range selfTests {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// selfTestErr is what a signature for venue waits on: nil once the
// venue's self-test passed (or it has none).
func selfTestErr(venue string) error {
	if rep := SelfTest(venue); rep.Err != nil {
		return rep.Err
	}
	return nil
}

// SigningVectors is the shared vectors file (vectors/signing.json), as a
// venue embeds it for its self-test.
type SigningVectors struct {
	Published []SigningVector `json:"published"` // the venues' own documented examples
	Vectors   []SigningVector `json:"vectors"`   // requests as sent, byte for byte
}

// SigningVector is one vector; fields a venue does not use are empty.
type SigningVector struct {
	Venue             string            `json:"venue"`
	Name              string            `json:"name"`
	Scheme            string            `json:"scheme"`
	KeyID             string            `json:"key_id"`
	Secret            string            `json:"secret"`
	APIPassphrase     string            `json:"api_passphrase"`
	Method            string            `json:"method"`
	Path              string            `json:"path"`
	Nonce             json.RawMessage   `json:"nonce"`
	QuerySent         string            `json:"query_sent"`
	BodySent          string            `json:"body_sent"`
	SignedPayload     string            `json:"signed_payload"`
	ExpectedSignature json.RawMessage   `json:"expected_signature"` // text, or an object for some schemes
	Headers           map[string]string `json:"headers"`
}

// Text is the expected signature when it is given as text ("" otherwise).
func (v SigningVector) Text() string {
	var s string
	if json.Unmarshal(v.ExpectedSignature, &s) != nil {
		return ""
	}
	return s
}

// ParseSigningVectors reads the file and keeps venue's vectors, published
// first.
func ParseSigningVectors(data []byte, venue string) ([]SigningVector, error) {
	var f SigningVectors
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("signing vectors: %w", err)
	}
	var out []SigningVector
	for _, v := range append(f.Published, f.Vectors...) {
		if v.Venue == venue {
			out = append(out, v)
		}
	}
	return out, nil
}

// CheckBuilt is a SelfVector's Run for a venue that signs in headers:
// it builds r at stamp on p (no I/O), checks that the query and body are
// the vector's and every header the vector lists but sign is as listed,
// and returns the sign header built and expected.
func CheckBuilt(p *Path, r *Request, stamp time.Time, v SigningVector, sign string) (got, want string, err error) {
	req, err := p.Build(context.Background(), r, stamp)
	if err != nil {
		return "", "", err
	}
	if req.URL.RawQuery != v.QuerySent {
		return req.URL.RawQuery, v.QuerySent, nil
	}
	if body := string(r.Body); body != v.BodySent {
		return body, v.BodySent, nil
	}
	for _, k := range slices.Sorted(maps.Keys(v.Headers)) {
		if k != sign && req.Header.Get(k) != v.Headers[k] {
			return k + ": " + req.Header.Get(k), k + ": " + v.Headers[k], nil
		}
	}
	return req.Header.Get(sign), v.Headers[sign], nil
}

// RegisterVectors registers venue's self-test over the vectors the signing
// vectors file data holds for it, each checked by check (which signs the
// vector's request the way the client does and returns what it produced
// and what the vector expects). The file is read when the self-test runs,
// not at start-up.
func RegisterVectors(venue string, data []byte, check func(SigningVector) (got, want string, err error)) {
	RegisterSelfTest(venue, func() ([]SelfVector, error) {
		vs, err := ParseSigningVectors(data, venue)
		if err != nil {
			return nil, err
		}
		out := make([]SelfVector, 0, len(vs))
		for _, v := range vs {
			out = append(out, SelfVector{Name: v.Name, Run: func() (string, string, error) { return check(v) }})
		}
		return out, nil
	})
}
