package binance

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/vigil-trade/vigil/crypto"
	"github.com/vigil-trade/vigil/exchange"
	"github.com/vigil-trade/vigil/exchange/rest/resttest"
)

// rebuild decomposes wire bytes into pairs and feeds them to the params
// builder, so the builder's encoding is what is checked, not a copy.
func rebuild(t *testing.T, wire string) []byte {
	t.Helper()
	var p params
	if wire == "" {
		return nil
	}
	for _, pair := range strings.Split(wire, "&") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			t.Fatalf("malformed pair %q", pair)
		}
		uk, err1 := url.PathUnescape(k)
		uv, err2 := url.PathUnescape(v)
		if err1 != nil || err2 != nil {
			t.Fatalf("unescape %q: %v %v", pair, err1, err2)
		}
		p.add(uk, uv)
	}
	return p.bytes()
}

func schemeOf(t *testing.T, s string) exchange.Scheme {
	switch s {
	case "hmac-sha256":
		return exchange.SchemeHMAC
	case "ed25519":
		return exchange.SchemeEd25519
	}
	t.Fatalf("unknown scheme %q", s)
	return ""
}

func TestVectors(t *testing.T) {
	f := resttest.Load(t)
	n := 0
	for _, v := range append(f.Published, f.Vectors...) {
		if v.Venue != "binance" {
			continue
		}
		n++
		t.Run(v.Name, func(t *testing.T) {
			s, err := NewSigner(schemeOf(t, v.Scheme), crypto.NewSecret([]byte(v.Secret)))
			if err != nil {
				t.Fatal(err)
			}
			q, body := v.QuerySent, v.BodySent
			if v.Method == "" { // published: the payload is all there is
				q = v.SignedPayload
			}
			gotQ, gotB := rebuild(t, q), rebuild(t, body)
			if string(gotQ) != q || string(gotB) != body {
				t.Fatalf("builder produced query %q body %q, want %q %q", gotQ, gotB, q, body)
			}
			payload := append(append([]byte{}, gotQ...), gotB...)
			if string(payload) != v.SignedPayload {
				t.Fatalf("payload %q, want %q", payload, v.SignedPayload)
			}
			if got := s.Sign(payload); got != string(v.ExpectedSignature) {
				t.Fatalf("signature %s, want %s", got, v.ExpectedSignature)
			}
			// On the wire the signature is appended to whichever part
			// carries the params, percent-encoded.
			wire := gotB
			if len(wire) == 0 {
				wire = gotQ
			}
			sent := s.AppendSignature(append([]byte{}, wire...), payload)
			want := string(wire) + "&signature=" + url.QueryEscape(string(v.ExpectedSignature))
			if string(sent) != want {
				t.Fatalf("sent %q, want %q", sent, want)
			}
			if k := v.Headers["X-MBX-APIKEY"]; k != "" && k != v.KeyID {
				t.Fatalf("vector header key %q != key_id %q", k, v.KeyID)
			}
		})
	}
	if n < 6 {
		t.Fatalf("only %d binance vectors found", n)
	}
}

const (
	docSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
	docAPIKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
	rfcEdPEM  = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n-----END PRIVATE KEY-----\n"
)

// TestDocVectors pins venues.md §1.7 B1–B6 and the derived Ed25519 vectors.
func TestDocVectors(t *testing.T) {
	hm, err := NewSigner(exchange.SchemeHMAC, crypto.NewSecret([]byte(docSecret)))
	if err != nil {
		t.Fatal(err)
	}
	ed, err := NewSigner(exchange.SchemeEd25519, crypto.NewSecret([]byte(rfcEdPEM)))
	if err != nil {
		t.Fatal(err)
	}
	order := func(symbol string) []byte {
		var p params
		p.add("symbol", symbol)
		p.add("side", "BUY")
		p.add("type", "LIMIT")
		p.add("timeInForce", "GTC")
		p.add("quantity", "1")
		p.add("price", "0.1")
		p.addInt("recvWindow", 5000)
		p.addInt("timestamp", 1499827319559)
		return p.bytes()
	}
	rest := []struct {
		name    string
		s       *Signer
		payload []byte
		want    string
		wantSig string
	}{
		{"B1", hm, order("LTCBTC"),
			"symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
			"c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"},
		{"B2", hm, order("１２３４５６"),
			"symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
			"e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3"},
		{"B3", hm, func() []byte { var p params; p.addInt("timestamp", 1578963600000); return p.bytes() }(),
			"timestamp=1578963600000",
			"d84e6641b1e328e7b418fff030caed655c266299c9355e36ce801ed14631eed4"},
		{"Ed25519-derived-rest", ed, func() []byte {
			var p params
			for _, kv := range [][2]string{{"symbol", "BTCUSDT"}, {"side", "SELL"}, {"type", "LIMIT"}, {"timeInForce", "GTC"}, {"quantity", "1"}, {"price", "0.2"}, {"timestamp", "1668481559918"}, {"recvWindow", "5000"}} {
				p.add(kv[0], kv[1])
			}
			return p.bytes()
		}(),
			"symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2&timestamp=1668481559918&recvWindow=5000",
			"XtZirsmmi0noRzUfkqktvkVfxpkq/WtbLg2UOL3QGYdUBZVlqOBEMuEVw8zioY93N54NcKj9UuAXQEa9zgTDBg=="},
	}
	for _, c := range rest {
		if string(c.payload) != c.want {
			t.Errorf("%s: payload %q, want %q", c.name, c.payload, c.want)
		}
		if got := c.s.Sign(c.payload); got != c.wantSig {
			t.Errorf("%s: signature %s, want %s", c.name, got, c.wantSig)
		}
	}

	ws := []struct {
		name    string
		s       *Signer
		params  map[string]string
		want    string
		wantSig string
	}{
		{"B4", hm, map[string]string{"apiKey": docAPIKey, "price": "52000.00", "quantity": "0.01000000", "recvWindow": "100", "side": "SELL", "symbol": "BTCUSDT", "timeInForce": "GTC", "timestamp": "1645423376532", "type": "LIMIT"},
			"apiKey=" + docAPIKey + "&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
			"aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24"},
		{"B5", hm, map[string]string{"apiKey": docAPIKey, "price": "0.10000000", "quantity": "1.00000000", "recvWindow": "5000", "side": "BUY", "symbol": "１２３４５６", "timeInForce": "GTC", "timestamp": "1645423376532", "type": "LIMIT", "signature": "ignored"},
			"apiKey=" + docAPIKey + "&price=0.10000000&quantity=1.00000000&recvWindow=5000&side=BUY&symbol=１２３４５６&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
			"b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd"},
		{"B6", hm, map[string]string{"timestamp": "1649729878532", "apiKey": docAPIKey},
			"apiKey=" + docAPIKey + "&timestamp=1649729878532",
			"1cf54395b336b0a9727ef27d5d98987962bc47aca6e13fe978612d0adee066ed"},
		{"Ed25519-derived-ws", ed, map[string]string{"apiKey": "4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO", "price": "52000.00", "quantity": "0.01000000", "recvWindow": "100", "side": "SELL", "symbol": "BTCUSDT", "timeInForce": "GTC", "timestamp": "1645423376532", "type": "LIMIT"},
			"apiKey=4yNzx3yWC5bS6YTwEkSRaC0nRmSQIIStAUOh1b6kqaBrTLIhjCpI5lJH8q8R8WNO&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT",
			"Ws+5m/CMnpkko0uBFxGTZ2+fjqqBXsUjRiaz173fPhXTkhoDBYNZ6wcYNeWItdrGn1pvG7vkwx2fhmJdAZ3KDQ=="},
	}
	for _, c := range ws {
		payload, sig := c.s.SignWS(c.params)
		if payload != c.want {
			t.Errorf("%s: payload %q, want %q", c.name, payload, c.want)
		}
		if sig != c.wantSig {
			t.Errorf("%s: signature %s, want %s", c.name, sig, c.wantSig)
		}
	}
}

func TestSignerRejectsWrongKeyMaterial(t *testing.T) {
	if _, err := NewSigner(exchange.SchemeHMAC, crypto.NewSecret([]byte(rfcEdPEM))); err == nil {
		t.Error("HMAC signer accepted a PEM key")
	}
	if _, err := NewSigner(exchange.SchemeEd25519, crypto.NewSecret([]byte(docSecret))); err == nil {
		t.Error("Ed25519 signer accepted a bare secret")
	}
	if _, err := NewSigner(exchange.SchemeHMAC, crypto.Secret{}); !errors.Is(err, ErrNoSecret) {
		t.Errorf("empty secret: %v", err)
	}
	if _, err := NewSigner(SchemeRSA, crypto.NewSecret([]byte(rfcEdPEM))); err == nil {
		t.Error("RSA signer accepted an Ed25519 key")
	}
	if _, err := NewSigner("dsa", crypto.NewSecret([]byte(docSecret))); err == nil {
		t.Error("unknown scheme accepted")
	}
}

func TestSignAllocations(t *testing.T) {
	s, err := NewSigner(exchange.SchemeHMAC, crypto.NewSecret([]byte(docSecret)))
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559")
	buf := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(100, func() {
		buf = append(buf[:0], payload...)
		buf = s.AppendSignature(buf, buf)
	})
	if allocs > 0 && !raceEnabled {
		t.Errorf("AppendSignature allocates %.1f times per call", allocs)
	}
	if !strings.HasSuffix(string(buf), "&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71") {
		t.Errorf("sent %q", buf)
	}
}

// B7 from venues.md §1.7: the RSA key of Binance's connector tests.
const b7PEM = `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDPrfWMr2yqxJgJ
cIyA5TDFpZBlB9E3RMbbEcPZijmPDiciZjuRiD1Q6oQzi1MFGTZ523HwSXe9XG3R
NQaLCjxi+VkLsvCoxzgurkWXoQr0VHJyEDxnyRaCzTyvvHQgt0LKCWfqalYNz0ue
doxnYnde3DH/tFFXX0/rTkJyK6LpOyKOAqE0G7OhuQWkLvlUO8mqwtGNqdrtOgzv
kTN5rhb5VeWB4JGWDcAYFb9CQI9wD7/JJU1XQGIOJEY3L/PjGLcjDEiROt57/RS3
i6OVTiAgDcgA405tNLgS326hfbEchI5tKeOxqrFYVfvOK8+4o+rrUBnMhrBg0tJv
1feQKeAnAgMBAAECggEAUdB8PZIWQyfzpTRbhaPElPhmbAaqWxWTKVZUS2zyw/KV
ZC3WJb0AOtJIhm3KpOWL2nGi70BiFY1GDfbPvxKnO25zr/IscLEa5vjsnZFp2Vsz
QtA2m8RSQ/FKiQi6zvCjNSiDcYu2nvYdGi4lnczirdIdOFj2+m6n81D/SC78nNhj
P/JLbSPFw+XOfVqOVelXHw7XGtMH9dgFjWDdB317HcJjZyPDahpQQ7s6PcecDwuv
Qucs+Hi4sAWiHOiwKusx3sT/NL5Og/jAvC5aMy1QswWFnPr90T3qFE4MN1GZszzX
DmDkWaGaRwuwdpi/ocIZF3R9XX3m+WOVdEZRfzzcEQKBgQDt11achN666/j1kgQM
xPdzo06eUUZb/JUtEXz8hU+AzRsN/eso/47pjaPq7nrXFYE4aEx7Je2I9S52Y+b/
SLrctuza25VOxvqIpDynlvM/Iatg9WuTEIuOk7gkBFanDNjDjZDKFuDYSEfN+sX+
UakFT7cm+xu12PWR8HlZmFZL5QKBgQDfiRrC8zADSIE74uFBJ5K88t6cwrktqdPH
9QT69j+VpRXssyUoCfR4/zchKbEyTwSASvL1saJR14Opmvn6Le+0DKq+EV7Z1UM6
svVIzd9pWWMhRh9G83CC5Krx9Ie+34QHNRxBf+rya5if/aBCDtBFedRGbR6Le8MB
yvrpT5hzGwKBgQCU2+QPjnHA2BQ3zq3OODEQJTP9jqzUwd+0F2/8tIsv+C9osHXQ
cTLHJqljTuN/XqxD27OSmAh1Yc80tg5L1P9vSOYxjKGEbrE7eF+mHKod5zrWMoSj
xQUztWzYzgZWA4pfymjGs08Czypx1vS42e9JrbzaHuwXArWgI7wvwVKxqQKBgQCS
ByIZav7Zljr+oUdf5fdBQjPVGowYXZJBVTpMrCN7od4BxEIotuAjTy53lqHwaJhb
KxsvED0m0/BqExjsq6ek6oV8JyLckSobJZ+BUSR60O8mZIW4Nv4wNCvMZl9rfN7m
SnbL/0G/3jRViD1yCfVa/ayD2XMT0eThvfVOBzZjMwKBgB5jasP9TcDAyaEKta+g
6glTM0MKUWfhZzYRbvDXdnatjjMEdixWm9aXwc0Nw+aN0KkdLBwvnDiVMtX+Xl2n
BU2Gxxe3H8qrvkoi8zmzh3VWpqzfB+L3sXAq+6VNNYLEFLBR6D2u4DD86FvY+DsU
miJlY6JEKpSxvkrS04XrbvHk
-----END PRIVATE KEY-----
`

func TestB7RSA(t *testing.T) {
	s, err := NewSigner(SchemeRSA, crypto.NewSecret([]byte(b7PEM)))
	if err != nil {
		t.Fatal(err)
	}
	var p params
	for _, kv := range [][2]string{{"symbol", "LTCBTC"}, {"side", "BUY"}, {"type", "LIMIT"}, {"timeInForce", "GTC"}, {"quantity", "1"}, {"price", "0.1"}, {"recvWindow", "5000"}, {"timestamp", "1499827319559"}} {
		p.add(kv[0], kv[1])
	}
	const want = "uz2xmNkOf1EEsnZoWGraxR13F4jF9JYdC68uvWqYyjFyjwDgcoiMRm23UqsxWkmA208smu7TuGVxm1cWoZa/5fLQ2T/RcfLW9sokNWDzf1vM/xEpSmQEsSyIzd/c0pMWGsUkXsYpIarp3e/KSFzgwI73qZfbalBRkkK7u3dLWRVRk4kmEVf6dQUWMyXC44X8LB0M1XFrhkqcFYdcP9NcaCZCvb8nzG/nyUPtCJdBxVn8MMgXaVCM8DIbSrUBT0ZUxFQ3gTSd929LR1Tp6P2y4pHiWSElW5nJZYRRn2zUFt4xH7wvVKvuuEi8HH0Dusf6KBcWq8/3viAcRUh1Cj4fsQ=="
	if got := s.Sign(p.bytes()); got != want {
		t.Fatalf("signature %s", got)
	}
	sent := s.AppendSignature(append([]byte{}, p.bytes()...), p.bytes())
	if !strings.HasSuffix(string(sent), "&signature="+url.QueryEscape(want)) {
		t.Fatalf("sent %s", sent)
	}
}
