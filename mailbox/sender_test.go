package mailbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/coe-congress/alliancebot/internal/memserver"
	"github.com/coe-congress/alliancebot/store"
)

// outgoing returns a small rendered message n to the recipients to.
func outgoing(n int, to ...string) store.Outgoing {
	return store.Outgoing{
		Key: fmt.Sprintf("test:%d", n), Kind: "ack", MessageID: fmt.Sprintf("<out%d@coe.int>", n),
		From: "roma.summit@coe.int", To: to, Subject: fmt.Sprintf("Re: Questionnaire %d", n),
		Raw: fmt.Appendf(nil, "From: roma.summit@coe.int\r\nTo: %s\r\nSubject: Re: Questionnaire %d\r\n"+
			"Message-ID: <out%d@coe.int>\r\nAuto-Submitted: auto-replied\r\n\r\nThank you %d.\r\n", strings.Join(to, ", "), n, n, n),
	}
}

func queueOut(t *testing.T, db *store.DB, outs ...store.Outgoing) {
	t.Helper()
	if _, err := db.Queue(0, outs, ""); err != nil {
		t.Fatal(err)
	}
}

func senderConfig(srv *memserver.Server) SenderConfig {
	return SenderConfig{Addr: srv.SMTPAddr, TLS: TLSNone, Timeout: 5 * time.Second, RetryMin: time.Millisecond, RetryMax: 5 * time.Millisecond}
}

func flush(t *testing.T, s *Sender) SendStats {
	t.Helper()
	st, err := s.Flush(context.Background())
	if err != nil {
		t.Fatalf("Flush = %v", err)
	}
	return st
}

func outState(t *testing.T, db *store.DB, id uint64) *store.Outgoing {
	t.Helper()
	o, err := db.GetOutgoing(id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestSenderSends(t *testing.T) {
	srv := startServer(t, memserver.Options{Local: func(string) bool { return false }})
	db := openDB(t)
	queueOut(t, db, outgoing(1, "ana@cluj.ro"), outgoing(2, "mairie@saint-aubin.fr"))
	s := NewSender(senderConfig(srv), db, nil)
	if st := flush(t, s); st.Sent != 2 || st.Deferred+st.Failed != 0 {
		t.Errorf("Flush stats = %+v, want 2 sent", st)
	}
	d := srv.Deliveries()
	if len(d) != 2 {
		t.Fatalf("server received %d messages, want 2", len(d))
	}
	raw, _ := db.OutgoingRaw(1)
	if !bytes.HasSuffix(d[0].Data, raw) || d[0].From != "roma.summit@coe.int" || d[0].To[0] != "ana@cluj.ro" {
		t.Errorf("delivery 1 = from %q to %q:\n%s\nwant the queued bytes from roma.summit@coe.int to ana@cluj.ro", d[0].From, d[0].To, d[0].Data)
	}
	o := outState(t, db, 1)
	if o.State != store.OutSent || o.Attempts != 1 || o.Sent.IsZero() || o.Response == "" {
		t.Errorf("record after sending = %+v", o)
	}
	if st := flush(t, s); st.Sent != 0 || len(srv.Deliveries()) != 2 {
		t.Error("a second Flush sent again")
	}
	if n, _ := srv.Count("INBOX"); n != 0 {
		t.Errorf("INBOX holds %d messages; mail to others must not be delivered locally", n)
	}
}

// refuser refuses steps of the SMTP dialogue while a rule says so.
type refuser struct {
	mu    sync.Mutex
	rules map[string]*smtp.SMTPError // "STEP arg" or "STEP" -> reply
	seen  []string
}

func (r *refuser) set(key string, e *smtp.SMTPError) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e == nil {
		delete(r.rules, key)
		return
	}
	r.rules[key] = e
}

func (r *refuser) hook(step, arg string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, step+" "+arg)
	if e, ok := r.rules[step+" "+arg]; ok {
		return e
	}
	if e, ok := r.rules[step]; ok {
		return e
	}
	return nil
}

func newRefuser() *refuser { return &refuser{rules: make(map[string]*smtp.SMTPError)} }

var (
	tempFail = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	permFail = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	dataFail = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "rejected as spam"}
)

func TestSenderTemporaryThenSent(t *testing.T) {
	ref := newRefuser()
	srv := startServer(t, memserver.Options{SMTPHook: ref.hook, Local: func(string) bool { return false }})
	db := openDB(t)
	queueOut(t, db, outgoing(1, "ana@cluj.ro"))
	cfg := senderConfig(srv)
	cfg.RetryMin, cfg.RetryMax = 50*time.Millisecond, 50*time.Millisecond
	s := NewSender(cfg, db, nil)

	ref.set("DATA", tempFail)
	if st := flush(t, s); st.Deferred != 1 {
		t.Fatalf("Flush stats = %+v, want 1 deferred", st)
	}
	o := outState(t, db, 1)
	if o.State != store.OutQueued || o.Attempts != 1 || !strings.Contains(o.LastError, "451") || !o.NextAttempt.After(time.Now()) {
		t.Errorf("record after a 451 = %+v, want queued for later with the error", o)
	}
	if st := flush(t, s); st.Sent+st.Deferred != 0 {
		t.Errorf("Flush before the retry time = %+v, want nothing tried", st)
	}
	ref.set("DATA", nil)
	time.Sleep(60 * time.Millisecond)
	if st := flush(t, s); st.Sent != 1 {
		t.Errorf("Flush after the retry time = %+v, want 1 sent", st)
	}
	if o := outState(t, db, 1); o.State != store.OutSent || o.Attempts != 2 {
		t.Errorf("record = %+v, want sent at the second attempt", o)
	}
}

// TestSenderAfterRejection checks that a message refused at the end of DATA
// fails for good and does not spoil the next one on the same connection.
func TestSenderAfterRejection(t *testing.T) {
	ref := newRefuser()
	srv := startServer(t, memserver.Options{SMTPHook: ref.hook, Local: func(string) bool { return false }})
	db := openDB(t)
	queueOut(t, db, outgoing(1, "spam@cluj.ro"), outgoing(2, "nobody@cluj.ro"), outgoing(3, "ana@cluj.ro"))
	ref.set("DATA spam@cluj.ro", dataFail)
	ref.set("RCPT nobody@cluj.ro", permFail)
	st := flush(t, NewSender(senderConfig(srv), db, nil))
	if st.Failed != 2 || st.Sent != 1 {
		t.Errorf("Flush stats = %+v, want 2 failed and 1 sent", st)
	}
	for id, want := range map[uint64]string{1: "554", 2: "550"} {
		if o := outState(t, db, id); o.State != store.OutFailed || !strings.Contains(o.LastError, want) {
			t.Errorf("message %d = %+v, want failed with %s", id, o, want)
		}
	}
	if d := srv.Deliveries(); len(d) != 1 || d[0].To[0] != "ana@cluj.ro" {
		t.Errorf("deliveries = %+v, want only ana's", d)
	}
}

func TestSenderSomeRecipientsRefused(t *testing.T) {
	ref := newRefuser()
	srv := startServer(t, memserver.Options{SMTPHook: ref.hook, Local: func(string) bool { return false }})
	db := openDB(t)
	queueOut(t, db, outgoing(1, "ana@coe.int", "gone@coe.int", "bo@coe.int"))
	ref.set("RCPT gone@coe.int", permFail)
	if st := flush(t, NewSender(senderConfig(srv), db, nil)); st.Sent != 1 {
		t.Fatalf("Flush stats = %+v, want 1 sent", st)
	}
	d := srv.Deliveries()
	if len(d) != 1 || strings.Join(d[0].To, ",") != "ana@coe.int,bo@coe.int" {
		t.Errorf("deliveries = %+v, want one to ana and bo", d)
	}
	if o := outState(t, db, 1); !strings.Contains(o.Response, "gone@coe.int") {
		t.Errorf("response = %q, want it to name the refused recipient", o.Response)
	}
}

func TestSenderGivesUp(t *testing.T) {
	ref := newRefuser()
	srv := startServer(t, memserver.Options{SMTPHook: ref.hook, Local: func(string) bool { return false }})
	db := openDB(t)
	queueOut(t, db, outgoing(1, "ana@cluj.ro"))
	ref.set("MAIL", tempFail)
	cfg := senderConfig(srv)
	cfg.GiveUpAfter = time.Nanosecond
	if st := flush(t, NewSender(cfg, db, nil)); st.Failed != 1 {
		t.Fatalf("Flush stats = %+v, want 1 failed", st)
	}
	if o := outState(t, db, 1); o.State != store.OutFailed || !strings.HasPrefix(o.LastError, "gave up after 1 attempts") {
		t.Errorf("record = %+v, want given up", o)
	}
}

// TestSenderServerDown checks that mail waits in the outbox, untouched,
// while the server cannot be reached, and goes when it can.
func TestSenderServerDown(t *testing.T) {
	down := startServer(t, memserver.Options{})
	addr := down.SMTPAddr
	down.Close()
	db := openDB(t)
	queueOut(t, db, outgoing(1, "ana@cluj.ro"), outgoing(2, "bo@cluj.ro"))
	cfg := SenderConfig{Addr: addr, TLS: TLSNone, Timeout: time.Second}
	if _, err := NewSender(cfg, db, nil).Flush(context.Background()); err == nil {
		t.Fatal("Flush with the server down = nil error")
	}
	for id := uint64(1); id <= 2; id++ {
		if o := outState(t, db, id); o.State != store.OutQueued || o.Attempts != 0 {
			t.Errorf("message %d while the server is down = %+v, want queued, untouched", id, o)
		}
	}
	up := startServer(t, memserver.Options{Local: func(string) bool { return false }})
	if st := flush(t, NewSender(senderConfig(up), db, nil)); st.Sent != 2 {
		t.Errorf("Flush once the server is up = %+v, want 2 sent", st)
	}
}

func TestSenderNoServer(t *testing.T) {
	db := openDB(t)
	s := NewSender(SenderConfig{}, db, nil)
	if _, err := s.Flush(context.Background()); err != nil {
		t.Errorf("Flush of an empty outbox with no server = %v, want nil", err)
	}
	queueOut(t, db, outgoing(1, "ana@cluj.ro"))
	if _, err := s.Flush(context.Background()); !errors.Is(err, ErrNoServer) {
		t.Errorf("Flush with no server = %v, want ErrNoServer", err)
	}
}

func TestSenderStartTLS(t *testing.T) {
	srv := startServer(t, memserver.Options{TLS: true, Local: func(string) bool { return false }})
	db := openDB(t)
	queueOut(t, db, outgoing(1, "ana@cluj.ro"))
	cfg := senderConfig(srv)
	cfg.TLS = TLSStartTLS
	cfg.Insecure = true // the memserver certificate names 127.0.0.1; RootCAs are tested for IMAP
	if st := flush(t, NewSender(cfg, db, nil)); st.Sent != 1 {
		t.Errorf("Flush over STARTTLS = %+v, want 1 sent", st)
	}
}

func TestSenderRun(t *testing.T) {
	srv := startServer(t, memserver.Options{Local: func(string) bool { return false }})
	db := openDB(t)
	sent := make(chan uint64, 10)
	cfg := senderConfig(srv)
	cfg.OnResult = func(o *store.Outgoing, err error) {
		if err == nil {
			sent <- o.ID
		}
	}
	s := NewSender(cfg, db, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	queueOut(t, db, outgoing(1, "ana@cluj.ro"))
	s.Wake()
	select {
	case id := <-sent:
		if id != 1 {
			t.Errorf("sent %d, want 1", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not send a woken message within 10 s")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil at shutdown", err)
	}
}

func TestRetryWait(t *testing.T) {
	for attempts, want := range []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute} {
		got := retryWait(attempts, time.Minute, time.Hour)
		if got > want || got < want*3/4 {
			t.Errorf("retryWait(%d) = %v, want in [%v, %v]", attempts, got, want*3/4, want)
		}
	}
	if got := retryWait(50, time.Minute, time.Hour); got > time.Hour || got < 45*time.Minute {
		t.Errorf("retryWait(50) = %v, want capped at 1h less jitter", got)
	}
}
