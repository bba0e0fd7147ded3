package reply

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coe-congress/alliancebot/store"
)

func openStore(t *testing.T, clock *time.Time) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "a.db"), &store.Options{Now: func() time.Time { return *clock }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Check(); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	return db
}

// storeMail stores raw as the watcher would and returns its ID.
func storeMail(t *testing.T, db *store.DB, uid uint32, raw string) uint64 {
	t.Helper()
	m := record(t, 0, raw)
	m.Source = store.Location{Mailbox: "INBOX", UIDValidity: 1, UID: uid}
	res, err := db.Put([]store.Incoming{{Raw: []byte(strings.ReplaceAll(raw, "\n", "\r\n")), Msg: *m}})
	if err != nil {
		t.Fatal(err)
	}
	return res[0].ID
}

func outbox(t *testing.T, db *store.DB) []*store.Outgoing {
	t.Helper()
	var all []*store.Outgoing
	if err := db.ForEachOutgoing(func(o *store.Outgoing) error { all = append(all, o); return nil }); err != nil {
		t.Fatal(err)
	}
	return all
}

func TestResponder(t *testing.T) {
	clock := now
	db := openStore(t, &clock)
	cfg := testConfig()
	cfg.Now = func() time.Time { return clock }
	woken := 0
	r, err := NewResponder(newComposer(t, cfg), db, nil, ResponderOptions{OnQueued: func() { woken++ }})
	if err != nil {
		t.Fatal(err)
	}
	q := storeMail(t, db, 1, questionnaireEN)
	j := storeMail(t, db, 2, joinFR)
	a := storeMail(t, db, 3, "From: ana.popescu@cluj.example.ro\nAuto-Submitted: auto-replied\nSubject: Out of office\nMessage-ID: <ooo@cluj.example.ro>\n\nI am away.\n")

	n, err := r.Process(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || woken != 1 {
		t.Errorf("Process queued %d (woke the sender %d times), want 3 (once)", n, woken)
	}
	got := map[string]bool{}
	for _, o := range outbox(t, db) {
		got[o.Key] = true
	}
	for _, key := range []string{"ack:1:ana.popescu@cluj.example.ro", "ack:2:mairie@saint-aubin.example.fr", "staff_join:2"} {
		if !got[key] {
			t.Errorf("outbox lacks %s; has %v", key, got)
		}
	}
	if m, _ := db.Get(a); m.NoReply != "an automatic reply" || len(m.Replies) != 0 {
		t.Errorf("out-of-office: NoReply %q Replies %v", m.NoReply, m.Replies)
	}
	if m, _ := db.Get(j); len(m.Replies) != 2 {
		t.Errorf("join request: Replies %v, want 2", m.Replies)
	}
	_ = q

	// Nothing is decided twice, and a replay of the same message is stored
	// once and answered once.
	if n, _ := r.Process(context.Background()); n != 0 {
		t.Errorf("second Process queued %d, want 0", n)
	}
	if id := storeMail(t, db, 4, questionnaireEN); id != q {
		t.Fatalf("replay stored as %d, want the original %d", id, q)
	}
	if n, _ := r.Process(context.Background()); n != 0 {
		t.Errorf("Process after a replay queued %d, want 0", n)
	}

	// A second message from the same sender within 24 h: no second ack.
	clock = clock.Add(time.Hour)
	second := storeMail(t, db, 5, strings.Replace(questionnaireEN, "<q1@", "<q2@", 1)+"Correction: 4. Population: 286 600\n")
	if n, _ := r.Process(context.Background()); n != 0 {
		t.Errorf("Process of a second message within 24 h queued %d, want 0", n)
	}
	if m, _ := db.Get(second); !strings.Contains(m.NoReply, "less than 24h") {
		t.Errorf("throttled message: NoReply = %q", m.NoReply)
	}
}

func TestResponderSuppressed(t *testing.T) {
	clock := now
	db := openStore(t, &clock)
	r, err := NewResponder(newComposer(t, testConfig()), db, nil, ResponderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	db.Suppress(store.Suppression{Email: "ana.popescu@cluj.example.ro", Kind: "hard_bounce"})
	db.Suppress(store.Suppression{Email: "mairie@saint-aubin.example.fr", Kind: "unsubscribe"})
	q := storeMail(t, db, 1, questionnaireEN)
	j := storeMail(t, db, 2, joinFR)
	if _, err := r.Process(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m, _ := db.Get(q); len(m.Replies) != 0 || !strings.Contains(m.NoReply, "suppressed (hard_bounce)") {
		t.Errorf("answer from a bouncing address: Replies %v NoReply %q; want no acknowledgement", m.Replies, m.NoReply)
	}
	if m, _ := db.Get(j); len(m.Replies) != 2 {
		t.Errorf("join letter from an unsubscribed address: Replies %v; want the acknowledgement and the staff notice", m.Replies)
	}
}

func TestResponderPoison(t *testing.T) {
	clock := now
	db := openStore(t, &clock)
	r, err := NewResponder(newComposer(t, testConfig()), db, nil, ResponderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := record(t, 0, questionnaireEN)
	m.Result = []byte(`{"class": 5}`) // stored, but not a result
	if _, err := db.Put([]store.Incoming{{Raw: []byte("x"), Msg: *m}}); err != nil {
		t.Fatal(err)
	}
	storeMail(t, db, 2, joinFR)
	if n, err := r.Process(context.Background()); err != nil || n != 2 {
		t.Errorf("Process = %d, %v; want the join request's 2 messages despite the broken record", n, err)
	}
	if bad, _ := db.Get(1); !strings.HasPrefix(bad.NoReply, "the replies could not be written") {
		t.Errorf("broken record: NoReply = %q", bad.NoReply)
	}
	if ids, _ := db.PendingReplies(); len(ids) != 0 {
		t.Errorf("PendingReplies = %v, want none: a broken record must not block the queue", ids)
	}
}

func TestResponderSummary(t *testing.T) {
	clock := time.Date(2026, 11, 30, 7, 0, 0, 0, time.UTC)
	db := openStore(t, &clock)
	cfg := testConfig()
	cfg.Now = func() time.Time { return clock }
	r, err := NewResponder(newComposer(t, cfg), db, nil, ResponderOptions{SummaryTime: "08:00", Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	storeMail(t, db, 1, questionnaireEN)
	storeMail(t, db, 2, joinFR)
	r.Process(context.Background())
	summaries := func() int {
		n := 0
		for _, o := range outbox(t, db) {
			if o.Kind == KindStaffSummary {
				n++
			}
		}
		return n
	}
	if summaries() != 0 {
		t.Fatal("a summary was queued before its time")
	}
	clock = clock.Add(90 * time.Minute)
	if n, _ := r.Process(context.Background()); n != 1 || summaries() != 1 {
		t.Fatalf("Process at 08:30 queued %d, %d summaries; want one", n, summaries())
	}
	last, _ := db.LastOutgoing(KindStaffSummary)
	if last.Key != "staff_summary:2026-11-30" || len(last.To) != 2 {
		t.Errorf("summary = %+v", last)
	}
	raw, _ := db.OutgoingRaw(last.ID)
	for _, want := range []string{"Cluj-Napoca", "Saint-Aubin"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("summary does not mention %s", want)
		}
	}
	if n, _ := r.Process(context.Background()); n != 0 {
		t.Errorf("second Process on the same day queued %d", n)
	}
	// The next day with nothing new: no summary.
	clock = clock.Add(24 * time.Hour)
	if n, _ := r.Process(context.Background()); n != 0 {
		t.Errorf("Process on a quiet day queued %d, want no summary", n)
	}
	if got := r.nextSummary(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("nextSummary(at 08:00) = %v, want the next day", got)
	}
}

func TestResponderRun(t *testing.T) {
	clock := now
	db := openStore(t, &clock)
	queued := make(chan struct{}, 10)
	r, err := NewResponder(newComposer(t, testConfig()), db, nil, ResponderOptions{SummaryTime: "23:59", OnQueued: func() { queued <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	storeMail(t, db, 1, questionnaireEN)
	r.Wake()
	select {
	case <-queued:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not queue the woken message's reply within 10 s")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v at shutdown, want nil", err)
	}
	if _, err := NewResponder(nil, db, nil, ResponderOptions{SummaryTime: "8h"}); err == nil {
		t.Error("NewResponder with a bad summary time: nil error")
	}
}
