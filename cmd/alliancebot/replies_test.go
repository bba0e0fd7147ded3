package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/mail"
	netsmtp "net/smtp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/internal/control"
	"github.com/coe-congress/alliancebot/internal/memserver"
	"github.com/coe-congress/alliancebot/internal/samplemail"
	"github.com/coe-congress/alliancebot/store"
)

const (
	botAddr   = "roma.summit@coe.int"
	staffAddr = "secretariat.roma@coe.int"
)

// gate refuses SMTP transactions while it is closed, as a server that is
// down for maintenance answers 421.
type gate struct {
	mu     sync.Mutex
	closed bool
}

func (g *gate) set(closed bool) {
	g.mu.Lock()
	g.closed = closed
	g.mu.Unlock()
}

func (g *gate) hook(step, arg string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed && step == "MAIL" {
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "down for maintenance"}
	}
	return nil
}

// setupReplies is setup with sending: the SMTP server delivers mail to the
// bot's address into its inbox and keeps the rest for the test to read.
func setupReplies(t *testing.T) (*memserver.Server, []string, *gate) {
	t.Helper()
	g := &gate{}
	srv, environ, _ := setupWith(t, memserver.Options{
		Local:    func(addr string) bool { return strings.EqualFold(addr, botAddr) },
		SMTPHook: g.hook,
	})
	environ = append(environ,
		"ALLIANCEBOT_SMTP_ADDR="+srv.SMTPAddr,
		"ALLIANCEBOT_SMTP_TLS=none",
		"ALLIANCEBOT_SMTP_FROM="+botAddr,
		"ALLIANCEBOT_STAFF_ADDRESSES="+staffAddr,
		"ALLIANCEBOT_STAFF_SUMMARY_TIME=",
	)
	return srv, environ, g
}

// sentTo returns the messages the server received for addr.
func sentTo(srv *memserver.Server, addr string) []*mail.Message {
	var out []*mail.Message
	for _, d := range srv.Deliveries() {
		if slices.Contains(d.To, addr) {
			m, err := mail.ReadMessage(bytes.NewReader(d.Data))
			if err == nil {
				out = append(out, m)
			}
		}
	}
	return out
}

func serveOnce(t *testing.T, environ []string) string {
	t.Helper()
	_, stderr, err := runCmd(t, t.Context(), environ, "serve", "--once")
	if err != nil {
		t.Fatalf("serve --once: %v\n%s", err, stderr)
	}
	return stderr
}

// TestServeOnceAnswers runs serve --once on the sample mail: every sender who
// may be answered gets one acknowledgement, threaded, in the language of the
// message; nobody else gets any; staff hear of join requests and of the
// messages to review; a second pass and a replay send nothing more.
func TestServeOnceAnswers(t *testing.T) {
	srv, environ, _ := setupReplies(t)
	serveOnce(t, environ)

	samples := samplemail.All()
	answered := map[string]bool{}
	for _, s := range samples {
		orig, err := mail.ReadMessage(bytes.NewReader(s.Raw))
		if err != nil {
			t.Fatal(err)
		}
		env, _ := intake.ReadEnvelope(s.Raw, intake.Limits{})
		addr := env.From
		if len(env.ReplyTo) > 0 {
			addr = env.ReplyTo[0]
		}
		got := sentTo(srv, addr)
		switch s.Class {
		case "bounce", "auto_reply":
			if len(got) != 0 {
				t.Errorf("%s (%s): %d messages sent to %s, want none", s.Name, s.Class, len(got), addr)
			}
			continue
		}
		if answered[addr] {
			continue // one acknowledgement per address a day: checked below
		}
		answered[addr] = true
		if len(got) != 1 {
			t.Errorf("%s (%s): %d messages sent to %s, want 1", s.Name, s.Class, len(got), addr)
			continue
		}
		ack := got[0]
		if want := orig.Header.Get("Message-Id"); ack.Header.Get("In-Reply-To") != want {
			t.Errorf("%s: In-Reply-To %q, want %q", s.Name, ack.Header.Get("In-Reply-To"), want)
		}
		refs := strings.Fields(ack.Header.Get("References"))
		if id := orig.Header.Get("Message-Id"); id != "" && (len(refs) == 0 || refs[len(refs)-1] != id) {
			t.Errorf("%s: References %q do not end with the original's Message-ID", s.Name, refs)
		}
		subj, err := new(mime.WordDecoder).DecodeHeader(ack.Header.Get("Subject"))
		if err != nil || !strings.HasPrefix(strings.ToLower(subj), "re") {
			t.Errorf("%s: Subject %q (%v) is not a reply's", s.Name, subj, err)
		}
		if ack.Header.Get("Auto-Submitted") != "auto-replied" {
			t.Errorf("%s: Auto-Submitted = %q", s.Name, ack.Header.Get("Auto-Submitted"))
		}
		if lang := ack.Header.Get("Content-Language"); lang != "en" && lang != "fr" {
			t.Errorf("%s: Content-Language = %q", s.Name, lang)
		}
		if strings.Contains(s.Name, "-fr") && ack.Header.Get("Content-Language") != "fr" {
			t.Errorf("%s: a French message answered in %q", s.Name, ack.Header.Get("Content-Language"))
		}
	}
	staff := sentTo(srv, staffAddr)
	var joins, reviews int
	for _, m := range staff {
		switch subj := m.Header.Get("Subject"); {
		case strings.Contains(subj, "join"):
			joins++
		default:
			reviews++
		}
	}
	if joins == 0 || reviews == 0 {
		t.Errorf("staff got %d join notices and %d others, want some of each", joins, reviews)
	}
	if n, _ := srv.Count("INBOX"); n != 0 {
		t.Errorf("INBOX holds %d: what the bot sent came back to it", n)
	}

	total := len(srv.Deliveries())
	serveOnce(t, environ)
	if err := srv.Append("INBOX", samples[0].Raw, samples[1].Raw); err != nil {
		t.Fatal(err)
	}
	serveOnce(t, environ)
	if n := len(srv.Deliveries()); n != total {
		t.Errorf("a second pass and a replay sent %d more messages, want none", n-total)
	}
}

// TestServeOnceSMTPDown checks that mail waits in the outbox while the
// server refuses it, and goes when it is back, once.
func TestServeOnceSMTPDown(t *testing.T) {
	srv, environ, g := setupReplies(t)
	environ = append(environ, "ALLIANCEBOT_SMTP_TIMEOUT=2s")
	g.set(true)
	serveOnce(t, environ) // stores and queues; the 421s defer the messages

	stdout, _, err := runCmd(t, t.Context(), environ, "outbox", "list", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var queued int
	var ids []uint64
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var o store.Outgoing
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		if o.State == store.OutQueued && strings.Contains(o.LastError, "421") {
			queued++
			ids = append(ids, o.ID)
		}
	}
	if queued == 0 || len(srv.Deliveries()) != 0 {
		t.Fatalf("with the server refusing: %d queued, %d delivered; want all queued", queued, len(srv.Deliveries()))
	}

	// Staff can send one now rather than wait for its next try.
	g.set(false)
	stdout, _, err = runCmd(t, t.Context(), environ, "outbox", "retry", "1")
	if err != nil || !strings.Contains(stdout, "queued to be sent now") {
		t.Fatalf("outbox retry 1 = %q, %v", stdout, err)
	}
	serveOnce(t, environ)
	if n := len(srv.Deliveries()); n != 1 {
		t.Errorf("after retry of one: %d delivered, want 1 (the others wait for their time)", n)
	}
	// The rest go at their next try; make it now.
	for _, id := range ids[1:] {
		if _, _, err := runCmd(t, t.Context(), environ, "outbox", "retry", strconv.FormatUint(id, 10)); err != nil {
			t.Fatal(err)
		}
	}
	serveOnce(t, environ)
	if n := len(srv.Deliveries()); n != queued {
		t.Errorf("after the server came back: %d delivered, want %d", n, queued)
	}
	_, _, err = runCmd(t, t.Context(), environ, "outbox", "retry", "1")
	if !errors.Is(err, store.ErrAlreadySent) {
		t.Errorf("outbox retry of a sent message = %v, want ErrAlreadySent", err)
	}
}

// TestOutboxCommands reads the outbox from the file and through a running
// daemon.
func TestOutboxCommands(t *testing.T) {
	srv, environ, _ := setupReplies(t)
	serveOnce(t, environ)

	stdout, _, err := runCmd(t, t.Context(), environ, "outbox", "list")
	if err != nil || !strings.Contains(stdout, "ack") || !strings.Contains(stdout, "staff_join") || !strings.Contains(stdout, "\n0 queued, 17 sent, 0 failed") {
		t.Errorf("outbox list = %q, %v", stdout, err)
	}
	stdout, _, err = runCmd(t, t.Context(), environ, "outbox", "show", "1")
	if err != nil || !strings.Contains(stdout, "In answer to") || !strings.Contains(stdout, "Server said") {
		t.Errorf("outbox show 1 = %q, %v", stdout, err)
	}
	raw, _, err := runCmd(t, t.Context(), environ, "outbox", "show", "1", "--raw")
	if err != nil || !bytes.HasSuffix(srv.Deliveries()[0].Data, []byte(raw)) {
		t.Errorf("outbox show 1 --raw is not what the server received (%v)", err)
	}
	stdout, _, err = runCmd(t, t.Context(), environ, "messages", "show", "1")
	if err != nil || !strings.Contains(stdout, "outbox 1") {
		t.Errorf("messages show 1 does not name its reply: %q, %v", stdout, err)
	}
	if _, _, err := runCmd(t, t.Context(), environ, "outbox", "show", "999"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("outbox show 999 = %v, want ErrNotFound", err)
	}
	if _, _, err := runCmd(t, t.Context(), environ, "outbox", "list", "--state", "lost"); err == nil {
		t.Error("outbox list --state lost: nil error")
	}

	// While serve runs, the same commands go through its control socket.
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := runCmd(t, ctx, environ, "serve")
		done <- err
	}()
	dbPath := strings.TrimPrefix(environ[slices.IndexFunc(environ, func(s string) bool { return strings.HasPrefix(s, "ALLIANCEBOT_STORE_PATH=") })], "ALLIANCEBOT_STORE_PATH=")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if c, err := control.Dial(control.SocketPath(dbPath)); err == nil {
			if _, err := c.GetOutgoing(ctx, 1); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("serve did not answer on its control socket within 20s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	stdout, _, err = runCmd(t, t.Context(), environ, "outbox", "list", "--state", "sent")
	if err != nil || !strings.Contains(stdout, "sent") {
		t.Errorf("outbox list through the daemon = %q, %v", stdout, err)
	}
	if _, _, err := runCmd(t, t.Context(), environ, "outbox", "retry", "1"); !errors.Is(err, store.ErrAlreadySent) {
		t.Errorf("outbox retry through the daemon = %v, want ErrAlreadySent", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve = %v", err)
	}
}

// TestServeAnswersLive runs serve and sends it a message over SMTP, as an
// authority would: the acknowledgement goes out without waiting for a poll.
func TestServeAnswersLive(t *testing.T) {
	srv, environ, _ := setupReplies(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := runCmd(t, ctx, environ, "serve")
		done <- err
	}()
	waitSent := func(addr string, n int) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for len(sentTo(srv, addr)) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s got %d messages within 20s, want %d", addr, len(sentTo(srv, addr)), n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitSent(staffAddr, 1)
	msg := "From: Gemeente Utrecht <bestuur@utrecht.example.nl>\r\nTo: " + botAddr + "\r\nSubject: Joining the Alliance\r\n" +
		"Message-ID: <live-1@utrecht.example.nl>\r\n\r\nDear secretariat,\r\n\r\nThe municipality of Utrecht (Netherlands) would like to join " +
		"the European Alliance of Cities and Regions for Roma Inclusion.\r\n\r\nKind regards,\r\nJan de Vries, Alderman\r\n"
	if err := netsmtp.SendMail(srv.SMTPAddr, nil, "bestuur@utrecht.example.nl", []string{botAddr}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	waitSent("bestuur@utrecht.example.nl", 1)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve = %v", err)
	}
}
