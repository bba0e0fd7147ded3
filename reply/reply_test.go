package reply

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/jhillyerd/enmime/v2"

	"github.com/coe-congress/alliancebot/intake"
	"github.com/coe-congress/alliancebot/store"
	"github.com/coe-congress/alliancebot/templates"
)

var now = time.Date(2026, 11, 30, 9, 30, 0, 0, time.UTC)

func loadTemplates(t testing.TB) *templates.Set {
	t.Helper()
	set, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func testConfig() Config {
	return Config{
		From: "roma.summit@coe.int", FromName: "European Alliance of Cities and Regions for Roma Inclusion",
		Own:   []string{"congress.roma@coe.int"},
		Staff: []string{"ana.staff@coe.int", "bo.staff@coe.int"},
		Now:   func() time.Time { return now }, Location: time.UTC,
	}
}

func newComposer(t testing.TB, cfg Config) *Composer {
	t.Helper()
	c, err := New(cfg, loadTemplates(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// record reads raw the way the watcher does and returns the stored record.
func record(t testing.TB, id uint64, raw string) *store.Message {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	env, res := intake.Read([]byte(raw), intake.Options{})
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	m := &store.Message{
		ID: id, MessageID: env.MessageID, From: env.From, FromName: env.FromName, To: env.To,
		Subject: env.Subject, InReplyTo: env.InReplyTo, References: env.References,
		ReplyTo: env.ReplyTo, AutoReason: env.NoReply, Received: now,
		Class: string(res.Class), Language: res.Language, Result: js, Folder: "Processed",
	}
	if res.NeedsReview() {
		m.Folder = "Review"
		m.Errors = []string{"not understood: staff must read it"}
	}
	return m
}

const questionnaireEN = `From: Ana Popescu <ana.popescu@cluj.example.ro>
To: roma.summit@coe.int
Subject: Questionnaire - Cluj-Napoca
Date: Mon, 30 Nov 2026 10:00:00 +0200
Message-ID: <q1@cluj.example.ro>
References: <thread0@coe.int>

Dear colleagues, please find our answers below.

1. Name of the local or regional authority: Municipality of Cluj-Napoca
2. Country: Romania
3. Type of authority: [x] Municipality
4. Population: 286 598
10. Is your authority interested in joining the Alliance? Yes
11. Thematic priorities: [x] Education [x] Housing
16. May we send you the Alliance newsletter? Yes

Best regards,
Ana Popescu
`

const joinFR = `From: Mairie de Saint-Aubin <mairie@saint-aubin.example.fr>
To: roma.summit@coe.int
Subject: Adhésion à l'Alliance
Message-ID: <j1@saint-aubin.example.fr>

Madame, Monsieur,

La commune de Saint-Aubin-sur-Loire (France) souhaite adhérer à l'Alliance européenne
des villes et des régions pour l'inclusion des Roms. Pourriez-vous nous indiquer la marche
à suivre ?

Veuillez agréer, Madame, Monsieur, nos salutations distinguées.
Claire Martin, Maire
`

// parsed reads an outgoing message back, as a mail program would.
func parsed(t *testing.T, o store.Outgoing) *enmime.Envelope {
	t.Helper()
	env, err := enmime.ReadEnvelope(bytes.NewReader(o.Raw))
	if err != nil {
		t.Fatalf("read outgoing %s: %v", o.Key, err)
	}
	return env
}

func replies(t *testing.T, c *Composer, m *store.Message) ([]store.Outgoing, string) {
	t.Helper()
	out, noAck, err := c.Replies(m)
	if err != nil {
		t.Fatalf("Replies = %v", err)
	}
	return out, noAck
}

func TestAckQuestionnaire(t *testing.T) {
	c := newComposer(t, testConfig())
	m := record(t, 7, questionnaireEN)
	out, noAck := replies(t, c, m)
	if noAck != "" || len(out) != 1 {
		t.Fatalf("Replies = %d messages, noAck %q; want one acknowledgement", len(out), noAck)
	}
	o := out[0]
	if o.Kind != KindAck || o.Key != "ack:7:ana.popescu@cluj.example.ro" || !slices.Equal(o.To, []string{"ana.popescu@cluj.example.ro"}) {
		t.Errorf("ack = %+v", o)
	}
	if o.Throttle != "ana.popescu@cluj.example.ro" || o.ThrottleFor != 24*time.Hour {
		t.Errorf("throttle = %q for %v, want the recipient for 24h", o.Throttle, o.ThrottleFor)
	}
	env := parsed(t, o)
	for h, want := range map[string]string{
		"Subject":                  "Re: Questionnaire - Cluj-Napoca",
		"In-Reply-To":              "<q1@cluj.example.ro>",
		"References":               "<thread0@coe.int> <q1@cluj.example.ro>",
		"Auto-Submitted":           "auto-replied",
		"X-Auto-Response-Suppress": "All",
		"Content-Language":         "en",
		"Message-Id":               o.MessageID,
	} {
		if got := strings.Join(strings.Fields(env.GetHeader(h)), " "); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if from := env.GetHeader("From"); !strings.Contains(from, "<roma.summit@coe.int>") {
		t.Errorf("From = %q", from)
	}
	if !strings.Contains(env.Text, "Cluj-Napoca") || !strings.Contains(env.Text, Ref(7)) {
		t.Errorf("text does not summarise the answers or quote the reference:\n%s", env.Text)
	}
	if env.HTML == "" || !strings.Contains(env.HTML, "Cluj-Napoca") {
		t.Error("no HTML alternative with the same facts")
	}
	if strings.Contains(env.Text, "please find our answers below") {
		t.Error("the acknowledgement echoes the sender's text")
	}
	// The same trigger renders the same Message-ID: a restart that writes
	// the reply again is recognisably the same message.
	again, _ := replies(t, c, m)
	if again[0].MessageID != o.MessageID {
		t.Errorf("Message-ID not deterministic: %s then %s", o.MessageID, again[0].MessageID)
	}
}

func TestAckLanguage(t *testing.T) {
	for _, tt := range []struct {
		lang, def, want string
	}{{"fr", "en", "fr"}, {"en", "fr", "en"}, {"de", "en", "en"}, {"de", "fr", "fr"}, {"", "en", "en"}} {
		cfg := testConfig()
		cfg.DefaultLang = tt.def
		c := newComposer(t, cfg)
		m := record(t, 1, questionnaireEN)
		m.Language = tt.lang
		out, _ := replies(t, c, m)
		if got := parsed(t, out[0]).GetHeader("Content-Language"); got != tt.want || out[0].Language != tt.want {
			t.Errorf("message in %q with default %q: Content-Language %q, want %q", tt.lang, tt.def, got, tt.want)
		}
	}
}

func TestJoinRequest(t *testing.T) {
	c := newComposer(t, testConfig())
	m := record(t, 9, joinFR)
	if m.Class != string(intake.ClassJoinRequest) {
		t.Fatalf("sample is %s, want join_request", m.Class)
	}
	out, _ := replies(t, c, m)
	if len(out) != 2 || out[0].Kind != KindAck || out[1].Kind != KindStaffJoin {
		t.Fatalf("Replies = %v, want an acknowledgement and a staff notice", kinds(out))
	}
	ack := parsed(t, out[0])
	if ack.GetHeader("Content-Language") != "fr" || !strings.Contains(ack.Text, "1. Nom de la collectivité") {
		t.Errorf("French join acknowledgement lacks the questionnaire:\n%s", ack.Text)
	}
	staff := out[1]
	if !slices.Equal(staff.To, []string{"ana.staff@coe.int", "bo.staff@coe.int"}) || staff.Key != "staff_join:9" {
		t.Errorf("staff notice = %+v", staff)
	}
	env := parsed(t, staff)
	if env.GetHeader("Auto-Submitted") != "auto-generated" || env.GetHeader("In-Reply-To") != "" {
		t.Errorf("staff notice headers: Auto-Submitted %q In-Reply-To %q", env.GetHeader("Auto-Submitted"), env.GetHeader("In-Reply-To"))
	}
	if !strings.Contains(env.Text, "messages show 9") {
		t.Errorf("staff notice does not say how to find the message:\n%s", env.Text)
	}
}

func TestReviewNotice(t *testing.T) {
	c := newComposer(t, testConfig())
	m := record(t, 11, "From: x@example.org\nSubject: Hello\nMessage-ID: <o1@example.org>\n\nCan you call me?\n")
	m.Folder = "Review"
	out, noAck := replies(t, c, m)
	if noAck != "" || len(out) != 2 || out[1].Kind != KindStaffReview {
		t.Fatalf("Replies = %v (noAck %q), want ack and review notice", kinds(out), noAck)
	}
	// The same message sent by a program: summary only, no notice.
	m.AutoReason = "Auto-Submitted: auto-generated"
	out, _ = replies(t, c, m)
	if len(out) != 0 {
		t.Errorf("automatic message to review: %v, want nothing immediate", kinds(out))
	}
	// No staff configured: no notice.
	cfg := testConfig()
	cfg.Staff = nil
	m.AutoReason = ""
	out, _ = replies(t, newComposer(t, cfg), m)
	if len(out) != 1 || out[0].Kind != KindAck {
		t.Errorf("without staff: %v, want the acknowledgement only", kinds(out))
	}
}

func TestUnsubscribeAck(t *testing.T) {
	c := newComposer(t, testConfig())
	m := record(t, 3, "From: ana@cluj.example.ro\nSubject: unsubscribe\nMessage-ID: <u1@cluj.example.ro>\n\nPlease unsubscribe me from your newsletter.\n")
	if m.Class != string(intake.ClassUnsubscribe) {
		t.Fatalf("sample is %s, want unsubscribe", m.Class)
	}
	out, _ := replies(t, c, m)
	if len(out) != 1 || !strings.Contains(parsed(t, out[0]).Text, "ana@cluj.example.ro") {
		t.Errorf("unsubscribe confirmation does not name the address")
	}
}

func kinds(out []store.Outgoing) []string {
	var k []string
	for _, o := range out {
		k = append(k, o.Kind)
	}
	return k
}

// TestNeverAnswered lists the mail that must never get an acknowledgement.
func TestNeverAnswered(t *testing.T) {
	c := newComposer(t, testConfig())
	body := "\nDear colleagues, our answers: 1. Name of the local or regional authority: Town of Gabrovo\n"
	for _, tt := range []struct{ name, header string }{
		{"auto-submitted", "From: a@b.example\nAuto-Submitted: auto-replied\n"},
		{"auto-generated", "From: a@b.example\nAuto-Submitted: auto-generated\n"},
		{"precedence bulk", "From: a@b.example\nPrecedence: bulk\n"},
		{"precedence list", "From: a@b.example\nPrecedence: list\n"},
		{"precedence junk", "From: a@b.example\nPrecedence: junk\n"},
		{"list-id", "From: a@b.example\nList-Id: <x.lists.example>\n"},
		{"list-unsubscribe", "From: a@b.example\nList-Unsubscribe: <mailto:x@lists.example>\n"},
		{"null sender", "From: <>\n"},
		{"null return path", "Return-Path: <>\nFrom: a@b.example\n"},
		{"mailer-daemon", "From: MAILER-DAEMON@mx.example\n"},
		{"noreply", "From: noreply@b.example\n"},
		{"no-reply reply-to", "From: a@b.example\nReply-To: no-reply@b.example\n"},
		{"our own", "From: roma.summit@coe.int\n"},
		{"our own with a tag", "From: Roma.Summit+news@coe.int\n"},
		{"our other address", "From: congress.roma@coe.int\n"},
		{"reply-to our own", "From: a@b.example\nReply-To: roma.summit@coe.int\n"},
	} {
		m := record(t, 1, tt.header+"Subject: Questionnaire\nMessage-ID: <n@b.example>\n"+body)
		out, noAck := replies(t, c, m)
		for _, o := range out {
			if o.Kind == KindAck {
				t.Errorf("%s: acknowledged", tt.name)
			}
		}
		if noAck == "" {
			t.Errorf("%s: no reason given for not acknowledging", tt.name)
		}
	}
	for _, class := range []intake.Class{intake.ClassBounce, intake.ClassAutoReply, intake.ClassNews} {
		m := record(t, 1, "From: a@b.example\nSubject: x\n"+body)
		m.Class, m.Folder = string(class), "Processed"
		if out, noAck := replies(t, c, m); len(out) != 0 || noAck == "" {
			t.Errorf("class %s: %v, noAck %q; want nothing", class, kinds(out), noAck)
		}
	}
	cfg := testConfig()
	cfg.NoAck = true
	if out, noAck := replies(t, newComposer(t, cfg), record(t, 1, questionnaireEN)); len(out) != 0 || noAck == "" {
		t.Errorf("acknowledgements off: %v", kinds(out))
	}
}

func TestReplyToPreferred(t *testing.T) {
	c := newComposer(t, testConfig())
	m := record(t, 2, "From: Secretary <secretary@cluj.example.ro>\nReply-To: Mayor's office <Mayor@Cluj.example.ro>\nSubject: Questionnaire\nMessage-ID: <r@cluj.example.ro>\n\nHello, here is our letter.\n")
	out, _ := replies(t, c, m)
	if len(out) == 0 || !slices.Equal(out[0].To, []string{"mayor@cluj.example.ro"}) {
		t.Fatalf("acknowledgement goes to %v, want the Reply-To address", out)
	}
}

// TestHeaderInjection feeds hostile subjects, names and identifiers: none
// may add a header field or reach a header unencoded.
func TestHeaderInjection(t *testing.T) {
	c := newComposer(t, testConfig())
	m := record(t, 5, questionnaireEN)
	m.Subject = "Answers\r\nBcc: everyone@example.org\r\nX-Evil: 1"
	m.FromName = "Ana\r\nBcc: victim@example.org"
	m.MessageID = "<a@b>\r\nBcc: x@example.org"
	m.References = []string{"<ok@example.org>", "<bad\r\nBcc: y@example.org>", "no-brackets"}
	out, _ := replies(t, c, m)
	raw := out[0].Raw
	hdr, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"Bcc", "X-Evil"} {
		if _, ok := msg.Header[key]; ok {
			t.Errorf("a %s field was injected:\n%s", key, hdr)
		}
	}
	if got := msg.Header.Get("In-Reply-To"); got != "" {
		t.Errorf("In-Reply-To = %q from a malformed Message-ID, want none", got)
	}
	dec := new(mime.WordDecoder)
	subj, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	if subj != "Re: Answers Bcc: everyone@example.org X-Evil: 1" {
		t.Errorf("Subject = %q, want the input on one line", subj)
	}
	if bytes.Contains(hdr, []byte("\r\nBcc")) {
		t.Errorf("header holds a Bcc line:\n%s", hdr)
	}
}

func TestReplySubject(t *testing.T) {
	for in, want := range map[string]string{
		"Questionnaire":       "Re: Questionnaire",
		"RE: Questionnaire":   "RE: Questionnaire",
		"AW: Fragebogen":      "AW: Fragebogen",
		"Réf : Questionnaire": "Réf : Questionnaire",
		"Re[2]: x":            "Re[2]: x",
		"Return of forms":     "Re: Return of forms",
		"":                    "FALLBACK",
		"  \t ":               "FALLBACK",
	} {
		if got := replySubject(in, "FALLBACK"); got != want {
			t.Errorf("replySubject(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestThreadRefs(t *testing.T) {
	var refs []string
	for i := range 30 {
		refs = append(refs, fmt.Sprintf("<r%d@example.org>", i))
	}
	got := threadRefs(refs, "<p@example.org>")
	if len(got) != maxRefs || got[0] != "<r0@example.org>" || got[len(got)-1] != "<p@example.org>" || got[len(got)-2] != "<r29@example.org>" {
		t.Errorf("threadRefs(30 refs) = %v, want the first, the latest, then the parent; %d in all", got, maxRefs)
	}
}

func TestDKIM(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]crypto.Signer{"rsa": rsaKey, "ed25519": edKey} {
		t.Run(name, func(t *testing.T) {
			der, err := x509.MarshalPKCS8PrivateKey(key)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "dkim.pem")
			if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
				t.Fatal(err)
			}
			signer, err := LoadSigner(path, "coe.int", "alliance2026")
			if err != nil {
				t.Fatal(err)
			}
			pub, err := x509.MarshalPKIXPublicKey(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			algo := map[string]string{"rsa": "rsa", "ed25519": "ed25519"}[name]
			if name == "ed25519" {
				pub = key.Public().(ed25519.PublicKey)
			}
			txt := fmt.Sprintf("v=DKIM1; k=%s; p=%s", algo, base64.StdEncoding.EncodeToString(pub))

			cfg := testConfig()
			cfg.Signer = signer
			c := newComposer(t, cfg)
			m := longThread(t)
			out, _ := replies(t, c, m)
			if len(out) != 2 {
				t.Fatalf("want ack and staff notice, got %v", kinds(out))
			}
			for _, o := range out {
				verifs, err := dkim.VerifyWithOptions(bytes.NewReader(o.Raw), &dkim.VerifyOptions{
					LookupTXT: func(domain string) ([]string, error) {
						if domain != "alliance2026._domainkey.coe.int" {
							return nil, fmt.Errorf("unexpected lookup %s", domain)
						}
						return []string{txt}, nil
					},
				})
				if err != nil || len(verifs) != 1 {
					t.Fatalf("%s: Verify = %v, %v", o.Kind, verifs, err)
				}
				if verifs[0].Err != nil {
					t.Errorf("%s: signature does not verify: %v", o.Kind, verifs[0].Err)
				}
				for _, h := range []string{"from", "subject", "references", "in-reply-to", "auto-submitted", "content-language"} {
					if o.Kind == KindAck && !slices.ContainsFunc(verifs[0].HeaderKeys, func(k string) bool { return strings.EqualFold(k, h) }) {
						t.Errorf("%s: %s is not signed (signed: %v)", o.Kind, h, verifs[0].HeaderKeys)
					}
				}
			}
		})
	}
}

// longThread is the join request with a long References list: many signed
// header fields, the case where go-mail's own signer fails.
func longThread(t *testing.T) *store.Message {
	m := record(t, 9, joinFR)
	for i := range 15 {
		m.References = append(m.References, fmt.Sprintf("<thread-%d-with-a-long-identifier@mail.saint-aubin.example.fr>", i))
	}
	return m
}

func TestDKIMKeyErrors(t *testing.T) {
	if _, err := ParseKey([]byte("not a key")); err == nil {
		t.Error("ParseKey(garbage) = nil error")
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSigner("coe.int", "s", ec); err == nil {
		t.Error("NewSigner(ECDSA key) = nil error")
	}
	ed := ed25519.NewKeyFromSeed(make([]byte, 32))
	if _, err := NewSigner("", "s", ed); err == nil {
		t.Error("NewSigner without a domain = nil error")
	}
	if _, err := LoadSigner(filepath.Join(t.TempDir(), "missing.pem"), "coe.int", "s"); err == nil {
		t.Error("LoadSigner(missing file) = nil error")
	}
}
