package feed

import (
	"context"
	"log/slog"
	"time"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/views"
)

// streamLoop runs the account's private stream under an
// exchange.Supervisor: order changes go out as events (in order, never
// dropped), balances and the stream's state as coalesced snapshots. It
// replaces the balances and open-orders polls; the supervisor's REST
// resyncs and audits are their safety net.
func (p *poller) streamLoop(ctx context.Context, s exchange.Streamer, state *exchange.OrderState) {
	// A venue whose stream pushes no balances has them read at each audit.
	polled := false
	if bp, ok := s.(exchange.BalancesPolled); ok {
		polled = bp.BalancesPolled()
	}
	sup := exchange.NewSupervisor(exchange.SupervisorConfig{
		Account:     p.name,
		Venue:       p.v,
		Streamer:    s,
		State:       state,
		Now:         p.opts.Now,
		CallTimeout: p.opts.Timeout,
		AuditEvery:  p.opts.StreamAuditEvery,
		OnOrder: func(ev exchange.OrderEvent) {
			ev.Account = p.name
			ev.Order.Account = p.name
			p.order(ev)
		},
		OnBalances: func(bals []exchange.Balance, at time.Time) {
			p.bridge.State(KindBalances, p.name, p.gen, views.BalancesMsg{Account: p.name, Balances: bals, At: at, Every: p.opts.StreamAuditEvery, Polled: polled})
		},
		OnPositions: func(pos []exchange.Position, at time.Time) {
			p.bridge.State(KindPositions, p.name, p.gen, views.PositionsMsg{Account: p.name, Positions: pos, At: at, Every: p.opts.StreamAuditEvery})
		},
		OnStatus: func(st exchange.StreamStatus) {
			p.bridge.State(KindStream, p.name, p.gen, streamMsg(p.name, st))
		},
		OnLog: func(level slog.Level, text string, err error) {
			p.log(logLevel(level), text, err)
		},
	})
	sup.Run(ctx)
}

func streamMsg(account string, st exchange.StreamStatus) views.StreamMsg {
	return views.StreamMsg{
		Account:   account,
		State:     string(st.State),
		Since:     st.Since,
		Attempt:   st.Attempt,
		RetryAt:   st.RetryAt,
		LastEvent: st.LastEvent,
		Drops:     st.Drops,
	}
}

func logLevel(l slog.Level) views.Level {
	switch {
	case l >= slog.LevelError:
		return views.LevelError
	case l >= slog.LevelWarn:
		return views.LevelWarn
	}
	return views.LevelInfo
}
