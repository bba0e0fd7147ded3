package intake

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/coe-congress/alliancebot/internal/corpus"
)

// signalCase is a message of testdata/signals and what the signal finders
// must say of it. class is the first of bounce, auto_reply, unsubscribe that
// it is ("" for none): classify stops at the first, so a finder is checked
// only on the messages that reach it.
type signalCase struct {
	file   string
	class  Class
	bounce Bounce // when class is bounce
	unsub  string // the address, when class is unsubscribe
}

var signalCases = []signalCase{
	{file: "bounce-exchange-ndr.eml", class: ClassBounce, bounce: Bounce{"j.devries@gemeente-voorbeeld.nl", "5.1.10", true}},
	{file: "bounce-exchange2010.eml", class: ClassBounce, bounce: Bounce{"ola.nordmann@kommune.example.no", "5.1.1", true}},
	{file: "bounce-exim.eml", class: ClassBounce, bounce: Bounce{"primar@primaria-exemplu.ro", "5.2.1", true}},
	{file: "bounce-qmail.eml", class: ClassBounce, bounce: Bounce{"kabinet@opstina-primer.rs", "5.1.1", true}},
	{file: "bounce-lotus-domino.eml", class: ClassBounce, bounce: Bounce{"h.muster@landkreis-beispiel.de", "", true}},
	{file: "bounce-sendmail-old.eml", class: ClassBounce, bounce: Bounce{"sindaco@comune-esempio.it", "5.1.1", true}},
	{file: "bounce-gmail.eml", class: ClassBounce, bounce: Bounce{"mairie.exemple@gmail.com", "5.1.1", true}},
	{file: "bounce-delay-dsn.eml", class: ClassBounce, bounce: Bounce{"info@obec-priklad.sk", "4.4.1", false}},
	{file: "bounce-postfix-multi.eml", class: ClassBounce, bounce: Bounce{"gradonacelnik@grad-primjer.hr", "5.1.1", true}},
	{file: "bounce-de-unzustellbar.eml", class: ClassBounce, bounce: Bounce{"buergermeister@stadt-beispiel.at", "5.1.1", true}},
	{file: "bounce-fr-nonremis.eml", class: ClassBounce, bounce: Bounce{"cabinet.maire@ville-exemple.fr", "5.4.4", true}},
	{file: "bounce-transcript-only.eml", class: ClassBounce, bounce: Bounce{"presidente@municipio-exemplo.pt", "5.7.1", true}},
	{file: "bounce-success-dsn.eml"},
	{file: "other-arf.eml"},
	{file: "other-read-receipt.eml"},
	{file: "human-quoting-bounce.eml"},

	{file: "ar-en-exchange.eml", class: ClassAutoReply},
	{file: "ar-fr.eml", class: ClassAutoReply},
	{file: "ar-de.eml", class: ClassAutoReply},
	{file: "ar-it.eml", class: ClassAutoReply},
	{file: "ar-es.eml", class: ClassAutoReply},
	{file: "ar-pt.eml", class: ClassAutoReply},
	{file: "ar-nl.eml", class: ClassAutoReply},
	{file: "ar-pl.eml", class: ClassAutoReply},
	{file: "ar-cs.eml", class: ClassAutoReply},
	{file: "ar-hr.eml", class: ClassAutoReply},
	{file: "ar-ro.eml", class: ClassAutoReply},
	{file: "ar-hu.eml", class: ClassAutoReply},
	{file: "ar-bg.eml", class: ClassAutoReply},
	{file: "ar-el.eml", class: ClassAutoReply},
	{file: "ar-tr.eml", class: ClassAutoReply},
	{file: "ar-ru.eml", class: ClassAutoReply},
	{file: "ar-fi.eml", class: ClassAutoReply},
	{file: "ar-sv.eml", class: ClassAutoReply},
	{file: "ar-body-only.eml", class: ClassAutoReply},
	{file: "ar-auto-submitted.eml", class: ClassAutoReply},
	{file: "ar-x-autoreply.eml", class: ClassAutoReply},
	{file: "ar-precedence.eml", class: ClassAutoReply},
	{file: "q-holiday-out-of-office.eml"},
	{file: "q-newsletter-no.eml"},
	{file: "human-re-automatic-reply.eml"},
	{file: "letter-mentions-unsubscribe.eml"},

	{file: "unsub-en-subject.eml", class: ClassUnsubscribe, unsub: "j.smith@county.example.gov.uk"},
	{file: "unsub-en-named.eml", class: ClassUnsubscribe, unsub: "j.doe@city-example.org"},
	{file: "unsub-fr.eml", class: ClassUnsubscribe, unsub: "p.durand@mairie.example.fr"},
	{file: "unsub-de.eml", class: ClassUnsubscribe, unsub: "k.huber@gemeinde.example.at"},
	{file: "unsub-es.eml", class: ClassUnsubscribe, unsub: "ana.lopez@diputacion.example.es"},
	{file: "unsub-it.eml", class: ClassUnsubscribe, unsub: "l.bianchi@regione.example.it"},
	{file: "unsub-nl.eml", class: ClassUnsubscribe, unsub: "a.jansen@provincie.example.nl"},
	{file: "unsub-pl.eml", class: ClassUnsubscribe, unsub: "t.nowak@powiat.example.pl"},
	{file: "unsub-ro.eml", class: ClassUnsubscribe, unsub: "ioana.marin@consiliu.example.ro"},
	{file: "unsub-cs.eml", class: ClassUnsubscribe, unsub: "svoboda@kraj.example.cz"},
	{file: "unsub-address.eml", class: ClassUnsubscribe, unsub: "vera.kos@obcina.example.si"},
	{file: "unsub-negated.eml"},
}

// signalOptions are the options the unsubscribe tests run with.
var signalOptions = &Options{UnsubscribeAddress: "roma.summit+unsubscribe@coe.int"}

// readSignal reads a message of testdata/signals.
func readSignal(t testing.TB, name string) *message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "signals", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := read(raw, Limits{})
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return m
}

func TestSignalCasesCoverTestdata(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "signals", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	listed := make(map[string]bool)
	for _, c := range signalCases {
		listed[c.file] = true
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s has no expectation in signalCases", f)
		}
	}
	if len(files) != len(signalCases) {
		t.Errorf("%d files in testdata/signals, %d cases", len(files), len(signalCases))
	}
}

func TestFindBounce(t *testing.T) {
	for _, c := range signalCases {
		t.Run(c.file, func(t *testing.T) {
			got := findBounce(readSignal(t, c.file))
			if c.class != ClassBounce {
				if got != nil {
					t.Errorf("findBounce(%s) = %+v, want nil", c.file, *got)
				}
				return
			}
			if got == nil {
				t.Fatalf("findBounce(%s) = nil, want %+v", c.file, c.bounce)
			}
			if *got != c.bounce {
				t.Errorf("findBounce(%s) = %+v, want %+v", c.file, *got, c.bounce)
			}
		})
	}
}

func TestEnhancedCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Status: 5.1.1", "5.1.1"},
		{"550-5.1.1 The email account", "5.1.1"},
		{"#550 5.1.10 RESOLVER.ADR.RecipientNotFound", "5.1.10"},
		{"4.4.7 (delivery time expired)", "4.4.7"},
		{"host 192.0.2.5 said: 550 no", ""},
		{"Exim 4.96 and 10.5.2.1", ""},
		{"version 5.1.2.3", ""},
		{"on 5.1.2021", ""},
		{"x5.1.1", "5.1.1"},
		{"2.0.0 Ok", "2.0.0"},
		{"", ""},
		{"5.", ""},
	}
	for _, tt := range tests {
		if got := enhancedCode(tt.in); got != tt.want {
			t.Errorf("enhancedCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDSN(t *testing.T) {
	// No blank line between the recipients, fields in any order, folded
	// Diagnostic-Code.
	in := "Reporting-MTA: dns; mx.example.org\n\n" +
		"Action: delayed\nFinal-Recipient: rfc822; a@example.org\nStatus: 4.2.2\n" +
		"Final-Recipient: rfc822; b@example.org\nOriginal-Recipient: rfc822;B@Example.org\nAction: failed\n" +
		"Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1\n  user unknown\n"
	got := parseDSN(in)
	want := []dsnRecord{
		{final: "rfc822; a@example.org", action: "delayed", status: "4.2.2"},
		{final: "rfc822; b@example.org", original: "rfc822;B@Example.org", action: "failed", status: "5.1.1", diag: "smtp; 550 5.1.1 user unknown"},
	}
	if len(got) != len(want) {
		t.Fatalf("parseDSN = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("parseDSN record %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// corpusRecipients are failed recipients checked by eye against each file's
// own report (the corpus labels give classes only).
var corpusRecipients = map[string]string{
	"enmime/multi_recipient_dsn.raw":                                                   "arathib@vnet.ibm.com",
	"mimekit/messages/delivery-status2.txt":                                            "source@domain.com",
	"nodemailer-mailparser/delivery-status.eml":                                        "xxxx@xxxx.com",
	"sisimai-set-of-emails/maildir/bsd/lhost-activehunter-01.eml":                      "kijitora@example.org",
	"sisimai-set-of-emails/maildir/bsd/lhost-amazonses-10.eml":                         "bounce@simulator.amazonses.com",
	"sisimai-set-of-emails/maildir/bsd/lhost-courier-01.eml":                           "kijitora@example.co.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-domino-01.eml":                            "kijitora@example.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-dragonfly-01.eml":                         "pseudo-local-part@google.example.com",
	"sisimai-set-of-emails/maildir/bsd/lhost-exchange2003-01.eml":                      "kijitora@example.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-exim-03.eml":                              "kijitora@example.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-exim-58.eml":                              "kijitora@example.us",
	"sisimai-set-of-emails/maildir/bsd/lhost-gmail-01.eml":                             "userunknown@example.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-imailserver-01.eml":                       "kijitora@example.com",
	"sisimai-set-of-emails/maildir/bsd/lhost-kddi-01.eml":                              "kijitora@x0000000000000.dion.ne.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-mailru-01.eml":                            "kijitora@example.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-notes-01.eml":                             "kijitora@u1.example.co.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-office365-02.eml":                         "kijitora@example.onmicrosoft.com",
	"sisimai-set-of-emails/maildir/bsd/lhost-opensmtpd-11.eml":                         "authfailure@libsisimai.net",
	"sisimai-set-of-emails/maildir/bsd/lhost-postfix-07.eml":                           "kijitora@user.example.or.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-qmail-01.eml":                             "kijitora@example.ne.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-sendmail-11.eml":                          "kijitora@example.co.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-x1-02.eml":                                "kijitora@example.org",
	"sisimai-set-of-emails/maildir/bsd/lhost-x2-01.eml":                                "kijitora@example.co.jp",
	"sisimai-set-of-emails/maildir/bsd/lhost-yahoo-14.eml":                             "kijitora@example.org",
	"sisimai-set-of-emails/maildir/bsd/rfc3464-07.eml":                                 "kijitora@example.net",
	"sisimai-set-of-emails/maildir/bsd/rfc3464-37.eml":                                 "kijitora@neko.nyaan.example.com",
	"sisimai-set-of-emails/maildir/bsd/rhost-franceptt-03.eml":                         "pseudo-local-part-kijitora@wanadoo.fr",
	"sisimai-set-of-emails/maildir/bsd/rhost-microsoft-06.eml":                         "sabineko@example.onmicrosoft.com",
	"sisimai-set-of-emails/maildir/dos/lhost-qmail-01.eml":                             "kijitora@example.ne.jp",
	"sisimai-set-of-emails/maildir/mac/lhost-exim-01.eml":                              "kijitora@example.ed.jp",
	"sisimai-set-of-emails/to-be-debugged-because/something-is-wrong/issue-106-03.eml": "=?utf-8?b?8j+qia==?=@example.org",
	"zeta-mail/various/multiple-received-headers":                                      "helpdesk@example.com",
}

// labelDisagreements are corpus files whose label this package contradicts
// on purpose, with the reason.
var labelDisagreements = map[string]string{
	// Labelled "not a bounce" by sisimai, but it is a mailbox-full rejection
	// naming the failed address ("target mail address: ...").
	"sisimai-set-of-emails/maildir/not/rb-issue-368-bug.eml": "bounce",
}

// minBounceRecall is the share of the corpus's labelled bounces that must
// give a Bounce with a recipient.
const minBounceRecall = 0.95

// TestSignalsCorpus runs the three signal finders on every message of the
// shared corpus and checks them against its labels.
func TestSignalsCorpus(t *testing.T) {
	files := corpus.Files(t)
	var (
		bounces, found int
		misses         []string
		unlabeled      []string
		checked        int
	)
	for _, f := range files {
		raw, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := read(raw, Limits{})
		b := findBounce(m)
		ar := isAutoReply(m)
		u := findUnsubscribe(m, signalOptions)
		if want, ok := corpusRecipients[f.Name]; ok {
			checked++
			if b == nil || b.Recipient != want {
				t.Errorf("findBounce(%s) = %+v, want recipient %q", f.Name, b, want)
			}
		}
		if _, ok := labelDisagreements[f.Name]; ok {
			continue
		}
		switch f.Label {
		case "bounce":
			bounces++
			if b != nil && b.Recipient != "" {
				found++
			} else {
				misses = append(misses, f.Name)
			}
			if b != nil && strings.Contains(f.LabelNote, "delay") && b.Permanent {
				t.Errorf("findBounce(%s).Permanent = true for a delay warning", f.Name)
			}
		case "auto_reply":
			if !ar && b == nil {
				t.Errorf("isAutoReply(%s) = false for an auto-reply", f.Name)
			}
		case "other":
			if b != nil {
				t.Errorf("findBounce(%s) = %+v for a report that is not a bounce", f.Name, *b)
			}
		default:
			switch {
			case b != nil:
				unlabeled = append(unlabeled, "bounce "+f.Name)
			case ar:
				unlabeled = append(unlabeled, "auto_reply "+f.Name)
			case u != nil:
				unlabeled = append(unlabeled, "unsubscribe "+f.Name)
			}
		}
	}
	if checked != len(corpusRecipients) {
		t.Errorf("checked %d recipients, want %d: a corpus file is missing", checked, len(corpusRecipients))
	}
	recall := float64(found) / float64(max(bounces, 1))
	t.Logf("bounce recall: %d of %d labelled bounces give a recipient (%.1f%%)", found, bounces, 100*recall)
	for _, name := range misses {
		t.Logf("  missed: %s", name)
	}
	if recall < minBounceRecall {
		t.Errorf("bounce recall %.3f, want >= %.2f", recall, minBounceRecall)
	}
	sort.Strings(unlabeled)
	t.Logf("unlabeled messages given a signal: %d", len(unlabeled))
	for _, s := range unlabeled {
		t.Logf("  %s", s)
	}
	// Checked by eye: these are real bounces and vacation notices of the
	// torture-test collections. Many more would mean a loose pattern.
	if len(unlabeled) > 20 {
		t.Errorf("%d unlabeled messages given a signal, want at most 20", len(unlabeled))
	}
}

func FuzzFindBounce(f *testing.F) {
	addSignalSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, _ := read(raw, Limits{MaxSize: 1 << 20, MaxParts: 100})
		if b := findBounce(m); b != nil && b.Recipient != strings.ToLower(b.Recipient) {
			t.Errorf("recipient %q is not lower case", b.Recipient)
		}
	})
}

// addSignalSeeds adds the messages of testdata/signals and a few broken ones
// to a fuzz corpus.
func addSignalSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "signals", "*.eml"))
	for _, name := range files {
		if raw, err := os.ReadFile(name); err == nil {
			f.Add(raw)
		}
	}
	for _, s := range []string{
		"",
		"From: MAILER-DAEMON\r\nSubject: Returned mail\r\n\r\n<a@b>:\r\n",
		"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822;\r\nAction: failed\r\n--x--\r\n",
		"Subject: Automatic reply:\r\n\r\n",
		"Subject: unsubscribe\r\nFrom: <>\r\n\r\nremove @\r\n",
		"From: postmaster@x\r\nSubject: Undeliverable\r\n\r\nDelivery has failed to these recipients or groups:\r\n\r\n5.1.1 5. 5.1.",
	} {
		f.Add([]byte(s))
	}
}
