package hyperliquid

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// Hyperliquid has no API keys, only wallets: the account's own, which
// signs everything (withdrawals and transfers too), and agents (API
// wallets) the account approved, which sign L1 actions (orders, cancels,
// leverage) and nothing user-signed: an agent cannot withdraw or transfer.
// Reads need no key at all, and nothing binds a wallet to addresses.

// howToAgent says how to make an agent wallet for vigil.
func (c *Client) howToAgent() string {
	return fmt.Sprintf("make an API wallet for vigil instead: at %s (More → API) enter a name, Generate, then Authorize API Wallet (signed once with the account's own wallet), "+
		"and give vigil that wallet's private key (`vigil keys rotate`, key id still the account's address %s): an agent trades and cancels but cannot withdraw or transfer", c.appURL(), c.shown())
}

// KeyInfo audits the signer: the account's own wallet (the withdraw
// danger), an agent the account approved (with its name and expiry where
// extraAgents lists it), or a wallet the venue does not know; and the
// account's action allowance (userRateLimit).
func (c *Client) KeyInfo(ctx context.Context) (exchange.KeyInfo, error) {
	if err := c.needAccount(); err != nil {
		return exchange.KeyInfo{}, err
	}
	ki := exchange.KeyInfo{Read: exchange.TriYes, Trade: exchange.TriNo, Withdraw: exchange.TriNo, IPBound: exchange.TriNo,
		Source: "signer address + userRole + extraAgents + userRateLimit", CheckedAt: c.now(), AccountUID: c.shown()}
	ki.Notes = append(ki.Notes, "no IP binding exists on Hyperliquid: a wallet's key signs from anywhere")
	switch {
	case c.wallet == nil:
		ki.Notes = append(ki.Notes, "no wallet key: vigil reads the account (reads need only its address) and signs nothing")
	case c.wallet.Address() == c.account:
		ki.Trade, ki.Withdraw = exchange.TriYes, exchange.TriYes
		ki.Notes = append(ki.Notes, "signer "+c.shown()+" is the account's OWN wallet: it can WITHDRAW and transfer every asset; "+c.howToAgent())
	default:
		if err := c.auditAgent(ctx, &ki); err != nil {
			return ki, err
		}
	}
	c.auditAllowance(ctx, &ki)
	return ki, nil
}

// auditAgent asks the venue what the signer is to the account.
func (c *Client) auditAgent(ctx context.Context, ki *exchange.KeyInfo) error {
	signer := c.Signer()
	var role struct {
		Role string `json:"role"`
		Data struct {
			User string `json:"user"`
		} `json:"data"`
	}
	if err := c.read(ctx, map[string]any{"type": "userRole", "user": signer}, &role, false); err != nil {
		return err
	}
	switch {
	case role.Role == "agent" && strings.EqualFold(role.Data.User, c.account.String()):
	case role.Role == "agent":
		ki.Notes = append(ki.Notes, fmt.Sprintf("signer %s is an agent of %s, not of this account %s: it cannot act for it", signer, rest.MaskKey(role.Data.User), c.shown()))
		return nil
	case role.Role == "missing":
		ki.Notes = append(ki.Notes, fmt.Sprintf("signer %s is not an approved agent on %s (never approved here, approved on the other network, expired, or replaced): approve it at %s", signer, c.info.Network, c.appURL()))
		return nil
	default:
		ki.Notes = append(ki.Notes, fmt.Sprintf("signer %s is an account of its own (%s), not an agent of %s: it cannot act for it", signer, role.Role, c.shown()))
		return nil
	}
	ki.Trade = exchange.TriYes
	var agents []struct {
		Name       string `json:"name"`
		Address    string `json:"address"`
		ValidUntil int64  `json:"validUntil"`
	}
	if err := c.read(ctx, map[string]any{"type": "extraAgents"}, &agents, true); err != nil {
		return err
	}
	note := fmt.Sprintf("signer %s is an approved agent (API wallet) of %s: it trades and cancels, and cannot withdraw or transfer", signer, c.shown())
	for _, a := range agents {
		if !strings.EqualFold(a.Address, signer) {
			continue
		}
		note += fmt.Sprintf("; agent name %q", a.Name)
		if a.ValidUntil > 0 {
			ki.Expires = time.UnixMilli(a.ValidUntil)
			if ki.Expires.Before(c.now()) {
				ki.Trade = exchange.TriNo
				note += ", EXPIRED on " + ki.Expires.UTC().Format("2006-01-02")
			} else {
				note += ", valid until " + ki.Expires.UTC().Format("2006-01-02")
			}
		}
	}
	if ki.Expires.IsZero() {
		note += "; expiry not listed (extraAgents lists named agents)"
	}
	ki.Notes = append(ki.Notes, note)
	if len(agents) > 0 {
		var names []string
		for _, a := range agents {
			names = append(names, fmt.Sprintf("%s %s", a.Name, a.Address))
		}
		ki.Notes = append(ki.Notes, "the account's named agents: "+strings.Join(names, ", "))
	}
	return nil
}

// auditAllowance reads userRateLimit into the budget and a note; a failure
// leaves a note, not an error: the audit has what matters.
func (c *Client) auditAllowance(ctx context.Context, ki *exchange.KeyInfo) {
	var rl struct {
		CumVlm         string `json:"cumVlm"`
		NRequestsUsed  int    `json:"nRequestsUsed"`
		NRequestsCap   int    `json:"nRequestsCap"`
		NRequestsSurpl int    `json:"nRequestsSurplus"`
	}
	sent := c.now()
	if err := c.read(ctx, map[string]any{"type": "userRateLimit"}, &rl, true); err != nil {
		ki.Notes = append(ki.Notes, "action allowance unknown: "+err.Error())
		return
	}
	if rl.NRequestsCap > 0 {
		c.budget.Report(actionsBucket, max(rl.NRequestsCap-rl.NRequestsUsed, 0), rl.NRequestsCap, time.Time{}, sent)
	}
	ki.Notes = append(ki.Notes, fmt.Sprintf("actions used %d of %d (10 000 plus one per USDC traded; cumulative volume $%s)", rl.NRequestsUsed, rl.NRequestsCap, rl.CumVlm))
}
