//go:build !linux

package crypto

// Harden does nothing outside Linux; the report says so.
func Harden() HardenReport {
	return HardenReport{Errors: []string{"process hardening is implemented for Linux only"}}
}
