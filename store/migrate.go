package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/vigil-trade/vigil/exchange"
)

// Schema 1 buckets and records, read only to migrate them.
var (
	bIntentsV1 = []byte("intents")
	bLogV1     = []byte("log")
	bStateV1   = []byte("state")
)

type intentRecV1 struct {
	Symbol   string    `json:"symbol"`
	Side     string    `json:"side"`
	Type     string    `json:"type"`
	TIF      string    `json:"tif,omitempty"`
	Qty      string    `json:"qty"`
	Price    string    `json:"price"`
	Created  time.Time `json:"created"`
	Venue    string    `json:"venue,omitempty"`
	Network  string    `json:"network,omitempty"`
	Endpoint string    `json:"endpoint,omitempty"`
}

type transitionRecV1 struct {
	Status  exchange.OrderStatus `json:"status"`
	OrderID string               `json:"order_id,omitempty"`
	Filled  string               `json:"filled"`
	Reason  string               `json:"reason,omitempty"`
	Via     string               `json:"via,omitempty"`
	At      time.Time            `json:"at"`
}

type stateRecV1 struct {
	Status  exchange.OrderStatus `json:"status"`
	OrderID string               `json:"order_id,omitempty"`
	Filled  string               `json:"filled"`
	Reason  string               `json:"reason,omitempty"`
	Updated time.Time            `json:"updated"`
	Seq     uint64               `json:"seq"`
}

// migrate rewrites a schema 1 journal as schema 2 in one transaction: a
// crash or a record it cannot read leaves the file as it was. Open walked
// every page of the file before (an older vigil leaves no checked mark).
// The pages the JSON records held become bbolt's free pages, which later
// writes reuse; the file does not shrink.
func (j *Journal) migrate(from int) error {
	if from != 1 {
		return corruptf("schema version %d", from)
	}
	return j.update(func(tx *bolt.Tx) error {
		accounts := tx.Bucket(bAccounts)
		var names [][]byte
		err := accounts.ForEach(func(name, _ []byte) error {
			if accounts.Bucket(name) == nil {
				return corruptf("account %q is not a bucket", name)
			}
			names = append(names, bytes.Clone(name))
			return nil
		})
		if err != nil {
			return err
		}
		for _, name := range names {
			if err := migrateAccount(string(name), accounts.Bucket(name)); err != nil {
				return err
			}
		}
		return tx.Bucket(bMeta).Put(kSchema, []byte(strconv.Itoa(SchemaVersion)))
	})
}

func migrateAccount(account string, a *bolt.Bucket) error {
	for _, name := range [][]byte{bIntentsV1, bLogV1, bStateV1, bOpen, bTime} {
		if a.Bucket(name) == nil {
			return corruptf("account %q has no %s bucket", account, name)
		}
	}
	orders, err := a.CreateBucket(bOrders)
	if err != nil {
		return corruptf("account %q: %v", account, err)
	}
	oid, err := a.CreateBucket(bOID)
	if err != nil {
		return corruptf("account %q: %v", account, err)
	}
	orders.FillPercent, oid.FillPercent = fillPercent, fillPercent
	logs := a.Bucket(bLogV1).Cursor()
	err = a.Bucket(bIntentsV1).ForEach(func(id, v []byte) error {
		var ir intentRecV1
		if err := json.Unmarshal(v, &ir); err != nil {
			return corruptf("account %q: intent %q: %v", account, id, err)
		}
		in, err := ir.decode(account, string(id))
		if err != nil {
			return corruptf("account %q: intent %q: %s", account, id, cause(err))
		}
		var log []Transition
		prefix := append(bytes.Clone(id), 0)
		for k, v := logs.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = logs.Next() {
			if len(k) != len(prefix)+8 {
				return corruptf("account %q: record key %q", account, k)
			}
			var r transitionRecV1
			if err := json.Unmarshal(v, &r); err != nil {
				return corruptf("account %q: record %q: %v", account, k, err)
			}
			filled, err := parseDec(r.Filled)
			if err != nil {
				return corruptf("account %q: record %q: %s", account, k, cause(err))
			}
			log = append(log, Transition{Status: r.Status, OrderID: r.OrderID, Filled: filled, Reason: r.Reason, Via: r.Via, At: r.At})
		}
		var st stateRecV1
		if err := json.Unmarshal(a.Bucket(bStateV1).Get(id), &st); err != nil {
			return corruptf("account %q: state of %q: %v", account, id, err)
		}
		e := entryOf(in, log)
		if e.Status != st.Status || e.OrderID != st.OrderID || e.Seq != st.Seq {
			return corruptf("account %q: state of %q (%s, seq %d) is not what its records say (%s, seq %d)", account, id, st.Status, st.Seq, e.Status, e.Seq)
		}
		if err := orders.Put(id, encodeOrder(in, log)); err != nil {
			return err
		}
		if e.OrderID != "" {
			return putOrderID(a, e.OrderID, id)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range [][]byte{bIntentsV1, bLogV1, bStateV1} {
		if err := a.DeleteBucket(name); err != nil {
			return fmt.Errorf("account %q: %w", account, err)
		}
	}
	return nil
}

func (r intentRecV1) decode(account, id string) (Intent, error) {
	qty, err := parseDec(r.Qty)
	if err != nil {
		return Intent{}, err
	}
	price, err := parseDec(r.Price)
	if err != nil {
		return Intent{}, err
	}
	return Intent{
		Account:  account,
		ClientID: id,
		Created:  r.Created,
		Binding:  Binding{Venue: r.Venue, Network: exchange.Network(r.Network), Endpoint: r.Endpoint},
		Req: exchange.OrderRequest{
			Symbol:   r.Symbol,
			Side:     exchange.Side(r.Side),
			Type:     exchange.OrderType(r.Type),
			TIF:      exchange.TimeInForce(r.TIF),
			Qty:      qty,
			Price:    price,
			ClientID: id,
		},
	}, nil
}
