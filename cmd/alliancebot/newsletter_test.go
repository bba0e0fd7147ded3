package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/mail"
	netsmtp "net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coe-congress/alliancebot/internal/control"
	"github.com/coe-congress/alliancebot/internal/memserver"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestDigestEndToEnd runs serve and works the newsletter as staff would,
// from the command line while the daemon runs: import members, add news,
// send the digest. Then one member unsubscribes with the link of the
// digest, another's mailbox bounces it back to the VERP address, and the
// next digest goes to the last member only.
func TestDigestEndToEnd(t *testing.T) {
	srv, err := memserver.Start(memserver.Options{Local: func(addr string) bool {
		return strings.HasPrefix(strings.ToLower(addr), "roma.summit@") || strings.HasPrefix(strings.ToLower(addr), "roma.summit+")
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	web := freeAddr(t)
	dbPath := filepath.Join(dir, "bot.db")
	environ := []string{
		"ALLIANCEBOT_IMAP_ADDR=" + srv.IMAPAddr, "ALLIANCEBOT_IMAP_USERNAME=" + srv.User,
		"ALLIANCEBOT_IMAP_PASSWORD=" + srv.Password, "ALLIANCEBOT_IMAP_TLS=none", "ALLIANCEBOT_IMAP_POLL_INTERVAL=100ms",
		"ALLIANCEBOT_SMTP_ADDR=" + srv.SMTPAddr, "ALLIANCEBOT_SMTP_TLS=none", "ALLIANCEBOT_SMTP_FROM=roma.summit@coe.int",
		"ALLIANCEBOT_SMTP_RATE=0", "ALLIANCEBOT_SMTP_CONNECTIONS=2",
		"ALLIANCEBOT_HTTP_ADDR=" + web, "ALLIANCEBOT_HTTP_PUBLIC_URL=http://" + web + "/bot",
		"ALLIANCEBOT_DIGEST_SCHEDULE=", "ALLIANCEBOT_STAFF_SUMMARY_TIME=",
		"ALLIANCEBOT_STORE_PATH=" + dbPath,
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, _, err := runCmd(t, ctx, environ, "serve")
		done <- err
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve = %v", err)
		}
	}()
	waitFor(t, 20*time.Second, func() bool {
		_, err := control.Dial(control.SocketPath(dbPath))
		return err == nil
	})
	cli := func(args ...string) string {
		t.Helper()
		out, stderr, err := runCmd(t, t.Context(), environ, args...)
		if err != nil {
			t.Fatalf("%s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return out
	}

	csv := filepath.Join(dir, "members.csv")
	os.WriteFile(csv, []byte("email,authority,country,language\n"+
		"mairie@saint-aubin.example.fr,Commune de Saint-Aubin,FR,fr\n"+
		"office@brno.example.cz,Statutory City of Brno,CZ,en\n"+
		"kabinet@leskovac.example.rs,City of Leskovac,RS,en\n"+
		"broken line without enough fields\n"), 0o600)
	if out := cli("members", "import", csv); !strings.Contains(out, "3 added") || !strings.Contains(out, "line 5") {
		t.Errorf("members import = %q, want 3 added and line 5 refused", out)
	}
	body := filepath.Join(dir, "news.txt")
	os.WriteFile(body, []byte("Twelve member cities met in Strasbourg on 24 November."), 0o600)
	cli("news", "add", "--title", "Roma Week 2026", "--body-file", body)
	out := cli("digest", "send")
	if !strings.Contains(out, "3/3 done") || !strings.Contains(out, "3 sent") {
		t.Errorf("digest send = %q, want progress to 3/3 and 3 sent", out)
	}

	digests := map[string]*mail.Message{}
	returnPath := map[string]string{}
	for _, d := range srv.Deliveries() {
		m, err := mail.ReadMessage(bytes.NewReader(d.Data))
		if err != nil {
			t.Fatal(err)
		}
		if m.Header.Get("List-Id") != "" {
			digests[d.To[0]] = m
			returnPath[d.To[0]] = d.From
		}
	}
	if len(digests) != 3 {
		t.Fatalf("%d members got the digest, want 3", len(digests))
	}
	if got := digests["mairie@saint-aubin.example.fr"].Header.Get("Content-Language"); got != "fr" {
		t.Errorf("French member's digest in %q", got)
	}

	// Saint-Aubin clicks the link of its List-Unsubscribe header.
	lu := digests["mairie@saint-aubin.example.fr"].Header.Get("List-Unsubscribe")
	link := strings.Trim(strings.Split(lu, ",")[0], "<> ")
	if !strings.HasPrefix(link, "http://"+web+"/bot/unsubscribe/") {
		t.Fatalf("List-Unsubscribe = %q", lu)
	}
	resp, err := http.Post(link, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("one-click POST = %d", resp.StatusCode)
	}

	// Brno's server bounces the digest to the VERP return path; the report
	// names an address that is not the member's (a forward), as real ones do.
	dsn := fmt.Sprintf("From: Mail Delivery System <MAILER-DAEMON@mx.brno.example.cz>\r\nTo: %s\r\n"+
		"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@mx.brno.example.cz>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"+
		"Delivery failed.\r\n\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.brno.example.cz\r\n\r\n"+
		"Final-Recipient: rfc822; j.novak@internal.brno.example.cz\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b--\r\n", returnPath["office@brno.example.cz"])
	if err := netsmtp.SendMail(srv.SMTPAddr, nil, "", []string{returnPath["office@brno.example.cz"]}, []byte(dsn)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, func() bool {
		out, _, _ := runCmd(t, t.Context(), environ, "members", "list", "--suppressed")
		return strings.Contains(out, "office@brno.example.cz") && strings.Contains(out, "hard_bounce") &&
			strings.Contains(out, "mairie@saint-aubin.example.fr")
	})

	// The next digest goes to Leskovac only.
	cli("news", "add", "--title", "Call for projects", "--body-file", body)
	before := len(srv.Deliveries())
	out = cli("digest", "send")
	if !strings.Contains(out, "1 sent") {
		t.Errorf("second digest send = %q, want 1 sent", out)
	}
	var to []string
	for _, d := range srv.Deliveries()[before:] {
		to = append(to, d.To...)
	}
	if strings.Join(to, ",") != "kabinet@leskovac.example.rs" {
		t.Errorf("second digest went to %v, want Leskovac only", to)
	}
	// Nobody acknowledged the bounce, and the digest sent nothing back.
	for _, d := range srv.Deliveries()[before:] {
		if strings.Contains(strings.Join(d.To, ","), "brno") {
			t.Errorf("mail to the bounced address: %v", d.To)
		}
	}
}

func TestNextWeekly(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	mon9 := 9 * time.Hour
	for _, tt := range []struct{ now, want time.Time }{
		{time.Date(2026, 11, 30, 8, 0, 0, 0, loc), time.Date(2026, 11, 30, 9, 0, 0, 0, loc)},  // Monday before 09:00
		{time.Date(2026, 11, 30, 9, 0, 0, 0, loc), time.Date(2026, 12, 7, 9, 0, 0, 0, loc)},   // at 09:00: next week
		{time.Date(2026, 12, 2, 15, 0, 0, 0, loc), time.Date(2026, 12, 7, 9, 0, 0, 0, loc)},   // Wednesday
		{time.Date(2026, 12, 27, 23, 0, 0, 0, loc), time.Date(2026, 12, 28, 9, 0, 0, 0, loc)}, // Sunday night, over the year end
	} {
		if got := nextWeekly(tt.now, time.Monday, mon9); !got.Equal(tt.want) {
			t.Errorf("nextWeekly(%v) = %v, want %v", tt.now, got, tt.want)
		}
	}
}
