package views

import (
	"slices"

	"github.com/vigil-trade/vigil/exchange"
)

// shown is what a pane last handed the root: the lines of its View, joined,
// and a version that moves only when they differ. A pane whose View is a
// window of pre-rendered lines answers Version by comparing that window
// with the last one, which costs a screenful of string compares and no
// allocation, so the root frames it again only when its text changed: a
// tick that leaves "12s ago" as it was changes nothing.
type shown struct {
	ver   uint64
	ok    bool
	lines []string // a copy: panes render into their lines in place
	out   string
}

// version notes lines as what the pane shows now and returns the version.
func (s *shown) version(lines []string) uint64 {
	if !s.ok || !slices.Equal(s.lines, lines) {
		s.lines = append(s.lines[:0], lines...)
		s.out = joinLines(lines)
		s.ver++
		s.ok = true
	}
	return s.ver
}

// view is lines joined, reusing the last join when they did not change.
func (s *shown) view(lines []string) string {
	s.version(lines)
	return s.out
}

// sameBudget reports whether two budget snapshots show the same. At, when
// the snapshot was taken, is shown nowhere: a snapshot that differs only
// in it is not news.
func sameBudget(a, b exchange.BudgetSnapshot) bool {
	return a.Account == b.Account && a.BannedUntil.Equal(b.BannedUntil) && a.BanReason == b.BanReason &&
		a.Waiting == b.Waiting && slices.EqualFunc(a.Buckets, b.Buckets, func(x, y exchange.Bucket) bool {
		return x.Name == y.Name && x.Used == y.Used && x.Limit == y.Limit && x.Window == y.Window && x.ResetAt.Equal(y.ResetAt)
	})
}
