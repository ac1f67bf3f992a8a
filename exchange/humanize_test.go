package exchange

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
)

func TestHumanize(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("failed to get reader: failed to read frame header: %w", io.EOF),
			"connection closed by the venue (failed to get reader: failed to read frame header: EOF)"},
		{errors.New("failed to get reader: failed to read frame header: EOF"), "connection closed by the venue ("},
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), "venue refused the connection"},
		{fmt.Errorf("read tcp: %w", syscall.ECONNRESET), "connection reset by the venue or the network"},
		{errors.New("read tcp 10.0.0.1:443: i/o timeout"), "venue did not answer in time"},
		{fmt.Errorf("get: %w", context.DeadlineExceeded), "timed out (venue not answering)"},
		{errors.New(`failed to get reader: received close frame: status = StatusGoingAway and reason = ""`), "the venue closed the stream (GoingAway)"},
		{errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"), "secure connection (TLS) to the venue failed"},
		{errors.New("HTTP 503: service unavailable"), "HTTP 503: service unavailable"},
	} {
		if got := Humanize(c.err); !strings.HasPrefix(got, c.want) {
			t.Errorf("Humanize(%q) = %q, want it to start %q", c.err, got, c.want)
		}
	}
	long := errors.New(strings.Repeat("wrapper: ", 20) + "connection reset by peer")
	if got := Humanize(long); !strings.Contains(got, "…") || !strings.HasSuffix(got, "connection reset by peer)") || len([]rune(got)) > 130 {
		t.Errorf("a long chain is not shortened to its end: %q", got)
	}
}
