// Package venues is the one list of venues vigil supports. Everything that
// needs to know which venues exist (config, `vigil keys`, connect, the demo,
// `vigil check`, help texts) asks here, and reads the venue's descriptor
// rather than its name.
package venues

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/vigil-trade/vigil/exchange/binance"
	"github.com/vigil-trade/vigil/exchange/bybit"
	"github.com/vigil-trade/vigil/exchange/coinbase"
	"github.com/vigil-trade/vigil/exchange/deribit"
	"github.com/vigil-trade/vigil/exchange/hyperliquid"
	"github.com/vigil-trade/vigil/exchange/kit"
	"github.com/vigil-trade/vigil/exchange/kraken"
	"github.com/vigil-trade/vigil/exchange/okx"
	"github.com/vigil-trade/vigil/exchange/sim/simhttp"
)

var (
	mu   sync.RWMutex
	list = []*kit.Descriptor{
		binance.Descriptor,
		okx.Descriptor,
		bybit.Descriptor,
		kraken.Descriptor,
		coinbase.Descriptor,
		deribit.Descriptor,
		hyperliquid.Descriptor,
	}
)

// All lists the venues in their order of appearance: help texts, the demo
// and prompts keep it.
func All() []*kit.Descriptor {
	mu.RLock()
	defer mu.RUnlock()
	return slices.Clone(list)
}

// Lookup finds a venue by its config name.
func Lookup(name string) (*kit.Descriptor, bool) {
	mu.RLock()
	defer mu.RUnlock()
	for _, d := range list {
		if d.Name == name {
			return d, true
		}
	}
	return nil, false
}

// Names are the config names of every venue, in order.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, len(list))
	for i, d := range list {
		out[i] = d.Name
	}
	return out
}

// Register adds a venue at the end of the list and returns what removes it
// again: how a test brings in a venue of its own. A descriptor that fails
// kit's check, or a name already listed, panics: both are programming
// errors.
func Register(d *kit.Descriptor) (remove func()) {
	if err := d.Check(); err != nil {
		panic(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if slices.ContainsFunc(list, func(x *kit.Descriptor) bool { return x.Name == d.Name }) {
		panic(fmt.Sprintf("venues: %q registered twice", d.Name))
	}
	list = append(list, d)
	return func() {
		mu.Lock()
		defer mu.Unlock()
		list = slices.DeleteFunc(list, func(x *kit.Descriptor) bool { return x == d })
	}
}

// TestKits are the test kits of every listed venue, for the tests that run
// over all venues' fakes. A venue without one is an error, not a skip: those
// tests must not leave a venue out silently.
func TestKits() ([]simhttp.Kit, error) {
	var (
		kits    []simhttp.Kit
		missing []string
	)
	for _, d := range All() {
		if d.TestKit == nil {
			missing = append(missing, d.Name)
			continue
		}
		kits = append(kits, d.TestKit())
	}
	if len(missing) > 0 {
		return kits, fmt.Errorf("venues without a test kit: %s", strings.Join(missing, ", "))
	}
	return kits, nil
}
