package store_test

import (
	"bytes"
	"encoding/hex"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/coe-congress/alliancebot/store"
)

// FuzzPut stores arbitrary bytes under an arbitrary Message-ID and fingerprint,
// then again: the second Put must recognise the first, and the archive must
// give back the bytes unchanged.
func FuzzPut(f *testing.F) {
	f.Add([]byte(nil), "", "")
	f.Add([]byte(""), "<a@example.fr>", "F")
	f.Add(mail(1), "<m1@example.fr>", "fp1")
	f.Add([]byte("Subject: a\r\rb\x00c\n\r\n"), "<\x00>", "\x00")
	f.Add([]byte("\xff\xfe\x00"), "\xff", "")
	f.Fuzz(func(t *testing.T, raw []byte, messageID, fingerprint string) {
		db, err := store.Open(filepath.Join(t.TempDir(), "fuzz.db"), &store.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		in := store.Incoming{Raw: raw, Msg: store.Message{MessageID: messageID, Fingerprint: fingerprint, Folder: "Processed"}}

		first, err := db.Put([]store.Incoming{in})
		if err != nil {
			t.Fatalf("Put(%q, %q, %q) = %v, want nil", raw, messageID, fingerprint, err)
		}
		if want := []store.PutResult{{ID: 1, Folder: "Processed"}}; !slices.Equal(first, want) {
			t.Fatalf("first Put = %+v, want %+v", first, want)
		}
		in.Msg.Folder = "Review"
		second, err := db.Put([]store.Incoming{in})
		if err != nil {
			t.Fatalf("second Put = %v, want nil", err)
		}
		if want := []store.PutResult{{ID: 1, Duplicate: true, Folder: "Processed"}}; !slices.Equal(second, want) {
			t.Errorf("second Put = %+v, want %+v", second, want)
		}

		got, err := db.Raw(1)
		if err != nil || !bytes.Equal(got, raw) {
			t.Errorf("Raw(1) = %q, %v, want %q, nil", got, err, raw)
		}
		m, err := db.Get(1)
		if err != nil {
			t.Fatalf("Get(1) = %v, want nil", err)
		}
		sum := store.SHA256(raw)
		if m.Size != len(raw) || m.SHA256 != sha(raw) || m.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("Get(1) = size %d SHA256 %s, want %d %s", m.Size, m.SHA256, len(raw), sha(raw))
		}
		// Records are JSON: valid UTF-8 comes back as it was.
		if utf8.ValidString(messageID) && m.MessageID != messageID {
			t.Errorf("Get(1).MessageID = %q, want %q", m.MessageID, messageID)
		}

		// Other bytes with the same Message-ID and fingerprint are the same
		// message; without a Message-ID they are another one.
		other := in
		other.Raw = append(slices.Clip(raw), "\r\nReceived: again"...)
		res, err := db.Put([]store.Incoming{other})
		if err != nil {
			t.Fatalf("Put(other bytes) = %v, want nil", err)
		}
		want := store.PutResult{ID: 1, Duplicate: true, Folder: "Processed"}
		if messageID == "" {
			want = store.PutResult{ID: 2, Folder: "Review"}
		}
		if res[0] != want {
			t.Errorf("Put(other bytes, Message-ID %q) = %+v, want %+v", messageID, res[0], want)
		}
		if err := db.Check(); err != nil {
			t.Errorf("Check() = %v, want nil", err)
		}
	})
}
