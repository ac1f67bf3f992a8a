package audit

import (
	"bytes"
	"errors"
	"fmt"
)

// Report is what Verify found.
type Report struct {
	Files int
	Lines int
	// Head is the last line's sum: noted somewhere else, it also shows a
	// trail cut short at its end, which the chain alone cannot.
	Head string
	// Start is the Prev of the first line: "" when the trail starts at its
	// beginning, a sum when older files were removed by the retention.
	Start string
	// Broken is the first broken link; nil when the chain holds.
	Broken *Break
}

// Break is the first line that does not follow from the one before.
type Break struct {
	File   string `json:"file"`
	Line   int    `json:"line"` // 1-based, within File
	Reason string `json:"reason"`
}

func (b *Break) Error() string { return fmt.Sprintf("%s line %d: %s", b.File, b.Line, b.Reason) }

var errStop = errors.New("stop")

// Verify reads the whole trail and checks every line's own sum and its
// link to the line before, across files in name order. A line edited in
// place fails its own sum; a line deleted, or lines or files reordered,
// fail the link of the line that follows the change.
func Verify(dir string) (Report, error) {
	var (
		rep      Report
		prevSum  string
		prevFile string
	)
	err := Scan(dir, func(file string, line int, raw []byte) error {
		if file != prevFile {
			rep.Files++
		}
		fail := func(format string, args ...any) error {
			rep.Broken = &Break{File: file, Line: line, Reason: fmt.Sprintf(format, args...)}
			return errStop
		}
		if !bytes.HasSuffix(raw, []byte("\n")) {
			return fail("the last line is cut off (a write was interrupted, or the file truncated)")
		}
		e, err := parseLine(bytes.TrimSuffix(raw, []byte("\n")))
		if err != nil {
			return fail("%v", err)
		}
		switch {
		case rep.Lines == 0:
			rep.Start = e.Prev
		case e.Prev != prevSum && file != prevFile:
			return fail("does not follow the last line of %s: files were reordered, renamed or removed, or lines deleted", prevFile)
		case e.Prev != prevSum:
			return fail("does not follow line %d: a line between them was deleted, or lines were reordered", line-1)
		}
		prevSum, prevFile = e.Sum, file
		rep.Lines++
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return rep, err
	}
	rep.Head = prevSum
	return rep, nil
}
