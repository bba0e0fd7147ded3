package store_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/coe-congress/alliancebot/store"
)

// clock is the fixed time the tests' stores read.
var clock = time.Date(2026, 4, 14, 9, 30, 0, 0, time.UTC)

// fixedClock returns a clock stuck at t, given in a zone other than UTC so that
// the tests see the store convert it.
func fixedClock(t time.Time) func() time.Time {
	cest := time.FixedZone("CEST", 2*60*60)
	return func() time.Time { return t.In(cest) }
}

// openDB opens a new store in a temporary directory. When the test ends, the
// store is checked for consistency (db.Check) and closed.
func openDB(t *testing.T, opts *store.Options) *store.DB {
	t.Helper()
	if opts == nil {
		opts = &store.Options{Now: fixedClock(clock)}
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "alliancebot.db"), opts)
	if err != nil {
		t.Fatalf("Open = %v, want nil", err)
	}
	t.Cleanup(func() {
		checkDB(t, db)
		if err := db.Close(); err != nil {
			t.Errorf("Close = %v, want nil", err)
		}
	})
	return db
}

// checkDB fails the test when db is not internally consistent.
func checkDB(t *testing.T, db *store.DB) {
	t.Helper()
	if err := db.Check(); err != nil {
		t.Errorf("Check() = %v, want nil", err)
	}
}

func put(t *testing.T, db *store.DB, batch ...store.Incoming) []store.PutResult {
	t.Helper()
	res, err := db.Put(batch)
	if err != nil {
		t.Fatalf("Put = %v, want nil", err)
	}
	if len(res) != len(batch) {
		t.Fatalf("Put returned %d results, want %d", len(res), len(batch))
	}
	return res
}

func get(t *testing.T, db *store.DB, id uint64) *store.Message {
	t.Helper()
	m, err := db.Get(id)
	if err != nil {
		t.Fatalf("Get(%d) = %v, want nil error", id, err)
	}
	return m
}

func count(t *testing.T, db *store.DB) int {
	t.Helper()
	n, err := db.Count()
	if err != nil {
		t.Fatalf("Count() = %v, want nil error", err)
	}
	return n
}

func wantRaw(t *testing.T, db *store.DB, id uint64, want []byte) {
	t.Helper()
	got, err := db.Raw(id)
	if err != nil {
		t.Fatalf("Raw(%d) = %v, want nil error", id, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Raw(%d) = %q, want %q", id, got, want)
	}
}

func sha(raw []byte) string {
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// mail returns a small message numbered n.
func mail(n int) []byte {
	return fmt.Appendf(nil, "From: Mairie %d <mairie%d@example.fr>\r\nTo: roma.summit@coe.int\r\n"+
		"Subject: Questionnaire %d\r\nMessage-ID: <m%d@example.fr>\r\n\r\nBonjour %d.\r\n", n, n, n, n, n)
}

// incoming returns message n as the watcher would hand it to Put.
func incoming(n int) store.Incoming {
	return store.Incoming{Raw: mail(n), Msg: store.Message{
		MessageID:   fmt.Sprintf("<m%d@example.fr>", n),
		Fingerprint: fmt.Sprintf("fp%d", n),
		Subject:     fmt.Sprintf("Questionnaire %d", n),
		Source:      store.Location{Mailbox: "INBOX", UIDValidity: 7, UID: uint32(n)},
		Folder:      "Processed",
	}}
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alliancebot.db")
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatalf("Open(%s, nil) = %v, want nil", path, err)
	}
	defer db.Close()
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("mode of new file = %#o, want 0600", got)
	}
	checkDB(t, db)
}

func TestOpenTightensMode(t *testing.T) {
	tests := []struct {
		name string
		mode os.FileMode
		// store: the file is a store holding one message; otherwise it is empty.
		store bool
	}{
		{"empty file 0644", 0o644, false},
		{"store 0644", 0o644, true},
		{"store 0640", 0o640, true},
		{"store 0604", 0o604, true},
		{"store 0666", 0o666, true},
		{"store 0660", 0o660, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "alliancebot.db")
			if tt.store {
				db, err := store.Open(path, nil)
				if err != nil {
					t.Fatal(err)
				}
				put(t, db, incoming(1))
				if err := db.Close(); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			// Chmod, not the umask-filtered WriteFile mode, sets the wide mode.
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}

			db, err := store.Open(path, nil)
			if err != nil {
				t.Fatalf("Open(%#o file) = %v, want nil", tt.mode, err)
			}
			defer db.Close()
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != 0o600 {
				t.Errorf("mode after Open(%#o file) = %#o, want 0600", tt.mode, got)
			}
			want := 0
			if tt.store {
				want = 1
				wantRaw(t, db, 1, mail(1))
			}
			if got := count(t, db); got != want {
				t.Errorf("Count() = %d, want %d", got, want)
			}
			checkDB(t, db)
		})
	}
}

func TestOpenReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alliancebot.db")
	opts := &store.Options{Now: fixedClock(clock)}
	db, err := store.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, incoming(1), incoming(2), incoming(3))
	if err := db.MarkMoved([]uint64{2}, "Review", store.StateReview); err != nil {
		t.Fatal(err)
	}
	if err := db.BeginAttempts("INBOX", 7, []uint32{40}); err != nil {
		t.Fatal(err)
	}
	before := make([]*store.Message, 0, 3)
	for id := uint64(1); id <= 3; id++ {
		before = append(before, get(t, db, id))
	}
	checkDB(t, db)
	if err := db.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}

	db, err = store.Open(path, opts)
	if err != nil {
		t.Fatalf("Open again = %v, want nil", err)
	}
	defer db.Close()
	if got := count(t, db); got != 3 {
		t.Errorf("Count() after reopen = %d, want 3", got)
	}
	for i, want := range before {
		id := uint64(i + 1)
		got := get(t, db, id)
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Errorf("Get(%d) after reopen = %+v, want %+v", id, got, want)
		}
		wantRaw(t, db, id, mail(i+1))
	}
	if got, err := db.Attempts("INBOX", 7, []uint32{40}); err != nil || got[40] != 1 {
		t.Errorf("Attempts(INBOX, 7, [40]) after reopen = %v, %v, want map[40:1], nil", got, err)
	}
	// The sequence and the indexes survive: an old message is recognised, a new
	// one gets the next ID.
	res := put(t, db, incoming(2), incoming(4))
	want := []store.PutResult{{ID: 2, Duplicate: true, Folder: "Review"}, {ID: 4, Folder: "Processed"}}
	if !slices.Equal(res, want) {
		t.Errorf("Put(2, 4) after reopen = %+v, want %+v", res, want)
	}
	checkDB(t, db)
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alliancebot.db")
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, incoming(1))

	start := time.Now()
	db2, err := store.Open(path, &store.Options{LockTimeout: 100 * time.Millisecond})
	elapsed := time.Since(start)
	if !errors.Is(err, store.ErrLocked) {
		if db2 != nil {
			db2.Close()
		}
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	if db2 != nil {
		t.Errorf("second Open returned a non-nil DB with error %v", err)
	}
	// The default timeout is a second: a much shorter wait shows LockTimeout is
	// obeyed.
	if elapsed > 700*time.Millisecond {
		t.Errorf("second Open took %v, want about LockTimeout (100ms)", elapsed)
	}

	// The first handle is unharmed, and once it is closed the file opens.
	wantRaw(t, db, 1, mail(1))
	checkDB(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(path, &store.Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open after Close = %v, want nil", err)
	}
	defer db.Close()
	wantRaw(t, db, 1, mail(1))
	checkDB(t, db)
}

func TestOpenSchema(t *testing.T) {
	tests := []struct {
		name    string
		version []byte
		want    error // nil: any error
	}{
		{"newer", binary8(store.SchemaVersion + 1), store.ErrNewerSchema},
		{"much newer", binary8(1 << 40), store.ErrNewerSchema},
		{"short value", []byte{0, 0, 1}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "alliancebot.db")
			writeSchema(t, path, tt.version)

			db, err := store.Open(path, &store.Options{LockTimeout: 100 * time.Millisecond})
			if err == nil {
				db.Close()
				t.Fatalf("Open(schema %x) = nil error, want an error", tt.version)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Open(schema %x) = %v, want %v", tt.version, err, tt.want)
			}
			if tt.want == nil && errors.Is(err, store.ErrNewerSchema) {
				t.Errorf("Open(schema %x) = %v, want an error other than ErrNewerSchema", tt.version, err)
			}
			if db != nil {
				t.Errorf("Open(schema %x) returned a non-nil DB with error %v", tt.version, err)
			}

			// The failed Open released the file and left it as it was.
			b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond})
			if err != nil {
				t.Fatalf("bolt.Open after failed Open = %v, want nil (file still locked?)", err)
			}
			defer b.Close()
			err = b.View(func(tx *bolt.Tx) error {
				if got := tx.Bucket([]byte("meta")).Get([]byte("schema")); !bytes.Equal(got, tt.version) {
					t.Errorf("meta schema after failed Open = %x, want %x", got, tt.version)
				}
				if tx.Bucket([]byte("messages")) != nil {
					t.Errorf("bucket messages exists after failed Open, want the file untouched")
				}
				for err := range tx.Check() {
					t.Errorf("tx.Check() = %v", err)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func binary8(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

// writeSchema creates a bbolt file at path whose meta bucket says version.
func writeSchema(t *testing.T, path string, version []byte) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		return meta.Put([]byte("schema"), version)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPutIDsInArrivalOrder(t *testing.T) {
	db := openDB(t, nil)
	var got []uint64
	for _, batch := range [][]int{{1}, {2, 3, 4}, {}, {5, 6}} {
		var in []store.Incoming
		for _, n := range batch {
			in = append(in, incoming(n))
		}
		for _, r := range put(t, db, in...) {
			if r.Duplicate {
				t.Errorf("Put(new message) = %+v, want Duplicate false", r)
			}
			got = append(got, r.ID)
		}
	}
	if want := []uint64{1, 2, 3, 4, 5, 6}; !slices.Equal(got, want) {
		t.Errorf("Put IDs = %v, want %v", got, want)
	}
	for id := uint64(1); id <= 6; id++ {
		if m := get(t, db, id); m.ID != id || m.Subject != fmt.Sprintf("Questionnaire %d", id) {
			t.Errorf("Get(%d) = ID %d subject %q, want ID %d subject %q", id, m.ID, m.Subject, id, fmt.Sprintf("Questionnaire %d", id))
		}
	}
}

func TestPutRecord(t *testing.T) {
	big := make([]byte, 1<<20+3) // larger than a page: overflow pages
	r := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(r.Uint32())
	}
	tests := []struct {
		name string
		raw  []byte
	}{
		{"empty", []byte{}},
		{"nil", nil},
		{"CRLF", mail(1)},
		{"bare LF", []byte("Subject: a\n\nbody\n")},
		{"bare CR", []byte("Subject: a\r\rbody\rend")},
		{"NUL", []byte("Subject: \x00\r\n\r\n\x00body\x00")},
		{"8-bit and invalid UTF-8", []byte("Subject: caf\xe9 \xff\xfe\r\n\r\nR\xc3\xa9ponse\r\n")},
		{"trailing whitespace", []byte("Subject: a \t\r\n\r\nbody \t \r\n\r\n\r\n")},
		{"1 MiB binary", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t, nil)
			in := store.Incoming{Raw: tt.raw, Msg: store.Message{
				ID:          99, // the store assigns its own
				MessageID:   "<a@example.fr>",
				SHA256:      "bogus", // the store computes it
				Size:        -1,      // the store computes it
				Fingerprint: "fp",
				From:        "mairie@example.fr",
				To:          []string{"roma.summit@coe.int"},
				Subject:     "Questionnaire",
				Source:      store.Location{Mailbox: "INBOX", UIDValidity: 7, UID: 42},
				Folder:      "Processed",
				Received:    clock.Add(-time.Hour), // the store sets it
			}}
			res := put(t, db, in)
			if want := (store.PutResult{ID: 1, Folder: "Processed"}); res[0] != want {
				t.Errorf("Put = %+v, want %+v", res[0], want)
			}
			m := get(t, db, 1)
			if m.ID != 1 {
				t.Errorf("ID = %d, want 1", m.ID)
			}
			if want := sha(tt.raw); m.SHA256 != want {
				t.Errorf("SHA256 = %q, want %q", m.SHA256, want)
			}
			if sum := store.SHA256(tt.raw); m.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA256 = %q, want store.SHA256(raw) %x", m.SHA256, sum)
			}
			if m.Size != len(tt.raw) {
				t.Errorf("Size = %d, want %d", m.Size, len(tt.raw))
			}
			if !m.Received.Equal(clock) || m.Received.Location() != time.UTC {
				t.Errorf("Received = %v, want %v", m.Received, clock)
			}
			if m.State != store.StateStored {
				t.Errorf("State = %q, want %q", m.State, store.StateStored)
			}
			if !m.Moved.IsZero() {
				t.Errorf("Moved = %v, want zero", m.Moved)
			}
			if m.MessageID != in.Msg.MessageID || m.Fingerprint != in.Msg.Fingerprint || m.From != in.Msg.From ||
				!slices.Equal(m.To, in.Msg.To) || m.Subject != in.Msg.Subject || m.Source != in.Msg.Source || m.Folder != in.Msg.Folder {
				t.Errorf("Get(1) = %+v, want the fields given to Put: %+v", m, in.Msg)
			}
			got, err := db.Raw(1)
			if err != nil {
				t.Fatalf("Raw(1) = %v, want nil error", err)
			}
			if !bytes.Equal(got, tt.raw) {
				t.Errorf("Raw(1) = %d bytes %.40q, want %d bytes %.40q", len(got), got, len(tt.raw), tt.raw)
			}
		})
	}
}

// TestPutKeepsState checks that a State given to Put is kept (only an empty one
// becomes StateStored).
func TestPutKeepsState(t *testing.T) {
	db := openDB(t, nil)
	in := incoming(1)
	in.Msg.State = store.StateReview
	put(t, db, in)
	if got := get(t, db, 1).State; got != store.StateReview {
		t.Errorf("State = %q, want %q", got, store.StateReview)
	}
}

func TestPutDuplicates(t *testing.T) {
	msg := func(raw, messageID, fp, folder string) store.Incoming {
		return store.Incoming{Raw: []byte(raw), Msg: store.Message{MessageID: messageID, Fingerprint: fp, Folder: folder}}
	}
	const (
		raw1 = "Received: from a\r\nMessage-ID: <x@example.fr>\r\n\r\nbody\r\n"
		raw2 = "Received: from b\r\nMessage-ID: <x@example.fr>\r\n\r\nbody\r\n"
	)
	tests := []struct {
		name   string
		first  store.Incoming
		second store.Incoming
		// dup: the second is recognised as the first.
		dup bool
	}{
		{"same bytes", msg(raw1, "<x@example.fr>", "F", "Processed"), msg(raw1, "<x@example.fr>", "F", "Review"), true},
		{"same bytes, no Message-ID", msg(raw1, "", "F", "Processed"), msg(raw1, "", "F", "Review"), true},
		{"same bytes, other metadata", msg(raw1, "<x@example.fr>", "F", "Processed"), msg(raw1, "<y@example.fr>", "G", "Review"), true},
		{"same empty bytes", msg("", "", "", "Processed"), msg("", "", "", "Review"), true},
		{"same Message-ID and fingerprint", msg(raw1, "<x@example.fr>", "F", "Processed"), msg(raw2, "<x@example.fr>", "F", "Review"), true},
		{"same Message-ID, other fingerprint", msg(raw1, "<x@example.fr>", "F", "Processed"), msg(raw2, "<x@example.fr>", "G", "Review"), false},
		{"same Message-ID, fingerprint only on one", msg(raw1, "<x@example.fr>", "F", "Processed"), msg(raw2, "<x@example.fr>", "", "Review"), false},
		{"no Message-ID, same fingerprint", msg(raw1, "", "F", "Processed"), msg(raw2, "", "F", "Review"), false},
		{"other Message-ID, same fingerprint", msg(raw1, "<x@example.fr>", "F", "Processed"), msg(raw2, "<y@example.fr>", "F", "Review"), false},
		{"Message-ID differing in case", msg(raw1, "<x@example.fr>", "F", "Processed"), msg(raw2, "<X@example.fr>", "F", "Review"), false},
		// The key is Message-ID, NUL, fingerprint: the split point matters.
		{"same concatenation", msg(raw1, "<x>", "ab", "Processed"), msg(raw2, "<x>a", "b", "Review"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t, nil)
			first := put(t, db, tt.first)[0]
			if want := (store.PutResult{ID: 1, Folder: "Processed"}); first != want {
				t.Fatalf("Put(first) = %+v, want %+v", first, want)
			}
			second := put(t, db, tt.second)[0]
			want := store.PutResult{ID: 2, Folder: "Review"}
			if tt.dup {
				want = store.PutResult{ID: 1, Duplicate: true, Folder: "Processed"}
			}
			if second != want {
				t.Errorf("Put(second) = %+v, want %+v", second, want)
			}
			wantCount := 2
			if tt.dup {
				wantCount = 1
			}
			if got := count(t, db); got != wantCount {
				t.Errorf("Count() = %d, want %d", got, wantCount)
			}
			// The first record and its bytes are untouched by the second Put.
			if m := get(t, db, 1); m.Folder != "Processed" || m.MessageID != tt.first.Msg.MessageID {
				t.Errorf("Get(1) = folder %q Message-ID %q, want %q %q", m.Folder, m.MessageID, "Processed", tt.first.Msg.MessageID)
			}
			wantRaw(t, db, 1, tt.first.Raw)
			if !tt.dup {
				wantRaw(t, db, 2, tt.second.Raw)
			}
		})
	}
}

// TestPutDuplicateFolderAfterMove checks that a duplicate reports where the
// stored message is now, not where it was first meant to go.
func TestPutDuplicateFolderAfterMove(t *testing.T) {
	db := openDB(t, nil)
	put(t, db, incoming(1))
	if err := db.MarkMoved([]uint64{1}, "Review", store.StateReview); err != nil {
		t.Fatal(err)
	}
	again := incoming(1)
	again.Msg.Folder = "Processed"
	if got, want := put(t, db, again)[0], (store.PutResult{ID: 1, Duplicate: true, Folder: "Review"}); got != want {
		t.Errorf("Put(moved message again) = %+v, want %+v", got, want)
	}
	if m := get(t, db, 1); m.State != store.StateReview || m.Folder != "Review" {
		t.Errorf("Get(1) = state %q folder %q, want %q %q", m.State, m.Folder, store.StateReview, "Review")
	}
}

func TestPutDuplicatesInOneBatch(t *testing.T) {
	db := openDB(t, nil)
	a := incoming(1)
	aTrace := incoming(1) // same Message-ID and fingerprint, other trace headers
	aTrace.Raw = append([]byte("Received: from relay\r\n"), a.Raw...)
	aTrace.Msg.Folder = "Review"
	b := incoming(2)
	res := put(t, db, a, aTrace, b, a, b)
	want := []store.PutResult{
		{ID: 1, Folder: "Processed"},
		{ID: 1, Duplicate: true, Folder: "Processed"},
		{ID: 2, Folder: "Processed"},
		{ID: 1, Duplicate: true, Folder: "Processed"},
		{ID: 2, Duplicate: true, Folder: "Processed"},
	}
	if !slices.Equal(res, want) {
		t.Errorf("Put(a, a', b, a, b) = %+v, want %+v", res, want)
	}
	if got := count(t, db); got != 2 {
		t.Errorf("Count() = %d, want 2", got)
	}
	wantRaw(t, db, 1, a.Raw)
	wantRaw(t, db, 2, b.Raw)
}

func TestPutNoRaw(t *testing.T) {
	noRaw := func(uid uint32) store.Incoming {
		return store.Incoming{NoRaw: true, Msg: store.Message{
			MessageID: "<lost@example.fr>", Fingerprint: "F", Folder: "Review",
			Source: store.Location{Mailbox: "INBOX", UIDValidity: 7, UID: uid},
			Errors: []string{"fetch uid: server said NO"},
		}}
	}
	empty := store.Incoming{Raw: []byte{}, Msg: store.Message{Folder: "Processed"}}
	// The same Message-ID and fingerprint as the NoRaw records, with bytes.
	real := store.Incoming{Raw: []byte("Message-ID: <lost@example.fr>\r\n\r\n"),
		Msg: store.Message{MessageID: "<lost@example.fr>", Fingerprint: "F", Folder: "Processed"}}

	tests := []struct {
		name  string
		batch []store.Incoming
		want  []store.PutResult
	}{
		{"NoRaw twice", []store.Incoming{noRaw(1), noRaw(1)},
			[]store.PutResult{{ID: 1, Folder: "Review"}, {ID: 2, Folder: "Review"}}},
		{"NoRaw then empty", []store.Incoming{noRaw(1), empty, noRaw(2), empty},
			[]store.PutResult{{ID: 1, Folder: "Review"}, {ID: 2, Folder: "Processed"}, {ID: 3, Folder: "Review"}, {ID: 2, Duplicate: true, Folder: "Processed"}}},
		{"empty then NoRaw", []store.Incoming{empty, noRaw(1)},
			[]store.PutResult{{ID: 1, Folder: "Processed"}, {ID: 2, Folder: "Review"}}},
		{"NoRaw then same Message-ID with bytes", []store.Incoming{noRaw(1), real, noRaw(1)},
			[]store.PutResult{{ID: 1, Folder: "Review"}, {ID: 2, Folder: "Processed"}, {ID: 3, Folder: "Review"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t, nil)
			// Put one at a time, then the whole batch in a second store: the
			// result must not depend on batching.
			var got []store.PutResult
			for _, in := range tt.batch {
				got = append(got, put(t, db, in)[0])
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Put one by one = %+v, want %+v", got, tt.want)
			}
			db2 := openDB(t, nil)
			if got := put(t, db2, tt.batch...); !slices.Equal(got, tt.want) {
				t.Errorf("Put(batch) = %+v, want %+v", got, tt.want)
			}

			for i, in := range tt.batch {
				if !in.NoRaw {
					continue
				}
				id := tt.want[i].ID
				m := get(t, db, id)
				if m.SHA256 != "" || m.Size != 0 {
					t.Errorf("Get(%d) (NoRaw) = SHA256 %q Size %d, want empty and 0", id, m.SHA256, m.Size)
				}
				if m.ID != id || !m.Received.Equal(clock) || m.State != store.StateStored || m.Source != in.Msg.Source ||
					!slices.Equal(m.Errors, in.Msg.Errors) {
					t.Errorf("Get(%d) (NoRaw) = %+v, want ID %d, Received %v, state stored, source and errors of %+v", id, m, id, clock, in.Msg)
				}
				if raw, err := db.Raw(id); !errors.Is(err, store.ErrNotFound) || raw != nil {
					t.Errorf("Raw(%d) (NoRaw) = %q, %v, want nil, ErrNotFound", id, raw, err)
				}
			}
		})
	}
}

func TestPutClearsAttempts(t *testing.T) {
	db := openDB(t, nil)
	begin := func(mailbox string, uidValidity uint32, uids ...uint32) {
		t.Helper()
		if err := db.BeginAttempts(mailbox, uidValidity, uids); err != nil {
			t.Fatalf("BeginAttempts(%s, %d, %v) = %v, want nil", mailbox, uidValidity, uids, err)
		}
	}
	begin("INBOX", 7, 1, 2, 3, 4, 5)
	begin("INBOX", 7, 1, 2, 3, 4, 5)
	begin("INBOX", 8, 1)
	begin("Other", 7, 1)

	stored := incoming(1) // Source INBOX 7 1
	dup := incoming(1)
	dup.Msg.Source.UID = 2
	lost := store.Incoming{NoRaw: true, Msg: store.Message{Source: store.Location{Mailbox: "INBOX", UIDValidity: 7, UID: 3}}}
	put(t, db, stored, dup, lost)

	tests := []struct {
		mailbox     string
		uidValidity uint32
		want        map[uint32]uint64
	}{
		{"INBOX", 7, map[uint32]uint64{4: 2, 5: 2}},
		{"INBOX", 8, map[uint32]uint64{1: 1}},
		{"Other", 7, map[uint32]uint64{1: 1}},
	}
	for _, tt := range tests {
		got, err := db.Attempts(tt.mailbox, tt.uidValidity, []uint32{1, 2, 3, 4, 5})
		if err != nil || !maps.Equal(got, tt.want) {
			t.Errorf("Attempts(%s, %d, [1..5]) = %v, %v, want %v, nil", tt.mailbox, tt.uidValidity, got, err, tt.want)
		}
	}
}

func TestMarkMoved(t *testing.T) {
	now := clock
	db := openDB(t, &store.Options{Now: func() time.Time { return now }})
	put(t, db, incoming(1), incoming(2), incoming(3))

	now = clock.Add(time.Minute)
	if err := db.MarkMoved([]uint64{1, 3}, "Processed/2026", store.StateProcessed); err != nil {
		t.Fatalf("MarkMoved([1 3]) = %v, want nil", err)
	}
	now = clock.Add(2 * time.Minute)
	if err := db.MarkMoved([]uint64{2}, "Review", store.StateReview); err != nil {
		t.Fatalf("MarkMoved([2]) = %v, want nil", err)
	}
	// Moving again to the same place is a no-op and keeps the first time.
	now = clock.Add(3 * time.Minute)
	if err := db.MarkMoved([]uint64{1}, "Processed/2026", store.StateProcessed); err != nil {
		t.Fatalf("MarkMoved([1]) again = %v, want nil", err)
	}
	if err := db.MarkMoved(nil, "Nowhere", store.StateReview); err != nil {
		t.Errorf("MarkMoved(nil) = %v, want nil", err)
	}

	tests := []struct {
		id     uint64
		folder string
		state  store.State
		moved  time.Time
	}{
		{1, "Processed/2026", store.StateProcessed, clock.Add(time.Minute)},
		{2, "Review", store.StateReview, clock.Add(2 * time.Minute)},
		{3, "Processed/2026", store.StateProcessed, clock.Add(time.Minute)},
	}
	for _, tt := range tests {
		m := get(t, db, tt.id)
		if m.Folder != tt.folder || m.State != tt.state || !m.Moved.Equal(tt.moved) {
			t.Errorf("Get(%d) = folder %q state %q moved %v, want %q %q %v", tt.id, m.Folder, m.State, m.Moved, tt.folder, tt.state, tt.moved)
		}
		if !m.Received.Equal(clock) || m.Subject != fmt.Sprintf("Questionnaire %d", tt.id) {
			t.Errorf("Get(%d) = received %v subject %q, want the record otherwise unchanged", tt.id, m.Received, m.Subject)
		}
		wantRaw(t, db, tt.id, mail(int(tt.id)))
	}
}

func TestMarkMovedUnknown(t *testing.T) {
	db := openDB(t, nil)
	put(t, db, incoming(1))
	for _, ids := range [][]uint64{{2}, {0}, {1, 2}, {2, 1}} {
		err := db.MarkMoved(ids, "Review", store.StateReview)
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MarkMoved(%v) = %v, want ErrNotFound", ids, err)
		}
	}
	// All or nothing: message 1 was not moved by the failed calls.
	if m := get(t, db, 1); m.Folder != "Processed" || m.State != store.StateStored || !m.Moved.IsZero() {
		t.Errorf("Get(1) = folder %q state %q moved %v, want %q %q zero", m.Folder, m.State, m.Moved, "Processed", store.StateStored)
	}
}

func TestNotFound(t *testing.T) {
	db := openDB(t, nil)
	put(t, db, incoming(1))
	for _, id := range []uint64{0, 2, 1 << 32, ^uint64(0)} {
		if m, err := db.Get(id); !errors.Is(err, store.ErrNotFound) || m != nil {
			t.Errorf("Get(%d) = %v, %v, want nil, ErrNotFound", id, m, err)
		}
		if raw, err := db.Raw(id); !errors.Is(err, store.ErrNotFound) || raw != nil {
			t.Errorf("Raw(%d) = %q, %v, want nil, ErrNotFound", id, raw, err)
		}
	}
}

// TestRawOutlivesDB checks that Raw copies the bytes out of its transaction:
// bbolt's slices point into a memory map that Close unmaps.
func TestRawOutlivesDB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alliancebot.db")
	db, err := store.Open(path, &store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	// Big enough that the raw bucket is not inline (bbolt copies inline
	// buckets out of the map) and the message sits in overflow pages.
	want := bytes.Repeat(mail(1), 1000)
	put(t, db, store.Incoming{Raw: want}, incoming(2))
	raw, err := db.Raw(1)
	if err != nil {
		t.Fatal(err)
	}
	checkDB(t, db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// With a slice into the map, this faults.
	if !bytes.Equal(raw, want) {
		t.Errorf("Raw(1) after Close = %d bytes, want the %d bytes stored", len(raw), len(want))
	}
}

func TestForEachAndCount(t *testing.T) {
	db := openDB(t, nil)
	if got := count(t, db); got != 0 {
		t.Errorf("Count() of new store = %d, want 0", got)
	}
	calls := 0
	if err := db.ForEach(func(*store.Message) error { calls++; return nil }); err != nil || calls != 0 {
		t.Errorf("ForEach on new store = %d calls, %v, want 0, nil", calls, err)
	}

	// More than 256 messages, so that a little-endian key would sort wrong,
	// and enough to spread over several pages. Batches of mixed sizes.
	const n = 700
	for i := 1; i <= n; {
		var batch []store.Incoming
		for j := 0; j < i%13+1 && i <= n; j++ {
			batch = append(batch, incoming(i))
			i++
		}
		// A duplicate does not take a place in the order.
		batch = append(batch, incoming(1))
		put(t, db, batch...)
	}
	if got := count(t, db); got != n {
		t.Errorf("Count() = %d, want %d", got, n)
	}
	var ids []uint64
	err := db.ForEach(func(m *store.Message) error {
		if want := fmt.Sprintf("Questionnaire %d", m.ID); m.Subject != want {
			t.Errorf("ForEach: message %d subject %q, want %q", m.ID, m.Subject, want)
		}
		ids = append(ids, m.ID)
		return nil
	})
	if err != nil {
		t.Fatalf("ForEach = %v, want nil", err)
	}
	if len(ids) != n {
		t.Fatalf("ForEach visited %d messages, want %d", len(ids), n)
	}
	for i, id := range ids {
		if id != uint64(i+1) {
			t.Fatalf("ForEach visit %d = message %d, want %d", i, id, i+1)
		}
	}

	// An error from fn stops the walk and is returned.
	stop := errors.New("stop")
	calls = 0
	err = db.ForEach(func(*store.Message) error {
		calls++
		if calls == 5 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 5 {
		t.Errorf("ForEach(stop at 5) = %d calls, %v, want 5, %v", calls, err, stop)
	}
}

func TestAttempts(t *testing.T) {
	db := openDB(t, nil)
	steps := []struct {
		op          string // begin, clear
		mailbox     string
		uidValidity uint32
		uids        []uint32
	}{
		{"begin", "INBOX", 1, []uint32{5, 6}},
		{"begin", "INBOX", 1, []uint32{5}},
		{"begin", "INBOX", 1, []uint32{5, 1<<32 - 1}},
		{"begin", "INBOX", 2, []uint32{5}},
		{"begin", "INBOX/sub", 1, []uint32{5}},
		{"begin", "INBO", 1, []uint32{6}},
		{"begin", "INBOX", 1, nil},
		{"clear", "INBOX", 1, []uint32{6, 7}}, // 7 has none: no-op
		{"clear", "INBOX", 1, nil},
	}
	for _, s := range steps {
		var err error
		switch s.op {
		case "begin":
			err = db.BeginAttempts(s.mailbox, s.uidValidity, s.uids)
		case "clear":
			err = db.ClearAttempts(s.mailbox, s.uidValidity, s.uids)
		}
		if err != nil {
			t.Fatalf("%s(%s, %d, %v) = %v, want nil", s.op, s.mailbox, s.uidValidity, s.uids, err)
		}
	}
	uids := []uint32{0, 5, 6, 7, 1<<32 - 1}
	tests := []struct {
		mailbox     string
		uidValidity uint32
		want        map[uint32]uint64
	}{
		{"INBOX", 1, map[uint32]uint64{5: 3, 1<<32 - 1: 1}},
		{"INBOX", 2, map[uint32]uint64{5: 1}},
		{"INBOX", 3, map[uint32]uint64{}},
		{"INBOX/sub", 1, map[uint32]uint64{5: 1}},
		{"INBO", 1, map[uint32]uint64{6: 1}},
		{"inbox", 1, map[uint32]uint64{}},
		{"", 1, map[uint32]uint64{}},
	}
	for _, tt := range tests {
		got, err := db.Attempts(tt.mailbox, tt.uidValidity, uids)
		if err != nil || got == nil || !maps.Equal(got, tt.want) {
			t.Errorf("Attempts(%q, %d, %v) = %v, %v, want %v, nil", tt.mailbox, tt.uidValidity, uids, got, err, tt.want)
		}
	}
	if got, err := db.Attempts("INBOX", 1, nil); err != nil || got == nil || len(got) != 0 {
		t.Errorf("Attempts(INBOX, 1, nil) = %v, %v, want map[], nil", got, err)
	}

	// Clearing ends the count: the next attempt starts again from one.
	if err := db.ClearAttempts("INBOX", 1, []uint32{5}); err != nil {
		t.Fatal(err)
	}
	if err := db.BeginAttempts("INBOX", 1, []uint32{5}); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Attempts("INBOX", 1, []uint32{5}); err != nil || !maps.Equal(got, map[uint32]uint64{5: 1}) {
		t.Errorf("Attempts(INBOX, 1, [5]) after clear and begin = %v, %v, want map[5:1], nil", got, err)
	}
}

func TestPruneAttempts(t *testing.T) {
	db := openDB(t, nil)
	// Many UIDs under the stale UIDVALIDITYs, so that pruning deletes over
	// several pages in one cursor walk.
	many := make([]uint32, 3000)
	for i := range many {
		many[i] = uint32(i + 1)
	}
	mailboxes := []struct {
		mailbox     string
		uidValidity uint32
		uids        []uint32
	}{
		{"INBOX", 1, many},
		{"INBOX", 2, []uint32{1, 2, 3}},
		{"INBOX", 3, many},
		{"INBOX", 1<<32 - 1, []uint32{1, 1<<32 - 1}},
		{"INBOX", 0, []uint32{9}},
		{"INBOX/sub", 1, []uint32{1, 2}},
		{"INBOX/sub", 9, []uint32{1}},
		{"INBOX.sub", 1, []uint32{1}},
		{"INBO", 1, []uint32{1}},
		{"", 1, []uint32{1}},
		{"Archive", 1, []uint32{1}},
	}
	for _, m := range mailboxes {
		if err := db.BeginAttempts(m.mailbox, m.uidValidity, m.uids); err != nil {
			t.Fatal(err)
		}
	}

	// kept reports how many of the UIDs of each mailbox and UIDVALIDITY still
	// have an attempt.
	kept := func() map[string]int {
		t.Helper()
		out := make(map[string]int)
		for _, m := range mailboxes {
			got, err := db.Attempts(m.mailbox, m.uidValidity, m.uids)
			if err != nil {
				t.Fatal(err)
			}
			out[fmt.Sprintf("%s/%d", m.mailbox, m.uidValidity)] = len(got)
		}
		return out
	}
	all := kept()

	if err := db.PruneAttempts("INBOX", 2); err != nil {
		t.Fatalf("PruneAttempts(INBOX, 2) = %v, want nil", err)
	}
	want := maps.Clone(all)
	want["INBOX/1"], want["INBOX/3"], want["INBOX/4294967295"], want["INBOX/0"] = 0, 0, 0, 0
	if got := kept(); !maps.Equal(got, want) {
		t.Errorf("after PruneAttempts(INBOX, 2): attempts kept %v, want %v", got, want)
	}
	checkDB(t, db)

	if err := db.PruneAttempts("INBOX/sub", 9); err != nil {
		t.Fatalf("PruneAttempts(INBOX/sub, 9) = %v, want nil", err)
	}
	want["INBOX/sub/1"] = 0
	if got := kept(); !maps.Equal(got, want) {
		t.Errorf("after PruneAttempts(INBOX/sub, 9): attempts kept %v, want %v", got, want)
	}

	// A mailbox with no attempts, or pruning twice, changes nothing.
	for _, mailbox := range []string{"Nothing", "INBOX", "IN"} {
		if err := db.PruneAttempts(mailbox, 2); err != nil {
			t.Fatalf("PruneAttempts(%s, 2) = %v, want nil", mailbox, err)
		}
	}
	if got := kept(); !maps.Equal(got, want) {
		t.Errorf("after pruning again: attempts kept %v, want %v", got, want)
	}
}

func TestBackupWhileWriting(t *testing.T) {
	db := openDB(t, &store.Options{NoSync: true, Now: fixedClock(clock)})
	// Some bulk, so that a backup takes a while.
	filler := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	raw := func(n int) []byte { return append(mail(n), filler...) }
	var next int
	for ; next < 100; next++ {
		in := incoming(next + 1)
		in.Raw = raw(next + 1)
		put(t, db, in)
	}

	var (
		wg      sync.WaitGroup
		stop    = make(chan struct{})
		started = make(chan struct{})
		once    sync.Once
		putErr  error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer once.Do(func() { close(started) })
		for n := next + 1; ; n++ {
			in := incoming(n)
			in.Raw = raw(n)
			if _, err := db.Put([]store.Incoming{in}); err != nil {
				putErr = err
				return
			}
			once.Do(func() { close(started) })
			select {
			case <-stop:
				return
			default:
			}
		}
	}()
	<-started

	before := count(t, db)
	var buf bytes.Buffer
	// A slow reader, so that many Puts commit while the copy is made.
	n, err := db.Backup(slowWriter{&buf})
	after := count(t, db)
	close(stop)
	wg.Wait()
	if putErr != nil {
		t.Fatalf("Put during backup = %v, want nil", putErr)
	}
	if err != nil {
		t.Fatalf("Backup = %v, want nil", err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("Backup = %d, want the %d bytes written", n, buf.Len())
	}

	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	bk, err := store.Open(path, &store.Options{Now: fixedClock(clock)})
	if err != nil {
		t.Fatalf("Open(backup) = %v, want nil", err)
	}
	defer bk.Close()
	checkDB(t, bk)

	got := count(t, bk)
	if got < before || got > after {
		t.Errorf("Count() of backup = %d, want between %d and %d", got, before, after)
	}
	var ids []uint64
	err = bk.ForEach(func(m *store.Message) error {
		ids = append(ids, m.ID)
		return nil
	})
	if err != nil {
		t.Fatalf("ForEach(backup) = %v, want nil", err)
	}
	if len(ids) != got {
		t.Errorf("ForEach(backup) visited %d messages, want Count() %d", len(ids), got)
	}
	for i, id := range ids {
		if id != uint64(i+1) {
			t.Fatalf("backup message %d has ID %d, want a prefix 1..%d", i, id, got)
		}
		m := get(t, bk, id)
		want := raw(int(id))
		if m.SHA256 != sha(want) || m.Size != len(want) {
			t.Errorf("backup Get(%d) = SHA256 %s size %d, want %s %d", id, m.SHA256, m.Size, sha(want), len(want))
		}
		wantRaw(t, bk, id, want)
	}

	// The indexes in the copy match its records: every message is recognised
	// by its bytes, and by its Message-ID and fingerprint.
	for _, id := range ids {
		same := incoming(int(id))
		same.Raw = raw(int(id))
		trace := incoming(int(id))
		trace.Raw = append([]byte("Received: again\r\n"), same.Raw...)
		res := put(t, bk, same, trace)
		want := store.PutResult{ID: id, Duplicate: true, Folder: "Processed"}
		if res[0] != want || res[1] != want {
			t.Fatalf("Put(message %d again) into backup = %+v, want twice %+v", id, res, want)
		}
	}
	// The copy is a working store: the sequence goes on after its last message.
	if res := put(t, bk, incoming(100000)); res[0].ID != uint64(got+1) || res[0].Duplicate {
		t.Errorf("Put into backup = %+v, want ID %d, new", res[0], got+1)
	}
	checkDB(t, bk)
}

// slowWriter passes writes to w, pausing before each.
type slowWriter struct{ w io.Writer }

func (s slowWriter) Write(p []byte) (int, error) {
	time.Sleep(200 * time.Microsecond)
	return s.w.Write(p)
}

// failWriter accepts limit bytes, then fails with err.
type failWriter struct {
	limit int
	n     int
	err   error
}

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n+len(p) <= w.limit {
		w.n += len(p)
		return len(p), nil
	}
	k := w.limit - w.n
	w.n = w.limit
	return k, w.err
}

// TestBackupWriteError checks that Backup returns the writer's error (so that a
// caller can tell, say, a closed connection from a broken store) and the number
// of bytes the writer took.
func TestBackupWriteError(t *testing.T) {
	db := openDB(t, nil)
	put(t, db, incoming(1), incoming(2))
	pageSize := os.Getpagesize()
	tests := []struct {
		name  string
		limit int
	}{
		{"meta page 0", 0},
		{"meta page 1", pageSize + 10},
		{"data pages", 2*pageSize + 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			diskFull := errors.New("disk full")
			n, err := db.Backup(&failWriter{limit: tt.limit, err: diskFull})
			if !errors.Is(err, diskFull) {
				t.Errorf("Backup(writer failing after %d bytes) = %v, want %v", tt.limit, err, diskFull)
			}
			if n != int64(tt.limit) {
				t.Errorf("Backup(writer failing after %d bytes) = %d bytes, want %d", tt.limit, n, tt.limit)
			}
		})
	}
}

func TestConcurrentPutAndRead(t *testing.T) {
	db := openDB(t, &store.Options{NoSync: true, Now: fixedClock(clock)})
	const (
		workers = 8
		batches = 20
		perPut  = 3
	)
	shared := store.Incoming{Raw: []byte("Message-ID: <shared@example.fr>\r\n\r\nsame for all\r\n"),
		Msg: store.Message{MessageID: "<shared@example.fr>", Fingerprint: "S", Folder: "Processed"}}

	type outcome struct {
		ids       []uint64
		sharedIDs []store.PutResult
		err       error
	}
	outcomes := make([]outcome, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := &outcomes[w]
			fail := func(format string, args ...any) { o.err = fmt.Errorf(format, args...) }
			for b := range batches {
				var batch []store.Incoming
				for i := range perPut {
					batch = append(batch, incoming(1000*(w+1)+perPut*b+i))
				}
				batch = append(batch, shared)
				res, err := db.Put(batch)
				if err != nil {
					fail("Put = %v", err)
					return
				}
				o.sharedIDs = append(o.sharedIDs, res[perPut])
				for i, r := range res[:perPut] {
					if r.Duplicate {
						fail("Put(new message) = %+v, want Duplicate false", r)
						return
					}
					o.ids = append(o.ids, r.ID)
					m, err := db.Get(r.ID)
					if err != nil || m.MessageID != batch[i].Msg.MessageID {
						fail("Get(%d) = %+v, %v, want Message-ID %s", r.ID, m, err, batch[i].Msg.MessageID)
						return
					}
					raw, err := db.Raw(r.ID)
					if err != nil || !bytes.Equal(raw, batch[i].Raw) {
						fail("Raw(%d) = %q, %v, want %q", r.ID, raw, err, batch[i].Raw)
						return
					}
				}
				if _, err := db.Count(); err != nil {
					fail("Count() = %v", err)
					return
				}
				if b%5 == 0 {
					last := uint64(0)
					err := db.ForEach(func(m *store.Message) error {
						if m.ID <= last {
							return fmt.Errorf("message %d after %d", m.ID, last)
						}
						last = m.ID
						return nil
					})
					if err != nil {
						fail("ForEach = %v", err)
						return
					}
				}
				if err := db.BeginAttempts("INBOX", 7, []uint32{uint32(w)}); err != nil {
					fail("BeginAttempts = %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()

	const total = workers*batches*perPut + 1 // +1: the shared message, once
	var ids []uint64
	var sharedNew []store.PutResult
	var sharedID uint64
	for w, o := range outcomes {
		if o.err != nil {
			t.Fatalf("worker %d: %v", w, o.err)
		}
		ids = append(ids, o.ids...)
		for _, r := range o.sharedIDs {
			if !r.Duplicate {
				sharedNew = append(sharedNew, r)
			}
			if sharedID == 0 {
				sharedID = r.ID
			}
			if r.ID != sharedID {
				t.Errorf("Put(shared) = ID %d, want the same ID %d everywhere", r.ID, sharedID)
			}
		}
	}
	if len(sharedNew) != 1 {
		t.Errorf("Put(shared) was new %d times (%v), want once", len(sharedNew), sharedNew)
	}
	ids = append(ids, sharedID)
	slices.Sort(ids)
	for i, id := range ids {
		if id != uint64(i+1) {
			t.Fatalf("IDs given out = %v..., want 1..%d each once", ids[:i+1], total)
		}
	}
	if len(ids) != total {
		t.Errorf("%d IDs given out, want %d", len(ids), total)
	}
	if got := count(t, db); got != total {
		t.Errorf("Count() = %d, want %d", got, total)
	}
	got, err := db.Attempts("INBOX", 7, []uint32{0, 1, 2, 3, 4, 5, 6, 7})
	if err != nil || len(got) != workers {
		t.Fatalf("Attempts = %v, %v, want %d entries", got, err, workers)
	}
	for uid, n := range got {
		if n != batches {
			t.Errorf("Attempts[%d] = %d, want %d", uid, n, batches)
		}
	}
}

// TestPutLongMessageID stores a message whose Message-ID is longer than a bbolt
// key may be. The Message-ID comes from the sender, unchecked: such a message
// must still be archived, and must not stop the rest of its batch.
func TestPutLongMessageID(t *testing.T) {
	db := openDB(t, nil)
	long := "<" + strings.Repeat("x", bolt.MaxKeySize) + "@example.fr>"
	hostile := store.Incoming{
		Raw: []byte("Message-ID: " + long + "\r\n\r\nhello\r\n"),
		Msg: store.Message{MessageID: long, Fingerprint: "F", Folder: "Review"},
	}
	res, err := db.Put([]store.Incoming{incoming(1), hostile})
	if err != nil {
		t.Fatalf("Put(batch with a %d-byte Message-ID) = %v, want nil", len(long), err)
	}
	want := []store.PutResult{{ID: 1, Folder: "Processed"}, {ID: 2, Folder: "Review"}}
	if !slices.Equal(res, want) {
		t.Errorf("Put(batch with a %d-byte Message-ID) = %+v, want %+v", len(long), res, want)
	}
	wantRaw(t, db, 2, hostile.Raw)
	if got := get(t, db, 2).MessageID; got != long {
		t.Errorf("Get(2).MessageID = %d bytes, want %d", len(got), len(long))
	}
	// It is recognised when it comes again, by bytes and by Message-ID.
	again := hostile
	again.Raw = append([]byte("Received: from relay\r\n"), hostile.Raw...)
	res, err = db.Put([]store.Incoming{hostile, again})
	want = []store.PutResult{{ID: 2, Duplicate: true, Folder: "Review"}, {ID: 2, Duplicate: true, Folder: "Review"}}
	if err != nil || !slices.Equal(res, want) {
		t.Errorf("Put(long Message-ID again) = %+v, %v, want %+v, nil", res, err, want)
	}
}

func TestSettle(t *testing.T) {
	db := openDB(t, nil)
	res, err := db.Put([]store.Incoming{
		{Raw: []byte("a"), Msg: store.Message{Folder: "Processed", Source: store.Location{Mailbox: "INBOX"}}},
		{Raw: []byte("b"), Msg: store.Message{Folder: "Review", Source: store.Location{Mailbox: "INBOX"}}},
		{Raw: []byte("c"), Msg: store.Message{Folder: "Processed", Source: store.Location{Mailbox: "INBOX"}}},
		{Raw: []byte("d"), Msg: store.Message{Folder: "Processed", Source: store.Location{Mailbox: "Other"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The third one's move was confirmed: Settle leaves it alone.
	if err := db.MarkMoved([]uint64{res[2].ID}, "Processed", store.StateProcessed); err != nil {
		t.Fatal(err)
	}
	n, err := db.Settle("INBOX", "Review")
	if err != nil || n != 2 {
		t.Fatalf("Settle = %d, %v; want 2, nil", n, err)
	}
	for i, want := range []store.State{store.StateProcessed, store.StateReview, store.StateProcessed, store.StateStored} {
		m, err := db.Get(res[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.State != want {
			t.Errorf("message %d state = %q, want %q", m.ID, m.State, want)
		}
		if i < 2 && m.Moved.IsZero() {
			t.Errorf("message %d settled without a move time", m.ID)
		}
	}
	if n, err := db.Settle("INBOX", "Review"); err != nil || n != 0 {
		t.Errorf("second Settle = %d, %v; want 0, nil", n, err)
	}
	if n, err := db.Settle("Other", "Review"); err != nil || n != 1 {
		t.Errorf("Settle(Other) = %d, %v; want 1, nil", n, err)
	}
}

func TestAnswersHistory(t *testing.T) {
	db := openDB(t, nil)
	brno := store.AnswerRef{Key: "cz:brno", Name: "City of Brno", Country: "CZ"}
	res, err := db.Put([]store.Incoming{
		{Raw: []byte("first answer"), Answers: []store.AnswerRef{brno}},
		{Raw: []byte("three communes"), Answers: []store.AnswerRef{{Key: "be:a", Country: "BE"}, {Key: "be:b"}, {Key: "be:c"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The correction, and a copy of it that must not count twice.
	correction := []byte("corrected answer")
	brno.Name = "Statutární město Brno"
	res2, err := db.Put([]store.Incoming{{Raw: correction, Answers: []store.AnswerRef{brno}}, {Raw: correction, Answers: []store.AnswerRef{brno}}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.GetAuthority("cz:brno")
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint64{res[0].ID, res2[0].ID}; !slices.Equal(a.Answers, want) || a.Name != brno.Name || a.Country != "CZ" {
		t.Errorf("GetAuthority(cz:brno) = %+v, want answers %v, the latest name and CZ", a, want)
	}
	var keys []string
	if err := db.Authorities(func(a *store.Authority) error { keys = append(keys, a.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"be:a", "be:b", "be:c", "cz:brno"}; !slices.Equal(keys, want) {
		t.Errorf("Authorities = %v, want %v", keys, want)
	}
	m, err := db.Get(res[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"be:a", "be:b", "be:c"}; !slices.Equal(m.Authorities, want) {
		t.Errorf("message authorities = %v, want %v", m.Authorities, want)
	}
	if _, err := db.GetAuthority("xx:none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetAuthority(missing) = %v, want ErrNotFound", err)
	}
}

func TestAnswerBySenderJoinsTheSendersAuthority(t *testing.T) {
	db := openDB(t, nil)
	res, err := db.Put([]store.Incoming{
		{Raw: []byte("a"), Msg: store.Message{From: "Jana@brno.example.cz"}, Answers: []store.AnswerRef{{Key: "cz:brno", Name: "Brno", Country: "CZ"}}},
		{Raw: []byte("b"), Msg: store.Message{From: "jana@brno.example.cz"}, Answers: []store.AnswerRef{{Key: "sender:jana@brno.example.cz", BySender: true}}},
		{Raw: []byte("c"), Msg: store.Message{From: "other@example.org"}, Answers: []store.AnswerRef{{Key: "sender:other@example.org", BySender: true}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.GetAuthority("cz:brno")
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint64{res[0].ID, res[1].ID}; !slices.Equal(a.Answers, want) || a.Name != "Brno" {
		t.Errorf("cz:brno = %+v, want answers %v and its name kept", a, want)
	}
	if _, err := db.GetAuthority("sender:other@example.org"); err != nil {
		t.Errorf("an unknown sender's answer has no authority of its own: %v", err)
	}
}
