package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/store"
)

// venueTap stands between the vigil binary and binancetest: it can lose
// order requests (the venue never acts, the connection dies), fail order
// queries, run a hook when an order request arrives, and it remembers which
// client ids were asked about.
type venueTap struct {
	fake    http.Handler
	lose    atomic.Bool
	onOrder atomic.Pointer[func()]

	mu      sync.Mutex
	queried []string // origClientOrderId of every GET /api/v3/order
}

func (v *venueTap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/v3/order" {
		switch r.Method {
		case http.MethodGet:
			v.mu.Lock()
			v.queried = append(v.queried, r.URL.Query().Get("origClientOrderId"))
			v.mu.Unlock()
			if v.lose.Load() {
				http.Error(w, `{"code":-1001,"msg":"Internal error; unable to process your request. Please try again."}`, http.StatusServiceUnavailable)
				return
			}
		case http.MethodPost:
			if v.lose.Load() {
				_, _ = io.Copy(io.Discard, r.Body)
				panic(http.ErrAbortHandler) // the connection dies, nothing was placed
			}
			if f := v.onOrder.Load(); f != nil {
				(*f)()
			}
		}
	}
	v.fake.ServeHTTP(w, r)
}

func (v *venueTap) askedAbout(id string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for _, q := range v.queried {
		if q == id {
			n++
		}
	}
	return n
}

// safetyBench is the vigil binary, a fake Binance behind a tap, and the
// files a user would have, with a config the test rewrites between runs.
type safetyBench struct {
	t      *testing.T
	dir    string
	bin    string
	global []string
	fake   *binancetest.Server
	tap    *venueTap
	url    string
	child  atomic.Pointer[os.Process]
}

func newSafetyBench(t *testing.T) *safetyBench {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the bench writes POSIX paths and modes")
	}
	b := &safetyBench{t: t, dir: t.TempDir()}
	b.bin = buildVigil(t, b.dir)
	b.fake = binancetest.New(binancetest.WithMode(binancetest.Mainnet))
	b.fake.AddHMACKey(crashKeyID, crashSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	for asset, amt := range map[string]string{"USDT": "1000000", "BTC": "10"} {
		if err := b.fake.Sim().Deposit(binancetest.DefaultAccount, asset, decimal.RequireFromString(amt)); err != nil {
			t.Fatal(err)
		}
	}
	b.tap = &venueTap{fake: b.fake}
	srv := httptest.NewServer(b.tap)
	t.Cleanup(srv.Close)
	b.url = srv.URL
	b.global = crashSetup(t, b.dir, srv.URL)
	return b
}

// account rewrites the account's config as a user would between runs.
func (b *safetyBench) account(network, restURL string, allowMainnet bool, maxNotional string) {
	b.t.Helper()
	toml := fmt.Sprintf(`vault = %q
data_dir = %q

[[accounts]]
name = %q
venue = "binance"
network = %q
key = "bn-key"
rest_url = %q
max_order_notional = %q
allow_mainnet_orders = %v
order_grace_ms = 50
`, filepath.Join(b.dir, "vault.age"), filepath.Join(b.dir, "data"), crashAcct, network, restURL, maxNotional, allowMainnet)
	if err := os.WriteFile(filepath.Join(b.dir, "config.toml"), []byte(toml), 0o600); err != nil {
		b.t.Fatal(err)
	}
}

type safetyRun struct {
	code           int
	stdout, stderr string
	res            struct {
		Outcome string `json:"outcome"`
		Order   *struct {
			ClientID string `json:"client_id"`
			Status   string `json:"status"`
		} `json:"order"`
		Reconcile *struct {
			Resent    int      `json:"resent"`
			NotPlaced []string `json:"not_placed"`
			Held      []string `json:"held"`
			Foreign   []struct {
				ClientID string `json:"client_id"`
				Message  string `json:"message"`
			} `json:"foreign"`
		} `json:"reconcile"`
	}
}

func (b *safetyBench) run(args ...string) safetyRun {
	b.t.Helper()
	cmd := exec.Command(b.bin, append(append([]string(nil), b.global...), args...)...)
	cmd.Env = crashEnv(b.dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	b.child.Store(cmd.Process)
	err := cmd.Wait()
	b.child.Store(nil)
	r := safetyRun{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		b.t.Fatalf("vigil %s: %v", strings.Join(args, " "), err)
	}
	if bytes.HasPrefix(bytes.TrimSpace(out.Bytes()), []byte("{")) {
		if err := json.Unmarshal(out.Bytes(), &r.res); err != nil {
			b.t.Fatalf("vigil %s: stdout not JSON: %v\n%s", strings.Join(args, " "), err, out.String())
		}
	}
	return r
}

func (b *safetyBench) journal() *store.Journal {
	b.t.Helper()
	j, err := store.Open(filepath.Join(b.dir, "data", store.FileName))
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { j.Close() })
	return j
}

func (b *safetyBench) venueOrders() int {
	return len(b.fake.Sim().Orders(binancetest.DefaultAccount))
}

var placeArgs = []string{"order", "place", "--account", crashAcct, "--symbol", "BTCUSDT", "--side", "buy", "--type", "limit", "--yes", "--json"}

// placeLost runs a place whose request the venue never acts on and whose
// fate cannot be learnt: it ends UNKNOWN (exit 5), fresh in the journal.
func (b *safetyBench) placeLost() string {
	b.t.Helper()
	b.tap.lose.Store(true)
	defer b.tap.lose.Store(false)
	r := b.run(append(placeArgs, "--qty", "0.001", "--price", "50000")...)
	if r.code != 5 || r.res.Outcome != "unknown" || r.res.Order == nil {
		b.t.Fatalf("lost place: exit %d %+v\n%s", r.code, r.res, r.stderr)
	}
	if n := b.venueOrders(); n != 0 {
		b.t.Fatalf("%d orders on the venue after a lost place", n)
	}
	return r.res.Order.ClientID
}

// Issue 11, item 4, with the real binary: a place ends UNKNOWN on a mainnet
// account, then mainnet orders are switched off. Commands that only ask
// (list, status) must not resend it; a place, which may resend, must hold
// the resend to the guards as configured now, and a mainnet resend would
// need a confirmation nobody gives.
func TestVigilResendIsANewSend(t *testing.T) {
	b := newSafetyBench(t)
	b.account("mainnet", b.url, true, "100000")
	id := b.placeLost()

	b.account("mainnet", b.url, false, "100000") // mainnet trading switched off
	r := b.run("order", "list", "--account", crashAcct, "--json")
	if r.code != 0 || r.res.Reconcile == nil || r.res.Reconcile.Resent != 0 || strings.Contains(r.stderr, "(resend)") {
		t.Fatalf("list: exit %d %+v\n%s", r.code, r.res.Reconcile, r.stderr)
	}
	if n := b.venueOrders(); n != 0 {
		t.Fatalf("vigil order list sent %d order(s)", n)
	}
	if fmt.Sprint(r.res.Reconcile.Held) != "["+id+"]" || !strings.Contains(r.stderr, "does not resend") {
		t.Fatalf("list does not say it held %s back: %+v\n%s", id, r.res.Reconcile, r.stderr)
	}
	if b.tap.askedAbout(id) == 0 {
		t.Fatal("list did not ask the venue about the intent")
	}

	r = b.run("order", "status", "--account", crashAcct, "--symbol", "BTCUSDT", "--client-id", id, "--json")
	if r.code != 0 || b.venueOrders() != 0 {
		t.Fatalf("status: exit %d, %d orders on the venue\n%s", r.code, b.venueOrders(), r.stderr)
	}

	// Mainnet orders on again, with a limit under the order's value: a
	// place reconciles first and may resend, but not this intent. (Its own
	// order breaks the tick, so nothing else is sent either.)
	b.account("mainnet", b.url, true, "10")
	r = b.run(append(placeArgs, "--qty", "0.001", "--price", "50000.005")...)
	if r.code != 2 || b.venueOrders() != 0 {
		t.Fatalf("place: exit %d, %d orders on the venue\n%s", r.code, b.venueOrders(), r.stderr)
	}
	e, err := b.journal().Get(crashAcct, id)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != store.StatusNotPlaced || !strings.Contains(e.Reason, "typed confirmation") || !strings.Contains(e.Reason, "limit 10") {
		t.Fatalf("journal %s %q: want NOT_PLACED, not resent for want of a confirmation", e.Status, e.Reason)
	}
}

// Issue 11, item 4: an intent belongs to the venue, network and endpoint
// it was made for. An account moved from testnet to mainnet, or to another
// rest_url, does not inherit it: it is reported, never asked about or
// resent there, and left in the journal.
func TestVigilIntentStaysWithItsVenue(t *testing.T) {
	b := newSafetyBench(t)
	b.account("testnet", b.url, false, "100000")
	id := b.placeLost()
	asked := b.tap.askedAbout(id)

	b.account("mainnet", b.url, true, "100000") // same name, now mainnet
	r := b.run(append(placeArgs, "--qty", "0.001", "--price", "50000.005")...)
	want := fmt.Sprintf("intent %s was made for %s on binance testnet %s; %s now points at binance mainnet %s: not resent",
		id, crashAcct, b.url, crashAcct, b.url)
	if r.code != 2 || !strings.Contains(r.stderr, want) {
		t.Fatalf("place after the move: exit %d, want stderr to say %q\n%s", r.code, want, r.stderr)
	}
	if r.res.Reconcile == nil || len(r.res.Reconcile.Foreign) != 1 || r.res.Reconcile.Foreign[0].ClientID != id {
		t.Fatalf("reconcile JSON %+v", r.res.Reconcile)
	}

	other := httptest.NewServer(b.tap) // the same fake under another address
	defer other.Close()
	b.account("testnet", other.URL, false, "100000")
	r = b.run("order", "list", "--account", crashAcct, "--json")
	if r.code != 0 || !strings.Contains(r.stderr, "now points at binance testnet "+other.URL) {
		t.Fatalf("list at another rest_url: exit %d\n%s", r.code, r.stderr)
	}
	if b.tap.askedAbout(id) != asked || b.venueOrders() != 0 {
		t.Fatalf("the intent was asked about %d more times, %d orders placed", b.tap.askedAbout(id)-asked, b.venueOrders())
	}
	if e, err := b.journal().Get(crashAcct, id); err != nil || e.Status != exchange.StatusUnknown {
		t.Fatalf("journal %+v %v: want the intent left UNKNOWN", e.Status, err)
	}
}
