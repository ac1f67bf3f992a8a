package hyperliquidtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

// Error types as the venue's error-responses page names them, and the
// fake's names for the refusals that page has no type for. They are what
// the request log's Code holds.
const (
	CodeTick          = "Tick"
	CodeMinTradeNtl   = "MinTradeNtl"
	CodePerpMargin    = "PerpMargin"
	CodeBadAloPx      = "BadAloPx"
	CodeIocCancel     = "IocCancel"
	CodeMissingOrder  = "MissingOrder"
	CodeInvalidSize   = "InvalidSize"
	CodeUnknownWallet = "UnknownWallet"
	CodeNonce         = "InvalidNonce"
	CodeAddressRate   = "AddressRateLimit"
	CodeDuplicate     = "DuplicateCloid"
	CodeRate          = "429"
	CodeBadRequest    = "422"
	CodeOther         = "Error"
)

const contentJSON = "application/json"

// ipWeight is the per-IP budget: 1200 weight a minute.
const ipWeight = 1200

// infoWeight is an /info request's weight (the gitbook's rate-limits page).
func infoWeight(typ string) int {
	switch typ {
	case "l2Book", "allMids", "clearinghouseState", "orderStatus", "spotClearinghouseState", "exchangeStatus":
		return 2
	case "userRole":
		return 60
	}
	return 20
}

type infoReq struct {
	Type string          `json:"type"`
	User string          `json:"user"`
	Coin string          `json:"coin"`
	Oid  json.RawMessage `json:"oid"`
}

func (s *Server) handle(c *simhttp.Call) *simhttp.Reply[string] {
	rp := simhttp.NewReply[string]()
	switch {
	case c.Limited():
		return tooMany(rp)
	case c.Skips():
		return rp
	}
	if strings.HasPrefix(c.Op, opInfo+" ") {
		var q infoReq
		if err := json.Unmarshal(c.Body, &q); err != nil || q.Type == "" {
			return unprocessable(rp)
		}
		if !s.charge(c, infoWeight(q.Type)) {
			return tooMany(rp)
		}
		return s.info(c, q, rp)
	}
	var req signed
	if err := json.Unmarshal(c.Body, &req); err != nil || len(req.Action) == 0 {
		return unprocessable(rp)
	}
	var head struct {
		Orders  []json.RawMessage `json:"orders"`
		Cancels []json.RawMessage `json:"cancels"`
	}
	_ = json.Unmarshal(req.Action, &head)
	if !s.charge(c, 1+(len(head.Orders)+len(head.Cancels))/40) {
		return tooMany(rp)
	}
	return s.exchange(c, &req, rp)
}

// charge takes weight from the caller's per-IP minute.
func (s *Server) charge(c *simhttp.Call, weight int) bool {
	if !s.ipWeight {
		return true
	}
	for range weight {
		if ok, _, _ := s.weights.Take(c.Now, ipWeight, time.Minute, c.IP); !ok {
			return false
		}
	}
	return true
}

func tooMany(rp *simhttp.Reply[string]) *simhttp.Reply[string] {
	rp.Status, rp.Body, rp.Code = http.StatusTooManyRequests, []byte("null"), CodeRate
	rp.Header.Set("Content-Type", contentJSON)
	return rp
}

// unprocessable is what the venue's server answers a body it cannot read.
func unprocessable(rp *simhttp.Reply[string]) *simhttp.Reply[string] {
	rp.Status, rp.Code = http.StatusUnprocessableEntity, CodeBadRequest
	rp.Body = []byte("Failed to deserialize the JSON body into the target type")
	rp.Header.Set("Content-Type", "text/plain; charset=utf-8")
	return rp
}

func ok(rp *simhttp.Reply[string], v any) *simhttp.Reply[string] {
	rp.SetJSON(http.StatusOK, contentJSON, v)
	return rp
}

// refuse is an action refused whole: {"status":"err","response":msg}.
func refuse(rp *simhttp.Reply[string], code, msg string) *simhttp.Reply[string] {
	rp.SetJSON(http.StatusOK, contentJSON, map[string]any{"status": "err", "response": msg})
	rp.Code = code
	return rp
}

// num is a decimal as the venue writes it: a string.
func num(d decimal.Decimal) string { return d.String() }

func (s *Server) info(c *simhttp.Call, q infoReq, rp *simhttp.Reply[string]) *simhttp.Reply[string] {
	account, isAccount := s.accountOf(q.User)
	switch q.Type {
	case "meta":
		return ok(rp, s.meta())
	case "metaAndAssetCtxs":
		var ctxs []any
		for _, r := range s.sim.Symbols() {
			p, _ := s.sim.Price(r.Symbol)
			ctxs = append(ctxs, map[string]any{"markPx": num(p), "midPx": num(p), "oraclePx": num(p), "prevDayPx": num(p),
				"dayNtlVlm": "0.0", "funding": "0.0000125", "openInterest": "0.0", "premium": "0.0", "impactPxs": []string{num(p), num(p)}})
		}
		return ok(rp, []any{s.meta(), ctxs})
	case "allMids":
		out := map[string]string{}
		for _, r := range s.sim.Symbols() {
			p, _ := s.sim.Price(r.Symbol)
			out[r.Symbol] = num(p)
		}
		return ok(rp, out)
	case "l2Book":
		r, found := s.sim.Symbol(q.Coin)
		if !found {
			return ok(rp, nil) // the venue answers null for a coin it does not list
		}
		p, _ := s.sim.Price(r.Symbol)
		level := func(px decimal.Decimal) []any {
			return []any{map[string]any{"px": num(px), "sz": "1.0", "n": 1}}
		}
		return ok(rp, map[string]any{"coin": r.Symbol, "time": c.Now.UnixMilli(),
			"levels": []any{level(p.Sub(r.TickSize)), level(p.Add(r.TickSize))}})
	case "clearinghouseState":
		return ok(rp, s.clearinghouse(account, isAccount, c.Now))
	case "spotClearinghouseState":
		return ok(rp, map[string]any{"balances": s.spotBalances(account, isAccount)})
	case "frontendOpenOrders", "openOrders":
		out := []any{}
		if isAccount {
			for _, o := range s.sim.OpenOrders(account, "") {
				out = append(out, s.orderOut(o))
			}
		}
		return ok(rp, out)
	case "orderStatus":
		if o, found := s.findOrder(account, isAccount, q.Oid); found {
			return ok(rp, map[string]any{"status": "order", "order": map[string]any{
				"order": s.orderOut(o), "status": statusOf(o), "statusTimestamp": o.Updated.UnixMilli()}})
		}
		return ok(rp, map[string]any{"status": "unknownOid"})
	case "userFills":
		return ok(rp, s.userFills(account, isAccount))
	case "extraAgents":
		out := []any{}
		if isAccount {
			s.mu.Lock()
			for addr, ag := range s.agents {
				if ag.account == account && ag.name != "" {
					out = append(out, map[string]any{"name": ag.name, "address": addr, "validUntil": validMs(ag.validUntil)})
				}
			}
			s.mu.Unlock()
			sort.Slice(out, func(i, j int) bool {
				return out[i].(map[string]any)["name"].(string) < out[j].(map[string]any)["name"].(string)
			})
		}
		return ok(rp, out)
	case "userRole":
		if isAccount {
			return ok(rp, map[string]any{"role": "user"})
		}
		s.mu.Lock()
		ag, isAgent := s.agents[strings.ToLower(q.User)]
		master := ""
		if isAgent {
			master = s.accounts[ag.account]
		}
		s.mu.Unlock()
		if isAgent {
			return ok(rp, map[string]any{"role": "agent", "data": map[string]any{"user": master}})
		}
		return ok(rp, map[string]any{"role": "missing"})
	case "userRateLimit":
		used, cap, vlm := s.rateLimit(account)
		return ok(rp, map[string]any{"cumVlm": num(vlm), "nRequestsUsed": used, "nRequestsCap": cap, "nRequestsSurplus": 0})
	}
	return unprocessable(rp)
}

// validMs is an agent's validUntil as the venue sends it; a far future for
// none (the venue always names one).
func validMs(t time.Time) int64 {
	if t.IsZero() {
		return time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	}
	return t.UnixMilli()
}

func (s *Server) meta() map[string]any {
	var universe []any
	for _, r := range s.sim.Symbols() {
		universe = append(universe, map[string]any{"name": r.Symbol, "szDecimals": exchange.DecimalsOf(r.StepSize), "maxLeverage": 40,
			"marginTableId": 1, "isDelisted": !r.Trading})
	}
	return map[string]any{"universe": universe, "marginTables": []any{}}
}

// rateLimit is the account's actions used, its cap (10 000 plus one per
// USDC traded) and its volume.
func (s *Server) rateLimit(account string) (used, cap int, vlm decimal.Decimal) {
	for _, o := range s.sim.Orders(account) {
		vlm = vlm.Add(o.QuoteFilled)
	}
	s.mu.Lock()
	used = s.used[account]
	s.mu.Unlock()
	return used, 10000 + int(vlm.IntPart()), vlm
}

func (s *Server) spotBalances(account string, isAccount bool) []any {
	out := []any{}
	if !isAccount {
		return out
	}
	for i, b := range s.sim.Balances(account) {
		out = append(out, map[string]any{"coin": b.Asset, "token": i, "total": num(b.Total()), "hold": num(b.Locked), "entryNtl": "0.0"})
	}
	return out
}

// clearinghouse is the perp account: its positions are the account's net
// fills in each perp (sim.Positions: the sim keeps no margin, so USDC
// stays a spot balance and no liquidation price is given, as Hyperliquid
// gives none for a position it cannot liquidate).
func (s *Server) clearinghouse(account string, isAccount bool, now time.Time) map[string]any {
	zero := map[string]string{"accountValue": "0.0", "totalNtlPos": "0.0", "totalRawUsd": "0.0", "totalMarginUsed": "0.0"}
	positions := []any{}
	if isAccount {
		for _, p := range s.sim.Positions(account) {
			mark, _ := s.sim.Price(p.Symbol)
			v := p.Size.Abs().Mul(mark)
			positions = append(positions, map[string]any{"type": "oneWay", "position": map[string]any{
				"coin": p.Symbol, "szi": num(p.Size), "entryPx": num(p.Entry), "positionValue": num(v),
				"unrealizedPnl":  num(p.Size.Mul(mark.Sub(p.Entry)).Round(6)),
				"returnOnEquity": "0.0", "liquidationPx": nil, "leverage": map[string]any{"type": "cross", "value": 1},
				"marginUsed": num(v), "maxLeverage": 40,
			}})
		}
	}
	return map[string]any{"marginSummary": zero, "crossMarginSummary": zero, "crossMaintenanceMarginUsed": "0.0",
		"withdrawable": "0.0", "assetPositions": positions, "time": now.UnixMilli()}
}

var cloidForm = regexp.MustCompile(`^0x[0-9a-fA-F]{32}$`)

// findOrder reads orderStatus's oid: a number, or a cloid string.
func (s *Server) findOrder(account string, isAccount bool, raw json.RawMessage) (exchange.Order, bool) {
	if !isAccount || len(raw) == 0 {
		return exchange.Order{}, false
	}
	var cloid string
	if json.Unmarshal(raw, &cloid) == nil {
		if !cloidForm.MatchString(cloid) {
			return exchange.Order{}, false
		}
		return s.sim.OrderByClientID(account, strings.ToLower(cloid))
	}
	var oid uint64
	if err := json.Unmarshal(raw, &oid); err != nil {
		return exchange.Order{}, false
	}
	return s.sim.OrderByID(account, oid)
}

// statusOf is an order's status as orderStatus names it: an IOC that
// matched nothing was refused (iocCancelRejected, one of the venue's
// …Rejected statuses); the unfilled rest of one that matched is canceled.
func statusOf(o exchange.Order) string {
	switch {
	case o.Status == exchange.StatusNew, o.Status == exchange.StatusPartiallyFilled:
		return "open"
	case o.Status == exchange.StatusFilled:
		return "filled"
	case o.Status == exchange.StatusRejected:
		return "rejected"
	case o.Status == exchange.StatusExpired && o.Filled.IsZero():
		return "iocCancelRejected"
	}
	return "canceled"
}

func side(sd exchange.Side) string {
	if sd == exchange.Sell {
		return "A"
	}
	return "B"
}

// orderOut is an order as frontendOpenOrders and orderStatus show it: sz
// is what remains, origSz what was asked.
func (s *Server) orderOut(o exchange.Order) map[string]any {
	oid, _ := sim.ParseOrderID(o.OrderID)
	tif := "Gtc"
	if o.TIF == exchange.IOC {
		tif = "Ioc"
	}
	left := o.Qty.Sub(o.Filled) // what was not filled, open or not
	m := map[string]any{"coin": o.Symbol, "side": side(o.Side), "limitPx": num(o.Price), "sz": num(left), "oid": oid,
		"timestamp": o.Created.UnixMilli(), "origSz": num(o.Qty), "orderType": "Limit", "tif": tif, "reduceOnly": false,
		"isTrigger": false, "triggerPx": "0.0", "triggerCondition": "N/A", "isPositionTpsl": false, "children": []any{}}
	if cloidForm.MatchString(o.ClientID) {
		m["cloid"] = o.ClientID
	}
	return m
}

func (s *Server) fillOut(o exchange.Order, f sim.Fill) map[string]any {
	oid, _ := sim.ParseOrderID(o.OrderID)
	dir := "Open Long"
	if o.Side == exchange.Sell {
		dir = "Close Long"
	}
	return map[string]any{"coin": o.Symbol, "px": num(f.Price), "sz": num(f.Qty), "side": side(o.Side), "time": f.Time.UnixMilli(),
		"startPosition": "0.0", "dir": dir, "closedPnl": "0.0", "hash": "0x" + strings.Repeat("0", 64), "oid": oid,
		"crossed": !f.Maker, "fee": num(f.Fee), "tid": f.TradeID, "feeToken": f.FeeAsset}
}

// userFills lists the account's fills, newest first.
func (s *Server) userFills(account string, isAccount bool) []any {
	type tf struct {
		t time.Time
		m map[string]any
	}
	var all []tf
	if isAccount {
		for _, o := range s.sim.Orders(account) {
			id, _ := sim.ParseOrderID(o.OrderID)
			for _, f := range s.sim.Fills(account, id) {
				all = append(all, tf{f.Time, s.fillOut(o, f)})
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].t.After(all[j].t) })
	out := make([]any, 0, len(all))
	for _, f := range all {
		out = append(out, f.m)
	}
	return out
}

func (s *Server) source() string {
	if s.mainnet {
		return "a"
	}
	return "b"
}

// exchange runs a signed action: the signer recovered, its account found,
// its nonce checked, then the action.
func (s *Server) exchange(c *simhttp.Call, req *signed, rp *simhttp.Reply[string]) *simhttp.Reply[string] {
	signer, err := recoverSigner(req, s.source())
	if err != nil {
		return refuse(rp, CodeOther, "Failed to verify signature: "+err.Error())
	}
	account, found := s.signerAccount(signer, c.Now)
	if !found {
		return refuse(rp, CodeUnknownWallet, fmt.Sprintf("User or API Wallet %s does not exist.", signer))
	}
	if req.VaultAddress != nil {
		return refuse(rp, CodeOther, "Vault not registered: "+*req.VaultAddress)
	}
	if e := s.nonceSet(signer).take(req.Nonce, c.Now); e != "" {
		return refuse(rp, CodeNonce, e)
	}
	if req.ExpiresAfter != nil && uint64(c.Now.UnixMilli()) > *req.ExpiresAfter {
		return refuse(rp, CodeOther, fmt.Sprintf("Action expired: expiresAfter %d", *req.ExpiresAfter))
	}
	var head struct {
		Type    string            `json:"type"`
		Orders  []json.RawMessage `json:"orders"`
		Cancels []json.RawMessage `json:"cancels"`
	}
	if err := json.Unmarshal(req.Action, &head); err != nil {
		return unprocessable(rp)
	}
	if !s.unlimited {
		used, cap, vlm := s.rateLimit(account)
		if used >= cap {
			return refuse(rp, CodeAddressRate, fmt.Sprintf("Too many cumulative requests sent (%d > %d) for cumulative volume traded $%s.", used+1, cap, vlm.StringFixed(2)))
		}
	}
	s.mu.Lock()
	s.used[account] += max(1, len(head.Orders)+len(head.Cancels))
	s.mu.Unlock()
	var statuses []any
	typ := "order"
	switch head.Type {
	case "order":
		for _, raw := range head.Orders {
			statuses = append(statuses, s.placeOne(account, raw))
		}
	case "cancel", "cancelByCloid":
		typ = "cancel"
		for _, raw := range head.Cancels {
			statuses = append(statuses, s.cancelOne(account, head.Type, raw))
		}
	case "noop":
		return ok(rp, map[string]any{"status": "ok", "response": map[string]any{"type": "default"}})
	default:
		return refuse(rp, CodeOther, "Unknown action type "+strconv.Quote(head.Type))
	}
	for _, st := range statuses {
		if m, isMap := st.(map[string]any); isMap {
			if e, isErr := m["error"].(string); isErr {
				rp.Code = codeOf(e)
				break
			}
		}
	}
	code := rp.Code
	ok(rp, map[string]any{"status": "ok", "response": map[string]any{"type": typ, "data": map[string]any{"statuses": statuses}}})
	rp.Code = code
	return rp
}

// codeOf is an order error's type, by its text.
func codeOf(e string) string {
	for prefix, code := range map[string]string{
		"Price must be divisible": CodeTick, "Order must have minimum value": CodeMinTradeNtl,
		"Insufficient margin": CodePerpMargin, "Post only order": CodeBadAloPx, "Order could not immediately match": CodeIocCancel,
		"Order was never placed": CodeMissingOrder, "Order has invalid size": CodeInvalidSize, "Order has duplicate cloid": CodeDuplicate,
	} {
		if strings.HasPrefix(e, prefix) {
			return code
		}
	}
	return CodeOther
}

type wireOrder struct {
	A *int   `json:"a"`
	B *bool  `json:"b"`
	P string `json:"p"`
	S string `json:"s"`
	R bool   `json:"r"`
	T struct {
		Limit *struct {
			Tif string `json:"tif"`
		} `json:"limit"`
		Trigger json.RawMessage `json:"trigger"`
	} `json:"t"`
	C string `json:"c"`
}

var number = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

func decimalsOf(s string) int32 {
	_, frac, found := strings.Cut(s, ".")
	if !found {
		return 0
	}
	return int32(len(strings.TrimRight(frac, "0")))
}

// sigFigs counts the significant figures of a decimal with no trailing
// zeros after its point (decimal.String writes none).
func sigFigs(s string) int {
	return len(strings.TrimLeft(strings.Replace(s, ".", "", 1), "0"))
}

func orderErr(msg string, asset int) map[string]any {
	return map[string]any{"error": fmt.Sprintf("%s asset=%d", msg, asset)}
}

func (s *Server) symbolAt(asset int) (exchange.SymbolRules, bool) {
	syms := s.sim.Symbols()
	if asset < 0 || asset >= len(syms) {
		return exchange.SymbolRules{}, false
	}
	return syms[asset], true
}

// placeOne checks one order as the venue does (size decimals, price
// figures and decimals, the $10 minimum) and places it.
func (s *Server) placeOne(account string, raw json.RawMessage) any {
	var w wireOrder
	if err := json.Unmarshal(raw, &w); err != nil || w.A == nil || w.B == nil {
		return map[string]any{"error": "Invalid order"}
	}
	asset := *w.A
	r, listed := s.symbolAt(asset)
	if !listed {
		return map[string]any{"error": fmt.Sprintf("Invalid asset %d", asset)}
	}
	if w.T.Limit == nil {
		return orderErr("Trigger orders are not modelled by the fake.", asset)
	}
	szDec := exchange.DecimalsOf(r.StepSize)
	if !number.MatchString(w.S) || decimalsOf(w.S) > szDec || decimal.RequireFromString(w.S).IsZero() {
		return orderErr("Order has invalid size.", asset)
	}
	if !number.MatchString(w.P) {
		return orderErr("Order has invalid price.", asset)
	}
	px, sz := decimal.RequireFromString(w.P), decimal.RequireFromString(w.S)
	if !px.IsInteger() && (sigFigs(px.String()) > 5 || decimalsOf(w.P) > 6-szDec) || !px.Mod(r.TickSize).IsZero() {
		return orderErr("Price must be divisible by tick size.", asset)
	}
	if px.Mul(sz).LessThan(decimal.NewFromInt(10)) {
		return orderErr("Order must have minimum value of $10.", asset)
	}
	if w.C != "" && !cloidForm.MatchString(w.C) {
		return orderErr("Invalid cloid.", asset)
	}
	req := exchange.OrderRequest{Symbol: r.Symbol, Side: exchange.Buy, Type: exchange.LimitOrder, Qty: sz, Price: px, ClientID: strings.ToLower(w.C)}
	if !*w.B {
		req.Side = exchange.Sell
	}
	mkt, _ := s.sim.Price(r.Symbol)
	switch w.T.Limit.Tif {
	case "Gtc":
		req.TIF = exchange.GTC
	case "Ioc":
		req.TIF = exchange.IOC
	case "Alo":
		req.TIF = exchange.GTC
		if req.Side == exchange.Buy && !px.LessThan(mkt) || req.Side == exchange.Sell && !px.GreaterThan(mkt) {
			return orderErr(fmt.Sprintf("Post only order would have immediately matched, bbo was %s@%s.", mkt.Sub(r.TickSize), mkt.Add(r.TickSize)), asset)
		}
	default:
		return orderErr("Invalid TIF.", asset)
	}
	o, _, err := s.sim.Place(account, req)
	var se *sim.Error
	switch {
	case errors.As(err, &se) && se.Kind == exchange.KindBalance:
		return orderErr("Insufficient margin to place order.", asset)
	case errors.As(err, &se) && se.Kind == exchange.KindDuplicate:
		return orderErr("Order has duplicate cloid.", asset)
	case errors.As(err, &se) && se.Rule == exchange.RuleTick:
		return orderErr("Price must be divisible by tick size.", asset)
	case errors.As(err, &se) && (se.Rule == exchange.RuleStep || se.Rule == exchange.RuleQty):
		return orderErr("Order has invalid size.", asset)
	case errors.As(err, &se) && se.Rule == exchange.RuleNotional:
		return orderErr("Order must have minimum value of $10.", asset)
	case err != nil:
		return orderErr(err.Error(), asset)
	}
	oid, _ := sim.ParseOrderID(o.OrderID)
	s.mu.Lock()
	s.placed++
	s.mu.Unlock()
	withCloid := func(m map[string]any) map[string]any {
		if w.C != "" {
			m["cloid"] = strings.ToLower(w.C)
		}
		return m
	}
	switch {
	case o.Status == exchange.StatusFilled || o.Filled.IsPositive() && o.Status.Final():
		return map[string]any{"filled": withCloid(map[string]any{"totalSz": num(o.Filled), "avgPx": num(o.QuoteFilled.Div(o.Filled).Round(8)), "oid": oid})}
	case o.Status.Final():
		return orderErr("Order could not immediately match against any resting orders.", asset)
	}
	return map[string]any{"resting": withCloid(map[string]any{"oid": oid})}
}

func (s *Server) cancelOne(account, typ string, raw json.RawMessage) any {
	var w struct {
		A     *int    `json:"a"`
		O     *uint64 `json:"o"`
		Asset *int    `json:"asset"`
		Cloid string  `json:"cloid"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return map[string]any{"error": "Invalid cancel"}
	}
	var (
		o     exchange.Order
		found bool
		asset int
	)
	switch {
	case typ == "cancel" && w.A != nil && w.O != nil:
		asset = *w.A
		o, found = s.sim.OrderByID(account, *w.O)
	case typ == "cancelByCloid" && w.Asset != nil && cloidForm.MatchString(w.Cloid):
		asset = *w.Asset
		o, found = s.sim.OrderByClientID(account, strings.ToLower(w.Cloid))
	default:
		return map[string]any{"error": "Invalid cancel"}
	}
	r, listed := s.symbolAt(asset)
	if !found || !listed || o.Symbol != r.Symbol || !o.Status.Open() {
		return orderErr("Order was never placed, already canceled, or filled.", asset)
	}
	id, _ := sim.ParseOrderID(o.OrderID)
	if _, err := s.sim.Cancel(account, id); err != nil {
		return orderErr("Order was never placed, already canceled, or filled.", asset)
	}
	return "success"
}
