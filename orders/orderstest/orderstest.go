// Package orderstest holds what crash and fault tests of the order path
// share: the comparison of a journal with a venue's own order list, and a
// way to wait until a killed client's requests have all been handled.
package orderstest

import (
	"fmt"
	"net"
	"net/http"
	"sync"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/store"
)

// InDoubt reports whether an entry is one start-up reconciliation must
// settle: written, maybe sent, its fate unknown.
func InDoubt(e store.Entry) bool {
	return e.Status == exchange.StatusPending || e.Status == exchange.StatusUnknown || e.Status == store.StatusSent
}

// InFlight counts the account's journal entries in doubt.
func InFlight(j *store.Journal, account string) (int, error) {
	un, err := j.Unresolved(account)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range un {
		if InDoubt(e) {
			n++
		}
	}
	return n, nil
}

// Compare demands that the journal tells the venue's truth after a
// reconciliation: every venue order is journaled under its client id (no
// lost intent) with the venue's order id and state, no client id has two
// orders (no duplicate), nothing is left in doubt, and nothing is open in
// the journal that the venue does not have. venue is the fake's own list.
func Compare(j *store.Journal, account string, venue []exchange.Order) error {
	hist, err := j.History(account, 0)
	if err != nil {
		return err
	}
	journaled := make(map[string]store.Entry, len(hist))
	for _, e := range hist {
		journaled[e.ClientID] = e
	}
	onVenue := map[string][]exchange.Order{}
	for _, o := range venue {
		onVenue[o.ClientID] = append(onVenue[o.ClientID], o)
	}
	for id, os := range onVenue {
		e, ok := journaled[id]
		switch {
		case !ok:
			return fmt.Errorf("lost intent: venue order %s (%s) is not in the journal", id, os[0].OrderID)
		case len(os) > 1:
			return fmt.Errorf("duplicate: %s has %d orders on the venue", id, len(os))
		case e.Status != os[0].Status || e.OrderID != os[0].OrderID:
			return fmt.Errorf("%s: journal %s/%s, venue %s/%s", id, e.Status, e.OrderID, os[0].Status, os[0].OrderID)
		}
	}
	for id, e := range journaled {
		if InDoubt(e) {
			return fmt.Errorf("%s still %s after reconciliation", id, e.Status)
		}
		if _, ok := onVenue[id]; !ok && !e.Final() {
			return fmt.Errorf("%s is %s in the journal and absent from the venue", id, e.Status)
		}
	}
	return nil
}

// Quiet counts a test server's open connections (set ConnState as the
// server's), so a test can wait until every request a killed process left
// in flight has been handled before it looks at the venue.
type Quiet struct {
	mu     sync.Mutex
	cond   *sync.Cond
	active int
}

// NewQuiet returns a Quiet with no connections.
func NewQuiet() *Quiet {
	q := &Quiet{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// ConnState is an http.Server ConnState hook.
func (q *Quiet) ConnState(_ net.Conn, s http.ConnState) {
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

// Wait returns once no connection is open.
func (q *Quiet) Wait() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.active > 0 {
		q.cond.Wait()
	}
}
