package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Errors returned by the store.
var (
	ErrNotFound    = errors.New("not found")
	ErrLocked      = errors.New("database is in use by another process")
	ErrNewerSchema = errors.New("database was written by a newer alliancebot")
)

// State says how far the handling of a message has gone.
type State string

const (
	// StateStored: committed to the store; the move out of the inbox has not been
	// confirmed yet. A restart finds the message in the inbox again, recognises
	// it, and finishes the move.
	StateStored State = "stored"
	// StateProcessed: stored and moved to the processed folder.
	StateProcessed State = "processed"
	// StateReview: stored (or, when even fetching failed, only recorded) and moved
	// to the review folder for a person to look at. Errors says why.
	StateReview State = "review"
)

// Location is where a message was found on the IMAP server.
type Location struct {
	Mailbox     string `json:"mailbox"`
	UIDValidity uint32 `json:"uidvalidity"`
	UID         uint32 `json:"uid"`
}

// Attachment describes one attachment of a message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// Message is the record kept for each stored message. The raw bytes are kept
// beside it, under the same ID.
type Message struct {
	ID          uint64       `json:"id"`
	MessageID   string       `json:"message_id"`
	SHA256      string       `json:"sha256"`
	Fingerprint string       `json:"fingerprint,omitempty"`
	From        string       `json:"from"`
	FromName    string       `json:"from_name,omitempty"`
	To          []string     `json:"to"`
	Cc          []string     `json:"cc"`
	Subject     string       `json:"subject"`
	Date        time.Time    `json:"date,omitzero"`
	InReplyTo   string       `json:"in_reply_to,omitempty"`
	References  []string     `json:"references,omitempty"`
	Attachments []Attachment `json:"attachments"`
	// Warnings are the parser's remarks on malformed input; the message was
	// still read.
	Warnings []string `json:"warnings"`
	Size     int      `json:"size"`
	// Received is when the message was stored.
	Received time.Time `json:"received"`
	Source   Location  `json:"source"`
	// Folder is where the message is moved to (or was, once State is no longer
	// StateStored). State and Moved are at the end of the record: see settle.
	Folder string `json:"folder"`
	// Errors are what stopped the message from being processed; a message with
	// errors is in review.
	Errors []string `json:"errors"`

	// Class is what the message is (intake.Class), Language its main
	// language, and Result everything understood of it (intake.Result as
	// JSON, the parse-json contract).
	Class    string          `json:"class,omitempty"`
	Language string          `json:"language,omitempty"`
	Result   json.RawMessage `json:"result,omitempty"`
	// Authorities are the keys of the authorities whose answers the message
	// holds (several for a spreadsheet).
	Authorities []string `json:"authorities,omitempty"`

	// ReplyTo are the addresses the sender wants answers to go to.
	ReplyTo []string `json:"reply_to,omitempty"`
	// AutoReason, when set, says why the message's header forbids an
	// automatic answer (intake.Envelope.NoReply).
	AutoReason string `json:"auto_reason,omitempty"`
	// Replies are the outbox IDs of what the message caused to be sent, and
	// NoReply why it got no acknowledgement; both are set when its replies
	// are queued (see DB.Queue).
	Replies []uint64 `json:"replies,omitempty"`
	NoReply string   `json:"no_reply,omitempty"`

	// State and Moved come last, so that the JSON of a record whose move is
	// not confirmed yet ends in storedTail, which Settle rewrites in place.
	State State     `json:"state"`
	Moved time.Time `json:"moved,omitzero"`
}

// AnswerRef names an authority whose answers a message holds.
type AnswerRef struct {
	Key     string // intake.AuthorityKey
	Name    string // as written in the latest answer
	Country string
	// BySender marks a Key made from the sender's address because the answer
	// does not name its authority (a correction of two answers, say). When an
	// earlier answer from the same sender named its authority, the answer
	// goes to that authority instead.
	BySender bool
}

// Authority is what is known of one authority that answered: its answers,
// oldest first. The last is current; a later answer supersedes the earlier
// ones, which are kept as history.
type Authority struct {
	Key     string    `json:"key"`
	Name    string    `json:"name"`
	Country string    `json:"country"`
	Answers []uint64  `json:"answers"`
	Updated time.Time `json:"updated"`
}

// Incoming is a message to store: its raw bytes and what was read of them.
// The store fills in ID, SHA256 and Received.
type Incoming struct {
	Raw []byte
	Msg Message
	// NoRaw records Msg without raw bytes: the server would not give them. The
	// record is not indexed for recognition.
	NoRaw bool
	// Answers are the authorities whose answers the message holds; each gets
	// the message as its current answer.
	Answers []AnswerRef
}

// PutResult says what Put did with one Incoming.
type PutResult struct {
	ID uint64
	// Duplicate is true when the message was already stored (ID is the stored
	// one's); nothing was written for it.
	Duplicate bool
	// Folder is where the stored message belongs: the new record's Folder, or
	// the existing record's for a duplicate.
	Folder string
}

// Options tune Open. The zero value is the default.
type Options struct {
	// LockTimeout is how long Open waits for another process to release the
	// file. Zero means one second.
	LockTimeout time.Duration
	// NoSync skips fsync on commit. For benchmarks and tests only: a crash can
	// lose committed messages.
	NoSync bool
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// DB is an open store. Its methods are safe for concurrent use.
type DB struct {
	bolt *bolt.DB
	path string
	now  func() time.Time
}

// Open opens or creates the store at path (mode 0600) and migrates it to
// SchemaVersion. A nil opts is the default. It fails with ErrLocked when
// another process has the file open.
func Open(path string, opts *Options) (*DB, error) {
	if opts == nil {
		opts = &Options{}
	}
	timeout := opts.LockTimeout
	if timeout == 0 {
		timeout = time.Second
	}
	// The freelist is kept on disk (NoFreelistSync false): without it,
	// bbolt finds the free pages at every open by reading every page of
	// the file through its mapping, and the whole file becomes resident at
	// once (the process's peak RSS grows with the store, whatever is
	// released afterwards). A store written without it is scanned once,
	// at its first open, and has it from then on.
	b, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:        timeout,
		NoSync:         opts.NoSync,
		FreelistType:   bolt.FreelistMapType,
		NoFreelistSync: false,
	})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open %s: %w", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// bbolt creates the file 0600, but an older or copied file may be wider.
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			b.Close()
			return nil, fmt.Errorf("restrict %s to its owner: %w", path, err)
		}
	}
	if err := b.Update(migrate); err != nil {
		b.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	db := &DB{bolt: b, path: path, now: now}
	// Opening a store without a freelist on disk walks every page to find
	// the free ones: let those pages go again.
	if err := db.ReleaseMapped(); err != nil {
		b.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// Close closes the file.
func (db *DB) Close() error { return db.bolt.Close() }

// Path is the file's path.
func (db *DB) Path() string { return db.path }

// SHA256 is the hash under which raw is recognised.
func SHA256(raw []byte) [32]byte { return sha256.Sum256(raw) }

// Put stores a batch of messages in one transaction, skipping those already
// stored (see the package doc for how a message is recognised). For every
// message, stored or recognised, it also clears the unfinished attempts
// recorded for its Source. When Put returns nil, everything is on disk.
func (db *DB) Put(batch []Incoming) ([]PutResult, error) {
	results := make([]PutResult, len(batch))
	now := db.now().UTC()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		msgs := tx.Bucket(bucketMessages)
		raws := tx.Bucket(bucketRaw)
		byID := tx.Bucket(bucketByMessageID)
		bySHA := tx.Bucket(bucketBySHA)
		attempts := tx.Bucket(bucketAttempts)
		pending := tx.Bucket(bucketPending)
		auths := newAuthorityWriter(tx.Bucket(bucketAuthorities))
		toReply := tx.Bucket(bucketToReply)
		for i := range batch {
			in := &batch[i]
			src := in.Msg.Source
			if err := attempts.Delete(attemptKey(src.Mailbox, src.UIDValidity, src.UID)); err != nil {
				return err
			}
			sum := sha256.Sum256(in.Raw)
			if !in.NoRaw {
				existing, err := findExisting(msgs, byID, bySHA, sum[:], &in.Msg)
				if err != nil {
					return err
				}
				if existing != nil {
					results[i] = PutResult{ID: existing.ID, Duplicate: true, Folder: existing.Folder}
					continue
				}
			}
			id, err := msgs.NextSequence()
			if err != nil {
				return err
			}
			m := in.Msg
			m.ID = id
			m.Received = now
			m.Authorities = nil
			senders := tx.Bucket(bucketSenders)
			from := []byte(strings.ToLower(m.From))
			for _, a := range in.Answers {
				if k := senders.Get(from); a.BySender && k != nil {
					a = AnswerRef{Key: string(k)}
				}
				if err := auths.addAnswer(a, id, now); err != nil {
					return err
				}
				if !a.BySender && len(from) > 0 {
					if err := senders.Put(from, []byte(a.Key)); err != nil {
						return err
					}
				}
				m.Authorities = append(m.Authorities, a.Key)
			}
			if m.State == "" {
				m.State = StateStored
			}
			if m.State == StateStored {
				if err := pending.Put(u64(id), pendingValue(&m)); err != nil {
					return err
				}
			}
			if err := toReply.Put(u64(id), nil); err != nil {
				return err
			}
			if in.NoRaw {
				if err := putJSON(msgs, u64(id), &m); err != nil {
					return err
				}
				results[i] = PutResult{ID: id, Folder: m.Folder}
				continue
			}
			m.SHA256 = hex.EncodeToString(sum[:])
			m.Size = len(in.Raw)
			if err := putJSON(msgs, u64(id), &m); err != nil {
				return err
			}
			if err := raws.Put(u64(id), in.Raw); err != nil {
				return fmt.Errorf("put raw %d: %w", id, err)
			}
			if err := bySHA.Put(sum[:], u64(id)); err != nil {
				return err
			}
			if m.MessageID != "" {
				if err := byID.Put(messageIDKey(&m), u64(id)); err != nil {
					return err
				}
			}
			results[i] = PutResult{ID: id, Folder: m.Folder}
		}
		return auths.flush()
	})
	if err != nil {
		return nil, fmt.Errorf("store batch of %d: %w", len(batch), err)
	}
	return results, nil
}

// authorityWriter updates the authorities of one transaction: each is
// decoded once, takes all its answers, and is written once, by flush.
type authorityWriter struct {
	b       *bolt.Bucket
	changed map[string]*Authority
	order   []string // keys of changed, in the order of their first answer
}

func newAuthorityWriter(b *bolt.Bucket) *authorityWriter {
	return &authorityWriter{b: b, changed: make(map[string]*Authority)}
}

// addAnswer makes message id the current answer of authority a.
func (w *authorityWriter) addAnswer(a AnswerRef, id uint64, now time.Time) error {
	auth := w.changed[a.Key]
	if auth == nil {
		auth = new(Authority)
		if v := w.b.Get([]byte(a.Key)); v != nil {
			if err := json.Unmarshal(v, auth); err != nil {
				return fmt.Errorf("decode authority %q: %w", a.Key, err)
			}
		}
		w.changed[a.Key] = auth
		w.order = append(w.order, a.Key)
	}
	auth.Key = a.Key
	if a.Name != "" {
		auth.Name = a.Name
	}
	if a.Country != "" {
		auth.Country = a.Country
	}
	auth.Answers = append(auth.Answers, id)
	auth.Updated = now
	return nil
}

// flush writes the authorities that took answers.
func (w *authorityWriter) flush() error {
	for _, key := range w.order {
		v, err := json.Marshal(w.changed[key])
		if err != nil {
			return err
		}
		if err := w.b.Put([]byte(key), v); err != nil {
			return err
		}
	}
	return nil
}

// Authorities calls fn for every authority that answered, ordered by key.
func (db *DB) Authorities(fn func(*Authority) error) error {
	return forEachJSON(db, bucketAuthorities, "authority", fn)
}

// GetAuthority returns the authority with key, or ErrNotFound.
func (db *DB) GetAuthority(key string) (*Authority, error) {
	var a Authority
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAuthorities).Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		return json.Unmarshal(v, &a)
	})
	if err != nil {
		return nil, fmt.Errorf("get authority %q: %w", key, err)
	}
	return &a, nil
}

// findExisting returns the stored message that m (with raw hash sum) is a copy
// of, or nil.
func findExisting(msgs, byID, bySHA *bolt.Bucket, sum []byte, m *Message) (*Message, error) {
	if v := bySHA.Get(sum); v != nil {
		return getJSON(msgs, v)
	}
	if m.MessageID == "" {
		return nil, nil
	}
	if v := byID.Get(messageIDKey(m)); v != nil {
		return getJSON(msgs, v)
	}
	return nil, nil
}

// messageIDKey is m's key in bucketByMessageID: the SHA-256 of the
// Message-ID (which a sender can make longer than a bbolt key may be) and the
// content fingerprint, so that a Message-ID reused for other content names
// another message.
func messageIDKey(m *Message) []byte {
	sum := sha256.Sum256([]byte(m.MessageID))
	return append(sum[:], m.Fingerprint...)
}

// MarkMoved records that the messages ids now sit in folder, in state.
func (db *DB) MarkMoved(ids []uint64, folder string, state State) error {
	if len(ids) == 0 {
		return nil
	}
	now := db.now().UTC()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		msgs := tx.Bucket(bucketMessages)
		pending := tx.Bucket(bucketPending)
		for _, id := range ids {
			m, err := getJSON(msgs, u64(id))
			if err != nil {
				return err
			}
			if err := pending.Delete(u64(id)); err != nil {
				return err
			}
			if m.State == state && m.Folder == folder {
				continue
			}
			m.Folder, m.State, m.Moved = folder, state, now
			if err := putJSON(msgs, u64(id), m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark %d messages moved to %s: %w", len(ids), folder, err)
	}
	return nil
}

// Settle confirms the moves that a crash left unconfirmed. Call it when the
// inbox of mailbox holds no message any more: every record of that mailbox
// still in StateStored was then moved (a message is only moved after its
// record commits, and one still in the inbox would have been found), so it
// takes the state of its Folder: StateReview for reviewFolder, else
// StateProcessed. It returns how many records it settled.
func (db *DB) Settle(mailbox, reviewFolder string) (int, error) {
	var any bool
	db.bolt.View(func(tx *bolt.Tx) error {
		k, _ := tx.Bucket(bucketPending).Cursor().First()
		any = k != nil
		return nil
	})
	if !any {
		return 0, nil
	}
	n := 0
	now := db.now().UTC()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		msgs := tx.Bucket(bucketMessages)
		pending := tx.Bucket(bucketPending)
		var keys, vals [][]byte
		pending.ForEach(func(k, v []byte) error {
			keys = append(keys, bytes.Clone(k))
			vals = append(vals, bytes.Clone(v))
			return nil
		})
		// The records are rewritten by a few workers, a chunk at a time: all
		// of a chunk is read before any is written.
		for len(keys) > 0 {
			chunk := keys[:min(len(keys), settleChunk)]
			keys = keys[len(chunk):]
			settled := make([]settledRecord, len(chunk))
			for i, k := range chunk {
				settled[i].val, settled[i].pending = msgs.Get(k), vals[i]
			}
			vals = vals[len(chunk):]
			var wg sync.WaitGroup
			workers := runtime.GOMAXPROCS(0)
			for w := range workers {
				wg.Go(func() {
					for i := w; i < len(chunk); i += workers {
						settled[i].settle(chunk[i], mailbox, reviewFolder, now)
					}
				})
			}
			wg.Wait()
			for i, k := range chunk {
				r := &settled[i]
				if r.err != nil {
					return r.err
				}
				if r.other {
					continue
				}
				if r.out != nil {
					if err := msgs.Put(k, r.out); err != nil {
						return err
					}
					n++
				}
				if err := pending.Delete(k); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("settle moves from %s: %w", mailbox, err)
	}
	return n, nil
}

// settleChunk is how many records Settle reads before it writes.
const settleChunk = 512

// settledRecord is one record of Settle: as stored, and as settled.
type settledRecord struct {
	val     []byte // the record; nil when missing
	pending []byte // its value in bucketPending (see pendingValue)
	out     []byte // the settled record; nil when it was settled already
	other   bool   // the message is of another mailbox: left pending
	err     error
}

// storedTail is how the JSON of a record in StateStored ends: State and
// Moved are Message's last fields, and Moved is empty until the move is
// confirmed.
const storedTail = `,"state":"` + string(StateStored) + `"}`

// pendingValue is m's value in bucketPending: the mailbox it came from and
// the folder it is moved to, which are all that Settle needs to know of it.
func pendingValue(m *Message) []byte {
	return []byte(m.Source.Mailbox + "\x00" + m.Folder)
}

// settle sets r.out to r.val, the record at key, settled. When the pending
// value says where the message came from and went, and the record ends in
// storedTail, only the tail is rewritten: the same bytes as decoding the
// record and encoding it again, for a tenth of the work (most of a record is
// the message's Result). Otherwise (records of schema 3 and before) it is
// decoded and encoded.
func (r *settledRecord) settle(key []byte, mailbox, reviewFolder string, now time.Time) {
	if r.val == nil {
		r.err = ErrNotFound
		return
	}
	if from, folder, ok := bytes.Cut(r.pending, []byte{0}); ok && bytes.HasSuffix(r.val, []byte(storedTail)) {
		if string(from) != mailbox {
			r.other = true
			return
		}
		state := StateProcessed
		if string(folder) == reviewFolder {
			state = StateReview
		}
		moved, err := now.MarshalJSON()
		if err != nil {
			r.err = fmt.Errorf("encode message %d: %w", binary.BigEndian.Uint64(key), err)
			return
		}
		head := r.val[:len(r.val)-len(storedTail)]
		out := make([]byte, 0, len(head)+len(storedTail)+len(moved)+20)
		out = append(out, head...)
		out = append(out, `,"state":"`...)
		out = append(out, state...)
		out = append(out, `","moved":`...)
		out = append(out, moved...)
		r.out = append(out, '}')
		return
	}
	var m Message
	if err := json.Unmarshal(r.val, &m); err != nil {
		r.err = fmt.Errorf("decode message %d: %w", binary.BigEndian.Uint64(key), err)
		return
	}
	if m.Source.Mailbox != mailbox {
		r.other = true
		return
	}
	if m.State != StateStored {
		return
	}
	m.State = StateProcessed
	if m.Folder == reviewFolder {
		m.State = StateReview
	}
	m.Moved = now
	if r.out, r.err = json.Marshal(&m); r.err != nil {
		r.err = fmt.Errorf("encode message %d: %w", m.ID, r.err)
	}
}

// Get returns the record of message id, or ErrNotFound.
func (db *DB) Get(id uint64) (*Message, error) {
	var m *Message
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		m, err = getJSON(tx.Bucket(bucketMessages), u64(id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get message %d: %w", id, err)
	}
	return m, nil
}

// Raw returns the raw bytes of message id, or ErrNotFound.
func (db *DB) Raw(id uint64) ([]byte, error) {
	var raw []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRaw).Get(u64(id))
		if v == nil {
			return ErrNotFound
		}
		raw = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get raw message %d: %w", id, err)
	}
	return raw, nil
}

// ForEach calls fn for every stored message in arrival order, inside one read
// transaction. fn must not call other DB methods that write.
func (db *DB) ForEach(fn func(*Message) error) error {
	return forEachJSON(db, bucketMessages, "message", fn)
}

// forEachJSON calls fn for every record of bucket, decoded from JSON, in key
// order, inside one read transaction. what names the records in errors.
func forEachJSON[T any](db *DB, bucket []byte, what string, fn func(*T) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			var rec T
			if err := json.Unmarshal(v, &rec); err != nil {
				return fmt.Errorf("decode %s %s: %w", what, keyText(k), err)
			}
			return fn(&rec)
		})
	})
}

// keyText shows a key in an error: a sequence key as its number, others as
// they are.
func keyText(k []byte) string {
	if len(k) == 8 && k[0] == 0 {
		return strconv.FormatUint(binary.BigEndian.Uint64(k), 10)
	}
	return string(k)
}

// Count returns the number of stored messages.
func (db *DB) Count() (int, error) {
	var n int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketMessages).Stats().KeyN
		return nil
	})
	return n, err
}

// Attempts returns, for each uid, how many processing attempts started and did
// not finish.
func (db *DB) Attempts(mailbox string, uidValidity uint32, uids []uint32) (map[uint32]uint64, error) {
	counts := make(map[uint32]uint64)
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAttempts)
		for _, uid := range uids {
			if v := b.Get(attemptKey(mailbox, uidValidity, uid)); len(v) == 8 {
				counts[uid] = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read attempts: %w", err)
	}
	return counts, nil
}

// BeginAttempts records that processing of uids starts now. Put or
// ClearAttempts ends the attempt; a crash leaves it counted.
func (db *DB) BeginAttempts(mailbox string, uidValidity uint32, uids []uint32) error {
	return db.updateAttempts(mailbox, uidValidity, uids, func(n uint64) uint64 { return n + 1 })
}

// ClearAttempts forgets the unfinished attempts of uids.
func (db *DB) ClearAttempts(mailbox string, uidValidity uint32, uids []uint32) error {
	return db.updateAttempts(mailbox, uidValidity, uids, func(uint64) uint64 { return 0 })
}

func (db *DB) updateAttempts(mailbox string, uidValidity uint32, uids []uint32, f func(uint64) uint64) error {
	if len(uids) == 0 {
		return nil
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAttempts)
		for _, uid := range uids {
			k := attemptKey(mailbox, uidValidity, uid)
			var n uint64
			if v := b.Get(k); len(v) == 8 {
				n = binary.BigEndian.Uint64(v)
			}
			var err error
			if n = f(n); n == 0 {
				err = b.Delete(k)
			} else {
				err = b.Put(k, u64(n))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("update attempts: %w", err)
	}
	return nil
}

// PruneAttempts forgets the attempts recorded for mailbox under any
// UIDVALIDITY other than uidValidity: those UIDs no longer name anything.
func (db *DB) PruneAttempts(mailbox string, uidValidity uint32) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAttempts).Cursor()
		prefix := append([]byte(mailbox), 0)
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if len(k) == len(prefix)+8 && binary.BigEndian.Uint32(k[len(prefix):]) != uidValidity {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// Backup writes a consistent copy of the whole database to w, taken in one
// read transaction while writers go on. It returns the bytes written.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	ew := &errWriter{w: w}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(ew)
		return err
	})
	if ew.err != nil {
		// bbolt does not always wrap the writer's error; keep it findable.
		err = ew.err
	}
	if err != nil {
		return n, fmt.Errorf("back up %s: %w", db.path, err)
	}
	return n, nil
}

// errWriter remembers the first error of w.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// Check verifies the file's internal consistency (pages, freelist, buckets).
func (db *DB) Check() error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		var errs []error
		for err := range tx.Check() {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

func getJSON(b *bolt.Bucket, key []byte) (*Message, error) {
	v := b.Get(key)
	if v == nil {
		return nil, ErrNotFound
	}
	var m Message
	if err := json.Unmarshal(v, &m); err != nil {
		return nil, fmt.Errorf("decode message %d: %w", binary.BigEndian.Uint64(key), err)
	}
	return &m, nil
}

func putJSON(b *bolt.Bucket, key []byte, m *Message) error {
	v, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode message %d: %w", m.ID, err)
	}
	return b.Put(key, v)
}
