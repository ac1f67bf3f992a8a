package cli

import (
	"fmt"
	"strings"

	"github.com/vigil-trade/vigil/exchange/venues"
)

// venueHelp fills a help text's venue placeholders from the venue list, so
// help names the venues vigil has, and this package names none:
//
//	{VENUES}        binance, okx, …
//	{TITLES}        "Binance Spot, OKX and …" (people's names)
//	{V1} {V2}       the first and second venue's config names
//	{V1SYM} {V2SYM} a symbol of each, in its spelling
//	{SYMBOLS}       every symbol spelling with the venues that use it
//	{DEMO_N}        how many accounts the demo opens by default
//	{DEMO_ACCOUNTS} their names
//	{DEMO_EXTRA}    the names extra demo accounts get, in turn
func venueHelp(text string) string {
	all := venues.All()
	var names, titles, demoAccounts, extra []string
	bySymbol := map[string][]string{}
	var symbolOrder []string
	for _, d := range all {
		names = append(names, d.Name)
		titles = append(titles, d.Title)
		for _, k := range d.Demo {
			demoAccounts = append(demoAccounts, "demo-"+d.Name+k.Suffix)
		}
		extra = append(extra, "demo-"+d.Name+"-2")
		if _, ok := bySymbol[d.SymbolHint]; !ok {
			symbolOrder = append(symbolOrder, d.SymbolHint)
		}
		bySymbol[d.SymbolHint] = append(bySymbol[d.SymbolHint], d.Name)
	}
	if len(all) > 0 {
		extra = append(extra, "demo-"+all[0].Name+"-3")
	}
	var symbols []string
	for _, s := range symbolOrder {
		symbols = append(symbols, fmt.Sprintf("%s (%s)", s, strings.Join(bySymbol[s], ", ")))
	}
	at := func(i int) (name, sym string) {
		if i < len(all) {
			return all[i].Name, all[i].SymbolHint
		}
		return "VENUE", "SYMBOL"
	}
	v1, s1 := at(0)
	v2, s2 := at(1)
	return strings.NewReplacer(
		"{VENUES}", strings.Join(names, ", "),
		"{TITLES}", andList(titles),
		"{V1SYM}", s1, "{V2SYM}", s2,
		"{V1}", v1, "{V2}", v2,
		"{SYMBOLS}", strings.Join(symbols, ", "),
		"{DEMO_N}", fmt.Sprint(len(demoAccounts)),
		"{DEMO_ACCOUNTS}", strings.Join(demoAccounts, ", "),
		"{DEMO_EXTRA}", strings.Join(extra, ", "),
	).Replace(text)
}

// andList joins "a, b and c".
func andList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
