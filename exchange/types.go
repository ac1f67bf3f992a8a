// Package exchange holds what every venue has in common: the types panes and
// commands see, the Venue interface, clock estimation, rate budgets and the
// error types that carry a venue's advice. Nothing here knows a venue by name.
package exchange

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Network says whether an account trades real money.
type Network string

const (
	Testnet Network = "testnet"
	Mainnet Network = "mainnet"
)

// Side of an order.
type Side string

const (
	Buy  Side = "BUY"
	Sell Side = "SELL"
)

// OrderType is the kind of order. Venues spell these differently; clients
// translate at the wire.
type OrderType string

const (
	LimitOrder  OrderType = "LIMIT"
	MarketOrder OrderType = "MARKET"
)

// TimeInForce for limit orders.
type TimeInForce string

const (
	GTC TimeInForce = "GTC"
	IOC TimeInForce = "IOC"
	FOK TimeInForce = "FOK"
)

// OrderStatus is the venue-neutral life cycle of an order. Unknown is ours,
// not a venue's: a request whose outcome we could not observe.
type OrderStatus string

const (
	StatusPending         OrderStatus = "PENDING" // intent journaled, not yet acknowledged
	StatusNew             OrderStatus = "NEW"
	StatusPartiallyFilled OrderStatus = "PARTIALLY_FILLED"
	StatusFilled          OrderStatus = "FILLED"
	StatusCanceled        OrderStatus = "CANCELED"
	StatusRejected        OrderStatus = "REJECTED"
	StatusExpired         OrderStatus = "EXPIRED"
	StatusUnknown         OrderStatus = "UNKNOWN"
)

// Final reports whether no further transition can happen.
func (s OrderStatus) Final() bool {
	switch s {
	case StatusFilled, StatusCanceled, StatusRejected, StatusExpired:
		return true
	}
	return false
}

// Open reports whether the order rests on the book.
func (s OrderStatus) Open() bool { return s == StatusNew || s == StatusPartiallyFilled }

// Rank orders statuses so an older event never reverses a newer state.
func (s OrderStatus) Rank() int {
	switch s {
	case StatusPending, StatusUnknown:
		return 0
	case StatusNew:
		return 1
	case StatusPartiallyFilled:
		return 2
	default:
		return 3
	}
}

// Balance of one asset in one account.
type Balance struct {
	Asset  string
	Free   decimal.Decimal
	Locked decimal.Decimal
}

// Total is free plus locked.
func (b Balance) Total() decimal.Decimal { return b.Free.Add(b.Locked) }

// OrderRequest is what a user asks for. Quantities and prices are decimals;
// the venue client formats them as the symbol's rules demand.
type OrderRequest struct {
	Symbol   string
	Side     Side
	Type     OrderType
	TIF      TimeInForce // limit orders only
	Qty      decimal.Decimal
	Price    decimal.Decimal // zero for market orders
	ClientID string          // generated once per intent, see NewClientID
}

// OrderRef names an existing order by the venue's id or by our client id.
type OrderRef struct {
	Symbol   string
	ClientID string
	OrderID  string // a string: venue ids exceed 2^53
}

// Order is an order as the venue last told us about it.
type Order struct {
	Account     string
	Symbol      string
	Side        Side
	Type        OrderType
	TIF         TimeInForce
	Price       decimal.Decimal
	Qty         decimal.Decimal
	Filled      decimal.Decimal
	QuoteFilled decimal.Decimal // cumulative quote quantity, for average price
	Status      OrderStatus
	ClientID    string
	OrderID     string
	Created     time.Time
	Updated     time.Time // venue's last update time: orders events by recency
	Reason      string    // reject or cancel reason as the venue gave it
}

// EventKind says what happened to an order.
type EventKind string

const (
	EventAck      EventKind = "ACK"
	EventFill     EventKind = "FILL"
	EventCancel   EventKind = "CANCEL"
	EventReject   EventKind = "REJECT"
	EventExpire   EventKind = "EXPIRE"
	EventSnapshot EventKind = "SNAPSHOT" // state taken from a REST resync
)

// OrderEvent is one change to one order, as a venue's private stream or a
// REST reconciliation reports it.
type OrderEvent struct {
	Account   string
	Kind      EventKind
	Order     Order
	LastQty   decimal.Decimal // fill events
	LastPrice decimal.Decimal
	TradeID   string
	Time      time.Time // venue's event time
}

// Scheme of an API key.
type Scheme string

const (
	SchemeHMAC    Scheme = "hmac"
	SchemeEd25519 Scheme = "ed25519"
	// SchemeES256 signs a token with an EC P-256 key (ECDSA, SHA-256).
	SchemeES256 Scheme = "es256"
	// SchemeSecp256k1 signs with a wallet's key, as a chain does.
	SchemeSecp256k1 Scheme = "secp256k1"
)

// Tri is a fact that a venue may or may not be able to tell us.
type Tri int8

const (
	TriUnknown Tri = iota
	TriNo
	TriYes
)

func (t Tri) String() string {
	switch t {
	case TriYes:
		return "yes"
	case TriNo:
		return "no"
	}
	return "unknown"
}

// TriOf converts a bool the venue did report.
func TriOf(b bool) Tri {
	if b {
		return TriYes
	}
	return TriNo
}

// KeyInfo is what the key may do, as far as the venue lets us read it.
type KeyInfo struct {
	Read       Tri
	Trade      Tri
	Withdraw   Tri // TriYes is a red flag for a bot's key
	IPBound    Tri
	IPs        []string
	Created    time.Time // zero when the venue does not say
	Expires    time.Time // zero when the key does not expire or the venue does not say
	Source     string    // how this was learnt, e.g. "apiRestrictions" or "account flags + order/test probe"
	Notes      []string  // what could not be read and why
	CheckedAt  time.Time
	AccountUID string
}

// Filter failure names, venue-neutral; clients map them to and from the
// venue's own names.
const (
	RulePrice    = "PRICE"
	RuleTick     = "TICK"
	RuleQty      = "QTY"
	RuleStep     = "STEP"
	RuleNotional = "NOTIONAL"
	RuleStatus   = "STATUS"
)

// Bucket is one rate-limit budget. Used/Limit is how full it is, whatever
// its shape: a window's count, a decaying counter's level, the credits spent
// from a pool (its cap minus the balance), or the venue-reported allowance
// spent.
type Bucket struct {
	Name    string // e.g. "weight/1m", "orders/10s", "orders/1d"
	Used    int
	Limit   int
	Window  time.Duration // ShapeWindow only
	ResetAt time.Time     // when a window or a reported allowance renews; zero: not known
	Shape   Shape
	Rate    float64 // per second: how fast a decaying counter falls or a credit pool refills
}

// Caption says how the bucket frees up, for shapes where a reset time does
// not: "decays 0.33/s", "refills 10000/s"; "" for the others, whose ResetAt
// says it.
func (b Bucket) Caption() string {
	verb := ""
	switch b.Shape {
	case ShapeDecay:
		verb = "decays "
	case ShapeCredits:
		verb = "refills "
	default:
		return ""
	}
	return verb + strconv.FormatFloat(math.Round(b.Rate*100)/100, 'f', -1, 64) + "/s"
}

// Fill is Used/Limit (0 without a limit), the share a gauge draws.
func (b Bucket) Fill() float64 {
	if b.Limit <= 0 {
		return 0
	}
	return float64(b.Used) / float64(b.Limit)
}

// BudgetSnapshot is what the budgets pane shows for one account.
type BudgetSnapshot struct {
	Account     string
	Buckets     []Bucket
	BannedUntil time.Time // zero when not banned
	BanReason   string
	Waiting     int // requests held back locally right now
	At          time.Time
}

// Banned reports whether the account may not send at now.
func (b BudgetSnapshot) Banned(now time.Time) bool { return now.Before(b.BannedUntil) }

// SortByName puts the buckets in name order, for venues whose buckets
// appear one endpoint at a time (the pane stays steady as they do).
func (b BudgetSnapshot) SortByName() BudgetSnapshot {
	slices.SortFunc(b.Buckets, func(x, y Bucket) int { return strings.Compare(x.Name, y.Name) })
	return b
}

// ClockSnapshot is the clock estimator's view of one account's venue.
type ClockSnapshot struct {
	Account     string
	Synced      bool
	Offset      time.Duration // server minus local: negative means this machine is ahead
	Uncertainty time.Duration
	RTT         time.Duration
	DriftPerHr  time.Duration // change of offset per hour, from a fit
	DriftKnown  bool          // DriftPerHr is measured: samples span long enough for a fit
	LastSync    time.Time
	// Headroom before the venue rejects a stamped request: how far our stamp
	// could move ahead (toward the venue's future limit) or behind (toward
	// recvWindow) before it is refused.
	HeadroomAhead  time.Duration
	HeadroomBehind time.Duration
	AheadLimit     time.Duration // venue's future tolerance (1 s on Binance and Bybit)
	BehindLimit    time.Duration // recvWindow
	Danger         bool          // this machine is ahead past what stamping can absorb, or headroom < 25%
	// LocalStamps: the venue checks this machine's own time (ClockConfig),
	// so the headroom is the raw local clock's.
	LocalStamps bool
	Recent      []time.Duration
	Samples     int
	Err         string // last sync error, if any
}

// AccountInfo is what a venue client knows about its own account without I/O.
type AccountInfo struct {
	Name    string // config account name
	Venue   string // the venue descriptor's name
	Network Network
	Scheme  Scheme
	KeyID   string // masked
	// MaxOrderNotional is the fat-finger guard in quote currency; zero: none.
	MaxOrderNotional decimal.Decimal
	AllowMainnet     bool
	KeyCreated       time.Time // from the vault
	// REST is the base URL the client sends requests to, as resolved from
	// the config (an override, else the venue's default for the network):
	// the journal binds each order intent to it.
	REST string
	// Demo marks an account served by an in-process fake venue (vigil --demo):
	// panes badge it so nobody mistakes it for a real one.
	Demo bool
	// ClientID is the venue's rule for client order ids, which every id
	// sent to this account is made by and checked against; the zero value
	// is vigil's 24-character base36 id, checked as 1-32 letters and digits.
	ClientID ClientIDPolicy
}
