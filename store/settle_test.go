package store

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestSettleTail holds Settle's tail rewrite to what decoding the record and
// encoding it settled gives, byte for byte, on records as Put writes them.
// It fails too when Message's fields are reordered so that a stored record
// no longer ends in storedTail.
func TestSettleTail(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "bot.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	result := json.RawMessage(`{"class":"questionnaire","answers":{"needs":"<b>Housing & schools</b>","population":12000}}`)
	date := time.Date(2026, 11, 30, 9, 15, 0, 0, time.FixedZone("", 2*3600))
	res, err := db.Put([]Incoming{
		{Raw: []byte("a"), Msg: Message{Folder: "Processed", Source: Location{Mailbox: "INBOX", UIDValidity: 7, UID: 1},
			Subject: "Re: <Questionnaire> & \"answers\" \u2028", Date: date, Result: result, Class: "questionnaire"}},
		{Raw: []byte("b"), Msg: Message{Folder: "Review", Source: Location{Mailbox: "INBOX", UIDValidity: 7, UID: 2},
			Errors: []string{"not understood: staff must read it"}, Warnings: []string{"missing boundary"}}},
		{Raw: []byte("c"), Msg: Message{Folder: "Processed", Source: Location{Mailbox: "Other", UIDValidity: 3, UID: 9}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 10, 0, 0, 123456789, time.UTC)
	for _, r := range res {
		key := u64(r.ID)
		var val, pending []byte
		db.bolt.View(func(tx *bolt.Tx) error {
			val = bytes.Clone(tx.Bucket(bucketMessages).Get(key))
			pending = bytes.Clone(tx.Bucket(bucketPending).Get(key))
			return nil
		})
		if !bytes.HasSuffix(val, []byte(storedTail)) || len(pending) == 0 {
			t.Fatalf("record %d = %s, pending %q: want it to end in %s, with a pending value", r.ID, val, pending, storedTail)
		}
		fast := settledRecord{val: val, pending: pending}
		fast.settle(key, "INBOX", "Review", now)
		slow := settledRecord{val: val} // as a record of an earlier version
		slow.settle(key, "INBOX", "Review", now)
		if fast.err != nil || slow.err != nil {
			t.Fatalf("settle %d: %v, %v", r.ID, fast.err, slow.err)
		}
		if fast.other != slow.other || !bytes.Equal(fast.out, slow.out) {
			t.Errorf("record %d settled by its tail:\n%s (other %v)\nwant, as decoded and encoded:\n%s (other %v)",
				r.ID, fast.out, fast.other, slow.out, slow.other)
		}
	}
}
