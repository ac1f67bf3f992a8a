package main

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
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
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
	"github.com/vigil-trade/vigil/exchange/venues"
	"github.com/vigil-trade/vigil/orders/orderstest"
	"github.com/vigil-trade/vigil/store"
)

// venueKits are the venues the whole-binary tests run against, each
// through its real client and its fake: every venue in the list.
func venueKits(t *testing.T) []simhttp.Kit {
	t.Helper()
	kits, err := venues.TestKits()
	if err != nil {
		t.Fatal(err)
	}
	return kits
}

// Test-only credentials the binance-only tests beside this one give
// binancetest; not a secret.
const (
	crashKeyID  = "crashKeyForTheVigilBinary000000000000000000000000000000000000A"
	crashSecret = "crashSecretForTheVigilBinary0000000000000000000000000000000000B"
	crashPass   = "correct horse battery staple"
	crashAcct   = "bn" // the config's account (named before there were other venues)
	crashSim    = "main"
)

// Kill points of one `vigil order place` run.
const (
	killOnOrderArrival = iota // the order request reached the venue, which has not acted
	killAfterOrder            // the venue took the order; its answer goes nowhere
	killOnRequest             // at a random request of the run (clock, rules, reconcile…)
	killAtInstant             // at a random instant after the start
	killNone                  // let the run finish
)

// TestCrashVigilOrderPlace builds the vigil binary and, for every venue,
// drives a stream of `vigil order place` calls against the venue's fake on
// loopback, SIGKILLing runs at random points 100 times a venue. After
// every kill it runs a `vigil order place` that breaks a rule (so it sends
// nothing of its own), whose start-up reconciliation settles what the kill
// left in doubt, then `vigil order list`, after which the journal must
// equal the fake's own order list: no order on the venue missing from the
// journal (a lost intent), no client id with two orders (a duplicate),
// nothing left PENDING or UNKNOWN.
func TestCrashVigilOrderPlace(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	// Three venues side by side, 100 kills each: ~27 s on two cores, ~50 s
	// when others share them.
	wantKills := 100
	if testing.Short() {
		wantKills = 15
	}
	bin := buildVigil(t, t.TempDir())
	// Side by side, one venue's waits (grace periods, kill timers) are
	// another's CPU: subtests started from their own goroutines run
	// together whatever -parallel says.
	var wg sync.WaitGroup
	for _, kit := range venueKits(t) {
		wg.Go(func() { t.Run(kit.Venue, func(t *testing.T) { crashVigilOrderPlace(t, bin, kit, wantKills) }) })
	}
	wg.Wait()
}

func crashVigilOrderPlace(t *testing.T, bin string, kit simhttp.Kit, wantKills int) {
	dir := t.TempDir()
	// The test is not about rate limits: lift them, and count per
	// connection rather than per IP, or some 250 short-lived processes a
	// minute on one loopback address would each wait out a window (a
	// client learns lifted limits, if at all, only once it has asked).
	fake := kit.Start(simhttp.KitConfig{Unlimited: true, ClientIP: func(r *http.Request) string { return r.RemoteAddr }})
	defer fake.Close()
	keyID, secret, fields := fake.AddKey(crashSim)
	for asset, amt := range map[string]string{"USDT": "100000000", "BTC": "1000"} {
		if err := fake.Sim.Deposit(crashSim, asset, decimal.RequireFromString(amt)); err != nil {
			t.Fatal(err)
		}
	}

	var (
		child    atomic.Pointer[os.Process]
		requests atomic.Int64
		killAt   atomic.Int64 // request number for killOnRequest
		mode     atomic.Int64
	)
	kill := func() {
		if p := child.Load(); p != nil {
			_ = p.Kill() // SIGKILL
		}
	}
	isOrder := func(r *http.Request) bool { return r.Method+" "+r.URL.Path == kit.Place }
	q := orderstest.NewQuiet()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		m := mode.Load()
		if (m == killOnOrderArrival && isOrder(r)) || (m == killOnRequest && n == killAt.Load()) {
			kill()
			// The venue never acts on what it was sent, nor answers before
			// the connection dies with the process (noticed once the body
			// has been read).
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
				t.Error("the killed process's connection stayed open")
			}
			return
		}
		fake.Handler.ServeHTTP(w, r)
		if m == killAfterOrder && isOrder(r) {
			kill()
		}
	}))
	srv.Config.ConnState = q.ConnState
	srv.Start()
	defer srv.Close()

	global := crashSetupKey(t, dir, srv.URL, vaultKey(kit.Venue+"-key", kit.Venue, keyID, secret, fields))
	// refusedOK lets the restart's rule-breaking place exit 2.
	var refusedOK bool
	run := func(m int64, args ...string) (killed bool, stdout, stderr string) {
		t.Helper()
		requests.Store(0)
		mode.Store(m)
		cmd := exec.Command(bin, append(append([]string(nil), global...), args...)...)
		cmd.Env = crashEnv(dir)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		child.Store(cmd.Process)
		err := cmd.Wait()
		child.Store(nil)
		mode.Store(killNone)
		// Whatever the killed process left in flight has been handled
		// before anyone looks at the venue.
		q.Wait()
		if ee, ok := err.(*exec.ExitError); ok && !ee.Exited() {
			return true, out.String(), errb.String()
		}
		if ee, ok := err.(*exec.ExitError); ok && refusedOK && ee.ExitCode() == 2 {
			err = nil
		}
		if err != nil {
			t.Fatalf("vigil %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
		}
		return false, out.String(), errb.String()
	}

	rng := rand.New(rand.NewPCG(5, 23))
	journal := filepath.Join(dir, "data", store.FileName)
	var kills, finished, inFlight, calls int
	for kills < wantKills {
		calls++
		if calls > 4*wantKills {
			t.Fatalf("%d calls for %d kills: the kill points are not being reached", calls, kills)
		}
		place := []string{"order", "place", "--account", crashAcct, "--symbol", kit.Symbol, "--side", "buy",
			"--qty", fmt.Sprintf("0.00%d", 1+rng.IntN(9)), "--yes", "--json"}
		// Orders that fill, expire or rest (the fake's market is near
		// 65000), so each kind of final and open state is compared.
		switch r := rng.IntN(10); {
		case r < 3:
			place = append(place, "--type", "market")
		case r < 6:
			place = append(place, "--type", "limit", "--price", fmt.Sprintf("6%d000", 6+rng.IntN(4)))
		case r < 8:
			place = append(place, "--type", "limit", "--tif", "IOC", "--price", fmt.Sprintf("4%d000", rng.IntN(10)))
		default:
			place = append(place, "--type", "limit", "--price", fmt.Sprintf("4%d000", rng.IntN(10)))
		}
		m := int64(rng.IntN(killNone + 1))
		var timer *time.Timer
		switch m {
		case killOnRequest:
			killAt.Store(int64(1 + rng.IntN(12)))
		case killAtInstant:
			timer = time.AfterFunc(time.Duration(rng.IntN(150_000))*time.Microsecond, kill)
		}
		killed, _, stderr := run(m, place...)
		if timer != nil {
			timer.Stop()
		}
		if !killed {
			if m != killNone && m != killAtInstant && m != killOnRequest {
				t.Fatalf("call %d: mode %d, but vigil finished\n%s", calls, m, stderr)
			}
			finished++
			continue
		}
		kills++
		inFlight += inFlightIntents(t, journal)
		// The restart: a place reconciles before anything else, and only a
		// command that may place may resend what the kill left unsent
		// (list, status and cancel only ask). Its own order breaks the
		// tick, so it sends nothing new.
		refusedOK = true
		killed, out, stderr := run(killNone, "order", "place", "--account", crashAcct, "--symbol", kit.Symbol, "--side", "buy",
			"--type", "limit", "--qty", "0.001", "--price", "50000.005", "--yes", "--json")
		refusedOK = false
		if killed || !strings.Contains(out, `"outcome": "refused"`) {
			t.Fatalf("the restart was killed or not refused\n%s%s", out, stderr)
		}
		// A venue whose answer to a place carries no status (an order id
		// only) leaves what the restart resent NEW in the journal, though
		// it may have filled at once: listing asks the venue about every
		// open entry, as a user would to see where things stand. (When
		// nothing was resent, the restart's own reconciliation has just
		// asked the same questions.)
		var listOut, listErr string
		if !strings.Contains(out, `"resent": 0,`) {
			_, listOut, listErr = run(killNone, "order", "list", "--account", crashAcct, "--json")
		}
		j, err := store.Open(journal)
		if err != nil {
			t.Fatalf("call %d: reopen: %v", calls, err)
		}
		err = orderstest.Compare(j, crashAcct, fake.Orders(crashSim))
		j.Close()
		if err != nil {
			t.Fatalf("call %d: %v\nthe restart said:\n%s%s\nthen order list:\n%s%s", calls, err, out, stderr, listOut, listErr)
		}
	}
	t.Logf("%d calls: %d killed, %d finished; %d orders on the venue; %d intents left in flight by kills",
		calls, kills, finished, len(fake.Orders(crashSim)), inFlight)
	if inFlight == 0 {
		t.Fatal("the kills never hit the window between journal and venue")
	}
}

// buildVigil builds this module's binary as a user would, without -race
// even under go test -race: a race-built vigil starts 25 times slower, and
// after go vet (as .ci/run does) the plain build is all in the cache.
func buildVigil(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "vigil")
	args := []string{"build", "-o", bin}
	start := time.Now()
	// go test puts its own GOROOT/bin first on the PATH it gives tests.
	gobin := "go"
	if out, err := exec.Command(gobin, append(args, ".")...).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built vigil in %s", time.Since(start).Round(time.Millisecond))
	return bin
}

// crashSetup is crashSetupKey for binancetest's crashKeyID, labelled
// bn-key.
func crashSetup(t *testing.T, dir, url string) []string {
	t.Helper()
	return crashSetupKey(t, dir, url, vaultKey("bn-key", "binance", crashKeyID, crashSecret, nil))
}

// crashSetupKey writes what a user would have: a vault holding key (with a
// cheap scrypt cost: the test is not about the KDF), a 0600 passphrase file
// and a config whose testnet account on key's venue points at url.
func crashSetupKey(t *testing.T, dir, url string, key crypto.Key) []string {
	t.Helper()
	vault := filepath.Join(dir, "vault.age")
	v := &crypto.Vault{WorkFactor: 2}
	if err := v.Add(key); err != nil {
		t.Fatal(err)
	}
	if err := v.Save(vault, []byte(crashPass)); err != nil {
		t.Fatal(err)
	}
	pf := filepath.Join(dir, "pass")
	if err := os.WriteFile(pf, []byte(crashPass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.toml")
	toml := fmt.Sprintf(`vault = %q
data_dir = %q

[[accounts]]
name = %q
venue = %q
network = "testnet"
key = %q
rest_url = %q
max_order_notional = "1000"
# The fakes show an order at once; the 2 s default would spend minutes
# of this test waiting.
order_grace_ms = 50
`, vault, filepath.Join(dir, "data"), crashAcct, key.Venue, key.Label, url)
	if err := os.WriteFile(cfg, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"--config", cfg, "--passphrase-file", pf}
}

// vaultKey is an HMAC key as `vigil keys add` stores it, with the venue's
// other credentials as named fields.
func vaultKey(label, venue, keyID, secret string, fields map[string]string) crypto.Key {
	// The venue's first scheme, as its test kit's keys are (a wallet's
	// key on a venue that signs with one).
	scheme := "hmac"
	if d, ok := venues.Lookup(venue); ok {
		scheme = string(d.DefaultScheme().Scheme)
	}
	k := crypto.Key{Label: label, Venue: venue, Scheme: scheme, KeyID: keyID,
		Secret: crypto.NewSecret([]byte(secret)), Created: time.Now().Add(-time.Hour)}
	for name, v := range fields {
		if k.Fields == nil {
			k.Fields = map[string]crypto.Secret{}
		}
		k.Fields[name] = crypto.NewSecret([]byte(v))
	}
	return k
}

// crashEnv keeps the binary away from the user's own files.
func crashEnv(dir string) []string {
	env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "xdg-config"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "xdg-data"), "XDG_STATE_HOME=" + filepath.Join(dir, "xdg-state"),
		"NO_COLOR=1", "PATH=" + os.Getenv("PATH")}
	if tmp := os.Getenv("TMPDIR"); tmp != "" {
		env = append(env, "TMPDIR="+tmp)
	}
	return env
}

// inFlightIntents counts the journal's intents a kill left in doubt: the
// ones start-up reconciliation has to settle.
func inFlightIntents(t *testing.T, path string) int {
	t.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		return 0 // killed before the journal was first created
	}
	j, err := store.Open(path)
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer j.Close()
	n, err := orderstest.InFlight(j, crashAcct)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
