package main

import (
	"bufio"
	"bytes"
	crand "crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-msgauth/dkim"
	"github.com/jhillyerd/enmime/v2"

	"github.com/coe-congress/alliancebot/internal/dovecot"
	"github.com/coe-congress/alliancebot/internal/imaptest"
	"github.com/coe-congress/alliancebot/internal/postfix"
	"github.com/coe-congress/alliancebot/store"
)

// The tests of this file check the answers of issue 4 end to end: the daemon
// reads a real Dovecot, sends through a real Postfix, and Postfix relays every
// domain over LMTP into the same Dovecot, so that the mailboxes of the
// authorities, of staff and of other bots are Dovecot users whose INBOX the
// test reads back, as the recipients would. They skip like the Dovecot tests
// (and fail instead on CI=true or REQUIRE_INTEGRATION=1); Postfix must run as
// root.

// labDomain is the domain of every address of the lab: Postfix relays it,
// and Dovecot delivers user@labDomain to the login user.
const labDomain = "example.org"

func labAddr(user string) string { return user + "@" + labDomain }

// lab is a Dovecot holding every mailbox and a Postfix relaying all mail
// into it.
type lab struct {
	dove *dovecot.Server
	post *postfix.Server
}

// startLab starts Dovecot with the logins users, and a Postfix in front of
// it. Both stop when t ends, Postfix first.
func startLab(t *testing.T, users ...string) *lab {
	t.Helper()
	d := dovecot.StartT(t, dovecot.Options{Users: users, LMTP: true})
	p := postfix.StartT(t, postfix.Options{LMTP: d.LMTPAddr})
	return &lab{dove: d, post: p}
}

// botEnv is the environment of a bot reading the mailbox of login user,
// writing from user@labDomain, with its store at db. extra come last and win.
func (l *lab) botEnv(user, db string, extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"ALLIANCEBOT_IMAP_ADDR=" + l.dove.Addr,
		"ALLIANCEBOT_IMAP_USERNAME=" + user,
		"ALLIANCEBOT_IMAP_PASSWORD=" + dovecot.Password(user),
		"ALLIANCEBOT_IMAP_TLS=none",
		"ALLIANCEBOT_IMAP_BATCH_SIZE=25",
		"ALLIANCEBOT_IMAP_POLL_INTERVAL=250ms",
		"ALLIANCEBOT_IMAP_IDLE_RECHECK=2s",
		"ALLIANCEBOT_SMTP_ADDR=" + l.post.Addr,
		"ALLIANCEBOT_SMTP_TLS=none",
		"ALLIANCEBOT_SMTP_FROM=" + labAddr(user),
		"ALLIANCEBOT_SMTP_TIMEOUT=5s",
		// The daily summary would add a staff message depending on the
		// time of day the test runs at.
		"ALLIANCEBOT_STAFF_SUMMARY_TIME=",
		"ALLIANCEBOT_STORE_PATH=" + db,
	}
	return append(env, extra...)
}

func (l *lab) dial(t *testing.T, user string) *imapclient.Client {
	t.Helper()
	c, err := imaptest.Dial(l.dove.Addr, user, dovecot.Password(user))
	if err != nil {
		t.Fatalf("log in to dovecot as %s: %v", user, err)
	}
	return c
}

// appendTo appends msgs to the INBOX of user.
func (l *lab) appendTo(t *testing.T, user string, msgs ...[]byte) {
	t.Helper()
	c := l.dial(t, user)
	defer c.Close()
	if err := imaptest.Append(c, "INBOX", msgs...); err != nil {
		t.Fatalf("append to the INBOX of %s: %v", user, err)
	}
}

// fetch returns the messages in mailbox of user.
func (l *lab) fetch(t *testing.T, user, mailbox string) [][]byte {
	t.Helper()
	c := l.dial(t, user)
	defer c.Close()
	if n, err := imaptest.Count(c, mailbox); err != nil || n == 0 {
		if err != nil {
			t.Fatalf("count %s of %s: %v", mailbox, user, err)
		}
		return nil
	}
	raws, err := imaptest.FetchAll(c, mailbox)
	if err != nil {
		t.Fatalf("fetch %s of %s: %v", mailbox, user, err)
	}
	return raws
}

// count returns how many messages mailbox of user holds.
func (l *lab) count(t *testing.T, user, mailbox string) int {
	t.Helper()
	c := l.dial(t, user)
	defer c.Close()
	n, err := imaptest.Count(c, mailbox)
	if err != nil {
		t.Fatalf("count %s of %s: %v", mailbox, user, err)
	}
	return n
}

// delivered waits until Postfix has delivered (or bounced) all it accepted.
func (l *lab) delivered(t *testing.T) {
	t.Helper()
	if err := l.post.WaitEmpty(time.Minute); err != nil {
		t.Fatalf("%v\n%s", err, l.post.LogTail(30))
	}
}

// postfixLog reads the Postfix log and counts, among the messages whose
// Message-ID starts with prefix (duplicates included), those whose data
// Postfix began to take (its cleanup daemon logged the Message-ID; a client
// that dies before the final dot leaves such a message behind, discarded)
// and those it accepted into its queue (its queue manager took them).
func (l *lab) postfixLog(t *testing.T, prefix string) (started, queued int) {
	t.Helper()
	f, err := os.Open(filepath.Join(l.post.Dir, "postfix.log"))
	if err != nil {
		t.Fatalf("postfix log: %v", err)
	}
	defer f.Close()
	ours := map[string]bool{} // queue IDs of the messages with prefix
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		// "... postfix/cleanup[12]: 689209BC78B: message-id=<...>"
		// "... postfix/qmgr[10]: 689209BC78B: from=<...>, size=..., nrcpt=1 (queue active)"
		line := sc.Text()
		_, rest, ok := strings.Cut(line, "]: ")
		if !ok {
			continue
		}
		qid, what, ok := strings.Cut(rest, ": ")
		if !ok {
			continue
		}
		switch {
		case strings.Contains(line, "/cleanup[") && strings.HasPrefix(what, "message-id=<"+prefix):
			started++
			ours[qid] = true
		case strings.Contains(line, "/qmgr[") && strings.HasPrefix(what, "from=<") && ours[qid]:
			queued++
			delete(ours, qid) // a deferred message is taken again later
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("postfix log: %v", err)
	}
	return started, queued
}

// accepted counts the messages with a Message-ID starting with prefix that
// Postfix accepted, duplicates included.
func (l *lab) accepted(t *testing.T, prefix string) int {
	t.Helper()
	_, n := l.postfixLog(t, prefix)
	return n
}

// pollUntil calls cond every interval until it holds, and fails t after
// timeout; for conditions too costly for waitFor's pace.
func pollUntil(t *testing.T, timeout, interval time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", timeout)
		}
		time.Sleep(interval)
	}
}

// labMail returns s with CRLF line endings.
func labMail(s string) []byte {
	return []byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))
}

// The mail the bot receives in these tests.
var (
	labQuestionnaireID = "<answers.2026-04-14.cluj@example.org>"
	labQuestionnaire   = labMail(`From: Ana Popescu <ana@example.org>
To: Alliance <alliance@example.org>
Subject: Questionnaire - Cluj-Napoca
Date: Tue, 14 Apr 2026 10:00:00 +0300
Message-ID: <answers.2026-04-14.cluj@example.org>
References: <questionnaire.2026@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Dear colleagues,

Please find our answers to the questionnaire below.

1. Name of the local or regional authority: Municipality of Cluj-Napoca
2. Country: Romania
3. Type of authority: [x] Municipality
4. Population: 286 598
10. Is your authority interested in joining the Alliance? Yes
11. Thematic priorities: [x] Education [x] Housing [x] Employment
16. May we send you the Alliance newsletter? Yes

Kind regards,
Ana Popescu
Department of Social Affairs, Cluj-Napoca City Hall
`)

	labJoinID = "<adhesion.saint-aubin.42@example.org>"
	labJoin   = labMail(`From: Mairie de Saint-Aubin <mairie@example.org>
To: alliance@example.org
Subject: =?utf-8?q?Demande_d=27adh=C3=A9sion_=C3=A0_l=27Alliance?=
Date: Tue, 14 Apr 2026 11:15:00 +0200
Message-ID: <adhesion.saint-aubin.42@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Madame, Monsieur,

Par délibération du conseil municipal du 2 avril 2026, la commune de
Saint-Aubin-sur-Loire (France) souhaite adhérer à l'Alliance européenne des
villes et des régions pour l'inclusion des Roms. Pourriez-vous nous indiquer
la marche à suivre ?

Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations
distinguées.

Claire Martin
Maire de Saint-Aubin-sur-Loire
`)

	labOutOfOffice = labMail(`Return-Path: <leskovac@example.org>
From: Jelena Petrović <leskovac@example.org>
To: alliance@example.org
Subject: Automatski odgovor / Out of office: Questionnaire
Date: Tue, 14 Apr 2026 09:31:02 +0200
Message-ID: <ooo.1776151862@example.org>
In-Reply-To: <questionnaire.2026@example.org>
Auto-Submitted: auto-replied
X-Autoreply: yes
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Poštovani,

Odsutna sam do 24. aprila. U hitnim slučajevima obratite se kancelariji
gradonačelnika Leskovca.

I am out of the office until 24 April. For urgent matters please contact the
office of the Mayor of Leskovac.
`)

	labBounce = labMail(`Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@example.org>
To: alliance@example.org
Subject: Undelivered Mail Returned to Sender
Date: Tue, 14 Apr 2026 09:31:09 +0200
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="B0UNCE.1776151869/mx.example.org"
Message-Id: <20260414073109.B0UNCE@mx.example.org>

This is a MIME-encapsulated message.

--B0UNCE.1776151869/mx.example.org
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.org.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<socialne.veci@presov.example.sk>: host mx1.presov.example.sk[198.51.100.23]
    said: 550 5.1.1 <socialne.veci@presov.example.sk>: Recipient address
    rejected: User unknown in virtual mailbox table (in reply to RCPT TO
    command)

--B0UNCE.1776151869/mx.example.org
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
X-Postfix-Queue-ID: B0UNCE
X-Postfix-Sender: rfc822; alliance@example.org
Arrival-Date: Tue, 14 Apr 2026 09:31:07 +0200 (CEST)

Final-Recipient: rfc822; socialne.veci@presov.example.sk
Original-Recipient: rfc822;socialne.veci@presov.example.sk
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx1.presov.example.sk
Diagnostic-Code: smtp; 550 5.1.1 <socialne.veci@presov.example.sk>: Recipient
    address rejected: User unknown in virtual mailbox table

--B0UNCE.1776151869/mx.example.org--
`)
)

// labDKIM is a DKIM key of the lab: the PEM file the bot signs with and the
// TXT record a receiver would find in DNS.
type labDKIM struct {
	file, selector, txt string
}

func newLabDKIM(t *testing.T) labDKIM {
	t.Helper()
	key, err := rsa.GenerateKey(crand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return labDKIM{file: file, selector: "ab2026", txt: "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub)}
}

// verify checks raw's DKIM signatures against k's public key.
func (k labDKIM) verify(raw []byte) ([]*dkim.Verification, error) {
	return dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			if domain == k.selector+"._domainkey."+labDomain {
				return []string{k.txt}, nil
			}
			return nil, fmt.Errorf("no TXT record for %s", domain)
		},
	})
}

// labMessage is a message read back from a recipient's mailbox.
type labMessage struct {
	raw    []byte
	header mail.Header
}

func readLabMessage(t *testing.T, raw []byte) labMessage {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read delivered message: %v\n%s", err, raw)
	}
	return labMessage{raw: raw, header: m.Header}
}

// mime returns m's MIME structure and its text and HTML, decoded.
func (m labMessage) mime(t *testing.T) *enmime.Envelope {
	t.Helper()
	env, err := enmime.ReadEnvelope(bytes.NewReader(m.raw))
	if err != nil {
		t.Fatalf("read delivered message: %v", err)
	}
	return env
}

// get returns the field name, decoded, on one line.
func (m labMessage) get(name string) string {
	v := m.header.Get(name)
	if d, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		v = d
	}
	return strings.Join(strings.Fields(v), " ")
}

// inReplyTo returns, for each message in raws, its In-Reply-To field.
func inReplyTo(t *testing.T, raws [][]byte) []string {
	t.Helper()
	var out []string
	for _, raw := range raws {
		out = append(out, readLabMessage(t, raw).get("In-Reply-To"))
	}
	return out
}

// labOutbox runs `outbox list --json` and returns what it lists.
func labOutbox(t *testing.T, environ []string) []store.Outgoing {
	t.Helper()
	stdout, stderr, err := runCmd(t, t.Context(), environ, "outbox", "list", "--json")
	if err != nil {
		t.Fatalf("outbox list --json: %v\n%s", err, stderr)
	}
	var out []store.Outgoing
	dec := json.NewDecoder(strings.NewReader(stdout))
	for {
		var o store.Outgoing
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("outbox list --json: %v in\n%s", err, stdout)
		}
		out = append(out, o)
	}
}

// labServeOnce runs `serve --once` in process and fails t if it fails.
func labServeOnce(t *testing.T, environ []string) string {
	t.Helper()
	_, stderr, err := runCmd(t, t.Context(), environ, "serve", "--once")
	if err != nil {
		t.Fatalf("serve --once: %v\n%s", err, stderr)
	}
	return stderr
}

// checkAck checks the acknowledgement ack of the message with Message-ID
// parent, written in lang, that must name authority.
func checkAck(t *testing.T, who string, ack labMessage, parent, subject, lang, authority string) {
	t.Helper()
	for name, want := range map[string]string{
		"Subject":                  subject,
		"In-Reply-To":              parent,
		"Auto-Submitted":           "auto-replied",
		"X-Auto-Response-Suppress": "All",
		"Content-Language":         lang,
	} {
		if got := ack.get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", who, name, got, want)
		}
	}
	if refs := strings.Fields(ack.get("References")); len(refs) == 0 || refs[len(refs)-1] != parent {
		t.Errorf("%s: References = %q, want it to end with %s", who, ack.get("References"), parent)
	}
	if from, err := mail.ParseAddress(ack.header.Get("From")); err != nil || from.Address != labAddr("alliance") {
		t.Errorf("%s: From = %q, want %s", who, ack.header.Get("From"), labAddr("alliance"))
	}
	if rp := ack.header.Get("Return-Path"); rp != "<"+labAddr("alliance")+">" {
		t.Errorf("%s: Return-Path = %q, want the bot's address as the envelope sender", who, rp)
	}
	if len(ack.header["Received"]) == 0 {
		t.Errorf("%s: no Received field: the message did not go through Postfix", who)
	}
	mt, _, err := mime.ParseMediaType(ack.header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Errorf("%s: Content-Type = %q, want multipart/alternative", who, ack.header.Get("Content-Type"))
	}
	env := ack.mime(t)
	var types []string
	for p := env.Root.FirstChild; p != nil; p = p.NextSibling {
		types = append(types, p.ContentType)
	}
	if !slices.Equal(types, []string{"text/plain", "text/html"}) {
		t.Errorf("%s: parts %v, want text/plain then text/html", who, types)
	}
	if !strings.Contains(env.Text, authority) {
		t.Errorf("%s: the text does not name %q:\n%s", who, authority, env.Text)
	}
	if !strings.Contains(env.HTML, authority) {
		t.Errorf("%s: the HTML does not name %q", who, authority)
	}
}

// checkSigned checks that m carries one DKIM signature of labDomain that
// verifies with k, covers the fields that make a reply, and breaks when one
// of them is changed.
func checkSigned(t *testing.T, who string, k labDKIM, m labMessage) {
	t.Helper()
	vs, err := k.verify(m.raw)
	if err != nil || len(vs) != 1 {
		t.Errorf("%s: DKIM: %d signatures, %v; want one", who, len(vs), err)
		return
	}
	v := vs[0]
	if v.Err != nil || v.Domain != labDomain {
		t.Errorf("%s: DKIM signature of %q does not verify after transit: %v", who, v.Domain, v.Err)
	}
	for _, h := range []string{"from", "to", "subject", "date", "message-id", "auto-submitted", "content-language", "content-type"} {
		if !slices.ContainsFunc(v.HeaderKeys, func(k string) bool { return strings.EqualFold(k, h) }) {
			t.Errorf("%s: DKIM signature does not cover %s (h=%v)", who, h, v.HeaderKeys)
		}
	}
	// The verifier really checks: a changed field breaks the signature.
	tampered := bytes.Replace(m.raw, []byte("\r\nAuto-Submitted: auto-"), []byte("\r\nAuto-Submitted: no\r\nX-Was: auto-"), 1)
	if bytes.Equal(tampered, m.raw) {
		t.Errorf("%s: no Auto-Submitted field to tamper with", who)
		return
	}
	if vs, err := k.verify(tampered); err == nil && len(vs) == 1 && vs[0].Err == nil {
		t.Errorf("%s: DKIM still verifies with Auto-Submitted changed: the check proves nothing", who)
	}
}

// TestRepliesDelivered sends the replies of a questionnaire, a French join
// letter, an out-of-office and a bounce through Postfix and reads them back
// from the recipients' mailboxes: one acknowledgement each to the
// questionnaire and the join letter, threaded, in their language, with an
// HTML alternative and a DKIM signature that survived transit; staff told of
// the join request; nothing to the out-of-office or the bounce.
func TestRepliesDelivered(t *testing.T) {
	users := []string{"alliance", "ana", "mairie", "leskovac", "mailer-daemon", "staff"}
	l := startLab(t, users...)
	key := newLabDKIM(t)
	l.appendTo(t, "alliance", labQuestionnaire, labJoin, labOutOfOffice, labBounce)
	environ := l.botEnv("alliance", filepath.Join(t.TempDir(), "bot.db"),
		"ALLIANCEBOT_STAFF_ADDRESSES="+labAddr("staff"),
		"ALLIANCEBOT_DKIM_KEY_FILE="+key.file,
		"ALLIANCEBOT_DKIM_SELECTOR="+key.selector,
	)

	start := time.Now()
	labServeOnce(t, environ)
	l.delivered(t)
	t.Logf("serve --once and delivery: %v", time.Since(start).Round(time.Millisecond))

	if n := l.count(t, "alliance", "INBOX"); n != 0 {
		t.Errorf("the bot's INBOX holds %d messages after serve --once, want 0", n)
	}
	got := map[string][][]byte{}
	for _, u := range users[1:] {
		got[u] = l.fetch(t, u, "INBOX")
	}
	for u, want := range map[string]int{"ana": 1, "mairie": 1, "staff": 1, "leskovac": 0, "mailer-daemon": 0} {
		if len(got[u]) != want {
			t.Errorf("%s received %d messages, want %d; In-Reply-To: %q", u, len(got[u]), want, inReplyTo(t, got[u]))
		}
	}
	sentIDs := map[string]bool{}
	if len(got["ana"]) == 1 {
		ack := readLabMessage(t, got["ana"][0])
		checkAck(t, "questionnaire acknowledgement", ack, labQuestionnaireID,
			"Re: Questionnaire - Cluj-Napoca", "en", "Cluj-Napoca")
		if refs := strings.Fields(ack.get("References")); !slices.Equal(refs, []string{"<questionnaire.2026@example.org>", labQuestionnaireID}) {
			t.Errorf("questionnaire acknowledgement: References = %q, want the thread then the message", refs)
		}
		if to, err := mail.ParseAddress(ack.header.Get("To")); err != nil || to.Address != labAddr("ana") {
			t.Errorf("questionnaire acknowledgement: To = %q", ack.header.Get("To"))
		}
		checkSigned(t, "questionnaire acknowledgement", key, ack)
		sentIDs[ack.get("Message-ID")] = true
	}
	if len(got["mairie"]) == 1 {
		ack := readLabMessage(t, got["mairie"][0])
		checkAck(t, "join acknowledgement", ack, labJoinID,
			"Re: Demande d'adhésion à l'Alliance", "fr", "Saint-Aubin-sur-Loire")
		if text := ack.mime(t).Text; !strings.Contains(text, "1. Nom de la collectivité") {
			t.Errorf("join acknowledgement: no French questionnaire to fill in:\n%s", text)
		}
		checkSigned(t, "join acknowledgement", key, ack)
		sentIDs[ack.get("Message-ID")] = true
	}
	if len(got["staff"]) == 1 {
		n := readLabMessage(t, got["staff"][0])
		if n.get("Auto-Submitted") != "auto-generated" || n.get("In-Reply-To") != "" {
			t.Errorf("staff notice: Auto-Submitted %q, In-Reply-To %q; want auto-generated and none", n.get("Auto-Submitted"), n.get("In-Reply-To"))
		}
		if text := n.mime(t).Text; !strings.Contains(text, "Saint-Aubin-sur-Loire") || !strings.Contains(text, labAddr("mairie")) {
			t.Errorf("staff notice does not say who asked to join:\n%s", text)
		}
		checkSigned(t, "staff notice", key, n)
		sentIDs[n.get("Message-ID")] = true
	}

	// The outbox shows every message sent, and only those.
	out := labOutbox(t, environ)
	var kinds []string
	for _, o := range out {
		kinds = append(kinds, o.Kind)
		if o.State != store.OutSent || o.Attempts != 1 || o.Sent.IsZero() || !strings.Contains(o.Response, "queued as") {
			t.Errorf("outbox %d (%s to %v): state %s, %d attempts, sent %v, response %q; want sent once, Postfix's answer kept",
				o.ID, o.Kind, o.To, o.State, o.Attempts, o.Sent, o.Response)
		}
		if !sentIDs[o.MessageID] {
			t.Errorf("outbox %d (%s to %v, %s) was not found in any mailbox", o.ID, o.Kind, o.To, o.MessageID)
		}
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"ack", "ack", "staff_join"}) {
		t.Errorf("outbox holds %v, want two acknowledgements and one join notice", kinds)
	}
	if n := l.accepted(t, "alliancebot."); n != 3 {
		t.Errorf("postfix accepted %d messages from the bot, want 3", n)
	}
}

// TestRepliesSMTPDown: with Postfix down, serve --once stores the mail and
// queues the replies, and says that it could not send them; once Postfix is
// back, the next run sends each once.
func TestRepliesSMTPDown(t *testing.T) {
	l := startLab(t, "alliance", "ana", "mairie", "staff")
	l.appendTo(t, "alliance", labQuestionnaire, labJoin)
	environ := l.botEnv("alliance", filepath.Join(t.TempDir(), "bot.db"),
		"ALLIANCEBOT_STAFF_ADDRESSES="+labAddr("staff"))

	// Kill keeps Postfix's directory for Restart; Stop would remove it.
	if err := l.post.Kill(); err != nil {
		t.Fatal(err)
	}
	// As a child process, to see the exit status and message a cron job sees.
	cmd := startChild(t, environ, "serve", "--once")
	err := cmd.Wait()
	stderr := cmd.Stderr.(*strings.Builder).String()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("serve --once with the SMTP server down: %v, want exit status 1\n%s", err, stderr)
	}
	if want := "alliancebot: send outbox: connect to " + l.post.Addr; !strings.Contains(stderr, want) {
		t.Errorf("serve --once with the SMTP server down says:\n%s\nwant %q", stderr, want)
	}
	if n := l.count(t, "alliance", "INBOX"); n != 0 {
		t.Errorf("the bot's INBOX holds %d messages, want 0: the mail is stored while SMTP is down", n)
	}
	if n := l.count(t, "alliance", "Processed") + l.count(t, "alliance", "Review"); n != 2 {
		t.Errorf("Processed + Review hold %d messages, want 2", n)
	}
	out := labOutbox(t, environ)
	var kinds []string
	for _, o := range out {
		kinds = append(kinds, o.Kind)
		if o.State != store.OutQueued || o.Attempts != 0 {
			t.Errorf("outbox %d (%s to %v) is %s after %d attempts, want queued with 0 attempts (the server was never reached)",
				o.ID, o.Kind, o.To, o.State, o.Attempts)
		}
	}
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"ack", "ack", "staff_join"}) {
		t.Errorf("outbox holds %v, want two acknowledgements and one join notice", kinds)
	}

	if err := l.post.Restart(); err != nil {
		t.Fatal(err)
	}
	labServeOnce(t, environ)
	l.delivered(t)
	for u, parent := range map[string]string{"ana": labQuestionnaireID, "mairie": labJoinID, "staff": ""} {
		if got := inReplyTo(t, l.fetch(t, u, "INBOX")); !slices.Equal(got, []string{parent}) {
			t.Errorf("%s received messages in reply to %q, want exactly one in reply to %q", u, got, parent)
		}
	}
	for _, o := range labOutbox(t, environ) {
		if o.State != store.OutSent || o.Attempts != 1 {
			t.Errorf("outbox %d (%s to %v) is %s after %d attempts, want sent at the first attempt", o.ID, o.Kind, o.To, o.State, o.Attempts)
		}
	}
}

// TestRepliesKill9WhileSending kills the daemon with SIGKILL at random points
// while it sends the acknowledgements of 150 authorities, restarts it each
// time, and lets the last run finish: every authority gets its
// acknowledgement, and at most one a kill goes twice (the one in flight).
//
// Each authority is a Dovecot user of its own, and the bot runs with the
// default reply.interval of 24 hours: what is tested is the configuration
// that runs, throttle included (the throttle entry is written with the
// queued message, so a crash between them would show as a lost
// acknowledgement). One message per address also makes the count exact: an
// address with two acknowledgements got a duplicate, one with none lost it.
// (The alternative, a few addresses with reply.interval = 1ns, would count
// per message just as well but test a configuration nobody runs.) After each
// kill the outbox says which acknowledgement was in flight; every duplicate
// must be one of those.
func TestRepliesKill9WhileSending(t *testing.T) {
	const n = 150
	users := []string{"alliance"}
	parent := map[string]string{}
	var msgs [][]byte
	for i := 1; i <= n; i++ {
		u := fmt.Sprintf("town%03d", i)
		users = append(users, u)
		parent[u] = fmt.Sprintf("<answers.%d.%s@example.org>", i, u)
		msgs = append(msgs, labMail(fmt.Sprintf(`From: Mayor's office of Town %03d <%s>
To: alliance@example.org
Subject: Questionnaire - Town %03d
Date: Tue, 14 Apr 2026 10:%02d:00 +0200
Message-ID: %s
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

1. Name of the local or regional authority: Town %03d
2. Country: Slovakia
3. Type of authority: [x] Municipality
4. Population: %d
`, i, labAddr(u), i, i%60, parent[u], i, 1000+i)))
	}
	l := startLab(t, users...)
	l.appendTo(t, "alliance", msgs...)
	dbPath := filepath.Join(t.TempDir(), "bot.db")
	environ := l.botEnv("alliance", dbPath)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	const killRounds = 6

	// progress reads the outbox: how many acknowledgements are recorded as
	// sent, and the recipient of the first one still queued, which is the
	// only one the sender can have had in flight (it sends in outbox order
	// and records each result before the next message; nothing fails here).
	progress := func() (sent int, first string) {
		var firstID uint64
		for _, o := range labOutbox(t, environ) {
			switch {
			case o.Kind != "ack":
				t.Errorf("outbox %d is a %s, want acknowledgements only", o.ID, o.Kind)
			case o.State == store.OutSent:
				sent++
			case o.State == store.OutQueued && (firstID == 0 || o.ID < firstID):
				firstID, first = o.ID, strings.Join(o.To, ",")
			}
		}
		return sent, first
	}
	started := func() int {
		k, _ := l.postfixLog(t, "alliancebot.ack.")
		return k
	}
	// The kill points: random counts of acknowledgements handed to Postfix,
	// spread over the whole run, each a further random 0 to 20 ms later.
	var targets []int
	for _, k := range rng.Perm(n - 20)[:killRounds] {
		targets = append(targets, k+1)
	}
	slices.Sort(targets)
	start := time.Now()
	kills := 0
	var killedAt []int
	inFlight := map[string]int{} // recipient: kills at which its acknowledgement was the one in flight
	for _, target := range targets {
		before := started()
		cmd := startChild(t, environ, "serve")
		// This run itself must have begun to send: a kill while it starts
		// up is not a kill while sending.
		target = max(target, before+1)
		pollUntil(t, time.Minute, 10*time.Millisecond, func() bool { return started() >= target })
		time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		sent, first := progress()
		if sent == n {
			break
		}
		kills++
		killedAt = append(killedAt, sent)
		if first != "" {
			inFlight[labUser(first)]++
		}
	}
	if kills < 5 {
		t.Fatalf("only %d kills landed before every acknowledgement was sent: use more messages", kills)
	}
	t.Logf("killed %d times, with %v of %d acknowledgements recorded as sent (%v)", kills, killedAt, n, time.Since(start).Round(time.Millisecond))

	// A last run, left to finish; the outbox is read through its control
	// socket.
	start = time.Now()
	cmd := startChild(t, environ, "serve")
	pollUntil(t, 2*time.Minute, 100*time.Millisecond, func() bool {
		sent, _ := progress()
		return sent == n
	})
	t.Logf("the last run sent the other %d in %v", n-killedAt[len(killedAt)-1], time.Since(start).Round(time.Millisecond))
	l.delivered(t)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, cmd.Stderr)
	}

	var lost []string
	dups := map[string]int{}
	total := 0
	for _, u := range users[1:] {
		raws := l.fetch(t, u, "INBOX")
		total += len(raws)
		ids := map[string]bool{}
		for _, raw := range raws {
			m := readLabMessage(t, raw)
			if got := m.get("In-Reply-To"); got != parent[u] {
				t.Errorf("%s received a message in reply to %q, want only its acknowledgement (in reply to %s)", u, got, parent[u])
			}
			ids[m.get("Message-ID")] = true
		}
		switch {
		case len(raws) == 0:
			lost = append(lost, u)
		case len(raws) > 1:
			dups[u] = len(raws) - 1
			// A message sent twice is the same message: the outbox kept
			// its bytes and its Message-ID.
			if len(ids) != 1 {
				t.Errorf("%s received %d acknowledgements with %d different Message-IDs", u, len(raws), len(ids))
			}
		}
	}
	if len(lost) > 0 {
		t.Errorf("%d authorities got no acknowledgement: %v", len(lost), lost)
	}
	ndups := 0
	for u, k := range dups {
		ndups += k
		// Only the message in flight at a kill may go twice.
		if k > inFlight[u] {
			t.Errorf("%s received %d duplicates, but its acknowledgement was in flight at %d kills", u, k, inFlight[u])
		}
	}
	if ndups > kills {
		t.Errorf("%d duplicate acknowledgements after %d kills, want at most one a kill", ndups, kills)
	}
	if a := l.accepted(t, "alliancebot.ack."); a != total {
		t.Errorf("postfix accepted %d acknowledgements, the mailboxes hold %d", a, total)
	}
	t.Logf("%d acknowledgements delivered to %d authorities: %d duplicates after %d kills (to %v; in flight at the kills: %v)",
		total, n, ndups, kills, dups, inFlight)
}

// labUser returns the login of a lab address.
func labUser(addr string) string {
	u, _, _ := strings.Cut(addr, "@")
	return u
}

// TestRepliesNoLoopBetweenTwoBots: two bots that write to each other answer
// each other's first message once, and never each other's acknowledgement,
// which carries Auto-Submitted (and X-Auto-Response-Suppress, which alone
// would also stop the loop). They run --once in turn, round after round,
// until a round moves nothing twice over: with --once a round ends when
// everything is sent and delivered, so "nothing more" is observed, not
// waited for.
func TestRepliesNoLoopBetweenTwoBots(t *testing.T) {
	l := startLab(t, "bota", "botb")
	// reply.interval is 1ns: with the default 24 hours the throttle alone
	// would stop a loop after one exchange, and hide a missing
	// Auto-Submitted.
	dbA, dbB := filepath.Join(t.TempDir(), "a.db"), filepath.Join(t.TempDir(), "b.db")
	envA := l.botEnv("bota", dbA, "ALLIANCEBOT_REPLY_INTERVAL=1ns")
	envB := l.botEnv("botb", dbB, "ALLIANCEBOT_REPLY_INTERVAL=1ns")
	seed := func(from, to string) []byte {
		return labMail(fmt.Sprintf(`From: %s <%s>
To: %s
Subject: Roma inclusion week: joint programme
Date: Wed, 15 Apr 2026 09:00:00 +0200
Message-ID: <seed.%s@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Dear colleagues, could we plan the programme of the Roma inclusion week together?
`, from, labAddr(from), labAddr(to), from))
	}
	l.appendTo(t, "bota", seed("botb", "bota"))
	l.appendTo(t, "botb", seed("bota", "botb"))

	var moved []int
	quiet := 0
	for round := 1; quiet < 2; round++ {
		if round > 8 {
			t.Fatalf("still moving after %d rounds: %v messages each round", round-1, moved)
		}
		before := l.accepted(t, "")
		labServeOnce(t, envA)
		labServeOnce(t, envB)
		l.delivered(t)
		k := l.accepted(t, "") - before
		moved = append(moved, k)
		if k == 0 && l.count(t, "bota", "INBOX") == 0 && l.count(t, "botb", "INBOX") == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
	t.Logf("messages sent each round: %v", moved)
	if total := l.accepted(t, ""); total != 2 {
		t.Errorf("%d messages went between the bots, want 2 (the first acknowledgements)", total)
	}
	for _, b := range []struct {
		user, other, db string
		environ         []string
	}{{"bota", "botb", dbA, envA}, {"botb", "bota", dbB, envB}} {
		out := labOutbox(t, b.environ)
		if len(out) != 1 || out[0].Kind != "ack" || !slices.Equal(out[0].To, []string{labAddr(b.other)}) ||
			out[0].State != store.OutSent || out[0].Attempts != 1 {
			t.Errorf("outbox of %s = %+v, want one acknowledgement to %s, sent", b.user, out, b.other)
		}
		// Its seed, answered, and the other's acknowledgement, not answered
		// because of its Auto-Submitted.
		if n := l.count(t, b.user, "Processed") + l.count(t, b.user, "Review"); n != 2 {
			t.Errorf("%s moved %d messages out of its INBOX, want 2", b.user, n)
		}
		db, err := store.Open(b.db, nil)
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		err = db.ForEach(func(m *store.Message) error {
			switch {
			case strings.HasPrefix(m.MessageID, "<alliancebot.ack."):
				seen = append(seen, "ack")
				if m.AutoReason != "Auto-Submitted: auto-replied" || m.NoReply == "" || len(m.Replies) != 0 {
					t.Errorf("%s: the acknowledgement from %s has auto reason %q, no reply %q, replies %v; want Auto-Submitted to forbid an answer",
						b.user, m.From, m.AutoReason, m.NoReply, m.Replies)
				}
			case m.MessageID == "<seed."+b.other+"@example.org>":
				seen = append(seen, "seed")
				if len(m.Replies) != 1 || m.NoReply != "" {
					t.Errorf("%s: the seed from %s has replies %v, no reply %q; want one acknowledgement", b.user, m.From, m.Replies, m.NoReply)
				}
			default:
				seen = append(seen, m.MessageID)
			}
			return nil
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(seen)
		if !slices.Equal(seen, []string{"ack", "seed"}) {
			t.Errorf("%s stored %v, want the seed and the other's acknowledgement", b.user, seen)
		}
	}
}

// TestRepliesReplay: the same message twice in the mailbox, and once more
// after it was answered, gets one acknowledgement. reply.interval is
// 1ns so that the 24 h throttle cannot hide a second one: a different
// message from the same sender, appended with the last replay, gets its own.
func TestRepliesReplay(t *testing.T) {
	l := startLab(t, "alliance", "ana")
	environ := l.botEnv("alliance", filepath.Join(t.TempDir(), "bot.db"), "ALLIANCEBOT_REPLY_INTERVAL=1ns")
	l.appendTo(t, "alliance", labQuestionnaire, labQuestionnaire)
	labServeOnce(t, environ)
	l.delivered(t)
	if got := inReplyTo(t, l.fetch(t, "ana", "INBOX")); !slices.Equal(got, []string{labQuestionnaireID}) {
		t.Fatalf("after the first run ana received replies to %q, want one to %s", got, labQuestionnaireID)
	}

	const correctionID = "<answers.2026-04-15.cluj@example.org>"
	correction := bytes.Replace(labQuestionnaire, []byte(labQuestionnaireID), []byte(correctionID), 1)
	correction = bytes.Replace(correction, []byte("Population: 286 598"), []byte("Population: 286 600"), 1)
	l.appendTo(t, "alliance", labQuestionnaire, correction)
	labServeOnce(t, environ)
	l.delivered(t)
	got := inReplyTo(t, l.fetch(t, "ana", "INBOX"))
	slices.Sort(got)
	if want := []string{labQuestionnaireID, correctionID}; !slices.Equal(got, want) {
		t.Errorf("ana received replies to %q, want one to each of %q", got, want)
	}
	if out := labOutbox(t, environ); len(out) != 2 {
		t.Errorf("outbox holds %d messages, want 2", len(out))
	}
	if n := l.count(t, "alliance", "INBOX"); n != 0 {
		t.Errorf("the bot's INBOX holds %d messages, want 0", n)
	}
}
