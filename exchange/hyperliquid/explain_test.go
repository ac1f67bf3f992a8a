package hyperliquid_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/hyperliquid"
	"github.com/vigil-trade/vigil/exchange/hyperliquid/hyperliquidtest"
	"github.com/vigil-trade/vigil/exchange/rest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

// world is a fake with the contract's account funded, and a client on it
// signing with the approved agent.
type world struct {
	srv *hyperliquidtest.Server
	c   *hyperliquid.Client
}

func newWorld(t *testing.T, opts ...hyperliquidtest.Option) world {
	t.Helper()
	srv := hyperliquidtest.New(opts...)
	t.Cleanup(srv.Close)
	srv.AddAccount(hyperliquidtest.DefaultAccount, accountAddr)
	srv.ApproveAgent(hyperliquidtest.DefaultAccount, hyperliquidtest.Address(agentKey), "vigil", srv.Sim().Now().AddDate(0, 1, 0))
	venuetest.Funder[*hyperliquidtest.Server](hyperliquidtest.DefaultAccount, "USDC", "100000")(t, srv)
	keys.Store(t, agentKey)
	t.Cleanup(func() { keys.Delete(t) })
	return world{srv: srv, c: openClient(t, venuetest.InMemory(srv, nil))}
}

func (w world) buy(t *testing.T) (exchange.Order, error) {
	t.Helper()
	req := exchange.OrderRequest{Symbol: "BTC", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("40000"), ClientID: hyperliquid.ClientIDPolicy.New(time.Now())}
	return w.c.Place(context.Background(), req)
}

// TestWrongHashNamesTheInput: one input of the hash changed between what
// vigil signs and what it sends (the vault flag, the network's source);
// the fake, as Hyperliquid, recovers another address and says that wallet
// does not exist. vigil's error says the hashes differ, lists what feeds
// them, and names the input that differs.
func TestWrongHashNamesTheInput(t *testing.T) {
	for _, c := range []struct {
		name, field string
		tamper      func(*hyperliquid.Suffix, *string)
	}{
		{"vault", "vault", func(s *hyperliquid.Suffix, _ *string) { v := hyperliquid.Address{1}; s.Vault = &v }},
		{"source", "source", func(_ *hyperliquid.Suffix, src *string) { *src = "a" }},
		{"nonce", "nonce", func(s *hyperliquid.Suffix, _ *string) { s.Nonce++ }},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.c.SetTamper(c.tamper)
			_, err := w.buy(t)
			var ae *exchange.APIError
			if !errors.As(err, &ae) || ae.Code != hyperliquid.ErrUnknownWallet || ae.Kind != exchange.KindSignature {
				t.Fatalf("err %v, want %s of kind signature", err, hyperliquid.ErrUnknownWallet)
			}
			if !strings.Contains(ae.Msg, "does not exist") || strings.Contains(ae.Msg, w.c.Signer()) {
				t.Fatalf("the venue's message %q should name another address than the signer %s", ae.Msg, w.c.Signer())
			}
			advice := exchange.AdviceOf(err)
			for _, want := range []string{"not vigil's signer " + w.c.Signer(), "the vault flag", "source in the phantom agent", "vigil hashed a " + c.field + " other than the request carries"} {
				if !strings.Contains(advice, want) {
					t.Errorf("advice lacks %q:\n%s", want, advice)
				}
			}
			var se *rest.SignatureError
			if !errors.As(err, &se) || len(se.Explanation.Causes) == 0 || se.Explanation.Causes[0].Code != rest.CauseSignerFault {
				t.Fatalf("explanation %+v", se)
			}
			for _, sec := range harness.Secrets {
				if strings.Contains(err.Error()+advice+se.Explanation.Body, sec) {
					t.Fatal("a key shows in the error")
				}
			}
			if !strings.Contains(se.Explanation.Body, `"signature":"<signature>"`) {
				t.Errorf("the explanation shows the signature: %s", se.Explanation.Body)
			}
			if n := len(w.srv.Sim().Orders(hyperliquidtest.DefaultAccount)); n != 0 {
				t.Errorf("the fake holds %d orders", n)
			}
		})
	}
}

// TestHashRightAgentUnknown: the venue recovers vigil's own signer, so the
// hash is right; the wallet is simply not (or no longer) an agent of the
// account: revoked, expired, or approved on the other network.
func TestHashRightAgentUnknown(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(w world)
		opts  []hyperliquidtest.Option
	}{
		{"revoked", func(w world) { w.srv.RevokeAgent(w.c.Signer()) }, nil},
		{"expired", func(w world) {
			w.srv.ApproveAgent(hyperliquidtest.DefaultAccount, w.c.Signer(), "vigil", w.srv.Sim().Now().Add(-time.Hour))
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, c.opts...)
			c.setup(w)
			_, err := w.buy(t)
			var ae *exchange.APIError
			if !errors.As(err, &ae) || ae.Code != hyperliquid.ErrUnknownWallet || ae.Kind != exchange.KindPermission {
				t.Fatalf("err %v, want %s of kind permission", err, hyperliquid.ErrUnknownWallet)
			}
			if !strings.Contains(ae.Msg, w.c.Signer()) {
				t.Fatalf("the venue's message %q should name the signer %s", ae.Msg, w.c.Signer())
			}
			advice := exchange.AdviceOf(err)
			for _, want := range []string{"recovered vigil's signer " + w.c.Signer(), "the hash is right", "not an approved agent of " + rest.MaskKey(accountAddr), "expired", "app.hyperliquid-testnet.xyz/API"} {
				if !strings.Contains(advice, want) {
					t.Errorf("advice lacks %q:\n%s", want, advice)
				}
			}
			var se *rest.SignatureError
			if errors.As(err, &se) {
				t.Errorf("a right hash explained as a signature fault: %+v", se.Explanation)
			}
		})
	}
}

// TestOtherNetworkIsAnotherAddress: a testnet client against the mainnet
// API signs for source "b" where the venue hashes "a": the bytes sent and
// signed agree, so the explanation points at the network.
func TestOtherNetworkIsAnotherAddress(t *testing.T) {
	w := newWorld(t, hyperliquidtest.WithMainnet())
	_, err := w.buy(t)
	var se *rest.SignatureError
	if !errors.As(err, &se) || len(se.Explanation.Causes) == 0 || se.Explanation.Causes[0].Code != hyperliquid.CauseNetwork {
		t.Fatalf("err %v, want the network named first", err)
	}
	if !strings.Contains(se.Explanation.Causes[0].Text, `source "b"`) {
		t.Errorf("cause %q", se.Explanation.Causes[0].Text)
	}
}
