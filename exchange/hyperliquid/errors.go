package hyperliquid

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Codes. Hyperliquid answers errors as text; where its error-responses
// page names a type (Tick, MinTradeNtl, …) that is the code, and vigil
// names the others.
const (
	ErrTick          = "Tick"
	ErrMinTradeNtl   = "MinTradeNtl"
	ErrSpotNtl       = "MinTradeSpotNtl"
	ErrPerpMargin    = "PerpMargin"
	ErrSpotBalance   = "InsufficientSpotBalance"
	ErrReduceOnly    = "ReduceOnly"
	ErrBadAloPx      = "BadAloPx"
	ErrIocCancel     = "IocCancel"
	ErrNoLiquidity   = "MarketOrderNoLiquidity"
	ErrOracle        = "Oracle"
	ErrMissingOrder  = "MissingOrder"
	ErrInvalidSize   = "InvalidSize"
	ErrUnknownWallet = "UnknownWallet"
	ErrMustDeposit   = "MustDeposit"
	ErrNonce         = "InvalidNonce"
	ErrAddressRate   = "AddressRateLimit"
	ErrDuplicate     = "DuplicateCloid"
	ErrOther         = "Error"
)

// errorTexts map the start of an error's text to its code.
var errorTexts = []struct{ prefix, code string }{
	{"Price must be divisible by tick size", ErrTick},
	{"Order must have minimum value of $", ErrMinTradeNtl},
	{"Order must have minimum value of", ErrSpotNtl},
	{"Insufficient margin", ErrPerpMargin},
	{"Order has insufficient spot balance", ErrSpotBalance},
	{"Insufficient spot balance", ErrSpotBalance},
	{"Reduce only order would increase position", ErrReduceOnly},
	{"Post only order would have immediately matched", ErrBadAloPx},
	{"Order could not immediately match", ErrIocCancel},
	{"No liquidity available for market order", ErrNoLiquidity},
	{"Order price too far from oracle", ErrOracle},
	{"Order price cannot be more than", ErrOracle},
	{"Order was never placed, already canceled, or filled", ErrMissingOrder},
	{"Order has invalid size", ErrInvalidSize},
	{"Order has zero size", ErrInvalidSize},
	{"User or API Wallet", ErrUnknownWallet},
	{"Must deposit before performing actions", ErrMustDeposit},
	{"Invalid nonce", ErrNonce},
	{"Too many cumulative requests", ErrAddressRate},
	{"Order has duplicate cloid", ErrDuplicate},
}

// CodeOf is the code of an error text.
func CodeOf(msg string) string {
	for _, e := range errorTexts {
		if strings.HasPrefix(msg, e.prefix) {
			return e.code
		}
	}
	if strings.Contains(strings.ToLower(msg), "nonce") {
		return ErrNonce
	}
	return ErrOther
}

var addressIn = regexp.MustCompile(`0x[0-9a-fA-F]{40}`)

// hashInputs says what feeds an action's hash, for advice.
const hashInputs = "the action's msgpack (its keys in the venue's order; prices and sizes as strings without trailing zeros; addresses in lower case), the nonce (8 bytes), the vault flag (0x00, or 0x01 and the vault address), expiresAfter when set, and the network's source in the phantom agent ('a' mainnet, 'b' testnet)"

// apiError is the error table.
func (c *Client) apiError(rep *rest.Reply, msg string) *rest.Refusal {
	code := CodeOf(msg)
	ref := rep.Refuse(code, msg)
	ae := ref.APIError
	switch code {
	case ErrUnknownWallet:
		c.walletAdvice(ae, msg)
	case ErrMustDeposit:
		ae.Kind = exchange.KindPermission
		ae.AdviceText = "Hyperliquid acts only for an account that has deposited: deposit USDC to " + c.shown() + " on " + string(c.info.Network) + " (testnet: the faucet at app.hyperliquid-testnet.xyz/drip)."
	case ErrNonce:
		ae.Kind = exchange.KindClock
		ref.Class = rest.StampRefused
		ae.AdviceText = "Hyperliquid refused the nonce: it was used already, is below the lowest of the highest nonces it keeps for this signer, or is more than a day off its time. Every vigil process on this machine shares one nonce counter per signer, so another program (or machine) signs as this agent: give each its own agent wallet. vigil moves its nonce a second ahead, measures the clock again and signs once more (a refused nonce never executed)."
	case ErrTick:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleTick
		ae.AdviceText = "Hyperliquid refused the price: at most 5 significant figures (integers always pass) and at most 6 − szDecimals decimals for a perp (8 − szDecimals for spot)."
	case ErrMinTradeNtl, ErrSpotNtl:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleNotional
		ae.AdviceText = "the order is worth less than Hyperliquid's minimum of $10 (10 quote units on spot): raise the size."
	case ErrInvalidSize:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RuleStep
		ae.AdviceText = "Hyperliquid refused the size: it must be positive with at most the asset's szDecimals decimals."
	case ErrPerpMargin, ErrSpotBalance:
		ae.Kind = exchange.KindBalance
		ae.AdviceText = "not enough margin (or spot balance) for this order at the account's leverage: reduce the size, or free margin by cancelling orders."
	case ErrReduceOnly:
		ae.Kind = exchange.KindFilter
		ae.AdviceText = "a reduce-only order would have increased the position."
	case ErrBadAloPx:
		ae.Kind = exchange.KindFilter
		ae.AdviceText = "the post-only (Alo) order would have crossed the book, so Hyperliquid refused it: move the price away from the spread."
	case ErrIocCancel, ErrNoLiquidity:
		ae.Kind = exchange.KindFilter
		ae.AdviceText = "nothing on the book matched the IOC order at its price: it was cancelled unfilled."
	case ErrOracle:
		ae.Kind, ae.Filter = exchange.KindFilter, exchange.RulePrice
		ae.AdviceText = "the price is too far from the oracle price: Hyperliquid refuses limit prices far off the market."
	case ErrMissingOrder:
		ae.Kind = exchange.KindNotFound
		ae.AdviceText = "Hyperliquid has no such open order (never placed, already cancelled, or filled)."
	case ErrDuplicate:
		ae.Kind = exchange.KindDuplicate
		ae.AdviceText = "Hyperliquid already has an order with this cloid: the earlier send reached it. vigil queries it instead of sending again."
	case ErrAddressRate:
		ae.Kind = exchange.KindRateLimit
		ref.Class = rest.Throttled
		// Spent, the allowance gives one action every 10 s.
		ref.RetryAt = c.clock.ServerNow().Add(10 * time.Second)
		c.budget.Report(actionsBucket, 0, 0, time.Time{}, rep.Sent)
		ae.AdviceText = "this address has used the actions its traded volume earns (10 000 plus one per USDC traded): one more every 10 s from now. Cancels have their own higher allowance; reserveRequestWeight buys more."
	default:
		if rep.Status >= 500 {
			ae.Kind = exchange.KindUnknownStatus
			ref.Class = rest.Ambiguous
		}
		ae.AdviceText = "Hyperliquid refused the action: " + msg
	}
	return ref
}

// walletAdvice reads "User or API Wallet 0x… does not exist.": the venue
// never says "bad signature". It recovers an address from the signature
// over the hash it computed; the message names that address. The same
// address as vigil's signer means the hash is right and the wallet is not
// an agent of the account there; another address means the hashes differ.
func (c *Client) walletAdvice(ae *exchange.APIError, msg string) {
	named := strings.ToLower(addressIn.FindString(msg))
	signer := c.Signer()
	network := string(c.info.Network)
	// The account's own wallet is the key id: shown masked, as everywhere.
	shownSigner := signer
	if signer == c.account.String() {
		shownSigner = c.shown()
	}
	switch {
	case c.wallet == nil || named == "":
		ae.Kind = exchange.KindAuth
		ae.AdviceText = "Hyperliquid knows no account or agent for this signature on " + network + "."
	case named == signer:
		ae.Kind = exchange.KindPermission
		ae.AdviceText = fmt.Sprintf("Hyperliquid recovered vigil's signer %s from the signature, so the hash is right: that wallet is not an approved agent of %s on %s. "+
			"Approved on the other network, never approved, expired, or deregistered (approving another unnamed agent replaces the old one; an account without funds loses its agents). "+
			"Approve it again at %s (More → API), or run `vigil check` to list the account's agents.",
			shownSigner, c.shown(), network, c.appURL())
	default:
		ae.Kind = exchange.KindSignature
		ae.AdviceText = fmt.Sprintf("Hyperliquid recovered %s from the signature, not vigil's signer %s: the hash Hyperliquid computed differs from the one vigil signed (a different address on each try confirms it). "+
			"The hash's inputs: %s. vigil signs on %s (source %q): a key for the other network, a proxy that rewrites the body, or a fault in vigil's signer changes it.",
			named, shownSigner, hashInputs, network, Source(c.mainnet))
	}
}

// appURL is where an account manages its API wallets.
func (c *Client) appURL() string {
	if c.mainnet {
		return "https://app.hyperliquid.xyz/API"
	}
	return "https://app.hyperliquid-testnet.xyz/API"
}

// throttled is an HTTP 429: the address's weight is spent for the minute.
func (c *Client) throttled(rep *rest.Reply) *rest.Refusal {
	ref := rep.Refuse("429", "HTTP 429: too many requests from this address")
	ref.Kind = exchange.KindRateLimit
	ref.Class = rest.Throttled
	// The weight is counted over a rolling minute and the venue names no
	// time: half of it frees some, without holding past the window.
	ref.RetryAt = c.clock.ServerNow().Add(30 * time.Second)
	ref.AdviceText = "Hyperliquid answered HTTP 429: this address used its 1200 weight a minute (another program on it, or a loop). vigil holds the account for half a minute."
	return ref
}

func (c *Client) undecodable(rep *rest.Reply) *rest.Refusal {
	if rep.Status == 422 {
		ref := rep.Refuse("422", "HTTP 422: "+rest.Snippet(rep.Body))
		ref.Kind = exchange.KindBadRequest
		ref.AdviceText = "Hyperliquid could not read the request (" + rest.Snippet(rep.Body) + "): vigil sent a shape it does not take."
		return ref
	}
	return rep.NotJSON("Hyperliquid", nil)
}

func unlisted(symbol string) error {
	return fmt.Errorf("hyperliquid: no perp %q: Hyperliquid names perps by coin (BTC, ETH)", symbol)
}

// Advice is the advice vigil gives for an error text, as a client of
// neither network with no key would.
func Advice(msg string) string {
	c := &Client{clock: exchange.NewClock(exchange.ClockConfig{}), budget: newBudget("", time.Now)}
	rep := &rest.Reply{Status: 200, Request: &rest.Request{}}
	return c.apiError(rep, msg).AdviceText
}
