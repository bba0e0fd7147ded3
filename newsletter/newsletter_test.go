package newsletter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/internal/memserver"
	"github.com/coe-congress/alliancebot/mailbox"
	"github.com/coe-congress/alliancebot/store"
	"github.com/coe-congress/alliancebot/templates"
)

const botAddr = "roma.summit@coe.int"

func openStore(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "a.db"), nil)
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

func newNewsletter(t testing.TB, db *store.DB) *Newsletter {
	t.Helper()
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	n, err := New(Config{From: botAddr, FromName: "European Alliance of Cities and Regions for Roma Inclusion", PublicURL: "https://alliance.example.org/bot/",
		Staff: []string{"ana.staff@coe.int"}}, db, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// fill adds count members (every third French) and two approved items.
func fill(t testing.TB, db *store.DB, count int) {
	t.Helper()
	var ms []store.Member
	for i := range count {
		lang := "en"
		if i%3 == 0 {
			lang = "fr"
		}
		ms = append(ms, store.Member{Email: fmt.Sprintf("mayor%05d@town%d.example", i, i), Authority: fmt.Sprintf("Town %d", i), Country: "FR", Language: lang})
	}
	if _, _, err := db.PutMembers(ms); err != nil {
		t.Fatal(err)
	}
	for _, it := range []store.NewsItem{
		{Title: "Study visit to Cluj-Napoca", Text: "Twelve cities visited the Roma mediation service.\n\nThey met the mediators.", Source: "Congress secretariat", State: store.NewsApproved, Date: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)},
		{Title: "Funding call <2027>", Text: "A call for projects opens in January.", Link: "https://example.org/call", State: store.NewsApproved},
	} {
		if _, _, err := db.AddNews(it); err != nil {
			t.Fatal(err)
		}
	}
}

func smtpOpts(srv *memserver.Server, conns int) SendOptions {
	cfg := mailbox.SenderConfig{Addr: srv.SMTPAddr, TLS: mailbox.TLSNone, Timeout: 5 * time.Second}
	return SendOptions{
		Dial: func(ctx context.Context) (Conn, error) {
			return mailbox.DialSMTP(ctx, cfg)
		},
		Permanent:   mailbox.IsPermanent,
		Connections: conns,
		RetryMin:    10 * time.Millisecond,
	}
}

func startSMTP(t testing.TB, hook func(step, arg string) error) *memserver.Server {
	t.Helper()
	srv, err := memserver.Start(memserver.Options{Local: func(string) bool { return false }, SMTPHook: hook})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// perRecipient counts the messages the server received for each address.
func perRecipient(srv *memserver.Server) map[string]int {
	got := map[string]int{}
	for _, d := range srv.Deliveries() {
		for _, to := range d.To {
			got[to]++
		}
	}
	return got
}

func TestSendDigest(t *testing.T) {
	db := openStore(t)
	fill(t, db, 40)
	db.Suppress(store.Suppression{Email: "mayor00005@town5.example", Kind: "unsubscribe"})
	n := newNewsletter(t, db)
	srv := startSMTP(t, nil)

	d, err := n.Start()
	if err != nil {
		t.Fatal(err)
	}
	var last Progress
	opts := smtpOpts(srv, 3)
	opts.Progress = func(p Progress) { last = p }
	if d, err = n.Send(t.Context(), d.ID, opts); err != nil {
		t.Fatal(err)
	}
	if d.State != store.DigestDone || d.Counts[store.DeliverySent] != 39 {
		t.Fatalf("digest = %s with %v, want done with 39 sent", d.State, d.Counts)
	}
	if last.Done != 39 || last.Total != 39 {
		t.Errorf("last progress = %+v", last)
	}
	got := perRecipient(srv)
	if len(got) != 39 || got["mayor00005@town5.example"] != 0 {
		t.Errorf("%d recipients got the digest (suppressed one: %d), want 39 and 0", len(got), got["mayor00005@town5.example"])
	}
	for addr, c := range got {
		if c != 1 {
			t.Errorf("%s got %d copies", addr, c)
		}
	}
	for _, dl := range srv.Deliveries() {
		m, err := mail.ReadMessage(bytes.NewReader(dl.Data))
		if err != nil {
			t.Fatal(err)
		}
		mem, _ := db.GetMember(dl.To[0])
		if id, ok := n.BounceMember(dl.From); !ok || id != mem.ID {
			t.Errorf("return path %s does not name member %d", dl.From, mem.ID)
		}
		want := map[string]string{
			"List-Id":               "Alliance news <news.coe.int>",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"Auto-Submitted":        "auto-generated",
			"Content-Language":      mem.Language,
			"Precedence":            "bulk",
		}
		for h, v := range want {
			if got := m.Header.Get(h); got != v {
				t.Errorf("%s: %s = %q, want %q", dl.To[0], h, got, v)
			}
		}
		link := n.UnsubscribeURL(mem.ID)
		lu := strings.Join(strings.Fields(m.Header.Get("List-Unsubscribe")), " ")
		if lu != "<"+link+">, <mailto:roma.summit+unsubscribe@coe.int?subject=unsubscribe>" {
			t.Errorf("List-Unsubscribe = %q", lu)
		}
		if !strings.HasPrefix(link, "https://alliance.example.org/bot/unsubscribe/") {
			t.Errorf("unsubscribe link %q", link)
		}
		body := string(dl.Data)
		if strings.Contains(body, "ALLIANCEBOT-UNSUBSCRIBE-TOKEN") {
			t.Errorf("%s: the placeholder was left in the message", dl.To[0])
		}
		token := link[strings.LastIndexByte(link, '/')+1:]
		if !strings.Contains(strings.ReplaceAll(body, "=\r\n", ""), token) {
			t.Errorf("%s: the body lacks the recipient's own unsubscribe link", dl.To[0])
		}
	}
	// Sending again does nothing.
	before := len(srv.Deliveries())
	if _, err := n.Send(t.Context(), d.ID, opts); err != nil || len(srv.Deliveries()) != before {
		t.Errorf("a second Send of a done digest sent %d more (%v)", len(srv.Deliveries())-before, err)
	}
}

// TestSendResume stops a send half-way, as a kill would, and resumes it:
// nobody is missed, and only what was in flight goes twice.
func TestSendResume(t *testing.T) {
	db := openStore(t)
	fill(t, db, 120)
	n := newNewsletter(t, db)
	ctx, cancel := context.WithCancel(t.Context())
	var data atomic.Int64
	srv := startSMTP(t, func(step, _ string) error {
		if step == "DATA" && data.Add(1) == 50 {
			cancel()
		}
		return nil
	})
	d, err := n.Start()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Send(ctx, d.ID, smtpOpts(srv, 4)); err == nil {
		t.Fatal("Send interrupted: nil error")
	}
	mid, _ := db.GetDigest(d.ID)
	if mid.State == store.DigestDone {
		t.Fatalf("digest done after an interruption at 50 of 120")
	}
	var resent int
	opts := smtpOpts(srv, 4)
	opts.Progress = func(p Progress) { resent = p.Resent }
	if d, err = n.Send(t.Context(), d.ID, opts); err != nil {
		t.Fatal(err)
	}
	got := perRecipient(srv)
	dups := 0
	for _, c := range got {
		dups += c - 1
	}
	if len(got) != 120 || d.Counts[store.DeliverySent] != 120 {
		t.Errorf("%d recipients reached, %d recorded sent; want 120", len(got), d.Counts[store.DeliverySent])
	}
	if dups > resent {
		t.Errorf("%d duplicates, more than the %d in flight at the interruption", dups, resent)
	}
	t.Logf("interrupted at 50: %d in flight, %d sent twice", resent, dups)
}

func TestSendFailures(t *testing.T) {
	db := openStore(t)
	fill(t, db, 6)
	n := newNewsletter(t, db)
	var mu sync.Mutex
	tries := map[string]int{}
	srv := startSMTP(t, func(step, arg string) error {
		if step != "RCPT" {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		tries[arg]++
		switch {
		case arg == "mayor00001@town1.example" && tries[arg] == 1:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 2, 2}, Message: "mailbox full, try later"}
		case arg == "mayor00002@town2.example":
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		}
		return nil
	})
	d, _ := n.Start()
	d, err := n.Send(t.Context(), d.ID, smtpOpts(srv, 2))
	if err != nil {
		t.Fatal(err)
	}
	if d.State != store.DigestDone || d.Counts[store.DeliverySent] != 5 || d.Counts[store.DeliveryFailed] != 1 {
		t.Errorf("digest = %s %v, want done with 5 sent and 1 failed", d.State, d.Counts)
	}
	var failed, retried *store.Delivery
	db.ForEachDelivery(d.ID, func(dl *store.Delivery) error {
		switch dl.Email {
		case "mayor00002@town2.example":
			failed = dl
		case "mayor00001@town1.example":
			retried = dl
		}
		return nil
	})
	if failed.State != store.DeliveryFailed || !strings.Contains(failed.LastError, "550") || failed.Attempts != 1 {
		t.Errorf("permanent failure = %+v", failed)
	}
	if retried.State != store.DeliverySent || retried.Attempts != 2 {
		t.Errorf("temporary failure = %+v, want sent at the second attempt", retried)
	}
}

func TestSendRate(t *testing.T) {
	db := openStore(t)
	fill(t, db, 11)
	n := newNewsletter(t, db)
	srv := startSMTP(t, nil)
	d, _ := n.Start()
	opts := smtpOpts(srv, 3)
	opts.Rate = 50
	start := time.Now()
	if _, err := n.Send(t.Context(), d.ID, opts); err != nil {
		t.Fatal(err)
	}
	// 11 messages at 50 a second, one at a time: at least 10 gaps of 20 ms.
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Errorf("11 messages at 50/s took %v, less than the 200 ms the limit allows", el)
	}
}

func TestWindow(t *testing.T) {
	w := newWindow(2, 50*time.Millisecond)
	w.add(time.Now())
	w.add(time.Now())
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Millisecond)
	defer cancel()
	if err := w.wait(ctx); err == nil {
		t.Error("a full window let one more through at once")
	}
	if err := w.wait(t.Context()); err != nil {
		t.Errorf("wait for the window = %v", err)
	}
	if err := newWindow(0, time.Hour).wait(ctx); err != nil {
		t.Errorf("no limit: wait = %v", err)
	}
}

func TestTokens(t *testing.T) {
	tk := NewTokens([]byte("0123456789abcdef0123456789abcdef"))
	for _, id := range []uint64{0, 1, 127, 128, 130000, 1 << 40} {
		tok := tk.Make(PurposeUnsubscribe, id)
		if got, ok := tk.Check(PurposeUnsubscribe, tok); !ok || got != id {
			t.Errorf("Check(Make(%d)) = %d, %v", id, got, ok)
		}
		if _, ok := tk.Check(PurposeBounce, tok); ok {
			t.Errorf("a token for one purpose passed for another")
		}
		if strings.Trim(tok, "abcdefghijklmnopqrstuvwxyz234567-") != "" {
			t.Errorf("token %q has characters unsafe in an address", tok)
		}
	}
	tok := tk.Make(PurposeUnsubscribe, 42)
	other := tk.Make(PurposeUnsubscribe, 43)
	forged := other[:strings.IndexByte(other, '-')] + tok[strings.IndexByte(tok, '-'):]
	if _, ok := tk.Check(PurposeUnsubscribe, forged); ok {
		t.Error("a token with another ID's signature passed")
	}
	if _, ok := NewTokens([]byte("another key, also 32 bytes long!")).Check(PurposeUnsubscribe, tok); ok {
		t.Error("a token passed under another key")
	}
	for _, bad := range []string{"", "-", "abc", "abc-", "-abc", "!!-!!", strings.Repeat("a", 40) + "-a"} {
		if _, ok := tk.Check(PurposeUnsubscribe, bad); ok {
			t.Errorf("Check(%q) passed", bad)
		}
	}
	addr := TaggedAddress(botAddr, "bounce", tok)
	if got := TagToken(strings.ToUpper(addr), botAddr, "bounce"); got != tok {
		t.Errorf("TagToken(%s) = %q, want %q", addr, got, tok)
	}
	if TagToken("roma.summit+bounce-x@other.example", botAddr, "bounce") != "" || TagToken(botAddr, botAddr, "bounce") != "" {
		t.Error("TagToken accepted an address that is not tagged")
	}
}

func FuzzTokenCheck(f *testing.F) {
	tk := NewTokens([]byte("0123456789abcdef0123456789abcdef"))
	f.Add(tk.Make(PurposeBounce, 7))
	f.Add("aa-bb")
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := tk.Check(PurposeBounce, s); ok && tk.Make(PurposeBounce, id) != strings.ToLower(s) {
			t.Errorf("Check(%q) passed for id %d, whose token is %q", s, id, tk.Make(PurposeBounce, id))
		}
	})
}

// record returns the stored record of raw as the watcher makes it.
func record(t *testing.T, db *store.DB, uid uint32, raw string) *store.Message {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	env, res := intake.Read([]byte(raw), intake.Options{UnsubscribeAddress: "roma.summit+unsubscribe@coe.int"})
	js, _ := json.Marshal(res)
	m := store.Message{MessageID: env.MessageID, From: env.From, To: env.To, Cc: env.Cc, Subject: env.Subject,
		Class: string(res.Class), Result: js, Source: store.Location{Mailbox: "INBOX", UIDValidity: 1, UID: uid}}
	r, err := db.Put([]store.Incoming{{Raw: []byte(raw), Msg: m}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := db.Get(r[0].ID)
	return got
}

func dsn(to, rcpt, status, action string) string {
	return "From: Mail Delivery System <MAILER-DAEMON@mx.town.example>\nTo: " + to + "\nSubject: Undelivered Mail Returned to Sender\n" +
		"Message-ID: <dsn-" + status + rcpt + "@mx.town.example>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n" +
		"Your message could not be delivered.\n\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.town.example\n\n" +
		"Final-Recipient: rfc822; " + rcpt + "\nAction: " + action + "\nStatus: " + status + "\n\n--b--\n"
}

func TestObserve(t *testing.T) {
	db := openStore(t)
	fill(t, db, 5)
	n := newNewsletter(t, db)
	observe := func(m *store.Message) {
		t.Helper()
		if _, _, err := n.Observe(m); err != nil {
			t.Fatal(err)
		}
	}
	suppressed := func(addr string) string {
		s, err := db.Suppressed(addr)
		if err != nil {
			return ""
		}
		return s.Kind
	}
	// A DSN that names another address than the member: the VERP return
	// path it came back to wins.
	mem, _ := db.GetMember("mayor00001@town1.example")
	observe(record(t, db, 1, dsn(n.ReturnPath(mem.ID), "forwarded@elsewhere.example", "5.1.1", "failed")))
	if suppressed("mayor00001@town1.example") != "hard_bounce" || suppressed("forwarded@elsewhere.example") != "" {
		t.Errorf("hard bounce to the VERP address: member %q, named %q", suppressed("mayor00001@town1.example"), suppressed("forwarded@elsewhere.example"))
	}
	// Soft bounces add up.
	for i := range SoftThreshold {
		if suppressed("mayor00002@town2.example") != "" {
			t.Fatalf("suppressed after %d soft bounces", i)
		}
		observe(record(t, db, uint32(10+i), dsn(botAddr, "mayor00002@town2.example", fmt.Sprintf("4.2.%d", i), "delayed")))
	}
	if suppressed("mayor00002@town2.example") != "soft_bounces" {
		t.Errorf("after %d soft bounces: %q", SoftThreshold, suppressed("mayor00002@town2.example"))
	}
	// Unsubscribe by mail.
	observe(record(t, db, 20, "From: mayor00003@town3.example\nTo: roma.summit+unsubscribe@coe.int\nSubject: unsubscribe\nMessage-ID: <u@town3.example>\n\nunsubscribe\n"))
	if suppressed("mayor00003@town3.example") != "unsubscribe" {
		t.Errorf("unsubscribe by mail: %q", suppressed("mayor00003@town3.example"))
	}
	// An abuse report.
	arf := "From: fbl@isp.example\nTo: roma.summit@coe.int\nSubject: Abuse report\nMessage-ID: <arf1@isp.example>\nMIME-Version: 1.0\n" +
		"Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\nAbuse report.\n" +
		"--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nVersion: 1\nOriginal-Rcpt-To: mayor00000@town0.example\n\n--b--\n"
	m := record(t, db, 30, arf)
	if _, skip, err := n.Observe(m); err != nil || skip == "" {
		t.Errorf("Observe(ARF) = %q, %v; want it skipped", skip, err)
	}
	if suppressed("mayor00000@town0.example") != "complaint" {
		t.Errorf("abuse report: %q", suppressed("mayor00000@town0.example"))
	}
	if suppressed("mayor00004@town4.example") != "" {
		t.Error("an untouched member is suppressed")
	}
}

func TestReadMembers(t *testing.T) {
	in := "\ufeffEmail;Authority;Country;Language;Notes\r\n" +
		"mairie@saint-aubin.example.fr;Commune de Saint-Aubin;fr;FR;a note\r\n" +
		"not-an-address;Nowhere;FR;fr;\r\n" +
		"\"Office\" <office@graz.example.at>;Stadt Graz;AT;de;\r\n" +
		";;;;\r\n" +
		"office@brno.example.cz;Statutory City of Brno;Czechia;en;\r\n" +
		"MAIRIE@saint-aubin.example.fr;Again;FR;fr;\r\n" +
		"kabinet@leskovac.example.rs;City of Leskovac;RS;en\r\n"
	ms, bad, err := ReadMembers(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Email != "mairie@saint-aubin.example.fr" || ms[0].Language != "fr" || ms[0].Country != "FR" || ms[1].Email != "kabinet@leskovac.example.rs" {
		t.Errorf("members = %+v", ms)
	}
	var lines []int
	for _, e := range bad {
		lines = append(lines, e.Line)
	}
	if fmt.Sprint(lines) != "[3 4 6 7]" {
		t.Errorf("bad lines = %v (%v), want 3 4 6 7", lines, bad)
	}
	if _, _, err := ReadMembers(strings.NewReader("mail,name\nx@y,z\n")); err == nil || !strings.Contains(err.Error(), "email") {
		t.Errorf("ReadMembers without the header = %v", err)
	}
}

func FuzzReadMembers(f *testing.F) {
	f.Add("email,authority,country,language\na@b.example,Town,FR,fr\n")
	f.Add("email;authority;country;language\n\"x\n")
	f.Fuzz(func(t *testing.T, s string) {
		ms, _, err := ReadMembers(strings.NewReader(s))
		if err != nil && ms != nil {
			t.Error("members returned with an error")
		}
		for _, m := range ms {
			if m.Email == "" || (m.Language != "en" && m.Language != "fr") {
				t.Errorf("bad member accepted: %+v", m)
			}
		}
	})
}

// TestSendServerDown starts a digest while the SMTP server is down: the
// send waits, and when the server comes back every member gets it, none
// failed.
func TestSendServerDown(t *testing.T) {
	db := openStore(t)
	fill(t, db, 5)
	n := newNewsletter(t, db)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	d, _ := n.Start()
	opts := smtpOpts(&memserver.Server{SMTPAddr: addr}, 2)
	started := make(chan *memserver.Server, 1)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		s, err := memserver.Start(memserver.Options{SMTPAddr: addr, Local: func(string) bool { return false }})
		if err != nil {
			t.Error(err)
		}
		started <- s
	}()
	d, err = n.Send(t.Context(), d.ID, opts)
	srv := <-started
	if srv == nil {
		t.FailNow()
	}
	defer srv.Close()
	if err != nil {
		t.Fatal(err)
	}
	if d.State != store.DigestDone || d.Counts[store.DeliverySent] != 5 || d.Counts[store.DeliveryFailed] != 0 {
		t.Errorf("digest after the outage = %s %v, want done with 5 sent", d.State, d.Counts)
	}
	if got := len(srv.Deliveries()); got != 5 {
		t.Errorf("server received %d, want 5", got)
	}
}
