// Package audit is the tamper-evident trail of every signed request vigil
// sends: one JSON line per request in data_dir/audit/, each carrying the
// sum of the line before it, so an edited, deleted or reordered line (or
// file) breaks the chain where it happened and Verify names that line.
//
// A line holds what was asked of whom and how it ended: time, account,
// venue, method, path, a digest of the parameters, the client order id,
// the weight charged, latency, HTTP status, the venue's code and the
// outcome. It never holds a secret, a signature, a stamp the signer added
// or a key id: the parameters are digested before the signer sees them.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Entry is one line of the trail.
type Entry struct {
	Time     time.Time `json:"time"`
	Account  string    `json:"account"`
	Venue    string    `json:"venue"`
	Method   string    `json:"method,omitempty"`
	Path     string    `json:"path,omitempty"`
	Params   string    `json:"params,omitempty"` // "sha256:" and the hex digest of query, LF, body
	ClientID string    `json:"client_id,omitempty"`
	Op       string    `json:"op,omitempty"`
	Weight   int       `json:"weight"`
	// LatencyUS is from sending to the reply read, in microseconds.
	LatencyUS int64  `json:"latency_us"`
	Status    int    `json:"status"`
	Code      string `json:"code,omitempty"`
	// Outcome is ok, refused, ambiguous or failed; "gap" on a line that
	// records Lost entries the writer could not write (a full disk, a
	// full buffer) rather than hide them.
	Outcome string `json:"outcome"`
	Lost    int64  `json:"lost,omitempty"`
	// Prev is the Sum of the line before, across files; "" on the first
	// line of a trail.
	Prev string `json:"prev"`
	// Sum is the SHA-256 of the line up to the ',"sum":' that introduces it.
	Sum string `json:"sum"`
}

const sumKey = `,"sum":"`

// encode appends e as one line, with e.Prev as given and its sum computed.
func (e *Entry) encode(dst []byte) ([]byte, string, error) {
	e.Sum = ""
	b, err := json.Marshal(e)
	if err != nil {
		return dst, "", err
	}
	// Sum is the last field: cut it off, hash what is before, put it back.
	i := bytes.LastIndex(b, []byte(sumKey))
	if i < 0 {
		return dst, "", errors.New("audit: entry encoding lost its sum field")
	}
	h := sha256.Sum256(b[:i])
	sum := hex.EncodeToString(h[:])
	dst = append(dst, b[:i]...)
	dst = append(dst, sumKey...)
	dst = append(dst, sum...)
	dst = append(dst, "\"}\n"...)
	return dst, sum, nil
}

// parseLine reads one line (without its newline) and checks its own sum.
func parseLine(line []byte) (Entry, error) {
	var e Entry
	i := bytes.LastIndex(line, []byte(sumKey))
	if i < 0 || !bytes.HasSuffix(line, []byte(`"}`)) {
		return e, errors.New("no sum at the end of the line")
	}
	if err := json.Unmarshal(line, &e); err != nil {
		return e, fmt.Errorf("the line is not whole JSON: it was edited or cut (%v)", err)
	}
	h := sha256.Sum256(line[:i])
	if want := hex.EncodeToString(h[:]); e.Sum != want || string(line[i+len(sumKey):len(line)-2]) != want {
		return e, errors.New("the line's content does not match its sum: it was edited")
	}
	return e, nil
}
