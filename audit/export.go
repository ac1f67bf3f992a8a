package audit

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Filter selects entries for Export.
type Filter struct {
	Since   time.Time // zero: from the start
	Account string    // "": every account
}

func (f Filter) keep(e *Entry) bool {
	return (f.Since.IsZero() || !e.Time.Before(f.Since)) && (f.Account == "" || e.Account == f.Account)
}

// CSVHeader is the first row of a CSV export.
var CSVHeader = []string{"time", "account", "venue", "method", "path", "params", "client_id", "op",
	"weight", "latency_us", "status", "code", "outcome", "lost", "prev", "sum"}

// Export writes the entries f selects as JSON lines (each exactly as in
// the trail, so a whole export verifies) or CSV. A line that does not parse
// is an error naming it: run Verify for the whole story.
func Export(dir string, w io.Writer, format string, f Filter) (int, error) {
	var cw *csv.Writer
	switch format {
	case "jsonl":
	case "csv":
		cw = csv.NewWriter(w)
		if err := cw.Write(CSVHeader); err != nil {
			return 0, err
		}
	default:
		return 0, fmt.Errorf("format %q: want jsonl or csv", format)
	}
	n := 0
	err := Scan(dir, func(file string, line int, raw []byte) error {
		var e Entry
		if err := json.Unmarshal(bytes.TrimSpace(raw), &e); err != nil {
			return fmt.Errorf("%s line %d: %v", file, line, err)
		}
		if !f.keep(&e) {
			return nil
		}
		n++
		if cw == nil {
			_, err := w.Write(raw)
			return err
		}
		return cw.Write(e.row())
	})
	if cw != nil {
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
	}
	return n, err
}

func (e *Entry) row() []string {
	return []string{e.Time.Format(time.RFC3339Nano), e.Account, e.Venue, e.Method, e.Path, e.Params, e.ClientID, e.Op,
		strconv.Itoa(e.Weight), strconv.FormatInt(e.LatencyUS, 10), strconv.Itoa(e.Status), e.Code, e.Outcome,
		strconv.FormatInt(e.Lost, 10), e.Prev, e.Sum}
}

// Text is an entry as one line for people: `vigil audit tail`.
func (e *Entry) Text() string {
	if e.Outcome == "gap" {
		return fmt.Sprintf("%s  %d entries lost here (not written: disk full or writer behind)", e.Time.Format("2006-01-02 15:04:05.000"), e.Lost)
	}
	s := fmt.Sprintf("%s  %-14s %-8s %-6s %-28s %3d %-9s %6.1f ms  w%d",
		e.Time.Format("2006-01-02 15:04:05.000"), e.Account, e.Venue, e.Method, e.Path, e.Status, e.Outcome,
		float64(e.LatencyUS)/1000, e.Weight)
	if e.Code != "" {
		s += "  code " + e.Code
	}
	if e.ClientID != "" {
		s += "  id " + e.ClientID
	}
	return s
}

// ParseEntry reads one raw line of the trail (no sum check: Verify's job).
func ParseEntry(raw []byte) (Entry, error) {
	var e Entry
	err := json.Unmarshal(bytes.TrimSpace(raw), &e)
	return e, err
}
