package kraken_test

import "github.com/vigil-trade/vigil/crypto"

func secret(s string) crypto.Secret { return crypto.NewSecret([]byte(s)) }
