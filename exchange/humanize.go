package exchange

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// Humanize says a transport error in plain words for the event log, with
// the raw chain after it in parentheses, shortened: "connection closed by
// the venue (failed to get reader: failed to read frame header: EOF)".
// Errors it does not recognise (a venue's own message, an *APIError) are
// returned as they are.
func Humanize(err error) string {
	if err == nil {
		return ""
	}
	var amb *AmbiguousError
	if errors.As(err, &amb) && amb.Err != nil {
		// Whether the venue has the order is the news; keep it first.
		return amb.Op + ": outcome unknown (will ask the venue): " + Humanize(amb.Err)
	}
	raw := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		// The words the rest of the cockpit already uses for a deadline.
		return "timed out (venue not answering)"
	}
	human := humanWords(err, strings.ToLower(raw))
	if human == "" {
		return raw
	}
	return human + " (" + shorten(raw, 72) + ")"
}

func humanWords(err error, low string) string {
	var ne net.Error
	switch {
	case strings.Contains(low, "received close frame") || strings.Contains(low, "websocket: close "):
		code := ""
		if i := strings.Index(low, "status = "); i >= 0 {
			code = strings.Fields(raw(err)[i+len("status = "):])[0]
		}
		if code != "" {
			return "the venue closed the stream (" + strings.TrimPrefix(code, "Status") + ")"
		}
		return "the venue closed the stream"
	case errors.Is(err, os.ErrDeadlineExceeded) || strings.Contains(low, "i/o timeout") ||
		errors.As(err, &ne) && ne.Timeout():
		return "venue did not answer in time"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.HasSuffix(low, "eof"):
		return "connection closed by the venue"
	case errors.Is(err, syscall.ECONNRESET) || strings.Contains(low, "connection reset"):
		return "connection reset by the venue or the network"
	case errors.Is(err, syscall.ECONNREFUSED) || strings.Contains(low, "connection refused"):
		return "venue refused the connection (down, or a wrong address)"
	case strings.Contains(low, "no such host"):
		return "venue address not found (DNS)"
	case strings.Contains(low, "network is unreachable") || strings.Contains(low, "no route to host"):
		return "network unreachable"
	case strings.Contains(low, "x509:") || strings.Contains(low, "tls:"):
		return "secure connection (TLS) to the venue failed"
	case errors.Is(err, net.ErrClosed) || strings.Contains(low, "use of closed network connection"):
		return "connection closed"
	}
	return ""
}

func raw(err error) string { return err.Error() }

// shorten keeps the end of s, where the cause is, within n characters.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return "…" + string(r[len(r)-n+1:])
}
