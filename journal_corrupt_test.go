package main

import (
	"bytes"
	"encoding/binary"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/binance/binancetest"
	"github.com/vigil-trade/vigil/store"
)

// TestCorruptJournalBinary: whatever is wrong with journal.db, the real
// binary says "journal is corrupt: <path>: <cause>" with the advice to move
// it aside and what that loses, exits 1 (not 2, which reads as a config
// error or a Go crash), and leaves the file as it was.
func TestCorruptJournalBinary(t *testing.T) {
	dir := t.TempDir()
	bin := buildVigil(t, dir)
	fake := binancetest.New()
	fake.AddHMACKey(crashKeyID, crashSecret, binancetest.TradePerms(binancetest.DefaultAccount))
	srv := httptest.NewServer(fake)
	defer srv.Close()
	global := crashSetup(t, dir, srv.URL)
	journal := filepath.Join(dir, "data", store.FileName)

	j, err := store.Open(journal)
	if err != nil {
		t.Fatal(err)
	}
	in := store.Intent{Account: crashAcct, ClientID: "vgcorrupt1", Created: time.Now(), Req: exchange.OrderRequest{
		Symbol: "BTCUSDT", Side: exchange.Buy, Type: exchange.LimitOrder, TIF: exchange.GTC,
		Qty: decimal.RequireFromString("0.001"), Price: decimal.RequireFromString("40000")}}
	if err := j.RecordIntent(in); err != nil {
		t.Fatal(err)
	}
	j.Close()
	sound, err := os.ReadFile(journal)
	if err != nil {
		t.Fatal(err)
	}
	// The order's record: format 2, then the symbol as a 7-byte string.
	rec := bytes.Index(sound, []byte("\x02\x0eBTCUSDT"))
	if rec < 0 {
		t.Fatal("the order record is not in the file")
	}
	// The leaf element of the intent: its key, the client id, sits pos bytes
	// after it, right before the record.
	key := rec - len(in.ClientID)
	elem := -1
	for e := key - 16; e >= 0; e-- {
		if binary.NativeEndian.Uint32(sound[e+4:]) == uint32(key-e) && binary.NativeEndian.Uint32(sound[e+8:]) == uint32(len(in.ClientID)) {
			elem = e
			break
		}
	}
	if elem < 0 {
		t.Fatal("the intent's leaf element is not in the file")
	}
	cases := map[string]func(b []byte){
		// bbolt took this offset on trust and read far outside its map
		// (SIGSEGV, exit 2).
		"an element pointing outside its page": func(b []byte) { binary.NativeEndian.PutUint32(b[elem+4:], 0x7ffffff0) },
		"a garbage order record":               func(b []byte) { copy(b[rec:], "xxxxxxxxxxxxxxxxxxx") },
		"every byte 0xff":                      func(b []byte) { copy(b, bytes.Repeat([]byte{0xff}, len(b))) },
		"truncated":                            nil,
	}
	for name, patch := range cases {
		t.Run(name, func(t *testing.T) {
			b := bytes.Clone(sound)
			if patch == nil {
				b = b[:len(b)/3]
			} else {
				patch(b)
			}
			if err := os.WriteFile(journal, b, 0o600); err != nil {
				t.Fatal(err)
			}
			r := startVigil(t, bin, dir, "", append(append([]string(nil), global...), "order", "list", "--account", crashAcct)...)
			code := r.wait(t)
			stderr := r.err.String()
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s", code, stderr)
			}
			// Damage inside a record is met by the first read of it, which
			// may say what it was doing first ("reconciling ...: journal is
			// corrupt: ...").
			for _, want := range []string{"journal is corrupt: " + journal + ": ", "mv " + journal, "orders in doubt", "the venue still has"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			after, _ := os.ReadFile(journal)
			if !bytes.Equal(after, b) {
				t.Error("vigil changed the corrupt journal")
			}
		})
	}
}
