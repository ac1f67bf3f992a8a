package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/vigil-trade/vigil/exchange"
)

// Level is how bad a key risk is.
type Level int

const (
	Warning Level = iota + 1 // worth fixing; nothing stops
	Danger                   // fix before trading with the key
)

// String is the level as `vigil check --json` spells it.
func (l Level) String() string {
	if l == Danger {
		return "danger"
	}
	return "warning"
}

// Thresholds of the key risks: the one place they are set.
const (
	KeyMaxAge      = 90 * 24 * time.Hour // rotate keys older than this
	ExpiringWithin = 14 * 24 * time.Hour // warn about an expiry this close
)

// Codes of the key risks, part of `vigil check --json`.
const (
	RiskWithdraw        = "withdraw_enabled"
	RiskWithdrawUnknown = "withdraw_unknown"
	RiskIPUnbound       = "ip_unbound"
	RiskKeyOld          = "key_old"
	RiskKeyExpiring     = "key_expiring"
	RiskKeyExpired      = "key_expired"
)

// KeyRisk is one thing wrong with an API key, worded once for every front
// end: Word where a pane has a column, Message and Advice where there is a
// line.
type KeyRisk struct {
	Code    string
	Level   Level
	Word    string // "WITHDRAW", "UNBOUND", "expires in 5d03h", "age 120d"
	Message string
	Advice  string
}

// Rotate is how a key is replaced, for advice.
const Rotate = "create a new key on the venue, then `vigil keys rotate LABEL`"

// KeyRisks is the key-risk table: what is wrong with the key ki of the
// account info at now, dangers first. The key's age is the venue's
// creation time, else the vault's. Withdrawal unknown and a missing IP
// binding are risks on mainnet only: a testnet key moves no real money.
func KeyRisks(ki exchange.KeyInfo, info exchange.AccountInfo, now time.Time) []KeyRisk {
	var out []KeyRisk
	page := info.Venue + "'s API management page"
	if info.Venue == "" {
		page = "the venue's API management page"
	}
	mainnet := info.Network == exchange.Mainnet
	switch {
	case ki.Withdraw == exchange.TriYes:
		out = append(out, KeyRisk{Code: RiskWithdraw, Level: Danger, Word: "WITHDRAW",
			Message: "the key has WITHDRAW permission: whoever gets this key can move the funds out",
			Advice:  "edit the key on " + page + " and turn withdrawals off; vigil never needs them"})
	case ki.Withdraw == exchange.TriUnknown && mainnet:
		out = append(out, KeyRisk{Code: RiskWithdrawUnknown, Level: Warning, Word: "withdraw?",
			Message: "cannot tell whether the key may WITHDRAW",
			Advice:  "check on " + page + " that withdrawals are off"})
	}
	created := ki.Created
	if created.IsZero() {
		created = info.KeyCreated
	}
	if !created.IsZero() && !now.IsZero() && now.Sub(created) > KeyMaxAge {
		days := int(now.Sub(created) / (24 * time.Hour))
		out = append(out, KeyRisk{Code: RiskKeyOld, Level: Warning, Word: fmt.Sprintf("age %dd", days),
			Message: fmt.Sprintf("the key is %d days old (created %s)", days, created.UTC().Format(time.DateOnly)),
			Advice:  "rotate keys every 90 days: " + Rotate})
	}
	if mainnet && ki.IPBound == exchange.TriNo {
		out = append(out, KeyRisk{Code: RiskIPUnbound, Level: Warning, Word: "UNBOUND",
			Message: "the key is not bound to IP addresses: it works from anywhere it leaks to",
			Advice:  "restrict it to this machine's public IP on " + page})
	}
	if !ki.Expires.IsZero() && !now.IsZero() {
		switch left := ki.Expires.Sub(now); {
		case left <= 0:
			out = append(out, KeyRisk{Code: RiskKeyExpired, Level: Danger, Word: "EXPIRED",
				Message: fmt.Sprintf("the key's trading authority expired on %s", ki.Expires.UTC().Format(time.DateOnly)),
				Advice:  "renew it on " + page + ", or " + Rotate})
		case left < ExpiringWithin:
			out = append(out, KeyRisk{Code: RiskKeyExpiring, Level: Warning, Word: "expires in " + compact(left),
				Message: fmt.Sprintf("the key expires in %s (%s)", compact(left), ki.Expires.UTC().Format(time.DateOnly)),
				Advice:  "renew it on " + page + " before then, or " + Rotate})
		}
	}
	slices.SortStableFunc(out, func(a, b KeyRisk) int { return int(b.Level) - int(a.Level) })
	return out
}

// Risk finds the risk with code among risks.
func Risk(risks []KeyRisk, code string) (KeyRisk, bool) {
	for _, r := range risks {
		if r.Code == code {
			return r, true
		}
	}
	return KeyRisk{}, false
}

// compact is a duration as the panes print one: 45s, 12m05s, 5h07m, 5d03h.
func compact(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, (s%3600)/60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, (s%86400)/3600)
}
