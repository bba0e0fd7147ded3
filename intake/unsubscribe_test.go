package intake

import (
	"strings"
	"testing"
)

func TestFindUnsubscribe(t *testing.T) {
	for _, c := range signalCases {
		if c.class == ClassBounce || c.class == ClassAutoReply {
			continue // classify never asks
		}
		t.Run(c.file, func(t *testing.T) {
			got := findUnsubscribe(readSignal(t, c.file), signalOptions)
			switch {
			case c.class != ClassUnsubscribe && got != nil:
				t.Errorf("findUnsubscribe(%s) = %+v, want nil", c.file, *got)
			case c.class == ClassUnsubscribe && got == nil:
				t.Errorf("findUnsubscribe(%s) = nil, want %q", c.file, c.unsub)
			case c.class == ClassUnsubscribe && got.Address != c.unsub:
				t.Errorf("findUnsubscribe(%s) = %q, want %q", c.file, got.Address, c.unsub)
			}
		})
	}
}

func TestFindUnsubscribeOptions(t *testing.T) {
	// Without an unsubscribe address, mail to it is ordinary mail.
	if got := findUnsubscribe(readSignal(t, "unsub-address.eml"), nil); got != nil {
		t.Errorf("findUnsubscribe(unsub-address.eml, nil) = %+v, want nil", *got)
	}
	got := findUnsubscribe(readSignal(t, "unsub-es.eml"), &Options{})
	if got == nil || got.Address != "ana.lopez@diputacion.example.es" {
		t.Errorf("findUnsubscribe(unsub-es.eml, zero Options) = %+v, want ana.lopez@diputacion.example.es", got)
	}
}

func TestOwnText(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"outlook", "Please unsubscribe me.\n\nRegards\n\n-----Original Message-----\nFrom: x\nunsubscribe\n", "Please unsubscribe me.\n\nRegards"},
		{"quoted", "> quoted line\nMy answer\n", "My answer"},
		{"wrote", "Yes.\n\nOn Tue, 14 Apr 2026 at 09:12, Secretariat <roma.summit@coe.int> wrote:\n> text\n", "Yes."},
		{"wrote split", "Oui.\n\nLe mar. 14 avr. 2026 à 09:12, Secretariat <roma.summit@coe.int>\na écrit :\n> text\n", "Oui."},
		{"header block", "Danke.\n\nVon: Secretariat <roma.summit@coe.int>\nGesendet: Dienstag, 14. April 2026 09:12\nAn: x\n", "Danke."},
		{"signature", "Thanks\n-- \nJohn\nunsubscribe link\n", "Thanks"},
		{"crlf", "Thanks\r\n\r\n> old\r\n", "Thanks"},
	}
	for _, tt := range tests {
		m := &message{env: &Envelope{}, text: tt.body}
		if got := ownText(m, 1000); got != tt.want {
			t.Errorf("ownText(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestOwnTextLimits(t *testing.T) {
	// Read for one limit, then asked for smaller ones: the same as read for
	// each alone.
	body := strings.Repeat("Line of the reply, long enough.\n", 40) + "-- \nJohn\n"
	for _, limits := range [][]int{{1500, 1200, 31, 32, 33, 0}, {1200, 1500}, {5000, 1500}} {
		m := &message{env: &Envelope{}, text: body}
		for _, limit := range limits {
			fresh := &message{env: &Envelope{}, text: body}
			if got, want := ownText(m, limit), ownText(fresh, limit); got != want {
				t.Errorf("ownText(m, %d) after %v = %q, want %q", limit, limits, got, want)
			}
		}
	}
}

// wroteInputs are lines for endsWithWroteVerb: "wrote" lines in each
// language, in other cases and with the trailing spaces and colon wroteRe
// allows, and lines that only look like them.
func wroteInputs() []string {
	out := []string{"", ":", " : ", "1. Name: Brno", "Le 14 avril", "On Tue wrote", "On Tue wrote: x", "On Tue, X wrote::",
		"On Tue \u212aIRJOITTI", "On Tue \u017fchrieb:", "On Tue wrote\xff", "\xffwrote", "On x napisał(a):"}
	for _, v := range wroteVerbs {
		for _, w := range []string{v, strings.ToUpper(v), strings.ToTitle(v)} {
			out = append(out, "On Tue, X "+w, "1 "+w+" :", "Le lun. "+w+" \t:\t ", "Am "+w+":x", w[1:], "la "+w[:len(w)-1])
		}
	}
	return out
}

func TestEndsWithWroteVerb(t *testing.T) {
	for _, s := range wroteInputs() {
		if wroteRe.MatchString(s) && !endsWithWroteVerb(s) {
			t.Errorf("endsWithWroteVerb(%q) = false, but wroteRe matches", s)
		}
	}
	for _, s := range []string{"On Tue, 14 Apr 2026, X wrote:", "Le 14 avr. 2026, X a écrit :", "Dne 14. 4. 2026 X napsal(a):"} {
		if !endsWithWroteVerb(s) {
			t.Errorf("endsWithWroteVerb(%q) = false, want true", s)
		}
	}
}

func FuzzEndsWithWroteVerb(f *testing.F) {
	for _, s := range wroteInputs() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if wroteRe.MatchString(s) && !endsWithWroteVerb(s) {
			t.Errorf("endsWithWroteVerb(%q) = false, but wroteRe matches", s)
		}
	})
}

func FuzzFindUnsubscribe(f *testing.F) {
	addSignalSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, _ := read(raw, Limits{MaxSize: 1 << 20, MaxParts: 100})
		findUnsubscribe(m, signalOptions)
		findUnsubscribe(m, nil)
	})
}
