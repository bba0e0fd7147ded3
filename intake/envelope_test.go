package intake

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coe-congress/alliancebot/internal/corpus"
)

func TestReadEnvelope(t *testing.T) {
	raw := []byte("Received: from mx.example.org by mail.coe.example; Tue, 14 Apr 2026 09:12:01 +0200\r\n" +
		"From: =?iso-8859-1?Q?Claire_Dupr=E9?= <C.Dupre@Montreuil.example.FR>\r\n" +
		"To: roma.summit@coe.int, Other <other@example.org>\r\n" +
		"Cc: maire@montreuil.example.fr\r\n" +
		"Subject: =?utf-8?Q?RE=3A_Questionnaire_=C3=A9t=C3=A9?=\r\n" +
		"Date: Tue, 14 Apr 2026 09:12:00 +0200\r\n" +
		"Message-ID: <abc@mail.example.fr> (comment)\r\n" +
		"In-Reply-To: <q1@coe.int>\r\n" +
		"References: <q0@coe.int>\r\n <q1@coe.int>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"reponse.pdf\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n")
	env, err := ReadEnvelope(raw, Limits{})
	if err != nil {
		t.Fatalf("ReadEnvelope: %v", err)
	}
	want := &Envelope{
		MessageID:   "<abc@mail.example.fr>",
		From:        "c.dupre@montreuil.example.fr",
		FromName:    "Claire Dupré",
		To:          []string{"roma.summit@coe.int", "other@example.org"},
		Cc:          []string{"maire@montreuil.example.fr"},
		Subject:     "RE: Questionnaire été",
		Date:        time.Date(2026, 4, 14, 9, 12, 0, 0, time.FixedZone("", 2*3600)),
		InReplyTo:   "<q1@coe.int>",
		References:  []string{"<q0@coe.int>", "<q1@coe.int>"},
		Attachments: []Attachment{{Name: "reponse.pdf", ContentType: "application/pdf", Size: 9}},
	}
	env.Fingerprint = ""
	if !env.Date.Equal(want.Date) {
		t.Errorf("Date = %v, want %v", env.Date, want.Date)
	}
	env.Date = want.Date
	if g, w := strings.Join(fieldStrings(env), "\n"), strings.Join(fieldStrings(want), "\n"); g != w {
		t.Errorf("ReadEnvelope =\n%s\nwant\n%s", g, w)
	}
}

func fieldStrings(e *Envelope) []string {
	var s []string
	for _, a := range e.Attachments {
		s = append(s, a.Name, a.ContentType, string(rune('0'+a.Size)))
	}
	return append(s, e.MessageID, e.From, e.FromName, strings.Join(e.To, ","), strings.Join(e.Cc, ","),
		e.Subject, e.InReplyTo, strings.Join(e.References, " "), strings.Join(e.Warnings, ";"))
}

func TestFingerprintIgnoresTraceHeaders(t *testing.T) {
	base := "From: a@example.org\r\nDate: Tue, 14 Apr 2026 09:12:00 +0200\r\nSubject: Hello\r\nMessage-ID: <x@example.org>\r\n\r\nBody text \r\n"
	a, _ := ReadEnvelope([]byte(base), Limits{})
	b, _ := ReadEnvelope([]byte("Received: from a by b; Tue, 14 Apr 2026 09:12:01 +0200\r\nDelivered-To: x@y\r\n"+strings.ReplaceAll(base, "\r\n", "\n")), Limits{})
	c, _ := ReadEnvelope([]byte(strings.Replace(base, "Body text", "Other text", 1)), Limits{})
	if a.Fingerprint != b.Fingerprint {
		t.Errorf("fingerprint changed with trace headers and line endings")
	}
	if a.Fingerprint == c.Fingerprint {
		t.Errorf("fingerprint is the same for different bodies")
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"a\rb\r", "a\r\nb\r\n"},
		{"a\r\r\nb", "a\r\n\r\nb"},
		{"From someone Tue Apr 14 2026\nSubject: x\n\nbody", "Subject: x\n\nbody"},
	}
	for _, tt := range tests {
		if got := string(Normalize([]byte(tt.in))); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReadEnvelopeBareCR(t *testing.T) {
	raw := []byte("From: a@example.org\rSubject: Mac mail\rMessage-ID: <cr@example.org>\r\rHello\r")
	env, err := ReadEnvelope(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if env.Subject != "Mac mail" || env.MessageID != "<cr@example.org>" {
		t.Errorf("ReadEnvelope(bare CR) = subject %q, id %q; want %q, %q", env.Subject, env.MessageID, "Mac mail", "<cr@example.org>")
	}
}

func TestReadEnvelopeLimits(t *testing.T) {
	raw := []byte("From: a@example.org\r\nSubject: big\r\n\r\n" + strings.Repeat("x", 2000))
	env, err := ReadEnvelope(raw, Limits{MaxSize: 1000})
	if !errors.Is(err, ErrLimit) {
		t.Fatalf("ReadEnvelope(2 KB, MaxSize 1000) error = %v, want ErrLimit", err)
	}
	if env.Subject != "big" {
		t.Errorf("over the limit, Subject = %q, want the header still read", env.Subject)
	}
	var parts bytes.Buffer
	parts.WriteString("From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for range 30 {
		parts.WriteString("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n")
	}
	parts.WriteString("--b--\r\n")
	if _, err := ReadEnvelope(parts.Bytes(), Limits{MaxParts: 10}); !errors.Is(err, ErrLimit) {
		t.Errorf("ReadEnvelope(30 parts, MaxParts 10) error = %v, want ErrLimit", err)
	}
	var nested bytes.Buffer
	nested.WriteString("From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n")
	for i := 1; i <= 8; i++ {
		fmt.Fprintf(&nested, "--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n", i-1, i)
	}
	nested.WriteString("--b8\r\nContent-Type: text/plain\r\n\r\ndeep\r\n")
	for i := 8; i >= 0; i-- {
		fmt.Fprintf(&nested, "--b%d--\r\n", i)
	}
	if _, err := ReadEnvelope(nested.Bytes(), Limits{MaxDepth: 5}); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "nested") {
		t.Errorf("ReadEnvelope(nested 9 deep, MaxDepth 5) error = %v, want ErrLimit on nesting", err)
	}
	if _, err := ReadEnvelope(nested.Bytes(), Limits{}); err != nil {
		t.Errorf("ReadEnvelope(nested 9 deep) = %v, want it read under the default limit", err)
	}
}

// TestCorpus reads every message of the shared corpus: none may panic or hang,
// and every one gives an envelope.
func TestCorpus(t *testing.T) {
	files := corpus.Files(t)
	var withID, withErr int
	for _, f := range files {
		raw, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		env, err := ReadEnvelope(raw, Limits{})
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: ReadEnvelope took %v", f.Name, d)
		}
		if env == nil {
			t.Fatalf("%s: ReadEnvelope returned a nil envelope", f.Name)
		}
		if err != nil {
			withErr++
			t.Logf("%s: %v", f.Name, err)
		}
		if env.MessageID != "" {
			withID++
		}
	}
	t.Logf("%d files, %d with a Message-ID, %d not understood", len(files), withID, withErr)
}

func FuzzReadEnvelope(f *testing.F) {
	f.Add([]byte("From: a@example.org\r\nSubject: x\r\n\r\nbody"))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--"))
	f.Add([]byte("From: a@b\rSubject: cr\r\rbody\r"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		env, _ := ReadEnvelope(raw, Limits{MaxSize: 1 << 16, MaxParts: 50})
		if env == nil {
			t.Fatal("nil envelope")
		}
		if env.Fingerprint == "" {
			t.Fatal("empty fingerprint")
		}
	})
}

func FuzzNormalize(f *testing.F) {
	f.Add([]byte("a\rb\r\nc\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out := Normalize(raw)
		if hasBareCR(out) {
			t.Fatalf("Normalize(%q) = %q still has a bare CR", raw, out)
		}
	})
}

func TestFixC1(t *testing.T) {
	// windows-1252 bytes labelled iso-8859-1: ’ is 0x92, € is 0x80, – is 0x96.
	raw := []byte("From: a@example.org\r\nSubject: =?iso-8859-1?Q?l=92Alliance?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n\r\nBudget =80 1 000 =96 l=92=E9t=E9\r\n")
	m, err := read(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Budget € 1 000 – l’été\n"; strings.TrimRight(m.text, "\r\n")+"\n" != want {
		t.Errorf("text = %q, want %q", m.text, want)
	}
	if m.env.Subject != "l’Alliance" {
		t.Errorf("subject = %q, want %q", m.env.Subject, "l’Alliance")
	}
}
