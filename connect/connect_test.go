package connect_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/config"
	"github.com/vigil-trade/vigil/connect"
	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/bybit/bybittest"
	"github.com/vigil-trade/vigil/exchange/okx/okxtest"
)

const (
	bnKeyID  = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	bnSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	edKeyID  = "edKeyForTests0000000000000000000000000000000000000000000000000X"
)

var created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func parse(t *testing.T, toml string) *config.Config {
	t.Helper()
	cfg, err := config.Parse([]byte(toml), "/cfg/config.toml", func(k string) string {
		if k == "HOME" {
			return "/home/u"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func edPEM(t *testing.T) (ed25519.PublicKey, []byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return pub, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func vault(t *testing.T, edPriv []byte) *crypto.Vault {
	t.Helper()
	v := &crypto.Vault{}
	s := func(x string) crypto.Secret { return crypto.NewSecret([]byte(x)) }
	keys := []crypto.Key{
		{Label: "bn-test", Venue: "binance", Scheme: "hmac", KeyID: bnKeyID, Secret: s(bnSecret), Created: created},
		{Label: "bn-ed", Venue: "binance", Scheme: "ed25519", KeyID: edKeyID, Secret: crypto.NewSecret(edPriv),
			Created: created, Rotated: created.Add(48 * time.Hour)},
		{Label: "okx-demo", Venue: "okx", Scheme: "hmac", KeyID: "0a1b2c3d-4e5f-6789-abcd-ef0123456789", Secret: s("OKXSECRET0123456789"),
			Fields: map[string]crypto.Secret{"passphrase": s("Passphrase1!")}, Created: created},
		{Label: "okx-nopass", Venue: "okx", Scheme: "hmac", KeyID: "0a1b2c3d-4e5f-6789-abcd-ef0123456780", Secret: s("OKXSECRET0123456789"), Created: created},
		{Label: "by-test", Venue: "bybit", Scheme: "hmac", KeyID: "XXXXXXXXXXXXXXXXXX", Secret: s("YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY"), Created: created},
	}
	for _, k := range keys {
		if err := v.Add(k); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(v.Wipe)
	return v
}

func TestOpenBuildsEveryVenue(t *testing.T) {
	_, priv := edPEM(t)
	cfg := parse(t, `
[[accounts]]
name = "bn"
venue = "binance"
network = "testnet"
key = "bn-test"
max_order_notional = "250.5"

[[accounts]]
name = "bn-main"
venue = "binance"
network = "mainnet"
key = "bn-ed"
allow_mainnet_orders = true
recv_window_ms = 3000

[[accounts]]
name = "ok"
venue = "okx"
network = "testnet"
key = "okx-demo"
rest_url = "http://127.0.0.1:1"

[[accounts]]
name = "by"
venue = "bybit"
network = "mainnet"
key = "by-test"
`)
	venues, err := connect.Open(context.Background(), cfg, vault(t, priv))
	if err != nil {
		t.Fatal(err)
	}
	defer connect.Close(venues)
	if len(venues) != 4 {
		t.Fatalf("%d venues", len(venues))
	}
	want := []exchange.AccountInfo{
		{Name: "bn", Venue: "binance", Network: exchange.Testnet, Scheme: exchange.SchemeHMAC, KeyID: "vmPU…Eh8A",
			MaxOrderNotional: decimal.RequireFromString("250.5"), KeyCreated: created},
		{Name: "bn-main", Venue: "binance", Network: exchange.Mainnet, Scheme: exchange.SchemeEd25519, KeyID: "edKe…000X",
			AllowMainnet: true, KeyCreated: created.Add(48 * time.Hour)},
		{Name: "ok", Venue: "okx", Network: exchange.Testnet, Scheme: exchange.SchemeHMAC, KeyID: "0a1b…6789", KeyCreated: created},
		{Name: "by", Venue: "bybit", Network: exchange.Mainnet, Scheme: exchange.SchemeHMAC, KeyID: "XXXX…XXXX", KeyCreated: created},
	}
	for i, v := range venues {
		got := v.Info()
		w := want[i]
		if got.Name != w.Name || got.Venue != w.Venue || got.Network != w.Network || got.Scheme != w.Scheme ||
			got.KeyID != w.KeyID || !got.MaxOrderNotional.Equal(w.MaxOrderNotional) || got.AllowMainnet != w.AllowMainnet ||
			!got.KeyCreated.Equal(w.KeyCreated) || got.Demo {
			t.Errorf("venue %d: got %+v\nwant %+v", i, got, w)
		}
	}
	// recv_window_ms reaches the client: the clock's behind limit is it.
	if bl := venues[1].Clock().BehindLimit; bl != 3*time.Second {
		t.Errorf("recv window %v, want 3s", bl)
	}
}

func TestOpenErrorsNameAccountAndFix(t *testing.T) {
	_, priv := edPEM(t)
	cfg := parse(t, `
[[accounts]]
name = "bn-test"
venue = "binance"
network = "testnet"
key = "bn-missing"

[[accounts]]
name = "wrong-venue"
venue = "bybit"
network = "testnet"
key = "bn-test"

[[accounts]]
name = "ok"
venue = "okx"
network = "testnet"
key = "okx-nopass"

[[accounts]]
name = "fine"
venue = "binance"
network = "testnet"
key = "bn-test"
`)
	venues, err := connect.Open(context.Background(), cfg, vault(t, priv))
	if err == nil || venues != nil {
		t.Fatalf("want an error and no venues, got %v, %d venues", err, len(venues))
	}
	msg := err.Error()
	for _, want := range []string{
		`account bn-test: key label "bn-missing" not in the vault`,
		`account wrong-venue: key "bn-test" is a binance key but the account is on bybit`,
		`account ok: OKX key "okx-nopass" has no API passphrase`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "fine") {
		t.Errorf("a good account is blamed:\n%s", msg)
	}
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Account != "bn-test" || ce.Line != 2 ||
		!strings.Contains(ce.Advice(), "vigil keys add --venue binance --label bn-missing") {
		t.Fatalf("first error %+v", ce)
	}
	if strings.Contains(msg, "OKXSECRET") || strings.Contains(msg, bnSecret) {
		t.Fatal("a secret in an error")
	}
}

func TestOpenWithAccounts(t *testing.T) {
	_, priv := edPEM(t)
	cfg := parse(t, `
[[accounts]]
name = "a"
venue = "binance"
network = "testnet"
key = "nope"

[[accounts]]
name = "b"
venue = "binance"
network = "testnet"
key = "bn-test"
`)
	v := vault(t, priv)
	venues, err := connect.Open(context.Background(), cfg, v, connect.WithAccounts("b"))
	if err != nil || len(venues) != 1 || venues[0].Info().Name != "b" {
		t.Fatalf("%v %d", err, len(venues))
	}
	_, err = connect.Open(context.Background(), cfg, v, connect.WithAccounts("zz"))
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Account != "zz" || !strings.Contains(ce.Advice(), "a, b") {
		t.Fatalf("unknown account: %v", err)
	}
}

// The clients sign with the vault's keys against the URL the config names:
// a fake Binance that knows both keys answers signed calls from both.
func TestOpenTalksToRESTURL(t *testing.T) {
	pub, priv := edPEM(t)
	srv := binancetest.NewServer()
	defer srv.Close()
	srv.AddHMACKey(bnKeyID, bnSecret, binancetest.TradePerms("hmac"))
	srv.AddEd25519Key(edKeyID, pub, binancetest.TradePerms("ed"))
	if err := srv.Sim().Deposit("ed", "USDT", decimal.NewFromInt(42)); err != nil {
		t.Fatal(err)
	}
	cfg := parse(t, `
[[accounts]]
name = "h"
venue = "binance"
network = "testnet"
key = "bn-test"
rest_url = "`+srv.URL+`"

[[accounts]]
name = "e"
venue = "binance"
network = "testnet"
key = "bn-ed"
rest_url = "`+srv.URL+`"
`)
	venues, err := connect.Open(context.Background(), cfg, vault(t, priv))
	if err != nil {
		t.Fatal(err)
	}
	defer connect.Close(venues)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, v := range venues {
		if err := v.SyncClock(ctx); err != nil {
			t.Fatalf("%s: %v", v.Info().Name, err)
		}
		bs, err := v.Balances(ctx)
		if err != nil {
			t.Fatalf("%s: %v", v.Info().Name, err)
		}
		if v.Info().Name == "e" && (len(bs) != 1 || bs[0].Asset != "USDT" || !bs[0].Free.Equal(decimal.NewFromInt(42))) {
			t.Fatalf("ed25519 account balances %+v", bs)
		}
	}
}

// OKX signs with the passphrase too, and Bybit with its own headers: both
// fakes verify what connect wired from the vault.
func TestOpenOKXAndBybitSign(t *testing.T) {
	_, priv := edPEM(t)
	ok := okxtest.NewServer()
	defer ok.Close()
	ok.AddKey("0a1b2c3d-4e5f-6789-abcd-ef0123456789", "OKXSECRET0123456789", "Passphrase1!", okxtest.TradePerms("o"))
	by := bybittest.NewServer()
	defer by.Close()
	by.AddKey("XXXXXXXXXXXXXXXXXX", "YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY", bybittest.TradePerms("b"))
	if err := ok.Sim().Deposit("o", "BTC", decimal.NewFromInt(2)); err != nil {
		t.Fatal(err)
	}
	if err := by.Sim().Deposit("b", "ETH", decimal.NewFromInt(3)); err != nil {
		t.Fatal(err)
	}
	cfg := parse(t, `
[[accounts]]
name = "ok"
venue = "okx"
network = "testnet"
key = "okx-demo"
rest_url = "`+ok.URL+`"
ws_url = "`+ok.WSURL+`"

[[accounts]]
name = "by"
venue = "bybit"
network = "testnet"
key = "by-test"
rest_url = "`+by.URL+`"
ws_url = "`+by.WSURL+`"
`)
	venues, err := connect.Open(context.Background(), cfg, vault(t, priv))
	if err != nil {
		t.Fatal(err)
	}
	defer connect.Close(venues)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := map[string]string{"ok": "BTC", "by": "ETH"}
	for _, v := range venues {
		name := v.Info().Name
		ki, err := v.KeyInfo(ctx)
		if err != nil {
			t.Fatalf("%s: KeyInfo: %v", name, err)
		}
		if ki.Trade != exchange.TriYes {
			t.Errorf("%s: key %+v", name, ki)
		}
		bs, err := v.Balances(ctx)
		if err != nil {
			t.Fatalf("%s: Balances: %v", name, err)
		}
		if len(bs) != 1 || bs[0].Asset != want[name] {
			t.Errorf("%s: balances %+v", name, bs)
		}
	}
}

func TestRecommendedScheme(t *testing.T) {
	if s, why := connect.RecommendedScheme("binance"); s != exchange.SchemeEd25519 || why == "" {
		t.Fatal(s, why)
	}
	if s, _ := connect.RecommendedScheme("okx"); s != "" {
		t.Fatal(s)
	}
}

// ws_url reaches the Binance client: its user data stream dials the URL
// the config names, not one derived from rest_url.
func TestOpenBinanceUsesWSURL(t *testing.T) {
	srv := binancetest.NewServer()
	defer srv.Close()
	dialed := make(chan string, 8)
	ws := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dialed <- r.URL.Path
		http.NotFound(w, r)
	}))
	defer ws.Close()
	cfg := parse(t, `
[[accounts]]
name = "h"
venue = "binance"
network = "testnet"
key = "bn-test"
rest_url = "`+srv.URL+`"
ws_url = "ws://`+strings.TrimPrefix(ws.URL, "http://")+`/elsewhere/ws-api"
`)
	_, priv := edPEM(t)
	venues, err := connect.Open(context.Background(), cfg, vault(t, priv))
	if err != nil {
		t.Fatal(err)
	}
	defer connect.Close(venues)
	st, ok := venues[0].(exchange.Streamer)
	if !ok {
		t.Fatal("the Binance client is not a Streamer")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() {
		if s, err := st.Stream(ctx); err == nil {
			_ = s.Close()
		}
	}()
	select {
	case p := <-dialed:
		if p != "/elsewhere/ws-api" {
			t.Fatalf("stream dialed %s", p)
		}
	case <-ctx.Done():
		t.Fatal("the stream never dialed ws_url")
	}
}
