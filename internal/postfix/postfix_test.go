//go:build unix

package postfix

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/coe-congress/alliancebot/internal/dovecot"
	"github.com/coe-congress/alliancebot/internal/imaptest"
	"github.com/coe-congress/alliancebot/internal/memserver"
	"github.com/coe-congress/alliancebot/internal/procgroup"
)

// deliveryTimeout bounds the wait for mail to pass through Postfix; under
// -race on two busy cores a delivery takes well under a second.
const deliveryTimeout = 30 * time.Second

// testMessage is a message whose body exercises the transparency of SMTP
// and LMTP: dot-stuffing, 8-bit text, trailing blanks, a long line.
func testMessage(subject string) []byte {
	return []byte("From: Sender <sender@example.org>\r\n" +
		"To: Someone <someone@example.org>\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@example.org>\r\n" +
		"Date: Mon, 02 Jan 2006 15:04:05 +0000\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n" +
		"\r\n" +
		"Body of " + subject + ".\r\n" +
		".a line that starts with a dot\r\n" +
		".\r\n" +
		"..two dots\r\n" +
		"Grüße, naïve café – “quotes” €\r\n" +
		"trailing blanks   \r\n" +
		"\ttab first\r\n" +
		strings.Repeat("0123456789", 90) + "\r\n" +
		"\r\n" +
		"last line\r\n")
}

// send submits msg over SMTP from sender@example.org to rcpts.
func send(addr string, msg []byte, rcpts ...string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.example.org"); err != nil {
		return err
	}
	if err := c.SendMail("sender@example.org", rcpts, bytes.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}

func mustSend(t *testing.T, addr string, msg []byte, rcpts ...string) {
	t.Helper()
	if err := send(addr, msg, rcpts...); err != nil {
		t.Fatalf("send to %s: %v", addr, err)
	}
}

// inbox waits until user's INBOX on d holds n messages and returns them.
func inbox(t *testing.T, d *dovecot.Server, p *Server, user string, n int) [][]byte {
	t.Helper()
	c, err := imaptest.Dial(d.Addr, user, dovecot.Password(user))
	if err != nil {
		t.Fatalf("IMAP login %s: %v\n--- dovecot log ---\n%s", user, err, d.LogTail(30))
	}
	defer c.Close()
	deadline := time.Now().Add(deliveryTimeout)
	for {
		got, err := imaptest.Count(c, "INBOX")
		if err != nil {
			t.Fatalf("count INBOX: %v\n--- dovecot log ---\n%s", err, d.LogTail(30))
		}
		if got >= n {
			break
		}
		if time.Now().After(deadline) {
			q, _ := p.Queue()
			t.Fatalf("INBOX of %s has %d messages after %v, want %d; queue: %+v\n%s",
				user, got, deliveryTimeout, n, q, p.LogTail(30))
		}
		time.Sleep(50 * time.Millisecond)
	}
	msgs, err := imaptest.FetchAll(c, "INBOX")
	if err != nil {
		t.Fatalf("fetch INBOX: %v\n--- dovecot log ---\n%s", err, d.LogTail(30))
	}
	return msgs
}

// checkDelivered fails t unless got is sent with only trace headers
// (Return-Path, Received; Delivered-To if Dovecot is set up to add it) added
// in front.
func checkDelivered(t *testing.T, got, sent []byte) {
	t.Helper()
	_, wantBody, _ := bytes.Cut(sent, []byte("\r\n\r\n"))
	head, gotBody, ok := bytes.Cut(got, []byte("\r\n\r\n"))
	if !ok || !bytes.Equal(gotBody, wantBody) {
		t.Fatalf("delivered body differs:\n got %q\nwant %q", gotBody, wantBody)
	}
	if !bytes.HasSuffix(got, sent) {
		t.Errorf("delivered message does not end with the sent one:\n%s", head)
	}
	added := bytes.TrimSuffix(got, sent)
	for _, l := range strings.Split(string(added), "\r\n") {
		if l == "" || l[0] == ' ' || l[0] == '\t' {
			continue
		}
		name, _, _ := strings.Cut(l, ":")
		switch name {
		case "Return-Path", "Delivered-To", "Received":
		default:
			t.Errorf("unexpected header added on the way: %q", l)
		}
	}
	if !bytes.Contains(added, []byte("by "+Hostname+" (Postfix)")) {
		t.Errorf("no Received header of Postfix in:\n%s", added)
	}
}

// waitQueue polls s's queue until ok accepts it.
func waitQueue(t *testing.T, s *Server, what string, ok func([]QueuedMessage) bool) []QueuedMessage {
	t.Helper()
	deadline := time.Now().Add(deliveryTimeout)
	for {
		q, err := s.Queue()
		if err != nil {
			t.Fatalf("Queue: %v", err)
		}
		if ok(q) {
			return q
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue not %s after %v: %+v\n%s", what, deliveryTimeout, q, s.LogTail(30))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// deferred reports whether q is one message that failed at least once.
func deferred(q []QueuedMessage) bool {
	return len(q) == 1 && len(q[0].Recipients) == 1 && q[0].Recipients[0].DelayReason != ""
}

func checkGone(t *testing.T, pid int) {
	t.Helper()
	if procgroup.Alive(pid) {
		t.Errorf("process group %d still has live processes", pid)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill(%d, 0) = %v, want ESRCH", pid, err)
	}
}

// checkLog fails t when Postfix logged a fatal error or a panic, and logs
// its warnings.
func checkLog(t *testing.T, s *Server) {
	t.Helper()
	for _, line := range strings.Split(s.LogTail(100000), "\n") {
		switch {
		case strings.Contains(line, "]: fatal: "), strings.Contains(line, "]: panic: "),
			strings.Contains(line, "]: error: "):
			t.Errorf("postfix logged: %s", line)
		case strings.Contains(line, "]: warning: "):
			t.Logf("postfix logged: %s", line)
		}
	}
}

func TestRelayToDovecot(t *testing.T) {
	d := dovecot.StartT(t, dovecot.Options{LMTP: true, Users: []string{"someone", "other"}})
	t0 := time.Now()
	p := StartT(t, Options{LMTP: d.LMTPAddr})
	t.Logf("Start: %v", time.Since(t0))
	if want := "lmtp:inet:[" + strings.Replace(d.LMTPAddr, ":", "]:", 1); p.Transport != want {
		t.Errorf("Transport = %q, want %q", p.Transport, want)
	}

	msg := testMessage("relayed once")
	t0 = time.Now()
	mustSend(t, p.Addr, msg, "someone@example.org", "other@elsewhere.example")
	got := inbox(t, d, p, "someone", 1)
	t.Logf("SMTP to IMAP: %v", time.Since(t0))
	if len(got) != 1 {
		t.Fatalf("INBOX of someone has %d messages, want 1", len(got))
	}
	checkDelivered(t, got[0], msg)
	if got := inbox(t, d, p, "other", 1); len(got) != 1 {
		t.Errorf("INBOX of other has %d messages, want 1", len(got))
	}
	if err := p.WaitEmpty(deliveryTimeout); err != nil {
		t.Error(err)
	}

	// Dovecot refuses unknown users for good: Postfix bounces, and the
	// bounce to the unknown sender is dropped.
	mustSend(t, p.Addr, testMessage("to nobody"), "nobody@example.org")
	if err := p.WaitEmpty(deliveryTimeout); err != nil {
		t.Error(err)
	}
	if log := p.LogTail(1000); !strings.Contains(log, "to=<nobody@example.org>") || !strings.Contains(log, "status=bounced") {
		t.Errorf("no bounce for nobody@example.org in the log:\n%s", log)
	}
	checkLog(t, p)
	if testing.Verbose() {
		t.Logf("postfix log:\n%s", p.LogTail(100))
	}
}

// A message accepted while Dovecot is down waits in the Postfix queue and
// is delivered once Dovecot is back.
func TestDeferredWhileDovecotDown(t *testing.T) {
	d := dovecot.StartT(t, dovecot.Options{LMTP: true, Users: []string{"someone"}})
	p := StartT(t, Options{LMTP: d.LMTPAddr})

	if err := d.Kill(); err != nil {
		t.Fatal(err)
	}
	msg := testMessage("deferred once")
	mustSend(t, p.Addr, msg, "someone@example.org")
	q := waitQueue(t, p, "deferred", deferred)
	if r := q[0].Recipients[0]; r.Address != "someone@example.org" || !strings.Contains(r.DelayReason, "Connection refused") {
		t.Errorf("queued recipient = %+v, want someone@example.org refused", r)
	}
	if q[0].Sender != "sender@example.org" || q[0].ID == "" || q[0].Size < int64(len(msg)) ||
		time.Since(q[0].Arrival) > time.Minute {
		t.Errorf("queued message = %+v", q[0])
	}

	if err := d.Restart(); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitEmpty(deliveryTimeout); err != nil {
		t.Fatal(err)
	}
	t.Logf("Flush to empty queue: %v", time.Since(t0))
	got := inbox(t, d, p, "someone", 1)
	if len(got) != 1 {
		t.Fatalf("INBOX has %d messages, want 1", len(got))
	}
	checkDelivered(t, got[0], msg)
	checkLog(t, p)
}

// Kill and Restart keep the queue: mail Postfix accepted is delivered by
// the next run, and the server comes back on the same address.
func TestKillRestartKeepsQueue(t *testing.T) {
	d := dovecot.StartT(t, dovecot.Options{LMTP: true, Users: []string{"someone"}})
	p := StartT(t, Options{LMTP: d.LMTPAddr})
	if err := d.Kill(); err != nil {
		t.Fatal(err)
	}
	msg := testMessage("survives a crash")
	mustSend(t, p.Addr, msg, "someone@example.org")
	id := waitQueue(t, p, "deferred", deferred)[0].ID

	addr, pid := p.Addr, p.PID()
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	checkGone(t, pid)
	if p.PID() != 0 {
		t.Errorf("PID after Kill = %d, want 0", p.PID())
	}
	if err := send(p.Addr, msg, "someone@example.org"); err == nil {
		t.Errorf("send to a killed Postfix succeeded")
	}
	if err := p.Flush(); !errors.Is(err, ErrNotRunning) {
		t.Errorf("Flush after Kill = %v, want ErrNotRunning", err)
	}
	// postqueue reads the queue directly while Postfix is down.
	if q, err := p.Queue(); err != nil || len(q) != 1 || q[0].ID != id {
		t.Errorf("Queue after Kill = %+v, %v; want message %s", q, err, id)
	}

	if err := d.Restart(); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := p.Restart(); err != nil {
		t.Fatal(err)
	}
	t.Logf("Restart: %v", time.Since(t0))
	if p.Addr != addr {
		t.Errorf("Addr after Restart = %s, want %s", p.Addr, addr)
	}
	got := inbox(t, d, p, "someone", 1)
	checkDelivered(t, got[0], msg)

	// A graceful Restart too.
	pid = p.PID()
	if err := p.Restart(); err != nil {
		t.Fatal(err)
	}
	checkGone(t, pid)
	mustSend(t, p.Addr, testMessage("after restart"), "someone@example.org")
	if got := inbox(t, d, p, "someone", 2); len(got) != 2 {
		t.Errorf("INBOX has %d messages, want 2", len(got))
	}
	checkLog(t, p)
}

// Without LMTP or Relay mail is accepted and deferred; Stop removes
// everything.
func TestNoRelayStop(t *testing.T) {
	s := StartT(t, Options{})
	if s.Transport != noRelay {
		t.Errorf("Transport = %q, want %q", s.Transport, noRelay)
	}
	mustSend(t, s.Addr, testMessage("kept"), "anyone@anywhere.example")
	q := waitQueue(t, s, "deferred", deferred)
	if r := q[0].Recipients[0]; r.DelayReason != "no relay configured" {
		t.Errorf("delay reason = %q, want %q", r.DelayReason, "no relay configured")
	}
	if err := s.Flush(); err != nil {
		t.Errorf("Flush: %v", err)
	}
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}

	pid := s.PID()
	t0 := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	t.Logf("Stop: %v", time.Since(t0))
	checkGone(t, pid)
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Dir after Stop: %v, want it removed", err)
	}
	if err := s.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if err := s.Restart(); !errors.Is(err, ErrStopped) {
		t.Errorf("Restart after Stop = %v, want ErrStopped", err)
	}
	if _, err := s.Queue(); !errors.Is(err, ErrStopped) {
		t.Errorf("Queue after Stop = %v, want ErrStopped", err)
	}
	if s.LogTail(5) != "" {
		t.Errorf("LogTail after Stop is not empty")
	}
}

// Relay delivers over SMTP, here into an in-process go-smtp server.
func TestRelaySMTP(t *testing.T) {
	m, err := memserver.Start(memserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p := StartT(t, Options{Relay: m.SMTPAddr})
	msg := testMessage("relayed over smtp")
	mustSend(t, p.Addr, msg, "alliance@example.org")
	if err := p.WaitEmpty(deliveryTimeout); err != nil {
		t.Fatal(err)
	}
	ds := m.Deliveries()
	if len(ds) != 1 {
		t.Fatalf("%d deliveries, want 1", len(ds))
	}
	if ds[0].From != "sender@example.org" || len(ds[0].To) != 1 || ds[0].To[0] != "alliance@example.org" {
		t.Errorf("envelope = %s -> %v", ds[0].From, ds[0].To)
	}
	checkDelivered(t, ds[0].Data, msg)
	checkLog(t, p)
}

// Servers started at the same time do not share anything.
func TestParallelServers(t *testing.T) {
	skipUnavailable(t)
	const n = 3
	servers := make([]*Server, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { servers[i], errs[i] = Start(Options{}) })
	}
	wg.Wait()
	for _, s := range servers {
		if s != nil {
			defer s.Stop()
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Start %d: %v", i, err)
		}
	}
	seen := map[string]bool{}
	for _, s := range servers {
		if seen[s.Addr] || seen[s.Dir] {
			t.Fatalf("Addr %s or Dir %s used twice", s.Addr, s.Dir)
		}
		seen[s.Addr], seen[s.Dir] = true, true
	}
	for i, s := range servers {
		wg.Go(func() {
			for j := range i + 1 {
				if err := send(s.Addr, testMessage(fmt.Sprintf("server %d message %d", i, j)), "x@example.org"); err != nil {
					t.Errorf("send to server %d: %v", i, err)
				}
			}
		})
	}
	wg.Wait()
	for i, s := range servers {
		waitQueue(t, s, fmt.Sprintf("%d messages", i+1), func(q []QueuedMessage) bool { return len(q) == i+1 })
	}
	for i, s := range servers {
		pid := s.PID()
		if err := s.Stop(); err != nil {
			t.Errorf("Stop %d: %v", i, err)
		}
		checkGone(t, pid)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{
		{LMTP: "127.0.0.1:24", Relay: "127.0.0.1:25"},
		{LMTP: "127.0.0.1"},
		{LMTP: "127.0.0.1:0"},
		{Relay: ":25"},
		{Relay: "a b:25"},
	} {
		if _, err := transport(o); err == nil {
			t.Errorf("transport(%+v) succeeded, want an error", o)
		}
	}
	if got, err := transport(Options{Relay: "localhost:2525"}); err != nil || got != "smtp:[localhost]:2525" {
		t.Errorf(`transport(Relay: "localhost:2525") = %q, %v`, got, err)
	}
}

func TestParseQueue(t *testing.T) {
	out := []byte("postqueue: warning: Mail system is down -- accessing queue directly\n" +
		`{"queue_name": "deferred", "queue_id": "43BE59B9FFF", "arrival_time": 1796024115, "message_size": 333, "forced_expire": false, "sender": "a@example.org", "recipients": [{"address": "someone@example.org", "delay_reason": "no relay configured"}]}` + "\n" +
		`{"queue_name": "active", "queue_id": "1", "arrival_time": 1, "message_size": 1, "sender": "", "recipients": [{"address": "b@example.org"}]}` + "\n")
	q, err := parseQueue(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 2 || q[0].Queue != "deferred" || q[0].ID != "43BE59B9FFF" || q[0].Arrival.Unix() != 1796024115 ||
		q[0].Size != 333 || q[0].Sender != "a@example.org" ||
		len(q[0].Recipients) != 1 || q[0].Recipients[0] != (QueuedRecipient{"someone@example.org", "no relay configured"}) ||
		q[1].Recipients[0] != (QueuedRecipient{Address: "b@example.org"}) {
		t.Errorf("parseQueue = %+v", q)
	}
	if _, err := parseQueue([]byte("{bad\n")); err == nil {
		t.Error("parseQueue of bad JSON succeeded")
	}
}
