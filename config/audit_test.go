package config

import (
	"strings"
	"testing"
)

// audit_retention_days defaults to a year and is held to a range, its line
// named.
func TestAuditRetentionDays(t *testing.T) {
	base := "[[accounts]]\nname = \"a\"\nvenue = \"binance\"\nnetwork = \"testnet\"\nkey = \"a\"\n"
	getenv := func(string) string { return "" }
	c, err := Parse([]byte(base), "c.toml", getenv)
	if err != nil || c.AuditRetentionDays != DefaultAuditRetentionDays {
		t.Fatalf("default: %v, %v", c, err)
	}
	c, err = Parse([]byte("audit_retention_days = 30\n"+base), "c.toml", getenv)
	if err != nil || c.AuditRetentionDays != 30 {
		t.Fatalf("30: %v, %v", c, err)
	}
	_, err = Parse([]byte("\n\naudit_retention_days = 36501\n"+base), "c.toml", getenv)
	if err == nil || !strings.Contains(err.Error(), "c.toml:3") || !strings.Contains(err.Error(), "audit_retention_days") {
		t.Fatalf("36501 days: %v, want an error naming line 3 and the key", err)
	}
}
