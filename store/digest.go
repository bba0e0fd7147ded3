package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DigestState says how far a digest has gone.
type DigestState string

const (
	// DigestPreparing: items chosen; the deliveries are being listed.
	DigestPreparing DigestState = "preparing"
	// DigestSending: one delivery per recipient is listed; sending.
	DigestSending DigestState = "sending"
	// DigestDone: every delivery is sent, failed or skipped.
	DigestDone DigestState = "done"
)

// Digest is one issue of the news digest.
type Digest struct {
	ID       uint64      `json:"id"`
	Volume   int         `json:"volume"`
	Issue    int         `json:"issue"`
	Created  time.Time   `json:"created"`
	Items    []uint64    `json:"items"`
	State    DigestState `json:"state"`
	Total    int         `json:"total"`
	Finished time.Time   `json:"finished,omitzero"`
	// Counts are the deliveries by state, kept in step with them.
	Counts map[DeliveryState]int `json:"counts"`
}

// DeliveryState is where the digest stands for one recipient. A delivery
// goes pending -> claimed (about to be sent: in flight) -> sent; or ends
// failed (given up), or skipped (suppressed before its turn). Sent, failed
// and skipped are done.
type DeliveryState string

const (
	DeliveryPending DeliveryState = "pending"
	DeliveryClaimed DeliveryState = "claimed"
	DeliverySent    DeliveryState = "sent"
	DeliveryFailed  DeliveryState = "failed"
	DeliverySkipped DeliveryState = "skipped"
)

// Delivery is the digest's record for one recipient.
type Delivery struct {
	Digest      uint64        `json:"digest"`
	Email       string        `json:"email"`
	MemberID    uint64        `json:"member_id"`
	Authority   string        `json:"authority,omitempty"`
	Language    string        `json:"language"`
	State       DeliveryState `json:"state"`
	Attempts    int           `json:"attempts"`
	LastError   string        `json:"last_error,omitempty"`
	NextAttempt time.Time     `json:"next_attempt,omitzero"`
	Claimed     time.Time     `json:"claimed,omitzero"`
	Sent        time.Time     `json:"sent,omitzero"`
}

func deliveryKey(digest uint64, email string) []byte {
	return append(u64(digest), email...)
}

// CreateDigest starts the next digest with the approved news not yet sent,
// in state DigestPreparing: call PrepareDeliveries next. Its volume is the
// year's (the first digest's year is volume 1) and its issue numbers start
// at 1 in each volume. It returns ErrNothingToSend when no news waits.
func (db *DB) CreateDigest() (*Digest, error) {
	now := db.now().UTC()
	var d Digest
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		digests := tx.Bucket(bucketDigests)
		news := tx.Bucket(bucketNews)
		var items []*NewsItem
		err := news.ForEach(func(_, v []byte) error {
			var n NewsItem
			if err := json.Unmarshal(v, &n); err != nil {
				return err
			}
			if n.State == NewsApproved && n.Digest == 0 {
				items = append(items, &n)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return ErrNothingToSend
		}
		d = Digest{Volume: 1, Issue: 1, Created: now, State: DigestPreparing, Counts: map[DeliveryState]int{}}
		if _, v := digests.Cursor().Last(); v != nil {
			var last, first Digest
			if err := json.Unmarshal(v, &last); err != nil {
				return err
			}
			_, fv := digests.Cursor().First()
			if err := json.Unmarshal(fv, &first); err != nil {
				return err
			}
			d.Volume = now.Year() - first.Created.Year() + 1
			if d.Volume == last.Volume {
				d.Issue = last.Issue + 1
			}
		}
		if d.ID, err = digests.NextSequence(); err != nil {
			return err
		}
		for _, n := range items {
			n.Digest = d.ID
			d.Items = append(d.Items, n.ID)
			if err := putNews(news, n); err != nil {
				return err
			}
		}
		return putDigest(digests, &d)
	})
	if err != nil {
		return nil, fmt.Errorf("create digest: %w", err)
	}
	return &d, nil
}

// prepareChunk is how many deliveries PrepareDeliveries writes per
// transaction: small transactions keep memory flat for any number of members.
const prepareChunk = 2000

// PrepareDeliveries lists one pending delivery per member of digest id that
// is not suppressed, a chunk per transaction, then moves the digest to
// DigestSending. It resumes where a crash stopped it: members already listed
// are skipped.
func (db *DB) PrepareDeliveries(id uint64) (*Digest, error) {
	var after []byte
	for {
		done := false
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			digests := tx.Bucket(bucketDigests)
			d, err := getDigest(digests, id)
			if err != nil {
				return err
			}
			if d.State != DigestPreparing {
				done = true
				return nil
			}
			dels := tx.Bucket(bucketDeliveries)
			suppressed := tx.Bucket(bucketSuppressed)
			c := tx.Bucket(bucketMembers).Cursor()
			k, v := c.First()
			if after != nil {
				k, v = c.Seek(after)
				if k != nil && bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			n := 0
			for ; k != nil && n < prepareChunk; k, v = c.Next() {
				after = bytes.Clone(k)
				if suppressed.Get(k) != nil {
					continue
				}
				key := deliveryKey(id, string(k))
				if dels.Get(key) != nil {
					continue
				}
				var m Member
				if err := json.Unmarshal(v, &m); err != nil {
					return err
				}
				if err := putDelivery(dels, &Delivery{Digest: id, Email: m.Email, MemberID: m.ID, Authority: m.Authority, Language: m.Language, State: DeliveryPending}); err != nil {
					return err
				}
				d.Counts[DeliveryPending]++
				d.Total++
				n++
			}
			if k == nil {
				d.State = DigestSending
				done = true
			}
			return putDigest(digests, d)
		})
		if err != nil {
			return nil, fmt.Errorf("prepare digest %d: %w", id, err)
		}
		if done {
			return db.GetDigest(id)
		}
		// Each chunk reads and writes pages of the file: let them go, so
		// that memory stays flat for any number of members.
		if err := db.ReleaseMapped(); err != nil {
			return nil, err
		}
	}
}

// GetDigest returns digest id, or ErrNotFound.
func (db *DB) GetDigest(id uint64) (*Digest, error) {
	var d *Digest
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		d, err = getDigest(tx.Bucket(bucketDigests), id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("digest %d: %w", id, err)
	}
	return d, nil
}

// UnfinishedDigest returns the newest digest that is not done, or
// ErrNotFound.
func (db *DB) UnfinishedDigest() (*Digest, error) {
	var d *Digest
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketDigests).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var x Digest
			if err := json.Unmarshal(v, &x); err != nil {
				return err
			}
			if x.State != DigestDone {
				d = &x
				return nil
			}
		}
		return ErrNotFound
	})
	return d, err
}

// ForEachDigest calls fn for every digest, oldest first.
func (db *DB) ForEachDigest(fn func(*Digest) error) error {
	return forEachJSON(db, bucketDigests, "digest", fn)
}

// ResetClaims returns the claimed deliveries of digest id to pending: after
// a crash they were in flight, and nobody knows whether they went. It
// returns how many there were.
func (db *DB) ResetClaims(id uint64) (int, error) {
	n := 0
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		digests := tx.Bucket(bucketDigests)
		d, err := getDigest(digests, id)
		if err != nil {
			return err
		}
		if d.Counts[DeliveryClaimed] == 0 {
			return nil
		}
		dels := tx.Bucket(bucketDeliveries)
		prefix := u64(id)
		c := dels.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var dl Delivery
			if err := json.Unmarshal(v, &dl); err != nil {
				return err
			}
			if dl.State != DeliveryClaimed {
				continue
			}
			dl.State = DeliveryPending
			if err := putDelivery(dels, &dl); err != nil {
				return err
			}
			n++
		}
		d.Counts[DeliveryClaimed] -= n
		d.Counts[DeliveryPending] += n
		return putDigest(digests, d)
	})
	if err != nil {
		return 0, fmt.Errorf("reset claims of digest %d: %w", id, err)
	}
	return n, nil
}

// ClaimDeliveries marks up to max pending deliveries of digest id whose time
// has come as claimed, scanning from just after the address after ("" from
// the start), and returns them with the address to continue after. A
// recipient suppressed since the digest was prepared is skipped instead.
// A claimed delivery is in flight: if the process dies before
// FinishDeliveries, ResetClaims sends it again.
func (db *DB) ClaimDeliveries(id uint64, after string, max int, now time.Time) (claimed []Delivery, next string, err error) {
	claimed, next, _, err = db.Advance(id, nil, after, max, now)
	return claimed, next, err
}

// DeliveryResult is the outcome of sending one claimed delivery.
type DeliveryResult struct {
	Email string
	// State is DeliverySent, DeliveryFailed, or DeliveryPending to try
	// again at NextAttempt.
	State       DeliveryState
	Error       string
	NextAttempt time.Time
}

// FinishDeliveries records the outcomes of claimed deliveries of digest id
// in one transaction, and marks the digest done when nothing is left.
func (db *DB) FinishDeliveries(id uint64, results []DeliveryResult) (*Digest, error) {
	_, _, d, err := db.Advance(id, results, "", 0, time.Time{})
	return d, err
}

// Advance is FinishDeliveries of results and ClaimDeliveries of up to max
// more, in one transaction: one commit (one wait for the disk) where a
// sender would need two.
func (db *DB) Advance(id uint64, results []DeliveryResult, after string, max int, now time.Time) (claimed []Delivery, next string, d *Digest, err error) {
	next = after
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		digests := tx.Bucket(bucketDigests)
		var err error
		if d, err = getDigest(digests, id); err != nil {
			return err
		}
		dels := tx.Bucket(bucketDeliveries)
		if err := finishTx(dels, d, results, db.now().UTC()); err != nil {
			return err
		}
		if max > 0 {
			if claimed, next, err = claimTx(dels, tx.Bucket(bucketSuppressed), d, after, max, now); err != nil {
				return err
			}
		}
		if d.State == DigestSending && d.Counts[DeliveryPending] == 0 && d.Counts[DeliveryClaimed] == 0 {
			d.State, d.Finished = DigestDone, db.now().UTC()
		}
		return putDigest(digests, d)
	})
	if err != nil {
		return nil, after, nil, fmt.Errorf("advance digest %d: %w", id, err)
	}
	return claimed, next, d, nil
}

// claimTx is the claiming of Advance.
func claimTx(dels, suppressed *bolt.Bucket, d *Digest, after string, max int, now time.Time) (claimed []Delivery, next string, err error) {
	next = after
	prefix := u64(d.ID)
	c := dels.Cursor()
	k, v := c.Seek(deliveryKey(d.ID, after))
	if after != "" && k != nil && bytes.Equal(k, deliveryKey(d.ID, after)) {
		k, v = c.Next()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix) && len(claimed) < max; k, v = c.Next() {
		next = string(k[8:])
		var dl Delivery
		if err := json.Unmarshal(v, &dl); err != nil {
			return nil, after, err
		}
		if dl.State != DeliveryPending || dl.NextAttempt.After(now) {
			continue
		}
		d.Counts[DeliveryPending]--
		if suppressed.Get([]byte(dl.Email)) != nil {
			dl.State = DeliverySkipped
			d.Counts[DeliverySkipped]++
		} else {
			dl.State, dl.Claimed = DeliveryClaimed, now.UTC()
			dl.Attempts++
			d.Counts[DeliveryClaimed]++
			claimed = append(claimed, dl)
		}
		if err := putDelivery(dels, &dl); err != nil {
			return nil, after, err
		}
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		next = "" // the end: the next scan starts again from the top
	}
	return claimed, next, nil
}

// finishTx is the recording of Advance.
func finishTx(dels *bolt.Bucket, d *Digest, results []DeliveryResult, now time.Time) error {
	for _, r := range results {
		key := deliveryKey(d.ID, r.Email)
		v := dels.Get(key)
		if v == nil {
			return fmt.Errorf("delivery to %s: %w", r.Email, ErrNotFound)
		}
		var dl Delivery
		if err := json.Unmarshal(v, &dl); err != nil {
			return err
		}
		if dl.State != DeliveryClaimed {
			continue // finished already
		}
		d.Counts[DeliveryClaimed]--
		d.Counts[r.State]++
		dl.State, dl.LastError, dl.NextAttempt = r.State, r.Error, r.NextAttempt.UTC()
		if r.State == DeliverySent {
			dl.Sent, dl.NextAttempt = now, time.Time{}
		}
		if err := putDelivery(dels, &dl); err != nil {
			return err
		}
	}
	return nil
}

// CloseDigest marks digest id done when no delivery is pending or claimed
// (for a digest with no recipients, or whose last deliveries were skipped).
func (db *DB) CloseDigest(id uint64) (*Digest, error) {
	return db.FinishDeliveries(id, nil)
}

// NextDeliveryAttempt returns the earliest retry time of the pending
// deliveries of digest id; zero when none waits for a time.
func (db *DB) NextDeliveryAttempt(id uint64) (time.Time, error) {
	var next time.Time
	err := db.bolt.View(func(tx *bolt.Tx) error {
		prefix := u64(id)
		c := tx.Bucket(bucketDeliveries).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var dl Delivery
			if err := json.Unmarshal(v, &dl); err != nil {
				return err
			}
			if dl.State == DeliveryPending && !dl.NextAttempt.IsZero() && (next.IsZero() || dl.NextAttempt.Before(next)) {
				next = dl.NextAttempt
			}
		}
		return nil
	})
	return next, err
}

// ForEachDelivery calls fn for every delivery of digest id, by address.
func (db *DB) ForEachDelivery(id uint64, fn func(*Delivery) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		prefix := u64(id)
		c := tx.Bucket(bucketDeliveries).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var dl Delivery
			if err := json.Unmarshal(v, &dl); err != nil {
				return err
			}
			if err := fn(&dl); err != nil {
				return err
			}
		}
		return nil
	})
}

func getDigest(b *bolt.Bucket, id uint64) (*Digest, error) {
	v := b.Get(u64(id))
	if v == nil {
		return nil, ErrNotFound
	}
	var d Digest
	if err := json.Unmarshal(v, &d); err != nil {
		return nil, err
	}
	if d.Counts == nil {
		d.Counts = map[DeliveryState]int{}
	}
	return &d, nil
}

func putDigest(b *bolt.Bucket, d *Digest) error {
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return b.Put(u64(d.ID), v)
}

func putDelivery(b *bolt.Bucket, d *Delivery) error {
	v, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return b.Put(deliveryKey(d.Digest, d.Email), v)
}
