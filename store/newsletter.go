package store

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNothingToSend is returned by CreateDigest when no approved news waits.
var ErrNothingToSend = errors.New("no approved news since the last digest")

// Member is an authority's address that receives the digest.
type Member struct {
	ID        uint64    `json:"id"`
	Email     string    `json:"email"` // lower case
	Authority string    `json:"authority"`
	Country   string    `json:"country"`
	Language  string    `json:"language"` // "en" or "fr"
	Added     time.Time `json:"added"`
	// Source says how the member came: "cli", "import", "approved" (from
	// the answers of AuthorityKey).
	Source       string `json:"source"`
	AuthorityKey string `json:"authority_key,omitempty"`
}

// Suppression keeps an address from every mailing.
type Suppression struct {
	Email string `json:"email"`
	// Kind is "hard_bounce", "soft_bounces", "unsubscribe", "complaint" or
	// "manual".
	Kind   string    `json:"kind"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// MessageRef is the stored message that caused it (a bounce, a request),
	// 0 for none.
	MessageRef uint64 `json:"message_ref,omitempty"`
}

// memberChunk is how many members PutMembers writes per transaction: a
// bbolt transaction slows down sharply with very many random inserts.
const memberChunk = 5000

// PutMembers adds or updates members, by address, a few thousand per
// transaction, and returns how many were added and how many updated. An
// update keeps the member's ID and the date it was added. After an error,
// the chunks before it are stored.
func (db *DB) PutMembers(members []Member) (added, updated int, err error) {
	for len(members) > 0 {
		n := min(len(members), memberChunk)
		a, u, err := db.putMembers(members[:n])
		added, updated = added+a, updated+u
		if err != nil {
			return added, updated, err
		}
		members = members[n:]
	}
	return added, updated, nil
}

func (db *DB) putMembers(members []Member) (added, updated int, err error) {
	now := db.now().UTC()
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMembers)
		ids := tx.Bucket(bucketMemberIDs)
		for _, m := range members {
			m.Email = strings.ToLower(strings.TrimSpace(m.Email))
			if m.Email == "" {
				return errors.New("member without an address")
			}
			if v := b.Get([]byte(m.Email)); v != nil {
				var old Member
				if err := json.Unmarshal(v, &old); err != nil {
					return fmt.Errorf("decode member %s: %w", m.Email, err)
				}
				m.ID, m.Added = old.ID, old.Added
				updated++
			} else {
				id, err := b.NextSequence()
				if err != nil {
					return err
				}
				m.ID, m.Added = id, now
				if err := ids.Put(u64(id), []byte(m.Email)); err != nil {
					return err
				}
				added++
			}
			v, err := json.Marshal(&m)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(m.Email), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("put %d members: %w", len(members), err)
	}
	return added, updated, nil
}

// RemoveMember removes the member with address email, or returns
// ErrNotFound.
func (db *DB) RemoveMember(email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMembers)
		v := b.Get([]byte(email))
		if v == nil {
			return fmt.Errorf("member %s: %w", email, ErrNotFound)
		}
		var m Member
		if err := json.Unmarshal(v, &m); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMemberIDs).Delete(u64(m.ID)); err != nil {
			return err
		}
		return b.Delete([]byte(email))
	})
}

// GetMember returns the member with address email, or ErrNotFound.
func (db *DB) GetMember(email string) (*Member, error) {
	var m Member
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMembers).Get([]byte(strings.ToLower(strings.TrimSpace(email))))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &m)
	})
	if err != nil {
		return nil, fmt.Errorf("member %s: %w", email, err)
	}
	return &m, nil
}

// MemberByID returns the member with id, or ErrNotFound.
func (db *DB) MemberByID(id uint64) (*Member, error) {
	var m Member
	err := db.bolt.View(func(tx *bolt.Tx) error {
		email := tx.Bucket(bucketMemberIDs).Get(u64(id))
		if email == nil {
			return ErrNotFound
		}
		v := tx.Bucket(bucketMembers).Get(email)
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &m)
	})
	if err != nil {
		return nil, fmt.Errorf("member %d: %w", id, err)
	}
	return &m, nil
}

// ForEachMember calls fn for every member, by address.
func (db *DB) ForEachMember(fn func(*Member) error) error {
	return forEachJSON(db, bucketMembers, "member", fn)
}

// Suppress keeps s.Email from every mailing from now on. It returns false
// when the address was suppressed already (the first reason is kept).
func (db *DB) Suppress(s Suppression) (bool, error) {
	s.Email = strings.ToLower(strings.TrimSpace(s.Email))
	if s.At.IsZero() {
		s.At = db.now().UTC()
	}
	var added bool
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		var err error
		added, err = suppress(tx, s)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("suppress %s: %w", s.Email, err)
	}
	return added, nil
}

func suppress(tx *bolt.Tx, s Suppression) (bool, error) {
	b := tx.Bucket(bucketSuppressed)
	if b.Get([]byte(s.Email)) != nil {
		return false, nil
	}
	v, err := json.Marshal(&s)
	if err != nil {
		return false, err
	}
	return true, b.Put([]byte(s.Email), v)
}

// Suppressed returns the suppression of email, or ErrNotFound.
func (db *DB) Suppressed(email string) (*Suppression, error) {
	var s Suppression
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSuppressed).Get([]byte(strings.ToLower(strings.TrimSpace(email))))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &s)
	})
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// Unsuppress lifts the suppression of email (staff decide); ErrNotFound when
// there is none.
func (db *DB) Unsuppress(email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	return db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSuppressed)
		if b.Get([]byte(email)) == nil {
			return fmt.Errorf("suppression of %s: %w", email, ErrNotFound)
		}
		if err := tx.Bucket(bucketSoftBounces).Delete([]byte(email)); err != nil {
			return err
		}
		return b.Delete([]byte(email))
	})
}

// ForEachSuppressed calls fn for every suppressed address.
func (db *DB) ForEachSuppressed(fn func(*Suppression) error) error {
	return forEachJSON(db, bucketSuppressed, "suppression", fn)
}

// SoftBounce records a temporary delivery failure to email at time at, seen
// in message ref, and suppresses the address when it has had threshold of
// them within window. It returns whether the address is now suppressed. The
// same message counted twice counts once.
func (db *DB) SoftBounce(email string, at time.Time, ref uint64, window time.Duration, threshold int) (bool, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var suppressed bool
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSoftBounces)
		type event struct {
			At  time.Time `json:"at"`
			Ref uint64    `json:"ref"`
		}
		var events []event
		if v := b.Get([]byte(email)); v != nil {
			if err := json.Unmarshal(v, &events); err != nil {
				return err
			}
		}
		kept := events[:0]
		seen := false
		for _, e := range events {
			if at.Sub(e.At) < window {
				kept = append(kept, e)
			}
			seen = seen || (ref != 0 && e.Ref == ref)
		}
		if !seen {
			kept = append(kept, event{At: at.UTC(), Ref: ref})
		}
		v, err := json.Marshal(kept)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(email), v); err != nil {
			return err
		}
		if len(kept) >= threshold {
			_, err := suppress(tx, Suppression{Email: email, Kind: "soft_bounces", At: at.UTC(), MessageRef: ref,
				Reason: fmt.Sprintf("%d temporary failures within %s", len(kept), window)})
			suppressed = true
			return err
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record soft bounce of %s: %w", email, err)
	}
	return suppressed, nil
}

// Secret returns the random secret named name, made (32 bytes) and kept on
// first use: the key of the signed tokens in links and addresses.
func (db *DB) Secret(name string) ([]byte, error) {
	key := []byte("secret:" + name)
	var secret []byte
	db.bolt.View(func(tx *bolt.Tx) error {
		secret = bytes.Clone(tx.Bucket(bucketMeta).Get(key))
		return nil
	})
	if secret != nil {
		return secret, nil
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(key); v != nil {
			secret = bytes.Clone(v)
			return nil
		}
		secret = make([]byte, 32)
		rand.Read(secret)
		return meta.Put(key, secret)
	})
	if err != nil {
		return nil, fmt.Errorf("make secret %s: %w", name, err)
	}
	return secret, nil
}

// NewsState says where a news item stands.
type NewsState string

const (
	NewsDraft    NewsState = "draft"    // waits for staff approval
	NewsApproved NewsState = "approved" // goes into the next digest
	NewsRemoved  NewsState = "removed"  // kept, never sent
)

// NewsItem is one piece of news for the digest.
type NewsItem struct {
	ID    uint64    `json:"id"`
	Title string    `json:"title"`
	Text  string    `json:"text"`
	HTML  string    `json:"html,omitempty"` // sanitized
	Link  string    `json:"link,omitempty"`
	Date  time.Time `json:"date"`
	// Source is where the item came from: "cli", "mail", or a feed's URL.
	Source string `json:"source"`
	// GUID identifies the item at its source (a feed item's GUID, a mail's
	// Message-ID): the same GUID is added once.
	GUID     string    `json:"guid,omitempty"`
	From     string    `json:"from,omitempty"` // the staff member who mailed it
	Ref      uint64    `json:"ref,omitempty"`  // the stored message it came in
	State    NewsState `json:"state"`
	Created  time.Time `json:"created"`
	Approved time.Time `json:"approved,omitzero"`
	// Digest is the digest that carried the item; 0 until one did.
	Digest uint64 `json:"digest,omitempty"`
}

// AddNews stores n and returns its ID. An item whose GUID is already stored
// is not added again: existing is true and id is the stored one's.
func (db *DB) AddNews(n NewsItem) (id uint64, existing bool, err error) {
	now := db.now().UTC()
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNews)
		guids := tx.Bucket(bucketNewsGUIDs)
		if n.GUID != "" {
			if v := guids.Get([]byte(n.GUID)); v != nil {
				id, existing = binary.BigEndian.Uint64(v), true
				return nil
			}
		}
		var err error
		if id, err = b.NextSequence(); err != nil {
			return err
		}
		n.ID, n.Created, n.Digest = id, now, 0
		if n.State == "" {
			n.State = NewsDraft
		}
		if n.State == NewsApproved && n.Approved.IsZero() {
			n.Approved = now
		}
		if n.GUID != "" {
			if err := guids.Put([]byte(n.GUID), u64(id)); err != nil {
				return err
			}
		}
		return putNews(b, &n)
	})
	if err != nil {
		return 0, false, fmt.Errorf("add news: %w", err)
	}
	return id, existing, nil
}

// SetNewsState approves, removes or returns to draft news item id. An item
// already sent in a digest cannot change.
func (db *DB) SetNewsState(id uint64, state NewsState) (*NewsItem, error) {
	var n *NewsItem
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNews)
		var err error
		if n, err = getNews(b, id); err != nil {
			return err
		}
		if n.Digest != 0 {
			return fmt.Errorf("news %d went out in digest %d already", id, n.Digest)
		}
		n.State = state
		if state == NewsApproved {
			n.Approved = db.now().UTC()
		}
		return putNews(b, n)
	})
	if err != nil {
		return nil, fmt.Errorf("news %d: %w", id, err)
	}
	return n, nil
}

// GetNews returns news item id, or ErrNotFound.
func (db *DB) GetNews(id uint64) (*NewsItem, error) {
	var n *NewsItem
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = getNews(tx.Bucket(bucketNews), id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("news %d: %w", id, err)
	}
	return n, nil
}

// ForEachNews calls fn for every news item, oldest first.
func (db *DB) ForEachNews(fn func(*NewsItem) error) error {
	return forEachJSON(db, bucketNews, "news", fn)
}

func getNews(b *bolt.Bucket, id uint64) (*NewsItem, error) {
	v := b.Get(u64(id))
	if v == nil {
		return nil, ErrNotFound
	}
	var n NewsItem
	if err := json.Unmarshal(v, &n); err != nil {
		return nil, err
	}
	return &n, nil
}

func putNews(b *bolt.Bucket, n *NewsItem) error {
	v, err := json.Marshal(n)
	if err != nil {
		return err
	}
	return b.Put(u64(n.ID), v)
}

// imageExt are the extensions of the image types PutImage keeps.
var imageExt = map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}

// PutImage keeps an image of a news item and returns its name: the hex
// SHA-256 of data and an extension, the same for the same bytes.
func (db *DB) PutImage(contentType string, data []byte) (string, error) {
	ext, ok := imageExt[contentType]
	if !ok {
		return "", fmt.Errorf("put image: type %q is not kept", contentType)
	}
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:16]) + ext
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketImages)
		if b.Get([]byte(name)) != nil {
			return nil
		}
		return b.Put([]byte(name), append([]byte(contentType+"\n"), data...))
	})
	if err != nil {
		return "", fmt.Errorf("put image: %w", err)
	}
	return name, nil
}

// Image returns the type and bytes of the image called name, or
// ErrNotFound.
func (db *DB) Image(name string) (contentType string, data []byte, err error) {
	err = db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketImages).Get([]byte(name))
		if v == nil {
			return ErrNotFound
		}
		ct, d, ok := bytes.Cut(v, []byte("\n"))
		if !ok {
			return fmt.Errorf("image %s: no content type", name)
		}
		contentType, data = string(ct), bytes.Clone(d)
		return nil
	})
	return contentType, data, err
}
