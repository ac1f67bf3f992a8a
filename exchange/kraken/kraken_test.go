package kraken_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/kraken"
	"github.com/vigil-trade/vigil/exchange/kraken/krakentest"
	"github.com/vigil-trade/vigil/exchange/venuetest"
)

func TestDescriptor(t *testing.T) {
	if err := kraken.Descriptor.Check(); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{"api.kraken.com": true, "ws-auth.kraken.com": true, "beta-ws-auth.kraken.com": true,
		"kraken.com": true, "demo-futures.kraken.com": false, "api.kraken.com.evil.example": false, "127.0.0.1": false} {
		if got := kraken.MainnetHost(host); got != want {
			t.Errorf("MainnetHost(%q) = %v", host, got)
		}
	}
	// No public testnet: an account on it names its host, never a default.
	if _, err := kraken.Descriptor.Open(kit.Params{Info: exchange.AccountInfo{Name: "a", Network: exchange.Testnet}}); err == nil || !strings.Contains(err.Error(), "rest_url") {
		t.Errorf("testnet without a URL: %v", err)
	}
	if _, err := kraken.Descriptor.Open(kit.Params{Info: exchange.AccountInfo{Name: "a", Network: exchange.Mainnet}, RateTier: "whale"}); err == nil {
		t.Error("an unknown tier was taken")
	}
	// Every process on one config shares the key's floor in data_dir.
	dir := t.TempDir()
	v, err := kraken.Descriptor.Open(kit.Params{Info: exchange.AccountInfo{Name: "a", Network: exchange.Mainnet}, DataDir: dir,
		Creds: kit.Credentials{KeyID: keyID, Scheme: exchange.SchemeHMAC, Secret: secret(keySecret)}})
	if err != nil {
		t.Fatal(err)
	}
	if p := v.(*kraken.Client).Nonces().Path(); !strings.HasPrefix(p, filepath.Join(dir, "nonces")+string(filepath.Separator)) {
		t.Errorf("nonce floor at %q, want under data_dir/nonces", p)
	}
}

// TestClientIDRule: Kraken's cl_ord_id is a UUID, a short UUID, or up to
// 18 printable ASCII characters.
func TestClientIDRule(t *testing.T) {
	rule := regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32}|[!-~]{1,18})$`)
	venuetest.ClientIDRule(t, kraken.ClientIDPolicy, rule, "cl_ord_id",
		[]string{"0835958d-c526-4ad8-aea8-af54836de47e", "0835958dc5264ad8aea8af54836de47e", "my-order-1", "abc!~:/"},
		[]string{"", "0835958d-c526-4ad8-aea8-af54836de47", "a very long order id over", "tab\there"})
}

// TestNoncesShareAFloor: two sources on one key and one directory (two
// processes) never issue the same nonce or a lower one, whatever stamps
// they are given; a source without the directory does.
func TestNoncesShareAFloor(t *testing.T) {
	dir := t.TempDir()
	a, _ := kraken.NewNonces(dir, "k")
	b, _ := kraken.NewNonces(dir, "k")
	stamp := time.UnixMilli(1_700_000_000_000)
	var (
		mu   sync.Mutex
		seen = map[uint64]bool{}
		wg   sync.WaitGroup
	)
	for _, n := range []*kraken.Nonces{a, b} {
		wg.Go(func() {
			last := uint64(0)
			for range 200 {
				v, err := n.Next(stamp) // the same stamp every time: a frozen clock
				if err != nil {
					t.Error(err)
					return
				}
				if v <= last {
					t.Errorf("nonce %d after %d", v, last)
				}
				last = v
				mu.Lock()
				if seen[v] {
					t.Errorf("nonce %d issued twice", v)
				}
				seen[v] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	alone, _ := kraken.NewNonces("", "k")
	if v, _ := alone.Next(stamp); !seen[v] {
		t.Errorf("a source outside the floor issued %d, which the others never did: the test proves nothing", v)
	}
}

// TestNonceFollowsLocalClockNotEstimate: two processes on one key whose
// estimates of Kraken's clock differ by seconds (its Time endpoint has 1 s
// resolution; here the venue's clock moved between their syncs) still send
// rising nonces, even without a shared floor: a nonce is this machine's
// milliseconds, not the estimate's. Stamping the estimate, the second
// process sent nonces below the first's and was refused.
func TestNonceFollowsLocalClockNotEstimate(t *testing.T) {
	srv := krakentest.New()
	if err := srv.AddKey(keyID, keySecret, krakentest.TradePerms(krakentest.DefaultAccount)); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	defer srv.Close()
	open := func() *kraken.Client {
		c, err := kraken.New(kraken.WithBaseURL(ts.URL), kraken.WithNetwork(exchange.Testnet), kraken.WithNonceDir(""),
			kraken.WithKey(keyID, secret(keySecret)))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	srv.Sim().SetSkew(4 * time.Second)
	first := open()
	if _, err := first.Balances(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Sim().SetSkew(-3 * time.Second)
	second := open()
	if _, err := second.Balances(ctx); err != nil {
		t.Fatal(err)
	}
	if n := srv.NonceRefusals(); n != 0 {
		t.Fatalf("%d nonce refusals: the second process stamped below the first", n)
	}
	private := 0
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/0/private/") && r.Accepted {
			private++
		}
	}
	if private < 2 {
		t.Fatalf("%d signed requests accepted, want one from each process", private)
	}
}

// TestInvalidNonceAdvice: a refused nonce names the other processes on the
// key and the nonce window's risk, and the client recovers by reading the
// key's nonce back.
func TestInvalidNonceAdvice(t *testing.T) {
	srv := krakentest.New()
	if err := srv.AddKey(keyID, keySecret, krakentest.TradePerms(krakentest.DefaultAccount)); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	defer srv.Close()
	c, err := kraken.New(kraken.WithBaseURL(ts.URL), kraken.WithNetwork(exchange.Testnet), kraken.WithNonceDir(""),
		kraken.WithKey(keyID, secret(keySecret)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Balances(ctx); err != nil {
		t.Fatal(err)
	}
	// Another program on the key sent a nonce far ahead.
	other, _ := kraken.NewNonces("", keyID)
	s, _ := kraken.NewSigner(keyID, secret(keySecret))
	// It stamps its own clock's milliseconds, half a second fast.
	n, _ := other.Next(time.Now().Add(500 * time.Millisecond))
	body := "nonce=" + kraken.FormatNonce(n)
	req, _ := http.NewRequest("POST", ts.URL+"/0/private/Balance", strings.NewReader(body))
	req.Header.Set("API-Key", keyID)
	req.Header.Set("API-Sign", s.Sign("/0/private/Balance", kraken.FormatNonce(n), []byte(body)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := ts.Client().Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	if _, err := c.Balances(ctx); err != nil {
		t.Fatalf("not recovered after another program's nonce: %v", err)
	}
	if srv.NonceRefusals() != 1 {
		t.Fatalf("%d refusals, want the one the retry recovered from", srv.NonceRefusals())
	}
	ref := kraken.Advice(kraken.ErrNonce)
	for _, want := range []string{"another program", "nonce window", "duplicate"} {
		if !strings.Contains(ref, want) {
			t.Errorf("advice %q does not say %q", ref, want)
		}
	}
}

// TestTier: the call counter counts at the configured tier, marked '?',
// until the stream's maxratecount reveals it.
func TestTier(t *testing.T) {
	srv := krakentest.NewServer(krakentest.WithTier("pro"))
	defer srv.Close()
	if err := srv.AddKey(keyID, keySecret, krakentest.TradePerms(krakentest.DefaultAccount)); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	c, err := kraken.New(kraken.WithBaseURL(srv.URL), kraken.WithNetwork(exchange.Testnet), kraken.WithNonceDir(dir),
		kraken.WithKey(keyID, secret(keySecret)), kraken.WithTier(kraken.TierStarter))
	if err != nil {
		t.Fatal(err)
	}
	if !hasBucket(c.Budget(), "calls:starter?", 15, 1.0/3) {
		t.Fatalf("budget %+v", c.Budget().Buckets)
	}
	st, err := c.Stream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !hasBucket(c.Budget(), "calls:pro", 20, 1) {
		t.Fatalf("after the stream's ack: %+v", c.Budget().Buckets)
	}

	// Another program on the account traded the pair: the stream's
	// ratecount shows the counter the venue keeps, above vigil's own.
	other, err := kraken.New(kraken.WithBaseURL(srv.URL), kraken.WithNetwork(exchange.Testnet), kraken.WithNonceDir(dir),
		kraken.WithKey(keyID, secret(keySecret)))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Sim().Deposit(krakentest.DefaultAccount, "USDT", decimal.RequireFromString("1000")); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	buy := func(v exchange.Venue) exchange.Order {
		o, err := v.Place(ctx, exchange.OrderRequest{Symbol: "XBTUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("30000"), ClientID: kraken.ClientIDPolicy.New(time.Now())})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	for range 6 {
		buy(other)
	}
	mine := buy(c)
	for ev := range st.Events() {
		if ev.Order != nil && ev.Order.Order.OrderID == mine.OrderID {
			if s := ev.Order.Order.Symbol; s != "XBTUSDT" {
				t.Errorf("the stream's BTC/USDT read as %q, want the altname XBTUSDT", s)
			}
			break
		}
	}
	for _, k := range c.Budget().Buckets {
		if k.Name == "orders:XBTUSDT" && k.Used < 6 {
			t.Errorf("pair counter %d/%d: the stream's ratecount (7, less decay) was not taken", k.Used, k.Limit)
		}
	}
}

func hasBucket(b exchange.BudgetSnapshot, name string, limit int, rate float64) bool {
	for _, k := range b.Buckets {
		if k.Name == name && k.Limit == limit && k.Shape == exchange.ShapeDecay && k.Rate == rate {
			return true
		}
	}
	return false
}

// TestKeyAuditProbes: where GetApiKeyInfo is not answered, the audit reads
// the rights it can without moving money, says withdrawal is unknown and
// why, and places nothing.
func TestKeyAuditProbes(t *testing.T) {
	for _, readOnly := range []bool{false, true} {
		srv := krakentest.NewServer(krakentest.WithoutKeyInfo())
		defer srv.Close()
		if err := srv.AddKey(keyID, keySecret, krakentest.Perms{ReadOnly: readOnly, Withdraw: true}); err != nil {
			t.Fatal(err)
		}
		c, err := kraken.New(kraken.WithBaseURL(srv.URL), kraken.WithNetwork(exchange.Testnet), kraken.WithNonceDir(t.TempDir()),
			kraken.WithKey(keyID, secret(keySecret)))
		if err != nil {
			t.Fatal(err)
		}
		ki, err := c.KeyInfo(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := exchange.TriOf(!readOnly)
		if ki.Read != exchange.TriYes || ki.Trade != want || ki.Withdraw != exchange.TriUnknown || len(ki.Notes) == 0 ||
			!strings.Contains(ki.Notes[0], "withdrawal right") {
			t.Errorf("read-only %v: %+v", readOnly, ki)
		}
		if n := len(srv.Sim().Orders(krakentest.DefaultAccount)); n != 0 {
			t.Errorf("the probe placed %d orders", n)
		}
	}
}
