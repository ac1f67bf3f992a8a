package crypto

import "unicode/utf8"

// MaskID shortens an API key id for display: the first and last four
// characters of a long id ("vmPU…Eh8A"), less of a short one. Ids are not
// secret, but a full id on a shared screen helps phishing.
func MaskID(id string) string {
	n := utf8.RuneCountInString(id)
	r := []rune(id)
	switch {
	case n == 0:
		return ""
	case n >= 12:
		return string(r[:4]) + "…" + string(r[n-4:])
	case n >= 6:
		return string(r[:2]) + "…" + string(r[n-2:])
	default:
		return "…"
	}
}
