package bybit

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// filterOf names the symbol rule a Bybit filter code breaks.
var filterOf = map[int]string{
	170136: exchange.RuleQty,      // order quantity lower than the minimum
	170137: exchange.RuleStep,     // order quantity has too many decimals
	110017: exchange.RuleStep,     // quantity truncated to zero by the step
	170134: exchange.RuleTick,     // order price has too many decimals
	170132: exchange.RulePrice,    // order price too high
	170133: exchange.RulePrice,    // order price too low
	170140: exchange.RuleNotional, // order value below the lower limit
	110094: exchange.RuleNotional, // notional below the lower limit
	170124: exchange.RuleNotional, // order amount too large
}

var (
	// 10002 messages carry Bybit's own numbers:
	// "... req_timestamp[1700000000000],server_timestamp[1700000002500],recv_window[5000]".
	reqTSRe    = regexp.MustCompile(`req_timestamp\[(\d+)\]`)
	serverTSRe = regexp.MustCompile(`server_timestamp\[(\d+)\]`)
	ipRe       = regexp.MustCompile(`[0-9]{1,3}(?:\.[0-9]{1,3}){3}`)
)

// apiError is Bybit's error table: it classifies a retCode and writes the
// advice.
func (c *Client) apiError(rep *rest.Reply, code int, msg string, serverMs int64) *rest.Refusal {
	ref := rep.Refuse(strconv.Itoa(code), msg)
	ae := ref.APIError
	switch {
	case code == 10002:
		c.clockError(ref, rep, serverMs)
	case code == 10004:
		ae.Kind = exchange.KindSignature
		ae.AdviceText = signAdvice(msg, rep.Prehash, c.signer.keyID)
	case code == 10003:
		ae.Kind = exchange.KindAuth
		ae.AdviceText = fmt.Sprintf("Bybit does not know this API key (%s) at %s. Keys belong to one environment: mainnet, testnet (api-testnet.bybit.com) and demo trading (api-demo.bybit.com) each have their own; check the account's network.", c.info.KeyID, c.base)
	case code == 10010:
		ae.Kind = exchange.KindPermission
		ip := ipRe.FindString(msg)
		if ip == "" {
			ip = "this machine's address"
		}
		ae.AdviceText = fmt.Sprintf("Bybit sees the request from %s, which is not among the key's bound IPs: add it on bybit.com (API management) or run vigil from a bound address.", ip)
	case code == 10005:
		ae.Kind = exchange.KindPermission
		ae.AdviceText = "the key lacks the permission for this request: enable Spot trading on the key (never Withdraw for vigil), or make it read-write."
	case code == 10009 || code == 10024:
		ae.Kind = exchange.KindPermission
		ae.AdviceText = "Bybit refuses this account or region for this request (US and mainland China IPs are blocked): use the host for the account's region."
	case code == 33004 || code == -2015:
		ae.Kind = exchange.KindAuth
		ae.AdviceText = "the API key has expired (keys without an IP binding expire after a fixed period): create a new key, preferably bound to an IP, and `vigil keys rotate`."
	case code == 110004 || code == 110007 || code == 110012 || code == 170131 || code == 170033:
		ae.Kind = exchange.KindBalance
		ae.AdviceText = "not enough available balance for this order (funds held by open orders are locked): reduce the size or cancel resting orders."
	case code == 110072 || code == 170141:
		ae.Kind = exchange.KindDuplicate
		ae.AdviceText = "Bybit already has an order with this orderLinkId: the earlier send reached the venue. vigil queries it instead of sending again."
	case filterOf[code] != "":
		ae.Kind = exchange.KindFilter
		ae.Filter = filterOf[code]
		ae.AdviceText = filterAdvice(ae.Filter)
	case code == 110001 || code == 170213:
		ae.Kind = exchange.KindNotFound
		ae.AdviceText = "Bybit has no such open order (it may have filled or been canceled already)."
	case code == 10006 || code == 170005 || rep.Status == http.StatusTooManyRequests:
		c.rateLimited(ref, rep, false)
	case rep.Status == http.StatusForbidden:
		c.rateLimited(ref, rep, true)
	case code == 10016 || code == 10000 || rep.Status >= 500:
		ae.Kind = exchange.KindUnknownStatus
		ae.AdviceText = "Bybit failed internally and does not say whether the request executed; vigil asks Bybit for the order's state before anything else."
		ref.Class = rest.Ambiguous
	case code == 10001 || code == 170130 || code == 170001:
		ae.Kind = exchange.KindBadRequest
		ae.AdviceText = "Bybit refused the parameters: " + msg
	default:
		ae.Kind = exchange.KindOther
	}
	return ref
}

func filterAdvice(rule string) string {
	switch rule {
	case exchange.RuleQty:
		return "the quantity is below the symbol's minimum order quantity."
	case exchange.RuleStep:
		return "the quantity has more decimals than the symbol's basePrecision allows: round it down to the step."
	case exchange.RuleTick:
		return "the price has more decimals than the symbol's tickSize allows: round it to the tick."
	case exchange.RulePrice:
		return "the price is outside the symbol's allowed band right now: move it toward the last price."
	case exchange.RuleNotional:
		return "the order value (price × quantity) is outside the symbol's minOrderAmt/maxOrderAmt."
	}
	return "the order breaks a symbol rule"
}

// clockError reports a rejected stamp. Bybit's rule is asymmetric:
// server_time - recv_window <= ts < server_time + 1000, so which side we
// fell off matters: ahead is the dangerous one.
func (c *Client) clockError(ref *rest.Refusal, rep *rest.Reply, serverMs int64) {
	ae := ref.APIError
	ae.Kind = exchange.KindClock
	ref.Class = rest.StampRefused
	offset := c.clock.Offset()
	stampMs := rep.Stamp.UnixMilli()
	if m := reqTSRe.FindStringSubmatch(ae.Msg); m != nil {
		stampMs, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := serverTSRe.FindStringSubmatch(ae.Msg); m != nil {
		serverMs, _ = strconv.ParseInt(m[1], 10, 64)
	}
	rw := c.recvWindow
	if serverMs > 0 {
		skew := time.Duration(stampMs-serverMs) * time.Millisecond
		ref.Ahead = skew > 0
		if ref.Ahead {
			ae.AdviceText = fmt.Sprintf("our stamp was %s ahead of Bybit's clock; Bybit refuses anything 1 s or more ahead (it allows %s ms behind). Measured offset %s. vigil re-syncs now; if this repeats, this machine's clock runs fast: enable NTP.", skew, rw, offset.Round(time.Millisecond))
		} else {
			ae.AdviceText = fmt.Sprintf("our stamp was %s behind Bybit's clock, beyond the %s ms recvWindow (the request was slow, or this machine's clock is slow). Measured offset %s. vigil re-syncs now.", -skew, rw, offset.Round(time.Millisecond))
		}
	} else {
		ae.AdviceText = fmt.Sprintf("Bybit refused the request time (allowed: up to %s ms behind, less than 1 s ahead). Measured offset %s. vigil re-syncs now.", rw, offset.Round(time.Millisecond))
	}
}

// rateLimited holds the account: 10006 until Bybit's reset stamp, HTTP 403
// (IP over 600 per 5 s) for at least the documented 10 minutes.
func (c *Client) rateLimited(ref *rest.Refusal, rep *rest.Reply, ipBan bool) {
	now := c.clock.ServerNow()
	switch {
	case ipBan:
		ref.Class = rest.Banned
		ref.RetryAt = now.Add(banAfter403)
		ref.AdviceText = "Bybit answered HTTP 403: this IP sent more than 600 requests in 5 s (or the region is blocked). Stop every program on this IP; the ban lifts after 10 minutes at the earliest."
	default:
		ref.Class = rest.Throttled
		ref.RetryAt = now.Add(window)
		if lh := parseLimitHeaders(rep.Header); !lh.reset.IsZero() && lh.reset.After(now) {
			ref.RetryAt = lh.reset
		}
		ref.AdviceText = "Bybit says too many requests for this endpoint (limits are per key per endpoint per second); vigil holds this account until " + ref.RetryAt.Format("15:04:05.000") + "."
	}
}

func regionBlock(body []byte) bool {
	b := strings.ToLower(string(body))
	return strings.Contains(b, "country") || strings.Contains(b, "region")
}

// originString extracts the string Bybit signed from a 10004 message:
// "error sign! origin_string[...]".
func originString(msg string) (string, bool) {
	const open = "origin_string["
	i := strings.Index(msg, open)
	if i < 0 {
		return "", false
	}
	rest := msg[i+len(open):]
	j := strings.LastIndexByte(rest, ']')
	if j < 0 {
		return "", false
	}
	return rest[:j], true
}

// signAdvice puts Bybit's signed string beside ours with the first
// difference marked. Neither contains the secret; the API key in both is
// masked alike so byte positions still line up.
func signAdvice(msg string, ours []byte, keyID string) string {
	theirs, ok := originString(msg)
	if !ok || len(ours) == 0 {
		return "Bybit computed a different signature: the API secret in the vault does not belong to this key (check for a truncated paste), or the key is an RSA key (vigil signs with HMAC)."
	}
	i := firstDiff(theirs, string(ours))
	if i < 0 {
		return fmt.Sprintf("venue signed: %q, we signed: %q, identical: the bytes agree, so the secret does not: the API secret in the vault does not belong to this key (check for a truncated paste), or the key is an RSA key.",
			excerpt(mask(theirs, keyID), 0), excerpt(mask(string(ours), keyID), 0))
	}
	return fmt.Sprintf("venue signed: %q, we signed: %q, first difference at byte %d (%s vs %s)",
		excerpt(mask(theirs, keyID), i), excerpt(mask(string(ours), keyID), i), i, byteAt(theirs, i), byteAt(string(ours), i))
}

func firstDiff(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return n
	}
	return -1
}

func byteAt(s string, i int) string {
	if i >= len(s) {
		return "end"
	}
	return strconv.QuoteRune(rune(s[i]))
}

// mask hides all but the last four characters of the API key wherever it
// appears, keeping the length.
func mask(s, keyID string) string {
	if len(keyID) <= 4 {
		return s
	}
	return strings.ReplaceAll(s, keyID, strings.Repeat("*", len(keyID)-4)+keyID[len(keyID)-4:])
}

// excerpt keeps long strings readable around the difference; short ones
// are shown whole so byte offsets can be counted.
func excerpt(s string, at int) string {
	const span = 60
	if len(s) <= 2*span {
		return s
	}
	lo, hi := max(at-span, 0), min(at+span, len(s))
	out := s[lo:hi]
	if lo > 0 {
		out = "…" + out
	}
	if hi < len(s) {
		out += "…"
	}
	return out
}

// undecodable reads a reply that is not a Bybit envelope. HTTP 403 with a
// plain body is the IP ban (or a region block).
func (c *Client) undecodable(rep *rest.Reply, jerr error) *rest.Refusal {
	ref := rep.NotJSON("Bybit", jerr)
	switch {
	case rep.Status == http.StatusForbidden && regionBlock(rep.Body):
		ref.Kind = exchange.KindPermission
		ref.AdviceText = "Bybit blocks requests from this country (US and mainland China IPs get HTTP 403): use the host for the account's region."
	case rep.Status == http.StatusForbidden:
		// "access too frequent": the IP went over 600 requests per 5 s.
		// An unrecognised 403 is treated the same: sending more would only
		// extend a ban.
		c.rateLimited(ref, rep, true)
	case ref.Class == rest.Throttled:
		c.rateLimited(ref, rep, false)
	}
	return ref
}
