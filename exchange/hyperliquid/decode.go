package hyperliquid

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
	"github.com/vigil-trade/vigil/exchange/rest"
)

// nums collects what went wrong reading one message's numbers, so it is
// refused with every bad field named.
type nums struct{ errs []error }

// Decimal is the named field's value; a bad one is noted and reads as zero.
func (n *nums) Decimal(name, s string) decimal.Decimal {
	v, err := rest.Decimal(s)
	if err != nil {
		n.errs = append(n.errs, fmt.Errorf("%s %q: %w", name, s, err))
	}
	return v
}

func (n *nums) err() error { return errors.Join(n.errs...) }
