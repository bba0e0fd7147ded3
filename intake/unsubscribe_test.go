package intake

import "testing"

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

func FuzzFindUnsubscribe(f *testing.F) {
	addSignalSeeds(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, _ := read(raw, Limits{MaxSize: 1 << 20, MaxParts: 100})
		findUnsubscribe(m, signalOptions)
		findUnsubscribe(m, nil)
	})
}
