package intake

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/coe-congress/alliancebot/internal/corpus"
)

func TestNoReply(t *testing.T) {
	const body = "\r\nHello, here are our answers.\r\n"
	tests := []struct {
		header string
		want   string // a prefix of the reason; "" for none
	}{
		{"From: Ana <ana@cluj.ro>\r\n", ""},
		{"From: ana@cluj.ro\r\nAuto-Submitted: no\r\n", ""},
		{"From: ana@cluj.ro\r\nAuto-Submitted: No (manual)\r\n", ""},
		{"From: ana@cluj.ro\r\nAuto-Submitted: auto-replied\r\n", "Auto-Submitted: auto-replied"},
		{"From: ana@cluj.ro\r\nAuto-Submitted: auto-generated; owner-email=x@y\r\n", "Auto-Submitted: auto-generated"},
		{"From: ana@cluj.ro\r\nPrecedence: bulk\r\n", "Precedence: bulk"},
		{"From: ana@cluj.ro\r\nPrecedence: LIST\r\n", "Precedence: list"},
		{"From: ana@cluj.ro\r\nPrecedence: junk\r\n", "Precedence: junk"},
		{"From: ana@cluj.ro\r\nPrecedence: first-class\r\n", ""},
		{"From: ana@cluj.ro\r\nList-Id: <roma.lists.example.org>\r\n", "mailing list (List-Id)"},
		{"From: ana@cluj.ro\r\nList-Unsubscribe: <mailto:u@example.org>\r\n", "mailing list (List-Unsubscribe)"},
		{"From: neko-admin@example.co.jp\r\nX-MLServer: fml [fml 4.0.3]\r\n", "mailing list (X-Mlserver)"},
		{"From: ana@cluj.ro\r\nX-Loop: roma@cluj.ro\r\n", "mailing list (X-Loop)"},
		{"From: ana@cluj.ro\r\nX-Auto-Response-Suppress: DR, OOF, AutoReply\r\n", "X-Auto-Response-Suppress: OOF"},
		{"From: ana@cluj.ro\r\nX-Auto-Response-Suppress: DR, RN\r\n", ""},
		{"From: ana@cluj.ro\r\nReturn-Path: <>\r\n", "null return path"},
		{"From: ana@cluj.ro\r\nReturn-Path: <ana@cluj.ro>\r\n", ""},
		{"From: MAILER-DAEMON@mx.cluj.ro\r\n", "machine sender"},
		{"From: Mail Delivery System <Mailer-Daemon@mx.example>\r\n", "machine sender"},
		{"From: postmaster@cluj.ro\r\n", "machine sender"},
		{"From: no-reply@cluj.ro\r\n", "no-reply sender"},
		{"From: noreply+abc@cluj.ro\r\n", "no-reply sender"},
		{"From: Do_Not_Reply@cluj.ro\r\n", "no-reply sender"},
		{"From: notifications-noreply@cluj.ro\r\n", "no-reply sender"},
		{"From: owner-roma@lists.example.org\r\n", "mailing list sender"},
		{"From: roma-request@lists.example.org\r\n", "mailing list sender"},
		{"From: bounces+123@mail.example.org\r\n", "bounce sender"},
		{"Subject: no sender\r\n", "no sender address"},
		{"From: undisclosed\r\n", "sender is not an address"},
	}
	for _, tt := range tests {
		raw := []byte(tt.header + "Subject: Questionnaire\r\nMessage-ID: <1@cluj.ro>\r\n" + body)
		env, err := ReadEnvelope(raw, Limits{})
		if err != nil {
			t.Fatalf("ReadEnvelope(%q): %v", tt.header, err)
		}
		if tt.want == "" && env.NoReply != "" || !strings.HasPrefix(env.NoReply, tt.want) {
			t.Errorf("NoReply of %q = %q, want %q", tt.header, env.NoReply, tt.want)
		}
	}
}

// TestNoReplyStable checks that a message with several List-* fields gets the
// same reason each time it is read: the header is a map, and the stored
// record must not depend on its order.
func TestNoReplyStable(t *testing.T) {
	raw := []byte("From: news@lists.example.org\r\nList-Unsubscribe: <mailto:u@example.org>\r\n" +
		"List-Post: <mailto:p@example.org>\r\nList-Id: <roma.lists.example.org>\r\nList-Archive: <https://example.org>\r\n" +
		"Subject: News\r\n\r\nHello\r\n")
	for range 50 {
		env, err := ReadEnvelope(raw, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if env.NoReply != "mailing list (List-Archive)" {
			t.Fatalf("NoReply = %q, want the first List-* field by name, List-Archive", env.NoReply)
		}
	}
}

// TestNoReplyHeaderOnly checks that a message too large to parse is still
// recognised as automatic from its header.
func TestNoReplyHeaderOnly(t *testing.T) {
	raw := []byte("From: ana@cluj.ro\r\nReply-To: Office <Office@Cluj.ro>\r\nAuto-Submitted: auto-generated\r\n\r\n" + strings.Repeat("x", 100))
	env, err := ReadEnvelope(raw, Limits{MaxSize: 50})
	if err == nil {
		t.Fatal("ReadEnvelope over the size limit: no error")
	}
	if env.NoReply != "Auto-Submitted: auto-generated" {
		t.Errorf("NoReply = %q, want the Auto-Submitted reason", env.NoReply)
	}
	if !slices.Equal(env.ReplyTo, []string{"office@cluj.ro"}) {
		t.Errorf("ReplyTo = %q, want [office@cluj.ro]", env.ReplyTo)
	}
}

func TestReplyTo(t *testing.T) {
	raw := []byte("From: ana@cluj.ro\r\nReply-To: \"Mairie\" <Mairie@Cluj.ro>, b@cluj.ro\r\nSubject: x\r\n\r\nbody\r\n")
	env, err := ReadEnvelope(raw, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"mairie@cluj.ro", "b@cluj.ro"}; !slices.Equal(env.ReplyTo, want) {
		t.Errorf("ReplyTo = %q, want %q", env.ReplyTo, want)
	}
}

// TestNoReplyCorpus checks that no bounce or automatic reply of the shared
// corpus could be answered: each is either classified as such or its header
// forbids an answer.
func TestNoReplyCorpus(t *testing.T) {
	files := corpus.Files(t)
	var checked int
	for _, f := range files {
		if f.Label != "bounce" && f.Label != "auto_reply" {
			continue
		}
		if _, ok := labelDisagreements[f.Name]; ok {
			continue
		}
		raw, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		env, res := Read(raw, Options{})
		checked++
		if res.Class == ClassBounce || res.Class == ClassAutoReply || env.NoReply != "" {
			continue
		}
		t.Errorf("%s (labelled %s): class %s, NoReply %q: it could be answered", f.Name, f.Label, res.Class, env.NoReply)
	}
	t.Logf("%d labelled bounces and auto-replies checked", checked)
}

func FuzzMachineAddress(f *testing.F) {
	for _, s := range []string{"", "a@b", "MAILER-DAEMON@x", "no-reply+x@y", "@", "a@", "owner-x@y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = MachineAddress(s)
	})
}
