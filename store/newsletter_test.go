package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/coe-congress/alliancebot/store"
)

func members(n int) []store.Member {
	out := make([]store.Member, n)
	for i := range out {
		out[i] = store.Member{Email: fmt.Sprintf("Mayor%05d@Town.example", i), Authority: fmt.Sprintf("Town %d", i), Country: "FR", Language: "fr", Source: "import"}
	}
	return out
}

func TestMembers(t *testing.T) {
	db := openDB(t, nil)
	added, updated, err := db.PutMembers(members(3))
	if err != nil || added != 3 || updated != 0 {
		t.Fatalf("PutMembers = %d added, %d updated, %v", added, updated, err)
	}
	m, err := db.GetMember("MAYOR00001@town.example")
	if err != nil || m.Email != "mayor00001@town.example" || m.ID != 2 || !m.Added.Equal(clock) {
		t.Fatalf("GetMember = %+v, %v", m, err)
	}
	change := members(2)
	change[1].Language = "en"
	if added, updated, _ = db.PutMembers(change); added != 0 || updated != 2 {
		t.Errorf("PutMembers again = %d added, %d updated; want 0 and 2", added, updated)
	}
	if m, _ := db.MemberByID(2); m.Language != "en" || m.ID != 2 {
		t.Errorf("updated member = %+v, want the same ID, new language", m)
	}
	if err := db.RemoveMember("mayor00001@town.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MemberByID(2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MemberByID of a removed member = %v", err)
	}
	if err := db.RemoveMember("nobody@x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RemoveMember(unknown) = %v", err)
	}
	n := 0
	db.ForEachMember(func(*store.Member) error { n++; return nil })
	if n != 2 {
		t.Errorf("%d members left, want 2", n)
	}
}

func TestSuppression(t *testing.T) {
	db := openDB(t, nil)
	added, err := db.Suppress(store.Suppression{Email: "Gone@Town.example", Kind: "hard_bounce", Reason: "5.1.1", MessageRef: 4})
	if err != nil || !added {
		t.Fatalf("Suppress = %v, %v", added, err)
	}
	if again, _ := db.Suppress(store.Suppression{Email: "gone@town.example", Kind: "unsubscribe"}); again {
		t.Error("a second Suppress replaced the first")
	}
	s, err := db.Suppressed("gone@town.example")
	if err != nil || s.Kind != "hard_bounce" || !s.At.Equal(clock) {
		t.Errorf("Suppressed = %+v, %v", s, err)
	}
	if err := db.Unsuppress("gone@town.example"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Suppressed("gone@town.example"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Suppressed after Unsuppress = %v", err)
	}
}

func TestSoftBounces(t *testing.T) {
	db := openDB(t, nil)
	day := 24 * time.Hour
	at := clock
	check := func(ref uint64, want bool) {
		t.Helper()
		got, err := db.SoftBounce("full@town.example", at, ref, 14*day, 3)
		if err != nil || got != want {
			t.Fatalf("SoftBounce(ref %d at %v) = %v, %v; want %v", ref, at, got, err, want)
		}
	}
	check(1, false)
	check(1, false) // the same bounce read twice counts once
	at = at.Add(20 * day)
	check(2, false) // the first is out of the window
	at = at.Add(day)
	check(3, false)
	at = at.Add(day)
	check(4, true) // three within 14 days
	if s, _ := db.Suppressed("full@town.example"); s == nil || s.Kind != "soft_bounces" {
		t.Errorf("suppression = %+v", s)
	}
}

func TestSecret(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	db, err := store.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := db.Secret("tokens")
	b, _ := db.Secret("other")
	db.Close()
	db, _ = store.Open(path, nil)
	defer db.Close()
	a2, _ := db.Secret("tokens")
	if len(a) != 32 || !bytes.Equal(a, a2) || bytes.Equal(a, b) {
		t.Errorf("secrets: %x, again %x, other %x; want 32 bytes, stable, distinct", a, a2, b)
	}
}

func TestNews(t *testing.T) {
	db := openDB(t, nil)
	id, existing, err := db.AddNews(store.NewsItem{Title: "Summit in Strasbourg", Text: "…", GUID: "<n1@coe.int>", Source: "mail"})
	if err != nil || existing || id != 1 {
		t.Fatalf("AddNews = %d, %v, %v", id, existing, err)
	}
	if id2, existing, _ := db.AddNews(store.NewsItem{Title: "again", GUID: "<n1@coe.int>"}); !existing || id2 != 1 {
		t.Errorf("AddNews of the same GUID = %d, %v; want 1, existing", id2, existing)
	}
	n, _ := db.GetNews(1)
	if n.State != store.NewsDraft {
		t.Errorf("a mailed item starts as %s, want draft", n.State)
	}
	if n, err = db.SetNewsState(1, store.NewsApproved); err != nil || n.State != store.NewsApproved || n.Approved.IsZero() {
		t.Errorf("SetNewsState(approved) = %+v, %v", n, err)
	}
	if _, err := db.CreateDigest(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetNewsState(1, store.NewsRemoved); err == nil {
		t.Error("an item sent in a digest was changed")
	}
}

func TestDigestDeliveries(t *testing.T) {
	now := clock
	db := openDB(t, &store.Options{Now: func() time.Time { return now }})
	if _, err := db.CreateDigest(); !errors.Is(err, store.ErrNothingToSend) {
		t.Fatalf("CreateDigest with no news = %v, want ErrNothingToSend", err)
	}
	const n = 4500 // more than one chunk
	if _, _, err := db.PutMembers(members(n)); err != nil {
		t.Fatal(err)
	}
	db.Suppress(store.Suppression{Email: "mayor00007@town.example", Kind: "unsubscribe"})
	db.AddNews(store.NewsItem{Title: "One", State: store.NewsApproved})
	db.AddNews(store.NewsItem{Title: "Draft"})
	db.AddNews(store.NewsItem{Title: "Two", State: store.NewsApproved})

	d, err := db.CreateDigest()
	if err != nil {
		t.Fatal(err)
	}
	if d.Volume != 1 || d.Issue != 1 || len(d.Items) != 2 || d.State != store.DigestPreparing {
		t.Errorf("digest = %+v", d)
	}
	if d, err = db.PrepareDeliveries(d.ID); err != nil {
		t.Fatal(err)
	}
	if d.State != store.DigestSending || d.Total != n-1 || d.Counts[store.DeliveryPending] != n-1 {
		t.Fatalf("prepared digest = state %s total %d counts %v; want sending, %d", d.State, d.Total, d.Counts, n-1)
	}
	// Suppressed after preparing: skipped at its turn.
	db.Suppress(store.Suppression{Email: "mayor00001@town.example", Kind: "hard_bounce"})

	var after string
	var claimed []store.Delivery
	for {
		batch, next, err := db.ClaimDeliveries(d.ID, after, 1000, now)
		if err != nil {
			t.Fatal(err)
		}
		claimed = append(claimed, batch...)
		after = next
		if next == "" {
			break
		}
	}
	if len(claimed) != n-2 {
		t.Fatalf("claimed %d, want %d", len(claimed), n-2)
	}
	// A crash now: every claim was in flight.
	if reset, _ := db.ResetClaims(d.ID); reset != n-2 {
		t.Errorf("ResetClaims = %d, want %d", reset, n-2)
	}
	claimed, _, _ = db.ClaimDeliveries(d.ID, "", n, now)
	var results []store.DeliveryResult
	for i, c := range claimed {
		r := store.DeliveryResult{Email: c.Email, State: store.DeliverySent}
		switch i {
		case 0:
			r = store.DeliveryResult{Email: c.Email, State: store.DeliveryFailed, Error: "550 no such user"}
		case 1:
			r = store.DeliveryResult{Email: c.Email, State: store.DeliveryPending, Error: "421 later", NextAttempt: now.Add(time.Minute)}
		}
		results = append(results, r)
	}
	if d, err = db.FinishDeliveries(d.ID, results); err != nil {
		t.Fatal(err)
	}
	if d.State != store.DigestSending || d.Counts[store.DeliverySent] != n-4 || d.Counts[store.DeliveryFailed] != 1 || d.Counts[store.DeliverySkipped] != 1 || d.Counts[store.DeliveryPending] != 1 {
		t.Errorf("counts = %v", d.Counts)
	}
	if next, _ := db.NextDeliveryAttempt(d.ID); !next.Equal(now.Add(time.Minute)) {
		t.Errorf("NextDeliveryAttempt = %v", next)
	}
	if c, _, _ := db.ClaimDeliveries(d.ID, "", 10, now); len(c) != 0 {
		t.Errorf("claimed %d before the retry time", len(c))
	}
	now = now.Add(time.Minute)
	c, _, _ := db.ClaimDeliveries(d.ID, "", 10, now)
	if len(c) != 1 || c[0].Attempts != 3 {
		t.Fatalf("retry claim = %+v", c)
	}
	d, _ = db.FinishDeliveries(d.ID, []store.DeliveryResult{{Email: c[0].Email, State: store.DeliverySent}})
	if d.State != store.DigestDone || d.Finished.IsZero() {
		t.Errorf("digest after the last delivery = %s", d.State)
	}
	if _, err := db.UnfinishedDigest(); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UnfinishedDigest = %v, want none", err)
	}

	// The next digest the same year is issue 2; next year, volume 2.
	db.AddNews(store.NewsItem{Title: "Three", State: store.NewsApproved})
	d2, _ := db.CreateDigest()
	if d2.Volume != 1 || d2.Issue != 2 || len(d2.Items) != 1 {
		t.Errorf("second digest = vol %d no %d items %v", d2.Volume, d2.Issue, d2.Items)
	}
	if u, err := db.UnfinishedDigest(); err != nil || u.ID != d2.ID {
		t.Errorf("UnfinishedDigest = %+v, %v", u, err)
	}
	now = now.AddDate(1, 0, 0)
	db.AddNews(store.NewsItem{Title: "Four", State: store.NewsApproved})
	d3, _ := db.CreateDigest()
	if d3.Volume != 2 || d3.Issue != 1 {
		t.Errorf("next year's digest = vol %d no %d, want 2, 1", d3.Volume, d3.Issue)
	}
}

func TestReleaseMapped(t *testing.T) {
	db := openDB(t, nil)
	if _, _, err := db.PutMembers(members(3000)); err != nil {
		t.Fatal(err)
	}
	if err := db.ReleaseMapped(); err != nil {
		t.Fatalf("ReleaseMapped = %v", err)
	}
	// Everything reads back the same after the pages were let go.
	n := 0
	if err := db.ForEachMember(func(m *store.Member) error { n++; return nil }); err != nil || n != 3000 {
		t.Errorf("after ReleaseMapped: %d members, %v", n, err)
	}
}
