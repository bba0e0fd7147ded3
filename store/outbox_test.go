package store_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/coe-congress/alliancebot/store"
)

func ack(n int, to string) store.Outgoing {
	return store.Outgoing{
		Key:         fmt.Sprintf("ack:%d:%s", n, to),
		Kind:        "ack",
		MessageID:   fmt.Sprintf("<ack.%d@coe.int>", n),
		From:        "roma.summit@coe.int",
		To:          []string{to},
		Subject:     "Re: Questionnaire",
		Throttle:    to,
		ThrottleFor: 24 * time.Hour,
		Raw:         fmt.Appendf(nil, "Subject: Re: Questionnaire\r\n\r\nThanks %d\r\n", n),
	}
}

func queue(t *testing.T, db *store.DB, trigger uint64, noReply string, outs ...store.Outgoing) []store.QueueResult {
	t.Helper()
	res, err := db.Queue(trigger, outs, noReply)
	if err != nil {
		t.Fatalf("Queue = %v, want nil", err)
	}
	return res
}

func TestPutLeavesRepliesToDecide(t *testing.T) {
	db := openDB(t, nil)
	put(t, db, incoming(1), incoming(2))
	put(t, db, incoming(1)) // a duplicate gets no second reply
	ids, err := db.PendingReplies()
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint64{1, 2}; !slices.Equal(ids, want) {
		t.Fatalf("PendingReplies() = %v, want %v", ids, want)
	}

	res := queue(t, db, 1, "", ack(1, "mairie1@example.fr"))
	if res[0].ID != 1 || res[0].Existing || res[0].Throttled {
		t.Errorf("Queue result = %+v, want new ID 1", res[0])
	}
	queue(t, db, 2, "Auto-Submitted: auto-replied")
	ids, _ = db.PendingReplies()
	if len(ids) != 0 {
		t.Errorf("PendingReplies() after Queue = %v, want none", ids)
	}
	if m := get(t, db, 1); !slices.Equal(m.Replies, []uint64{1}) || m.NoReply != "" {
		t.Errorf("message 1: Replies %v NoReply %q, want [1] and none", m.Replies, m.NoReply)
	}
	if m := get(t, db, 2); len(m.Replies) != 0 || m.NoReply != "Auto-Submitted: auto-replied" {
		t.Errorf("message 2: Replies %v NoReply %q, want none and the reason", m.Replies, m.NoReply)
	}
}

func TestQueueOncePerKey(t *testing.T) {
	db := openDB(t, nil)
	a := ack(1, "mairie@example.fr")
	a.Throttle = ""
	first := queue(t, db, 0, "", a)
	again := queue(t, db, 0, "", a)
	if again[0].ID != first[0].ID || !again[0].Existing {
		t.Errorf("Queue of the same key = %+v, want Existing with ID %d", again[0], first[0].ID)
	}
	n := 0
	db.ForEachOutgoing(func(*store.Outgoing) error { n++; return nil })
	if n != 1 {
		t.Errorf("outbox holds %d messages, want 1", n)
	}
}

func TestQueueThrottle(t *testing.T) {
	now := clock
	db := openDB(t, &store.Options{Now: func() time.Time { return now }})
	put(t, db, incoming(1), incoming(2), incoming(3))
	queue(t, db, 1, "", ack(1, "mairie@example.fr"))

	now = now.Add(23 * time.Hour)
	res := queue(t, db, 2, "", ack(2, "mairie@example.fr"))
	if !res[0].Throttled || res[0].ID != 0 {
		t.Errorf("second ack within 24 h: %+v, want Throttled", res[0])
	}
	if m := get(t, db, 2); m.NoReply == "" || len(m.Replies) != 0 {
		t.Errorf("throttled message: NoReply %q Replies %v, want a reason and none", m.NoReply, m.Replies)
	}
	other := queue(t, db, 0, "", ack(9, "other@example.fr"))
	if other[0].Throttled {
		t.Error("another recipient was throttled")
	}

	now = now.Add(2 * time.Hour)
	res = queue(t, db, 3, "", ack(3, "mairie@example.fr"))
	if res[0].Throttled || res[0].ID == 0 {
		t.Errorf("ack after 25 h: %+v, want queued", res[0])
	}
}

func TestOutboxLifecycle(t *testing.T) {
	now := clock
	db := openDB(t, &store.Options{Now: func() time.Time { return now }})
	queue(t, db, 0, "", ack(1, "a@example.fr"), ack(2, "b@example.fr"), ack(3, "c@example.fr"))

	due, next, err := db.Due(now, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 3 || !next.IsZero() {
		t.Fatalf("Due = %d messages, next %v; want 3 and zero", len(due), next)
	}
	if string(due[0].Raw) != "Subject: Re: Questionnaire\r\n\r\nThanks 1\r\n" || due[0].Size != len(due[0].Raw) {
		t.Errorf("Due[0].Raw = %q (size %d), want the queued bytes", due[0].Raw, due[0].Size)
	}

	if err := db.MarkSent(1, "250 2.0.0 Ok: queued as ABC"); err != nil {
		t.Fatal(err)
	}
	later := now.Add(5 * time.Minute)
	if err := db.Defer(2, "421 try later", later); err != nil {
		t.Fatal(err)
	}
	if err := db.Fail(3, "550 5.1.1 no such user"); err != nil {
		t.Fatal(err)
	}
	due, next, _ = db.Due(now, 10)
	if len(due) != 0 || !next.Equal(later) {
		t.Errorf("Due after sending = %d, next %v; want 0 and %v", len(due), next, later)
	}
	due, _, _ = db.Due(later, 10)
	if len(due) != 1 || due[0].ID != 2 || due[0].Attempts != 1 || due[0].LastError != "421 try later" {
		t.Errorf("Due at the retry time = %+v, want message 2 after one attempt", due)
	}

	o, err := db.GetOutgoing(1)
	if err != nil {
		t.Fatal(err)
	}
	if o.State != store.OutSent || o.Response != "250 2.0.0 Ok: queued as ABC" || !o.Sent.Equal(now) || o.Attempts != 1 {
		t.Errorf("sent record = %+v", o)
	}
	if _, err := db.Retry(1); !errors.Is(err, store.ErrAlreadySent) {
		t.Errorf("Retry(sent) = %v, want ErrAlreadySent", err)
	}
	o, err = db.Retry(3)
	if err != nil || o.State != store.OutQueued {
		t.Fatalf("Retry(failed) = %+v, %v; want queued", o, err)
	}
	due, _, _ = db.Due(now, 10)
	if len(due) != 1 || due[0].ID != 3 {
		t.Errorf("Due after Retry = %v, want message 3", due)
	}
	if _, err := db.GetOutgoing(99); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetOutgoing(99) = %v, want ErrNotFound", err)
	}
	counts, _ := db.OutboxCounts()
	if counts[store.OutSent] != 1 || counts[store.OutQueued] != 2 {
		t.Errorf("OutboxCounts = %v", counts)
	}
}

func TestDueLimit(t *testing.T) {
	db := openDB(t, nil)
	for i := range 5 {
		queue(t, db, 0, "", ack(i, fmt.Sprintf("r%d@example.fr", i)))
	}
	due, next, err := db.Due(clock, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].ID != 1 || due[1].ID != 2 {
		t.Errorf("Due(max 2) = %d messages, want the first two", len(due))
	}
	if next.After(clock) {
		t.Errorf("next = %v, want at or before now: more are due", next)
	}
}

func TestOutboxSurvivesReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Queue(0, []store.Outgoing{ack(1, "a@example.fr")}, ""); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := db.OutgoingRaw(1)
	if err != nil || string(raw) != "Subject: Re: Questionnaire\r\n\r\nThanks 1\r\n" {
		t.Errorf("OutgoingRaw after reopen = %q, %v", raw, err)
	}
	last, err := db.LastOutgoing("ack")
	if err != nil || last.ID != 1 {
		t.Errorf("LastOutgoing(ack) = %+v, %v", last, err)
	}
	if _, err := db.LastOutgoing("staff_summary"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LastOutgoing(none) = %v, want ErrNotFound", err)
	}
}

func TestQueueNeedsKey(t *testing.T) {
	db := openDB(t, nil)
	if _, err := db.Queue(0, []store.Outgoing{{Kind: "ack"}}, ""); err == nil {
		t.Error("Queue without a key: nil error")
	}
}
