package cli

import (
	"net"
	"testing"

	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/exchange/sim"
)

// The budget check reports counts what the venue counted; a request
// nobody answered is not shown as weight used (issue 11, item 11).
func TestCheckCountsNoWeightForUnansweredRequests(t *testing.T) {
	t.Parallel()
	refused := func(t *testing.T, h *harness) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		url := "http://" + l.Addr().String()
		l.Close()
		return url
	}
	hanging := func(t *testing.T, h *harness) string {
		srv := fakeBinance(t, binancetest.Testnet, binancetest.TradePerms(""))
		srv.Sim().Faults().Add(sim.Fault{Kind: sim.FaultHang, Op: "GET /api/v3/time"})
		return srv.URL
	}
	for name, url := range map[string]func(*testing.T, *harness) string{"connection refused": refused, "no answer": hanging} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			args := h.checkSetup("testnet", url(t, h), chkSecret)
			rep, r := h.checkJSON(append(args, "--", "--timeout", "500ms")...)
			if r.code != ExitDanger {
				t.Fatalf("exit %d", r.code)
			}
			for _, b := range rep.Accounts[0].Budget.Buckets {
				if b.Used != 0 {
					t.Errorf("bucket %s used %d/%d after no answer", b.Name, b.Used, b.Limit)
				}
			}
		})
	}
}
