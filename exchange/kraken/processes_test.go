package kraken_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/kraken"
	"github.com/vigil-trade/vigil/exchange/kraken/krakentest"
)

// The helper process's settings, from its parent.
const (
	helperURL   = "KRAKEN_HELPER_URL"
	helperDir   = "KRAKEN_HELPER_NONCE_DIR" // "-": no cross-process guard
	helperFor   = "KRAKEN_HELPER_FOR"
	helperIndex = "KRAKEN_HELPER_INDEX"
)

// TestThreeProcessesOneKey: three processes trade and poll on one key at
// once against krakentest, each through its own client as separate vigil
// processes would. With the shared nonce guard Kraken refuses no nonce;
// without it (each process keeps its own counter, as other clients do),
// it refuses some, which shows the test can fail.
func TestThreeProcessesOneKey(t *testing.T) {
	guarded := 30 * time.Second
	if testing.Short() {
		guarded = 5 * time.Second
	}
	t.Run("guard", func(t *testing.T) {
		srv, accepted, refused := runProcesses(t, t.TempDir(), guarded)
		if refused != 0 {
			t.Errorf("%d nonce refusals with the guard", refused)
		}
		if accepted < 3*20 {
			t.Errorf("only %d requests accepted: the processes did not run", accepted)
		}
		t.Logf("%d requests accepted, %d orders placed", accepted, len(srv.Sim().Orders(krakentest.DefaultAccount)))
	})
	t.Run("no-guard", func(t *testing.T) {
		_, _, refused := runProcesses(t, "-", 5*time.Second)
		if refused == 0 {
			t.Error("no nonce refusals without the guard: the test cannot tell the guard works")
		}
	})
}

func runProcesses(t *testing.T, dir string, d time.Duration) (*krakentest.Server, int, int) {
	srv := krakentest.NewServer(krakentest.WithTier("unlimited"))
	t.Cleanup(srv.Close)
	if err := srv.AddKey(keyID, keySecret, krakentest.TradePerms(krakentest.DefaultAccount)); err != nil {
		t.Fatal(err)
	}
	for asset, amt := range map[string]string{"USDT": "1000000", "BTC": "10"} {
		if err := srv.Sim().Deposit(krakentest.DefaultAccount, asset, decimal.RequireFromString(amt)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
			cmd.Env = append(os.Environ(), helperURL+"="+srv.URL, helperDir+"="+dir, helperFor+"="+d.String(), helperIndex+"="+strconv.Itoa(i))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("process %d: %v\n%s", i, err, out)
			}
		})
	}
	wg.Wait()
	accepted := 0
	for _, r := range srv.Requests() {
		if r.Accepted {
			accepted++
		}
	}
	return srv, accepted, srv.NonceRefusals()
}

// TestHelperProcess is one of TestThreeProcessesOneKey's processes; run
// alone it does nothing.
func TestHelperProcess(t *testing.T) {
	url := os.Getenv(helperURL)
	if url == "" {
		return
	}
	d, err := time.ParseDuration(os.Getenv(helperFor))
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv(helperDir)
	if dir == "-" {
		dir = ""
	}
	c, err := kraken.New(kraken.WithBaseURL(url), kraken.WithNetwork(exchange.Testnet), kraken.WithNonceDir(dir),
		kraken.WithAccount(exchange.AccountInfo{Name: "p" + os.Getenv(helperIndex)}), kraken.WithKey(keyID, secret(keySecret)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rules, err := c.Rules(ctx, "XBTUSDT")
	if err != nil {
		t.Fatal(err)
	}
	price := decimal.RequireFromString("30000")
	var errs []string
	for end := time.Now().Add(d); time.Now().Before(end); {
		req := exchange.OrderRequest{Symbol: rules.Symbol, Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
			Qty: decimal.RequireFromString("0.001"), Price: price, ClientID: kraken.ClientIDPolicy.New(time.Now())}
		steps := []func() error{
			func() error { _, err := c.Place(ctx, req); return err },
			func() error {
				_, err := c.Query(ctx, exchange.OrderRef{Symbol: req.Symbol, ClientID: req.ClientID})
				return err
			},
			func() error { _, err := c.Balances(ctx); return err },
			func() error { _, err := c.OpenOrders(ctx, ""); return err },
			func() error {
				_, err := c.Cancel(ctx, exchange.OrderRef{Symbol: req.Symbol, ClientID: req.ClientID})
				return err
			},
		}
		for _, step := range steps {
			if err := step(); err != nil && len(errs) < 5 {
				errs = append(errs, err.Error())
			}
		}
	}
	// Refusals are the parent's to count, at the fake.
	fmt.Println(strings.Join(errs, "\n"))
}
