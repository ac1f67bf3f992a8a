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

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
	"github.com/vigil-trade/vigil/exchange/venues"
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
	crashAnywhere(t, buildCrashtest(t), []string{"-venue", "fake"}, 100, fakevenue.Handler(x), x.Orders, func(string) exchange.Venue {
		return &fakevenue.Venue{X: x, Account: crashAccount}
	})
}

// TestCrashAnywhereVenues is the same against each venue's fake, through
// the venue's client in both the killed process and the checker.
func TestCrashAnywhereVenues(t *testing.T) {
	bin := buildCrashtest(t)
	kits, err := venues.TestKits()
	if err != nil {
		t.Fatal(err)
	}
	for _, kit := range kits {
		t.Run(kit.Venue, func(t *testing.T) {
			fake := kit.Start(simhttp.KitConfig{Unlimited: true})
			defer fake.Close()
			const simAccount = "main"
			var key fakevenue.Key
			key.ID, key.Secret, key.Fields = fake.AddKey(simAccount)
			if err := fake.Sim.Deposit(simAccount, "USDT", decimal.NewFromInt(100_000_000)); err != nil {
				t.Fatal(err)
			}
			orders := func() []exchange.Order { return fake.Orders(simAccount) }
			// The killed process and the checker share a data directory
			// as vigil's processes on one machine do: Kraken's nonces must
			// rise across them, and a process killed mid-burst may have
			// issued nonces ahead of the wall clock.
			dataDir := t.TempDir()
			args := []string{"-venue", kit.Venue, "-symbol", kit.Symbol, "-key-id", key.ID, "-secret", key.Secret, "-data-dir", dataDir}
			for name, v := range key.Fields {
				args = append(args, "-field", name+"="+v)
			}
			// Fewer runs: each costs ~0.3 s through a real client.
			crashAnywhere(t, bin, args, 25, fake.Handler, orders, func(url string) exchange.Venue {
				// No idle connection may outlive the check: the next run
				// waits for the server to have none.
				hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
				v, err := fakevenue.OpenVenue(kit.Venue, url, crashAccount, key, hc, dataDir)
				if err != nil {
					t.Fatal(err)
				}
				return v
			})
		})
	}
}

const crashAccount = "crash"

// buildCrashtest builds the process the crash tests kill.
func buildCrashtest(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	bin := filepath.Join(t.TempDir(), "crashtest")
	// go test puts its own GOROOT/bin first on the PATH it gives tests.
	gobin := "go"
	start := time.Now()
	if out, err := exec.Command(gobin, "build", "-o", bin, "./internal/crashtest").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	t.Logf("built in %s", time.Since(start))
	return bin
}

// crashAnywhere runs bin (buildCrashtest's) with venueArgs against inner.
func crashAnywhere(t *testing.T, bin string, venueArgs []string, runs int, inner http.Handler, venueOrders func() []exchange.Order, checker func(url string) exchange.Venue) {
	if testing.Short() {
		runs /= 5
	}
	journal := filepath.Join(t.TempDir(), store.FileName)

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
		cmd := exec.Command(bin, append([]string{"-journal", journal, "-url", srv.URL, "-n", "40", "-grace", "2ms"}, venueArgs...)...)
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
