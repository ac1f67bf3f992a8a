package views

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/vigil-trade/vigil/orders/policy"
)

// One line per account for the keys pane, for when the detail shapes do not
// fit its height (a short top slot on a small terminal). Each line keeps
// what decides whether the key is safe to trade with: which network, what
// it may do (WITHDRAW in words), the IP binding, the private stream, and a
// failed audit or a near expiry. Kept apart from keys.go so the detail
// rendering there stays as it is.

// keyFacts is one account's summary fields, formatted once per render.
type keyFacts struct {
	name, venue, net, perms, ip, stream, trouble string
}

func (p *Keys) keyFacts(name string) keyFacts {
	f := p.accts.info[name]
	a, audited := p.audit[name]
	known := audited && a.Err == nil
	k := keyFacts{
		name:  p.st.Title.Render(name),
		venue: f.venue,
		net:   p.networkBadge(f),
		perms: p.perms(a.Info, known, false, p.risks(name)),
		ip:    p.ipBinding(a.Info, known, false, p.risks(name)),
	}
	if sm, ok := p.stream[name]; ok {
		k.stream = p.streamWord(sm)
	}
	switch {
	case !audited:
		k.trouble = p.st.Muted.Render("audit pending")
	case a.Err != nil:
		k.trouble = p.st.Error.Render("⚠ audit failed")
	default:
		// The worst risk the other columns do not already say (withdraw
		// and IP binding have theirs), in the table's words.
		risks := p.risks(name)
		for _, code := range []string{policy.RiskKeyExpired, policy.RiskKeyExpiring, policy.RiskKeyOld} {
			if r, ok := policy.Risk(risks, code); ok {
				k.trouble = p.riskStyle(r).Render(r.Word)
				break
			}
		}
	}
	return k
}

// streamWord is the stream state in a word or two: "stream live", "stream
// retry 4s", "stream DOWN", "polling".
func (p *Keys) streamWord(m StreamMsg) string {
	switch m.State {
	case "live":
		return p.st.OK.Render("stream live")
	case "reconnecting":
		s := "stream retry"
		if !m.RetryAt.IsZero() && !p.now.IsZero() && m.RetryAt.After(p.now) {
			s += " " + shortDur(m.RetryAt.Sub(p.now))
		}
		return p.st.Warn.Render(s)
	case "down":
		return p.st.Danger.Render("stream DOWN")
	case "off", "":
		return p.st.Muted.Render("polling")
	}
	return p.st.Muted.Render("stream " + m.State)
}

// mediumDetail is the detail shape for a third of a wide terminal: what
// the key may do joins the identity line, and the key id and age share the
// second (the signing scheme is left out), so an account takes two lines
// plus its audit and stream.
func (p *Keys) mediumDetail() blocks {
	out := make(blocks, 0, len(p.accts.list))
	for _, name := range p.accts.list {
		f := p.accts.info[name]
		a, audited := p.audit[name]
		known := audited && a.Err == nil
		lines := []string{
			joinSpace([]string{p.st.Title.Render(name), f.venue, p.networkBadge(f), p.perms(a.Info, known, false, p.risks(name))}),
			"  " + strings.Join([]string{p.ipBinding(a.Info, known, false, p.risks(name)), p.st.Muted.Render(f.keyID), p.ageExpiry(name, a, audited)}, "  "),
		}
		switch {
		case !audited:
			lines = append(lines, fit("  "+p.st.Muted.Render("audit pending"), p.w))
		case a.Err != nil:
			lines = append(lines, fit("  "+p.st.Error.Render("audit failed: "+a.Err.Error()), p.w))
		}
		if sm, ok := p.stream[name]; ok {
			lines = append(lines, fit("  "+p.streamLine(sm), p.w))
		}
		out = append(out, lines)
	}
	return out
}

// summaries are the one-line shapes, richest first: with the venue, then
// without it, then without the IP binding.
func (p *Keys) summaries() []blocks {
	fs := make([]keyFacts, len(p.accts.list))
	var nameW, venueW, netW, permsW, ipW, streamW int
	for i, name := range p.accts.list {
		k := p.keyFacts(name)
		fs[i] = k
		nameW = max(nameW, min(maxNameW, lipgloss.Width(k.name)))
		venueW, netW = max(venueW, len(k.venue)), max(netW, lipgloss.Width(k.net))
		permsW, ipW = max(permsW, lipgloss.Width(k.perms)), max(ipW, lipgloss.Width(k.ip))
		streamW = max(streamW, lipgloss.Width(k.stream))
	}
	shape := func(venue, ip bool) blocks {
		out := make(blocks, 0, len(fs))
		for _, k := range fs {
			parts := []string{padRight(k.name, nameW)}
			if venue {
				parts = append(parts, padRight(k.venue, venueW))
			}
			parts = append(parts, padRight(k.net, netW), padRight(k.perms, permsW))
			if ip {
				parts = append(parts, padRight(k.ip, ipW))
			}
			if streamW > 0 {
				parts = append(parts, padRight(k.stream, streamW))
			}
			if k.trouble != "" {
				parts = append(parts, k.trouble)
			}
			out = append(out, []string{strings.TrimRight(strings.Join(parts, "  "), " ")})
		}
		return out
	}
	// tight spends one space between columns and drops the word "stream":
	// in this column "live", "DOWN" and "retry 4s" still say it.
	tight := func() blocks {
		out := make(blocks, 0, len(fs))
		for _, k := range fs {
			parts := []string{padRight(k.name, nameW), padRight(k.net, netW), padRight(k.perms, permsW)}
			if k.stream != "" {
				parts = append(parts, strings.Replace(k.stream, "stream ", "", 1))
			}
			if k.trouble != "" {
				parts = append(parts, k.trouble)
			}
			out = append(out, []string{strings.TrimRight(strings.Join(parts, " "), " ")})
		}
		return out
	}
	return []blocks{shape(true, true), shape(false, true), shape(false, false), tight()}
}
