package orders

import (
	"context"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/orders/internal/fakevenue"
	"github.com/vigil-trade/vigil/store"
)

// quiet tracks the server's connections so the test can wait until every
// request a killed process left in flight has been handled.
type quiet struct {
	mu     sync.Mutex
	cond   *sync.Cond
	active int
}

func newQuiet() *quiet {
	q := &quiet{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *quiet) connState(_ net.Conn, s http.ConnState) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch s {
	case http.StateNew:
		q.active++
	case http.StateClosed, http.StateHijacked:
		q.active--
		q.cond.Broadcast()
	}
}

func (q *quiet) wait() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.active > 0 {
		q.cond.Wait()
	}
}

// TestCrashAnywhere runs a process that places and cancels orders through
// a Desk against the fake venue over loopback, SIGKILLs it at random
// points (while the venue handles a request, after the venue took an
// order but before it answered, or at a random instant), restarts it, and
// after every kill checks the journal against the venue's own order list.
func TestCrashAnywhere(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	runs := 100
	if testing.Short() {
		runs = 20
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "crashtest")
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if out, err := exec.Command(gobin, "build", "-o", bin, "./internal/crashtest").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	journal := filepath.Join(dir, store.FileName)

	x := fakevenue.New(nil)
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
	inner := fakevenue.Handler(x)
	q := newQuiet()
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
	srv.Config.ConnState = q.connState
	srv.Start()
	defer srv.Close()

	rng := rand.New(rand.NewPCG(7, 11))
	var kills, exits int
	for run := range runs {
		requests.Store(0)
		mode := rng.IntN(3)
		killMode.Store(int64(mode))
		killAt.Store(int64(1 + rng.IntN(12)))
		cmd := exec.Command(bin, "-journal", journal, "-url", srv.URL, "-n", "40", "-grace", "2ms")
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
		q.wait()
		checkJournalAgainstVenue(t, run, journal, x)
	}
	t.Logf("%d runs: %d killed, %d finished; %d orders on the venue", runs, kills, exits, len(x.Orders()))
	if kills < runs/2 {
		t.Fatalf("only %d of %d runs were killed", kills, runs)
	}
}

// checkJournalAgainstVenue reconciles as a restarted vigil would, then
// demands: every order on the venue is journaled (no lost intent), no
// client id has two orders (no duplicate), nothing is left unknown, and
// the journal's state is the venue's.
func checkJournalAgainstVenue(t *testing.T, run int, path string, x *fakevenue.Exchange) {
	t.Helper()
	j, err := store.Open(path)
	if err != nil {
		t.Fatalf("run %d: reopen after kill: %v", run, err)
	}
	defer j.Close()
	const acct = "crash"
	d := NewDesk(j, map[string]exchange.Venue{acct: &fakevenue.Venue{X: x, Account: acct}}, WithGrace(time.Millisecond))
	r, err := d.Reconcile(context.Background(), acct)
	if err != nil || len(r.StillUnknown) > 0 || !d.Ready(acct) {
		t.Fatalf("run %d: reconcile: %v %+v", run, err, r)
	}
	hist, err := j.History(acct, 0)
	if err != nil {
		t.Fatal(err)
	}
	journaled := map[string]store.Entry{}
	for _, e := range hist {
		journaled[e.ClientID] = e
	}
	for id, os := range perClientID(x) {
		e, ok := journaled[id]
		if !ok {
			t.Fatalf("run %d: venue order %s is not in the journal", run, id)
		}
		if len(os) > 1 {
			t.Fatalf("run %d: %s has %d orders on the venue", run, id, len(os))
		}
		if e.Status != os[0].Status || e.OrderID != os[0].OrderID {
			t.Fatalf("run %d: %s journal %s/%s, venue %s/%s", run, id, e.Status, e.OrderID, os[0].Status, os[0].OrderID)
		}
	}
	for id, e := range journaled {
		if _, ok := perClientID(x)[id]; !ok && !e.Final() {
			t.Fatalf("run %d: %s is %s in the journal and absent from the venue", run, id, e.Status)
		}
	}
}
