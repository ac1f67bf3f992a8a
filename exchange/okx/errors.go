package okx

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// ipInMsg finds the address OKX quotes in 50110 ("Your IP 1.2.3.4 is not
// included in your API key's IP whitelist.").
var ipInMsg = regexp.MustCompile(`[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:]+`)

// filterOf names the symbol rule an OKX filter code breaks.
var filterOf = map[string]string{
	"51121": exchange.RuleStep,     // size not a multiple of lotSz
	"51020": exchange.RuleQty,      // below minimum order amount
	"51006": exchange.RulePrice,    // price outside the limit band
	"51137": exchange.RulePrice,    // buy price above the highest limit
	"51138": exchange.RulePrice,    // sell price below the lowest limit
	"51201": exchange.RuleNotional, // market order value above the maximum
	"50122": exchange.RuleNotional, // below minimum amount
}

// apiError is OKX's error table: it classifies a code and writes the
// advice. The code is the per-order sCode when the venue gave one.
func (c *Client) apiError(rep *rest.Reply, code, msg string) *rest.Refusal {
	r := rep.Request.Tag.(*request)
	ref := rep.Refuse(code, msg)
	ae := ref.APIError
	switch {
	case code == "50102" || code == "50112":
		c.clockError(ref, rep)
	case code == "50113":
		ae.Kind = exchange.KindSignature
		ae.AdviceText = "OKX computed a different signature: the API secret in the vault does not belong to this key (check for a truncated paste), or something between us and OKX rewrote the request path or body."
	case code == "50111" || code == "50119":
		ae.Kind = exchange.KindAuth
		ae.AdviceText = fmt.Sprintf("OKX does not know this API key (%s). Check the key id in the vault; a demo-trading key works only with demo trading, and US/EEA accounts must use their regional host instead of %s.", c.info.KeyID, c.base)
	case code == "50100":
		ae.Kind = exchange.KindAuth
		ae.AdviceText = "OKX has frozen this API key: open the API page on okx.com to see why, then create a new key (`vigil keys rotate`)."
	case code == "50105":
		ae.Kind = exchange.KindAuth
		ae.AdviceText = "the API passphrase in the vault does not match the one set when the key was created; `vigil keys rotate`"
	case code == "50101":
		ae.Kind = exchange.KindAuth
		if c.demo {
			ae.AdviceText = "this is a live-trading key, but the account is configured for demo trading (testnet); create the key under Demo Trading on okx.com, or configure the account as mainnet."
		} else {
			ae.AdviceText = "this is a demo-trading key, but the account is configured for live trading (mainnet); configure the account as testnet, or create a live key."
		}
	case code == "50110":
		ae.Kind = exchange.KindPermission
		ip := ipInMsg.FindString(msg)
		if ip == "" {
			ip = "this machine's address"
		}
		ae.AdviceText = fmt.Sprintf("OKX sees this machine as %s, which is not on the key's IP allowlist: add it on okx.com (API → edit key) or run vigil from an allowed address.", ip)
	case code == "50120":
		ae.Kind = exchange.KindPermission
		what := "this request"
		if r.op != "" {
			what = "trading (" + r.op + ")"
		}
		ae.AdviceText = fmt.Sprintf("the key lacks the permission for %s: enable Trade on the key (never Withdraw for vigil), or use a key that has it.", what)
	case code == "50121":
		ae.Kind = exchange.KindPermission
		ae.AdviceText = "OKX refuses requests from this IP's region for this account: use the host of the region the account was opened in."
	case strings.HasPrefix(code, "51008") || code == "51131" || code == "51127":
		ae.Kind = exchange.KindBalance
		ae.AdviceText = "not enough available balance for this order (funds held by open orders are frozen): reduce the size or cancel resting orders."
	case code == "51016":
		ae.Kind = exchange.KindDuplicate
		ae.AdviceText = "OKX already has an order with this clOrdId: the earlier send reached the venue. vigil queries it instead of sending again."
	case filterOf[code] != "":
		ae.Kind = exchange.KindFilter
		ae.Filter = filterOf[code]
		ae.AdviceText = filterAdvice(ae.Filter, r.inst)
	case code == "51603" || code == "51400":
		ae.Kind = exchange.KindNotFound
		ae.AdviceText = "OKX has no such open order (it may have filled or been canceled already)."
	case code == "50011" || code == "50061" || rep.Status == http.StatusTooManyRequests:
		c.rateLimited(ref)
	case code == "50004" || code == "50013" || rep.Status >= 500:
		ae.Kind = exchange.KindUnknownStatus
		ae.AdviceText = "OKX did not finish the request in time and does not say whether it executed; vigil asks OKX for the order's state before anything else."
		ref.Class = rest.Ambiguous
	case code == "50014" || code == "51000" || code == "50000" || strings.HasPrefix(code, "510") && len(code) == 5:
		ae.Kind = exchange.KindBadRequest
		ae.AdviceText = "OKX refused the parameters: " + msg
	default:
		ae.Kind = exchange.KindOther
	}
	return ref
}

func filterAdvice(rule, inst string) string {
	sym := inst
	if sym == "" {
		sym = "the symbol"
	}
	switch rule {
	case exchange.RuleStep:
		return fmt.Sprintf("the size is not a multiple of %s's lot size (lotSz): round it down to the step.", sym)
	case exchange.RuleQty:
		return fmt.Sprintf("the size is below %s's minimum (minSz).", sym)
	case exchange.RulePrice:
		return fmt.Sprintf("the price is outside %s's allowed band right now: move it toward the last price.", sym)
	case exchange.RuleNotional:
		return fmt.Sprintf("the order value is outside what %s allows for this order type.", sym)
	}
	return "the order breaks a symbol rule of " + sym
}

// clockError reports a rejected timestamp with what we measured. OKX's body
// carries no server time, so the reply's Date header (1 s resolution) is the
// only independent view of its clock; it is enough to tell a 30 s error's
// direction. Only 50102 is worth a re-stamped retry: 50112 is a stamp OKX
// could not parse, and a fresh one would be refused alike.
func (c *Client) clockError(ref *rest.Refusal, rep *rest.Reply) {
	ae := ref.APIError
	ae.Kind = exchange.KindClock
	offset := c.clock.Offset()
	var dateNote string
	if d, err := http.ParseTime(rep.Header.Get("Date")); err == nil {
		skew := rep.Stamp.Sub(d) // positive: our stamp in the venue's future
		ref.Ahead = skew > 0
		dir := "behind"
		if ref.Ahead {
			dir = "ahead of"
		}
		dateNote = fmt.Sprintf(" Our stamp was about %s %s OKX's clock (from its Date header).", roundSecond(skew.Abs()), dir)
	}
	if ae.Code == "50112" {
		ae.AdviceText = "OKX could not parse OK-ACCESS-TIMESTAMP (it wants ISO-8601 UTC with milliseconds, e.g. 2020-12-08T09:08:57.715Z)." + dateNote
		return
	}
	ref.Class = rest.StampRefused
	ae.AdviceText = fmt.Sprintf("OKX refused the request time: its window is ±30 s and our measured offset to OKX is %s.%s vigil re-syncs the clock now; if this repeats, this machine's clock is drifting: enable NTP.", offset.Round(time.Millisecond), dateNote)
}

func roundSecond(d time.Duration) time.Duration { return d.Round(time.Second) }

// rateLimited holds the account for OKX's 2 s window: OKX gives no retry
// hint, and every limit it states is per 2 s. Every scope stops: a refusal
// on one endpoint usually means the account is being throttled, and a
// second refusal only extends it.
func (c *Client) rateLimited(ref *rest.Refusal) {
	ref.Class = rest.Throttled
	ref.RetryAt = c.clock.ServerNow().Add(window)
	ref.AdviceText = "OKX says too many requests (limits are per endpoint per 2 s; new orders also per instrument); vigil holds this account until " + ref.RetryAt.Format("15:04:05") + "."
	if ref.Code == "50061" {
		ref.AdviceText = "OKX's sub-account order-rate cap (1000 new and amended orders per 2 s) was hit; vigil holds this account until " + ref.RetryAt.Format("15:04:05") + "."
	}
}
