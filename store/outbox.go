package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// OutState says how far the sending of an outgoing message has gone.
type OutState string

const (
	// OutQueued: waiting to be sent, at NextAttempt or later.
	OutQueued OutState = "queued"
	// OutSent: the server accepted the message (its reply is in Response).
	OutSent OutState = "sent"
	// OutFailed: given up on; LastError says why. Staff may retry it.
	OutFailed OutState = "failed"
)

// ErrAlreadySent is returned by Retry for a message that was sent.
var ErrAlreadySent = errors.New("message was already sent")

// Outgoing is one message of the outbox: rendered in full before any attempt
// to send it, so that what is sent is what was decided, and a restart sends
// the same bytes.
type Outgoing struct {
	ID uint64 `json:"id"`
	// Key names the trigger and the recipient. The outbox holds at most one
	// message per key, ever: queueing the same key again does nothing.
	Key string `json:"key"`
	// Kind is what the message is: "ack", "staff_join", "staff_review",
	// "staff_summary".
	Kind      string `json:"kind"`
	MessageID string `json:"message_id"`
	// From is the envelope sender (MAIL FROM), To the envelope recipients.
	From     string   `json:"from"`
	To       []string `json:"to"`
	Subject  string   `json:"subject"`
	Language string   `json:"language,omitempty"`
	// Trigger is the stored message that caused this one; 0 for none.
	Trigger uint64 `json:"trigger,omitempty"`
	Size    int    `json:"size"`

	Created     time.Time `json:"created"`
	State       OutState  `json:"state"`
	Attempts    int       `json:"attempts"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	Sent        time.Time `json:"sent,omitzero"`
	// Response is the server's reply to the message's data.
	Response string `json:"response,omitempty"`

	// Throttle, when set, limits how often a message goes out under that key
	// (a recipient's address): Queue skips this one when another with the
	// same Throttle was queued less than ThrottleFor ago.
	Throttle    string        `json:"throttle,omitempty"`
	ThrottleFor time.Duration `json:"-"`

	// Raw is the whole message as it will be sent. Queue stores it; the
	// outbox listings leave it out (see OutgoingRaw and Due).
	Raw []byte `json:"-"`
}

// QueueResult says what Queue did with one Outgoing.
type QueueResult struct {
	ID uint64 // the new message's ID, or the existing one's for the same key
	// Existing: a message with the same key was already in the outbox.
	Existing bool
	// Throttled: a message under the same Throttle went out too recently;
	// nothing was queued (ID is 0).
	Throttled bool
}

// PendingReplies returns the stored messages whose replies are yet to be
// decided and queued (see Queue), oldest first.
func (db *DB) PendingReplies() ([]uint64, error) {
	var ids []uint64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketToReply).ForEach(func(k, _ []byte) error {
			ids = append(ids, binary.BigEndian.Uint64(k))
			return nil
		})
	})
	return ids, err
}

// Queue writes outs to the outbox in one transaction, each queued to be sent
// now. When trigger is not 0, the same transaction takes that message off
// the replies to decide and records on it what was queued and, in noReply,
// why it gets no acknowledgement: a crash either leaves everything to decide
// again or nothing.
func (db *DB) Queue(trigger uint64, outs []Outgoing, noReply string) ([]QueueResult, error) {
	results := make([]QueueResult, len(outs))
	now := db.now().UTC()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		box := tx.Bucket(bucketOutbox)
		raws := tx.Bucket(bucketOutboxRaw)
		keys := tx.Bucket(bucketOutboxKeys)
		queue := tx.Bucket(bucketOutboxQueue)
		throttle := tx.Bucket(bucketThrottle)
		var ids []uint64
		for i := range outs {
			o := outs[i]
			if o.Key == "" {
				return fmt.Errorf("queue %s message: no key", o.Kind)
			}
			if v := keys.Get([]byte(o.Key)); v != nil {
				results[i] = QueueResult{ID: binary.BigEndian.Uint64(v), Existing: true}
				continue
			}
			if o.Throttle != "" {
				if v := throttle.Get([]byte(o.Throttle)); len(v) == 8 {
					last := time.Unix(0, int64(binary.BigEndian.Uint64(v)))
					if now.Sub(last) < o.ThrottleFor {
						results[i] = QueueResult{Throttled: true}
						if o.Kind == "ack" && noReply == "" {
							noReply = fmt.Sprintf("an acknowledgement went to %s less than %s ago", o.Throttle, o.ThrottleFor)
						}
						continue
					}
				}
				if err := throttle.Put([]byte(o.Throttle), u64(uint64(now.UnixNano()))); err != nil {
					return err
				}
			}
			id, err := box.NextSequence()
			if err != nil {
				return err
			}
			o.ID, o.Trigger = id, max(o.Trigger, trigger)
			o.Created, o.State, o.NextAttempt = now, OutQueued, now
			o.Attempts, o.LastError, o.Sent, o.Response = 0, "", time.Time{}, ""
			o.Size = len(o.Raw)
			if err := putOut(box, &o); err != nil {
				return err
			}
			if err := raws.Put(u64(id), o.Raw); err != nil {
				return fmt.Errorf("put outgoing %d: %w", id, err)
			}
			if err := keys.Put([]byte(o.Key), u64(id)); err != nil {
				return err
			}
			if err := queue.Put(u64(id), nil); err != nil {
				return err
			}
			results[i] = QueueResult{ID: id}
			ids = append(ids, id)
		}
		if trigger == 0 {
			return nil
		}
		if err := tx.Bucket(bucketToReply).Delete(u64(trigger)); err != nil {
			return err
		}
		msgs := tx.Bucket(bucketMessages)
		m, err := getJSON(msgs, u64(trigger))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		m.Replies = append(m.Replies, ids...)
		m.NoReply = noReply
		return putJSON(msgs, u64(trigger), m)
	})
	if err != nil {
		return nil, fmt.Errorf("queue %d outgoing messages: %w", len(outs), err)
	}
	return results, nil
}

// Due returns up to max queued messages whose time has come (NextAttempt at
// or before now), raw bytes included, oldest first; and the earliest
// NextAttempt of the queued messages not returned (zero when none).
func (db *DB) Due(now time.Time, max int) (due []*Outgoing, next time.Time, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		box := tx.Bucket(bucketOutbox)
		raws := tx.Bucket(bucketOutboxRaw)
		return tx.Bucket(bucketOutboxQueue).ForEach(func(k, _ []byte) error {
			o, err := getOut(box, k)
			if err != nil {
				return err
			}
			if o.NextAttempt.After(now) || len(due) >= max {
				if next.IsZero() || o.NextAttempt.Before(next) {
					next = o.NextAttempt
				}
				return nil
			}
			o.Raw = bytes.Clone(raws.Get(k))
			due = append(due, o)
			return nil
		})
	})
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read outbox: %w", err)
	}
	return due, next, nil
}

// MarkSent records that the server accepted message id with response.
func (db *DB) MarkSent(id uint64, response string) error {
	now := db.now().UTC()
	return db.updateOut(id, func(o *Outgoing) {
		o.State, o.Sent, o.Response = OutSent, now, response
		o.Attempts++
		o.NextAttempt = time.Time{}
	})
}

// Defer records a temporary failure to send message id, to be tried again at
// next.
func (db *DB) Defer(id uint64, reason string, next time.Time) error {
	return db.updateOut(id, func(o *Outgoing) {
		o.Attempts++
		o.LastError, o.NextAttempt = reason, next.UTC()
	})
}

// Fail records that message id is given up on, and why.
func (db *DB) Fail(id uint64, reason string) error {
	return db.updateOut(id, func(o *Outgoing) {
		o.State, o.LastError = OutFailed, reason
		o.Attempts++
		o.NextAttempt = time.Time{}
	})
}

// Retry queues message id to be sent now: a failed one again, a deferred one
// without waiting. It fails with ErrAlreadySent for a sent message.
func (db *DB) Retry(id uint64) (*Outgoing, error) {
	now := db.now().UTC()
	var sent bool
	var out *Outgoing
	err := db.updateOut(id, func(o *Outgoing) {
		if o.State == OutSent {
			sent = true
			return
		}
		o.State, o.NextAttempt = OutQueued, now
		out = o
	})
	if err != nil {
		return nil, err
	}
	if sent {
		return nil, fmt.Errorf("retry outgoing %d: %w", id, ErrAlreadySent)
	}
	return out, nil
}

// updateOut applies f to the record of message id and keeps the send queue
// in step with its state.
func (db *DB) updateOut(id uint64, f func(*Outgoing)) error {
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		box := tx.Bucket(bucketOutbox)
		o, err := getOut(box, u64(id))
		if err != nil {
			return err
		}
		f(o)
		queue := tx.Bucket(bucketOutboxQueue)
		if o.State == OutQueued {
			err = queue.Put(u64(id), nil)
		} else {
			err = queue.Delete(u64(id))
		}
		if err != nil {
			return err
		}
		return putOut(box, o)
	})
	if err != nil {
		return fmt.Errorf("update outgoing %d: %w", id, err)
	}
	return nil
}

// GetOutgoing returns the record of outgoing message id, without its raw
// bytes, or ErrNotFound.
func (db *DB) GetOutgoing(id uint64) (*Outgoing, error) {
	var o *Outgoing
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		o, err = getOut(tx.Bucket(bucketOutbox), u64(id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get outgoing %d: %w", id, err)
	}
	return o, nil
}

// OutgoingRaw returns the bytes of outgoing message id, or ErrNotFound.
func (db *DB) OutgoingRaw(id uint64) ([]byte, error) {
	var raw []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketOutboxRaw).Get(u64(id))
		if v == nil {
			return ErrNotFound
		}
		raw = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get outgoing %d: %w", id, err)
	}
	return raw, nil
}

// ForEachOutgoing calls fn for every outgoing message, oldest first, without
// raw bytes.
func (db *DB) ForEachOutgoing(fn func(*Outgoing) error) error {
	return forEachJSON(db, bucketOutbox, "outgoing", fn)
}

// LastOutgoing returns the newest outgoing message of kind, or ErrNotFound.
func (db *DB) LastOutgoing(kind string) (*Outgoing, error) {
	var found *Outgoing
	err := db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var o Outgoing
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("decode outgoing %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if o.Kind == kind {
				found = &o
				return nil
			}
		}
		return ErrNotFound
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// OutboxCounts counts the outgoing messages by state.
func (db *DB) OutboxCounts() (map[OutState]int, error) {
	counts := make(map[OutState]int)
	err := db.ForEachOutgoing(func(o *Outgoing) error {
		counts[o.State]++
		return nil
	})
	return counts, err
}

func getOut(b *bolt.Bucket, key []byte) (*Outgoing, error) {
	v := b.Get(key)
	if v == nil {
		return nil, ErrNotFound
	}
	var o Outgoing
	if err := json.Unmarshal(v, &o); err != nil {
		return nil, fmt.Errorf("decode outgoing %d: %w", binary.BigEndian.Uint64(key), err)
	}
	return &o, nil
}

func putOut(b *bolt.Bucket, o *Outgoing) error {
	v, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return b.Put(u64(o.ID), v)
}
