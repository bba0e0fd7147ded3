package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coe-congress/alliancebot/internal/dovecot"
	"github.com/coe-congress/alliancebot/internal/imaptest"
	"github.com/coe-congress/alliancebot/internal/postfix"
	"github.com/coe-congress/alliancebot/store"
)

// TestDigestThroughPostfix sends a digest through a real Postfix into real
// Dovecot mailboxes, killing `digest send` with SIGKILL several times on
// the way: every member gets the digest, and only what was in flight at a
// kill can come twice. One member's address does not exist: Postfix bounces
// the digest to its VERP return path, the bounce lands in the bot's own
// mailbox, and serve suppresses the member.
func TestDigestThroughPostfix(t *testing.T) {
	const members = 60
	users := []string{"roma.summit"}
	for i := range members {
		users = append(users, fmt.Sprintf("m%02d", i))
	}
	dv := dovecot.StartT(t, dovecot.Options{Users: users, LMTP: true})
	pf := postfix.StartT(t, postfix.Options{LMTP: dv.LMTPAddr})

	dir := t.TempDir()
	dbPath := filepath.Join(dir, "bot.db")
	environ := append(daemonEnv(dv, dbPath),
		"ALLIANCEBOT_SMTP_ADDR="+pf.Addr, "ALLIANCEBOT_SMTP_TLS=none", "ALLIANCEBOT_SMTP_FROM=roma.summit@example.org",
		"ALLIANCEBOT_SMTP_CONNECTIONS=2", "ALLIANCEBOT_SMTP_RATE=40", "ALLIANCEBOT_SMTP_TIMEOUT=5s",
		"ALLIANCEBOT_HTTP_PUBLIC_URL=https://alliance.example.org/bot", "ALLIANCEBOT_STAFF_SUMMARY_TIME=")
	var csv strings.Builder
	csv.WriteString("email,authority,country,language\n")
	for i := range members {
		lang := []string{"en", "fr"}[i%2]
		fmt.Fprintf(&csv, "m%02d@example.org,Town %d,FR,%s\n", i, i, lang)
	}
	csv.WriteString("ghost@example.org,Ghost Town,FR,en\n")
	csvPath := filepath.Join(dir, "members.csv")
	os.WriteFile(csvPath, []byte(csv.String()), 0o600)
	body := filepath.Join(dir, "news.txt")
	os.WriteFile(body, []byte(strings.Repeat("Member cities compared what works in housing and schooling. ", 40)), 0o600)
	for _, args := range [][]string{{"members", "import", csvPath}, {"news", "add", "--title", "Roma Week 2026", "--body-file", body}} {
		if out, stderr, err := runCmd(t, t.Context(), environ, args...); err != nil {
			t.Fatalf("%v: %v\n%s%s", args, err, out, stderr)
		}
	}

	// Kill `digest send` at random points (40 messages a second: a run
	// takes about 1.5 s); after each kill, count what was in flight: the
	// deliveries claimed and not recorded, which the next run sends again.
	inFlight, kills := 0, 0
	for range 4 {
		cmd := startChild(t, environ, "digest", "send")
		time.Sleep(time.Duration(150+rand.IntN(500)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		kills++
		db, err := store.Open(dbPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d, err := db.UnfinishedDigest(); err == nil {
			inFlight += d.Counts[store.DeliveryClaimed]
		}
		db.Close()
	}
	cmd := startChild(t, environ, "digest", "send")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("final digest send: %v", err)
	}
	if err := pf.WaitEmpty(60 * time.Second); err != nil {
		t.Fatal(err)
	}

	missed, dups := 0, 0
	for i := range members {
		user := fmt.Sprintf("m%02d", i)
		var got [][]byte
		waitFor(t, 30*time.Second, func() bool {
			c, err := imaptest.Dial(dv.Addr, user, dovecot.Password(user))
			if err != nil {
				return false
			}
			defer c.Close()
			got, err = imaptest.FetchAll(c, "INBOX")
			return err == nil && len(got) > 0
		})
		n := 0
		for _, raw := range got {
			m, err := mail.ReadMessage(bytes.NewReader(raw))
			if err == nil && m.Header.Get("List-Id") != "" {
				n++
				if lang := m.Header.Get("Content-Language"); lang != []string{"en", "fr"}[i%2] {
					t.Errorf("%s got the digest in %q", user, lang)
				}
			}
		}
		if n == 0 {
			missed++
		}
		dups += max(n-1, 0)
	}
	t.Logf("%d kills: %d deliveries in flight at the kills, %d sent twice, %d missed", kills, inFlight, dups, missed)
	if missed != 0 {
		t.Errorf("%d members never got the digest", missed)
	}
	if dups > inFlight {
		t.Errorf("%d duplicates, more than the %d in flight at the kills", dups, inFlight)
	}

	// Postfix bounced the digest to ghost@ to the VERP address, which
	// Dovecot delivered into the bot's mailbox: serve reads it and
	// suppresses the member.
	waitFor(t, 60*time.Second, func() bool {
		c, err := imaptest.Dial(dv.Addr, dv.User, dv.Password)
		if err != nil {
			return false
		}
		defer c.Close()
		n, err := imaptest.Count(c, "INBOX")
		return err == nil && n > 0
	})
	if _, stderr, err := runCmd(t, t.Context(), environ, "serve", "--once"); err != nil {
		t.Fatalf("serve --once: %v\n%s", err, stderr)
	}
	out, _, err := runCmd(t, t.Context(), environ, "members", "list", "--suppressed")
	if err != nil || !strings.Contains(out, "ghost@example.org") || !strings.Contains(out, "hard_bounce") {
		t.Errorf("after Postfix's bounce: members list --suppressed = %q, %v; want ghost@example.org, hard_bounce", out, err)
	}
	if strings.Contains(out, "m0") {
		t.Errorf("a member who got the digest is suppressed:\n%s", out)
	}
}
