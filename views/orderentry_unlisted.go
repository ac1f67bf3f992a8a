package views

import "slices"

// unlisted reports whether the account's venue has listed its symbols and
// sym is not among them (as typed or in the venue's spelling).
func (p *OrderEntry) unlisted(acct, sym string) bool {
	syms, ok := p.symbols[acct]
	return ok && len(syms) > 0 && !slices.Contains(syms, sym)
}
