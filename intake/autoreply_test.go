package intake

import (
	"strings"
	"testing"
)

func TestIsAutoReply(t *testing.T) {
	for _, c := range signalCases {
		if c.class == ClassBounce {
			continue // classify never asks
		}
		t.Run(c.file, func(t *testing.T) {
			want := c.class == ClassAutoReply
			if got := isAutoReply(readSignal(t, c.file)); got != want {
				t.Errorf("isAutoReply(%s) = %v, want %v", c.file, got, want)
			}
		})
	}
}

func TestAutoReplySubject(t *testing.T) {
	tests := []struct {
		subject string
		want    bool
	}{
		{"Automatic reply: Questionnaire", true},
		{"[EXTERNAL] Out of Office: Questionnaire", true},
		{"Abwesenheitsnotiz: Fragebogen", true},
		{"Réponse automatique : Questionnaire", true},
		{"Automatická odpověď: Dotazník", true},
		{"Αυτόματη απάντηση: Ερωτηματολόγιο", true},
		{"Автоматический ответ: Анкета", true},
		{"Otomatik yanıt: Anket", true},
		{"Autosvar: Enkät", true},
		{"AUTO: Jan Novak is out of the office (returning 04/05/2026)", true},
		{"RE: Automatic reply: Questionnaire", false},
		{"Re: Questionnaire - out of office until Monday", false},
		{"Questionnaire Alliance", false},
		{"Absenteeism of Roma pupils", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := autoReplySubject(tt.subject); got != tt.want {
			t.Errorf("autoReplySubject(%q) = %v, want %v", tt.subject, got, tt.want)
		}
	}
}

func TestIsAutoReplyHeaders(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"Auto-Submitted: auto-replied", true},
		{"Auto-Submitted: auto-generated (vacation)", true},
		{"Auto-Submitted: no", false},
		{"Auto-Submitted: No (comment)", false},
		{"X-Autoreply: yes", true},
		{"X-Autorespond: 1", true},
		{"Precedence: auto_reply", true},
		{"Precedence: bulk", false},
		{"X-Mailer: Vacation/1.2.7", true},
		{"X-Auto-Response-Suppress: All", false},
		{"X-Apple-Action: VACATION", true},
	}
	for _, tt := range tests {
		raw := "From: a@example.org\r\nTo: roma.summit@coe.int\r\nSubject: Re: Questionnaire\r\n" + tt.header +
			"\r\n\r\nThank you, we will answer next week with the data of the city.\r\n"
		m, err := read([]byte(raw), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got := isAutoReply(m); got != tt.want {
			t.Errorf("isAutoReply(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func FuzzIsAutoReply(f *testing.F) {
	addSignalSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, _ := read(raw, Limits{MaxSize: 1 << 20, MaxParts: 100})
		isAutoReply(m)
	})
}

// FuzzSubjectTag holds mayStartWithTag to subjectTagRe: it may only rule
// out subjects the pattern does not match.
func FuzzSubjectTag(f *testing.F) {
	for _, s := range []string{"[EXTERNAL] Out of office", " \t*** Spam *** x", "*x", "Re: [x]", "\u00a0[x]", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !mayStartWithTag(s) && subjectTagRe.MatchString(s) {
			t.Errorf("mayStartWithTag(%q) is false, but subjectTagRe matches", s)
		}
	})
}

// FuzzLowerContains holds lowerContains and hasPrefixFold to the plain
// expressions they stand for.
func FuzzLowerContains(f *testing.F) {
	f.Add("Multipart/REPORT; report-type=delivery-status", "multipart/report")
	f.Add("Report-ID: x", "report-id:")
	f.Add("K\u212a", "kk")
	f.Fuzz(func(t *testing.T, s, sub string) {
		sub = strings.ToLower(sub)
		if !isASCII(sub) {
			return
		}
		if got, want := lowerContains(s, sub), strings.Contains(strings.ToLower(s), sub); got != want {
			t.Errorf("lowerContains(%q, %q) = %v, want %v", s, sub, got, want)
		}
		if !isASCII(s) {
			return
		}
		if got, want := hasPrefixFold(s, sub), strings.HasPrefix(strings.ToLower(s), sub); got != want {
			t.Errorf("hasPrefixFold(%q, %q) = %v, want %v", s, sub, got, want)
		}
	})
}
