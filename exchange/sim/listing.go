package sim

// AddSymbols lists each spec in turn, as AddSymbol does, and stops at the
// first it refuses.
func (x *Exchange) AddSymbols(specs ...SymbolSpec) error {
	for _, s := range specs {
		if err := x.AddSymbol(s); err != nil {
			return err
		}
	}
	return nil
}
