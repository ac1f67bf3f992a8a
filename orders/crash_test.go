package orders

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/orders/internal/fakevenue"
	"github.com/vigil-trade/vigil/orders/orderstest"
	"github.com/vigil-trade/vigil/store"
)

// TestCrashAnywhere runs a process that places and cancels orders through
// a Desk against the fake venue over loopback, SIGKILLs it at random
// points (while the venue handles a request, after the venue took an
// order but before it answered, or at a random instant), restarts it, and
// after every kill checks the journal against the venue's own order list.
func TestCrashAnywhere(t *testing.T) {
	x := fakevenue.New(nil)
	crashAnywhere(t, "fake", 100, fakevenue.Handler(x), x.Orders, func(string) exchange.Venue {
		return &fakevenue.Venue{X: x, Account: crashAccount}
	})
}

// TestCrashAnywhereBinance is the same against binancetest, through the
// Binance client in both the killed process and the checker.
func TestCrashAnywhereBinance(t *testing.T) {
	limits := binancetest.DefaultRateLimits()
	limits.OrdersPer10s, limits.OrdersPerDay, limits.WeightPerMinute, limits.RawPer5m = 1e6, 1e6, 1e6, 1e6
	fake := binancetest.New(binancetest.WithRateLimits(limits))
	fake.AddHMACKey(testKey, testSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	if err := fake.Sim().Deposit(binancetest.DefaultAccount, "USDT", decimal.NewFromInt(100_000_000)); err != nil {
		t.Fatal(err)
	}
	orders := func() []exchange.Order { return fake.Sim().Orders(binancetest.DefaultAccount) }
	// Fewer runs: each costs ~0.3 s through the real client (see the report).
	crashAnywhere(t, "binance", 25, fake.Handler(), orders, func(url string) exchange.Venue {
		c, err := binance.New(binance.WithBaseURL(url), binance.WithAPIKey(testKey),
			binance.WithAccount(exchange.AccountInfo{Name: crashAccount, Venue: "binance", Network: exchange.Testnet}),
			binance.WithSecret(crypto.NewSecret([]byte(testSecret))),
			// No idle connection may outlive the check: the next run waits
			// for the server to have none.
			binance.WithHTTPClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}))
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}

const crashAccount = "crash"

func crashAnywhere(t *testing.T, venue string, runs int, inner http.Handler, venueOrders func() []exchange.Order, checker func(url string) exchange.Venue) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	if testing.Short() {
		runs /= 5
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "crashtest")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	start := time.Now()
	if out, err := exec.Command(gobin, "build", "-o", bin, "./internal/crashtest").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Logf("built in %s", time.Since(start))
	journal := filepath.Join(dir, store.FileName)

	var (
		child    atomic.Pointer[os.Process]
		requests atomic.Int64
		killAt   atomic.Int64
		killMode atomic.Int64 // 0: on arrival, 1: after the venue acted
	)
	kill := func() {
		if p := child.Load(); p != nil {
			p.Kill() // SIGKILL
		}
	}
	q := orderstest.NewQuiet()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		hit := n == killAt.Load()
		if hit && killMode.Load() == 0 {
			kill()
		}
		inner.ServeHTTP(w, r)
		if hit && killMode.Load() == 1 {
			// The venue has acted; its answer now goes nowhere.
			kill()
		}
	}))
	srv.Config.ConnState = q.ConnState
	srv.Start()
	defer srv.Close()

	rng := rand.New(rand.NewPCG(7, 11))
	var kills, exits, inFlight int
	for run := range runs {
		requests.Store(0)
		mode := rng.IntN(3)
		killMode.Store(int64(mode))
		killAt.Store(int64(1 + rng.IntN(12)))
		cmd := exec.Command(bin, "-journal", journal, "-url", srv.URL, "-n", "40", "-grace", "2ms", "-venue", venue)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		child.Store(cmd.Process)
		if mode == 2 {
			killAt.Store(-1)
			timer := time.AfterFunc(time.Duration(rng.IntN(30_000))*time.Microsecond, kill)
			defer timer.Stop()
		}
		err := cmd.Wait()
		child.Store(nil)
		if err == nil {
			exits++
		} else if ee, ok := err.(*exec.ExitError); ok && !ee.Exited() {
			kills++
		} else {
			t.Fatalf("run %d: crashtest failed: %v", run, err)
		}
		q.Wait()
		inFlight += checkJournalAgainstVenue(t, run, journal, checker(srv.URL), venueOrders)
	}
	t.Logf("%d runs: %d killed, %d finished; %d orders on the venue; %d intents left in flight by kills",
		runs, kills, exits, len(venueOrders()), inFlight)
	if inFlight == 0 {
		t.Fatal("the kills never hit the window between journal and venue")
	}
	if kills < runs/2 {
		t.Fatalf("only %d of %d runs were killed", kills, runs)
	}
}

// checkJournalAgainstVenue reconciles as a restarted vigil would, then
// compares the journal with the venue's own order list (orderstest.Compare).
// It returns how many intents the kill left in doubt.
func checkJournalAgainstVenue(t *testing.T, run int, path string, v exchange.Venue, venueOrders func() []exchange.Order) int {
	t.Helper()
	j, err := store.Open(path)
	if err != nil {
		t.Fatalf("run %d: reopen after kill: %v", run, err)
	}
	defer j.Close()
	inFlight, err := orderstest.InFlight(j, crashAccount)
	if err != nil {
		t.Fatal(err)
	}
	d := NewDesk(j, map[string]exchange.Venue{crashAccount: v}, WithGrace(time.Millisecond))
	r, err := d.Reconcile(context.Background(), crashAccount)
	if err != nil || len(r.StillUnknown) > 0 || !d.Ready(crashAccount) {
		t.Fatalf("run %d: reconcile: %v %+v", run, err, r)
	}
	if err := orderstest.Compare(j, crashAccount, venueOrders()); err != nil { // after Reconcile, which may resend
		t.Fatalf("run %d: %v", run, err)
	}
	return inFlight
}
