package binance

import (
	"bytes"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange"
)

// DecodeFast decodes GET /api/v3/account for Balances without reflection
// (rest.FastDecoder). It is kept for one figure: BenchmarkSignedRoundTrip
// within 1.10× BenchmarkRawRoundTrip. encoding/json takes ~4 µs on this
// reply where DecodeFast takes ~0.7 µs, and the difference is about 5% of
// a ~65 µs loopback round trip, as much as the rest of the signed path's
// own work.
//
// It accepts only input it decodes exactly as encoding/json would, and
// reports false for anything else so the path falls back to encoding/json:
// escapes or non-ASCII bytes in a key or in a field it reads, a key that
// matches a field only case-insensitively (encoding/json would take it), a
// duplicate field, a null or a wrongly typed field it reads, a decimal that
// does not parse, nesting deeper than maxFastDepth. The whole input is
// checked as JSON, skipped values included, so malformed input never
// decodes here. TestDecodeFastMatchesJSON and FuzzDecodeFast hold it to that.
func (r *balancesResp) DecodeFast(raw []byte) bool {
	s := jsonScan{b: raw}
	if !s.balancesObject(r) || !s.end() {
		*r = balancesResp{}
		return false
	}
	return true
}

// maxFastDepth bounds recursion in skipped values; encoding/json allows
// 10000 levels, and deeper input simply takes the fallback.
const maxFastDepth = 64

// jsonScan is a cursor over one JSON document. Every method reports false
// on input it does not handle, and the caller gives up at once.
type jsonScan struct {
	b []byte
	i int
}

func (s *jsonScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, 0 at the end.
func (s *jsonScan) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *jsonScan) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (s *jsonScan) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// plain reads a string of printable ASCII without escapes and returns its
// contents, aliasing the input. Anything else is left to encoding/json,
// which unescapes, and replaces invalid UTF-8, in ways not copied here.
func (s *jsonScan) plain() ([]byte, bool) {
	if !s.eat('"') {
		return nil, false
	}
	// Keys and values here are a few bytes long: a plain loop beats
	// bytes.IndexByte's call and setup, and a table one test per byte.
	for j := s.i; j < len(s.b); j++ {
		if c := s.b[j]; !plainByte[c] {
			if c != '"' {
				return nil, false
			}
			v := s.b[s.i:j]
			s.i = j + 1
			return v, true
		}
	}
	return nil, false
}

// plainByte marks the bytes plain passes over: printable ASCII but the
// quote and the backslash.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipString passes over any valid JSON string; like encoding/json it
// accepts bytes that are not valid UTF-8.
func (s *jsonScan) skipString() bool {
	if !s.eat('"') {
		return false
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		s.i++
		switch {
		case c == '"':
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if s.i >= len(s.b) {
				return false
			}
			e := s.b[s.i]
			s.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if s.i+4 > len(s.b) {
					return false
				}
				for _, h := range s.b[s.i : s.i+4] {
					if !isHex(h) {
						return false
					}
				}
				s.i += 4
			default:
				return false
			}
		}
	}
	return false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// skipNumber passes over a number as RFC 8259 spells it.
func (s *jsonScan) skipNumber() bool {
	s.ws()
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	s.i = i
	return true
}

func (s *jsonScan) literal(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// skip passes over any JSON value.
func (s *jsonScan) skip(depth int) bool {
	if depth > maxFastDepth {
		return false
	}
	switch c := s.peek(); {
	case c == '"':
		return s.skipString()
	case c == '{':
		s.i++
		if s.eat('}') {
			return true
		}
		for {
			if !s.skipString() || !s.eat(':') || !s.skip(depth+1) {
				return false
			}
			if s.eat('}') {
				return true
			}
			if !s.eat(',') {
				return false
			}
		}
	case c == '[':
		s.i++
		if s.eat(']') {
			return true
		}
		for {
			if !s.skip(depth + 1) {
				return false
			}
			if s.eat(']') {
				return true
			}
			if !s.eat(',') {
				return false
			}
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || isDigit(c):
		return s.skipNumber()
	}
	return false
}

// key reads an object key and its colon: a plain string, or false for one
// with escapes or non-ASCII bytes, which could fold onto a field name.
func (s *jsonScan) key() ([]byte, bool) {
	k, ok := s.plain()
	return k, ok && s.eat(':')
}

// next moves past the comma after a member; done is true at the closing
// brace instead.
func (s *jsonScan) next() (done, ok bool) {
	if s.eat('}') {
		return true, true
	}
	return false, s.eat(',')
}

// other handles a key the caller does not read: skipped, unless it matches
// one of names case-insensitively, which encoding/json would decode. Keys
// here are ASCII (plain), so ASCII folding is all of Unicode's that applies.
func (s *jsonScan) other(k []byte, names ...string) bool {
	for _, n := range names {
		if asciiEqualFold(k, n) {
			return false
		}
	}
	return s.skip(1)
}

func asciiEqualFold(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func (s *jsonScan) balancesObject(r *balancesResp) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	seen := false
	for {
		k, ok := s.key()
		switch {
		case !ok:
			return false
		case string(k) == "balances":
			if seen || !s.balanceArray(r) {
				return false
			}
			seen = true
		case !s.other(k, "balances"):
			return false
		}
		if done, ok := s.next(); !ok {
			return false
		} else if done {
			return true
		}
	}
}

func (s *jsonScan) balanceArray(r *balancesResp) bool {
	if !s.eat('[') {
		return false // null, or not an array
	}
	// A few balances are read onto the stack and copied out in one exact
	// allocation; past those, one heap slice is sized from a count of
	// "asset" keys ahead, never too small for a well-formed reply. Counting
	// up front every time cost a second pass over the reply.
	var stack [8]exchange.Balance
	n := 0
	var heap []exchange.Balance
	if !s.eat(']') {
		for {
			var b *exchange.Balance
			switch {
			case heap != nil:
				heap = append(heap, exchange.Balance{})
				b = &heap[len(heap)-1]
			case n < len(stack):
				b = &stack[n]
				n++
			default:
				heap = make([]exchange.Balance, n, n+1+bytes.Count(s.b[s.i:], []byte(`"asset"`)))
				copy(heap, stack[:n])
				heap = append(heap, exchange.Balance{})
				b = &heap[n]
			}
			if !s.balance(b) {
				return false
			}
			if s.eat(']') {
				break
			}
			if !s.eat(',') {
				return false
			}
		}
	}
	if heap == nil {
		heap = make([]exchange.Balance, n)
		copy(heap, stack[:n])
	}
	r.Balances = heap
	return true
}

func (s *jsonScan) balance(b *exchange.Balance) bool {
	if !s.eat('{') {
		return false // null, or not an object
	}
	if s.eat('}') {
		return true
	}
	var asset, free, locked bool
	for {
		k, ok := s.key()
		if !ok {
			return false
		}
		switch string(k) {
		case "asset":
			v, ok := s.plain()
			if !ok || asset {
				return false
			}
			b.Asset, asset = string(v), true
		case "free":
			if free || !s.decimal(&b.Free) {
				return false
			}
			free = true
		case "locked":
			if locked || !s.decimal(&b.Locked) {
				return false
			}
			locked = true
		default:
			if !s.other(k, "asset", "free", "locked") {
				return false
			}
		}
		if done, ok := s.next(); !ok {
			return false
		} else if done {
			return true
		}
	}
}

// decimal reads a quoted decimal as decimal.Decimal.UnmarshalJSON does:
// NewFromString on what is between the quotes. Bare numbers and "" are
// left to encoding/json.
func (s *jsonScan) decimal(d *decimal.Decimal) bool {
	v, ok := s.plain()
	if !ok || len(v) == 0 {
		return false
	}
	x, ok := parseDecimal(v)
	if !ok {
		return false
	}
	*d = x
	return true
}

// parseDecimal is decimal.NewFromString(string(v)). The shape Binance sends,
// [-]digits[.digits] in at most 18 characters, becomes decimal.New(int,
// -fraction digits), which is what NewFromString builds for it too, without
// the string copy and its rescans; anything else goes to NewFromString.
func parseDecimal(v []byte) (decimal.Decimal, bool) {
	if len(v) <= 18 {
		var n int64
		digits, frac, point := 0, 0, false
		i := 0
		if v[0] == '-' {
			i = 1
		}
		simple := i < len(v)
		for ; i < len(v) && simple; i++ {
			switch c := v[i]; {
			case isDigit(c):
				n = n*10 + int64(c-'0')
				digits++
				if point {
					frac++
				}
			case c == '.' && !point && digits > 0:
				point = true
			default:
				simple = false
			}
		}
		if simple && (!point || frac > 0) {
			if n == 0 {
				// Zero at any exponent without an allocation: Shift shares
				// the library's own zero, and decimals never write to
				// their coefficient. Most locked amounts are zero.
				return decimal.Zero.Shift(int32(-frac)), true
			}
			if v[0] == '-' {
				n = -n
			}
			return decimal.New(n, int32(-frac)), true
		}
	}
	x, err := decimal.NewFromString(string(v))
	return x, err == nil
}
