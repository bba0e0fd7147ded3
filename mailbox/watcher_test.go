package mailbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/internal/corpus"
	"github.com/coe-congress/alliancebot/internal/imaptest"
	"github.com/coe-congress/alliancebot/internal/memserver"
	"github.com/coe-congress/alliancebot/store"
)

func startServer(t *testing.T, opts memserver.Options) *memserver.Server {
	t.Helper()
	srv, err := memserver.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "test.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Errorf("store check: %v", err)
		}
		db.Close()
	})
	return db
}

func testConfig(srv *memserver.Server) Config {
	return Config{
		Addr: srv.IMAPAddr, Username: srv.User, Password: srv.Password, TLS: TLSNone,
		PollInterval: 50 * time.Millisecond, IdleRecheck: time.Second, BatchSize: 7,
	}
}

func msg(n int, extra string) []byte {
	return []byte(fmt.Sprintf("From: Mairie %d <mairie%d@example.fr>\r\nTo: roma.summit@coe.int\r\n"+
		"Subject: Questionnaire %d\r\nDate: Tue, 14 Apr 2026 09:%02d:00 +0200\r\nMessage-ID: <m%d@example.fr>\r\n%s"+
		"\r\nBonjour, voici nos réponses.\r\n\r\n1. Nom de la collectivité locale ou régionale : Commune %d\r\n"+
		"2. Pays : France\r\n4. Population : %d 500\r\n10. Votre collectivité souhaite-t-elle participer à l'Alliance ? Oui\r\n",
		n, n, n, n%60, n, extra, n, n+1))
}

func count(t *testing.T, srv *memserver.Server, mailbox string) int {
	t.Helper()
	n, err := srv.Count(mailbox)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// stored returns the records of db by Message-ID.
func stored(t *testing.T, db *store.DB) []*store.Message {
	t.Helper()
	var all []*store.Message
	if err := db.ForEach(func(m *store.Message) error { all = append(all, m); return nil }); err != nil {
		t.Fatal(err)
	}
	return all
}

func TestDrain(t *testing.T) {
	for _, rev1 := range []bool{false, true} {
		t.Run(fmt.Sprintf("IMAP4rev1Only=%v", rev1), func(t *testing.T) {
			srv := startServer(t, memserver.Options{IMAP4rev1Only: rev1})
			db := openDB(t)
			var raws [][]byte
			for i := range 20 {
				raws = append(raws, msg(i, ""))
			}
			if err := srv.Append("INBOX", raws...); err != nil {
				t.Fatal(err)
			}
			w := New(testConfig(srv), db, nil)
			st, err := w.Drain(t.Context())
			if err != nil {
				t.Fatalf("Drain: %v", err)
			}
			if st != (Stats{Stored: 20}) {
				t.Errorf("Drain stats = %+v, want 20 stored", st)
			}
			if n := count(t, srv, "INBOX"); n != 0 {
				t.Errorf("INBOX has %d messages after Drain, want 0", n)
			}
			if n := count(t, srv, "Processed"); n != 20 {
				t.Errorf("Processed has %d messages, want 20", n)
			}
			all := stored(t, db)
			if len(all) != 20 {
				t.Fatalf("store has %d messages, want 20", len(all))
			}
			for i, m := range all {
				raw, err := db.Raw(m.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(raw, raws[i]) {
					t.Errorf("message %d: raw bytes differ from what was appended", m.ID)
				}
				want := fmt.Sprintf("<m%d@example.fr>", i)
				if m.MessageID != want || m.State != store.StateProcessed || m.Folder != "Processed" {
					t.Errorf("message %d = id %q state %q folder %q, want %q processed Processed", m.ID, m.MessageID, m.State, m.Folder, want)
				}
				if m.From != fmt.Sprintf("mairie%d@example.fr", i) || m.Subject != fmt.Sprintf("Questionnaire %d", i) {
					t.Errorf("message %d envelope = from %q subject %q", m.ID, m.From, m.Subject)
				}
			}
			// A second pass finds nothing to do.
			st, err = w.Drain(t.Context())
			if err != nil || st != (Stats{}) {
				t.Errorf("second Drain = %+v, %v; want nothing done", st, err)
			}
		})
	}
}

func TestDrainRecognisesCopies(t *testing.T) {
	srv := startServer(t, memserver.Options{})
	db := openDB(t)
	noID := []byte("From: a@example.org\r\nSubject: no id\r\n\r\nhello\r\n")
	same := msg(1, "")
	redelivered := append([]byte("Received: from relay.example.org by mx.coe.int; Tue, 14 Apr 2026 09:02:00 +0200\r\n"), same...)
	reused := msg(1, "")
	reused = bytes.Replace(reused, []byte("voici nos réponses"), []byte("une autre lettre"), 1)
	if err := srv.Append("INBOX", same, same, redelivered, reused, noID, noID); err != nil {
		t.Fatal(err)
	}
	st, err := New(testConfig(srv), db, nil).Drain(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// same (x2) and redelivered are one message; reused is another (same
	// Message-ID, other content); noID (x2) is a third, which says nothing
	// the bot understands: it goes to review, and so does its copy.
	if want := (Stats{Stored: 3, Duplicates: 3, Review: 1}); st != want {
		t.Errorf("Drain = %+v, want %+v", st, want)
	}
	if p, r := count(t, srv, "Processed"), count(t, srv, "Review"); p != 4 || r != 2 {
		t.Errorf("Processed has %d and Review %d, want 4 and 2", p, r)
	}
}

func TestDrainFinishesInterruptedMove(t *testing.T) {
	// A crash after the commit and before the move leaves a stored message in
	// the inbox: the next pass must move it without storing it again.
	srv := startServer(t, memserver.Options{})
	db := openDB(t)
	raw := msg(7, "")
	res, err := db.Put([]store.Incoming{{Raw: raw, Msg: store.Message{MessageID: "<m7@example.fr>", Folder: "Processed", Source: store.Location{Mailbox: "INBOX", UID: 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Append("INBOX", raw); err != nil {
		t.Fatal(err)
	}
	st, err := New(testConfig(srv), db, nil).Drain(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st != (Stats{Duplicates: 1}) {
		t.Errorf("Drain = %+v, want 1 duplicate", st)
	}
	m, err := db.Get(res[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.State != store.StateProcessed {
		t.Errorf("state after the finished move = %q, want processed", m.State)
	}
	if n := count(t, srv, "Processed"); n != 1 {
		t.Errorf("Processed has %d, want 1", n)
	}
}

func TestPoisonGoesToReview(t *testing.T) {
	srv := startServer(t, memserver.Options{})
	db := openDB(t)
	big := msg(99, "X-Padding: "+strings.Repeat("p", 5000)+"\r\n")
	if err := srv.Append("INBOX", msg(1, ""), big, msg(2, "")); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(srv)
	cfg.Intake.Limits = intake.Limits{MaxSize: 4000}
	var events []Event
	cfg.OnMessage = func(e Event) { events = append(events, e) }
	st, err := New(cfg, db, nil).Drain(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (Stats{Stored: 3, Review: 1}); st != want {
		t.Errorf("Drain = %+v, want %+v", st, want)
	}
	if count(t, srv, "Review") != 1 || count(t, srv, "Processed") != 2 || count(t, srv, "INBOX") != 0 {
		t.Errorf("folders: review %d processed %d inbox %d, want 1 2 0",
			count(t, srv, "Review"), count(t, srv, "Processed"), count(t, srv, "INBOX"))
	}
	var review *store.Message
	for _, m := range stored(t, db) {
		if m.State == store.StateReview {
			review = m
		}
	}
	if review == nil || review.MessageID != "<m99@example.fr>" || len(review.Errors) == 0 || !strings.Contains(review.Errors[0], "larger than") {
		t.Fatalf("review record = %+v, want m99 with a size error", review)
	}
	if raw, _ := db.Raw(review.ID); !bytes.Equal(raw, big) {
		t.Errorf("the message in review was not archived byte for byte")
	}
	if len(events) != 3 {
		t.Errorf("OnMessage called %d times, want 3", len(events))
	}
}

func TestCrashSuspectsAreIsolated(t *testing.T) {
	// Attempts that started and never finished mark a message as a suspect:
	// below the limit it is retried alone; at the limit it goes to review.
	srv := startServer(t, memserver.Options{})
	db := openDB(t)
	if err := srv.Append("INBOX", msg(1, ""), msg(2, ""), msg(3, "")); err != nil {
		t.Fatal(err)
	}
	c, err := srv.Dial()
	if err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for range 3 {
		if err := db.BeginAttempts("INBOX", sel.UIDValidity, []uint32{2}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.BeginAttempts("INBOX", sel.UIDValidity, []uint32{3}); err != nil {
		t.Fatal(err)
	}
	st, err := New(testConfig(srv), db, nil).Drain(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if want := (Stats{Stored: 3, Review: 1}); st != want {
		t.Errorf("Drain = %+v, want %+v", st, want)
	}
	for _, m := range stored(t, db) {
		wantReview := m.MessageID == "<m2@example.fr>"
		if (m.State == store.StateReview) != wantReview {
			t.Errorf("%s: state %q, errors %q", m.MessageID, m.State, m.Errors)
		}
	}
	left, err := db.Attempts("INBOX", sel.UIDValidity, []uint32{1, 2, 3})
	if err != nil || len(left) != 0 {
		t.Errorf("attempts left after success = %v, %v; want none", left, err)
	}
}

func TestNewUIDValidityNoDuplicates(t *testing.T) {
	srv := startServer(t, memserver.Options{})
	db := openDB(t)
	raws := [][]byte{msg(1, ""), msg(2, ""), []byte("Subject: no id\r\n\r\nx\r\n")}
	if err := srv.Append("INBOX", raws...); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(srv)
	if _, err := New(cfg, db, nil).Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The mailbox is recreated (new UIDVALIDITY) and the same messages come
	// back, say from a restored backup.
	c, err := srv.Dial()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("INBOX").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if err := srv.Append("INBOX", raws...); err != nil {
		t.Fatal(err)
	}
	st, err := New(cfg, db, nil).Drain(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st != (Stats{Duplicates: 3}) {
		t.Errorf("Drain after a new UIDVALIDITY = %+v, want 3 duplicates", st)
	}
	if n, _ := db.Count(); n != 3 {
		t.Errorf("store has %d messages, want 3", n)
	}
}

func TestRunIdleAndPoll(t *testing.T) {
	for _, idle := range []bool{true, false} {
		t.Run(fmt.Sprintf("idle=%v", idle), func(t *testing.T) {
			srv := startServer(t, memserver.Options{})
			db := openDB(t)
			cfg := testConfig(srv)
			cfg.DisableIdle = !idle
			cfg.IdleRecheck = time.Hour // only the EXISTS notice may wake it
			got := make(chan uint64, 10)
			cfg.OnMessage = func(e Event) { got <- e.ID }
			w := New(cfg, db, nil)
			// go-imap's in-memory server loses an EXISTS queued between its
			// "+ idling" and the start of its IDLE loop (real servers do not),
			// so append only once IDLE is running, and a moment later: this
			// tests that the notice wakes the watcher.
			idling := make(chan struct{}, 10)
			w.idling = func() { idling <- struct{}{} }
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- w.Run(ctx) }()
			for i := range 3 {
				if idle {
					select {
					case <-idling:
					case <-time.After(10 * time.Second):
						t.Fatal("IDLE did not start within 10s")
					}
					time.Sleep(100 * time.Millisecond)
				}
				if err := srv.Append("INBOX", msg(i, "")); err != nil {
					t.Fatal(err)
				}
				select {
				case <-got:
				case <-time.After(10 * time.Second):
					t.Fatalf("message %d not handled within 10s", i)
				}
			}
			if !idle && len(idling) > 0 {
				t.Errorf("IDLE used with DisableIdle")
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run after cancel = %v, want nil", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return after cancel")
			}
			if n, _ := db.Count(); n != 3 {
				t.Errorf("store has %d, want 3", n)
			}
		})
	}
}

func TestRunReconnects(t *testing.T) {
	// A server that is not there yet: Run keeps trying, then works.
	srv := startServer(t, memserver.Options{})
	db := openDB(t)
	cfg := testConfig(srv)
	cfg.Password = "wrong"
	err := New(cfg, db, nil).Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "login refused") {
		t.Errorf("Run with a wrong password = %v, want a refused login", err)
	}
}

// TestCorpusThroughIMAP appends every corpus message to the in-process server
// and drains it: each is stored once, none is left in the inbox.
func TestCorpusThroughIMAP(t *testing.T) {
	files := corpus.Files(t)
	srv := startServer(t, memserver.Options{})
	db := openDB(t)
	var appended int
	c, err := srv.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, f := range files {
		raw, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if err := imaptest.Append(c, "INBOX", raw); err != nil {
			t.Logf("%s: server refused it: %v", f.Name, err)
			continue
		}
		appended++
	}
	// The store's idea of "the same message" (the same Message-ID and content,
	// or the same bytes), over the bytes the server gives back.
	start := time.Now()
	onServer, err := imaptest.FetchAll(c, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	distinct := imaptest.Distinct(onServer)
	t.Logf("appended in %v", time.Since(start))
	start = time.Now()
	cfg := testConfig(srv)
	cfg.BatchSize = 100
	st, err := New(cfg, db, nil).Drain(t.Context())
	t.Logf("drained in %v", time.Since(start))
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, srv, "INBOX"); n != 0 {
		t.Errorf("INBOX has %d after Drain, want 0", n)
	}
	if got := st.Stored + st.Duplicates; got != appended {
		t.Errorf("handled %d, appended %d", got, appended)
	}
	n, _ := db.Count()
	if n != distinct {
		t.Errorf("stored %d messages for %d distinct files", n, distinct)
	}
	if count(t, srv, "Processed")+count(t, srv, "Review") != appended {
		t.Errorf("processed + review != appended (%d)", appended)
	}
	t.Logf("%d files, %d appended, %d distinct, %d stored, %d duplicates, %d to review", len(files), appended, distinct, n, st.Duplicates, st.Review)
}

func TestTLS(t *testing.T) {
	srv := startServer(t, memserver.Options{TLS: true})
	if err := srv.Append("INBOX", msg(1, "")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tls     string
		addr    string
		roots   bool // trust the server's certificate
		wantErr string
	}{
		{"implicit", TLSImplicit, srv.IMAPAddr, true, ""},
		{"starttls", TLSStartTLS, srv.StartTLSAddr, true, ""},
		{"implicit, unknown certificate", TLSImplicit, srv.IMAPAddr, false, "certificate"},
		{"starttls, unknown certificate", TLSStartTLS, srv.StartTLSAddr, false, "certificate"},
		{"implicit against a plain server", TLSImplicit, srv.StartTLSAddr, true, "tls handshake"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(srv)
			cfg.Addr, cfg.TLS = tt.addr, tt.tls
			cfg.TLSConfig = &tls.Config{}
			if tt.roots {
				cfg.TLSConfig.RootCAs = srv.RootCAs
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			_, err := New(cfg, openDB(t), nil).Drain(ctx)
			if tt.wantErr == "" && err != nil {
				t.Errorf("Drain = %v, want success", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Drain = %v, want an error about %q", err, tt.wantErr)
			}
		})
	}
}

func TestDrainSettlesMovesACrashInterrupted(t *testing.T) {
	// A crash after the MOVE and before its record was updated leaves records
	// in state "stored" for messages no longer in the inbox: a pass that finds
	// the inbox empty confirms them.
	srv := startServer(t, memserver.Options{})
	db := openDB(t)
	res, err := db.Put([]store.Incoming{
		{Raw: msg(1, ""), Msg: store.Message{Folder: "Processed", Source: store.Location{Mailbox: "INBOX", UID: 1}}},
		{Raw: msg(2, ""), Msg: store.Message{Folder: "Review", Source: store.Location{Mailbox: "INBOX", UID: 2}}},
		{Raw: msg(3, ""), Msg: store.Message{Folder: "Processed", Source: store.Location{Mailbox: "Other", UID: 1}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(testConfig(srv), db, nil).Drain(t.Context()); err != nil {
		t.Fatal(err)
	}
	for i, want := range []store.State{store.StateProcessed, store.StateReview, store.StateStored} {
		m, err := db.Get(res[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.State != want {
			t.Errorf("message %d state = %q, want %q", m.ID, m.State, want)
		}
	}
}
